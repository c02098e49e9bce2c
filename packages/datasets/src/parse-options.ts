import type { z } from 'zod';

/**
 * Parses an options object with its schema; a failure becomes one error that names the function, each bad
 * option with the value given, and what the schema expects.
 */
export function parseOptions<S extends z.ZodType>(where: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return `unknown option(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}: remove them (valid options are listed in the TSDoc of ${where})`;
    }
    const given = lookup(value, issue.path);
    return `option '${path}' is ${describe(given)}: ${issue.message}`;
  });
  throw new Error(`${where}: ${lines.join('; ')}`);
}

function lookup(value: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describe(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (v === undefined) return 'missing';
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}
