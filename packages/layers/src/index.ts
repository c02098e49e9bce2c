/**
 * `@neural-ode/layers`: neural ODEs as TensorFlow.js layers. `neuralOde({ dynamics, solver })` is a `tf.layers`
 * layer that drops into `tf.sequential` or `tf.model`, trains with `model.fit` and saves with `model.save`;
 * `concatDense`, `concatConv1d` and `concatConv2d` make time-dependent dynamics. File IO for Node:
 * `@neural-ode/layers/node`.
 * @packageDocumentation
 */
export { neuralOde, NeuralOde, neuralOdeOptionsSchema } from './neural-ode';
export type { NeuralOdeOptions, NfeCounts, GradientMode } from './neural-ode';
export { concatDense, ConcatDense } from './concat-dense';
export { concatConv1d, ConcatConv1D } from './concat-conv1d';
export { concatConv2d, ConcatConv2D } from './concat-conv2d';
export { ConcatTimeLayer } from './concat-time-layer';
export { DelegatingLayer } from './delegating-layer';
export { nfeLogger, NfeLogger, neuralOdeLayers } from './nfe-logger';
export type { NfeLoggerOptions } from './nfe-logger';
