import { z } from 'zod';

/** Where one published file comes from, and how a copy of it is recognised as the real one. */
export interface FileSource {
  /** The file's published name; also its name in the cache and in a `dataDir`. */
  file: string;
  /** Download locations, tried in order. */
  urls: readonly string[];
  /** MD5 of the file, hex. */
  md5?: string;
  /** SHA-256 of the file, hex. */
  sha256?: string;
  /** Size in bytes. */
  size?: number;
  /** Where the checksums were published (shown by `info()` and in errors). */
  checksumOrigin?: string;
}

/**
 * Replaces the download location and/or the checksums of one file (tests, private mirrors, re-hosted copies).
 * If any of `md5`, `sha256`, `size` is given, the published checksums of that file are dropped entirely.
 */
export const fileSourceOverrideSchema = z
  .object({
    /** Download locations, tried in order. */
    urls: z.array(z.string().url()).min(1).optional(),
    /** MD5 of the file, 32 hex digits. */
    md5: z
      .string()
      .regex(/^[0-9a-fA-F]{32}$/, 'an MD5 is 32 hex digits')
      .optional(),
    /** SHA-256 of the file, 64 hex digits. */
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 is 64 hex digits')
      .optional(),
    /** Size in bytes. */
    size: z.number().int().nonnegative().optional(),
  })
  .strict();

/** A {@link fileSourceOverrideSchema} value. */
export type FileSourceOverride = z.input<typeof fileSourceOverrideSchema>;

/** Applies `mirror` (a base URL for every file) and per-file `sources` overrides to a published file source. */
export function resolveFileSource(
  source: FileSource,
  mirror: string | undefined,
  overrides: Record<string, FileSourceOverride> | undefined,
): FileSource {
  let out: FileSource = { ...source };
  if (mirror) out.urls = [`${mirror.replace(/\/+$/, '')}/${source.file}`];
  const o = overrides?.[source.file];
  if (o) {
    if (o.urls) out.urls = o.urls;
    if (o.md5 !== undefined || o.sha256 !== undefined || o.size !== undefined) {
      out = {
        file: out.file,
        urls: out.urls,
        md5: o.md5?.toLowerCase(),
        sha256: o.sha256?.toLowerCase(),
        size: o.size,
        checksumOrigin: 'given in options.sources',
      };
    }
  }
  return out;
}

/** Whether a source carries a content checksum (a size alone does not identify a file). */
export function hasChecksum(source: FileSource): boolean {
  return Boolean(source.md5 || source.sha256);
}
