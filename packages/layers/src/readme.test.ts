import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The code between `// README:begin <name>` and `// README:end` in an example test, dedented. */
function region(file: string, name: string): string {
  const text = readFileSync(join(__dirname, 'examples', file), 'utf8');
  const match = new RegExp(`^[ \\t]*// README:begin ${name}\\n([\\s\\S]*?)^[ \\t]*// README:end`, 'm').exec(text);
  if (!match) throw new Error(`${file} has no README region '${name}'`);
  // Lines marked `// README:skip` are the test's own bookkeeping.
  const lines = match[1].replace(/\s+$/, '').split('\n').filter((l) => !l.includes('// README:skip'));
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

describe('README', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  it.each([
    ['spiral.test.ts', 'spiral'],
    ['mnist-odenet.ts', 'odenet-model'],
    ['odenet.test.ts', 'odenet'],
  ])('shows the code of the %s example as it is tested', (file, name) => {
    expect(readme).toContain(region(file, name));
  });
});
