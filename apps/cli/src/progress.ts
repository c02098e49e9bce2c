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

/** `NFE fwd 26 bwd 32`: function evaluations of the ODE block in a forward and a backward pass; '' for none. */
export function formatNfe(forward?: number, backward?: number): string {
  if (forward === undefined && backward === undefined) return '';
  const fmt = (x?: number) => (x === undefined ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(1));
  return `NFE fwd ${fmt(forward)} bwd ${fmt(backward)}`;
}

/** One piece of a status line; when the line is too wide, pieces of the lowest `priority` (largest number) go first. */
export interface StatusPiece {
  text: string;
  priority: number;
}

/**
 * Lays out a status line in under `columns` characters (a line as wide as the terminal wraps, and every redraw
 * would then start a new line): `head`, a bar filled to `fraction` (between 10 and 40 cells, dropped first when
 * there is no room), then the pieces in order, dropping the least important until the line fits; what still does
 * not fit is cut.
 */
export function fitStatusLine(head: string, fraction: number | null, pieces: readonly StatusPiece[], columns: number): string {
  const width = Math.max(1, Math.floor(columns) - 1);
  const kept = pieces.filter((p) => p.text !== '');
  for (;;) {
    const text = kept.map((p) => p.text).join('  ');
    const plain = [head, text].filter(Boolean).join('  ');
    if (fraction !== null) {
      const room = width - head.length - text.length - (text ? 4 : 3); // spaces around the bar, and its brackets
      if (room >= 10) return `${head} ${bar(fraction, Math.min(40, room))}${text ? ` ${text}` : ''}`;
    }
    if (plain.length <= width || kept.length === 0) return plain.length <= width ? plain : plain.slice(0, width);
    let drop = 0;
    kept.forEach((p, i) => {
      if (p.priority >= kept[drop].priority) drop = i;
    });
    kept.splice(drop, 1);
  }
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
 * Turns a training run's events into progress on stderr: on a terminal a bar per epoch redrawn in place, fitted to
 * the terminal's width (step, loss, images/s, the epoch's ETA and the whole run's, NFE forward/backward); otherwise plain lines about every tenth of an epoch. The trainer's log lines (the run,
 * each epoch's results) and checkpoints are printed as lines in both cases.
 */
export class TrainProgress {
  private epochs: number | undefined;
  private epochStart = 0;
  private firstStep = 0;
  private lastPlainStep = 0;
  /** Training seconds and steps of the epochs this process completed, for the run's ETA. */
  private trainSeconds = 0;
  private trainSteps = 0;
  /** Seconds of the last evaluation on the test split (each epoch ends with one). */
  private evalSeconds = 0;
  /** The last step seen in the current epoch. */
  private lastSteps = 0;
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
        this.trainSeconds += event.metrics.epochSeconds;
        this.trainSteps += Math.max(0, this.lastSteps - this.firstStep);
        this.evalSeconds = event.metrics.evalSeconds;
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
    this.lastSteps = e.step;
    const elapsed = (this.io.now() - this.epochStart) / 1000;
    const done = e.step - this.firstStep;
    const perStep = done > 0 ? elapsed / done : NaN;
    const eta = perStep * (e.steps - e.step);
    // The run: this epoch's rest, then each epoch left at the mean step time so far, plus its evaluation.
    const meanStep = (this.trainSeconds + elapsed) / (this.trainSteps + done);
    const epochsLeft = this.epochs !== undefined ? Math.max(0, this.epochs - e.epoch) : NaN;
    const runEta = eta + epochsLeft * (meanStep * e.steps + this.evalSeconds) + this.evalSeconds;
    const of = this.epochs ? `/${this.epochs}` : '';
    const pieces: StatusPiece[] = [
      { text: `${e.step}/${e.steps}`, priority: 1 },
      { text: `loss ${e.loss.toFixed(4)}`, priority: 2 },
      { text: `${Math.round(e.imagesPerSec)} img/s`, priority: 6 },
      { text: `ETA epoch ${formatDuration(eta)}`, priority: 3 },
      { text: Number.isFinite(runEta) ? `run ${formatDuration(runEta)}` : '', priority: 4 },
      { text: formatNfe(e.nfeForward, e.nfeBackward), priority: 5 },
    ];
    if (this.io.isTTY) {
      this.status.draw(fitStatusLine(`epoch ${e.epoch}${of}`, e.step / e.steps, pieces, this.io.columns), e.step === e.steps);
      return;
    }
    const every = Math.max(1, Math.ceil(e.steps / 10));
    if (e.step - this.lastPlainStep >= every || e.step === e.steps) {
      this.lastPlainStep = e.step;
      const stats = pieces.slice(1).map((p) => p.text).filter(Boolean).join('  ');
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
  /** Sent before each request, while connecting to `url`. */
  connecting?: boolean;
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
    if (p.connecting) {
      let host = p.url ?? '';
      try {
        host = new URL(host).host;
      } catch {
        // not a URL: show it as given
      }
      this.status.line(`${name}: connecting to ${host || 'the server'}…${p.attempt !== undefined && p.attempt > 1 ? ` (retry ${p.attempt - 1})` : ''}`);
      return;
    }
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
      const fitted = fitStatusLine(name, total ? got / total : null, pieces.map((text, i) => ({ text, priority: i === 0 ? 1 : 2 + i })), this.io.columns);
      this.status.draw(fitted, complete);
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
      const pieces: StatusPiece[] = [
        { text: `${e.iteration}/${e.iterations}`, priority: 1 },
        { text: `loss ${e.loss.toExponential(3)}`, priority: 2 },
        { text: `ETA ${formatDuration(eta)}`, priority: 3 },
        { text: formatNfe(e.nfeForward, e.nfeBackward), priority: 4 },
      ];
      this.status.draw(fitStatusLine('spiral', e.iteration / e.iterations, pieces, this.io.columns), e.iteration === e.iterations);
    }
  };

  /** Clears a bar left on the terminal. */
  finish(): void {
    this.status.clear();
  }
}
