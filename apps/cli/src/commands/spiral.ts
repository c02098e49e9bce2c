import { resolve as resolvePath } from 'node:path';
import { runSpiral, spiralConfigSchema, type SpiralEvent, type SpiralResult } from '@neural-ode/trainer';
import { JSON_FLAG, type CommandSpec } from '../command';
import { CliUsageError, EXIT } from '../errors';
import { flagsFromSchema, parseSchemaFlags } from '../flags';
import { emitResult } from '../io';
import { SpiralProgress } from '../progress';

/** RMSE the spiral experiment's defaults are expected to reach (the target). */
export const SPIRAL_TARGET_RMSE = 0.05;

const DESCRIPTIONS = {
  iterations: 'Training iterations (one Adam step each).',
  lr: 'Adam learning rate.',
  batchWindows: 'Windows per iteration (their losses are averaged).',
  minWindow: 'Shortest window, in time units.',
  maxWindow: 'Longest window, in time units.',
  windowPoints: 'At most this many observations per window (a sorted random subset).',
  points: 'Observation times on [0, t-end].',
  tEnd: 'End of the observed time range.',
  noise: 'Standard deviation of the observation noise.',
  adjoint: 'Gradients by the adjoint method (--no-adjoint: backprop through the solver; tensor engine only).',
  method: 'ODE solver method.',
  rtol: 'Relative tolerance.',
  atol: 'Absolute tolerance.',
  engine: 'float64: plain Float64Array states (fast); tensor: tfjs variables and odeintAdjoint.',
  seed: 'Seed of the data noise, the initial weights and the windows.',
  save: 'Output directory (plot, metrics, learned weights).',
  logEvery: 'Print a progress line every this many iterations.',
};

function spiralFlags() {
  return [...flagsFromSchema(spiralConfigSchema, [], DESCRIPTIONS), JSON_FLAG];
}

/** The JSON object `spiral --json` prints: the trainer's result without the resolved options. */
export type SpiralJsonResult = { command: 'spiral' } & Omit<SpiralResult, 'config'>;

/** `neural-ode spiral`: the spiral experiment (the README's main job). */
export const spiralCommand: CommandSpec = {
  name: 'spiral',
  summary: 'Fit a neural ODE to a noisy 2-d spiral by the adjoint; plot it and print the RMSE.',
  flags: spiralFlags,
  examples: ['neural-ode spiral', 'neural-ode spiral --iterations 500 --save runs/spiral-quick --json'],
  async run(ctx) {
    const { io } = ctx;
    const options = parseSchemaFlags(spiralConfigSchema, spiralFlags(), ctx.values, ctx.given, (input) => {
      if (typeof input.save === 'string') input.save = resolvePath(io.cwd, input.save);
    });
    if (!options.adjoint && options.engine === 'float64') {
      throw new CliUsageError(
        `--no-adjoint: the ${ctx.given('engine') ? '' : 'default '}engine float64 always takes gradients by the adjoint; ` +
          'add --engine tensor to backpropagate through the solver instead',
        '--no-adjoint',
      );
    }
    const save = resolvePath(io.cwd, options.save);
    const progress = new SpiralProgress(io);
    // The trainer's closing log line repeats the result this command prints on stdout: printed once, there.
    const onEvent = (e: SpiralEvent) => {
      if (e.type === 'start' && io.interruptNotes) {
        io.interruptNotes.lost = `the plot, result.json and learned weights are not written (${e.dir}/metrics.jsonl has the iterations logged so far)`;
      }
      if (!(e.type === 'log' && e.line.startsWith('spiral: RMSE'))) progress.onEvent(e);
    };
    let result;
    try {
      result = await runSpiral({ ...options, save }, { onEvent, ...(io.signal ? { signal: io.signal } : {}) });
    } finally {
      progress.finish();
    }
    const { config: _config, ...fields } = result;
    const json: SpiralJsonResult = { command: 'spiral', ...fields };
    emitResult(io, ctx.values.json === true, json, [
      `spiral RMSE ${result.rmse.toPrecision(3)} (target <= ${SPIRAL_TARGET_RMSE}) after ${result.iterations} iterations in ${result.seconds.toFixed(1)} s` +
        (result.interrupted ? ' (interrupted)' : ''),
      `plot: ${result.paths.svg}`,
      `plot: ${result.paths.png}`,
      `result: ${result.paths.result}`,
    ]);
    return result.interrupted ? EXIT.interrupted : EXIT.ok;
  },
};
