import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { basename, dirname, join } from 'node:path';
import { checksumMismatch, ContentDigest } from './checksum';
import type { FileSource } from './file-source';

/** One progress report of a download, passed to `onProgress`. */
export interface DownloadProgress {
  /** Dataset being fetched. */
  dataset: string;
  /** File name being fetched. */
  file: string;
  /** URL being read. */
  url: string;
  /** Bytes received so far in this attempt. */
  bytes: number;
  /** Total bytes, from `Content-Length` (or the published size); `null` if unknown. */
  total: number | null;
  /** Mean rate of this attempt so far, bytes per second. */
  rate: number;
  /** Seconds left at that rate; `null` if the total is unknown. */
  etaSeconds: number | null;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** `true` on the last report of a file that downloaded and verified. */
  done: boolean;
  /** `true` on the report sent before each request, while connecting to `url` (`bytes` is 0). */
  connecting?: boolean;
}

/** How {@link downloadFile} retries and reports. */
export interface DownloadSettings {
  /** Dataset name, for reports and errors. */
  dataset: string;
  /** Retries after the first round over all URLs fails. */
  retries: number;
  /** Wait before the first retry; doubles for each further one. */
  retryDelayMs: number;
  /** An attempt that receives nothing for this long is abandoned. */
  timeoutMs: number;
  /**
   * The whole download (every attempt and retry together) is abandoned after this long, however slowly bytes
   * trickle in. Default {@link DEFAULT_DEADLINE_MS}.
   */
  deadlineMs?: number;
  /** Most bytes accepted for a file whose size is not published. Default {@link DEFAULT_MAX_UNKNOWN_BYTES}. */
  maxBytes?: number;
  /** Progress callback (throttled to ~10 calls per second, plus the last). */
  onProgress?: (p: DownloadProgress) => void;
}

class PermanentError extends Error {}

/** A download's overall deadline by default: one hour (CIFAR-10's 170 MB at 50 KB/s takes about that). */
export const DEFAULT_DEADLINE_MS = 3_600_000;

/** Bytes accepted by default for a file without a published size (the largest published file is 170 MB). */
export const DEFAULT_MAX_UNKNOWN_BYTES = 1 << 30;

/** Temporary names of downloads in progress: `.<file>.<pid>.<8 hex>.part`. */
const PART_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}\.part$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes the `.part` files that killed downloads left in `dir` (those of live processes are in use). */
export async function removeStaleParts(dir: string): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = PART_FILE.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    await rm(join(dir, name), { force: true });
    removed.push(join(dir, name));
  }
  return removed;
}

/**
 * Downloads `source` to `dest` atomically: bytes go to a temporary name in the same folder, are checked against
 * the published size/MD5/SHA-256, and only then renamed to `dest`. A failed, interrupted or corrupt download
 * leaves no file behind. Network errors, HTTP 5xx/408/429 and truncated bodies are retried with exponential
 * backoff; a checksum mismatch or another 4xx moves on to the next URL without retrying the same one.
 */
export async function downloadFile(source: FileSource, dest: string, settings: DownloadSettings): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  await removeStaleParts(dirname(dest));
  const failures: string[] = [];
  const dead = new Set<string>();
  const deadlineMs = settings.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const deadline = performance.now() + deadlineMs;
  for (let round = 0; round <= settings.retries; round++) {
    if (round > 0) await sleep(Math.min(settings.retryDelayMs * 2 ** (round - 1), Math.max(0, deadline - performance.now())));
    for (const url of source.urls) {
      if (dead.has(url)) continue;
      if (performance.now() >= deadline) {
        failures.push(`gave up: the download took longer than its deadline of ${deadlineMs} ms`);
        round = settings.retries;
        break;
      }
      try {
        await fetchOnce(source, url, dest, settings, round + 1, deadline);
        return;
      } catch (err) {
        const msg = (err as Error).message;
        failures.push(`attempt ${round + 1} ${url}: ${msg}`);
        if (err instanceof PermanentError) dead.add(url);
      }
    }
    if (dead.size === source.urls.length) break;
  }
  throw new Error(
    `${settings.dataset}: could not download ${source.file} (no file was kept):\n  ${failures.join('\n  ')}`,
  );
}

/** Raw bytes, never decoded: the checksums are of the file as published (what `wget`/`curl` save). */
const REQUEST_HEADERS = { 'accept-encoding': 'identity', 'user-agent': 'neural-ode-datasets' };

/** GET with redirects followed (node:http/https: no transparent decompression, unlike `fetch`). */
function request(url: string, signal: AbortSignal, redirects = 5): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new PermanentError(`not a valid URL`));
      return;
    }
    const get = u.protocol === 'https:' ? httpsGet : u.protocol === 'http:' ? httpGet : null;
    if (!get) {
      reject(new PermanentError(`unsupported protocol ${u.protocol} (use http: or https:)`));
      return;
    }
    const req = get(u, { signal, headers: REQUEST_HEADERS }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects === 0) reject(new PermanentError('too many redirects'));
        else resolve(request(new URL(res.headers.location, u).toString(), signal, redirects - 1));
        return;
      }
      resolve(res);
    });
    req.on('error', reject);
  });
}

async function fetchOnce(
  source: FileSource,
  url: string,
  dest: string,
  settings: DownloadSettings,
  attempt: number,
  deadline: number,
): Promise<void> {
  const temp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  let pastDeadline = false;
  const deadlineMs = settings.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const overall = setTimeout(() => {
    pastDeadline = true;
    controller.abort();
  }, Math.max(0, deadline - performance.now()));
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, settings.timeoutMs);
  };
  const why = (err: unknown) =>
    pastDeadline
      ? `the download took longer than its deadline of ${deadlineMs} ms`
      : timedOut
        ? `no data for ${settings.timeoutMs} ms`
        : describeError(err);
  const limit = source.size ?? settings.maxBytes ?? DEFAULT_MAX_UNKNOWN_BYTES;
  settings.onProgress?.({
    dataset: settings.dataset,
    file: source.file,
    url,
    bytes: 0,
    total: source.size ?? null,
    rate: 0,
    etaSeconds: null,
    attempt,
    done: false,
    connecting: true,
  });
  arm();
  const handle = await open(temp, 'wx');
  let closed = false;
  let res: IncomingMessage | undefined;
  try {
    try {
      res = await request(url, controller.signal);
    } catch (err) {
      if (err instanceof PermanentError) throw err;
      throw new Error(`request failed: ${why(err)}`);
    }
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      res.resume();
      const text = `HTTP ${status} ${res.statusMessage ?? ''}`.trim();
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) throw new PermanentError(text);
      throw new Error(text);
    }
    const header = Number(res.headers['content-length']);
    if (res.headers['content-length'] !== undefined && Number.isFinite(header) && header > limit) {
      res.resume();
      throw new PermanentError(
        source.size !== undefined
          ? `the server announces ${header} bytes (Content-Length), but the published file has ${source.size}`
          : `the server announces ${header} bytes (Content-Length), more than the ${limit} accepted for a file of unpublished size`,
      );
    }
    const total = Number.isFinite(header) && header > 0 ? header : (source.size ?? null);
    const digest = new ContentDigest();
    const start = performance.now();
    let lastReport = 0;
    const report = (done: boolean) => {
      if (!settings.onProgress) return;
      const seconds = Math.max((performance.now() - start) / 1000, 1e-6);
      const rate = digest.size / seconds;
      settings.onProgress({
        dataset: settings.dataset,
        file: source.file,
        url,
        bytes: digest.size,
        total,
        rate,
        etaSeconds: total === null ? null : rate > 0 ? Math.max(total - digest.size, 0) / rate : null,
        attempt,
        done,
      });
    };
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        arm();
        if (digest.size + chunk.length > limit) {
          throw new PermanentError(
            `the server sent more than ${limit} bytes (${source.size !== undefined ? 'the published size' : 'the most accepted for a file of unpublished size'}); stopped reading`,
          );
        }
        digest.update(chunk);
        await handle.write(chunk);
        const now = performance.now();
        if (now - lastReport > 100) {
          lastReport = now;
          report(false);
        }
      }
    } catch (err) {
      if (err instanceof PermanentError) throw err;
      throw new Error(`transfer broke off after ${digest.size} bytes: ${why(err)}`);
    }
    if (timedOut || pastDeadline) throw new Error(`transfer broke off after ${digest.size} bytes: ${why(null)}`);
    if (Number.isFinite(header) && header > 0 && digest.size !== header) {
      throw new Error(`transfer broke off: received ${digest.size} of ${header} bytes`);
    }
    await handle.sync();
    await handle.close();
    closed = true;
    const bad = checksumMismatch(source, digest.digest());
    if (bad) throw new PermanentError(`checksum mismatch (${bad})`);
    await rename(temp, dest);
    report(true);
  } finally {
    clearTimeout(timer);
    clearTimeout(overall);
    res?.destroy();
    if (!closed) await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
  }
}

function describeError(err: unknown): string {
  const e = err as Error & { code?: string; cause?: Error & { code?: string } };
  const code = e?.code ? `${e.code}: ` : '';
  const cause = e?.cause ? ` (${e.cause.code ? `${e.cause.code}: ` : ''}${e.cause.message})` : '';
  return `${code}${e?.message ?? String(err)}${cause}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
