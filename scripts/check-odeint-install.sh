#!/usr/bin/env bash
# Installs the packed @neural-ode/odeint into a blank npm project (the registry supplies its dependencies) and
# solves dy/dt = -y on a Float64Array through the main entry, from an ES module and from CommonJS: what a user
# who runs `npm install @neural-ode/odeint` gets. Needs the npm registry and a built packages/odeint (dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
pkg="$PWD/packages/odeint"
if [ ! -f "$pkg/dist/index.js" ] || [ ! -f "$pkg/dist/index.cjs" ]; then
  echo "check-odeint-install: $pkg/dist is missing: run \`pnpm build\` first" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# pnpm pack rewrites workspace: versions into registry ranges, as `pnpm publish` does.
(cd "$pkg" && pnpm pack --pack-destination "$work" >/dev/null)
tarball="$(ls "$work"/neural-ode-odeint-*.tgz)"

mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$tarball" >/dev/null

cat > solve.mjs <<'JS'
import { odeint } from '@neural-ode/odeint';
const sol = odeint((t, y) => y.map((v) => -v), Float64Array.of(1), [0, 1], { rtol: 1e-8, atol: 1e-10 });
const err = Math.abs(sol.ys[1][0] - Math.exp(-1));
if (!(sol.ys[1] instanceof Float64Array) || !(err < 1e-6)) throw new Error(`esm: y(1) = ${sol.ys[1][0]}, want exp(-1)`);
console.log(`check-odeint-install: esm y(1) = ${sol.ys[1][0]} (|error| ${err.toExponential(1)})`);
JS
cat > solve.cjs <<'JS'
const { odeint } = require('@neural-ode/odeint');
const sol = odeint((t, y) => y.map((v) => -v), Float64Array.of(1), [0, 1], { rtol: 1e-8, atol: 1e-10 });
const err = Math.abs(sol.ys[1][0] - Math.exp(-1));
if (!(sol.ys[1] instanceof Float64Array) || !(err < 1e-6)) throw new Error(`cjs: y(1) = ${sol.ys[1][0]}, want exp(-1)`);
console.log(`check-odeint-install: cjs y(1) = ${sol.ys[1][0]} (|error| ${err.toExponential(1)})`);
JS
node solve.mjs
node solve.cjs
echo "check-odeint-install: ok ($(basename "$tarball") in a blank npm project, ESM and CommonJS)"
