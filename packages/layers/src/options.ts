import type { z } from 'zod';

/**
 * Parses `options` with `schema`; a failure is one error whose lines name each bad option, the value given and what
 * it must be (`fn` names the caller).
 */
export function parseLayerOptions<S extends z.ZodType>(fn: string, schema: S, options: unknown): z.output<S> {
  const parsed = schema.safeParse(options ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => line(fn, options, [...issue.path, key], 'unknown option: remove it or check its spelling'))
      : [line(fn, options, issue.path, issue.message)],
  );
  throw new Error(lines.join('\n'));
}

function line(fn: string, options: unknown, path: readonly PropertyKey[], message: string): string {
  let value: unknown = options;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  const shown = value === undefined ? '' : ` (got ${describe(value)})`;
  return `${fn}: option '${path.map(String).join('.') || '(options)'}'${shown}: ${message}`;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null && value.constructor !== Object && !Array.isArray(value)) return `a ${value.constructor.name}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
