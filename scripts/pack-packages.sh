#!/usr/bin/env bash
# Packs every public package of the workspace into DIR (default: a temporary folder) as the registry would get it
# (`pnpm pack` rewrites `workspace:` versions into plain ones, as `pnpm publish` does), then, with --check, installs
# all the tarballs together into a blank npm project ("type": "module") and imports every package from it: what a
# user gets from `npm install` of the tarballs before (or instead of) the registry. Needs built packages (dist/) and
# the npm registry for third-party dependencies.
#
#   bash scripts/pack-packages.sh [--check] [DIR]
#
# Install them in your project with one npm command (all at once, so that they satisfy each other's dependencies):
#   npm install DIR/neural-ode-odeint-[0-9]*.tgz DIR/neural-ode-backend-[0-9]*.tgz ...
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

check=0
out=""
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    -*) echo "pack-packages: unknown option '$arg' (use --check and an optional output folder)" >&2; exit 2 ;;
    *) out="$arg" ;;
  esac
done
cleanup=()
trap 'rm -rf "${cleanup[@]}"' EXIT
if [ -z "$out" ]; then
  out="$(mktemp -d)"
  cleanup+=("$out")
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"

names=()
for dir in packages/* apps/*; do
  [ -f "$dir/package.json" ] || continue
  if node -e "process.exit(require('./$dir/package.json').private ? 0 : 1)"; then continue; fi
  # A per-platform package (os/cpu fields: the prebuilt addon of @neural-ode/backend-native) is packed when it was
  # built on this machine (`pnpm build` builds it where it can), left out with the reason otherwise; it has nothing
  # to import.
  if node -e "process.exit(require('./$dir/package.json').os ? 0 : 1)"; then
    if why="$(cd "$dir" && node scripts/build.cjs --check 2>&1)"; then
      (cd "$dir" && pnpm pack --pack-destination "$out" >/dev/null)
    else
      echo "pack-packages: left out $dir: $why" >&2
    fi
    continue
  fi
  main="$(node -p "const p = require('./$dir/package.json'); (p.exports?.['.']?.import?.default ?? p.main ?? '')")"
  if [ -n "$main" ] && [ ! -f "$dir/$main" ]; then
    echo "pack-packages: $dir is not built ($dir/$main is missing): run \`pnpm build\` first" >&2
    exit 1
  fi
  (cd "$dir" && pnpm pack --pack-destination "$out" >/dev/null)
  names+=("$(node -p "require('./$dir/package.json').name")")
done
echo "pack-packages: ${#names[@]} packages packed into $out:"
ls -1 "$out"/*.tgz | sed 's/^/  /'

[ "$check" = 1 ] || exit 0

app="$(mktemp -d)"
cleanup+=("$app")
cd "$app"
echo '{ "name": "blank", "private": true, "type": "module" }' > package.json
# The addon of @neural-ode/backend-native is not compiled here: the check is about what npm installs and imports.
NEURAL_ODE_NATIVE_SKIP_BUILD=1 npm install --no-audit --no-fund --loglevel=error "$out"/*.tgz >/dev/null
{
  echo "const names = $(printf '%s\n' "${names[@]}" | node -e 'console.log(JSON.stringify(require("fs").readFileSync(0, "utf8").trim().split("\n")))');"
  cat <<'JS'
for (const name of names) {
  const mod = await import(name);
  if (Object.keys(mod).length === 0) throw new Error(`${name} imported, but exports nothing`);
}
console.log(`pack-packages: imported ${names.join(', ')} from a blank ESM project`);
JS
} > import-all.mjs
node import-all.mjs
