// The API reference: TypeDoc over every documented package's src/index.ts, as Markdown pages in src/api/.
import { rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  Application,
  Converter,
  LogLevel,
  ReflectionKind,
  type DeclarationReflection,
  type ProjectReflection,
  type Reflection,
  type TypeDocOptions,
} from 'typedoc';
import { MarkdownPageEvent, type PluginOptions } from 'typedoc-plugin-markdown';
import { docsDir, type DocumentedPackage } from './workspace';

/** Where the generated API pages go (inside the VitePress source root, so they are part of the site). */
export const apiOutDir = join(docsDir, 'src', 'api');

/**
 * The parameters of exported functions, methods and constructors that have no description (`@param name …` in
 * their TSDoc), as `package: owner(name)`: their API pages would show "-" for them.
 */
export function undocumentedParameters(project: ProjectReflection, packages: DocumentedPackage[]): string[] {
  const missing: string[] = [];
  const kinds = ReflectionKind.Function | ReflectionKind.Method | ReflectionKind.Constructor;
  for (const owner of project.getReflectionsByKind(kinds) as DeclarationReflection[]) {
    if (owner.flags.isPrivate || owner.flags.isProtected || owner.flags.isExternal) continue;
    for (const signature of owner.signatures ?? []) {
      for (const param of signature.parameters ?? []) {
        if (param.comment?.summary.some((part) => part.text.trim() !== '')) continue;
        const where = owner.parent && !owner.parent.kindOf(ReflectionKind.Module) ? `${owner.parent.name}.${owner.name}` : owner.name;
        missing.push(`${packageOf(owner, packages) ?? '?'}: ${where}(${param.name})`);
      }
    }
  }
  return [...new Set(missing)].sort();
}

/**
 * In the parameter tables of a page that gets an options table, the options parameter's inline object type (the
 * expansion of a `z.input<…>` alias, which TypeScript does not keep by name) becomes a link to that table: one row,
 * not dozens of fields on one line.
 */
export function collapseInlineOptions(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => {
      // Only the options parameter: another inline object (e.g. evaluate's `inputs`) is not what the table lists.
      if (!/^\| `(options|config)\??` \| /.test(line)) return line;
      const cells = line.split(/(?<!\\)\|/);
      // ['', ' `name` ', ' type ', ' description ', ''] (description absent in a two-column table)
      const type = cells[2];
      const start = type?.indexOf('\\{');
      if (type === undefined || start === undefined || start < 0) return line;
      let depth = 0;
      let end = -1;
      for (let i = start; i < type.length - 1; i++) {
        if (type[i] === '\\' && type[i + 1] === '{') depth++;
        if (type[i] === '\\' && type[i + 1] === '}' && --depth === 0) {
          end = i + 2;
          break;
        }
      }
      if (end < 0) return line;
      cells[2] = `${type.slice(0, start)}an object: see [Options](#options)${type.slice(end)}`;
      return cells.join('|');
    })
    .join('\n');
}

/** Markdown to append to the page of an exported symbol (e.g. its options table), or undefined. */
export type PageAppendix = (packageName: string, symbol: string, kind: 'function' | 'variable' | 'other') => string | undefined;

function packageOf(reflection: Reflection, packages: DocumentedPackage[]): string | undefined {
  for (let r: Reflection | undefined = reflection; r; r = r.parent) {
    if (r.kindOf(ReflectionKind.Module)) return r.name;
  }
  // A single package is rendered without a module level.
  return packages.length === 1 ? packages[0].name : undefined;
}

/**
 * Runs TypeDoc over every package's `src/index.ts` in one TypeScript program (tsconfig.typedoc.json: the packages'
 * shared compiler options, with `@neural-ode/*` mapped to sources so no build is needed), one module per package,
 * named after its package.json. Returns the warning count.
 */
export async function generateApi(
  packages: DocumentedPackage[],
  appendix: PageAppendix = () => undefined,
): Promise<{ warnings: number; undocumentedParameters: string[] }> {
  rmSync(apiOutDir, { recursive: true, force: true });
  if (packages.length === 0) return { warnings: 0, undocumentedParameters: [] };
  const options: Partial<TypeDocOptions & PluginOptions> & { docsRoot: string; sidebar: object } = {
    plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
    entryPointStrategy: 'resolve',
    entryPoints: packages.map((p) => join(p.dir, 'src', 'index.ts')),
    tsconfig: join(docsDir, 'tsconfig.typedoc.json'),
    out: apiOutDir,
    docsRoot: join(docsDir, 'src'),
    sidebar: { autoConfiguration: true, collapsed: true, pretty: true },
    name: 'API reference',
    readme: 'none',
    excludePrivate: true,
    excludeInternal: true,
    excludeExternals: true,
    hideBreadcrumbs: false,
    hidePageHeader: true,
    useCodeBlocks: true,
    parametersFormat: 'table',
    interfacePropertiesFormat: 'table',
    typeDeclarationFormat: 'table',
    disableSources: true,
    disableGit: true,
    validation: { notExported: false, invalidLink: true, notDocumented: true, rewrittenLink: true, unusedMergeModuleWith: true },
    logLevel: LogLevel.Warn,
    skipErrorChecking: true,
  };
  const app = await Application.bootstrapWithPlugins(options);
  app.renderer.on(MarkdownPageEvent.END, (page) => {
    const model = page.model as Reflection;
    if (!page.contents || !model || model.kindOf(ReflectionKind.Project) || model.kindOf(ReflectionKind.Module)) return;
    const pkg = packageOf(model, packages);
    if (!pkg) return;
    const kind = model.kindOf(ReflectionKind.Function) ? 'function' : model.kindOf(ReflectionKind.Variable) ? 'variable' : 'other';
    const extra = appendix(pkg, model.name, kind);
    if (!extra) return;
    const contents = extra.startsWith('## Options') ? collapseInlineOptions(page.contents) : page.contents;
    page.contents = `${contents.trimEnd()}\n\n${extra}\n`;
  });
  // Name each module after its package (TypeDoc would name it after the path of its entry file).
  const byEntry = new Map(packages.map((p) => [join(p.dir, 'src', 'index.ts'), p.name]));
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return;
    const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName;
    const name = file && byEntry.get(resolve(file));
    if (name) reflection.name = name;
  });
  const project = await app.convert();
  if (!project) throw new Error('TypeDoc could not convert the packages (see the errors above)');
  app.validate(project);
  await app.generateOutputs(project);
  if (app.logger.hasErrors()) throw new Error('TypeDoc reported errors (see above)');
  console.log(`docs: API reference for ${packages.map((p) => p.short).join(', ')} → ${relative(docsDir, apiOutDir)}/`);
  return { warnings: app.logger.warningCount, undocumentedParameters: undocumentedParameters(project, packages) };
}
