// The README's ODE-Net written with tf.layers (between the README markers, checked against README.md by
// readme.test.ts); trained by examples/odenet.test.ts and by bench/layers.ts. Not part of the package's API.
import * as tfl from '@tensorflow/tfjs-layers';
import type { SolverInput } from '@neural-ode/odeint';
import { concatConv2d, neuralOde, type GradientMode } from '../index';

// README:begin odenet-model
/** ODE-Net for 28×28×1 images (the reference's layout): downsampling convs, an ODE block of concatConv2d dynamics, a linear head. */
function mnistOdeNet(solver: SolverInput = { method: 'rk4', stepSize: 0.25 }, gradient: GradientMode = 'tape') {
  const he = (seed: number) => tfl.initializers.heNormal({ seed });
  return tfl.sequential({
    layers: [
      // Downsampling: 28×28×1 → 7×7×64 (batch norm where the reference has GroupNorm, which tf.layers lacks).
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 64, kernelSize: 3, kernelInitializer: he(1) }),
      tfl.layers.batchNormalization({ momentum: 0.9 }),
      tfl.layers.reLU(),
      tfl.layers.conv2d({ filters: 64, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: he(2) }),
      tfl.layers.batchNormalization({ momentum: 0.9 }),
      tfl.layers.reLU(),
      tfl.layers.conv2d({ filters: 64, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: he(3) }),
      // The ODE block: h(1) of dh/dt = conv(relu(conv(cat(h, t))), t), h(0) = the features.
      neuralOde({
        dynamics: tfl.sequential({
          layers: [
            concatConv2d({ inputShape: [7, 7, 64], filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he(4) }),
            concatConv2d({ filters: 64, kernelSize: 3, padding: 'same', kernelInitializer: he(5) }),
          ],
        }),
        solver,
        gradient,
      }),
      tfl.layers.batchNormalization({ momentum: 0.9 }),
      tfl.layers.reLU(),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: he(6) }),
    ],
  });
}
// README:end

export { mnistOdeNet };
