import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';

/** Bytes of one CIFAR-10 binary record: 1 label byte, then 1024 R, 1024 G and 1024 B bytes (row-major 32×32). */
export const CIFAR10_RECORD_BYTES = 3073;
const PIXELS = 1024;

/** The members of `cifar-10-binary.tar.gz` that make up each split, in order. */
export const CIFAR10_MEMBERS = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
} as const;

/**
 * Decodes CIFAR-10 binary records (label, then the R, G, B planes) into NHWC bytes and labels. `where` names the
 * file (and tar member) in errors, which give the byte offset of the bad record.
 */
export function decodeCifar10Records(bytes: Uint8Array, where: string): { x: Uint8Array; y: Int32Array; count: number } {
  if (bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / CIFAR10_RECORD_BYTES);
    throw new Error(
      `${where}: truncated record at byte ${whole * CIFAR10_RECORD_BYTES}: ${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte records`,
    );
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const x = new Uint8Array(count * PIXELS * 3);
  const y = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const o = n * CIFAR10_RECORD_BYTES;
    const label = bytes[o];
    if (label > 9) throw new Error(`${where}: bad label ${label} at byte ${o} (record ${n}); labels are 0..9`);
    y[n] = label;
    const out = n * PIXELS * 3;
    for (let p = 0; p < PIXELS; p++) {
      const q = out + 3 * p;
      x[q] = bytes[o + 1 + p];
      x[q + 1] = bytes[o + 1 + PIXELS + p];
      x[q + 2] = bytes[o + 1 + 2 * PIXELS + p];
    }
  }
  return { x, y, count };
}

/**
 * Streams `cifar-10-binary.tar.gz` (gunzip + tar, never unpacked to disk) and decodes the members of one split.
 * Members are matched by base name, so the archive's `cifar-10-batches-bin/` prefix is optional.
 */
export async function readCifar10Tar(
  path: string,
  split: 'train' | 'test',
): Promise<{ x: Uint8Array; y: Int32Array; count: number }> {
  const wanted: readonly string[] = CIFAR10_MEMBERS[split];
  const found = new Map<string, { x: Uint8Array; y: Int32Array; count: number }>();
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    // A member cut short (a truncated archive) errors on its own stream; without a listener that error would
    // crash the process. The pipeline below reports it, naming the file.
    stream.on('error', () => undefined);
    const base = header.name.split('/').pop() ?? '';
    if (header.type !== 'file' || !wanted.includes(base)) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      try {
        found.set(base, decodeCifar10Records(Buffer.concat(chunks), `${path}: member ${header.name}`));
        next();
      } catch (err) {
        next(err as Error);
      }
    });
  });
  try {
    await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), createGunzip(), ex);
  } catch (err) {
    const msg = (err as Error).message;
    if (msg.startsWith(path)) throw err;
    const cut = /unexpected end|premature close|truncated/i.test(msg);
    throw new Error(
      `${path}: ${cut ? 'truncated' : 'not a readable .tar.gz'} (${msg}); delete it and fetch it again`,
      { cause: err },
    );
  }
  const missing = wanted.filter((m) => !found.has(m));
  if (missing.length) {
    throw new Error(`${path}: the archive has no member(s) ${missing.join(', ')} (expected under cifar-10-batches-bin/)`);
  }
  return concatenate(wanted.map((m) => found.get(m)!));
}

/** The decoded files of a split, one after the other. */
function concatenate(parts: readonly { x: Uint8Array; y: Int32Array; count: number }[]): { x: Uint8Array; y: Int32Array; count: number } {
  const count = parts.reduce((a, p) => a + p.count, 0);
  const x = new Uint8Array(count * PIXELS * 3);
  const y = new Int32Array(count);
  let n = 0;
  for (const p of parts) {
    x.set(p.x, n * PIXELS * 3);
    y.set(p.y, n);
    n += p.count;
  }
  return { x, y, count };
}

/** Reads a split from an unpacked `cifar-10-batches-bin/` folder (the archive's members as files). */
export async function readCifar10Folder(dir: string, split: 'train' | 'test'): Promise<{ x: Uint8Array; y: Int32Array; count: number }> {
  const parts = [];
  for (const member of CIFAR10_MEMBERS[split]) {
    const path = join(dir, member);
    parts.push(decodeCifar10Records(await readFile(path), path));
  }
  return concatenate(parts);
}
