import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nativeStatus } from './native-backend';

// oneDNN 2.6's JIT sgemm and convolutions corrupted the heap ("corrupted size vs. prev_size", abort) when a signal
// handler ran on the calling thread mid-call: V8's sampling profiler (`node --cpu-prof`, the inspector's Profiler)
// sends SIGPROF to the JS thread every interval. The addon blocks asynchronous signals around every oneDNN call.
// Run in a child process, as a regression aborts the whole process.
const status = nativeStatus();

const CHILD = `
const inspector = require('node:inspector');
const addon = require(process.argv[1]);
addon.setThreads(2);
const session = new inspector.Session();
session.connect();
const post = (method, params) => new Promise((ok, fail) => session.post(method, params, (e, r) => (e ? fail(e) : ok(r))));
(async () => {
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 50 });
  await post('Profiler.start');
  const m = 128, k = 784, n = 512;
  const a = new Float32Array(m * k).map((_, i) => ((i * 7) % 13) - 6);
  const b = new Float32Array(k * n).map((_, i) => ((i * 5) % 11) - 5);
  let first;
  for (let it = 0; it < 150; ++it) {
    const c = new Float32Array(m * n);
    addon.batchMatMul(a, b, c, 1, 1, m, n, k, false, false);
    if (!first) first = c;
    else if (c.some((v, i) => v !== first[i])) throw new Error('batchMatMul result changed at iteration ' + it);
    new Array(64).fill(0).map(() => Buffer.alloc(1024 + it)); // malloc traffic that trips over a corrupted heap
  }
  await post('Profiler.stop');
  session.disconnect();
  console.log('sgemm under the profiler: ok');
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe.skipIf(!status.available || !status.implementation?.startsWith('onednn'))('oneDNN calls under the sampling profiler', () => {
  it('batchMatMul keeps the heap intact and its results exact while SIGPROF arrives every 50 µs', () => {
    const run = spawnSync(process.execPath, ['-e', CHILD, (status.available && status.path) || ''], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: run.status, signal: run.signal, stderr: run.stderr.slice(-400) }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(run.stdout).toContain('sgemm under the profiler: ok');
  }, 70_000);
});
