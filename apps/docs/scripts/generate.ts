// Everything the site generates before `vitepress build`, from the packages themselves so the docs cannot drift:
// the API reference (TypeDoc), option tables from the exported zod schemas, the solver table from odeint's
// method registry and the CLI reference from the CLI's own description of its commands.
import { mkdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { documentedPackages, docsDir, repoRoot, type DocumentedPackage } from './workspace';
import { generateApi } from './api';
import { isZodObject, optionRows, optionsTable, schemaFieldComments, type OptionRow } from './schemas';
import { methodsPage } from './methods';
import { cliPage } from './cli';
import { modelsPage } from './models';
import { datasetsPage } from './datasets';
import { benchSection, readmeSections } from './readme';

/** Pages generated for the guides (included by them); gitignored. */
const generatedDir = join(docsDir, 'src', 'generated');

function writeAtomically(file: string, contents: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/** A package's run-time exports, read from its TypeScript sources; undefined (with a warning) if they fail to load. */
async function loadExports(pkg: DocumentedPackage): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(pathToFileURL(join(pkg.dir, 'src', 'index.ts')).href)) as Record<string, unknown>;
  } catch (error) {
    console.warn(`docs: warning: could not load ${pkg.name} from source (${(error as Error).message.split('\n')[0]}); its option tables are left out`);
    return undefined;
  }
}

const started = performance.now();
const packages = documentedPackages();
const exportsByPackage = new Map<string, Record<string, unknown>>();
/** package → schema export name → its option rows. */
const tables = new Map<string, Map<string, OptionRow[]>>();
for (const pkg of packages) {
  const mod = await loadExports(pkg);
  if (!mod) continue;
  exportsByPackage.set(pkg.name, mod);
  const comments = schemaFieldComments(join(pkg.dir, 'src'));
  const perSchema = new Map<string, OptionRow[]>();
  for (const [name, value] of Object.entries(mod)) {
    if (!isZodObject(value)) continue;
    perSchema.set(name, optionRows(value, comments.get(name) ?? new Map()));
  }
  tables.set(pkg.name, perSchema);
}

// `fooOptionsSchema` documents the options of `foo`: its table goes on both pages.
const api = await generateApi(packages, (pkgName, symbol, kind) => {
  const perSchema = tables.get(pkgName);
  if (!perSchema) return undefined;
  const schemaName = kind === 'function' ? `${symbol}OptionsSchema` : symbol;
  const rows = perSchema.get(schemaName);
  if (!rows || kind === 'other') return undefined;
  const heading = kind === 'function' ? `## Options\n\nThe fields of \`${schemaName}\` (unknown names are an error):` : '## Fields';
  return `${heading}\n\n${optionsTable(rows)}`;
});

rmSync(generatedDir, { recursive: true, force: true });
mkdirSync(generatedDir, { recursive: true });
writeAtomically(join(generatedDir, 'methods.md'), methodsPage(exportsByPackage.get('@neural-ode/odeint')));
// Every exported schema's table, for the guides to include: generated/schemas/<package>-<schema>.md.
mkdirSync(join(generatedDir, 'schemas'));
for (const pkg of packages) {
  for (const [schema, rows] of tables.get(pkg.name) ?? []) {
    writeAtomically(join(generatedDir, 'schemas', `${pkg.short}-${schema}.md`), optionsTable(rows) + '\n');
  }
}
// The solver guide's option tables: odeint's options, and what the adjoint adds to them.
const odeintSchemas = tables.get('@neural-ode/odeint');
const odeintRows = odeintSchemas?.get('odeintOptionsSchema');
const adjointRows = odeintSchemas?.get('odeintAdjointOptionsSchema');
const missing = (what: string) => `::: warning Not generated\nThis build could not read \`${what}\` from \`@neural-ode/odeint\`.\n:::\n`;
writeAtomically(join(generatedDir, 'odeint-options.md'), odeintRows ? optionsTable(odeintRows) + '\n' : missing('odeintOptionsSchema'));
writeAtomically(
  join(generatedDir, 'adjoint-options.md'),
  adjointRows
    ? optionsTable(adjointRows.filter((r) => !odeintRows?.some((o) => o.name === r.name))) + '\n'
    : missing('odeintAdjointOptionsSchema'),
);
writeAtomically(join(generatedDir, 'cli.md'), await cliPage(exportsByPackage.get('@neural-ode/cli')));
// Benchmark figures of the packages whose READMEs still hold them, quoted on their benchmark pages
// (src/benchmarks/). The other packages' logs live on their benchmark pages themselves, their READMEs keep a summary.
for (const [name, dir, command] of [
  ['odeint', 'packages/odeint', 'pnpm bench:odeint'],
  ['backend-native', 'packages/backend-native', 'pnpm bench:native'],
] as const) {
  writeAtomically(join(generatedDir, `${name}-bench.md`), benchSection(join(repoRoot, dir), command));
}
writeAtomically(
  join(generatedDir, 'trainer-results.md'),
  readmeSections(join(repoRoot, 'packages/trainer'), /\bresults?\b|measured/i) ??
    readmeSections(join(repoRoot, 'apps/cli'), /\bresults?\b|measured/i) ??
    '::: info No results yet\nNeither `packages/trainer/README.md` nor `apps/cli/README.md` had a results section when this site was built: no figures of this project\'s own runs are quoted here. The commands above produce them.\n:::\n',
);
// Where a package's README already explains something (with its author's figures), the guide quotes it.
for (const [name, dir, heading, section] of [
  ['backend-candidates', 'packages/backend', /^the backends$/i, 'The backends'],
  ['models-architectures', 'packages/models', /^architectures$/i, 'Architectures'],
  ['models-pytorch', 'packages/models', /^pytorch weights$/i, 'PyTorch weights'],
  ['datasets-sources', 'packages/datasets', /^sources and checksums$/i, 'Sources and checksums'],
  ['datasets-lookup', 'packages/datasets', /^where files are looked for$/i, 'Where files are looked for'],
  ['datasets-offline', 'packages/datasets', /^offline use$/i, 'Offline use'],
] as const) {
  writeAtomically(
    join(generatedDir, `${name}.md`),
    readmeSections(join(repoRoot, dir), heading) ??
      `::: warning Not generated\n\`${dir}/README.md\` had no "${section}" section when this site was built.\n:::\n`,
  );
}
writeAtomically(join(generatedDir, 'datasets.md'), await datasetsPage(exportsByPackage.get('@neural-ode/datasets')));
writeAtomically(join(generatedDir, 'models.md'), await modelsPage(exportsByPackage.get('@neural-ode/models')));
if (api.undocumentedParameters.length) console.warn(`docs: ${api.undocumentedParameters.length} parameters have no description:\n  ${api.undocumentedParameters.join("\n  ")}`);
console.log(`docs: generated in ${((performance.now() - started) / 1000).toFixed(1)} s (${api.warnings} TypeDoc warnings)`);
