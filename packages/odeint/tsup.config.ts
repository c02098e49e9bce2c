import { defineConfig } from 'tsup';

export default defineConfig({
  // `float64` is the entry point that never loads @tensorflow/tfjs-core (see README).
  entry: ['src/index.ts', 'src/float64.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
