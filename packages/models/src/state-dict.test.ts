import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { createInitializer } from './init';
import { BatchNorm1d } from './layers/batch-norm1d';
import { Conv1d } from './layers/conv1d';
import { Conv2d } from './layers/conv2d';
import { Linear } from './layers/linear';
import type { Model } from './models/model';
import { odenet } from './models/odenet';
import { resnet } from './models/resnet';
import { vdcnnOde } from './models/vdcnn-ode';
import { parseSafetensors } from './safetensors';
import { loadStateDict, saveStateDict } from './state-dict';
import { withPrefix } from './weights';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

/** A safetensors file written byte by byte, as PyTorch's writer lays it out. */
function handWritten(entries: Array<{ name: string; dtype: string; shape: number[]; bytes: Uint8Array }>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const e of entries) {
    out.set(e.bytes, at);
    at += e.bytes.length;
  }
  return out;
}

const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

function snapshot(model: Model): Map<string, Buffer> {
  return new Map(model.namedWeights().map((w) => [w.name, Buffer.from(w.variable.dataSync().slice().buffer)]));
}

/** Names whose bytes differ (deep-equality of large arrays in the test runner is slow). */
function differing(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((n) => !a.get(n) || !b.get(n) || !a.get(n)!.equals(b.get(n)!));
}

describe('PyTorch layouts', () => {
  it('turns OIHW conv, OIW conv1d and [out, in] linear weights into HWIO, WIO and [in, out]', () => {
    const init = createInitializer(0);
    const conv = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 2 }, init);
    const conv1 = new Conv1d({ inChannels: 2, outChannels: 3, kernelSize: 2, bias: false }, init);
    const fc = new Linear({ inFeatures: 2, outFeatures: 3, bias: false }, init);
    const layers = {
      namedWeights: () => [
        ...withPrefix('conv', conv.namedWeights()),
        ...withPrefix('conv1', conv1.namedWeights()),
        ...withPrefix('fc', fc.namedWeights()),
      ],
    };
    // PyTorch element [o, i, h, w] = 1000o + 100i + 10h + w, row-major.
    const oihw: number[] = [];
    for (let o = 0; o < 3; o++) for (let i = 0; i < 2; i++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) oihw.push(1000 * o + 100 * i + 10 * h + w);
    const oiw: number[] = [];
    for (let o = 0; o < 3; o++) for (let i = 0; i < 2; i++) for (let w = 0; w < 2; w++) oiw.push(1000 * o + 100 * i + w);
    const oi = [0, 1, 10, 11, 20, 21]; // [o, i] = 10o + i
    const file = handWritten([
      { name: 'conv.weight', dtype: 'F32', shape: [3, 2, 2, 2], bytes: f32(oihw) },
      { name: 'conv.bias', dtype: 'F32', shape: [3], bytes: f32([7, 8, 9]) },
      { name: 'conv1.weight', dtype: 'F32', shape: [3, 2, 2], bytes: f32(oiw) },
      { name: 'fc.weight', dtype: 'F32', shape: [3, 2], bytes: f32(oi) },
    ]);
    loadStateDict(layers, file);
    const hwio = conv.weight.arraySync() as number[][][][];
    for (let o = 0; o < 3; o++) for (let i = 0; i < 2; i++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) {
      expect(hwio[h][w][i][o]).toBe(1000 * o + 100 * i + 10 * h + w);
    }
    expect(Array.from(conv.bias!.dataSync())).toEqual([7, 8, 9]);
    const wio = conv1.weight.arraySync() as number[][][];
    expect(wio[1][0][2]).toBe(2001);
    expect(fc.weight.arraySync()).toEqual([[0, 10, 20], [1, 11, 21]]);
  });

  it('reads num_batches_tracked as I64 and converts F64 and BF16 floats', () => {
    const bn = new BatchNorm1d({ channels: 2 });
    const i64 = new Uint8Array(BigInt64Array.from([12345n]).buffer);
    const bf16 = new Uint8Array(Uint16Array.from([0x3fc0, 0xc040]).buffer); // 1.5, -3
    const file = handWritten([
      { name: 'weight', dtype: 'F64', shape: [2], bytes: new Uint8Array(Float64Array.from([0.25, -2]).buffer) },
      { name: 'bias', dtype: 'BF16', shape: [2], bytes: bf16 },
      { name: 'running_mean', dtype: 'F32', shape: [2], bytes: f32([1, 2]) },
      { name: 'running_var', dtype: 'F32', shape: [2], bytes: f32([3, 4]) },
      { name: 'num_batches_tracked', dtype: 'I64', shape: [], bytes: i64 },
    ]);
    loadStateDict(bn, file);
    expect(Array.from(bn.weight.dataSync())).toEqual([0.25, -2]);
    expect(Array.from(bn.bias.dataSync())).toEqual([1.5, -3]);
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(12345);
    const saved = parseSafetensors(saveStateDict(bn)).tensors.get('num_batches_tracked')!;
    expect(saved).toMatchObject({ dtype: 'I64', shape: [] });
    expect(Array.from(saved.data)).toEqual([12345]);
  });
});

describe('saveStateDict → loadStateDict', () => {
  it('round-trips every parameter and buffer bit for bit', () => {
    const ids = tf.tensor2d(Array.from({ length: 16 }, (_, i) => (i * 11) % 69), [2, 8], 'int32');
    for (const [make, prime] of [
      [(seed: number): Model => resnet({ inChannels: 3, blocks: 1, seed }), null],
      [(seed: number): Model => vdcnnOde({ seed, solver: { method: 'euler', stepSize: 0.5 } }), ids],
    ] as const) {
      const source = make(1);
      // A training pass moves the BatchNorm buffers off their initial values.
      if (prime) source.apply(prime, { training: true });
      const bytes = saveStateDict(source);
      const target = make(7);
      expect(differing(snapshot(target), snapshot(source)).length).toBeGreaterThan(0);
      loadStateDict(target, bytes);
      expect(differing(snapshot(target), snapshot(source))).toEqual([]);
      expect(Buffer.from(saveStateDict(target)).equals(Buffer.from(bytes))).toBe(true);
      source.dispose();
      target.dispose();
    }
  });
});

describe('loadStateDict errors', () => {
  it('lists every missing, extra and mis-shaped tensor at once and loads nothing', () => {
    const cifar = saveStateDict(odenet({ inChannels: 3, solver: { method: 'rk4', stepSize: 0.25 } }));
    const { tensors } = parseSafetensors(cifar);
    // Drop one tensor and add one: rebuild a file by hand from the parsed entries.
    const entries = [...tensors]
      .filter(([name]) => name !== 'fc.bias')
      .map(([name, e]) => ({ name, dtype: e.dtype, shape: e.shape, bytes: new Uint8Array(e.data.buffer) }));
    entries.push({ name: 'feature.func.norm3.weight', dtype: 'F32', shape: [64], bytes: f32(new Array(64).fill(1)) });
    const model = odenet({ inChannels: 1, seed: 9, solver: { method: 'rk4', stepSize: 0.25 } });
    const before = snapshot(model);
    let message = '';
    try {
      loadStateDict(model, handWritten(entries));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/3 problems; nothing was loaded/);
    expect(message).toContain('missing: fc.bias [10]');
    expect(message).toContain('wrong shape: downsampling.0.weight is [64,3,3,3] in the file, the model needs [64,1,3,3]');
    expect(message).toContain('unexpected: feature.func.norm3.weight [64]');
    expect(differing(snapshot(model), before)).toEqual([]);
    model.dispose();
  });

  it('rejects bytes that are not a safetensors file', () => {
    expect(() => loadStateDict(resnet({ blocks: 1 }), new Uint8Array(4))).toThrow(/shorter than the 8-byte header length/);
    const bogus = new Uint8Array(16);
    new DataView(bogus.buffer).setBigUint64(0, 1000n, true);
    expect(() => parseSafetensors(bogus)).toThrow(/header length 1000 exceeds the file size 16/);
  });
});
