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

module.exports = { detect };

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
  // Local builds tune for this CPU; NEURAL_ODE_NATIVE_MARCH=x86-64-v3 (say) for a binary other machines run.
  else if (what === 'march') process.stdout.write(`-march=${process.env.NEURAL_ODE_NATIVE_MARCH || 'native'}`);
  else if (what === 'json') process.stdout.write(JSON.stringify(found));
  else {
    process.stderr.write(`detect.cjs: unknown query '${what}' (use backend, include, libs, march or json)\n`);
    process.exit(2);
  }
}
