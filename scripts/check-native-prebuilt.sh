#!/usr/bin/env bash
# The prebuilt native addon as a user gets it: packs the packages (scripts/pack-packages.sh), installs
# @neural-ode/backend, -backend-native, -backend-native-linux-x64-gnu and -kernels from the tarballs into a blank npm
# project with a PATH that holds node, npm and sh and no compiler (no g++, gcc, cc, c++, clang, make), and checks that
#   1. the install builds nothing (install.cjs: "using the prebuilt addon ... nothing to build"; no build/ folder);
#   2. with no LD_LIBRARY_PATH, ldd resolves libdnnl.so.2, libgomp.so.1 and libOpenCL.so.1 of the addon to the
#      platform package's own copies;
#   3. a few training steps of a small conv net run on the 'native' backend, the loss goes down, initBackend's log
#      says where the binary came from, and /proc/self/maps shows oneDNN mapped from the platform package;
#   4. without the platform package (npm's --omit=optional) and with no compiler, initBackend('auto') falls back to
#      wasm and says why native was skipped.
# Linux x64 glibc only, with what the source build needs (g++, make, python3, libdnnl-dev: the platform package is
# made from it), and the npm registry for third-party dependencies (tfjs). Builds the four packages first (turbo).
#
#   bash scripts/check-native-prebuilt.sh
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
platform=packages/backend-native-linux-x64-gnu
say() { echo "check-native-prebuilt: $*"; }

# The four packages built (turbo: cached after `pnpm build`), and the platform package current with the native
# sources (it relinks the source build's objects: a second or two; --require fails where it cannot be built).
TURBO_TELEMETRY_DISABLED=1 pnpm exec turbo run build --filter=@neural-ode/backend... --output-logs=errors-only >/dev/null
node "$platform/scripts/build.cjs" --require

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bash scripts/pack-packages.sh "$work/tgz" >/dev/null
tgz() { ls "$work/tgz/neural-ode-$1-"[0-9]*.tgz; }
tarballs=("$(tgz kernels)" "$(tgz backend-native)" "$(tgz backend-native-linux-x64-gnu)" "$(tgz backend)")
say "packed: $(for t in "${tarballs[@]}"; do printf '%s (%s) ' "$(basename "$t")" "$(du -h "$t" | cut -f1)"; done)"

# A PATH with node, npm and the shell npm runs install scripts with, and nothing else.
bin="$work/bin"
mkdir -p "$bin"
for tool in node npm npx sh; do ln -s "$(command -v "$tool")" "$bin/$tool"; done
for tool in g++ gcc cc c++ clang make; do
  if PATH="$bin" command -v "$tool" >/dev/null 2>&1; then say "the bare PATH still has $tool" >&2; exit 1; fi
done
bare() { env -u LD_LIBRARY_PATH -u NEURAL_ODE_NATIVE_ADDON -u NEURAL_ODE_NATIVE_SKIP_BUILD -u CXX -u CC PATH="$bin" "$@"; }

app="$work/app"
mkdir "$app"
cd "$app"
echo '{ "name": "blank", "private": true, "type": "module" }' > package.json
bare npm install --no-audit --no-fund --loglevel=error --foreground-scripts "${tarballs[@]}" > install.log 2>&1 || {
  cat install.log >&2
  exit 1
}
grep '@neural-ode/backend-native' install.log | sed 's/^/  npm install: /'
grep -q 'using the prebuilt addon of @neural-ode/backend-native-linux-x64-gnu@.*: nothing to build\.' install.log || {
  say "the install did not take the prebuilt addon" >&2
  exit 1
}
native="node_modules/@neural-ode/backend-native"
prebuilt="node_modules/@neural-ode/backend-native-linux-x64-gnu/lib"
if [ -e "$native/build" ]; then say "the install built something ($native/build exists)" >&2; exit 1; fi
say "1. installed with no compiler on the PATH; nothing was built"

lib="$(cd "$prebuilt" && pwd)"
deps="$(env -u LD_LIBRARY_PATH ldd "$prebuilt/neural_ode_native.node")"
for so in libdnnl.so.2 libgomp.so.1 libOpenCL.so.1; do
  resolved="$(echo "$deps" | awk -v so="$so" '$1 == so { print $3 }')"
  if [ "$resolved" != "$lib/$so" ]; then say "ldd resolves $so to '$resolved', not $lib/$so" >&2; echo "$deps" >&2; exit 1; fi
  echo "  ldd: $so => $resolved"
done
say "2. ldd (LD_LIBRARY_PATH unset) resolves oneDNN, libgomp and libOpenCL to the platform package's copies"

cat > train.mjs <<'JS'
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { nativeStatus } from '@neural-ode/backend-native';

const want = process.argv[2] ?? 'native';
const log = [];
const choice = await initBackend({ backend: want, threads: 2, log: (l) => log.push(l) });
for (const l of log) console.log(`  ${l}`);
const x = tf.randomNormal([8, 12, 12, 3], 0, 1, 'float32', 1);
const y = tf.randomNormal([8, 4], 0, 1, 'float32', 2);
const w1 = tf.variable(tf.randomNormal([3, 3, 3, 16], 0, 0.3, 'float32', 3));
const w2 = tf.variable(tf.randomNormal([16, 4], 0, 0.3, 'float32', 4));
const opt = tf.train.sgd(0.05);
const losses = [];
for (let step = 0; step < 5; step++) {
  const loss = opt.minimize(() => {
    const h = tf.relu(tf.conv2d(x, w1, 1, 'same'));
    return tf.mean(tf.square(tf.sub(tf.matMul(tf.mean(h, [1, 2]), w2), y)));
  }, true);
  losses.push(loss.dataSync()[0]);
  loss.dispose();
}
const maps = readFileSync('/proc/self/maps', 'utf8');
const mapped = (name) => [...new Set(maps.split('\n').filter((l) => l.includes(name)).map((l) => l.trim().split(/\s+/).pop()))];
const status = nativeStatus();
console.log(JSON.stringify({
  backend: choice.backend,
  losses: losses.map((v) => Number(v.toFixed(5))),
  origin: status.origin ?? null,
  from: status.from ?? null,
  libdnnl: mapped('libdnnl.so'),
  libgomp: mapped('libgomp.so'),
  libOpenCL: mapped('libOpenCL.so'),
  skipped: choice.skipped,
}));
JS
out="$(bare node train.mjs native)"
echo "$out" | sed '$d'
result="$(echo "$out" | tail -1)"
echo "  result: $result"
node -e '
  const r = JSON.parse(process.argv[1]);
  const lib = process.argv[2];
  const fail = (m) => { console.error(`check-native-prebuilt: ${m}`); process.exit(1); };
  if (r.backend !== "native") fail(`trained on ${r.backend}, not native`);
  if (r.origin !== "prebuilt") fail(`the addon came from ${r.origin}, not the prebuilt package`);
  if (!(r.losses.at(-1) < r.losses[0])) fail(`the loss did not go down: ${r.losses}`);
  for (const k of ["libdnnl", "libgomp", "libOpenCL"]) {
    if (r[k].length !== 1 || !r[k][0].startsWith(lib + "/")) fail(`${k} mapped from ${r[k].join(", ") || "nowhere"}, not from ${lib}`);
  }
' "$result" "$lib"
say "3. 5 steps on 'native' with the prebuilt binary (loss $(node -e 'const l = JSON.parse(process.argv[1]).losses; console.log(`${l[0]} -> ${l.at(-1)}`)' "$result")); oneDNN, libgomp and libOpenCL mapped from the platform package"

# Without the prebuilt package and without a compiler: the source build cannot happen, wasm takes over.
rm -rf node_modules/@neural-ode/backend-native-linux-x64-gnu
out="$(bare node train.mjs auto)"
result="$(echo "$out" | tail -1)"
echo "$out" | sed '$d' | grep -E 'using|skipped native' || true
node -e '
  const r = JSON.parse(process.argv[1]);
  const fail = (m) => { console.error(`check-native-prebuilt: ${m}`); process.exit(1); };
  if (r.backend !== "wasm") fail(`without the prebuilt package it used ${r.backend}, not wasm`);
  const native = r.skipped.find((s) => s.startsWith("native: "));
  if (!native || !/not built .*no prebuilt binary .*is not installed/.test(native)) fail(`the skipped native line does not say why: ${native}`);
  if (!(r.losses.at(-1) < r.losses[0])) fail(`the loss did not go down on wasm: ${r.losses}`);
' "$result"
say "4. without the platform package (and no compiler): initBackend('auto') trains on wasm and says why native was skipped"
say "ok in $(( $(date +%s) - start )) s"
