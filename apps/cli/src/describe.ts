import type { ArgumentSpec } from './command';
import { COMMAND_GROUPS, COMMANDS } from './commands/index';
import { EXIT } from './errors';
import { flagSignature, type FlagSpec } from './flags';
import { CLI_DESCRIPTION, CLI_VERSION } from './main';

/** One flag in {@link describeCli}'s output. */
export interface CliFlagInfo {
  /** The long flag, e.g. `--batch-size`. */
  flag: string;
  /** As help shows it, e.g. `--batch-size <n>` or `--adjoint, --no-adjoint`. */
  signature: string;
  /** Value type; `boolean` for switches. */
  type: string;
  /** Allowed values. */
  choices?: Array<string | number | boolean>;
  /** Default value (from the schema). */
  default?: unknown;
  /** Bounds (from the schema). */
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  /** Description (from the schema's TSDoc description, or the CLI's own). */
  description: string;
  /** `options` (the command's options), `reference` (the reference scripts' flags), `cli` (output and control). */
  group: FlagSpec['group'];
  /** For a reference-script alias: the flag it stands for. */
  aliasOf?: string;
  /** Path of the option the flag sets in the command's options schema, e.g. `solver.rtol`. */
  option?: string;
}

/** One command in {@link describeCli}'s output. */
export interface CliCommandInfo {
  /** `train`, `datasets download`, ... */
  name: string;
  /** `neural-ode plot [options] <runs...>` */
  usage: string;
  summary: string;
  arguments: ArgumentSpec[];
  flags: CliFlagInfo[];
  examples: string[];
}

/** What {@link describeCli} returns: everything needed to write the CLI reference. */
export interface CliInfo {
  name: 'neural-ode';
  version: string;
  description: string;
  /** Command groups (`datasets`) and their summaries. */
  groups: Record<string, string>;
  commands: CliCommandInfo[];
  /** Exit codes and their meaning. */
  exitCodes: Array<{ code: number; meaning: string }>;
}

/**
 * Describes every command and flag of `neural-ode`: name, type, choices, default and description, taken from the
 * same zod schemas the commands validate with. The docs site generates the CLI reference from it.
 *
 * @example
 * ```ts
 * import { describeCli } from '@neural-ode/cli';
 * const train = describeCli().commands.find((c) => c.name === 'train')!;
 * train.flags.find((f) => f.flag === '--batch-size')?.default; // 128
 * ```
 */
export function describeCli(): CliInfo {
  return {
    name: 'neural-ode',
    version: CLI_VERSION,
    description: CLI_DESCRIPTION,
    groups: { ...COMMAND_GROUPS },
    commands: COMMANDS.map((c) => {
      const args = c.args ?? [];
      const usageArgs = args.map((a) => {
        const n = `${a.name}${a.variadic ? '...' : ''}`;
        return a.required ? `<${n}>` : `[${n}]`;
      });
      return {
        name: c.name,
        usage: ['neural-ode', c.name, '[options]', ...usageArgs].join(' '),
        summary: c.summary,
        arguments: args,
        flags: c.flags().map(flagInfo),
        examples: c.examples ?? [],
      };
    }),
    exitCodes: [
      { code: EXIT.ok, meaning: 'done' },
      { code: EXIT.failure, meaning: 'failed while running (the message says what happened)' },
      { code: EXIT.usage, meaning: 'usage error: a bad flag, value, dataset, model or path; nothing was written' },
      { code: EXIT.interrupted, meaning: 'interrupted by Ctrl-C: after the first, train wrote a checkpoint (continue with train --resume); a second Ctrl-C stops at once' },
    ],
  };
}

function flagInfo(f: FlagSpec): CliFlagInfo {
  const info: CliFlagInfo = {
    flag: f.flag,
    signature: flagSignature(f),
    type: f.value ? (f.type ?? 'string') : 'boolean',
    description: f.aliasOf ? `Same as ${f.aliasOf}.` : (f.description ?? ''),
    group: f.group,
  };
  if (f.choices) info.choices = f.choices;
  if (f.default !== undefined) info.default = f.default;
  if (f.minimum !== undefined) info.minimum = f.minimum;
  if (f.exclusiveMinimum !== undefined) info.exclusiveMinimum = f.exclusiveMinimum;
  if (f.maximum !== undefined) info.maximum = f.maximum;
  if (f.aliasOf) info.aliasOf = f.aliasOf;
  if (f.path) info.option = f.path.join('.');
  return info;
}
