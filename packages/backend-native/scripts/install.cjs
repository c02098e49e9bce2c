#!/usr/bin/env node
// Builds the addon when it can and never fails the install: without a compiler, oneDNN or OpenBLAS it prints
// why and how to enable it, and `nativeStatus()` then reports the addon as unavailable (tfjs falls back).
// Flags: --force rebuilds even when the binary is newer than the sources.
// Env: NEURAL_ODE_NATIVE_SKIP_BUILD=1 skips; NEURAL_ODE_NATIVE_BLAS=openblas builds the OpenBLAS variant.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { detect } = require('./detect.cjs');

const root = path.resolve(__dirname, '..');
const binary = path.join(root, 'build', 'Release', 'neural_ode_native.node');
const force = process.argv.includes('--force');
const say = (line) => process.stdout.write(`@neural-ode/backend-native: ${line}\n`);
const fix =
  process.platform === 'darwin'
    ? 'brew install onednn (or openblas), then npm rebuild @neural-ode/backend-native'
    : process.platform === 'win32'
      ? 'install oneDNN and set DNNL_ROOT, then npm rebuild @neural-ode/backend-native'
      : 'apt-get install libdnnl-dev (or libopenblas-dev), then npm rebuild @neural-ode/backend-native';

function newestSource() {
  let newest = fs.statSync(path.join(root, 'binding.gyp')).mtimeMs;
  for (const dir of ['native', 'scripts']) {
    for (const f of fs.readdirSync(path.join(root, dir))) newest = Math.max(newest, fs.statSync(path.join(root, dir, f)).mtimeMs);
  }
  return newest;
}

function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  for (const base of [root, path.dirname(process.execPath), '/usr/lib/node_modules/npm', '/usr/local/lib/node_modules/npm', '/usr/lib/node_modules/pnpm/dist']) {
    try {
      candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [base, path.join(base, 'node_modules')] }));
    } catch {
      // not there
    }
  }
  for (const c of candidates) if (c && fs.existsSync(c)) return [process.execPath, [c]];
  return ['node-gyp', []];
}

function main() {
  if (process.env.NEURAL_ODE_NATIVE_SKIP_BUILD === '1') {
    say('NEURAL_ODE_NATIVE_SKIP_BUILD=1: not building the addon.');
    return;
  }
  const found = detect();
  if (found.backend === 'none') {
    say(`not building the addon: neither oneDNN nor OpenBLAS was found. TensorFlow.js falls back to wasm/cpu. To enable it: ${fix}.`);
    return;
  }
  if (!force && fs.existsSync(binary) && fs.statSync(binary).mtimeMs > newestSource()) {
    say(`addon is up to date (${path.relative(root, binary)}, ${found.backend}).`);
    return;
  }
  say(`building the addon against ${found.backend} (${found.libDir})...`);
  const [cmd, pre] = nodeGyp();
  const args = [...pre, 'rebuild'];
  // Build against the running Node's own headers when they are installed (no header download needed).
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
    args.push(`--nodedir=${prefix}`);
  }
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    say(`the addon did not build (${r.error ? r.error.message : `node-gyp exited with ${r.status}`}); the package still works without it (tfjs falls back to wasm/cpu). Needs a C++17 compiler, make and python3; ${fix}.`);
    return;
  }
  say(`built ${path.relative(root, binary)} (${found.backend}).`);
}

main();
