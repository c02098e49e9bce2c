import { resolve as resolvePath } from 'node:path';
import {
  datasetNames,
  info,
  infoOptionsSchema,
  loadDataset,
  loadDatasetOptionsSchema,
  splitNames,
  type DatasetInfo,
  type DatasetName,
} from '@neural-ode/datasets';
import { JSON_FLAG, type CommandSpec } from '../command';
import { CliUsageError, EXIT } from '../errors';
import { bindFlags, parseSchemaFlags, type FlagSpec } from '../flags';
import { emitResult } from '../io';
import { checkDirectory } from '../paths';
import { DownloadProgress } from '../progress';
import { REFERENCE_DATA_NAMES } from '../reference-flags';

const SOURCE_FLAGS: FlagSpec[] = [
  { flag: '--data-dir', value: '<dir>', path: ['dataDir'], group: 'options', description: 'A folder holding the published files (directly, or in a subfolder named after the dataset); looked at first.' },
  { flag: '--cache-dir', value: '<dir>', path: ['cacheDir'], group: 'options', description: 'Cache root (default: $NEURAL_ODE_DATA, else the platform cache folder).' },
  { flag: '--mirror', value: '<url>', path: ['mirror'], group: 'options', description: 'Base URL that replaces the published download location of every file (<mirror>/<file name>).' },
];

function downloadFlags(): FlagSpec[] {
  return [
    ...bindFlags(loadDatasetOptionsSchema, [
      ...SOURCE_FLAGS,
      { flag: '--retries', value: '<n>', path: ['retries'], group: 'options', description: 'Retries of a failed download, with exponential backoff.' },
      { flag: '--timeout-ms', value: '<ms>', path: ['timeoutMs'], group: 'options', description: 'A download attempt that receives nothing for this long is abandoned and retried.' },
    ]),
    JSON_FLAG,
  ];
}

function infoFlags(): FlagSpec[] {
  return [
    ...bindFlags(infoOptionsSchema, [...SOURCE_FLAGS, { flag: '--count-classes', path: ['countClasses'], negatable: true, group: 'options', description: 'Count examples per class by reading the labels of local files (never downloads).' }]),
    JSON_FLAG,
  ];
}

/** Dataset names from arguments (reference names such as `cifar` accepted), each checked. */
function datasetArgs(args: string[]): DatasetName[] {
  if (args.length === 0) throw new CliUsageError(`give a dataset name: ${datasetNames.join(', ')}`, 'name');
  return args.map((a) => {
    const name = REFERENCE_DATA_NAMES[a] ?? a;
    if (!(datasetNames as readonly string[]).includes(name)) {
      throw new CliUsageError(`unknown dataset ${JSON.stringify(a)}; valid values: ${datasetNames.join(', ')}`, 'name');
    }
    return name as DatasetName;
  });
}

function resolveDirs(cwd: string) {
  return (input: Record<string, unknown>) => {
    for (const key of ['dataDir', 'cacheDir']) {
      if (typeof input[key] === 'string') input[key] = resolvePath(cwd, input[key] as string);
    }
    if (typeof input.dataDir === 'string') checkDirectory('--data-dir', input.dataDir);
  };
}

/** The JSON object `datasets download --json` prints. */
export interface DownloadJsonResult {
  command: 'datasets download';
  datasets: Array<{ name: DatasetName; counts: Record<string, number>; files: Array<{ file: string; path: string | null }> }>;
}

/** `neural-ode datasets download`: fetch, verify and cache datasets. */
export const datasetsDownloadCommand: CommandSpec = {
  name: 'datasets download',
  summary: 'Download, verify (checksums) and cache datasets, with a progress bar.',
  args: [{ name: 'names', description: `Datasets: ${datasetNames.join(', ')}.`, variadic: true, required: true }],
  flags: downloadFlags,
  examples: ['neural-ode datasets download mnist cifar10', 'neural-ode datasets download mnist --data-dir ./data'],
  async run(ctx) {
    const { io } = ctx;
    const names = datasetArgs(ctx.args);
    const { dataDir, cacheDir, mirror, retries, timeoutMs } = parseSchemaFlags(
      loadDatasetOptionsSchema,
      downloadFlags(),
      ctx.values,
      ctx.given,
      (input) => {
        input.split = 'train';
        resolveDirs(io.cwd)(input);
      },
    );
    const source = {
      ...(dataDir ? { dataDir } : {}),
      ...(cacheDir ? { cacheDir } : {}),
      ...(mirror ? { mirror } : {}),
    };
    const progress = new DownloadProgress(io);
    const out: DownloadJsonResult = { command: 'datasets download', datasets: [] };
    for (const name of names) {
      const counts: Record<string, number> = {};
      for (const split of splitNames) {
        if (io.signal?.aborted) return EXIT.interrupted;
        const data = await loadDataset(name, { split, ...source, retries, timeoutMs, download: true, onProgress: progress.onProgress });
        counts[split] = data.count;
      }
      progress.finish();
      const facts = await info(name, { ...source, countClasses: false });
      const files = splitNames.flatMap((s) => {
        const unpacked = facts.splits[s].unpacked;
        return facts.splits[s].files.map((f) => ({ file: f.file, path: unpacked ?? f.local?.path ?? null }));
      });
      out.datasets.push({ name, counts, files });
    }
    emitResult(
      io,
      ctx.values.json === true,
      out,
      out.datasets.map(
        (d) => `${d.name}: ${Object.entries(d.counts).map(([s, n]) => `${n} ${s}`).join(', ')} examples; files: ${d.files.map((f) => f.path ?? f.file).join(', ')}`,
      ),
    );
    return EXIT.ok;
  },
};

/** The JSON object `datasets info --json` prints. */
export interface InfoJsonResult {
  command: 'datasets info';
  datasets: DatasetInfo[];
}

/** `neural-ode datasets info`: classes, shapes, counts and files of datasets. */
export const datasetsInfoCommand: CommandSpec = {
  name: 'datasets info',
  summary: 'Classes, example shape, counts per split and class, files and where they are (never downloads).',
  args: [{ name: 'names', description: `Datasets (default: all): ${datasetNames.join(', ')}.`, variadic: true }],
  flags: infoFlags,
  examples: ['neural-ode datasets info fashion-mnist', 'neural-ode datasets info --json'],
  async run(ctx) {
    const { io } = ctx;
    const names = ctx.args.length === 0 ? [...datasetNames] : datasetArgs(ctx.args);
    const options = parseSchemaFlags(infoOptionsSchema, infoFlags(), ctx.values, ctx.given, resolveDirs(io.cwd));
    const all: DatasetInfo[] = [];
    for (const name of names) all.push(await info(name, options));
    emitResult(io, ctx.values.json === true, { command: 'datasets info', datasets: all } satisfies InfoJsonResult, all.flatMap(describeInfo));
    return EXIT.ok;
  },
};

function describeInfo(d: DatasetInfo): string[] {
  const lines = [`${d.name} (${d.title}): ${d.kind}, example shape [${d.exampleShape.join(', ')}], ${d.classes.length} classes: ${d.classes.join(', ')}`];
  for (const split of splitNames) {
    const s = d.splits[split];
    const per = s.perClass ? `, per class ${s.perClass.join('/')}` : '';
    lines.push(`  ${split}: ${s.count} examples (${s.countedFrom})${per}`);
    if (s.unpacked) lines.push(`    read from the unpacked folder ${s.unpacked} (instead of ${s.files.map((f) => f.file).join(', ')})`);
    else for (const f of s.files) lines.push(`    ${f.file}: ${f.local ? f.local.path : `not here (would download ${f.urls[0] ?? ''})`}`);
  }
  lines.push(`  cache: ${d.cacheDir}`);
  return lines;
}
