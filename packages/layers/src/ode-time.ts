import type * as tf from '@tensorflow/tfjs-core';

/**
 * The time of the dynamics evaluation in progress. A `tf.layers` layer sees only its input, and `tf.sequential`
 * passes nothing else along, so {@link NeuralOde} publishes `t` here for the duration of each evaluation and the
 * time-dependent layers (`concatDense`, `concatConv1d`, `concatConv2d`) read it. A stack, so an ODE block inside
 * another block's dynamics sees its own time.
 */
const times: tf.Scalar[] = [];

/** Runs `fn` with `t` as the current ODE time. */
export function withOdeTime<T>(t: tf.Scalar, fn: () => T): T {
  times.push(t);
  try {
    return fn();
  } finally {
    times.pop();
  }
}

/**
 * The time of the ODE solve that is evaluating the dynamics now. `layer` names the caller in the error thrown when
 * no solve is running (the layer was called outside a `neuralOde`'s dynamics).
 */
export function currentOdeTime(layer: string): tf.Scalar {
  const t = times[times.length - 1];
  if (t === undefined) {
    throw new Error(
      `${layer}: no ODE time is set: this layer concatenates the solver's time t to its input, so it runs only inside the dynamics of a neuralOde layer. ` +
        'Fix: use it in the dynamics passed to neuralOde({ dynamics }), or use a plain layer outside an ODE.',
    );
  }
  return t;
}
