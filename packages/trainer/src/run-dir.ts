import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LocatedFile } from '@neural-ode/datasets';
import { trainConfigSchema, upgradeStoredConfig, type TrainConfig } from './config';
import type { EpochMetrics } from './events';

/**
 * The layout of a run directory:
 * - `config.json`: {@link RunInfo} (resolved options, backend, versions, parameter count);
 * - `metrics.jsonl`: one {@link EpochMetrics} per line;
 * - `checkpoints/<tag>.safetensors` (model weights, the reference `state_dict` names), `<tag>.optimizer.safetensors`
 *   (optimizer slots) and `<tag>.json` ({@link CheckpointState});
 * - `checkpoint.json`: a copy of the latest checkpoint's state, written last (a checkpoint counts once it is there).
 */
export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  latest: 'checkpoint.json',
  checkpoints: 'checkpoints',
} as const;

/** What `config.json` holds. */
export interface RunInfo {
  /** The resolved options. */
  config: TrainConfig;
  /** The tfjs backend used (`@neural-ode/backend`'s name and tfjs's). */
  backend: { name: string; tfjs: string; threads: number };
  /** Versions of Node, tfjs and the neural-ode packages. */
  versions: Record<string, string>;
  /** Trainable parameters. */
  params: number;
  /** A short name of the model for tables and legends, e.g. `ResNet(6)`, `ODE-Net (dopri5, tol 1e-3)`. */
  label: string;
  /** ISO time the run started. */
  startedAt: string;
  /**
   * The data files that were read, where they were found and how they were verified (`verified: 'structure'` with
   * a `note` when a file failed or lacks its published checksum); absent for splits given in memory.
   */
  dataFiles?: LocatedFile[];
}

/** Reads a run directory's `config.json` and `metrics.jsonl`; errors name the directory and what is missing. */
export function readRun(runDir: string): { dir: string; info: RunInfo; metrics: EpochMetrics[] } {
  const dir = resolve(runDir);
  const configPath = join(dir, RUN_FILES.config);
  if (!existsSync(configPath)) {
    throw new Error(`run directory '${runDir}' has no ${RUN_FILES.config}: pass a directory written by train (its --save)`);
  }
  let info: RunInfo;
  try {
    info = JSON.parse(readFileSync(configPath, 'utf8')) as RunInfo;
    info.config = trainConfigSchema.parse(upgradeStoredConfig(info.config));
  } catch (err) {
    throw new Error(`${configPath} is not a valid run config: ${(err as Error).message}`, { cause: err });
  }
  return { dir, info, metrics: readMetrics(join(dir, RUN_FILES.metrics)) };
}

/** Parses a `metrics.jsonl` file (missing: no epochs yet). A bad line is an error naming the file and line. */
export function readMetrics(path: string): EpochMetrics[] {
  if (!existsSync(path)) return [];
  const out: EpochMetrics[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        out.push(JSON.parse(line) as EpochMetrics);
      } catch {
        throw new Error(`${path}: line ${i + 1} is not JSON: ${line.slice(0, 80)}`);
      }
    });
  return out;
}

/** A short model name for legends and tables, as the reference study's tables name them. */
export function modelLabel(config: TrainConfig): string {
  const s = config.solver;
  const solver =
    s.stepping === 'fixed'
      ? `${s.method}${s.stepSize !== undefined ? `, h ${s.stepSize}` : ''}`
      : `${s.method}, tol ${Array.isArray(s.rtol) ? s.rtol.join('/') : s.rtol}`;
  const gradient = config.gradient === 'tape' ? '' : `, ${config.gradient}`;
  switch (config.model) {
    case 'resnet':
      return `ResNet(${config.blocks})`;
    case 'vdcnn':
      return `VDCNN(${config.blocks})`;
    case 'odenet':
      return `ODE-Net (${solver}${gradient})`;
    case 'vdcnn-ode':
      return `VDCNN-ODE (${solver}${gradient})`;
  }
}
