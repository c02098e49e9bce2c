// The generator's pieces that turn the packages' own data into pages.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, describe, expect, it } from 'vitest';
import { isZodObject, optionRows, optionsTable, schemaFieldComments } from '../scripts/schemas';
import { readmeSections } from '../scripts/readme';
import { tableCell } from '../scripts/markdown';
import { checkLinks } from './link-check';

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
