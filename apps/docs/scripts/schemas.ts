// Option tables generated from the packages' exported zod schemas: the names, types and defaults come from the
// schema objects at run time, the descriptions from the TSDoc comment above each field in the source. The docs
// therefore say exactly what the code accepts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { tableCell } from './markdown';

/** One option of a schema. */
export interface OptionRow {
  name: string;
  type: string;
  /** The default as code (`1e-7`, `'dopri5'`), or undefined when the option has none. */
  defaultValue?: string;
  required: boolean;
  description: string;
}

/** The minimum of a zod 4 schema this module reads (`_zod.def` is zod 4's stable internal definition). */
interface ZodLike {
  _zod: { def: ZodDef };
  safeParse(value: unknown): { success: boolean; data?: unknown };
}
interface ZodDef {
  type: string;
  innerType?: ZodLike;
  element?: ZodLike;
  options?: readonly ZodLike[];
  entries?: Record<string, unknown>;
  values?: readonly unknown[];
  shape?: Record<string, ZodLike>;
  in?: ZodLike;
  checks?: readonly { _zod: { def: { check: string; format?: string } } }[];
  format?: string;
}

/** Whether a value is a zod 4 object schema (duck-typed: each package may load its own copy of zod). */
export function isZodObject(value: unknown): value is ZodLike {
  const def = (value as ZodLike | undefined)?._zod?.def;
  return !!def && def.type === 'object' && typeof def.shape === 'object';
}

function literal(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') {
    if (v === Number.POSITIVE_INFINITY) return 'Infinity';
    if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
    return Math.abs(v) >= 1e7 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential().replace('e+', 'e') : String(v);
  }
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A TypeScript-like rendering of a zod schema's input type. */
export function typeOf(schema: ZodLike): string {
  const def = schema._zod.def;
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return typeOf(def.innerType!);
    case 'nullable':
      return `${typeOf(def.innerType!)} | null`;
    case 'pipe':
      return typeOf(def.in!);
    case 'enum':
      return Object.values(def.entries ?? {}).map(literal).join(' \\| ');
    case 'literal':
      return (def.values ?? []).map(literal).join(' \\| ');
    case 'union':
      return (def.options ?? []).map(typeOf).join(' \\| ');
    case 'array': {
      const inner = typeOf(def.element!);
      return inner.includes('|') ? `(${inner})[]` : `${inner}[]`;
    }
    case 'number': {
      const integer = def.format?.includes('int') || def.checks?.some((c) => c._zod.def.format?.includes('int'));
      return integer ? 'integer' : 'number';
    }
    case 'custom':
      return 'function';
    case 'object':
      return 'object';
    default:
      return def.type;
  }
}

function defaultOf(schema: ZodLike): string | undefined {
  // A field's default is what it parses `undefined` to.
  const parsed = schema.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return undefined;
  return literal(parsed.data);
}

/** Rows for every field of a zod object schema, with descriptions from `comments` (field name → TSDoc). */
export function optionRows(schema: ZodLike, comments: Map<string, string>): OptionRow[] {
  return Object.entries(schema._zod.def.shape ?? {}).map(([name, field]) => {
    const defaultValue = defaultOf(field);
    const required = !field.safeParse(undefined).success;
    return { name, type: typeOf(field), defaultValue, required, description: comments.get(name) ?? '' };
  });
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function jsDocText(node: ts.Node, text: string): string {
  // A comment on the line of the previous token (`{ /** x */ a: …`) is that token's trailing comment to TypeScript.
  const pos = node.getFullStart();
  const ranges = [...(ts.getTrailingCommentRanges(text, pos) ?? []), ...(ts.getLeadingCommentRanges(text, pos) ?? [])];
  const doc = ranges.filter((r) => text.startsWith('/**', r.pos)).pop();
  if (!doc) return '';
  return text
    .slice(doc.pos + 3, doc.end - 2)
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, '').trim())
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** What one `const` contributes: its own documented fields, and the names whose fields it takes in. */
interface Declared {
  fields: Map<string, string>;
  /** `...shape`, `...schema.shape`, `schema.extend(…)`, `z.object({...}).extend(shape)`: fields inherited from these. */
  inherits: string[];
}

function declaredFields(initializer: ts.Expression, text: string): Declared {
  const fields = new Map<string, string>();
  const inherits: string[] = [];
  const objectLiteral = (o: ts.ObjectLiteralExpression): void => {
    for (const prop of o.properties) {
      if (ts.isSpreadAssignment(prop)) {
        const e = prop.expression;
        if (ts.isIdentifier(e)) inherits.push(e.text);
        else if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) inherits.push(e.expression.text);
        continue;
      }
      const key = prop.name && (ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name)) ? prop.name.text : undefined;
      const doc = jsDocText(prop, text);
      if (key && doc && !fields.has(key)) fields.set(key, doc);
    }
  };
  const visit = (n: ts.Node): void => {
    if (ts.isObjectLiteralExpression(n)) objectLiteral(n);
    else if (ts.isCallExpression(n)) {
      const callee = n.expression;
      // `base.extend(…)` / `base.merge(…)`: the base's fields too; identifiers passed as arguments likewise.
      if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text !== 'z') {
        inherits.push(callee.expression.text);
      }
      for (const arg of n.arguments) if (ts.isIdentifier(arg)) inherits.push(arg.text);
      ts.forEachChild(n, visit);
      return;
    }
    if (!ts.isObjectLiteralExpression(n)) ts.forEachChild(n, visit);
  };
  visit(initializer);
  return { fields, inherits };
}

/**
 * The TSDoc comments of the fields of every `const` built from object literals in a package's sources — zod
 * schemas (`z.object({...})`, however the chain is laid out), and the shapes they spread or extend: schema name →
 * field → text. A field declared in a spread shape or an extended schema carries that declaration's comment.
 */
export function schemaFieldComments(srcDir: string): Map<string, Map<string, string>> {
  const declared = new Map<string, Declared>();
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('/**')) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
        const d = declaredFields(node.initializer, text);
        if (d.fields.size || d.inherits.length) declared.set(node.name.text, d);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  const resolved = new Map<string, Map<string, string>>();
  const resolve = (name: string, seen: Set<string>): Map<string, string> => {
    const done = resolved.get(name);
    if (done) return done;
    const d = declared.get(name);
    const out = new Map<string, string>();
    if (!d || seen.has(name)) return out;
    seen.add(name);
    for (const base of d.inherits) for (const [k, v] of resolve(base, seen)) out.set(k, v);
    for (const [k, v] of d.fields) out.set(k, v);
    resolved.set(name, out);
    return out;
  };
  const result = new Map<string, Map<string, string>>();
  for (const name of declared.keys()) {
    const fields = resolve(name, new Set());
    if (fields.size) result.set(name, fields);
  }
  return result;
}

/** A Markdown table of options. */
export function optionsTable(rows: OptionRow[]): string {
  const lines = ['| Option | Type | Default | Description |', '| --- | --- | --- | --- |'];
  for (const r of rows) {
    const def = r.defaultValue !== undefined ? `\`${r.defaultValue}\`` : r.required ? '*required*' : '—';
    // Types already escape their own `|`.
    lines.push(`| \`${r.name}\` | \`${r.type}\` | ${def} | ${tableCell(r.description)} |`);
  }
  return lines.join('\n');
}
