import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FileSource } from './file-source';

/** MD5, SHA-256 and size of some bytes, computed as they stream past. */
export class ContentDigest {
  private readonly md5 = createHash('md5');
  private readonly sha256 = createHash('sha256');
  /** Bytes seen so far. */
  size = 0;

  /** Adds a chunk. */
  update(chunk: Uint8Array): void {
    this.md5.update(chunk);
    this.sha256.update(chunk);
    this.size += chunk.length;
  }

  /** Final digests (call once). */
  digest(): { md5: string; sha256: string; size: number } {
    return { md5: this.md5.digest('hex'), sha256: this.sha256.digest('hex'), size: this.size };
  }
}

/** Digests of a file: its size, and the hashes that were computed. */
export interface FileDigest {
  size: number;
  md5?: string;
  sha256?: string;
}

/**
 * Verifies a file on disk against a source: the size first (free), then one hash: SHA-256 where published,
 * else MD5 (one strong hash identifies the file; downloads check every published hash as they stream).
 */
export async function digestFileFor(path: string, source: FileSource): Promise<FileDigest> {
  const { size } = await stat(path);
  if (source.size !== undefined && size !== source.size) return { size };
  const algorithm = source.sha256 ? 'sha256' : source.md5 ? 'md5' : null;
  if (!algorithm) return { size };
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return { size, [algorithm]: hash.digest('hex') };
}

/**
 * Compares digests with what a source publishes. Returns `null` when everything that was both published and
 * computed matches, else a sentence saying what differs. The caller makes sure a hash was computed.
 */
export function checksumMismatch(
  source: FileSource,
  actual: FileDigest,
): string | null {
  const diffs: string[] = [];
  if (source.size !== undefined && source.size !== actual.size) diffs.push(`size ${actual.size} bytes, expected ${source.size}`);
  if (source.md5 && actual.md5 && source.md5.toLowerCase() !== actual.md5) diffs.push(`md5 ${actual.md5}, expected ${source.md5}`);
  if (source.sha256 && actual.sha256 && source.sha256.toLowerCase() !== actual.sha256) {
    diffs.push(`sha256 ${actual.sha256}, expected ${source.sha256}`);
  }
  return diffs.length ? diffs.join('; ') : null;
}
