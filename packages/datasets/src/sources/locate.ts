import { stat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checksumMismatch, digestFileFor } from './checksum';
import { downloadFile, type DownloadSettings } from './download';
import { hasChecksum, type FileSource } from './file-source';

/** Where a dataset file was found, and how it was checked. */
export interface LocatedFile {
  /** Published file name. */
  file: string;
  /** Local path that was read. */
  path: string;
  /** `dataDir` (your folder), `system` (an OS package), `cache` (an earlier download), `download` (just now). */
  origin: 'dataDir' | 'system' | 'cache' | 'download';
  /**
   * `checksum`: matches the published checksum(s). `structure`: the checksum does not match or does not apply
   * (e.g. a re-gzipped or gunzipped copy), so it is only accepted if it parses to exactly the published counts.
   */
  verified: 'checksum' | 'structure';
  /** Why a file is verified by structure only. */
  note?: string;
}

/** Where and how {@link locateFiles} looks. */
export interface LocateContext {
  /** Used at the start of errors, e.g. `loadDataset('mnist', { split: 'train' })`. */
  where: string;
  dataset: string;
  dataDir?: string;
  systemDirs: readonly string[];
  /** This dataset's cache folder. */
  cacheDir: string;
  /** Also accept `name` without `.gz` in local folders. */
  acceptUncompressed: boolean;
  download: boolean;
  settings: DownloadSettings;
  /** Every file of the dataset (both splits), listed in the offline help so that one trip fetches them all. */
  allSources?: readonly FileSource[];
  /** Ways to train without these files (other datasets already on this machine), appended to the help. */
  alternatives?: string;
}

/** Whether `path` is a regular file (false when it does not exist). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function localCandidates(source: FileSource, ctx: LocateContext): { path: string; origin: 'dataDir' | 'system' }[] {
  const names = [source.file];
  if (ctx.acceptUncompressed && source.file.endsWith('.gz')) names.push(source.file.slice(0, -3));
  const out: { path: string; origin: 'dataDir' | 'system' }[] = [];
  if (ctx.dataDir) {
    for (const dir of [ctx.dataDir, join(ctx.dataDir, ctx.dataset)]) {
      for (const n of names) out.push({ path: join(dir, n), origin: 'dataDir' });
    }
  }
  for (const dir of ctx.systemDirs) for (const n of names) out.push({ path: join(dir, n), origin: 'system' });
  return out;
}

/** Finds a file in `dataDir`, the system folders or the cache; `null` if it is in none of them. */
async function findLocal(source: FileSource, ctx: LocateContext, looked: string[]): Promise<LocatedFile | null> {
  for (const c of localCandidates(source, ctx)) {
    looked.push(c.path);
    if (!(await isFile(c.path))) continue;
    if (!c.path.endsWith(source.file)) {
      return { file: source.file, path: c.path, origin: c.origin, verified: 'structure', note: 'is an uncompressed copy (the published checksum is of the .gz)' };
    }
    if (!hasChecksum(source) && source.size === undefined) {
      return { file: source.file, path: c.path, origin: c.origin, verified: 'structure', note: 'has no published checksum' };
    }
    const bad = checksumMismatch(source, await digestFileFor(c.path, source));
    if (!bad && hasChecksum(source)) return { file: source.file, path: c.path, origin: c.origin, verified: 'checksum' };
    if (!bad) return { file: source.file, path: c.path, origin: c.origin, verified: 'structure', note: 'has only a published size, no checksum' };
    return { file: source.file, path: c.path, origin: c.origin, verified: 'structure', note: `differs from the published file (${bad})` };
  }
  const cached = join(ctx.cacheDir, source.file);
  looked.push(cached);
  if (await isFile(cached)) {
    // Only verified downloads are renamed into the cache; re-checking catches disk damage and hand-placed files.
    const bad = checksumMismatch(source, await digestFileFor(cached, source));
    if (!bad && hasChecksum(source)) return { file: source.file, path: cached, origin: 'cache', verified: 'checksum' };
    // A size alone (or nothing) does not identify a file: the copy must still parse to the published counts.
    if (!bad) return { file: source.file, path: cached, origin: 'cache', verified: 'structure', note: 'has no checksum given' };
    if (!ctx.download) {
      throw new Error(
        `${ctx.where}: the cached ${cached} is not the published file (${bad}); delete it, or put a good copy there`,
      );
    }
    await rm(cached, { force: true });
  }
  return null;
}

function describeSource(s: FileSource): string {
  const sums = [s.md5 && `md5 ${s.md5}`, s.sha256 && `sha256 ${s.sha256}`, s.size !== undefined && `${s.size} bytes`]
    .filter(Boolean)
    .join(', ');
  return `  ${s.file}${sums ? ` (${sums})` : ''}\n    from ${s.urls.join('\n      or ')}`;
}

function whereToPut(ctx: LocateContext): string {
  const lines = [
    `  a folder of your own, passed as --data-dir DIR (dataDir in code): the files directly in it, or in DIR/${ctx.dataset}/`,
    `  ${ctx.cacheDir}   (the download cache; set NEURAL_ODE_DATA to move it)`,
  ];
  for (const d of ctx.systemDirs) lines.push(`  ${d}   (where an OS package installs them)`);
  return lines.join('\n');
}

// Downloads in flight in this process, by destination: CIFAR-10's train and test splits share one archive, and
// loading both at once must not fetch it twice.
const inflight = new Map<string, Promise<void>>();

function downloadOnce(source: FileSource, dest: string, settings: DownloadSettings): Promise<void> {
  let p = inflight.get(dest);
  if (!p) {
    p = downloadFile(source, dest, settings).finally(() => inflight.delete(dest));
    inflight.set(dest, p);
  }
  return p;
}

/**
 * Finds or fetches every file: `dataDir` first, then system folders, then the cache, then (if `download`) a
 * verified download into the cache. With files missing and downloads off or failing, the error lists each
 * missing file with its URLs and checksums, and the folders to put it in.
 */
export async function locateFiles(sources: readonly FileSource[], ctx: LocateContext): Promise<LocatedFile[]> {
  const looked: string[] = [];
  const found: (LocatedFile | null)[] = [];
  for (const s of sources) found.push(await findLocal(s, ctx, looked));
  const missing = sources.filter((_, i) => !found[i]);
  if (missing.length === 0) return found as LocatedFile[];
  const all = ctx.allSources?.length ? ctx.allSources : missing;
  const one = all.length === 1;
  const help =
    `${ctx.dataset} needs ${one ? 'this file' : `these ${all.length} files`}${ctx.allSources ? ' (train and test splits)' : ''}:\n${all.map(describeSource).join('\n')}\n` +
    `Put ${one ? 'it' : 'them'}, with ${one ? 'its' : 'their'} published name, in one of:\n${whereToPut(ctx)}\n` +
    (ctx.alternatives ? `${ctx.alternatives}\n` : '') +
    `Looked in: ${looked.join(', ')}`;
  if (!ctx.download) {
    throw new Error(
      `${ctx.where}: ${missing.map((m) => m.file).join(', ')} not found locally and downloads are off.\n${help}`,
    );
  }
  for (let i = 0; i < sources.length; i++) {
    if (found[i]) continue;
    const s = sources[i];
    const dest = join(ctx.cacheDir, s.file);
    try {
      await downloadOnce(s, dest, ctx.settings);
    } catch (err) {
      throw new Error(`${ctx.where}: ${(err as Error).message}\nIf this machine is offline: ${help}`);
    }
    found[i] = hasChecksum(s)
      ? { file: s.file, path: dest, origin: 'download', verified: 'checksum' }
      : { file: s.file, path: dest, origin: 'download', verified: 'structure', note: 'has no checksum given' };
  }
  return found as LocatedFile[];
}
