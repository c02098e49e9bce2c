// The generator's pieces that turn the packages' own data into pages.
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isZodObject, optionRows, optionsTable, schemaFieldComments } from '../scripts/schemas';
import { readmeSections } from '../scripts/readme';
import { collapseInlineOptions } from '../scripts/api';
import { tableCell } from '../scripts/markdown';
import { checkLinks } from './link-check';
import { docsDir, documentedPackages, repoRoot, repositoryUrl } from '../scripts/workspace';

const dir = mkdtempSync(join(tmpdir(), 'docs-generate-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('option tables from zod schemas', () => {
  const schema = z
    .object({
      method: z.enum(['euler', 'dopri5']).default('dopri5'),
      rtol: z.union([z.number(), z.array(z.number())]).default(1e-7),
      maxSteps: z.number().int().positive().default(100_000),
      maxStep: z.number().default(Number.POSITIVE_INFINITY),
      grid: z.array(z.number()).optional(),
      split: z.enum(['train', 'test']),
    })
    .strict();

  it('reads types, defaults and whether an option is required from the schema', () => {
    expect(isZodObject(schema)).toBe(true);
    expect(isZodObject(z.number())).toBe(false);
    const rows = optionRows(schema, new Map([['rtol', 'Relative tolerance.']]));
    expect(rows).toEqual([
      { name: 'method', type: "'euler' \\| 'dopri5'", defaultValue: "'dopri5'", required: false, description: '' },
      { name: 'rtol', type: 'number \\| number[]', defaultValue: '1e-7', required: false, description: 'Relative tolerance.' },
      { name: 'maxSteps', type: 'integer', defaultValue: '100000', required: false, description: '' },
      { name: 'maxStep', type: 'number', defaultValue: 'Infinity', required: false, description: '' },
      { name: 'grid', type: 'number[]', defaultValue: undefined, required: false, description: '' },
      { name: 'split', type: "'train' \\| 'test'", defaultValue: undefined, required: true, description: '' },
    ]);
    const table = optionsTable(rows);
    expect(table).toContain("| `split` | `'train' \\| 'test'` | *required* |  |");
    expect(table).toContain('| `grid` | `number[]` | — |');
  });

  it('takes descriptions from the TSDoc comments of the schema fields, however the call is laid out', () => {
    mkdirSync(join(dir, 'src', 'nested'), { recursive: true });
    writeFileSync(
      join(dir, 'src', 'nested', 'options.ts'),
      [
        "import { z } from 'zod';",
        'const shared = {',
        '  /** Where files are cached. */',
        '  cacheDir: z.string().optional(),',
        '};',
        'export const fooOptionsSchema = z',
        '  .object({',
        '    /**',
        '     * Relative tolerance:',
        '     * a number.',
        '     */',
        '    rtol: z.number().default(1e-7),',
        '    // not TSDoc',
        '    atol: z.number().default(1e-9),',
        '  })',
        '  .strict();',
        'export const barOptionsSchema = fooOptionsSchema.extend({ /** Extra. */ extra: z.boolean() });',
        'export const bazOptionsSchema = z.object({ ...shared, ...fooOptionsSchema.shape, /** Own. */ rtol: z.number() });',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'src', 'options.test.ts'), 'export const t = z.object({ /** no */ x: 1 });');
    const comments = schemaFieldComments(join(dir, 'src'));
    expect(comments.get('fooOptionsSchema')).toEqual(new Map([['rtol', 'Relative tolerance: a number.']]));
    expect(comments.get('barOptionsSchema')).toEqual(new Map([['rtol', 'Relative tolerance: a number.'], ['extra', 'Extra.']]));
    expect(comments.get('shared')).toEqual(new Map([['cacheDir', 'Where files are cached.']]));
    expect(comments.get('bazOptionsSchema')).toEqual(new Map([['cacheDir', 'Where files are cached.'], ['rtol', 'Own.']]));
    expect(comments.has('t')).toBe(false);
  });
});

describe('quoting README sections', () => {
  it('takes the matching sections with their subsections, demotes headings and drops repository links', () => {
    writeFileSync(
      join(dir, 'README.md'),
      [
        '# pkg',
        '## Usage',
        'text',
        '## Benchmarks (`pnpm bench:x`)',
        'See [the bench](../../bench/x.ts) and [docs](https://example.org) for <n> runs [below](#measured).',
        '<!-- filled in from a bench run -->',
        '```sh',
        '## not a heading',
        '```',
        '### Memory',
        '| a | b |',
        '## Limitations',
        'none',
      ].join('\n'),
    );
    const quoted = readmeSections(dir, /bench/i)!;
    expect(quoted).toContain('### Benchmarks (`pnpm bench:x`)');
    expect(quoted).toContain('See the bench and [docs](https://example.org) for &lt;n> runs below.');
    expect(quoted).not.toContain('filled in');
    expect(quoted).toContain('## not a heading');
    expect(quoted).toContain('#### Memory');
    expect(quoted).not.toContain('Limitations');
    expect(quoted).not.toContain('Usage');
    expect(quoted).toMatch(/Quoted from `.*README\.md`/);
    expect(readmeSections(dir, /nothing-like-this/)).toBeUndefined();
  });

  it('escapes what a Vue template would misread', () => {
    expect(tableCell('Continue the run in <dir> | {{ x }}')).toBe('Continue the run in &lt;dir> \\| &#123;&#123; x }}');
    expect(tableCell('replaces (`<mirror>/<file>`) <n> <br>')).toBe('replaces (`<mirror>/<file>`) &lt;n> <br>');
    expect(tableCell('<a id="measured"></a>Measured <abbr>')).toBe('<a id="measured"></a>Measured &lt;abbr>');
  });
});

describe('the link check', () => {
  it('finds missing pages and missing fragments, and accepts what exists', () => {
    const site = join(dir, 'site');
    mkdirSync(join(site, 'guide'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<a href="/guide/a.html#x">a</a><a href="/guide/missing.html">m</a><a href="https://x.org/">e</a>');
    writeFileSync(join(site, 'guide', 'a.html'), '<h2 id="x">x</h2><a href="./a.html#y">y</a><a href="../">home</a><img src="/logo.svg">');
    const { checked, broken } = checkLinks(site);
    expect(checked).toBe(5);
    expect(broken.map((b) => `${b.page} ${b.link}`).sort()).toEqual([
      'guide/a.html ./a.html#y',
      'guide/a.html /logo.svg',
      'index.html /guide/missing.html',
    ]);
  });
});

describe('benchmark logs live on the benchmark pages, READMEs keep a summary', () => {
  // The packages whose READMEs held long benchmark logs; odeint's and backend-native's are quoted from their READMEs.
  for (const short of ['backend', 'models', 'datasets', 'trainer']) {
    it(`${short}: a short benchmark section that links its page, and the page exists`, () => {
      const readme = readFileSync(join(repoRoot, 'packages', short, 'README.md'), 'utf8');
      const page = `apps/docs/src/benchmarks/${short}.md`;
      expect(existsSync(join(repoRoot, page)), page).toBe(true);
      const sections = readmeSections(join(repoRoot, 'packages', short), /bench|figures|throughput/i);
      expect(sections, `${short}/README.md has a benchmark section`).toBeDefined();
      // The quote of the section(s) minus the attribution line: a summary, not a log.
      const lines = sections!.trim().split('\n').slice(0, -2).filter((l) => l.trim() !== '');
      expect(lines.length, `${short}/README.md benchmark sections:\n${sections}`).toBeLessThanOrEqual(8);
      expect(lines.filter((l) => l.startsWith('|')), 'no tables of figures in the README').toEqual([]);
      expect(readme).toContain(`(../../${page})`);
    });
  }

  it('every benchmark page of the sidebar exists, and no README or page says "in this README"', () => {
    for (const name of ['index', 'odeint', 'backend', 'backend-native', 'models', 'datasets', 'trainer']) {
      expect(existsSync(join(docsDir, 'src', 'benchmarks', `${name}.md`)), name).toBe(true);
    }
    const texts = [
      ...documentedPackages().map((p) => join(p.dir, 'README.md')),
      ...readdirSync(join(docsDir, 'src', 'guide')).map((f) => join(docsDir, 'src', 'guide', f)),
      ...readdirSync(join(docsDir, 'src', 'benchmarks')).map((f) => join(docsDir, 'src', 'benchmarks', f)),
    ].filter((f) => existsSync(f));
    const leftovers = texts.filter((f) => /in this README/i.test(readFileSync(f, 'utf8')));
    expect(leftovers).toEqual([]);
  });
});

describe('the repository link', () => {
  it('reads the root package.json, in every form npm allows', () => {
    const file = join(dir, 'package.json');
    for (const [repository, url] of [
      ['github:acme/neural-ode', 'https://github.com/acme/neural-ode'],
      [{ type: 'git', url: 'git+https://github.com/acme/neural-ode.git' }, 'https://github.com/acme/neural-ode'],
      ['https://gitlab.com/acme/neural-ode', 'https://gitlab.com/acme/neural-ode'],
      ['git@github.com:acme/neural-ode.git', 'https://github.com/acme/neural-ode'],
    ] as const) {
      writeFileSync(file, JSON.stringify({ name: 'x', repository }));
      expect(repositoryUrl(file)).toBe(url);
    }
    writeFileSync(file, JSON.stringify({ name: 'x' }));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(repositoryUrl(file)).toBeUndefined();
    expect(warn.mock.calls[0]?.[0]).toMatch(/no "repository" field/);
    warn.mockRestore();
  });
});

describe('parameter tables of functions with an options table', () => {
  it('link an inline object type to the Options table instead of spelling out its fields', () => {
    const page = [
      '| Parameter | Type | Description |',
      '| ------ | ------ | ------ |',
      '| `f` | [`Float64Field`](../type-aliases/Float64Field.md) | the right-hand side |',
      "| `options?` | \\| [`Solver`](../type-aliases/Solver.md) \\| \\{ `atol?`: `number`; `events?`: \\{ `g`: `number`; \\}[]; `method?`: `\"rk4\"`; \\} | settings |",
      '| `inputs?` | \\{ `params?`: `Variable`[]; \\} |',
    ].join('\n');
    const lines = collapseInlineOptions(page).split('\n');
    expect(lines[2]).toBe('| `f` | [`Float64Field`](../type-aliases/Float64Field.md) | the right-hand side |');
    expect(lines[3]).toBe('| `options?` | \\| [`Solver`](../type-aliases/Solver.md) \\| an object: see [Options](#options) | settings |');
    expect(lines[4]).toBe('| `inputs?` | \\{ `params?`: `Variable`[]; \\} |'); // not the options: left alone
  });
});
