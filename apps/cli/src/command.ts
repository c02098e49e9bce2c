import type { FlagSpec } from './flags';
import type { CliIO } from './io';

/** A positional argument of a command. */
export interface ArgumentSpec {
  /** Name shown in usage, e.g. `runs`. */
  name: string;
  /** What it is. */
  description: string;
  /** Takes one or more values. */
  variadic?: boolean;
  /** Must be given. */
  required?: boolean;
}

/** What a command's `run` gets: parsed flag values, positional arguments and the I/O to use. */
export interface RunContext {
  io: CliIO;
  /** Flag values by commander attribute name (`--batch-size` → `batchSize`): strings, or booleans for switches. */
  values: Record<string, unknown>;
  /** Whether a flag was given on the command line, by attribute name. */
  given: (attribute: string) => boolean;
  /** Positional arguments, in order (a variadic one flattened). */
  args: string[];
}

/** One `neural-ode` command: its help, flags and what it does. Resolves with the exit code. */
export interface CommandSpec {
  /** `train`, or `datasets download` for a subcommand. */
  name: string;
  /** One-line summary. */
  summary: string;
  /** Positional arguments. */
  args?: ArgumentSpec[];
  /** Flags, with types/choices/defaults bound from the zod schema they set. */
  flags: () => FlagSpec[];
  /** Example command lines for help and the docs. */
  examples?: string[];
  run: (ctx: RunContext) => Promise<number>;
}

/** The `--json` flag every command has. */
export const JSON_FLAG: FlagSpec = {
  flag: '--json',
  group: 'cli',
  description: 'Print one JSON object with the result on stdout (progress goes to stderr).',
};
