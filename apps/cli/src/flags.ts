import type { z } from 'zod';
import { CliUsageError } from './errors';
import { setPath } from './json-paths';
import { usageErrorFromZod } from './usage-error-from-zod';
import { schemaFields, type SchemaField } from './schema-fields';

/**
 * One command-line flag. Flags that set an option of a zod schema name its `path`; their type, choices, default
 * and description come from that schema (see {@link bindFlags}).
 */
export interface FlagSpec {
  /** The long flag, e.g. `--batch-size` or `--batch_size`. */
  flag: string;
  /** Value placeholder: `<n>` (required value), `[x]` (optional value), or absent for a switch. */
  value?: string;
  /** Path of the schema option it sets, e.g. `['solver', 'rtol']`. */
  path?: string[];
  /** Also accept `--no-<flag>` (boolean options). */
  negatable?: boolean;
  /** Help text (the schema's description is used when this is absent). */
  description?: string;
  /** Help section. */
  group: 'options' | 'reference' | 'cli';
  /** For reference-script flags: what the flag stands for, e.g. `--batch-size`. */
  aliasOf?: string;
  /** Value type (filled in from the schema when `path` is set). */
  type?: SchemaField['type'];
  /** Allowed values (filled in from the schema when `path` is set). */
  choices?: Array<string | number | boolean>;
  /** Default shown in help (filled in from the schema when `path` is set). */
  default?: unknown;
  /** Bounds (from the schema). */
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
}

/** Fills in type, choices, default, bounds and description of flags that set a schema option. */
export function bindFlags(schema: z.ZodType, flags: FlagSpec[]): FlagSpec[] {
  const fields = schemaFields(schema);
  return flags.map((f) => {
    if (!f.path) return f;
    const key = f.path.join('.');
    const field = fields.find((x) => x.path.join('.') === key);
    if (!field) return { ...f, type: f.type ?? 'unknown' };
    const bound: FlagSpec = { ...f, type: f.type ?? field.type };
    if (field.choices && !f.choices) bound.choices = field.choices;
    if (field.default !== undefined && f.default === undefined) bound.default = field.default;
    if (field.minimum !== undefined) bound.minimum = field.minimum;
    if (field.exclusiveMinimum !== undefined) bound.exclusiveMinimum = field.exclusiveMinimum;
    if (field.maximum !== undefined) bound.maximum = field.maximum;
    // The schema's own description wins; the CLI's text covers schemas without `.describe()`.
    if (field.description) bound.description = field.description;
    return bound;
  });
}

/**
 * Flags for every option of `schema` that `explicit` does not already cover: `--kebab-case` of the option's path
 * (nested objects joined by `-`). New schema options thereby get a flag without a change to the CLI.
 * `descriptions` (by option path) is the help text for options whose schema has no `.describe()`.
 */
export function flagsFromSchema(
  schema: z.ZodType,
  explicit: FlagSpec[] = [],
  descriptions: Readonly<Record<string, string>> = {},
): FlagSpec[] {
  const covered = new Set(explicit.filter((f) => f.path).map((f) => f.path!.join('.')));
  const out: FlagSpec[] = [];
  for (const field of schemaFields(schema)) {
    if (covered.has(field.path.join('.')) || field.type === 'unknown' || field.type === 'array') continue;
    const flag = `--${field.path.map(kebab).join('-')}`;
    const description = descriptions[field.path.join('.')];
    out.push({
      flag,
      path: field.path,
      group: 'options',
      ...(description ? { description } : {}),
      ...(field.type === 'boolean' ? { negatable: true } : { value: placeholder(field) }),
    });
  }
  return bindFlags(schema, out);
}

/** `batchSize` → `batch-size`. */
export function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function placeholder(field: SchemaField): string {
  if (field.choices) return '<name>';
  if (field.type === 'integer') return '<n>';
  if (field.type === 'number') return '<x>';
  return '<value>';
}

/** The commander attribute name of a flag: `--batch-size` → `batchSize`, `--batch_size` → `batch_size`. */
export function attributeName(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The flag with its placeholder, as help prints it: `--batch-size <n>`. */
export function flagSignature(f: FlagSpec): string {
  const main = f.value ? `${f.flag} ${f.value}` : f.flag;
  return f.negatable ? `${main}, --no-${f.flag.slice(2)}` : main;
}

/**
 * Converts a raw flag value (a string from the command line, or `true` for a switch) to the flag's type.
 * A value that is not of the type is a {@link CliUsageError} naming the flag and what is valid.
 */
export function convertFlagValue(f: FlagSpec, raw: unknown): unknown {
  if (typeof raw === 'boolean') return raw;
  const text = String(raw);
  switch (f.type) {
    case 'integer': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isInteger(n)) {
        throw new CliUsageError(`${f.flag}: ${JSON.stringify(text)} is not an integer; give a whole number${range(f)}`, f.flag);
      }
      return n;
    }
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) {
        throw new CliUsageError(`${f.flag}: ${JSON.stringify(text)} is not a number; give a number such as 0.1 or 1e-3${range(f)}`, f.flag);
      }
      return n;
    }
    case 'boolean': {
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      throw new CliUsageError(`${f.flag}: ${JSON.stringify(text)} is not a boolean; give true or false`, f.flag);
    }
    default:
      // Choices are checked by the schema (after reference names are mapped), whose error lists the valid values.
      return text;
  }
}

/** ` (>= 1, <= 64)`-style suffix for messages. */
export function range(f: Pick<FlagSpec, 'minimum' | 'exclusiveMinimum' | 'maximum'>): string {
  const parts: string[] = [];
  if (f.exclusiveMinimum !== undefined) parts.push(`> ${f.exclusiveMinimum}`);
  else if (f.minimum !== undefined) parts.push(`>= ${f.minimum}`);
  if (f.maximum !== undefined) parts.push(`<= ${f.maximum}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** Help text of a flag: its description plus choices and default. */
export function flagHelp(f: FlagSpec): string {
  const extra: string[] = [];
  if (f.choices) extra.push(`choices: ${f.choices.join(', ')}`);
  const r = range(f).replace(/^ \((.*)\)$/, '$1');
  if (r) extra.push(r);
  if (f.default !== undefined && f.default !== null && typeof f.default !== 'object') extra.push(`default: ${f.default}`);
  const text = f.description ?? '';
  return extra.length ? `${text} (${extra.join('; ')})` : text;
}

/**
 * Reads the flags that set options of `schema` (those with a `path`) from commander's values, converts them and
 * parses the result with the schema. `prepare` may adjust the input (e.g. map reference names) before parsing.
 * Any problem is a {@link CliUsageError} naming the flag.
 */
export function parseSchemaFlags<S extends z.ZodType>(
  schema: S,
  flags: FlagSpec[],
  values: Record<string, unknown>,
  given: (attribute: string) => boolean,
  prepare?: (input: Record<string, unknown>) => void,
): z.output<S> {
  const input: Record<string, unknown> = {};
  const origin = new Map<string, string>();
  for (const f of flags) {
    const key = attributeName(f.flag);
    if (!f.path || !given(key)) continue;
    setPath(input, f.path, convertFlagValue(f, values[key]));
    origin.set(f.path.join('.'), f.flag);
  }
  prepare?.(input);
  const parsed = schema.safeParse(input);
  const flagFor = (p: string) => origin.get(p) ?? flags.find((f) => f.path?.join('.') === p)?.flag;
  if (!parsed.success) throw usageErrorFromZod(parsed.error, input, flagFor, 'options');
  return parsed.data;
}
