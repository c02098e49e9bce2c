import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { usageErrorFromZod } from './usage-error-from-zod';

describe('usageErrorFromZod', () => {
  const schema = z.object({ checkpoint: z.string(), epochs: z.number().int().min(1) }).strict();
  const error = (input: Record<string, unknown>) => {
    const parsed = schema.safeParse(input);
    if (parsed.success) throw new Error('expected a failure');
    return usageErrorFromZod(parsed.error, input, (p) => ({ checkpoint: '--checkpoint', epochs: '--epochs' })[p], 'options');
  };

  it('a missing value is required (not "must be a string"); one line per problem, naming the flag', () => {
    const e = error({ epochs: 0 });
    expect(e.message.split('\n')).toEqual(['--checkpoint: is required', '--epochs: value 0 is too small; it must be >= 1']);
    expect(e.flag).toBe('--checkpoint');
  });

  it('a value of the wrong type says which type', () => {
    expect(error({ checkpoint: 3, epochs: 1 }).message).toBe('--checkpoint: value 3 must be a string');
  });
});
