// Tests resolve workspace packages to their TypeScript sources, so `pnpm test` needs no prior build
// and a change in one package is seen by the tests of the packages that use it.
import { readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname);

/** `@neural-ode/<dir>` → `<root>/packages/<dir>/src/index.ts` for every package with sources. */
export function workspaceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const dir of readdirSync(base)) {
      const entry = join(base, dir, 'src', 'index.ts');
      if (existsSync(entry)) aliases[`@neural-ode/${dir}`] = entry;
    }
  }
  return aliases;
}
