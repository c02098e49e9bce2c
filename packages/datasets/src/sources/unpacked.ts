import { join } from 'node:path';
import type { DatasetDefinition } from '../datasets/definition';
import type { SplitName } from '../names';
import { isFile, type LocatedFile } from './locate';

/**
 * The folder holding an unpacked copy of `def`'s archive for `split` ({@link DatasetDefinition.unpacked}), looked
 * for as `dataDir` itself, `<dataDir>/<folder>` and `<dataDir>/<dataset>/<folder>`: the first that holds every file
 * the split reads, unless the published archive sits in that `dataDir` (or `<dataDir>/<dataset>`), which then wins
 * (it can be checked against the published checksums). `null` when there is none.
 */
export async function findUnpacked(def: DatasetDefinition, split: SplitName, dataDir: string | undefined): Promise<string | null> {
  if (!def.unpacked || !dataDir) return null;
  const { folder, members } = def.unpacked;
  for (const dir of [dataDir, join(dataDir, def.name)]) {
    const archives = await Promise.all(def.files[split].map((s) => isFile(join(dir, s.file))));
    if (archives.some(Boolean)) return null;
    for (const candidate of dir === dataDir ? [dir, join(dir, folder)] : [join(dir, folder)]) {
      const present = await Promise.all(members[split].map((m) => isFile(join(candidate, m))));
      if (present.every(Boolean)) return candidate;
    }
  }
  return null;
}

/** The files of an unpacked folder as {@link LocatedFile}s: from `dataDir`, verified by structure only. */
export function unpackedFiles(def: DatasetDefinition, split: SplitName, dir: string): LocatedFile[] {
  const archive = def.files[split].map((s) => s.file).join(', ');
  return def.unpacked!.members[split].map((file) => ({
    file,
    path: join(dir, file),
    origin: 'dataDir',
    verified: 'structure',
    note: `is in an unpacked copy of ${archive} (the published checksums are of the archive)`,
  }));
}
