import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { measureRows, runState, STUDY_TABLES, studyReportTable } from './study';

describe('measureRows', () => {
  it('a missing run is missing; a damaged config.json is a started row with nothing measured, not a crash', () => {
    const root = mkdtempSync(join(tmpdir(), 'study-'));
    const damaged = join(root, 'mnist-resnet1');
    mkdirSync(damaged);
    writeFileSync(join(damaged, 'config.json'), '{"config": ');
    const rows = measureRows([
      { row: 'resnet6', dir: join(root, 'mnist-resnet6') },
      { row: 'resnet1', dir: damaged },
    ]);
    expect(rows).toEqual([
      { row: 'resnet6', dir: join(root, 'mnist-resnet6'), state: 'missing' },
      { row: 'resnet1', dir: damaged, state: 'started' },
    ]);
    expect(runState(damaged)).toBe('started');
    expect(studyReportTable(STUDY_TABLES.mnist, rows)).toMatch(/\| ResNet\(1\) \| 0\.37 \| – \| 207 K \| – \| 11\.21 \| – \| 0 \| – \|/);
  });
});
