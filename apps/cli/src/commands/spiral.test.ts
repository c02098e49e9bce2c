import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli';

describe('neural-ode spiral', () => {
  it('prints its summary once: the result on stdout, progress (without the summary) on stderr', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-spiral-'));
    const r = await runCli(['spiral', '--iterations', '10', '--log-every', '5', '--points', '60', '--save', 'sp'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`.match(/RMSE/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/^spiral RMSE \S+ \(target <= 0\.05\) after 10 iterations/);
    expect(r.stderr).toContain('iter 10/10');
  });
});
