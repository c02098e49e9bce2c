// Every ```ts / ```js snippet of the package READMEs runs as written, as a new user would run it: an ES module in a
// blank project (`"type": "module"`) that has the workspace's built packages installed, started with tsx, each in a
// process of its own. A snippet that only makes sense after the one before it says so with
// `<!-- snippet: continues -->` right above its fence (the two run as one module, their imports merged); one that
// needs the network, a dataset or minutes of training says `<!-- snippet: no-run (why) -->` and is type-checked only.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedPackages, repoRoot } from '../scripts/workspace';
import { mergeImports, readmeSnippets, type Snippet } from './readme-snippets';

/** A snippet gets this long: the slowest that runs (30 epochs of a small model.fit) takes ~12 CPU-seconds. */
const SNIPPET_TIMEOUT_MS = 90_000;
/** Snippets run two at a time (the CI machine has two cores). */
const PARALLEL = 2;

const readmes = [...documentedPackages().map((p) => join(p.dir, 'README.md'))].filter((f) => existsSync(f));
const snippets: Snippet[] = readmes.flatMap((file) => readmeSnippets(readFileSync(file, 'utf8'), relative(repoRoot, file)));
/** The packages a snippet may import, as a user would have installed them: the workspace's own and tfjs. */
const installed: [string, string][] = [
  ...documentedPackages().map((p): [string, string] => [p.name, p.dir]),
  ['@tensorflow/tfjs-core', join(repoRoot, 'packages/odeint/node_modules/@tensorflow/tfjs-core')],
  ['@tensorflow/tfjs-layers', join(repoRoot, 'packages/layers/node_modules/@tensorflow/tfjs-layers')],
];
const tsx = join(repoRoot, 'node_modules/.bin/tsx');
const tsc = join(repoRoot, 'node_modules/.bin/tsc');

let project = '';
beforeAll(() => {
  // The snippets import the packages as a user does: through package.json's exports, i.e. the built dist/.
  const unbuilt = documentedPackages().filter((p) => {
    const pkg = JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')) as { exports?: { '.'?: { import?: { default?: string } } } };
    const entry = pkg.exports?.['.']?.import?.default;
    return entry !== undefined && !existsSync(join(p.dir, entry));
  });
  if (unbuilt.length) {
    throw new Error(`the README snippets import built packages: ${unbuilt.map((p) => p.name).join(', ')} not built. Run \`pnpm build\` first.`);
  }
  project = mkdtempSync(join(tmpdir(), 'readme-snippets-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'blank', private: true, type: 'module' }));
  for (const [name, dir] of installed) {
    if (!existsSync(dir)) continue;
    mkdirSync(join(project, 'node_modules', name, '..'), { recursive: true });
    symlinkSync(realpathSync(dir), join(project, 'node_modules', name), 'dir');
  }
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(job: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await job();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function exec(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs / 1000} s)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The module a snippet runs as: itself after the snippets it continues, imports merged at the top. */
function moduleText(s: Snippet): string {
  const chain: Snippet[] = [s];
  while (chain[0].continues) chain.unshift(snippets[snippets.indexOf(chain[0]) - 1]);
  return mergeImports(chain.map((c) => c.code));
}
const fileName = (s: Snippet) => `${s.file.replace(/[^a-z0-9]+/gi, '-')}-L${s.line}.mts`;

describe('README snippets', () => {
  it('finds the snippets of every package README', () => {
    expect(readmes.length).toBeGreaterThanOrEqual(8);
    expect(snippets.length).toBeGreaterThan(10);
  });

  it('reads the snippet markers, and joins continued snippets into one module', () => {
    const md = [
      '```ts',
      "import { odeint } from '@neural-ode/odeint';",
      "import * as tf from '@tensorflow/tfjs-core';",
      'const a = 1;',
      '```',
      '<!-- snippet: continues -->',
      '',
      '```ts',
      "import { odeint, solver } from '@neural-ode/odeint'; // again",
      'const b = a;',
      '```',
      '```sh',
      'npm i x',
      '```',
      '<!-- snippet: continues, no-run (downloads MNIST) -->',
      '```js',
      'await fetch(1);',
      '```',
    ].join('\n');
    const found = readmeSnippets(md, 'R.md');
    expect(found.map((s) => [s.line, s.continues, s.noRun])).toEqual([[1, false, undefined], [8, true, undefined], [16, true, 'downloads MNIST']]);
    const merged = mergeImports([found[0].code, found[1].code]);
    expect(merged).toContain("import * as tf from '@tensorflow/tfjs-core';");
    expect(merged).toContain("import { odeint, solver } from '@neural-ode/odeint';");
    expect(merged.match(/import/g)).toHaveLength(2);
    expect(merged).toMatch(/const a = 1;\n[\s\S]*\{\n[\s\S]*const b = a;\n*\}\n$/);
    expect(() => readmeSnippets('<!-- snippet: no-run -->\n```ts\nx\n```', 'R.md')).toThrow(/says why/);
    expect(() => readmeSnippets('<!-- snippet: skip -->\n```ts\nx\n```', 'R.md')).toThrow(/unknown snippet marker/);
    expect(() => readmeSnippets('<!-- snippet: continues -->\n```ts\nx\n```', 'R.md')).toThrow(/continues nothing/);
  });

  it('type-checks every snippet, the ones that do not run too', async () => {
    for (const s of snippets) writeFileSync(join(project, fileName(s)), moduleText(s));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(repoRoot, 'node_modules/@types')] },
        include: ['*.mts'],
      }),
    );
    const { code, output } = await slot(() => exec(tsc, ['-p', 'tsconfig.json'], project, 60_000));
    expect(output.trim() === '' && code === 0 ? 'ok' : output).toBe('ok');
  }, 90_000);

  for (const [i, s] of snippets.entries()) {
    const where = `${s.file}:${s.line}`;
    const after = snippets[i - 1];
    if (s.continues && after.noRun !== undefined && s.noRun === undefined) {
      it(`${where} continues a snippet that does not run`, () => {
        throw new Error(`${where} continues ${after.file}:${after.line}, which is marked no-run (${after.noRun}): mark it no-run too, or make it stand alone`);
      });
      continue;
    }
    if (s.noRun !== undefined) {
      it.skip(`${where} (not run: ${s.noRun})`, () => {});
      continue;
    }
    it.concurrent(`${where} runs`, async () => {
      const file = fileName(s);
      writeFileSync(join(project, file), moduleText(s));
      const { code, output } = await slot(() => exec(tsx, [file], project, SNIPPET_TIMEOUT_MS));
      expect(code === 0 ? 'exit 0' : `exit ${code}\n${output}`).toBe('exit 0');
    }, SNIPPET_TIMEOUT_MS * 3);
  }
});
