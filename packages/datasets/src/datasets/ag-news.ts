import { quantizeTexts, readAgNewsCsv } from '../formats/ag-news-csv';
import { CHAR_SEQUENCE_LENGTH } from '../formats/char-quantization';
import type { FileSource } from '../sources/file-source';
import type { DatasetDefinition } from './definition';

const BASE = 'https://raw.githubusercontent.com/mhjabreel/CharCnn_Keras/master/data/ag_news_csv';
const ORIGIN = 'md5: published with torchtext (datasets/ag_news.py); no published size or sha256';

const files = {
  train: [{ file: 'train.csv', urls: [`${BASE}/train.csv`], md5: 'b1a00f826fdfbd249f79597b59e1dc12', checksumOrigin: ORIGIN }],
  test: [{ file: 'test.csv', urls: [`${BASE}/test.csv`], md5: 'd52ea96a97a2d943681189a97654912d', checksumOrigin: ORIGIN }],
} satisfies Record<string, FileSource[]>;

/**
 * AG's News topic classification (Zhang, Zhao & LeCun 2015): 120,000 train / 7,600 test news items in four
 * classes, as character ids (see `quantizeText`). The text is the description by default (`textFields`), truncated
 * or padded to `sequenceLength` characters (default {@link CHAR_SEQUENCE_LENGTH}, 1014, as the reference).
 */
export const agNews: DatasetDefinition = {
  name: 'ag-news',
  title: "AG's News topic classification (Zhang, Zhao & LeCun, 2015)",
  kind: 'text',
  classes: ['World', 'Sports', 'Business', 'Sci/Tech'],
  exampleShape: [CHAR_SEQUENCE_LENGTH],
  counts: { train: 120000, test: 7600 },
  files,
  systemDirs: [],
  acceptUncompressed: false,
  async read(ctx) {
    const rows = await readAgNewsCsv(ctx.paths.get(files[ctx.split][0].file)!, ctx.textFields);
    return { x: quantizeTexts(rows.texts, ctx.sequenceLength), y: rows.y, count: rows.y.length };
  },
  async readLabels(ctx) {
    return (await readAgNewsCsv(ctx.paths.get(files[ctx.split][0].file)!, ctx.textFields)).y;
  },
};
