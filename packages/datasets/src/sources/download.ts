import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
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
  /** Progress callback (throttled to ~10 calls per second, plus the last). */
  onProgress?: (p: DownloadProgress) => void;
}

class PermanentError extends Error {}

/**
 * Downloads `source` to `dest` atomically: bytes go to a temporary name in the same folder, are checked against
 * the published size/MD5/SHA-256, and only then renamed to `dest`. A failed, interrupted or corrupt download
 * leaves no file behind. Network errors, HTTP 5xx/408/429 and truncated bodies are retried with exponential
 * backoff; a checksum mismatch or another 4xx moves on to the next URL without retrying the same one.
 */
export async function downloadFile(source: FileSource, dest: string, settings: DownloadSettings): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const failures: string[] = [];
  const dead = new Set<string>();
  for (let round = 0; round <= settings.retries; round++) {
    if (round > 0) await sleep(settings.retryDelayMs * 2 ** (round - 1));
    for (const url of source.urls) {
      if (dead.has(url)) continue;
      try {
        await fetchOnce(source, url, dest, settings, round + 1);
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
): Promise<void> {
  const temp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, settings.timeoutMs);
  };
  const why = (err: unknown) => (timedOut ? `no data for ${settings.timeoutMs} ms` : describeError(err));
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
        digest.update(chunk);
        await handle.write(chunk);
        const now = performance.now();
        if (now - lastReport > 100) {
          lastReport = now;
          report(false);
        }
      }
    } catch (err) {
      throw new Error(`transfer broke off after ${digest.size} bytes: ${why(err)}`);
    }
    if (timedOut) throw new Error(`transfer broke off after ${digest.size} bytes: no data for ${settings.timeoutMs} ms`);
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
