import { defineConfig } from 'tsup';

export default defineConfig({
  // `node` is the entry point with the file IO handler (node:fs); the main entry stays browser-safe.
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
