import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/** Whether bytes start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips bytes that start with the gzip magic, returns other bytes as they are; errors name the file. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new Error(`${file}: not a valid gzip stream (${(err as Error).message}); delete it and fetch it again`);
  }
}

/** {@link maybeGunzip} on libuv's thread pool, so several files can be decompressed at once. */
export async function maybeGunzipAsync(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (err) {
    throw new Error(`${file}: not a valid gzip stream (${(err as Error).message}); delete it and fetch it again`);
  }
}
