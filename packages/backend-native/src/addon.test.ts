import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAddonFrom, packageRoot } from './addon';
import { nativeStatus } from './native-backend';

// The loader's order: the prebuilt package of this machine (@neural-ode/backend-native-linux-x64-gnu), else the
// source build in build/Release; a newer source build goes first; each one passed over is noted. Checked on fake
// installations in a temporary folder, with copies of the real addon where one is built here.

const root = packageRoot();
const prebuiltScript = createRequire(join(root, 'package.json'))('./scripts/prebuilt.cjs') as {
  platformSuffix(platform?: string, arch?: string, glibc?: boolean): string;
};
const PREBUILT = '@neural-ode/backend-native-linux-x64-gnu';
const onLinuxGnu = prebuiltScript.platformSuffix() === 'linux-x64-gnu';
const status = nativeStatus();
const realAddon = status.available ? status.path : undefined;

let dir = '';
let savedOverride: string | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'backend-native-loader-'));
  savedOverride = process.env.NEURAL_ODE_NATIVE_ADDON;
  delete process.env.NEURAL_ODE_NATIVE_ADDON;
  // The loader and the install script read the prebuilt package's location from scripts/prebuilt.cjs of the root.
  mkdirSync(join(dir, 'scripts'));
  for (const f of ['prebuilt.cjs', 'detect.cjs', 'install.cjs']) copyFileSync(join(root, 'scripts', f), join(dir, 'scripts', f));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@neural-ode/backend-native', version: '0.1.0' }));
});
afterEach(() => {
  if (savedOverride !== undefined) process.env.NEURAL_ODE_NATIVE_ADDON = savedOverride;
  rmSync(dir, { recursive: true, force: true });
});

/** A fake installed platform package at `version`, with `binary` (a file to copy, or bytes) as its addon. */
function installPrebuilt(version: string, binary?: string | Buffer): string {
  const pkg = join(dir, 'node_modules', ...PREBUILT.split('/'));
  mkdirSync(join(pkg, 'lib'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: PREBUILT, version }));
  const file = join(pkg, 'lib', 'neural_ode_native.node');
  if (typeof binary === 'string') copyFileSync(binary, file);
  else if (binary) writeFileSync(file, binary);
  return file;
}

/** A fake source build (a copy of the real addon), `ageSeconds` old. */
function installSourceBuild(ageSeconds: number): string {
  const file = join(dir, 'build', 'Release', 'neural_ode_native.node');
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(realAddon!, file);
  const t = Date.now() / 1000 - ageSeconds;
  utimesSync(file, t, t);
  return file;
}

describe('where the prebuilt package is looked for', () => {
  it('names the package after the platform, the architecture and the C library', () => {
    expect(prebuiltScript.platformSuffix('linux', 'x64', true)).toBe('linux-x64-gnu');
    expect(prebuiltScript.platformSuffix('linux', 'x64', false)).toBe('linux-x64-musl');
    expect(prebuiltScript.platformSuffix('darwin', 'arm64')).toBe('darwin-arm64');
    expect(prebuiltScript.platformSuffix('win32', 'x64')).toBe('win32-x64-msvc');
  });
});

describe.runIf(onLinuxGnu)('the loader on Linux x64 glibc', () => {
  it('with an empty platform package (the monorepo before its build) and no source build: not built, and the fix names the prebuilt package', () => {
    installPrebuilt('0.1.0');
    const load = loadAddonFrom(dir);
    expect(load.ok).toBe(false);
    if (load.ok) return;
    expect(load.reason).toMatch(/^the addon is not built \(no .*build\/Release\/neural_ode_native\.node\) and no prebuilt binary \(.*backend-native-linux-x64-gnu holds no binary/);
    expect(load.fix).toMatch(/^npm install @neural-ode\/backend-native-linux-x64-gnu \(the prebuilt binary, no compiler needed\), or build from source: /);
  });

  it('passes over a platform package of another version, saying so', () => {
    installPrebuilt('0.0.9', Buffer.from('not an addon'));
    const load = loadAddonFrom(dir);
    expect(load.ok).toBe(false);
    expect(load.notes).toContain(`prebuilt: ${PREBUILT} is 0.0.9, @neural-ode/backend-native is 0.1.0 (install the same version of both)`);
  });

  it.runIf(realAddon)('loads the prebuilt binary when it is there and loads', () => {
    const file = installPrebuilt('0.1.0', realAddon);
    installSourceBuild(3600);
    const load = loadAddonFrom(dir);
    expect(load).toMatchObject({ ok: true, origin: 'prebuilt', from: `prebuilt ${PREBUILT}@0.1.0`, path: file, notes: [] });
  });

  it.runIf(realAddon)('falls back to the source build when the prebuilt binary does not load, with a note', () => {
    installPrebuilt('0.1.0', Buffer.from('not an ELF file'));
    const source = installSourceBuild(3600);
    const load = loadAddonFrom(dir);
    expect(load).toMatchObject({ ok: true, origin: 'source', from: 'source build', path: source });
    expect(load.notes.join('\n')).toMatch(/^prebuilt @neural-ode\/backend-native-linux-x64-gnu@0\.1\.0 passed over: the addon at .* failed to load: /);
  });

  it.runIf(realAddon)('a source build newer than the prebuilt binary (rebuilt after installing) goes first', () => {
    const prebuilt = installPrebuilt('0.1.0', realAddon);
    const t = Date.now() / 1000 - 7200;
    utimesSync(prebuilt, t, t);
    const source = installSourceBuild(60);
    const load = loadAddonFrom(dir);
    expect(load).toMatchObject({ ok: true, origin: 'source', path: source });
    expect(load.notes).toContain(`the source build is newer than the prebuilt ${PREBUILT}@0.1.0 binary: the source build goes first`);
  });
});

describe.runIf(onLinuxGnu)('the install script', () => {
  // No compiler on the PATH and no oneDNN to find: if it tried to build, it would say it cannot.
  const install = () =>
    spawnSync(process.execPath, [join(dir, 'scripts', 'install.cjs')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PATH: dirname(process.execPath), NEURAL_ODE_NATIVE_BLAS: 'none', NEURAL_ODE_NATIVE_SKIP_BUILD: '' },
    });

  it.runIf(realAddon)('builds nothing when the prebuilt binary loads', () => {
    installPrebuilt('0.1.0', realAddon);
    const r = install();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/using the prebuilt addon of @neural-ode\/backend-native-linux-x64-gnu@0\.1\.0 \(onednn [\d.]+\): nothing to build\./);
  });

  it('builds from source (here: says why it cannot) when the prebuilt binary does not load', () => {
    installPrebuilt('0.1.0', Buffer.from('not an ELF file'));
    const r = install();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/building from source: @neural-ode\/backend-native-linux-x64-gnu's addon does not load here: /);
    expect(r.stdout).toMatch(/not building the addon: neither oneDNN nor OpenBLAS was found/);
  });
});
