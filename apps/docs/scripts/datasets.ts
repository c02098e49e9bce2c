// The datasets guide's table, from @neural-ode/datasets' own `info()` (which never downloads), asked with an
// empty cache so the page does not depend on what the building machine has downloaded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableCell } from './markdown';

interface FileInfoLike {
  file: string;
  urls: readonly string[];
  size?: number;
  sha256?: string;
  md5?: string;
}
interface DatasetInfoLike {
  name: string;
  title: string;
  kind: string;
  classes: readonly string[];
  exampleShape: readonly number[];
  systemDirs: readonly string[];
  splits: Record<string, { count: number; files: FileInfoLike[] }>;
}

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Markdown: one row per dataset, then each dataset's files and where they come from. */
export async function datasetsPage(datasets: Record<string, unknown> | undefined): Promise<string> {
  const names = datasets?.datasetNames as readonly string[] | undefined;
  const info = datasets?.info as ((name: string, options: object) => Promise<DatasetInfoLike>) | undefined;
  if (!names || typeof info !== 'function') {
    return '::: warning Not generated\nThis build could not read `datasetNames` and `info` from `@neural-ode/datasets`.\n:::\n';
  }
  const emptyCache = mkdtempSync(join(tmpdir(), 'neural-ode-docs-'));
  try {
    const infos: DatasetInfoLike[] = [];
    for (const name of names) infos.push(await info(name, { cacheDir: emptyCache, countClasses: false }));
    const out = [
      '| Name | Dataset | Kind | Classes | Example shape | Train | Test |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...infos.map(
        (d) =>
          `| \`${d.name}\` | ${tableCell(d.title)} | ${d.kind} | ${d.classes.length} | \`[${d.exampleShape.join(', ')}]\` | ${d.splits.train?.count.toLocaleString('en-US') ?? ''} | ${d.splits.test?.count.toLocaleString('en-US') ?? ''} |`,
      ),
      '',
      '### Files and sources',
      '',
      '| Dataset | File | Downloaded from | Also looked for in |',
      '| --- | --- | --- | --- |',
    ];
    for (const d of infos) {
      const files = Object.values(d.splits).flatMap((s) => s.files);
      for (const f of files) {
        const hosts = [...new Set(f.urls.map(host))].join(', ') || '—';
        const system = d.systemDirs.length ? d.systemDirs.map((s) => `\`${s}\``).join(', ') : '—';
        out.push(`| \`${d.name}\` | \`${f.file}\` | ${hosts} | ${system} |`);
      }
    }
    out.push('', "*Generated at build time from `info()` of `@neural-ode/datasets`.*", '');
    return out.join('\n');
  } finally {
    rmSync(emptyCache, { recursive: true, force: true });
  }
}
