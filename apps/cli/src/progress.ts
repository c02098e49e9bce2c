import type { TrainEvent } from '@neural-ode/trainer';
import type { CliIO } from './io';

/** Redraws of a terminal bar are throttled to this interval (ms). */
const REDRAW_MS = 100;

/** `83.4` → `1:23`, `3700` → `1:01:40`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** `1536` → `1.5 KB`, `12_000_000` → `11.4 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** A text bar `[#######.......]` of `width` cells filled to `fraction`. */
export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

function nfe(forward?: number, backward?: number): string {
  if (forward === undefined && backward === undefined) return '';
  const fmt = (x?: number) => (x === undefined ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(1));
  return `  NFE ${fmt(forward)}/${fmt(backward)}`;
}

/**
 * The one line at the bottom of a terminal that a progress bar redraws in place (throttled), and the plain lines
 * printed above it; shared by the training, download and spiral progress.
 */
class StatusLine {
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(private readonly io: CliIO) {}

  /** Redraws the bar line, at most every {@link REDRAW_MS} unless `force` (e.g. the last step). */
  draw(text: string, force: boolean): void {
    const now = this.io.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.io.stderr(`\r\x1b[2K${text}`);
    this.drawn = true;
  }

  /** Erases the bar line, if one is drawn. */
  clear(): void {
    if (this.drawn) {
      this.io.stderr('\r\x1b[2K');
      this.drawn = false;
    }
  }

  /** Ends the bar line where it is (keeps it on screen). */
  end(): void {
    if (this.drawn) {
      this.io.stderr('\n');
      this.drawn = false;
    }
  }

  /** Prints a line above the bar. */
  line(text: string): void {
    this.clear();
    this.io.stderr(`${text}\n`);
  }
}

/**
 * Turns a training run's events into progress on stderr: on a terminal a bar per epoch redrawn in place (step,
 * loss, images/s, ETA, NFE); otherwise plain lines about every tenth of an epoch. The trainer's log lines (the run,
 * each epoch's results) and checkpoints are printed as lines in both cases.
 */
export class TrainProgress {
  private epochs: number | undefined;
  private epochStart = 0;
  private firstStep = 0;
  private lastPlainStep = 0;
  private readonly status: StatusLine;

  constructor(private readonly io: CliIO) {
    this.status = new StatusLine(io);
  }

  /** Handles one event of `train` / `resume`. */
  readonly onEvent = (event: TrainEvent): void => {
    switch (event.type) {
      case 'start':
        // The trainer's own log line describes the run; the bar needs the epoch count and where it starts.
        this.epochs = event.config.epochs;
        this.epochStart = this.io.now();
        this.firstStep = event.step;
        break;
      case 'step':
        this.step(event);
        break;
      case 'epoch':
        // The epoch's summary arrives as the trainer's log line (every `logEvery` epochs, as the reference).
        this.status.clear();
        this.epochStart = this.io.now();
        this.firstStep = 0;
        this.lastPlainStep = 0;
        break;
      case 'checkpoint':
        this.status.line(`checkpoint: ${event.path}`);
        break;
      case 'log':
        this.status.line(event.line);
        break;
    }
  };

  /** Clears a bar left on the terminal (before the final result is printed). */
  finish(): void {
    this.status.clear();
  }

  private step(e: Extract<TrainEvent, { type: 'step' }>): void {
    // A resumed run starts mid-epoch: rates and ETA count from the first step this process ran.
    if (e.step <= this.firstStep) this.firstStep = e.step - 1;
    const elapsed = (this.io.now() - this.epochStart) / 1000;
    const done = e.step - this.firstStep;
    const eta = done > 0 ? (elapsed / done) * (e.steps - e.step) : NaN;
    const of = this.epochs ? `/${this.epochs}` : '';
    const stats = `loss ${e.loss.toFixed(4)}  ${Math.round(e.imagesPerSec)} img/s  ETA ${formatDuration(eta)}${nfe(e.nfeForward, e.nfeBackward)}`;
    if (this.io.isTTY) {
      const head = `epoch ${e.epoch}${of} `;
      const tail = ` ${e.step}/${e.steps}  ${stats}`;
      const width = Math.max(10, Math.min(40, this.io.columns - head.length - tail.length - 1));
      this.status.draw(`${head}${bar(e.step / e.steps, width)}${tail}`, e.step === e.steps);
      return;
    }
    const every = Math.max(1, Math.ceil(e.steps / 10));
    if (e.step - this.lastPlainStep >= every || e.step === e.steps) {
      this.lastPlainStep = e.step;
      this.io.stderr(`epoch ${e.epoch}${of} step ${e.step}/${e.steps}  ${stats}\n`);
    }
  }

}

/** What a download reports, in the shapes `@neural-ode/datasets` may use. */
export interface DownloadProgressLike {
  dataset?: string;
  file?: string;
  url?: string;
  bytes?: number;
  total?: number | null;
  rate?: number;
  etaSeconds?: number | null;
  attempt?: number;
  done?: boolean;
}

/** Turns download progress callbacks into a bar (terminal) or a line about every 10% (otherwise). */
export class DownloadProgress {
  private lastTenth = new Map<string, number>();
  private readonly status: StatusLine;

  constructor(private readonly io: CliIO) {
    this.status = new StatusLine(io);
  }

  /** The `onProgress` callback to hand to the datasets package. */
  readonly onProgress = (p: DownloadProgressLike): void => {
    const name = [p.dataset, p.file ?? p.url].filter(Boolean).join(' ') || 'download';
    const got = p.bytes ?? 0;
    const total = p.total ?? undefined;
    const rate = p.rate;
    const eta = p.etaSeconds ?? undefined;
    const pieces = [`${formatBytes(got)}${total ? ` / ${formatBytes(total)}` : ''}`];
    if (rate !== undefined) pieces.push(`${formatBytes(rate)}/s`);
    if (eta !== undefined && !p.done) pieces.push(`ETA ${formatDuration(eta)}`);
    if (p.attempt !== undefined && p.attempt > 1) pieces.push(`retry ${p.attempt - 1}`);
    if (p.done) pieces.push('verified');
    const complete = p.done === true || (total !== undefined && got >= total);
    if (this.io.isTTY) {
      const b = total ? `${bar(got / total, 30)} ` : '';
      this.status.draw(`${name} ${b}${pieces.join('  ')}`, complete);
      if (complete) this.status.end();
      return;
    }
    const tenth = total ? Math.floor((got / total) * 10) : Math.floor(got / (10 * 1024 * 1024));
    if (tenth !== this.lastTenth.get(name) || complete) {
      this.lastTenth.set(name, tenth);
      this.io.stderr(`${name} ${pieces.join('  ')}\n`);
    }
  };

  /** Ends a bar left on the terminal. */
  finish(): void {
    this.status.end();
  }
}

/** Progress events of the spiral experiment (`runSpiral`'s `onEvent`). */
export type SpiralProgressEvent =
  | { type: 'start'; dir: string }
  | { type: 'iteration'; iteration: number; iterations: number; loss: number; nfeForward: number; nfeBackward: number }
  | { type: 'log'; line: string };

/** Spiral progress on stderr: a bar over the iterations on a terminal, the trainer's log lines otherwise. */
export class SpiralProgress {
  private started = 0;
  private readonly status: StatusLine;

  constructor(private readonly io: CliIO) {
    this.status = new StatusLine(io);
  }

  /** The `onEvent` callback to hand to `runSpiral`. */
  readonly onEvent = (e: SpiralProgressEvent): void => {
    if (e.type === 'start') {
      this.started = this.io.now();
      this.status.line(`spiral -> ${e.dir}`);
    } else if (e.type === 'log') {
      this.status.line(e.line);
    } else if (this.io.isTTY) {
      const elapsed = (this.io.now() - this.started) / 1000;
      const eta = (elapsed / e.iteration) * (e.iterations - e.iteration);
      this.status.draw(
        `spiral ${bar(e.iteration / e.iterations, 30)} ${e.iteration}/${e.iterations}  loss ${e.loss.toExponential(3)}  ` +
          `ETA ${formatDuration(eta)}${nfe(e.nfeForward, e.nfeBackward)}`,
        e.iteration === e.iterations,
      );
    }
  };

  /** Clears a bar left on the terminal. */
  finish(): void {
    this.status.clear();
  }
}
