#!/usr/bin/env node
// Finds what the addon can be built against. Used by binding.gyp (`node scripts/detect.cjs backend|cflags|libs`)
// and by scripts/install.cjs. Prints `onednn`, `openblas` or `none` for `backend`.
// NEURAL_ODE_NATIVE_BLAS=openblas forces the OpenBLAS build even when oneDNN is present; =none pretends neither
// exists (to check that the install still succeeds).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const prefixes = [
  process.env.DNNL_ROOT,
  process.env.ONEDNN_ROOT,
  '/usr',
  '/usr/local',
  '/opt/homebrew/opt/onednn',
  '/usr/local/opt/onednn',
  '/opt/homebrew',
].filter(Boolean);
const libDirs = ['lib', 'lib64', 'lib/x86_64-linux-gnu', 'lib/aarch64-linux-gnu'];
const libExt = process.platform === 'darwin' ? ['.dylib'] : process.platform === 'win32' ? ['.lib'] : ['.so', '.a'];

function findLib(names) {
  for (const prefix of prefixes) {
    for (const dir of libDirs) {
      for (const name of names) {
        for (const ext of libExt) {
          const file = path.join(prefix, dir, (process.platform === 'win32' ? '' : 'lib') + name + ext);
          if (fs.existsSync(file)) return { prefix, libDir: path.join(prefix, dir), name };
        }
      }
    }
  }
  return null;
}

function findHeader(prefix, rel) {
  for (const base of [path.join(prefix, 'include'), path.join(prefix, 'include', 'x86_64-linux-gnu'),
    path.join(prefix, 'include', 'aarch64-linux-gnu'), path.join(prefix, 'include', 'openblas'),
    path.join(prefix, 'opt', 'openblas', 'include')]) {
    if (fs.existsSync(path.join(base, rel))) return base;
  }
  return null;
}

function detect() {
  if (process.env.NEURAL_ODE_NATIVE_BLAS === 'none') return { backend: 'none', include: '', libDir: '', lib: '' };
  if (process.env.NEURAL_ODE_NATIVE_BLAS !== 'openblas') {
    const dnnl = findLib(['dnnl']);
    if (dnnl) {
      const inc = findHeader(dnnl.prefix, 'oneapi/dnnl/dnnl.hpp');
      if (inc) return { backend: 'onednn', include: inc, libDir: dnnl.libDir, lib: 'dnnl' };
    }
  }
  const blas = findLib(['openblas']);
  if (blas) {
    const inc = findHeader(blas.prefix, 'cblas.h');
    if (inc) return { backend: 'openblas', include: inc, libDir: blas.libDir, lib: 'openblas' };
  }
  return { backend: 'none', include: '', libDir: '', lib: '' };
}

/** The -march flag of the baseline build (a harmless flag where the compiler's default is kept). */
function march() {
  const want = process.env.NEURAL_ODE_NATIVE_MARCH;
  if (want) return `-march=${want}`;
  return process.arch === 'x64' ? '-march=x86-64-v2' : '-fPIC';
}

module.exports = { detect, march };

if (require.main === module) {
  const found = detect();
  const what = process.argv[2] ?? 'backend';
  if (what === 'backend') process.stdout.write(found.backend);
  else if (what === 'include') process.stdout.write(found.include);
  else if (what === 'libs') {
    if (found.backend === 'none') process.stdout.write('');
    else if (process.platform === 'win32') process.stdout.write(path.join(found.libDir, found.lib + '.lib'));
    else process.stdout.write(`-L${found.libDir} -Wl,-rpath,${found.libDir} -l${found.lib}`);
  }
  // The baseline every part is compiled for: x86-64-v2 on x64 (the wide kernels are dispatched at run time, see
  // native/dispatch.cc), the compiler's default elsewhere; NEURAL_ODE_NATIVE_MARCH=native (say) overrides it.
  else if (what === 'march') process.stdout.write(march());
  // Whether the AVX2 / AVX-512 builds of the kernels are compiled (x64 with gcc or clang).
  else if (what === 'wide') process.stdout.write(process.arch === 'x64' && process.platform !== 'win32' ? '1' : '0');
  else if (what === 'json') process.stdout.write(JSON.stringify({ ...found, march: march() }));
  else {
    process.stderr.write(`detect.cjs: unknown query '${what}' (use backend, include, libs, march, wide or json)\n`);
    process.exit(2);
  }
}
