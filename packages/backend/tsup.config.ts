import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url in the CommonJS build (the wasm loader resolves tfjs-backend-wasm's files from here).
  shims: true,
  // tfjs-core registers gradients and chained ops only from its ES module sources (dist/register_all_gradients.js
  // with extensionless imports), which plain Node cannot load; bundle those side-effect modules. Their engine,
  // registries and Tensor class are process-wide globals in tfjs, so the copy shares state with the peer.
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
});
