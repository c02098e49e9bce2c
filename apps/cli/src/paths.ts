import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliUsageError } from './errors';

/**
 * Resolves run directories given as arguments and checks that each holds a `metrics.jsonl` (a directory written
 * by `neural-ode train --save`); the first that does not is a usage error naming it.
 */
export function checkRunDirs(command: string, dirs: string[], cwd: string): string[] {
  if (dirs.length === 0) {
    throw new CliUsageError(`${command}: give at least one run directory (the --save directory of a train run)`, 'runs');
  }
  return dirs.map((d) => {
    const dir = resolve(cwd, d);
    if (!existsSync(join(dir, 'metrics.jsonl'))) {
      throw new CliUsageError(
        `${command}: ${JSON.stringify(d)} is not a run directory (no metrics.jsonl in ${dir}); give the --save directory of a train run`,
        'runs',
      );
    }
    return dir;
  });
}

/** Checks that a directory named by a flag (`--data-dir`, ...) exists; else a usage error naming the flag. */
export function checkDirectory(flag: string, dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliUsageError(`${flag}: directory ${dir} does not exist; give a folder that holds the dataset's files`, flag);
  }
}
