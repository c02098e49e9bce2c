import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import type { CommandSpec } from './command';
import { COMMAND_GROUPS, COMMANDS } from './commands/index';
import { CliUsageError, EXIT, inUserTerms } from './errors';
import { flagHelp, type FlagSpec } from './flags';
import { stopsGracefullyByName } from './interrupt';
import { processIO, type CliIO } from './io';

/** The version of `@neural-ode/cli` (from its package.json). */
export const CLI_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

/** One line under the program name in help. */
export const CLI_DESCRIPTION =
  'Neural ODE experiments on TensorFlow.js: the spiral, image classification (resnet/odenet) and text classification (vdcnn/vdcnn-ode).';

const GROUP_HEADINGS: Record<FlagSpec['group'], string> = {
  options: 'Options:',
  reference: 'Reference-script flags (as in the original train.py / vdcnn.py):',
  cli: 'Output and control:',
};

function addFlag(cmd: Command, f: FlagSpec): void {
  const heading = GROUP_HEADINGS[f.group];
  const help = f.aliasOf ? `Same as ${f.aliasOf}.` : flagHelp(f);
  cmd.addOption(new Option(f.value ? `${f.flag} ${f.value}` : f.flag, help).helpGroup(heading));
  if (f.negatable) {
    cmd.addOption(new Option(`--no-${f.flag.slice(2)}`, `Turn ${f.flag} off.`).helpGroup(heading));
  }
}

function buildProgram(io: CliIO, setCode: (code: number) => void, setCommand: (name: string) => void): Command {
  const program = new Command('neural-ode')
    .description(CLI_DESCRIPTION)
    .version(CLI_VERSION, '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (text, write) => write(text) })
    .showSuggestionAfterError(true)
    // `help [command]` is answered by expandHelp (as `<command> --help`); this entry lists it in the help.
    .helpCommand('help [command...]', 'Show the help of neural-ode or of a command (neural-ode help train).');
  const groups = new Map<string, Command>();
  for (const spec of COMMANDS) {
    const parts = spec.name.split(' ');
    let parent = program;
    if (parts.length === 2) {
      let group = groups.get(parts[0]);
      if (!group) {
        group = program.command(parts[0]).description(COMMAND_GROUPS[parts[0]] ?? '');
        groups.set(parts[0], group);
      }
      parent = group;
    }
    // Stray operands are reported by the action (naming them) rather than by commander's generic message.
    const cmd = parent.command(parts[parts.length - 1]).description(spec.summary).allowExcessArguments(true);
    for (const a of spec.args ?? []) {
      const name = `${a.name}${a.variadic ? '...' : ''}`;
      cmd.argument(a.required ? `<${name}>` : `[${name}]`, a.description);
    }
    for (const f of spec.flags()) addFlag(cmd, f);
    if (spec.examples?.length) {
      cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
    }
    cmd.action(async (...actionArgs: unknown[]) => {
      const self = actionArgs[actionArgs.length - 1] as Command;
      setCommand(spec.name);
      const args = (self.processedArgs as unknown[])
        .flat()
        .filter((a): a is string => typeof a === 'string');
      const declared = spec.args ?? [];
      if (!declared.some((a) => a.variadic) && self.args.length > declared.length) {
        const stray = self.args.slice(declared.length).map((a) => JSON.stringify(a)).join(', ');
        throw new CliUsageError(
          `unexpected argument ${stray}: ${spec.name} takes ${declared.length === 0 ? 'no arguments' : `${declared.length} argument(s)`}; ` +
            'a switch such as --download or --use_ode takes no value (use --no-download to turn one off)',
          stray,
        );
      }
      const code = await run(spec, io, self, args);
      setCode(code);
    });
  }
  return program;
}

function run(spec: CommandSpec, io: CliIO, cmd: Command, args: string[]): Promise<number> {
  return spec.run({
    io,
    values: cmd.opts(),
    given: (attribute) => cmd.getOptionValueSource(attribute) === 'cli',
    args,
  });
}

/**
 * The reference study's scripts, accepted in place of a command so that its command lines run unchanged after
 * `neural-ode`: `neural-ode ./experiments/train.py --data mnist ...`. Each maps to `train --reference <script>`:
 * the script's own defaults (epochs, optimizer, schedule, dataset) under the flags given.
 */
export const REFERENCE_SCRIPTS: ReadonlyArray<{ pattern: RegExp; argv: readonly string[] }> = [
  { pattern: /(^|[\\/])experiments[\\/]train\.py$/, argv: ['train', '--reference', 'train.py'] },
  { pattern: /(^|[\\/])experiments[\\/](texts[\\/])?vdcnn\.py$/, argv: ['train', '--reference', 'vdcnn.py'] },
];

function expandReferenceScript(argv: readonly string[]): readonly string[] {
  const script = argv[0] === undefined ? undefined : REFERENCE_SCRIPTS.find((s) => s.pattern.test(argv[0]));
  return script ? [...script.argv, ...argv.slice(1)] : argv;
}

/**
 * `help`, `help train`, `help datasets download`: the same as `--help`, `train --help`, `datasets download --help`.
 * `help` of an unknown command runs that command, so that it is reported (with a suggestion) as one.
 */
function expandHelp(argv: readonly string[]): readonly string[] {
  if (argv[0] !== 'help') return argv;
  const known = argv.length === 1 || COMMANDS.some((c) => c.name.split(' ')[0] === argv[1]);
  return known ? [...argv.slice(1), '--help'] : argv.slice(1);
}

/**
 * Runs `neural-ode` with `argv` (the arguments after the program name) and resolves with the exit code:
 * 0 done, 1 failed while running, 2 usage error (nothing written), 130 interrupted (see {@link EXIT}).
 * Never calls `process.exit`; output goes to `io` (default: the process's streams).
 *
 * @param givenArgv - the arguments after the program name, e.g. `["train", "--data", "mnist"]`.
 * @param io - where output goes and what the terminal is (`stdout`, `stderr`, `isTTY`, `columns`, `cwd`); defaults:
 *   the process's own.
 *
 * @example
 * ```ts
 * import { main } from '@neural-ode/cli';
 * let out = '';
 * const code = await main(['train', '--data', 'mnist', '--use_ode', '--dry-run'], { stdout: (t) => (out += t) });
 * JSON.parse(out).model; // 'odenet'
 * ```
 */
export async function main(givenArgv: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const argv = expandHelp(expandReferenceScript(givenArgv));
  const full: CliIO = { ...processIO(), ...io };
  let code: number = EXIT.ok;
  let command = '';
  const program = buildProgram(
    full,
    (c) => (code = c),
    (name) => (command = name),
  );
  if (argv.length === 0) {
    full.stderr(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    const where = command ? `neural-ode ${command}` : 'neural-ode';
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT.ok;
      const name = command || argv.find((a) => !a.startsWith('-')) || '';
      full.stderr(`Run 'neural-ode ${COMMANDS.some((c) => c.name.startsWith(name)) ? `${name} ` : ''}--help' for the valid flags.\n`);
      return EXIT.usage;
    }
    if (err instanceof CliUsageError) {
      full.stderr(`${where}: ${err.message}\nRun '${where} --help' for the valid flags and values.\n`);
      return EXIT.usage;
    }
    if (full.signal?.aborted) {
      full.stderr(`${where}: interrupted\n`);
      return EXIT.interrupted;
    }
    const spec = COMMANDS.find((c) => c.name === command);
    const message = inUserTerms(err instanceof Error ? err.message : String(err), spec?.flags() ?? []);
    full.stderr(`${where}: ${message}\n`);
    if (process.env.NEURAL_ODE_DEBUG && err instanceof Error && err.stack) full.stderr(`${err.stack}\n`);
    return EXIT.failure;
  }
}

/** The command an argument list runs (`train` for `./experiments/train.py ...`), or undefined for none. */
export function commandOf(argv: readonly string[]): string | undefined {
  const first = expandReferenceScript(argv)[0];
  return first === undefined || first.startsWith('-') ? undefined : first;
}

/**
 * Whether a command stops gracefully on the first Ctrl-C (finish the step, checkpoint) rather than at once.
 * @param argv - the command-line arguments after the program name (`process.argv.slice(2)`); a reference script in
 *   place of a command is expanded first.
 */
export function stopsGracefully(argv: readonly string[]): boolean {
  return stopsGracefullyByName(commandOf(argv));
}
