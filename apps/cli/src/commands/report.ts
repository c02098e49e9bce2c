import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { reportRuns } from '@neural-ode/trainer';
import { JSON_FLAG, type CommandSpec } from '../command';
import { CliUsageError, EXIT } from '../errors';
import { emitResult } from '../io';
import { checkRunDirs } from '../paths';

/** The JSON object `report --json` prints. */
export interface ReportJsonResult {
  command: 'report';
  runs: string[];
  /** The Markdown tables, one per dataset. */
  markdown: string;
  /** Where it was written (`--out`). */
  path?: string;
}

/** `neural-ode report`: the reference study's results tables (one per dataset) for several runs. */
export const reportCommand: CommandSpec = {
  name: 'report',
  summary:
    "The study's results tables of several runs, one per dataset (Markdown): test error % (MNIST) or accuracy % (CIFAR-10, AG-News), parameters, s/epoch, NFE.",
  args: [{ name: 'runs', description: 'Run directories (written by train --save).', variadic: true, required: true }],
  flags: () => [
    { flag: '--out', value: '<file>', group: 'options', type: 'string', description: 'Also write the tables to this Markdown file (atomically).' },
    JSON_FLAG,
  ],
  examples: ['neural-ode report runs/resnet6 runs/resnet1 runs/odenet', 'neural-ode report runs/* --out results.md'],
  async run(ctx) {
    const { io } = ctx;
    const runs = checkRunDirs('report', ctx.args, io.cwd);
    let out: string | undefined;
    if (ctx.given('out')) {
      out = resolvePath(io.cwd, String(ctx.values.out));
      if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) {
        throw new CliUsageError(`--out: directory ${dirname(out)} does not exist; create it or give another file`, '--out');
      }
    }
    const markdown = await reportRuns(runs);
    if (out) {
      const tmp = `${out}.${process.pid}.tmp`;
      writeFileSync(tmp, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
      renameSync(tmp, out);
    }
    const json: ReportJsonResult = { command: 'report', runs, markdown, ...(out ? { path: out } : {}) };
    if (out) io.stderr(`written: ${out}\n`);
    emitResult(io, ctx.values.json === true, json, [markdown.trimEnd()]);
    return EXIT.ok;
  },
};
