import { describe, expect, it } from 'vitest';
import { CHAR_ALPHABET, CHAR_SEQUENCE_LENGTH, quantizeText } from './char-quantization';

describe('character quantisation', () => {
  it('has the reference 67-character alphabet, space included', () => {
    expect([...CHAR_ALPHABET].length).toBe(67);
    expect(new Set(CHAR_ALPHABET).size).toBe(67);
    expect(CHAR_ALPHABET.endsWith(' ')).toBe(true);
  });

  it('maps alphabet characters to 1..67 in order, lowercasing first', () => {
    const ids = quantizeText(CHAR_ALPHABET, 67);
    expect(Array.from(ids)).toEqual(Array.from({ length: 67 }, (_, i) => i + 1));
    expect(Array.from(quantizeText('AbZ', 3))).toEqual([1, 2, 26]);
  });

  it('maps other characters to 68 (one id per code point) and pads with 0', () => {
    // '’' and '‘' are in the alphabet; '“', 'é', '東' and the emoji (two UTF-16 units) are not.
    const ids = quantizeText('é’‘“東🚀a', 10);
    expect(Array.from(ids)).toEqual([68, 44, 56, 68, 68, 68, 1, 0, 0, 0]);
    expect(Array.from(quantizeText('\\\n', 3))).toEqual([68, 68, 0]);
  });

  it('truncates to 1014 by default and writes into a buffer at an offset', () => {
    const long = 'a'.repeat(2000);
    const ids = quantizeText(long);
    expect(ids.length).toBe(CHAR_SEQUENCE_LENGTH);
    expect(ids.every((v) => v === 1)).toBe(true);
    const buf = new Int32Array(8).fill(-1);
    quantizeText('b', 3, buf, 4);
    expect(Array.from(buf)).toEqual([-1, -1, -1, -1, 2, 0, 0, -1]);
  });
});
