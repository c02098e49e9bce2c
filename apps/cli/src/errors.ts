/**
 * A mistake on the command line: a bad flag, a value out of range, an unknown dataset or model, a missing file.
 * The CLI prints its message and exits with {@link CliUsageError.exitCode} (2) before anything is written.
 */
export class CliUsageError extends Error {
  /** The process exit code for usage errors, as for most Unix tools. */
  readonly exitCode = 2;
  /** The flag (or argument) at fault, e.g. `--batch-size`, when there is one. */
  readonly flag: string | undefined;

  /**
   * A usage error with the message to print and, when there is one, the flag at fault.
   * @param message - what is wrong on the command line, with the value given and how to fix it; printed as it is.
   * @param flag - the flag or argument at fault, e.g. `--batch-size` (kept as `flag`); absent when no single flag is to
   *   blame.
   */
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
  /** Interrupted by Ctrl-C (SIGINT): after the first, a training run wrote a checkpoint and can be resumed; a second stops at once. */
  interrupted: 130,
} as const;

/** A library's name for where an error arose (`train: `, `loadDataset('mnist', { split: 'test' }): `). */
const LIBRARY_PREFIX = /^(?:train|resume|evaluate|runSpiral|plotRuns|reportRuns|loadDataset\('([\w-]+)', \{ split: '(\w+)' \}\)|info\('([\w-]+)'\)): /;

/**
 * Rewrites a library's error message in the command line's terms: the CLI already says which command failed, so a
 * library's own prefix (`train: `, `runSpiral: `) goes, `loadDataset('mnist', { split: 'test' })` becomes
 * `mnist (test split)`, notes for programmers (`(resume() in code)`, `(dataDir in code)`) go, and
 * `option 'save'` becomes the flag that sets it (`--save`), looked up by option path in `flags`.
 */
export function inUserTerms(message: string, flags: ReadonlyArray<{ flag: string; path?: string[]; group: string }> = []): string {
  let text = message.replace(LIBRARY_PREFIX, (_all, name?: string, split?: string, infoName?: string) =>
    name ? `${name} (${split} split): ` : infoName ? `${infoName}: ` : '',
  );
  // `loadDataset('mnist', …): mnist: could not download …`: the dataset is named once.
  text = text.replace(/^([\w-]+) \((\w+) split\): \1: /, '$1 ($2 split): ');
  text = text.replace(/ \((?:[^()]|\(\))* in code\)/g, '');
  return text.replace(/\boption '([\w.]+)'/g, (all, path: string) => {
    const bound = flags.filter((f) => f.path?.join('.') === path);
    const flag = bound.find((f) => f.group === 'options') ?? bound[0];
    return flag ? flag.flag : all;
  });
}
