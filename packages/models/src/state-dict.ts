import * as tf from '@tensorflow/tfjs-core';
import { parseSafetensors, serializeSafetensors, type SafetensorsInput } from './safetensors';
import { toTorchPermutation, torchShape, type NamedWeight } from './weights';

/** Anything whose state is a list of {@link NamedWeight}s: every model and layer of this package. */
export interface HasNamedWeights {
  namedWeights(): NamedWeight[];
}

function inverse(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((axis, i) => (inv[axis] = i));
  return inv;
}

/**
 * Serialises a model's parameters and buffers as a safetensors file whose names, shapes and layouts are the
 * reference PyTorch model's `state_dict()` (OIHW convs, `[out, in]` linears, `num_batches_tracked` as I64),
 * so `model.load_state_dict(safetensors.torch.load_file(path))` loads it there.
 * @param model - a model (or layer) of this package: its weights under the reference PyTorch `state_dict` names.
 * @returns the file's bytes (write them to a temporary name and rename, to keep the file whole).
 */
export function saveStateDict(model: HasNamedWeights): Uint8Array {
  const tensors = new Map<string, SafetensorsInput>();
  for (const w of model.namedWeights()) {
    const perm = toTorchPermutation(w.layout);
    const data = tf.tidy(() => (perm ? tf.transpose(w.variable, perm) : w.variable).dataSync());
    // Copy: dataSync may return the backend's own buffer.
    const copy = w.torchDtype === 'I64' ? Int32Array.from(data as Int32Array) : Float32Array.from(data as Float32Array);
    tensors.set(w.name, { shape: torchShape(w.variable.shape, w.layout), data: copy });
  }
  return serializeSafetensors(tensors, { format: 'pt' });
}

/**
 * Loads a safetensors file written by PyTorch (`safetensors.torch.save_file(model.state_dict(), path)`) or by
 * {@link saveStateDict} into `model`, converting PyTorch layouts to this package's.
 *
 * Every tensor must match: a missing, extra or mis-shaped tensor (or a float/integer mix-up) is an error that
 * lists all mismatches at once, and then nothing is loaded. F64, F16 and BF16 floats are converted to float32.
 * @param model - the model to load into; its architecture must match the file's names and shapes.
 * @param bytes - a safetensors file's bytes (from PyTorch's `save_file(model.state_dict(), …)` or from
 *   `saveStateDict`).
 */
export function loadStateDict(model: HasNamedWeights, bytes: Uint8Array): void {
  const { tensors } = parseSafetensors(bytes);
  const weights = model.namedWeights();
  const problems: string[] = [];
  const expected = new Set(weights.map((w) => w.name));
  for (const w of weights) {
    const entry = tensors.get(w.name);
    const shape = torchShape(w.variable.shape, w.layout);
    if (!entry) {
      problems.push(`missing: ${w.name} [${shape}]`);
      continue;
    }
    if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
      problems.push(`wrong shape: ${w.name} is [${entry.shape}] in the file, the model needs [${shape}]`);
    }
    const isInt = entry.dtype === 'I64' || entry.dtype === 'I32';
    if (isInt !== (w.torchDtype === 'I64')) {
      problems.push(`wrong dtype: ${w.name} is ${entry.dtype} in the file, the model needs ${w.torchDtype}`);
    }
  }
  for (const [name, entry] of tensors) {
    if (!expected.has(name)) problems.push(`unexpected: ${name} [${entry.shape}]`);
  }
  if (problems.length > 0) {
    throw new Error(
      `loadStateDict: the file does not match the model (${problems.length} problem${problems.length > 1 ? 's' : ''}; ` +
        `nothing was loaded; check that the file was saved from the same architecture and options):\n  ` +
        problems.join('\n  '),
    );
  }
  const values = weights.map((w) =>
    tf.tidy(() => {
      const entry = tensors.get(w.name)!;
      const t = tf.tensor(entry.data, entry.shape, w.torchDtype === 'I64' ? 'int32' : 'float32');
      const perm = toTorchPermutation(w.layout);
      return perm ? tf.transpose(t, inverse(perm)) : t;
    }),
  );
  weights.forEach((w, i) => {
    w.variable.assign(values[i]);
    values[i].dispose();
  });
}
