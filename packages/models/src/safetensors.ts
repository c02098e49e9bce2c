/**
 * The safetensors file format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__? }`
 * (offsets relative to the byte after the header), then the raw little-endian, row-major tensor data.
 */

/** Element types this package reads; it writes `F32` and `I64`. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32';

// The data is little-endian; on a little-endian host it is copied as is.
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };

/** One tensor of a safetensors file, decoded to a JS typed array. */
export interface SafetensorsEntry {
  /** The dtype stored in the file. */
  dtype: SafetensorsDtype;
  /** Shape, row-major. */
  shape: number[];
  /** Values: float types decode to `Float32Array` (F64 rounds), integer types to `Int32Array` (range-checked). */
  data: Float32Array | Int32Array;
}

/** A tensor to write: float32 data is written as `F32`, int32 data as `I64`. */
export interface SafetensorsInput {
  shape: number[];
  data: Float32Array | Int32Array;
}

function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

function decodeHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * Parses a safetensors file. Throws with the reason on a malformed header, an unknown dtype, offsets outside
 * the data or a size that does not match the shape.
 * @returns the tensors by name and the `__metadata__` strings.
 * @param bytes - the whole file, e.g. `fs.readFileSync(path)`: 8-byte header length, JSON header, data.
 */
export function parseSafetensors(bytes: Uint8Array): { tensors: Map<string, SafetensorsEntry>; metadata: Record<string, string> } {
  if (!(bytes instanceof Uint8Array)) fail(`bytes must be a Uint8Array (e.g. fs.readFileSync(path)), got ${typeof bytes}`);
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length: not a safetensors file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) {
    fail(`header length ${headerLength} exceeds the file size ${bytes.length}: not a safetensors file, or truncated`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    fail(`header is not valid JSON (${(error as Error).message}): not a safetensors file`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header must be a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (info ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in BYTES)) {
      fail(`tensor '${name}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(BYTES).join(', ')}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      fail(`tensor '${name}' has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      fail(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    const type = dtype as SafetensorsDtype;
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLength) {
      fail(`tensor '${name}' has data_offsets [${begin}, ${end}] outside the ${dataLength} data bytes`);
    }
    if (end - begin !== count * BYTES[type]) {
      fail(`tensor '${name}' holds ${end - begin} bytes but shape [${shape}] of ${type} needs ${count * BYTES[type]}`);
    }
    const at = dataStart + begin;
    let data: Float32Array | Int32Array;
    if (type === 'F32') {
      data = new Float32Array(count);
      new Uint8Array(data.buffer).set(bytes.subarray(at, at + count * 4));
      if (!littleEndian) for (let i = 0; i < count; i++) data[i] = view.getFloat32(at + 4 * i, true);
    } else if (type === 'F64') {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(at + 8 * i, true);
    } else if (type === 'F16') {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = decodeHalf(view.getUint16(at + 2 * i, true));
    } else if (type === 'BF16') {
      data = new Float32Array(count);
      const bits = new Uint32Array(data.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(at + 2 * i, true) << 16;
    } else if (type === 'I32') {
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(at + 4 * i, true);
    } else {
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const value = view.getBigInt64(at + 8 * i, true);
        if (value > 2147483647n || value < -2147483648n) {
          fail(`tensor '${name}' element ${i} = ${value} does not fit in int32 (the only integer type tfjs holds)`);
        }
        data[i] = Number(value);
      }
    }
    tensors.set(name, { dtype: type, shape: [...(shape as number[])], data });
  }
  return { tensors, metadata };
}

/**
 * Writes tensors as a safetensors file, in the given order: float32 data as `F32`, int32 data as `I64`
 * (PyTorch's dtype for counters such as `num_batches_tracked`). The header is padded with spaces to a
 * multiple of 8 bytes, as the reference writer does.
 * @param tensors - the tensors by `state_dict` name, in the order to write them: shape and float32 or int32 data (int32
 *   is written as `I64`).
 * @param metadata - strings to store under `__metadata__`; default none (the header then has no `__metadata__`).
 */
export function serializeSafetensors(tensors: Map<string, SafetensorsInput>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, { shape, data }] of tensors) {
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) fail(`tensor '${name}' has ${data.length} values but shape [${shape}] needs ${count}`);
    const dtype = data instanceof Float32Array ? 'F32' : 'I64';
    const size = count * BYTES[dtype];
    header[name] = { dtype, shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const { data } of tensors.values()) {
    if (data instanceof Float32Array) {
      if (littleEndian) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
      else for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i], true);
      at += data.byteLength;
    } else {
      for (let i = 0; i < data.length; i++) view.setBigInt64(at + 8 * i, BigInt(data[i]), true);
      at += data.length * 8;
    }
  }
  return out;
}
