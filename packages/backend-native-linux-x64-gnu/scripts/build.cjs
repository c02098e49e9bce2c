#!/usr/bin/env node
// Builds this package from @neural-ode/backend-native's source build (in the monorepo): links the same compiled
// objects again with the rpath `$ORIGIN` (as DT_RPATH, so that the libraries oneDNN itself needs are looked up
// beside the addon too), copies in every shared library `ldd` resolves that a blank glibc system may lack (all but
// glibc, libstdc++ and libgcc_s: today libdnnl.so.2, libgomp.so.1 and libOpenCL.so.1), checks with `ldd` and a
// load in a child process that they resolve to these copies, and writes their Debian copyright files and licence
// texts into LICENSES/ and what was carried into lib/manifest.json.
//
// Where it cannot build (not Linux x64 glibc, no oneDNN, no compiler, no dpkg for the licences) it says why and
// leaves the package empty, without failing, so that `pnpm install` / `pnpm build` of the monorepo still work;
// @neural-ode/backend-native then uses its source build (or @neural-ode/backend falls back to wasm).
//
//   node scripts/build.cjs            build (or explain and leave the package empty)
//   node scripts/build.cjs --require  build, or fail with the reason
//   node scripts/build.cjs --check    build nothing; fail unless a complete, current build is here (prepack)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const here = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));
const nativeRoot = path.resolve(here, '..', 'backend-native');
const libDir = path.join(here, 'lib');
const licenceDir = path.join(here, 'LICENSES');
const binaryName = 'neural_ode_native.node';
const argv = process.argv.slice(2);
const mode = argv.includes('--check') ? 'check' : argv.includes('--require') ? 'require' : 'build';
for (const a of argv) {
  if (!['--check', '--require'].includes(a)) {
    process.stderr.write(`${pkg.name}: unknown argument '${a}' (use --require or --check)\n`);
    process.exit(2);
  }
}

const say = (line) => process.stdout.write(`${pkg.name}: ${line}\n`);

/** Libraries every glibc Linux with Node has (libstdc++ and libgcc_s: Node itself links them). */
const SYSTEM_LIBRARY = /^(linux-vdso|linux-gate|libc|libm|libdl|libpthread|librt|libresolv|ld-linux-x86-64|libstdc\+\+|libgcc_s)\.so/;

class Skip extends Error {}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw new Skip(`${cmd} could not run (${r.error.message})`);
  if (r.status !== 0) throw new Skip(`${cmd} ${args.join(' ')} exited with ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  return r.stdout;
}

/** The environment with no LD_LIBRARY_PATH: what resolves must resolve through the rpath or the system. */
function cleanEnv() {
  const env = { ...process.env };
  delete env.LD_LIBRARY_PATH;
  delete env.LD_PRELOAD;
  return env;
}

/** The newest modification time of @neural-ode/backend-native's native sources (its install script's own check). */
function newestNativeSource() {
  return require(path.join(nativeRoot, 'scripts', 'install.cjs')).newestSource();
}

/** `NAME := \` blocks of a node-gyp make file, each as its list of words. */
function makeVariable(text, name) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${name} :=`));
  if (start < 0) throw new Skip(`the node-gyp make file has no ${name} (a node-gyp whose layout this script does not know)`);
  const words = [];
  for (let i = start; i < lines.length; i++) {
    const line = (i === start ? lines[i].slice(lines[i].indexOf(':=') + 2) : lines[i]).replace(/\\$/, '');
    words.push(...line.trim().split(/\s+/).filter(Boolean));
    if (!lines[i].endsWith('\\')) break;
  }
  return words;
}

/** The objects, static libraries, flags and libraries node-gyp linked the addon from. */
function linkInputs() {
  const mk = path.join(nativeRoot, 'build', 'neural_ode_native.target.mk');
  if (!fs.existsSync(mk)) throw new Skip(`no source build to link from (${path.relative(here, mk)} is missing)`);
  const text = fs.readFileSync(mk, 'utf8');
  const obj = path.join(nativeRoot, 'build', 'Release', 'obj');
  const expand = (w) => path.resolve(nativeRoot, 'build', w.replace('$(obj)', obj).replace('$(TARGET)', 'neural_ode_native'));
  const objects = makeVariable(text, 'OBJS').map(expand);
  const rule = text.split('\n').find((l) => l.startsWith('$(obj).target/neural_ode_native.node: $(OBJS)'));
  if (!rule) throw new Skip('the node-gyp make file has no link rule for neural_ode_native.node');
  const archives = rule.split(/\s+/).filter((w) => w.endsWith('.a')).map(expand);
  for (const f of [...objects, ...archives]) {
    if (!fs.existsSync(f)) throw new Skip(`the source build lacks ${path.relative(here, f)}`);
  }
  const ldflags = makeVariable(text, 'LDFLAGS_Release');
  // The source build's rpath points at the system's library folder; this one points only at its own folder.
  const libs = makeVariable(text, 'LIBS').filter((w) => !w.startsWith('-Wl,-rpath,'));
  if (!libs.includes('-ldnnl')) {
    throw new Skip(`the source build links ${libs.filter((w) => w.startsWith('-l')).join(' ') || 'no BLAS'}, not oneDNN (-ldnnl): this package carries oneDNN (apt-get install libdnnl-dev)`);
  }
  return { objects, archives, ldflags, libs };
}

/** `ldd` of a file: soname → resolved path (null when not found). */
function ldd(file) {
  const out = run('ldd', [file], { env: cleanEnv() });
  const deps = new Map();
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(not found|(\S+))/.exec(line);
    if (m) deps.set(m[1], m[2] === 'not found' ? null : m[3]);
  }
  return deps;
}

/** The highest GLIBC_ / GLIBCXX_ symbol versions the files need. */
function symbolVersions(files) {
  const max = { GLIBC: '0', GLIBCXX: '0' };
  const cmp = (a, b) => {
    const x = a.split('.').map(Number);
    const y = b.split('.').map(Number);
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  };
  for (const f of files) {
    // Undefined symbols (*UND*) are what the file needs from others; its own definitions do not count.
    for (const line of run('objdump', ['-T', f]).split('\n')) {
      if (!line.includes('*UND*')) continue;
      const m = /\b(GLIBCXX|GLIBC)_([0-9.]+)\b/.exec(line);
      if (m && cmp(m[2], max[m[1]]) > 0) max[m[1]] = m[2];
    }
  }
  return max;
}

/** The Debian package, its version and copyright file of a library, and the common licences it names. */
function debianSource(file) {
  const owner = run('dpkg', ['-S', file]).split('\n')[0];
  const name = owner.split(':')[0].trim();
  const version = run('dpkg-query', ['-W', '-f', '${Version}', name]).trim();
  const copyright = path.join('/usr/share/doc', name, 'copyright');
  if (!fs.existsSync(copyright)) throw new Skip(`${name} has no ${copyright}: its licence cannot be shipped`);
  const text = fs.readFileSync(copyright, 'utf8');
  const common = [...new Set([...text.matchAll(/\/usr\/share\/common-licenses\/([A-Za-z0-9.+-]+[A-Za-z0-9+])/g)].map((m) => m[1]))];
  return { name, version, copyright, common };
}

function check() {
  const manifestFile = path.join(libDir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new Error(`${path.relative(process.cwd(), libDir)} holds no build: run \`pnpm --filter ${pkg.name} build\` (Linux x64 glibc with libdnnl-dev and g++) before packing or publishing`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  if (manifest.version !== pkg.version) throw new Error(`lib/ was built for ${manifest.version}, this package is ${pkg.version}: rebuild it`);
  for (const f of [binaryName, ...manifest.libraries.map((l) => l.file)]) {
    if (!fs.existsSync(path.join(libDir, f))) throw new Error(`lib/${f} is missing: rebuild the package`);
  }
  for (const l of manifest.libraries) {
    if (!fs.existsSync(path.join(licenceDir, l.licence))) throw new Error(`LICENSES/${l.licence} is missing: rebuild the package`);
  }
  if (fs.existsSync(nativeRoot) && fs.statSync(path.join(libDir, binaryName)).mtimeMs < newestNativeSource()) {
    throw new Error(`lib/${binaryName} is older than @neural-ode/backend-native's native sources: rebuild the package`);
  }
  say(`lib/ holds a complete build of ${pkg.version} (${manifest.libraries.map((l) => l.file).join(', ')}).`);
}

function build() {
  if (!fs.existsSync(path.join(nativeRoot, 'package.json'))) throw new Skip(`no @neural-ode/backend-native sources at ${nativeRoot} (this script runs in the monorepo)`);
  const { platformSuffix } = require(path.join(nativeRoot, 'scripts', 'prebuilt.cjs'));
  if (`@neural-ode/backend-native-${platformSuffix()}` !== pkg.name) {
    throw new Skip(`this package is built on Linux x64 with glibc; here: ${platformSuffix()}`);
  }
  const nativePkg = JSON.parse(fs.readFileSync(path.join(nativeRoot, 'package.json'), 'utf8'));
  if (nativePkg.version !== pkg.version) {
    throw new Skip(`@neural-ode/backend-native is ${nativePkg.version}, this package ${pkg.version}: they are released with the same version`);
  }
  // The source build, brought up to date (it never fails; it says why when it cannot build).
  const src = spawnSync(process.execPath, [path.join(nativeRoot, 'scripts', 'install.cjs'), '--from-source'], { cwd: nativeRoot, stdio: 'inherit' });
  if (src.status !== 0) throw new Skip(`the source build script exited with ${src.status}`);
  const sourceBinary = path.join(nativeRoot, 'build', 'Release', binaryName);
  if (!fs.existsSync(sourceBinary)) throw new Skip('@neural-ode/backend-native has no source build (see its message above)');
  if (fs.statSync(sourceBinary).mtimeMs < newestNativeSource()) throw new Skip('the source build is older than its sources (see its message above)');
  const inputs = linkInputs();

  fs.rmSync(libDir, { recursive: true, force: true });
  fs.rmSync(licenceDir, { recursive: true, force: true });
  fs.mkdirSync(libDir, { recursive: true });
  const out = path.join(libDir, binaryName);
  const cxx = process.env.CXX || 'g++';
  run(cxx, [
    '-o', out, '-shared', ...inputs.ldflags, `-Wl,-soname=${binaryName}`,
    '-Wl,--start-group', ...inputs.objects, ...inputs.archives, '-Wl,--end-group', ...inputs.libs,
    // DT_RPATH (not RUNPATH) is also searched for the dependencies of libdnnl.so.2, which has no rpath of its own.
    '-Wl,--disable-new-dtags', '-Wl,-rpath,$ORIGIN',
  ]);

  // Carry every library ldd resolves that is not part of glibc / the C++ runtime.
  const carried = [];
  for (const [soname, resolved] of ldd(out)) {
    if (SYSTEM_LIBRARY.test(soname)) continue;
    if (!resolved) throw new Skip(`${soname} is not found on this system (ldd ${out})`);
    const real = fs.realpathSync(resolved);
    fs.copyFileSync(real, path.join(libDir, soname));
    carried.push({ file: soname, from: real });
  }
  // Every carried library must now resolve to its copy, with no LD_LIBRARY_PATH.
  const after = ldd(out);
  for (const { file } of carried) {
    if (after.get(file) !== path.join(libDir, file)) {
      throw new Skip(`after copying, ${file} resolves to ${after.get(file)}, not ${path.join(libDir, file)}: the rpath did not take`);
    }
  }

  // Load it in a clean child: it must load, report the interface, and map oneDNN from lib/.
  const probe = spawnSync(process.execPath, ['-e', `
    const a = require(${JSON.stringify(out)});
    const maps = require('fs').readFileSync('/proc/self/maps', 'utf8');
    const dnnl = (maps.match(/\\S*libdnnl\\.so\\S*/) || [null])[0];
    process.stdout.write(JSON.stringify({ info: a.info(), dnnl }));
  `], { encoding: 'utf8', env: cleanEnv() });
  if (probe.status !== 0) throw new Skip(`the linked addon does not load: ${probe.stderr.trim().slice(0, 2000)}`);
  const { info, dnnl } = JSON.parse(probe.stdout);
  if (dnnl !== path.join(libDir, 'libdnnl.so.2')) throw new Skip(`the linked addon mapped oneDNN from ${dnnl}, not from lib/`);

  // Licences: each carried library's Debian copyright file and the common licence texts it refers to.
  fs.mkdirSync(path.join(licenceDir, 'common-licenses'), { recursive: true });
  const libraries = [];
  const common = new Set();
  for (const c of carried) {
    const deb = debianSource(c.from);
    const licence = `${deb.name}.copyright`;
    fs.copyFileSync(deb.copyright, path.join(licenceDir, licence));
    for (const name of deb.common) common.add(name);
    libraries.push({ file: c.file, from: c.from, debianPackage: deb.name, debianVersion: deb.version, licence, commonLicenses: deb.common });
  }
  for (const name of common) {
    const f = path.join('/usr/share/common-licenses', name);
    if (fs.existsSync(f)) fs.copyFileSync(f, path.join(licenceDir, 'common-licenses', name));
  }
  const needs = symbolVersions([out, ...carried.map((c) => path.join(libDir, c.file))]);
  const manifest = {
    package: pkg.name,
    version: pkg.version,
    builtFrom: `${nativePkg.name}@${nativePkg.version} (the objects of its source build, relinked with rpath $ORIGIN)`,
    abi: info.abi,
    conv: info.conv,
    isaOfBuildMachine: info.isaSupported,
    needs: { glibc: needs.GLIBC, glibcxx: needs.GLIBCXX },
    libraries,
  };
  fs.writeFileSync(path.join(libDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(licenceDir, 'README.md'), [
    `# What ${pkg.name} ${pkg.version} carries, and under which licences`,
    '',
    `- \`lib/${binaryName}\`: the addon of @neural-ode/backend-native (MIT), built from its sources in the neural-ode repository.`,
    ...libraries.map((l) => `- \`lib/${l.file}\`: from Debian's \`${l.debianPackage}\` ${l.debianVersion} (${l.from}); copyright and licence: \`${l.licence}\`${l.commonLicenses.length ? `, with the full texts it refers to in \`common-licenses/\` (${l.commonLicenses.join(', ')})` : ''}.`),
    '',
    'The libraries are unmodified copies of the Debian binaries. Their sources: `apt-get source <package>` on Debian 12, or the upstream projects named in each copyright file (oneDNN: https://github.com/oneapi-src/oneDNN; libgomp: GCC; libOpenCL: ocl-icd).',
    '',
  ].join('\n'));
  const size = (f) => fs.statSync(path.join(libDir, f)).size;
  const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  say(`built lib/${binaryName} (${info.conv}, ${info.abi}; needs glibc ${needs.GLIBC}, GLIBCXX ${needs.GLIBCXX}) with ${carried.map((c) => `${c.file} (${mib(size(c.file))})`).join(', ')}; ldd and a load in a clean process resolve them from lib/.`);
}

try {
  if (mode === 'check') check();
  else build();
} catch (e) {
  if (e instanceof Skip) {
    fs.rmSync(libDir, { recursive: true, force: true });
    fs.rmSync(licenceDir, { recursive: true, force: true });
    if (mode === 'require') {
      process.stderr.write(`${pkg.name}: not built: ${e.message}\n`);
      process.exit(1);
    }
    say(`not built, the package is left empty (@neural-ode/backend-native uses its source build, or @neural-ode/backend wasm): ${e.message}`);
  } else {
    process.stderr.write(`${pkg.name}: ${e.message}\n`);
    process.exit(1);
  }
}
