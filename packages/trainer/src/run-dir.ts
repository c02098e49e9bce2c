import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
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
  lock: 'run.lock',
} as const;

/** What `run.lock` holds while a process trains into the directory. */
interface RunLock {
  pid: number;
  host: string;
  since: string;
}

/** A lock file this young with no content yet is being written by the process that just created it. */
const FRESH_LOCK_MS = 10_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the run directory's lock (`run.lock`, holding the PID and host), so that two processes never train into one
 * directory; a lock left by a process that no longer runs (killed) is stale and taken over. Creates the directory.
 * @returns a function that releases the lock.
 */
export function lockRunDir(runDir: string, where = 'train'): () => void {
  mkdirSync(runDir, { recursive: true });
  const path = join(runDir, RUN_FILES.lock);
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new Error(`${where}: cannot lock ${runDir} (${path}): ${(err as Error).message}`, { cause: err });
      }
      const holder = readLock(path);
      if (holder === 'fresh' || (holder && (holder.host !== hostname() || processAlive(holder.pid)))) {
        const who = holder === 'fresh' ? 'another process (starting now)' : `process ${holder.pid} on ${holder.host}, since ${holder.since}`;
        throw new Error(
          `${where}: ${runDir} is in use by ${who}: two runs must not write into one directory. Wait for it to ` +
            `finish, stop it, or use another --save directory; if no such process is running, delete ${path}`,
        );
      }
      rmSync(path, { force: true }); // stale: its process is gone
      continue;
    }
    const lock: RunLock = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    try {
      writeSync(fd, JSON.stringify(lock) + '\n');
    } finally {
      closeSync(fd);
    }
    return () => {
      const holder = readLock(path);
      if (holder && holder !== 'fresh' && holder.pid === process.pid) rmSync(path, { force: true });
    };
  }
}

/** The lock's holder; `'fresh'` for a lock being written right now; `null` for none or an unreadable stale one. */
function readLock(path: string): RunLock | 'fresh' | null {
  try {
    const text = readFileSync(path, 'utf8');
    const lock = JSON.parse(text) as RunLock;
    return Number.isInteger(lock?.pid) && typeof lock.host === 'string' ? lock : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    try {
      return Date.now() - statSync(path).mtimeMs < FRESH_LOCK_MS ? 'fresh' : null;
    } catch {
      return null;
    }
  }
}

/** Temporary files of {@link writeFileAtomic} (`.<name>.<pid>.<n>.tmp`). */
const TEMP_FILE = /^\..+\.\d+\.\d+\.tmp$/;

/**
 * Deletes the temporary files that a killed run left in its directory and `checkpoints/` (call with the lock held,
 * so no live writer owns them). @returns the deleted paths.
 */
export function cleanRunDir(runDir: string): string[] {
  const removed: string[] = [];
  for (const dir of [runDir, join(runDir, RUN_FILES.checkpoints)]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!TEMP_FILE.test(name)) continue;
      rmSync(join(dir, name), { force: true });
      removed.push(join(dir, name));
    }
  }
  return removed;
}

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

/** Parses a run directory's `config.json` as written (no validation); errors name the file. */
export function readRunInfo(runDir: string): RunInfo {
  const path = join(runDir, RUN_FILES.config);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunInfo;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(
      e.code === 'ENOENT'
        ? `run directory '${runDir}' has no ${RUN_FILES.config}: pass a directory written by train (its --save)`
        : `${path} is damaged (${e.message}): restore it, or train a new run into another --save directory`,
      { cause: err },
    );
  }
}

/**
 * A run directory's `config.json` with its options in today's shape ({@link upgradeStoredConfig}) and validated, the
 * solver included: what every reader of a run (report, evaluate, resume) works from. Errors name the file.
 * @param runDir - a directory written by `train` (its `--save`).
 */
export function loadRunInfo(runDir: string): RunInfo {
  const info = readRunInfo(runDir);
  try {
    return { ...info, config: trainConfigSchema.parse(upgradeStoredConfig(info.config)) };
  } catch (err) {
    throw new Error(`${join(runDir, RUN_FILES.config)} is not a valid run config: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Reads a run directory's `config.json` and `metrics.jsonl`; errors name the directory and what is missing.
 * @param runDir - a directory written by `train` (its `--save`), holding `config.json` and, once an epoch has ended,
 *   `metrics.jsonl`.
 */
export function readRun(runDir: string): { dir: string; info: RunInfo; metrics: EpochMetrics[] } {
  const dir = resolve(runDir);
  return { dir, info: loadRunInfo(dir), metrics: readMetrics(join(dir, RUN_FILES.metrics)) };
}

/**
 * Parses a `metrics.jsonl` file (missing: no epochs yet). A bad line is an error naming the file and line.
 * @param path - the `metrics.jsonl` file: one JSON object per epoch per line; a missing file gives `[]`.
 */
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

/**
 * A short model name for legends and tables, as the reference study's tables name them.
 * @param config - the run's resolved training options: the model and its `blocks`, and for ODE models the solver's
 *   method, step size or tolerance, and gradient mode when not `checkpoint`.
 */
export function modelLabel(config: TrainConfig): string {
  const s = config.solver;
  const solver =
    s.stepping === 'fixed'
      ? `${s.method}${s.stepSize !== undefined ? `, h ${s.stepSize}` : ''}`
      : `${s.method}, tol ${Array.isArray(s.rtol) ? s.rtol.join('/') : s.rtol}`;
  // The trainer's gradient mode (checkpoint) goes unsaid; the others are named.
  const gradient = s.gradient.mode === 'checkpoint' ? '' : `, ${s.gradient.mode}`;
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
