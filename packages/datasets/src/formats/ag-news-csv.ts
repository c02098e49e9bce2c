import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { CHAR_SEQUENCE_LENGTH, quantizeText } from './char-quantization';

/** The text fields of an AG-News row (after the class id). */
export const agNewsFields = ['title', 'description'] as const;

/** `title` or `description`. */
export type AgNewsField = (typeof agNewsFields)[number];

/** The text of an AG-News example by default: the description alone, as the reference experiments used. */
export const DEFAULT_TEXT_FIELDS: readonly AgNewsField[] = ['description'];

/** One split of AG-News, as labels and the raw texts. */
export interface AgNewsRows {
  /** Labels 0..3 (the file's class ids 1..4 minus one). */
  y: Int32Array;
  /** The chosen fields of each row, joined by one space. */
  texts: string[];
}

/**
 * Reads an AG-News CSV (RFC 4180: `"class","title","description"`, quoted fields, doubled quotes, commas and
 * newlines inside fields) with `csv-parse`. Every row must have exactly three fields and a class id 1..4; a first
 * row `Class Index,Title,Description` (the Kaggle copy's header) is skipped.
 * Errors name the file and the line.
 */
export async function readAgNewsCsv(path: string, fields: readonly AgNewsField[]): Promise<AgNewsRows> {
  const parser = createReadStream(path).pipe(
    parse({ bom: true, info: true, record_delimiter: ['\r\n', '\n'], skip_empty_lines: true, relax_quotes: false, relax_column_count: false }),
  );
  const labels: number[] = [];
  const texts: string[] = [];
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      if (record.length !== 3) {
        throw new Error(`${path} line ${info.lines}: ${record.length} field(s), expected 3 (class, title, description)`);
      }
      // The Kaggle copy of AG-News starts with a header row; the original files do not.
      if (info.lines === 1 && /^class index$/i.test(record[0].trim())) continue;
      const cls = record[0].trim();
      if (!/^[1-4]$/.test(cls)) {
        throw new Error(`${path} line ${info.lines}: class ${JSON.stringify(record[0])} is not one of 1, 2, 3, 4`);
      }
      labels.push(Number(cls) - 1);
      texts.push(fields.map((f) => record[f === 'title' ? 1 : 2]).join(' '));
    }
  } catch (err) {
    const e = err as Error & { code?: string; lines?: number };
    if (e.message.startsWith(path)) throw err;
    const where = e.lines !== undefined ? ` line ${e.lines}` : '';
    throw new Error(`${path}${where}: not valid CSV (${e.code ? `${e.code}: ` : ''}${e.message})`);
  }
  return { y: Int32Array.from(labels), texts };
}

/**
 * Quantises texts into one `[count, length]` array of character ids, one byte each (AG-News train at 1014
 * characters: 122 MB, where int32 took 487 MB).
 */
export function quantizeTexts(texts: readonly string[], length: number = CHAR_SEQUENCE_LENGTH): Uint8Array {
  const x = new Uint8Array(texts.length * length);
  for (let i = 0; i < texts.length; i++) quantizeText(texts[i], length, x, i * length);
  return x;
}
