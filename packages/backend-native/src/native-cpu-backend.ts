import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { backend_util, DataId, DataType } from '@tensorflow/tfjs-core';

/** Buffers below this many elements are not recycled (allocation is cheap there). */
const MIN_POOLED = 4096;

/**
 * The `native` backend: tfjs-backend-cpu's `MathBackendCPU`, plus a pool that recycles the output buffers of the
 * native kernels once tfjs disposes their tensors. Without it every activation is a fresh zero-filled
 * ArrayBuffer, and V8 answers the external-memory growth with a garbage collection every few kernels (measured:
 * ~20% of an ODE-Net step).
 *
 * A buffer is recycled only when it is provably private: allocated here, owned by exactly one live data entry,
 * never handed out (`readSync`/`read`, i.e. `dataSync()`/`data()`), and never the parent of a view another tensor
 * holds (a cpu kernel returning `values.subarray(…)`). Anything else is left to the garbage collector.
 */
export class NativeCpuBackend extends MathBackendCPU {
  /** Upper bound of the bytes kept for reuse. */
  maxPooledBytes = 512 * 2 ** 20;
  private pool = new Map<number, Float32Array[]>();
  private pooledBytes = 0;
  private owned = new WeakMap<ArrayBufferLike, Float32Array>();
  private uses = new Map<Float32Array, number>();
  private escaped = new WeakSet<ArrayBufferLike>();

  /** A float32 buffer of `n` elements for a kernel output; its contents are arbitrary (kernels overwrite it). */
  takeFloat32(n: number): Float32Array {
    if (n < MIN_POOLED) return new Float32Array(n);
    const recycled = this.pool.get(n)?.pop();
    if (recycled) {
      this.pooledBytes -= recycled.byteLength;
      return recycled;
    }
    const fresh = new Float32Array(n);
    this.owned.set(fresh.buffer, fresh);
    return fresh;
  }

  private note(values: unknown, asUse: boolean) {
    if (!(values instanceof Float32Array)) return;
    const owner = this.owned.get(values.buffer);
    if (!owner) return;
    if (asUse && owner === values) this.uses.set(values, (this.uses.get(values) ?? 0) + 1);
    else this.escaped.add(values.buffer);
  }

  override write(values: backend_util.BackendValues, shape: number[], dtype: DataType): DataId {
    this.note(values, true);
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: backend_util.BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    this.note(values, false);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): backend_util.BackendValues {
    const values = super.readSync(dataId);
    this.note(values, false);
    const stored = this.data.get(dataId)?.values;
    if (stored !== values) this.note(stored, false);
    return values;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const released = super.disposeData(dataId, force);
    if (released && values instanceof Float32Array && !this.data.has(dataId)) this.release(values);
    return released;
  }

  private release(values: Float32Array) {
    const count = this.uses.get(values);
    if (count === undefined) return;
    if (count > 1) {
      this.uses.set(values, count - 1);
      return;
    }
    this.uses.delete(values);
    if (this.escaped.has(values.buffer) || this.pooledBytes + values.byteLength > this.maxPooledBytes) {
      this.owned.delete(values.buffer);
      return;
    }
    let list = this.pool.get(values.length);
    if (!list) this.pool.set(values.length, (list = []));
    list.push(values);
    this.pooledBytes += values.byteLength;
  }

  override dispose(): void {
    this.pool.clear();
    this.uses.clear();
    this.pooledBytes = 0;
    super.dispose();
  }
}
