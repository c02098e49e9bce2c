/**
 * The 67-character alphabet of the character-level ConvNet reference (Zhang, Zhao & LeCun 2015), including the
 * space. Character i (0-based) maps to id i + 1.
 */
export const CHAR_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789-,;.!?:’"/|_#$%ˆ&*˜‘+=<>()[]{} ';

/** Id of a character outside {@link CHAR_ALPHABET}. */
export const UNKNOWN_CHAR_ID = 68;

/** Id used for padding after the end of the text. */
export const PADDING_CHAR_ID = 0;

/** Length every text is truncated or padded to. */
export const CHAR_SEQUENCE_LENGTH = 1014;

const lookup = new Map<number, number>();
[...CHAR_ALPHABET].forEach((ch, i) => lookup.set(ch.codePointAt(0)!, i + 1));

/**
 * Quantises a text the way the reference does: lowercase, then each character (Unicode code point) to its
 * 1-based index in {@link CHAR_ALPHABET}, anything else to {@link UNKNOWN_CHAR_ID}; truncated to `length`,
 * padded with {@link PADDING_CHAR_ID}. Ids are 0–68, so they fit in bytes: a new array is a `Uint8Array`. Writes
 * into `out` (any integer array, e.g. an `Int32Array` to feed a tensor directly) at `offset` when given.
 * @param text - the text to quantise.
 * @param length - characters per text (default 1014, the reference's `seq_len`).
 * @param out - where to write the ids (default: a new `Uint8Array` of `length`).
 * @param offset - where in `out` to start writing.
 */
export function quantizeText<T extends Uint8Array | Int32Array = Uint8Array>(
  text: string,
  length: number = CHAR_SEQUENCE_LENGTH,
  out: T = new Uint8Array(length) as T,
  offset = 0,
): T {
  let i = 0;
  for (const ch of text.toLowerCase()) {
    if (i >= length) break;
    out[offset + i++] = lookup.get(ch.codePointAt(0)!) ?? UNKNOWN_CHAR_ID;
  }
  out.fill(PADDING_CHAR_ID, offset + i, offset + length);
  return out;
}
