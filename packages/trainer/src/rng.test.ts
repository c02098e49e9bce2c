import { describe, expect, it } from 'vitest';
import { Rng } from './rng';

describe('Rng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('restores from a saved state to the same continuation', () => {
    const a = new Rng(7);
    for (let i = 0; i < 10; i++) a.uniform();
    const saved = JSON.parse(JSON.stringify(a.state()));
    const next = Array.from({ length: 8 }, () => a.uniform());
    const b = Rng.fromState(saved);
    expect(Array.from({ length: 8 }, () => b.uniform())).toEqual(next);
  });

  it('draws uniforms in [0, 1) and normals with mean ≈ 0 and variance ≈ 1', () => {
    const r = new Rng(1);
    let sum = 0, sq = 0, min = 1, max = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      min = Math.min(min, u);
      max = Math.max(max, u);
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05);
  });

  it('rejects bad seeds and states with the fix', () => {
    expect(() => new Rng(-1)).toThrow(/non-negative 32-bit integer/);
    expect(() => Rng.fromState({ s: [1, 2, 3] } as never)).toThrow(/pass what state\(\) returned/);
  });
});
