import type { z } from 'zod';
import { CliUsageError } from './errors';
import { getPath } from './json-paths';

/**
 * Turns the issues of a failed zod parse into one {@link CliUsageError}: each line names the flag that set the
 * option (or the config file and the option's path), the value given and what is valid.
 */
export function usageErrorFromZod(
  error: z.ZodError,
  input: unknown,
  flagFor: (path: string) => string | undefined,
  fallbackSource: string,
): CliUsageError {
  let firstFlag: string | undefined;
  const lines = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const keyFlags =
      issue.code === 'unrecognized_keys' ? issue.keys.map((k) => flagFor([...issue.path.map(String), k].join('.'))).filter(Boolean) : [];
    const flag = flagFor(path) ?? (keyFlags.length > 0 ? keyFlags.join(', ') : undefined);
    firstFlag ??= flag;
    const where = flag ?? `${fallbackSource}: option '${path || '(root)'}'`;
    const given = getPath(input, issue.path);
    const shown = given === undefined ? '' : ` ${JSON.stringify(given)}`;
    // A missing value is "required", not "must be a string" (zod reports the type it expected).
    const explained = issue.code === 'invalid_type' && given === undefined ? 'is required' : explainIssue(issue);
    return `${where}:${shown ? ` value${shown}` : ''} ${explained}`;
  });
  return new CliUsageError(lines.join('\n'), firstFlag);
}

function explainIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `is not valid; valid values: ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return `is too small; it must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return `is too big; it must be ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'unrecognized_keys':
      return `unknown option(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}; remove them`;
    case 'invalid_type':
      return `must be ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}`;
    default:
      return issue.message;
  }
}
