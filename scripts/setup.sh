#!/usr/bin/env bash
# Sets up a fresh machine for neural-ode: system libraries (when apt is there and we may use it),
# the pinned pnpm, the workspace dependencies from the frozen lockfile, and a build of every package.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9
export TURBO_TELEMETRY_DISABLED=1

# A C++ toolchain with oneDNN/OpenBLAS builds the native CPU kernels (@neural-ode/backend-native); chromium runs the docs' browser test;
# dataset-fashion-mnist is the real Fashion-MNIST (60k/10k IDX files under /usr/share/datasets), found offline by `--data fashion-mnist`.
# All are optional here: without them the native addon is skipped and the browser test says why (CI requires them).
APT_PACKAGES="g++ make python3 libdnnl-dev libopenblas-dev chromium dataset-fashion-mnist"
if [ "${NEURAL_ODE_SKIP_APT:-0}" != "1" ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo -n"; fi
  missing=""
  for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    echo "setup: installing system packages:$missing"
    if $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
      echo "setup: system packages installed"
    else
      echo "setup: could not install$missing (continuing: native kernels and browser tests will be skipped)" >&2
    fi
  fi
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm@$PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1 || {
    echo "setup: global install refused; using npx pnpm@$PNPM_VERSION" >&2
    mkdir -p .tools/bin
    printf '#!/bin/sh\nexec npx -y pnpm@%s "$@"\n' "$PNPM_VERSION" > .tools/bin/pnpm
    chmod +x .tools/bin/pnpm
    export PATH="$PWD/.tools/bin:$PATH"
  }
fi

pnpm install --frozen-lockfile
pnpm build
