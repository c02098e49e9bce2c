import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cifarFixture, cifarRecords, tarGz, tempDir } from '../testing/fixture-files';
import { decodeCifar10Records, readCifar10Tar } from './cifar10-tar';

function write(bytes: Uint8Array): string {
  const p = join(tempDir(), 'cifar-10-binary.tar.gz');
  writeFileSync(p, bytes);
  return p;
}

describe('CIFAR-10 binary', () => {
  it('decodes records to NHWC: label, then R, G, B planes', () => {
    const r = decodeCifar10Records(cifarRecords(3), 'x');
    expect(r.count).toBe(3);
    expect(Array.from(r.y)).toEqual([0, 1, 2]);
    // image 2, pixel p = 5 (row 0, col 5): channel c = (2 + 15 + 50c) % 256
    const q = (2 * 1024 + 5) * 3;
    expect([r.x[q], r.x[q + 1], r.x[q + 2]]).toEqual([17, 67, 117]);
  });

  it('streams the splits out of a .tar.gz, batches in order', async () => {
    const path = write(await cifarFixture(4, 3));
    const train = await readCifar10Tar(path, 'train');
    expect(train.count).toBe(20);
    // data_batch_b has labels (i + b) % 10
    expect(Array.from(train.y.subarray(0, 5))).toEqual([1, 2, 3, 4, 2]);
    expect(Array.from(train.y.subarray(16))).toEqual([5, 6, 7, 8]);
    const test = await readCifar10Tar(path, 'test');
    expect(test.count).toBe(3);
    expect(Array.from(test.y)).toEqual([0, 1, 2]);
    expect(test.x.length).toBe(3 * 32 * 32 * 3);
  });

  it('names the member and byte of a truncated record or a bad label', async () => {
    const short = cifarRecords(2).subarray(0, 3073 + 100);
    let path = write(await tarGz({ 'cifar-10-batches-bin/test_batch.bin': short }));
    await expect(readCifar10Tar(path, 'test')).rejects.toThrow(/member cifar-10-batches-bin\/test_batch\.bin: truncated record at byte 3073/);
    path = write(await tarGz({ 'cifar-10-batches-bin/test_batch.bin': cifarRecords(3, (i) => (i === 2 ? 10 : 0)) }));
    await expect(readCifar10Tar(path, 'test')).rejects.toThrow(/bad label 10 at byte 6146 \(record 2\)/);
  });

  it('names missing members and unreadable archives', async () => {
    let path = write(await tarGz({ 'cifar-10-batches-bin/test_batch.bin': cifarRecords(1) }));
    await expect(readCifar10Tar(path, 'train')).rejects.toThrow(/no member\(s\) data_batch_1\.bin, .*data_batch_5\.bin/);
    path = write(new TextEncoder().encode('not a tarball'));
    await expect(readCifar10Tar(path, 'test')).rejects.toThrow(/cifar-10-binary\.tar\.gz: not a readable \.tar\.gz/);
  });

  it('names a truncated archive, cut inside a member or between members, with no stack dump', async () => {
    const whole = await cifarFixture(40, 10, 0); // stored uncompressed-ish so a cut lands inside the tar
    for (const keep of [0.3, 0.6, 0.95]) {
      const path = write(whole.subarray(0, Math.floor(whole.length * keep)));
      for (const split of ['train', 'test'] as const) {
        await expect(readCifar10Tar(path, split)).rejects.toThrow(new RegExp(`^${path}: .*(truncated|not a readable)`));
      }
    }
  });
});
