import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { idxBytes, mnistFixture, tempDir } from '../testing/fixture-files';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, readIdxPair } from './idx';

const expectShape = { rows: 28, cols: 28, numClasses: 10 };

function pair(images: Uint8Array, labels: Uint8Array) {
  const dir = tempDir();
  const ip = join(dir, 'images.gz');
  const lp = join(dir, 'labels.gz');
  writeFileSync(ip, images);
  writeFileSync(lp, labels);
  return { ip, lp };
}

describe('IDX', () => {
  it('reads gzipped images and labels byte for byte', async () => {
    const f = mnistFixture(12);
    const { ip, lp } = pair(f.images, f.labels);
    const r = await readIdxPair(ip, lp, expectShape);
    expect(r.count).toBe(12);
    expect(Array.from(r.x)).toEqual(Array.from(f.x));
    expect(Array.from(r.y)).toEqual(Array.from(f.y));
  });

  it('reads uncompressed files too', async () => {
    const f = mnistFixture(3);
    const { ip, lp } = pair(idxBytes(2051, [3, 28, 28], f.x), idxBytes(2049, [3], f.y));
    expect((await readIdxPair(ip, lp, expectShape)).x[100]).toBe(f.x[100]);
  });

  it('rejects a wrong magic number, naming the file and byte 0', () => {
    expect(() => parseIdx(idxBytes(2049, [1, 28, 28], new Uint8Array(784)), IDX_IMAGES_MAGIC, 'f.idx')).toThrow(
      /f\.idx: wrong magic number 2049 .*at byte 0.*starts with 2051.*swapped/,
    );
    expect(() => parseIdx(idxBytes(1234, [1], new Uint8Array(1)), IDX_LABELS_MAGIC, 'l.idx')).toThrow(/l\.idx: wrong magic number 1234/);
  });

  it('rejects truncated and over-long payloads with byte offsets', () => {
    const bytes = idxBytes(2051, [2, 28, 28], new Uint8Array(2 * 784));
    expect(() => parseIdx(bytes.subarray(0, bytes.length - 5), IDX_IMAGES_MAGIC, 'a')).toThrow(
      `a: truncated at byte ${bytes.length - 5}: header says 2×28×28 = 1568 bytes of data after byte 16, found 1563`,
    );
    expect(() => parseIdx(bytes.subarray(0, 10), IDX_IMAGES_MAGIC, 'a')).toThrow(/truncated at byte 10: an IDX header needs 16/);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(() => parseIdx(longer, IDX_IMAGES_MAGIC, 'a')).toThrow('a: 3 unexpected bytes after the data, from byte 1584');
  });

  it('rejects counts that disagree, bad labels, wrong image size and broken gzip', async () => {
    const f = mnistFixture(4);
    let p = pair(f.images, gzipSync(idxBytes(2049, [5], new Uint8Array(5))));
    await expect(readIdxPair(p.ip, p.lp, expectShape)).rejects.toThrow(/5 labels .* holds 4 images/);
    p = pair(f.images, gzipSync(idxBytes(2049, [4], Uint8Array.from([1, 2, 11, 3]))));
    await expect(readIdxPair(p.ip, p.lp, expectShape)).rejects.toThrow(/bad label 11 at byte 10 \(example 2\)/);
    p = pair(gzipSync(idxBytes(2051, [1, 32, 32], new Uint8Array(1024))), gzipSync(idxBytes(2049, [1], new Uint8Array(1))));
    await expect(readIdxPair(p.ip, p.lp, expectShape)).rejects.toThrow(/images are 32×32.*expected 28×28/);
    p = pair(f.images.subarray(0, f.images.length - 20), f.labels);
    await expect(readIdxPair(p.ip, p.lp, expectShape)).rejects.toThrow(/images\.gz: not a valid gzip stream/);
  });
});
