/** Paths of a plot written as SVG and PNG. */
export interface PlotPaths {
  svg: string;
  png: string;
}

/**
 * Plots test accuracy and test loss per epoch of several runs (their `metrics.jsonl`) in one figure, written to
 * `${outPrefix}.svg` and `${outPrefix}.png`.
 */
export async function plotRuns(runDirs: string[], outPrefix: string): Promise<PlotPaths> {
  void runDirs;
  void outPrefix;
  throw new Error('plotRuns: not implemented yet');
}

/** Data of the spiral figure ({@link plotSpiral}). */
export interface SpiralPlotData {
  /** Observation times. */
  ts: ArrayLike<number>;
  /** Noisy observations, one `[x, y]` per time. */
  observed: ArrayLike<number>[];
  /** The noise-free trajectory, one `[x, y]` per time. */
  truth: ArrayLike<number>[];
  /** The learned trajectory from z0, one `[x, y]` per time. */
  learned: ArrayLike<number>[];
  /** Title line (e.g. the RMSE). */
  title?: string;
}

/**
 * Plots the spiral experiment: the noisy observations (dots), the true trajectory and the learned one in the phase
 * plane, written to `${outPrefix}.svg` and `${outPrefix}.png`.
 */
export async function plotSpiral(data: SpiralPlotData, outPrefix: string): Promise<PlotPaths> {
  void data;
  void outPrefix;
  throw new Error('plotSpiral: not implemented yet');
}
