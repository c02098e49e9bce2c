import * as tfl from '@tensorflow/tfjs-layers';
import type { UnresolvedLogs } from '@tensorflow/tfjs-layers/dist/logs';
import { NeuralOde, type NfeCounts } from './neural-ode';

/**
 * The {@link NeuralOde} layers of a model or layer, in order, depth first: those of nested models and those inside
 * other ODE blocks' dynamics included.
  * @param root - a model or layer to search (nested models and the dynamics of ODE layers included).
 */
export function neuralOdeLayers(root: tfl.layers.Layer): NeuralOde[] {
  const found: NeuralOde[] = [];
  const visit = (layer: tfl.layers.Layer) => {
    if (layer instanceof NeuralOde) {
      found.push(layer);
      visit(layer.dynamics);
    } else if (layer instanceof tfl.LayersModel) {
      layer.layers.forEach(visit);
    }
  };
  visit(root);
  return found;
}

/** Options of {@link nfeLogger}. */
export interface NfeLoggerOptions {
  /** Where the per-epoch line goes (default `console.log`); `false` keeps quiet. */
  log?: ((line: string) => void) | false;
  /** Called after every training batch with the NFE of each ODE layer (by layer name) in that batch. */
  onBatch?: (batch: number, nfe: Record<string, NfeCounts>) => void;
}

/**
 * A tfjs callback for `model.fit` that reads the NFE (function evaluations) of every {@link NeuralOde} layer after each
 * training batch, and at the end of each epoch logs their mean per batch, forward and backward, and adds the totals
 * over the model's ODE layers to the epoch's logs as `nfeForward` and `nfeBackward` (so they land in
 * `history.history` and in the callbacks that follow).
 */
export class NfeLogger extends tfl.Callback {
  private readonly options: NfeLoggerOptions;
  private layers: NeuralOde[] = [];
  private sums = new Map<NeuralOde, NfeCounts>();
  private batches = 0;

  /**
   * Builds the callback; prefer {@link nfeLogger}.
   * @param options - `log`: where the per-epoch line goes (default `console.log`, `false` for none); `onBatch`: called
   *   after each batch with each ODE layer's NFE.
   */
  constructor(options: NfeLoggerOptions = {}) {
    super();
    if (options.log !== undefined && options.log !== false && typeof options.log !== 'function') {
      throw new Error(`nfeLogger: option 'log' must be a function or false, got ${JSON.stringify(options.log)}. Fix: pass (line) => console.log(line), or false.`);
    }
    if (options.onBatch !== undefined && typeof options.onBatch !== 'function') {
      throw new Error(`nfeLogger: option 'onBatch' must be a function. Fix: pass (batch, nfe) => { ... }.`);
    }
    this.options = options;
  }

  override async onTrainBegin(): Promise<void> {
    this.layers = neuralOdeLayers(this.model);
    if (this.layers.length === 0) {
      throw new Error(`nfeLogger: model '${this.model.name}' has no neuralOde layer, so there is no NFE to log. Fix: remove the callback, or add a neuralOde layer.`);
    }
  }

  override async onEpochBegin(): Promise<void> {
    this.sums = new Map(this.layers.map((l) => [l, { forward: 0, backward: 0 }]));
    this.batches = 0;
  }

  /**
   * Adds each ODE layer's NFE of the batch to the epoch's sums and calls `onBatch`.
   * @param batch - the batch's index in the epoch (from tfjs), passed on to `onBatch`.
   */
  override async onBatchEnd(batch: number): Promise<void> {
    const perLayer: Record<string, NfeCounts> = {};
    for (const layer of this.layers) {
      const nfe = layer.nfe;
      const sum = this.sums.get(layer)!;
      sum.forward += nfe.forward;
      sum.backward += nfe.backward;
      perLayer[layer.name] = nfe;
    }
    this.batches++;
    this.options.onBatch?.(batch, perLayer);
  }

  /**
   * Logs the mean NFE per batch of each ODE layer and adds the totals to `logs`.
   * @param epoch - the epoch's 0-based index (from tfjs); the logged line counts from 1.
   * @param logs - the epoch's logs; when present, `nfeForward` and `nfeBackward` (means per batch summed over the ODE
   *   layers) are added to them.
   */
  override async onEpochEnd(epoch: number, logs?: UnresolvedLogs): Promise<void> {
    const n = Math.max(1, this.batches);
    let forward = 0;
    let backward = 0;
    const parts: string[] = [];
    for (const [layer, sum] of this.sums) {
      forward += sum.forward / n;
      backward += sum.backward / n;
      parts.push(`${layer.name} forward ${(sum.forward / n).toFixed(1)}, backward ${(sum.backward / n).toFixed(1)}`);
    }
    if (logs !== undefined) {
      logs.nfeForward = forward;
      logs.nfeBackward = backward;
    }
    const log = this.options.log === undefined ? console.log : this.options.log;
    if (log !== false) log(`epoch ${epoch + 1}: NFE per batch (${this.batches} batches): ${parts.join('; ')}`);
  }
}

/**
 * A {@link NfeLogger}: `model.fit(x, y, { callbacks: [nfeLogger()] })`.
 * @param options - `log` (where each epoch's line goes; default `console.log`) and `onBatch` (called after each batch
 *   with the NFE of every ODE layer).
 */
export function nfeLogger(options?: NfeLoggerOptions): NfeLogger {
  return new NfeLogger(options);
}
