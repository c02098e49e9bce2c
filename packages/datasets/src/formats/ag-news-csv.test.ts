import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agNewsCsv, tempDir } from '../testing/fixture-files';
import { quantizeTexts, readAgNewsCsv } from './ag-news-csv';

function write(text: string | Uint8Array): string {
  const p = join(tempDir(), 'train.csv');
  writeFileSync(p, text);
  return p;
}

describe('AG-News CSV', () => {
  it('parses every RFC 4180 quoting case and maps classes 1..4 to 0..3', async () => {
    const rows = await readAgNewsCsv(write(agNewsCsv), ['description']);
    expect(Array.from(rows.y)).toEqual([2, 3, 0, 1, 0, 1]);
    expect(rows.texts).toEqual([
      "Reuters - Short-sellers, Wall Street's dwindling\\band of ultra-cynics, are seeing green again.",
      'He said "hello, world" twice',
      'unquoted description',
      'first line\r\nsecond line',
      'Café’s “quotes” — 東京 🚀',
      'empty title, then a comma',
    ]);
  });

  it('joins the chosen fields with a space', async () => {
    const rows = await readAgNewsCsv(write(agNewsCsv), ['title', 'description']);
    expect(rows.texts[1]).toBe('Quoted "title" He said "hello, world" twice');
    expect(rows.texts[3]).toBe('Line\nbreak first line\r\nsecond line');
    expect((await readAgNewsCsv(write(agNewsCsv), ['title'])).texts[4]).toBe('Ünïcödé');
  });

  it('skips a UTF-8 byte order mark', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('"1","t","d"\n')]);
    expect(Array.from((await readAgNewsCsv(write(bom), ['description'])).y)).toEqual([0]);
  });

  it("skips the Kaggle copy's header row, and only that", async () => {
    const rows = await readAgNewsCsv(write('Class Index,Title,Description\n"2","t","d"\n'), ['description']);
    expect(Array.from(rows.y)).toEqual([1]);
    await expect(readAgNewsCsv(write('"2","t","d"\nClass Index,Title,Description\n'), ['description'])).rejects.toThrow(/line 2: class "Class Index"/);
  });

  it('names file and line of a bad class, a wrong field count, or broken quoting', async () => {
    let p = write('"1","a","b"\n"x","a","b"\n');
    await expect(readAgNewsCsv(p, ['description'])).rejects.toThrow(`${p} line 2: class "x" is not one of 1, 2, 3, 4`);
    p = write('"1","a","b"\n"2","a","b"\n"5","a","b"\n');
    await expect(readAgNewsCsv(p, ['description'])).rejects.toThrow(`${p} line 3: class "5"`);
    p = write('"1","a","b"\n"2","only two"\n');
    await expect(readAgNewsCsv(p, ['description'])).rejects.toThrow(new RegExp(`${p} line 2: .*`));
    p = write('"1","a","b"\n"2","a","unterminated\n');
    await expect(readAgNewsCsv(p, ['description'])).rejects.toThrow(new RegExp(`${p} line \\d+: not valid CSV`));
  });

  it('quantises texts into one [count, 1014] Uint8Array', () => {
    const x = quantizeTexts(['ab', 'c']);
    expect(x).toBeInstanceOf(Uint8Array);
    expect(x.length).toBe(2 * 1014);
    expect([x[0], x[1], x[2], x[1014], x[1015]]).toEqual([1, 2, 0, 3, 0]);
  });
});
