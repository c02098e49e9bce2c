import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@neural-ode/backend';
import { odeint } from '@neural-ode/odeint';
import { runSpiral, spiralTruth, SPIRAL_W, type SpiralEvent } from './spiral';

describe('runSpiral', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu', log: false });
  });

  it('spiralTruth solves dz/dt = W z', () => {
    const ts = [0, 1, 5, 18.87];
    const f = (_t: number, z: Float64Array) => [SPIRAL_W[0][0] * z[0] + SPIRAL_W[0][1] * z[1], SPIRAL_W[1][0] * z[0] + SPIRAL_W[1][1] * z[1]];
    const sol = odeint(f, [0.6, 0.3], ts, { rtol: 1e-10, atol: 1e-12 });
    ts.forEach((t, i) => {
      expect(sol.ys[i][0]).toBeCloseTo(spiralTruth(t)[0], 7);
      expect(sol.ys[i][1]).toBeCloseTo(spiralTruth(t)[1], 7);
    });
  });

  it('a short run reduces the loss and writes plot, metrics and result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spiral-'));
    const events: SpiralEvent[] = [];
    const r = await runSpiral({ iterations: 150, logEvery: 50, save: dir, seed: 3 }, { onEvent: (e) => events.push(e) });
    expect(r.iterations).toBe(150);
    expect(r.finalLoss).toBeLessThan(r.initialLoss / 4);
    expect(Number.isFinite(r.rmse)).toBe(true);
    for (const p of Object.values(r.paths)) expect(existsSync(p)).toBe(true);
    expect(readFileSync(r.paths.png).subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(readFileSync(r.paths.metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l).iteration)).toEqual([50, 100, 150]);
    expect(JSON.parse(readFileSync(r.paths.result, 'utf8')).rmse).toBe(r.rmse);
    const its = events.filter((e) => e.type === 'iteration');
    expect(its).toHaveLength(150);
    expect(its[0]).toMatchObject({ iteration: 1, iterations: 150 });
    expect((its[0] as { nfeBackward: number }).nfeBackward).toBeGreaterThan(0);
  });

  it('more iterations fit better (RMSE against the noise-free trajectory)', async () => {
    const short = await runSpiral({ iterations: 20, save: mkdtempSync(join(tmpdir(), 'spiral-')), seed: 5 });
    const long = await runSpiral({ iterations: 300, save: mkdtempSync(join(tmpdir(), 'spiral-')), seed: 5 });
    expect(long.rmse).toBeLessThan(short.rmse);
  });

  it('the tensor engine (odeintAdjoint on tfjs variables) takes the same steps as the float64 adjoint', async () => {
    const opts = { iterations: 3, seed: 11, maxWindow: 2, windowPoints: 8 };
    const a = await runSpiral({ ...opts, engine: 'float64', save: mkdtempSync(join(tmpdir(), 'spiral-')) });
    const b = await runSpiral({ ...opts, engine: 'tensor', save: mkdtempSync(join(tmpdir(), 'spiral-')) });
    expect(b.initialLoss).toBeCloseTo(a.initialLoss, 5);
    for (const key of ['w1', 'w2', 'b2'] as const) {
      b.weights[key].forEach((v, i) => expect(v).toBeCloseTo(a.weights[key][i], 4));
    }
    expect(b.rmse).toBeCloseTo(a.rmse, 3);
  });

  it('stops on the signal and still reports', async () => {
    const abort = new AbortController();
    const r = await runSpiral(
      { iterations: 1000, save: mkdtempSync(join(tmpdir(), 'spiral-')) },
      { signal: abort.signal, onEvent: (e) => e.type === 'iteration' && e.iteration === 10 && abort.abort() },
    );
    expect(r.interrupted).toBe(true);
    expect(r.iterations).toBe(10);
  });

  it('rejects bad options naming the option and the value', async () => {
    await expect(runSpiral({ iterations: 0 })).rejects.toThrow(/option 'iterations' \(got 0\)/);
    await expect(runSpiral({ minWindow: 3, maxWindow: 2 })).rejects.toThrow(/maxWindow must be >= minWindow/);
    await expect(runSpiral({ engine: 'float64', adjoint: false })).rejects.toThrow(/use engine 'tensor'/);
  });
});
