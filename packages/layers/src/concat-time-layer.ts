import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';
import { DelegatingLayer } from './delegating-layer';
import { currentOdeTime } from './ode-time';

type Shape = (number | null)[];

/** The layer arguments every concat layer carries itself (the rest configure the dense or conv layer inside). */
const OWN_KEYS = ['name', 'trainable', 'inputShape', 'batchInputShape', 'batchSize', 'dtype', 'inputDType', 'weights'] as const;

/**
 * `inner(cat(x, t))`: a dense or convolution layer over its input with one more feature or channel appended that
 * holds the time `t` of the ODE solve everywhere (ODE-Net's `ConcatConv2d`). The inner layer's kernel counts the
 * time channel: its input size is the features + 1, the time one last. The time is read from the `neuralOde` that
 * evaluates the dynamics, so these layers run only inside one.
 */
export abstract class ConcatTimeLayer<A extends LayerArgs> extends DelegatingLayer {
  /** The arguments of the inner layer, as given (serialized by {@link getConfig}). */
  private readonly innerArgs: A;

  protected constructor(args: A, makeInner: (args: A) => tfl.layers.Layer) {
    const own: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args ?? {})) ((OWN_KEYS as readonly string[]).includes(k) ? own : rest)[k] = v;
    // The inner layer's own name never shows: it is built in this layer's name scope (weights `<name>/kernel`).
    const inner = makeInner(rest as A);
    super(own as LayerArgs, inner);
    this.innerArgs = rest as A;
  }

  /** The axis of the channels (features), where the time channel goes. */
  protected channelAxis(rank: number): number {
    return (this.innerArgs as { dataFormat?: string }).dataFormat === 'channelsFirst' ? 1 : rank - 1;
  }

  private withTimeChannel(shape: Shape): Shape {
    const s = shape.slice();
    const axis = this.channelAxis(s.length);
    const c = s[axis];
    if (c == null) {
      throw new Error(`${this.getClassName()}: the input's channel axis (${axis}) has no size in shape ${JSON.stringify(shape)}. Fix: give the layer an input shape with a known number of channels.`);
    }
    s[axis] = c + 1;
    return s;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    if (!this.inner.built) {
      this.inner.build(this.withTimeChannel(shape));
      this.inner.built = true;
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return this.inner.computeOutputShape(this.withTimeChannel(shape));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const t = currentOdeTime(this.getClassName());
      const shape = x.shape.slice();
      const axis = this.channelAxis(shape.length);
      shape[axis] = 1;
      const time = tf.broadcastTo(tf.reshape(t, shape.map(() => 1)), shape);
      return this.inner.call(tf.concat([x, time], axis), kwargs) as tf.Tensor;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const inner = { ...this.inner.getConfig() };
    for (const k of OWN_KEYS) delete inner[k];
    return { ...inner, ...super.getConfig() };
  }
}
