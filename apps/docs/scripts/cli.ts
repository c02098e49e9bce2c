// The CLI reference, from the CLI's own description of its commands and flags (`describeCli()` of @neural-ode/cli,
// built from the same zod schemas the commands validate with).
import { tableCell as cell, tableCode } from './markdown';

/** The parts of @neural-ode/cli's `CliInfo` the page shows. */
interface CliInfoLike {
  name: string;
  version: string;
  description: string;
  groups: Record<string, string>;
  commands: {
    name: string;
    usage: string;
    summary: string;
    arguments: { name: string; description?: string; required?: boolean; variadic?: boolean }[];
    flags: {
      flag: string;
      signature: string;
      type: string;
      choices?: (string | number | boolean)[];
      default?: unknown;
      minimum?: number;
      exclusiveMinimum?: number;
      maximum?: number;
      description: string;
      group: string;
      aliasOf?: string;
      option?: string;
    }[];
    examples: string[];
  }[];
  exitCodes: { code: number; meaning: string }[];
}

const groupTitles: Record<string, string> = {
  options: 'Options',
  reference: "The reference scripts' flags",
  cli: 'Output and control',
};


function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function flagValues(f: CliInfoLike['commands'][number]['flags'][number]): string {
  const parts: string[] = [];
  if (f.choices) parts.push(f.choices.map((c) => tableCode(show(c))).join(', '));
  else parts.push(f.type);
  const bounds: string[] = [];
  if (f.minimum !== undefined) bounds.push(`≥ ${f.minimum}`);
  if (f.exclusiveMinimum !== undefined) bounds.push(`> ${f.exclusiveMinimum}`);
  if (f.maximum !== undefined) bounds.push(`≤ ${f.maximum}`);
  if (bounds.length) parts.push(bounds.join(', '));
  return parts.join('; ');
}

/** Markdown for the CLI reference, or an honest note when the CLI exports no description. */
export async function cliPage(cli: Record<string, unknown> | undefined): Promise<string> {
  const describe = cli?.describeCli;
  if (typeof describe !== 'function') {
    return '::: warning Not generated\nThis build could not read `describeCli()` from `@neural-ode/cli`, so the command reference is missing. `neural-ode --help` and `neural-ode <command> --help` print it.\n:::\n';
  }
  const info = (await (describe as () => unknown)()) as CliInfoLike;
  const out: string[] = [
    `*Generated from \`describeCli()\` of \`@neural-ode/cli\` ${info.version}: ${info.commands.length} commands.*`,
    '',
    '| Command | What it does |',
    '| --- | --- |',
    ...info.commands.map((c) => `| [\`${info.name} ${c.name}\`](#${c.name.replace(/\s+/g, '-')}) | ${cell(c.summary)} |`),
    '',
  ];
  for (const c of info.commands) {
    out.push(`## ${c.name} {#${c.name.replace(/\s+/g, '-')}}`, '', cell(c.summary), '', '```sh', c.usage, '```', '');
    if (c.arguments.length) {
      out.push('| Argument | |', '| --- | --- |');
      for (const a of c.arguments) {
        const name = `${a.name}${a.variadic ? '...' : ''}`;
        out.push(`| \`${name}\`${a.required ? '' : ' (optional)'} | ${cell(a.description ?? '')} |`);
      }
      out.push('');
    }
    for (const group of Object.keys(groupTitles)) {
      const flags = c.flags.filter((f) => f.group === group);
      if (!flags.length) continue;
      out.push(`**${groupTitles[group]}**`, '', '| Flag | Values | Default | Description |', '| --- | --- | --- | --- |');
      for (const f of flags) {
        const def = f.default === undefined ? '' : tableCode(show(f.default));
        const desc = cell(f.description) + (f.option && !f.aliasOf ? ` *(sets \`${f.option}\`)*` : '');
        out.push(`| ${tableCode(f.signature)} | ${flagValues(f)} | ${def} | ${desc} |`);
      }
      out.push('');
    }
    if (c.examples.length) out.push('Examples:', '', '```sh', ...c.examples, '```', '');
  }
  out.push('## Exit codes {#exit-codes}', '', '| Code | Meaning |', '| --- | --- |');
  for (const e of info.exitCodes) out.push(`| ${e.code} | ${cell(e.meaning)} |`);
  out.push('');
  return out.join('\n');
}
