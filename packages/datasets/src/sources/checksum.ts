import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
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

/** Digests a file on disk. */
export async function digestFile(path: string): Promise<{ md5: string; sha256: string; size: number }> {
  const d = new ContentDigest();
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) d.update(chunk as Buffer);
  return d.digest();
}

/**
 * Compares digests with what a source publishes. Returns `null` when everything that is published matches,
 * else a sentence saying what differs.
 */
export function checksumMismatch(
  source: FileSource,
  actual: { md5: string; sha256: string; size: number },
): string | null {
  const diffs: string[] = [];
  if (source.size !== undefined && source.size !== actual.size) diffs.push(`size ${actual.size} bytes, expected ${source.size}`);
  if (source.md5 && source.md5.toLowerCase() !== actual.md5) diffs.push(`md5 ${actual.md5}, expected ${source.md5}`);
  if (source.sha256 && source.sha256.toLowerCase() !== actual.sha256) {
    diffs.push(`sha256 ${actual.sha256}, expected ${source.sha256}`);
  }
  return diffs.length ? diffs.join('; ') : null;
}
