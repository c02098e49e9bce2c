import { existsSync, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { plotRuns, type PlotPaths } from '@neural-ode/trainer';
import { JSON_FLAG, type CommandSpec } from '../command';
import { CliUsageError, EXIT } from '../errors';
import { emitResult } from '../io';
import { checkRunDirs } from '../paths';

/** The JSON object `plot --json` prints. */
export interface PlotJsonResult {
  command: 'plot';
  runs: string[];
  paths: PlotPaths;
}

/** `neural-ode plot`: test accuracy and loss per epoch of several runs in one figure. */
export const plotCommand: CommandSpec = {
  name: 'plot',
  summary: 'Plot test accuracy and test loss per epoch of several runs in one figure (SVG and PNG).',
  args: [{ name: 'runs', description: 'Run directories (written by train --save).', variadic: true, required: true }],
  flags: () => [
    { flag: '--out', value: '<prefix>', group: 'options', type: 'string', default: 'plot', description: 'Output path without extension: writes <prefix>.svg and <prefix>.png.' },
    JSON_FLAG,
  ],
  examples: ['neural-ode plot runs/resnet6 runs/resnet1 runs/odenet --out mnist'],
  async run(ctx) {
    const { io } = ctx;
    const runs = checkRunDirs('plot', ctx.args, io.cwd);
    const out = resolvePath(io.cwd, ctx.given('out') ? String(ctx.values.out) : 'plot');
    const parent = dirname(out);
    if (!existsSync(parent) || !statSync(parent).isDirectory()) {
      throw new CliUsageError(`--out: directory ${parent} does not exist; create it or give another prefix`, '--out');
    }
    const paths = await plotRuns(runs, out);
    const json: PlotJsonResult = { command: 'plot', runs, paths };
    emitResult(io, ctx.values.json === true, json, [`plot: ${paths.svg}`, `plot: ${paths.png}`]);
    return EXIT.ok;
  },
};
