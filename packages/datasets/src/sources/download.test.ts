import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digests, tempDir } from '../testing/fixture-files';
import { downloadFile, type DownloadProgress } from './download';
import type { FileSource } from './file-source';

// A real HTTP server on 127.0.0.1 only. Routes:
//   /ok/<name>       the payload, with Content-Length
//   /flaky/<n>/<k>   breaks off mid-body on the first k requests of key n, then serves the payload
//   /broken/<n>      always breaks off mid-body
//   /stall           sends 100 bytes, then stalls;  /chunked  the payload without Content-Length
//   /500             HTTP 500;  /404  HTTP 404
const payload = new Uint8Array(256 * 1024).map((_, i) => (i * 31 + 7) % 251);
const sums = digests(payload);
const requests: string[] = [];
const flakyCount = new Map<string, number>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(url);
    const parts = url.split('/');
    const breakOff = () => {
      res.writeHead(200, { 'Content-Length': String(payload.length) });
      res.write(payload.subarray(0, 1000));
      setTimeout(() => res.socket?.destroy(), 5);
    };
    if (parts[1] === 'ok') {
      res.writeHead(200, { 'Content-Length': String(payload.length) });
      res.end(payload);
    } else if (parts[1] === 'flaky') {
      const n = (flakyCount.get(parts[2]) ?? 0) + 1;
      flakyCount.set(parts[2], n);
      if (n <= Number(parts[3])) breakOff();
      else res.writeHead(200, { 'Content-Length': String(payload.length) }).end(payload);
    } else if (parts[1] === 'broken') breakOff();
    else if (parts[1] === 'stall') {
      res.writeHead(200, { 'Content-Length': String(payload.length) });
      res.write(payload.subarray(0, 100)); // then nothing: the client must give up by itself
      setTimeout(() => res.socket?.destroy(), 3000);
    } else if (parts[1] === 'chunked') {
      res.writeHead(200); // no Content-Length: chunked transfer
      res.write(payload.subarray(0, 1000));
      res.end(payload.subarray(1000));
    } else if (parts[1] === 'encoded') {
      // A server that labels a .gz file as gzip-encoded: the client must save the bytes as sent.
      res.writeHead(200, { 'Content-Length': String(payload.length), 'Content-Encoding': 'gzip' });
      res.end(payload);
    } else if (parts[1] === 'endless') {
      // Chunked, never ends: the client must stop at the expected size.
      res.writeHead(200);
      const more = () => {
        if (res.destroyed) return;
        res.write(payload, () => setImmediate(more));
      };
      more();
    } else if (parts[1] === 'huge') {
      res.writeHead(200, { 'Content-Length': String(10 ** 12) });
      res.write(payload.subarray(0, 100));
      setTimeout(() => res.socket?.destroy(), 2000);
    } else if (parts[1] === 'drip') {
      // A byte every 20 ms: never idle long enough for timeoutMs, so only a deadline ends it.
      res.writeHead(200, { 'Content-Length': String(payload.length) });
      let i = 0;
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(payload.subarray(i, ++i))), 20);
    } else if (parts[1] === 'redirect') {
      res.writeHead(302, { Location: '/ok/redirected' }).end();
    } else if (parts[1] === '500') res.writeHead(500).end('oops');
    else res.writeHead(404).end('no');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const settings = { dataset: 'test', retries: 2, retryDelayMs: 10, timeoutMs: 5000 };
const source = (urls: string[], extra: Partial<FileSource> = {}): FileSource => ({
  file: 'data.bin',
  urls,
  md5: sums.md5,
  sha256: sums.sha256,
  size: sums.size,
  ...extra,
});

describe('downloadFile (local HTTP server)', () => {
  it('downloads, verifies, renames into place and reports progress with rate and ETA', async () => {
    const dir = tempDir();
    const dest = join(dir, 'data.bin');
    const reports: DownloadProgress[] = [];
    await downloadFile(source([`${base}/ok/a`]), dest, { ...settings, onProgress: (p) => reports.push(p) });
    expect(Buffer.compare(readFileSync(dest), payload)).toBe(0);
    expect(readdirSync(dir)).toEqual(['data.bin']);
    const last = reports[reports.length - 1];
    expect(last).toMatchObject({ done: true, bytes: payload.length, total: payload.length, file: 'data.bin', attempt: 1 });
    expect(last.rate).toBeGreaterThan(0);
    expect(last.etaSeconds).toBe(0);
  });

  it('keeps no file when the checksum does not match, and does not retry the same URL', async () => {
    const dir = tempDir();
    const dest = join(dir, 'data.bin');
    const before = requests.length;
    const bad = source([`${base}/ok/b`], { sha256: '0'.repeat(64), md5: undefined, size: undefined });
    await expect(downloadFile(bad, dest, settings)).rejects.toThrow(/could not download data\.bin \(no file was kept\)[\s\S]*checksum mismatch \(sha256 [0-9a-f]{64}, expected 0{64}\)/);
    expect(readdirSync(dir)).toEqual([]);
    expect(requests.length - before).toBe(1);
  });

  it('retries a transfer that breaks off mid-body, then succeeds', async () => {
    const dir = tempDir();
    const dest = join(dir, 'data.bin');
    await downloadFile(source([`${base}/flaky/k1/2`]), dest, settings);
    expect(flakyCount.get('k1')).toBe(3);
    expect(Buffer.compare(readFileSync(dest), payload)).toBe(0);
    expect(readdirSync(dir)).toEqual(['data.bin']);
  });

  it('gives up after the retries with an error listing each attempt, and leaves nothing behind', async () => {
    const dir = tempDir();
    const dest = join(dir, 'data.bin');
    const before = requests.filter((r) => r.startsWith('/broken')).length;
    const err = await downloadFile(source([`${base}/broken/x`, `${base}/500`]), dest, settings).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/could not download data\.bin/);
    expect(msg).toMatch(/attempt 1 http:\/\/127\.0\.0\.1:\d+\/broken\/x: transfer broke off/);
    expect(msg).toMatch(/attempt 3 http:\/\/127\.0\.0\.1:\d+\/500: HTTP 500/);
    expect(requests.filter((r) => r.startsWith('/broken')).length - before).toBe(3);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('abandons an attempt that receives nothing for timeoutMs', async () => {
    const dir = tempDir();
    const t = performance.now();
    const err = await downloadFile(source([`${base}/stall`]), join(dir, 'data.bin'), { ...settings, retries: 0, timeoutMs: 300 }).catch(
      (e: Error) => e,
    );
    expect((err as Error).message).toMatch(/attempt 1 .*\/stall: .*no data for 300 ms/);
    expect(performance.now() - t).toBeLessThan(2500);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports the published size as the total when the server sends no Content-Length', async () => {
    const dir = tempDir();
    const reports: DownloadProgress[] = [];
    await downloadFile(source([`${base}/chunked`]), join(dir, 'data.bin'), { ...settings, onProgress: (p) => reports.push(p) });
    expect(reports[reports.length - 1]).toMatchObject({ done: true, total: payload.length, bytes: payload.length });
    const unknown: DownloadProgress[] = [];
    await downloadFile(source([`${base}/chunked`], { size: undefined }), join(dir, 'again.bin'), { ...settings, onProgress: (p) => unknown.push(p) });
    expect(unknown[unknown.length - 1]).toMatchObject({ done: true, total: null, etaSeconds: null });
  });

  it('follows redirects and saves the bytes as sent, even when labelled Content-Encoding: gzip', async () => {
    const dir = tempDir();
    const before = requests.length;
    await downloadFile(source([`${base}/redirect`]), join(dir, 'a.bin'), settings);
    expect(requests.slice(before)).toEqual(['/redirect', '/ok/redirected']);
    await downloadFile(source([`${base}/encoded`]), join(dir, 'b.bin'), settings);
    expect(Buffer.compare(readFileSync(join(dir, 'b.bin')), payload)).toBe(0);
  });

  it('moves on from a 404 to the next URL without retrying it', async () => {
    const dir = tempDir();
    const before = requests.length;
    await downloadFile(source([`${base}/404`, `${base}/ok/c`]), join(dir, 'data.bin'), settings);
    expect(requests.slice(before)).toEqual(['/404', '/ok/c']);
  });

  it('stops reading at the published size when a server sends an endless body, and keeps nothing', async () => {
    const dir = tempDir();
    const err = await downloadFile(source([`${base}/endless`]), join(dir, 'data.bin'), { ...settings, retries: 0 }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/the server sent more than 262144 bytes \(the published size\); stopped reading/);
    expect(readdirSync(dir)).toEqual([]);
    // Without a published size, the cap is maxBytes.
    const capped = await downloadFile(source([`${base}/endless`], { size: undefined }), join(dir, 'data.bin'), { ...settings, retries: 0, maxBytes: 1_000_000 }).catch((e: Error) => e);
    expect((capped as Error).message).toMatch(/more than 1000000 bytes \(the most accepted for a file of unpublished size\)/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects a Content-Length that does not match the published size before reading the body', async () => {
    const dir = tempDir();
    const t = performance.now();
    const err = await downloadFile(source([`${base}/huge`]), join(dir, 'data.bin'), settings).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/the server announces 1000000000000 bytes \(Content-Length\), but the published file has 262144/);
    expect(performance.now() - t).toBeLessThan(1500);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives up on a server that drips bytes once the overall deadline has passed', async () => {
    const dir = tempDir();
    const t = performance.now();
    const err = await downloadFile(source([`${base}/drip`]), join(dir, 'data.bin'), { ...settings, timeoutMs: 2000, deadlineMs: 400 }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/attempt 1 .*\/drip: transfer broke off after \d+ bytes: the download took longer than its deadline of 400 ms/);
    expect((err as Error).message).toMatch(/gave up: the download took longer than its deadline/);
    expect(performance.now() - t).toBeLessThan(1500);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports connecting before each request, and deletes .part files that killed downloads left', async () => {
    const dir = tempDir();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, `.data.bin.${gone}.0123abcd.part`), 'half');
    writeFileSync(join(dir, `.other.bin.${process.pid}.0123abcd.part`), 'in use by a live process');
    const reports: DownloadProgress[] = [];
    await downloadFile(source([`${base}/ok/d`]), join(dir, 'data.bin'), { ...settings, onProgress: (p) => reports.push(p) });
    expect(reports[0]).toMatchObject({ connecting: true, bytes: 0, url: `${base}/ok/d`, attempt: 1 });
    expect(readdirSync(dir).sort()).toEqual([`.other.bin.${process.pid}.0123abcd.part`, 'data.bin']);
  });
});
