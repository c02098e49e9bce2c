import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@neural-ode/backend';
import { evaluate } from './evaluate';
import type { TrainEvent } from './events';
import { SMALL_RUN, textureSplit } from './fixtures/textures';
import { lockRunDir } from './run-dir';
import { resume, train } from './train';

const splits = { train: textureSplit(32, 3, 8), test: textureSplit(16, 4, 8, "test") };
const base = SMALL_RUN;
const logs = (events: TrainEvent[]) => events.flatMap((e) => (e.type === 'log' ? [e.line] : []));

/** Flips one byte near the end of a file (inside the last tensor's data). */
function damage(path: string): void {
  const bytes = readFileSync(path);
  bytes[bytes.length - 3] ^= 0x40;
  writeFileSync(path, bytes);
}

describe('run directories that never trap', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu', log: false });
  });

  it('checks each checkpoint file against its SHA-256, names a damaged one, and resumes from the newest intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resume-sha-'));
    await train({ ...base, epochs: 2, save: dir, saveEvery: 1 }, { splits });
    const state = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
    expect(state.sha256.weights).toMatch(/^[0-9a-f]{64}$/);
    damage(join(dir, 'checkpoints', 'epoch-0002.safetensors'));
    await expect(evaluate({ checkpoint: dir }, { split: splits.test })).rejects.toThrow(
      /checkpoints\/epoch-0002\.safetensors is damaged: its SHA-256 is [0-9a-f]{64}, the checkpoint recorded/,
    );
    const events: TrainEvent[] = [];
    const more = await resume(dir, { splits, epochs: 3, onEvent: (e) => events.push(e) });
    expect(logs(events).join('\n')).toMatch(
      /skipping a damaged checkpoint: .*epoch-0002\.safetensors is damaged[^]*resuming from the newest intact checkpoint instead: .*epoch-0001\.json/,
    );
    expect(more.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    // A run that did 3 epochs is not cut back to 2 (config.json would say 2 and the bar 3/2).
    await expect(resume(dir, { splits, epochs: 2 })).rejects.toThrow(/epochs = 2, but the run in .* already trained 3 epochs/);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).config.epochs).toBe(3);
    // A damaged state JSON is named; --checkpoint/--from picks a checkpoint of one's own.
    writeFileSync(join(dir, 'checkpoints', 'epoch-0001.json'), '{"format": neural');
    await expect(evaluate({ checkpoint: join(dir, 'checkpoints', 'epoch-0001.safetensors') })).rejects.toThrow(
      /checkpoints\/epoch-0001\.json is damaged \(not JSON: /,
    );
    const picked: TrainEvent[] = [];
    const again = await resume(dir, { splits, epochs: 3, from: join(dir, 'checkpoints', 'epoch-0002.json'), onEvent: (e) => picked.push(e) });
    expect(logs(picked)[0]).toMatch(/resuming from the chosen checkpoint .*epoch-0002\.json/);
    expect(again.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
  });

  it('resumes a run killed before its first checkpoint from the start, instead of refusing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resume-none-'));
    // A crash after epoch 1 with checkpoints every 10 epochs: config.json and one metrics line, no checkpoint.
    await expect(
      train({ ...base, epochs: 2, save: dir, saveEvery: 10 }, {
        splits,
        onEvent: (e) => {
          if (e.type === 'epoch') throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(existsSync(join(dir, 'checkpoint.json'))).toBe(false);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false); // released on the way out
    await expect(train({ ...base, epochs: 2, save: dir }, { splits })).rejects.toThrow(/already holds a run: continue it with --resume/);
    writeFileSync(join(dir, '.metrics.jsonl.99999.1.tmp'), 'half a line'); // what a kill mid-write leaves
    const events: TrainEvent[] = [];
    const result = await resume(dir, { splits, onEvent: (e) => events.push(e) });
    expect(logs(events)[0]).toMatch(/has no checkpoint yet \(the run stopped before its first one\): starting it again from epoch 1/);
    expect(logs(events)).toContainEqual(expect.stringMatching(/removed 1 temporary file/));
    expect(result.metrics.map((m) => m.epoch)).toEqual([1, 2]);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('names a damaged config.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resume-config-'));
    writeFileSync(join(dir, 'config.json'), '{"config": {');
    await expect(resume(dir, { splits })).rejects.toThrow(new RegExp(`${dir}/config\\.json is damaged \\(`));
    await expect(evaluate({ checkpoint: dir }, { split: splits.test })).rejects.toThrow(/no checkpoint\.json yet/);
  });

  it('refuses to train into a directory another process is training into', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resume-lock-'));
    const release = lockRunDir(dir);
    await expect(train({ ...base, epochs: 1, save: dir }, { splits })).rejects.toThrow(/is in use by process \d+/);
    release();
  });
});
