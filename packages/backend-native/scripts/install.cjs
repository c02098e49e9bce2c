#!/usr/bin/env node
// Gets the addon in place and never fails the install:
// 1. a source build that is already here (the monorepo, or `npm rebuild` after installing) is kept up to date;
// 2. otherwise, when the prebuilt package of this machine (@neural-ode/backend-native-linux-x64-gnu, an optional
//    dependency: scripts/prebuilt.cjs) is installed at this version and its addon loads, nothing is built: no
//    compiler, no oneDNN from apt;
// 3. otherwise the addon is built from source with node-gyp; without a compiler, oneDNN or OpenBLAS it prints why
//    and how to enable it, and `nativeStatus()` then reports the addon as unavailable (tfjs falls back to wasm).
// Flags: --force rebuilds even when the binary is newer than the sources; --from-source ignores the prebuilt package.
// Env: NEURAL_ODE_NATIVE_SKIP_BUILD=1 skips everything; NEURAL_ODE_NATIVE_FROM_SOURCE=1 is --from-source;
// NEURAL_ODE_NATIVE_BLAS=openblas builds the OpenBLAS variant.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { detect } = require('./detect.cjs');
const { findPrebuilt } = require('./prebuilt.cjs');

const root = path.resolve(__dirname, '..');
const binary = path.join(root, 'build', 'Release', 'neural_ode_native.node');
const force = process.argv.includes('--force');
const fromSource = force || process.argv.includes('--from-source') || process.env.NEURAL_ODE_NATIVE_FROM_SOURCE === '1';
const say = (line) => process.stdout.write(`@neural-ode/backend-native: ${line}\n`);
const fix =
  process.platform === 'darwin'
    ? 'brew install onednn (or openblas), then npm rebuild @neural-ode/backend-native'
    : process.platform === 'win32'
      ? 'install oneDNN and set DNNL_ROOT, then npm rebuild @neural-ode/backend-native'
      : 'apt-get install libdnnl-dev (or libopenblas-dev), then npm rebuild @neural-ode/backend-native';

/** The newest modification time of what the source build is made from. */
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

/** The prebuilt package's addon, if it is installed at this version and loads here; otherwise why not. */
function loadablePrebuilt() {
  const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  const found = findPrebuilt(root, version);
  if (!found.found) return found;
  // libgomp reads it when it loads (as in src/addon.ts): no spinning worker during the install.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  try {
    const info = require(found.binary).info();
    return { ...found, info };
  } catch (e) {
    return { found: false, name: found.name, why: `${found.name}'s addon does not load here: ${e.message.split('\n')[0]}` };
  }
}

function main() {
  if (process.env.NEURAL_ODE_NATIVE_SKIP_BUILD === '1') {
    say('NEURAL_ODE_NATIVE_SKIP_BUILD=1: not building the addon.');
    return;
  }
  if (!fromSource && !fs.existsSync(binary)) {
    const prebuilt = loadablePrebuilt();
    if (prebuilt.found) {
      say(`using the prebuilt addon of ${prebuilt.name}@${prebuilt.version} (${prebuilt.info.conv}): nothing to build.`);
      return;
    }
    say(`building from source: ${prebuilt.why}.`);
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

module.exports = { newestSource };

if (require.main === module) main();
