import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanRunDir, lockRunDir } from './run-dir';

describe('run directory lock', () => {
  it('refuses a second holder while the first holds it, and frees it on release', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lock-')), 'run');
    const release = lockRunDir(dir);
    expect(JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => lockRunDir(dir)).toThrow(new RegExp(`train: ${dir} is in use by process ${process.pid} on .*delete ${dir}/run\\.lock`));
    release();
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
    lockRunDir(dir)();
  });

  it('takes over a stale lock whose process is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, 'run.lock'), JSON.stringify({ pid: Number(gone), host: hostname(), since: 'earlier' }));
    const release = lockRunDir(dir, 'resume');
    expect(JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')).pid).toBe(process.pid);
    release();
  });
});

describe('cleanRunDir', () => {
  it('removes the temporary files of interrupted atomic writes, nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clean-'));
    mkdirSync(join(dir, 'checkpoints'));
    for (const f of ['.config.json.123.4.tmp', 'config.json', 'notes.tmp', 'checkpoints/.epoch-0001.safetensors.9.1.tmp', 'checkpoints/epoch-0001.json']) {
      writeFileSync(join(dir, f), 'x');
    }
    expect(cleanRunDir(dir).map((p) => p.slice(dir.length + 1))).toEqual(['.config.json.123.4.tmp', 'checkpoints/.epoch-0001.safetensors.9.1.tmp']);
    expect(readdirSync(dir).sort()).toEqual(['checkpoints', 'config.json', 'notes.tmp']);
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual(['epoch-0001.json']);
  });
});
