import { defineConfig } from 'tsup';

// `index` is the library surface (main, describeCli, ...) for the docs site and scripts;
// `cli` is the `neural-ode` bin (its source starts with a shebang, which esbuild keeps).
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url (package.json lookup) in the CJS build.
  shims: true,
});
