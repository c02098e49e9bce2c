import type { GradientStats } from '@neural-ode/odeint';
import type { z } from 'zod';
import type * as tf from '@tensorflow/tfjs-core';
import type { NfeCounts } from '../layers/ode-block';
import type { NamedWeight } from '../weights';

/** Names of the models in {@link modelRegistry} (as the CLI spells them). */
export type ModelName = 'resnet' | 'odenet' | 'vdcnn' | 'vdcnn-ode';

/** Options of {@link Model.apply}. */
export interface ApplyOptions {
  /** Training mode: BatchNorm uses batch statistics and updates its running averages. Default false. */
  training?: boolean;
}

/** A classifier of this package: a composition of layers with PyTorch-named weights. */
export interface Model {
  /** Which architecture this is. */
  readonly name: ModelName;
  /** `image`: NHWC float32 input; `text`: int32 `[batch, length]` character ids. */
  readonly inputKind: 'image' | 'text';
  /** Number of classes (length of a logits row). */
  readonly numClasses: number;
  /**
   * Logits `[batch, numClasses]`. Call inside `tf.variableGrads`/`tf.grads` to train.
   * @param x - the input batch: NHWC float32 `[batch, h, w, c]` for `image` models, int32 character ids `[batch,
   *   length]` for `text` models.
   * @param options - `training` (default false): BatchNorm uses batch statistics and updates its running averages.
   */
  apply(x: tf.Tensor, options?: ApplyOptions): tf.Tensor2D;
  /** Parameters and buffers under the reference PyTorch `state_dict` names, in its order. */
  namedWeights(): NamedWeight[];
  /** The parameters an optimiser updates (no BatchNorm buffers). */
  trainableVariables(): tf.Variable[];
  /** Number of trainable scalars (PyTorch's `sum(p.numel() for p in model.parameters())`). */
  countParams(): number;
  /** Frees every weight. */
  dispose(): void;
}

/** A model with an ODE block: also reports its function evaluations. */
export interface OdeModel extends Model {
  /** NFE of the last forward pass and of the backward pass that followed it. */
  readonly nfe: NfeCounts;
  /** The ODE block's gradient counters of the last backward pass (see `OdeBlock.gradientStats`), or `null`. */
  readonly gradientStats: GradientStats | null;
}

/** Shared `trainableVariables`/`countParams`/`dispose` of the models, from their `namedWeights`. */
export abstract class WeightedModel {
  /** Parameters and buffers under the reference PyTorch `state_dict` names. */
  abstract namedWeights(): NamedWeight[];

  /** The parameters an optimiser updates (no BatchNorm buffers). */
  trainableVariables(): tf.Variable[] {
    return this.namedWeights()
      .filter((w) => w.trainable)
      .map((w) => w.variable);
  }

  /** Number of trainable scalars. */
  countParams(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  /** Frees every weight; the model cannot be used afterwards. */
  dispose(): void {
    for (const w of this.namedWeights()) w.variable.dispose();
  }
}

/**
 * Parses model options with `schema`. A failure is one error with a line per problem, in the trainer's format:
 * `<model>: option '<path>' (got <value>): <what is valid>`; an unknown option is a line of its own.
 * @param model - the model's name, the prefix of every error line (e.g. `odenet`).
 * @param schema - the zod schema of the model's options.
 * @param options - the options as given; `undefined` or `null` is parsed as `{}` (all defaults).
 */
export function parseOptions<S extends z.ZodType>(model: string, schema: S, options: unknown): z.output<S> {
  const parsed = schema.safeParse(options ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => optionLine(model, options, [...issue.path, key], 'unknown option: remove it or check its spelling'))
      : [optionLine(model, options, issue.path, issue.message)],
  );
  throw new Error(lines.join('\n'));
}

function optionLine(model: string, options: unknown, path: readonly PropertyKey[], message: string): string {
  let value: unknown = options;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  const shown = value === undefined ? '' : ` (got ${typeof value === 'function' ? 'a function' : JSON.stringify(value)})`;
  return `${model}: option '${path.map(String).join('.') || '(options)'}'${shown}: ${message}`;
}
