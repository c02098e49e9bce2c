// Which workspace packages the site documents: every public package with a `src/index.ts` today.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const __dirname_of = (url: string) => dirname(fileURLToPath(url));

/** The repository root (apps/docs/scripts → ../../..). */
export const repoRoot = resolve(__dirname_of(import.meta.url), '../../..');

/** The docs app's own directory. */
export const docsDir = resolve(__dirname_of(import.meta.url), '..');

/** A public workspace package whose API the site documents. */
export interface DocumentedPackage {
  /** npm name, e.g. `@neural-ode/odeint`. */
  name: string;
  /** Short name, e.g. `odeint` (the directory name). */
  short: string;
  /** Absolute package directory. */
  dir: string;
  /** The package.json `description`. */
  description: string;
}

/** Every non-private package under packages/ and apps/ that has a `src/index.ts`, sorted by name. */
export function documentedPackages(): DocumentedPackage[] {
  const found: DocumentedPackage[] = [];
  for (const group of ['packages', 'apps']) {
    const base = join(repoRoot, group);
    if (!existsSync(base)) continue;
    for (const short of readdirSync(base).sort()) {
      const dir = join(base, short);
      const pkgFile = join(dir, 'package.json');
      if (!existsSync(pkgFile) || !existsSync(join(dir, 'src', 'index.ts'))) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { name?: string; private?: boolean; description?: string };
      if (pkg.private || !pkg.name) continue;
      found.push({ name: pkg.name, short, dir, description: pkg.description ?? '' });
    }
  }
  return found;
}

/**
 * The repository's web address, from the `repository` field of the root package.json (`"github:owner/name"`, a URL,
 * or `{ "url": "git+https://….git" }`); undefined, with a warning, when it names none.
 */
export function repositoryUrl(pkgFile = join(repoRoot, 'package.json')): string | undefined {
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { repository?: string | { url?: string } };
  const raw = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (!raw) {
    console.warn(`docs: no repository link in the site: ${pkgFile} has no "repository" field`);
    return undefined;
  }
  return raw
    .replace(/^git\+/, '')
    .replace(/\.git$/, '')
    .replace(/^(github|gitlab):/, 'https://$1.com/')
    .replace(/^git@([^:]+):/, 'https://$1/');
}
