import { readFile } from 'node:fs/promises';
import { maybeGunzipAsync } from './gzip';

/** IDX magic number of an unsigned-byte image file with 3 dimensions (count, rows, columns). */
export const IDX_IMAGES_MAGIC = 2051;
/** IDX magic number of an unsigned-byte label file with 1 dimension (count). */
export const IDX_LABELS_MAGIC = 2049;

/** A parsed IDX file of unsigned bytes. */
export interface IdxArray {
  /** Dimensions from the header, e.g. [60000, 28, 28]. */
  dims: number[];
  /** The payload, row-major. */
  data: Uint8Array;
}

/**
 * Parses an (uncompressed) IDX file of unsigned bytes, checking the magic number and that the payload has exactly
 * the size the header promises. `file` names the file in errors.
 */
export function parseIdx(bytes: Uint8Array, magic: typeof IDX_IMAGES_MAGIC | typeof IDX_LABELS_MAGIC, file: string): IdxArray {
  const ndims = magic === IDX_IMAGES_MAGIC ? 3 : 1;
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new Error(`${file}: truncated at byte ${bytes.length}: an IDX header needs ${headerLength} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const got = view.getUint32(0, false);
  if (got !== magic) {
    const kind = magic === IDX_IMAGES_MAGIC ? 'images' : 'labels';
    throw new Error(
      `${file}: wrong magic number ${got} (0x${got.toString(16).padStart(8, '0')}) at byte 0; an IDX ${kind} file starts with ${magic}` +
        (got === IDX_IMAGES_MAGIC || got === IDX_LABELS_MAGIC ? ' (images and labels swapped?)' : ''),
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const have = bytes.length - headerLength;
  if (have < expected) {
    throw new Error(
      `${file}: truncated at byte ${bytes.length}: header says ${dims.join('×')} = ${expected} bytes of data after byte ${headerLength}, found ${have}`,
    );
  }
  if (have > expected) {
    throw new Error(`${file}: ${have - expected} unexpected bytes after the data, from byte ${headerLength + expected}`);
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/** Images and labels read from a pair of IDX files. */
export interface IdxImagesAndLabels {
  /** Images, NHWC with C = 1. */
  x: Uint8Array;
  /** Labels. */
  y: Int32Array;
  /** Number of examples. */
  count: number;
  /** Rows and columns of each image. */
  rows: number;
  cols: number;
}

/**
 * Reads an images file and a labels file (each gzipped or not), checking magic numbers, image size, that the
 * counts agree and that every label is below `numClasses`.
 */
export async function readIdxPair(
  imagesPath: string,
  labelsPath: string,
  expect: { rows: number; cols: number; numClasses: number },
): Promise<IdxImagesAndLabels> {
  const [imageBytes, labelBytes] = await Promise.all(
    [imagesPath, labelsPath].map(async (p) => maybeGunzipAsync(await readFile(p), p)),
  );
  const images = parseIdx(imageBytes, IDX_IMAGES_MAGIC, imagesPath);
  const labels = parseIdx(labelBytes, IDX_LABELS_MAGIC, labelsPath);
  const [count, rows, cols] = images.dims;
  if (rows !== expect.rows || cols !== expect.cols) {
    throw new Error(`${imagesPath}: images are ${rows}×${cols} (bytes 8-15), expected ${expect.rows}×${expect.cols}`);
  }
  if (labels.dims[0] !== count) {
    throw new Error(
      `${labelsPath}: ${labels.dims[0]} labels (bytes 4-7) but ${imagesPath} holds ${count} images: the two files do not belong together`,
    );
  }
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = labels.data[i];
    if (v >= expect.numClasses) {
      throw new Error(`${labelsPath}: bad label ${v} at byte ${8 + i} (example ${i}); labels are 0..${expect.numClasses - 1}`);
    }
    y[i] = v;
  }
  // Copy out of the decompression buffer so the header bytes can be freed and x starts at offset 0.
  return { x: new Uint8Array(images.data), y, count, rows, cols };
}
