// The getting-started guide shows these files verbatim (`<<< @/../examples/…`): they must run and be right.
// (examples/browser.ts runs in a real browser, from the guide's page, in site.e2e.test.ts.)
import { afterEach, describe, expect, it, vi } from 'vitest';

async function run(path: string): Promise<unknown[][]> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  await import(path);
  const calls = log.mock.calls.map((c) => [...c]);
  log.mockRestore();
  return calls;
}

afterEach(() => vi.restoreAllMocks());

describe('getting-started examples', () => {
  it('solve.ts: half a period of the harmonic oscillator', async () => {
    const [[y], [stats]] = await run('../examples/solve');
    expect((y as Float64Array)[0]).toBeCloseTo(-1, 6);
    expect((y as Float64Array)[1]).toBeCloseTo(0, 6);
    expect((stats as { nfe: number }).nfe).toBeGreaterThan(10);
  });

  it('gradient.ts: y(2) = e^-1 and dy(2)/dk = -2e^-1 by backprop', async () => {
    const [[value, exact], [grad, exactGrad]] = (await run('../examples/gradient')) as number[][];
    expect(value).toBeCloseTo(exact, 4);
    expect(grad).toBeCloseTo(exactGrad, 3);
  });

  it('adjoint.ts: the same gradient by the adjoint', async () => {
    const [[grad, exactGrad]] = (await run('../examples/adjoint')) as number[][];
    expect(grad).toBeCloseTo(exactGrad, 3);
  });
});
