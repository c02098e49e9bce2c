import { dirname, isAbsolute } from 'node:path';
import type { InterruptNotes } from './interrupt';

/**
 * Where a command writes, and what it knows about its terminal. {@link main} takes a partial one, so tests (and
 * programs embedding the CLI) can capture output; the `neural-ode` bin uses the process's streams.
 */
export interface CliIO {
  /** Writes to standard output: results (with `--json`, exactly one JSON object). */
  stdout: (text: string) => void;
  /** Writes to standard error: progress, logs, errors. */
  stderr: (text: string) => void;
  /** Whether standard error is a terminal: progress bars redraw in place; otherwise plain periodic lines. */
  isTTY: boolean;
  /** Terminal width in columns (for progress bars). */
  columns: number;
  /** Directory relative paths are resolved against. */
  cwd: string;
  /** Aborted on Ctrl-C (SIGINT): training finishes the step, writes a checkpoint and the command exits 130. */
  signal?: AbortSignal;
  /** Where a command notes what stopping at once would lose (a second Ctrl-C prints it; see `interruptHandler`). */
  interruptNotes?: InterruptNotes;
  /** Milliseconds clock (progress rates, ETA); replaceable in tests. */
  now: () => number;
}

/**
 * The directory the user ran the command in. `pnpm neural-ode ...` (this repository's script) runs the CLI in the
 * workspace root whatever directory it is typed in; pnpm and npm pass that directory as `INIT_CWD`, so relative
 * paths are resolved where the user typed them. Only for the `neural-ode` script itself, while the process still
 * runs in that script's package directory: a process that merely inherited the variable uses its own directory.
 */
export function userWorkingDirectory(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const init = env.INIT_CWD;
  const fromScript = env.npm_lifecycle_event === 'neural-ode' && env.npm_package_json !== undefined && dirname(env.npm_package_json) === cwd;
  return init && fromScript && isAbsolute(init) ? init : cwd;
}

/** The process's own streams, terminal and working directory ({@link userWorkingDirectory}). */
export function processIO(): CliIO {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    isTTY: process.stderr.isTTY === true,
    // Read at every redraw, so that the progress bar follows a resized terminal.
    get columns() {
      return process.stderr.columns ?? 80;
    },
    cwd: userWorkingDirectory(),
    now: () => performance.now(),
  };
}

/** Writes the final result of a command: with `--json` one JSON object on stdout, else the human lines. */
export function emitResult(io: CliIO, json: boolean, result: object, human: string[]): void {
  if (json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else if (human.length > 0) io.stdout(`${human.join('\n')}\n`);
}
