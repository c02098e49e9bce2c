import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendLineAtomic, writeFileAtomic } from './atomic-write';

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

  it('appends whole lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'm.jsonl');
    appendLineAtomic(path, '{"a":1}');
    appendLineAtomic(path, '{"a":2}');
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });
});
