import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { parseOptions } from './model';
import { resnet } from './resnet';

const schema = z.strictObject({
  blocks: z.number().int().min(1).default(6),
  head: z.strictObject({ width: z.number().min(1) }).optional(),
  init: z.function().optional(),
});

describe('parseOptions (the trainer\'s message format)', () => {
  const thrown = (input: unknown) => {
    try {
      parseOptions('resnet', schema, input);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('parseOptions accepted the input');
  };

  it('writes one line per problem: model, option path, the value given, what is valid', () => {
    const lines = thrown({ blocks: 0, head: { width: 0.5 } }).split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^resnet: option 'blocks' \(got 0\): .*>=1/),
      expect.stringMatching(/^resnet: option 'head\.width' \(got 0\.5\): .*>=1/),
    ]);
  });

  it('names each unknown option, nested ones by their path, with the value given', () => {
    expect(thrown({ block: 2, head: { width: 2, heigth: 3 } }).split('\n').sort()).toEqual([
      "resnet: option 'block' (got 2): unknown option: remove it or check its spelling",
      "resnet: option 'head.heigth' (got 3): unknown option: remove it or check its spelling",
    ]);
  });

  it('leaves out the value where none was given, and does not print functions', () => {
    expect(thrown({ blocks: undefined, init: 3 })).toMatch(/^resnet: option 'init' \(got 3\): /);
    expect(thrown(5)).toMatch(/^resnet: option '\(options\)' \(got 5\): /);
    const s = z.strictObject({ n: z.number() });
    expect(() => parseOptions('m', s, {})).toThrow(/^m: option 'n': /);
    expect(() => parseOptions('m', s, { n: () => 1 })).toThrow(/^m: option 'n' \(got a function\): /);
  });

  it('is what the models throw', () => {
    expect(() => resnet({ blocks: 0 })).toThrow(/^resnet: option 'blocks' \(got 0\): /);
  });
});
