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
 * Random draws per example, in order: crop row offset, crop column offset, then (if flipping) the flip.
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
  const rowLen = w * c;
  for (let j = 0; j < n; j++) {
    const s = indices[j] * size;
    const o = j * size;
    if (!augmentation) {
      copyPixels(src, s, 1, out, o, h * w, c, lut);
      continue;
    }
    const p = augmentation.cropPadding;
    const dy = rng.int(2 * p + 1) - p;
    const dx = rng.int(2 * p + 1) - p;
    const flip = augmentation.horizontalFlip && rng.next() < 0.5;
    // Output column x reads source column (flip ? w-1-x : x) + dx; the columns where that lies inside the image:
    const x0 = Math.max(0, flip ? dx : -dx);
    const x1 = Math.min(w, flip ? w + dx : w - dx);
    for (let y = 0; y < h; y++) {
      const ro = o + y * rowLen;
      const sy = y + dy;
      if (sy < 0 || sy >= h || x1 <= x0) {
        fillPadding(out, ro, w, c, lut);
        continue;
      }
      fillPadding(out, ro, x0, c, lut);
      const sx0 = (flip ? w - 1 - x0 : x0) + dx;
      copyPixels(src, s + sy * rowLen + sx0 * c, flip ? -1 : 1, out, ro + x0 * c, x1 - x0, c, lut);
      fillPadding(out, ro + x1 * c, w - x1, c, lut);
    }
  }
}

/** `count` pixels of zero padding (byte 0, normalised) at `o`. */
function fillPadding(out: Float32Array, o: number, count: number, c: number, lut: Float32Array): void {
  if (count <= 0) return;
  if (c === 1) {
    out.fill(lut[0], o, o + count);
    return;
  }
  for (let x = 0; x < count; x++) for (let k = 0; k < c; k++) out[o + x * c + k] = lut[k * 256];
}

/** Normalises `count` pixels from `src` at `s` (stepping `dir` pixels: 1, or -1 to mirror) into `out` at `o`. */
function copyPixels(src: Uint8Array, s: number, dir: number, out: Float32Array, o: number, count: number, c: number, lut: Float32Array): void {
  if (c === 1) {
    if (dir === 1) for (let x = 0; x < count; x++) out[o + x] = lut[src[s + x]];
    else for (let x = 0; x < count; x++) out[o + x] = lut[src[s - x]];
  } else if (c === 3) {
    const step = 3 * dir;
    for (let x = 0, q = s; x < count; x++, q += step) {
      const t = o + 3 * x;
      out[t] = lut[src[q]];
      out[t + 1] = lut[256 + src[q + 1]];
      out[t + 2] = lut[512 + src[q + 2]];
    }
  } else {
    for (let x = 0; x < count; x++) {
      const q = s + dir * x * c;
      for (let k = 0; k < c; k++) out[o + x * c + k] = lut[k * 256 + src[q + k]];
    }
  }
}
