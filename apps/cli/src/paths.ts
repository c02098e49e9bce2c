import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RUN_FILES } from '@neural-ode/trainer';
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

/**
 * Checks that `path` (given with `flag`) can name a checkpoint: a run directory that has written one, or a
 * checkpoint's `.safetensors` / `.json` file whose state file exists. Whether the checkpoint's contents are intact
 * is for loading to find out (a failure, not a usage error).
 * @returns the run directory the checkpoint belongs to.
 */
export function checkCheckpointPath(flag: string, path: string): string {
  const fix = "give a run directory (train's --save) or a checkpoint's checkpoints/*.safetensors file";
  if (!existsSync(path)) throw new CliUsageError(`${flag}: ${path} does not exist; ${fix}`, flag);
  if (statSync(path).isDirectory()) {
    if (!existsSync(join(path, RUN_FILES.config))) {
      throw new CliUsageError(`${flag}: ${path} is not a run directory (it has no ${RUN_FILES.config}); ${fix}`, flag);
    }
    if (!existsSync(join(path, RUN_FILES.latest))) {
      throw new CliUsageError(
        `${flag}: the run in ${path} has no checkpoint yet (no ${RUN_FILES.latest}): train it on until one is written ` +
          `(neural-ode train --resume ${path}; --save-every sets how often), or give another run`,
        flag,
      );
    }
    return path;
  }
  const name = basename(path);
  if (!name.endsWith('.safetensors') && !name.endsWith('.json')) {
    throw new CliUsageError(`${flag}: ${path} is not a checkpoint (not a .safetensors or .json file); ${fix}`, flag);
  }
  const tag = name.replace(/\.optimizer\.safetensors$|\.safetensors$|\.json$/, '');
  const state = name === RUN_FILES.latest ? path : join(dirname(path), `${tag}.json`);
  if (!existsSync(state)) {
    throw new CliUsageError(`${flag}: ${path} has no checkpoint state beside it (${state} is missing); ${fix}`, flag);
  }
  const dir = dirname(path);
  return basename(dir) === RUN_FILES.checkpoints ? dirname(dir) : dir;
}
