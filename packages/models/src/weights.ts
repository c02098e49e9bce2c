import type * as tf from '@tensorflow/tfjs-core';

/**
 * How a PyTorch tensor maps onto the tfjs tensor that holds it.
 *
 * - `OIHW`: PyTorch `Conv2d` weight `[out, in, kh, kw]` ↔ tfjs `[kh, kw, in, out]` (HWIO).
 * - `OIW`: PyTorch `Conv1d` weight `[out, in, k]` ↔ tfjs `[k, in, out]` (WIO).
 * - `OI`: PyTorch `Linear` weight `[out, in]` ↔ tfjs `[in, out]`.
 * - `same`: identical shape and element order (biases, norms, embeddings, running statistics).
 */
export type WeightLayout = 'OIHW' | 'OIW' | 'OI' | 'same';

/** One entry of a model's state: a parameter or a buffer, under its PyTorch `state_dict` name. */
export interface NamedWeight {
  /** The reference implementation's `state_dict()` key, e.g. `downsampling.0.weight`. */
  name: string;
  /** The tensor, in this package's layout (see {@link WeightLayout}). */
  variable: tf.Variable;
  /** `true` for parameters that training updates; `false` for buffers (BatchNorm running statistics). */
  trainable: boolean;
  /** How the PyTorch tensor's layout maps onto {@link NamedWeight.variable}. */
  layout: WeightLayout;
  /** The PyTorch dtype in a `state_dict`: `F32`, or `I64` for `num_batches_tracked` (held here as int32). */
  torchDtype: 'F32' | 'I64';
}

/**
 * Axes that turn a tfjs tensor of `layout` into PyTorch's layout (and, inverted, back).
 * @param layout - how the tfjs tensor maps onto PyTorch's (`OIHW`, `OIW`, `OI` or `same`); `same` gives `null` (no
 *   transpose).
 */
export function toTorchPermutation(layout: WeightLayout): number[] | null {
  switch (layout) {
    case 'OIHW':
      return [3, 2, 0, 1];
    case 'OIW':
      return [2, 1, 0];
    case 'OI':
      return [1, 0];
    case 'same':
      return null;
  }
}

/**
 * The PyTorch shape of a tfjs tensor of shape `shape` held in `layout`.
 * @param shape - the tfjs tensor's shape.
 * @param layout - how that tensor maps onto PyTorch's layout.
 */
export function torchShape(shape: readonly number[], layout: WeightLayout): number[] {
  const perm = toTorchPermutation(layout);
  return perm ? perm.map((axis) => shape[axis]) : [...shape];
}

/**
 * Adds `prefix.` in front of every name (nested modules in a PyTorch `state_dict`).
 * @param prefix - the module's name in its parent, e.g. `downsampling.0`; an empty prefix leaves the names as they are.
 * @param weights - the module's own weights, names relative to it.
 */
export function withPrefix(prefix: string, weights: NamedWeight[]): NamedWeight[] {
  return weights.map((w) => ({ ...w, name: prefix ? `${prefix}.${w.name}` : w.name }));
}

/**
 * `weight` (in `layout`) and, when present, `bias`: the state of a conv or linear layer.
 * @param weight - the layer's weight, in `layout`.
 * @param bias - the layer's bias `[out]`, or `null` for a layer without one (then only `weight` is listed).
 * @param layout - how the weight maps onto PyTorch's (`OIHW` for Conv2d, `OIW` for Conv1d, `OI` for Linear).
 */
export function weightAndBias(weight: tf.Variable, bias: tf.Variable | null, layout: WeightLayout): NamedWeight[] {
  const weights: NamedWeight[] = [{ name: 'weight', variable: weight, trainable: true, layout, torchDtype: 'F32' }];
  if (bias) weights.push({ name: 'bias', variable: bias, trainable: true, layout: 'same', torchDtype: 'F32' });
  return weights;
}
