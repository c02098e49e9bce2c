/**
 * A mistake on the command line: a bad flag, a value out of range, an unknown dataset or model, a missing file.
 * The CLI prints its message and exits with {@link CliUsageError.exitCode} (2) before anything is written.
 */
export class CliUsageError extends Error {
  /** The process exit code for usage errors, as for most Unix tools. */
  readonly exitCode = 2;
  /** The flag (or argument) at fault, e.g. `--batch-size`, when there is one. */
  readonly flag: string | undefined;

  constructor(message: string, flag?: string) {
    super(message);
    this.name = 'CliUsageError';
    this.flag = flag;
  }
}

/** Exit codes of `neural-ode`. */
export const EXIT = {
  /** The command did what was asked. */
  ok: 0,
  /** The command failed while running (I/O, a diverged run, a bug): the message says what happened. */
  failure: 1,
  /** Usage error: see {@link CliUsageError}. Nothing was written. */
  usage: 2,
  /** Interrupted by Ctrl-C (SIGINT); a training run wrote a checkpoint first and can be resumed. */
  interrupted: 130,
} as const;
