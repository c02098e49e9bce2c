import type { Augmentation, Normalization } from '../datasets/definition';
import type { SeededRandom } from './random';

/**
 * Lookup table byte → normalised float per channel: `lut[c * 256 + v] = (v / 255 - mean[c]) / std[c]`.
 * Zero padding is a byte 0 before normalisation (as in torchvision: RandomCrop pads the image, then Normalize).
 */
export function normalizationTable(n: Normalization, channels: number): Float32Array {
  if (n.mean.length !== channels || n.std.length !== channels) {
    throw new Error(`normalization has ${n.mean.length} means / ${n.std.length} stds for ${channels} channel(s)`);
  }
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - n.mean[c]) / n.std[c];
  return lut;
}

/**
 * Writes examples `indices` of `src` (uint8 NHWC, each `h×w×c`) into `out` as normalised float32 NHWC,
 * each randomly cropped (after zero padding) and flipped when `augmentation` is given.
 */
export function fillImageBatch(
  src: Uint8Array,
  [h, w, c]: readonly number[],
  indices: ArrayLike<number>,
  out: Float32Array,
  lut: Float32Array,
  augmentation: Augmentation | null,
  rng: SeededRandom,
): void {
  const size = h * w * c;
  const n = indices.length;
  if (!augmentation) {
    for (let j = 0; j < n; j++) {
      const s = indices[j] * size;
      const o = j * size;
      if (c === 1) for (let i = 0; i < size; i++) out[o + i] = lut[src[s + i]];
      else for (let i = 0; i < size; i++) out[o + i] = lut[(i % c) * 256 + src[s + i]];
    }
    return;
  }
  const p = augmentation.cropPadding;
  const rowLen = w * c;
  for (let j = 0; j < n; j++) {
    const s = indices[j] * size;
    const o = j * size;
    const dy = rng.int(2 * p + 1) - p;
    const dx = rng.int(2 * p + 1) - p;
    const flip = augmentation.horizontalFlip && rng.next() < 0.5;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      const ro = o + y * rowLen;
      if (sy < 0 || sy >= h) {
        for (let i = 0; i < rowLen; i++) out[ro + i] = lut[(i % c) * 256];
        continue;
      }
      const rs = s + sy * rowLen;
      for (let x = 0; x < w; x++) {
        const sx = (flip ? w - 1 - x : x) + dx;
        const po = ro + x * c;
        if (sx < 0 || sx >= w) {
          for (let k = 0; k < c; k++) out[po + k] = lut[k * 256];
        } else {
          const ps = rs + sx * c;
          for (let k = 0; k < c; k++) out[po + k] = lut[k * 256 + src[ps + k]];
        }
      }
    }
  }
}
