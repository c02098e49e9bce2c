import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

let counter = 0;

/**
 * Writes `data` to `path` atomically: to a temporary file in the same directory, flushed, then renamed over `path`.
 * A crash or Ctrl-C at any moment leaves either the old file or the new one, never a partial file; the directory is
 * fsynced after the rename, so the new name survives a power loss too. Creates the directory when missing.
 * @param path - the file to write or replace; its directory is created when missing.
 * @param data - the whole new content: bytes, or a string written as UTF-8.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${++counter}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    syncDirectory(dir);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`could not write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Flushes a directory's entries, so that a rename into it survives a power loss (POSIX needs the directory
 * fsynced as well as the file). Platforms that cannot open a directory (Windows) skip it.
 */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR') throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends one line to a text file, atomically (the whole file is rewritten through {@link writeFileAtomic}, so a
 * reader never sees half a line). Meant for small logs such as `metrics.jsonl`.
 * @param path - the text file to append to; created when missing.
 * @param line - the line to add, without its newline; newlines inside it become spaces, so it stays one line.
 */
export function appendLineAtomic(path: string, line: string): void {
  let existing = '';
  try {
    existing = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing && !existing.endsWith('\n')) existing += '\n';
  writeFileAtomic(path, existing + line.replace(/\n/g, ' ') + '\n');
}
