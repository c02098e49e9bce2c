// Where the prebuilt addon of this machine would be: the per-platform optional package (the esbuild / sharp pattern)
// `@neural-ode/backend-native-<platform>-<arch>[-<libc>]`, of which `-linux-x64-gnu` is published today. Used by
// scripts/install.cjs (to skip the source build) and src/addon.ts (the loader), so both look in the same place.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const PACKAGE_NAME = '@neural-ode/backend-native';
/** The platform packages that exist (one line per platform added to the release). */
const PUBLISHED = ['linux-x64-gnu'];
/** Where in a platform package the addon lies (the libraries it links lie beside it). */
const BINARY = path.join('lib', 'neural_ode_native.node');

let glibc;
/** Whether this process runs on glibc (Node's report names its version; musl has none). Read once: it is slow. */
function isGlibc() {
  if (glibc === undefined) {
    const header = process.report?.getReport?.().header;
    glibc = Boolean(header && header.glibcVersionRuntime);
  }
  return glibc;
}

/** The platform suffix, e.g. `linux-x64-gnu`, `linux-x64-musl`, `darwin-arm64`, `win32-x64-msvc`. */
function platformSuffix(platform = process.platform, arch = process.arch, glibc = platform === 'linux' && isGlibc()) {
  if (platform === 'linux') return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

/**
 * The prebuilt package for this machine as installed beside the package at `root`: `{ found: true, name, version,
 * dir, binary }` when it resolved at `ownVersion` with its binary in place, else `{ found: false, name, why }`.
 */
function findPrebuilt(root, ownVersion, suffix = platformSuffix()) {
  const name = `${PACKAGE_NAME}-${suffix}`;
  if (!PUBLISHED.includes(suffix)) {
    return { found: false, name, why: `no prebuilt binary is published for ${suffix} (only ${PUBLISHED.join(', ')})` };
  }
  let manifest;
  try {
    manifest = require.resolve(`${name}/package.json`, { paths: [root] });
  } catch {
    return { found: false, name, why: `${name} is not installed (an optional dependency; --omit=optional leaves it out)` };
  }
  const dir = path.dirname(manifest);
  let version;
  try {
    version = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
  } catch (e) {
    return { found: false, name, why: `${manifest} is unreadable (${e.message})` };
  }
  if (ownVersion !== undefined && version !== ownVersion) {
    return { found: false, name, why: `${name} is ${version}, ${PACKAGE_NAME} is ${ownVersion} (install the same version of both)` };
  }
  const binary = path.join(dir, BINARY);
  if (!fs.existsSync(binary)) {
    return { found: false, name, why: `${name} holds no binary (${binary} is missing; in the monorepo: pnpm --filter ${name} build)` };
  }
  return { found: true, name, version, dir, binary };
}

module.exports = { PACKAGE_NAME, PUBLISHED, BINARY, platformSuffix, findPrebuilt };
