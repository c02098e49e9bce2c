import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { appendLineAtomic, writeFileAtomic } from './atomic-write';

// Records which paths were opened and which descriptors fsynced, to see the directory flushed after the rename.
const fsLog: string[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const paths = new Map<number, string>();
  return {
    ...fs,
    openSync: (path: string, flags: string) => {
      const fd = fs.openSync(path, flags);
      paths.set(fd, String(path));
      return fd;
    },
    renameSync: (from: string, to: string) => {
      fsLog.push(`rename ${to}`);
      fs.renameSync(from, to);
    },
    fsyncSync: (fd: number) => {
      fsLog.push(`fsync ${paths.get(fd)}`);
      fs.fsyncSync(fd);
    },
  };
});

describe('atomic writes', () => {
  it('replaces a file whole and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'sub', 'a.json');
    writeFileAtomic(path, 'old');
    writeFileAtomic(path, new Uint8Array([110, 101, 119]));
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['a.json']);
  });

  it('on failure keeps the old content, removes the temporary file and names the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const target = join(dir, 'taken');
    mkdirSync(target); // a directory where the file should go: the rename fails
    writeFileSync(join(target, 'keep'), 'x');
    expect(() => writeFileAtomic(target, 'data')).toThrow(new RegExp(`could not write ${target}`));
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(join(target, 'keep'), 'utf8')).toBe('x');
  });

  it('fsyncs the file before the rename and its directory after it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'c.json');
    fsLog.length = 0;
    writeFileAtomic(path, '{}');
    expect(fsLog).toEqual([expect.stringMatching(/^fsync .*\.c\.json\.\d+\.\d+\.tmp$/), `rename ${path}`, `fsync ${dir}`]);
  });

  it('appends whole lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'm.jsonl');
    appendLineAtomic(path, '{"a":1}');
    appendLineAtomic(path, '{"a":2}');
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });
});
