import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as float64 from './float64';

// `@neural-ode/odeint/float64` must work where @tensorflow/tfjs-core is not installed: no module it reaches may
// import tfjs. Walk the static import graph of the entry point's sources.
function importGraph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const src = readFileSync(file, 'utf8');
    const specs = [...src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    seen.set(file, specs);
    for (const s of specs) {
      if (!s.startsWith('.')) continue;
      const path = resolve(dirname(file), s);
      const withExt = [`${path}.ts`, join(path, 'index.ts')].find(existsSync);
      if (withExt) visit(withExt);
    }
  };
  visit(entry);
  return seen;
}

describe('@neural-ode/odeint/float64 entry point', () => {
  it('never imports @tensorflow/tfjs-core (statically, from any module it reaches)', () => {
    const graph = importGraph(resolve(__dirname, 'float64.ts'));
    expect(graph.size).toBeGreaterThan(10);
    const offenders = [...graph].filter(([, specs]) => specs.some((s) => s.startsWith('@tensorflow/'))).map(([f]) => f);
    expect(offenders).toEqual([]);
  });

  it('the main entry point does reach tfjs (the check above is not vacuous)', () => {
    const graph = importGraph(resolve(__dirname, 'index.ts'));
    expect([...graph.values()].some((specs) => specs.includes('@tensorflow/tfjs-core'))).toBe(true);
  });

  it('exports odeint, the options schema and the method list', () => {
    expect(typeof float64.odeint).toBe('function');
    expect(float64.METHODS).toContain('dopri5');
    expect(float64.odeintOptionsSchema.parse({}).method).toBe('dopri5');
    expect(float64.METHOD_INFO.find((m) => m.name === 'dopri5')).toMatchObject({ order: 5, stages: 7, adaptive: true, fsal: true, evaluationsPerStep: 6 });
  });
});
