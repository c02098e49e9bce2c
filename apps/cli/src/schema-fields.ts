import { z } from 'zod';

/** One leaf option of a zod options schema, as the CLI and the docs see it. */
export interface SchemaField {
  /** Path of the option in the options object, e.g. `['solver', 'rtol']`. */
  path: string[];
  /** Value type. `unknown` for values that are not plain JSON (functions, custom types). */
  type: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'unknown';
  /** The allowed values, when the option is an enum (or a literal per union branch). */
  choices?: Array<string | number | boolean>;
  /** The schema's default, when it has one. */
  default?: unknown;
  /** The schema's description (`.describe()` / `.meta({ description })`), when it has one. */
  description?: string;
  /** Inclusive lower bound. */
  minimum?: number;
  /** Exclusive lower bound. */
  exclusiveMinimum?: number;
  /** Inclusive upper bound. */
  maximum?: number;
  /** Whether the option must be given (no default, not optional). */
  required: boolean;
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: Array<string | number | boolean | null>;
  const?: string | number | boolean | null;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  items?: JsonSchema;
};

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Lists the leaf options of a zod object schema (nested objects and discriminated unions flattened into paths),
 * with type, choices, default, bounds and description taken from the schema itself. The CLI builds its flags
 * and `describeCli()` its reference from this, so the schema stays the one source of truth.
 * @param schema - a zod object schema (e.g. the trainer's `trainConfigSchema`); it is converted once per process and
 *   the result cached.
 */
export function schemaFields(schema: z.ZodType): SchemaField[] {
  const cached = cache.get(schema);
  if (cached) return cached;
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: SchemaField[] = [];
  walk(json, [], true, undefined, out);
  cache.set(schema, out);
  return out;
}

// Schemas are immutable: convert each once per process.
const cache = new WeakMap<z.ZodType, SchemaField[]>();

function branches(node: JsonSchema): JsonSchema[] | undefined {
  const list = node.oneOf ?? node.anyOf;
  return list?.filter((b) => b.type !== 'null');
}

function isObjectNode(node: JsonSchema): boolean {
  if (node.properties) return true;
  const bs = branches(node);
  return !!bs && bs.length > 0 && bs.every((b) => isObjectNode(b));
}

function walk(node: JsonSchema, path: string[], required: boolean, parentDefault: unknown, out: SchemaField[]): void {
  const bs = branches(node);
  if (bs && bs.length > 0 && isObjectNode(node)) {
    // A union of objects (e.g. a discriminated union): merge the branches' properties; a property that is a
    // `const` in the branches (the discriminator) becomes an enum of those constants.
    const merged = new Map<string, JsonSchema[]>();
    for (const b of bs) {
      for (const [k, v] of Object.entries(b.properties ?? {})) merged.set(k, [...(merged.get(k) ?? []), v]);
    }
    const def = node.default ?? parentDefault;
    for (const [k, variants] of merged) {
      const consts = variants.filter((v) => v.const !== undefined).map((v) => v.const as string | number | boolean);
      const childDefault = isRecord(def) ? def[k] : undefined;
      if (consts.length === variants.length) {
        out.push({
          path: [...path, k],
          type: typeof consts[0] === 'number' ? 'number' : 'string',
          choices: consts,
          ...(childDefault !== undefined ? { default: childDefault } : {}),
          ...(variants[0].description ? { description: variants[0].description } : {}),
          required: required && def === undefined,
        });
      } else {
        walk(variants[0], [...path, k], false, childDefault, out);
      }
    }
    return;
  }
  if (node.properties) {
    const def = node.default ?? parentDefault;
    for (const [k, child] of Object.entries(node.properties)) {
      const childRequired = (node.required ?? []).includes(k);
      walk(child, [...path, k], childRequired, isRecord(def) ? def[k] : undefined, out);
    }
    return;
  }
  out.push(leaf(node, path, required, parentDefault));
}

function leaf(node: JsonSchema, path: string[], required: boolean, parentDefault: unknown): SchemaField {
  const bs = branches(node);
  const base = bs && bs.length === 1 ? { ...bs[0], default: node.default ?? bs[0].default, description: node.description ?? bs[0].description } : node;
  const t = Array.isArray(base.type) ? base.type.find((x) => x !== 'null') : base.type;
  const type: SchemaField['type'] =
    t === 'string' || t === 'number' || t === 'integer' || t === 'boolean' || t === 'array' ? t : 'unknown';
  const field: SchemaField = { path, type, required: required && base.default === undefined };
  const choices = base.enum?.filter((v): v is string | number | boolean => v !== null);
  if (choices && choices.length > 0) field.choices = choices;
  else if (base.const !== undefined && base.const !== null) field.choices = [base.const];
  const def = base.default ?? parentDefault;
  if (def !== undefined) field.default = def;
  if (base.description) field.description = base.description;
  if (base.minimum !== undefined && base.minimum > -MAX_SAFE) field.minimum = base.minimum;
  if (base.exclusiveMinimum !== undefined) field.exclusiveMinimum = base.exclusiveMinimum;
  if (base.maximum !== undefined && base.maximum < MAX_SAFE) field.maximum = base.maximum;
  return field;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
