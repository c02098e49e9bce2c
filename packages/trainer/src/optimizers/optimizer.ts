import * as tf from '@tensorflow/tfjs-core';

/** A parameter an optimizer updates: a variable under a stable name (the model's `state_dict` key). */
export interface OptimizerParam {
  name: string;
  variable: tf.Variable;
}

/**
 * The serialisable state of an optimizer: its step count and, per parameter, its slot tensors as plain arrays
 * keyed `${paramName}.${slot}` (e.g. `fc.weight.momentum_buffer`, `fc.weight.exp_avg`).
 */
export interface OptimizerState {
  /** Which optimizer wrote it. */
  kind: 'sgd' | 'adam' | 'rmsprop';
  /** Updates applied so far. */
  step: number;
  /** Slot tensors with their shapes and float32 values. */
  slots: Record<string, { shape: number[]; values: Float32Array }>;
}

/** An optimizer with PyTorch's update rules whose state can be checkpointed and restored exactly. */
export interface Optimizer {
  /** Which optimizer it is. */
  readonly kind: OptimizerState['kind'];
  /**
   * Applies one update with learning rate `lr`; `grads` maps parameter names to gradients (missing: no update).
   * @param grads - parameter name → gradient, shaped like the parameter; a parameter without one is not updated.
   * @param lr - the learning rate of this step.
   */
  step(grads: Record<string, tf.Tensor>, lr: number): void;
  /** A copy of the state (step count and slot tensors). */
  getState(): OptimizerState;
  /**
   * Restores a state from {@link Optimizer.getState}; shapes must match the parameters.
   * @param state - what `getState()` returned (or a checkpoint read back): the same kind, slots shaped like the parameters.
   */
  setState(state: OptimizerState): void;
  /** Frees the slot tensors. */
  dispose(): void;
}

/**
 * Shared bookkeeping of the optimizers: named slot variables created lazily per parameter, and state
 * (de)serialisation. Each optimizer supplies only its update rule.
 */
export abstract class SlottedOptimizer implements Optimizer {
  abstract readonly kind: OptimizerState['kind'];
  protected stepCount = 0;
  protected readonly slots = new Map<string, tf.Variable>();
  protected readonly params: Map<string, tf.Variable>;

  constructor(params: OptimizerParam[], protected readonly slotNames: readonly string[]) {
    this.params = new Map();
    for (const p of params) {
      if (this.params.has(p.name)) throw new Error(`optimizer: parameter name '${p.name}' appears twice: names must be unique`);
      this.params.set(p.name, p.variable);
    }
  }

  /**
   * The update of one parameter: assigns new values to `param` and its `slots` (`fresh`: the slots were just created
   * as zeros). Runs inside `tf.tidy`.
   */
  protected abstract update(
    param: tf.Variable,
    grad: tf.Tensor,
    slots: Record<string, tf.Variable>,
    lr: number,
    step: number,
    fresh: boolean,
  ): void;

  /** {@inheritDoc Optimizer.step} */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`optimizer.step: lr ${lr} is not a finite number >= 0`);
    this.stepCount += 1;
    const step = this.stepCount;
    for (const [name, param] of this.params) {
      const grad = grads[name];
      if (!grad) continue;
      const slots: Record<string, tf.Variable> = {};
      const fresh = this.slotNames.length > 0 && !this.slots.has(`${name}.${this.slotNames[0]}`);
      for (const slot of this.slotNames) slots[slot] = this.slot(name, slot, param);
      tf.tidy(() => this.update(param, grad, slots, lr, step, fresh));
    }
  }

  private slot(name: string, slot: string, param: tf.Variable): tf.Variable {
    const key = `${name}.${slot}`;
    let v = this.slots.get(key);
    if (!v) {
      // tf.variable shares the initial value's data: free the initial tensor, keep the variable.
      v = tf.tidy(() => tf.variable(tf.zerosLike(param), false));
      this.slots.set(key, v);
    }
    return v;
  }

  getState(): OptimizerState {
    const slots: OptimizerState['slots'] = {};
    for (const [key, v] of this.slots) slots[key] = { shape: [...v.shape], values: v.dataSync() as Float32Array };
    return { kind: this.kind, step: this.stepCount, slots };
  }

  /** {@inheritDoc Optimizer.setState} */
  setState(state: OptimizerState): void {
    if (state.kind !== this.kind) {
      throw new Error(`optimizer.setState: state is for '${state.kind}', this optimizer is '${this.kind}': use the same --optimizer as the checkpoint`);
    }
    const problems: string[] = [];
    for (const [key, slot] of Object.entries(state.slots)) {
      const dot = key.lastIndexOf('.');
      const name = key.slice(0, dot);
      const param = this.params.get(name);
      if (!param || !this.slotNames.includes(key.slice(dot + 1))) problems.push(`unknown slot '${key}'`);
      else if (param.shape.join(',') !== slot.shape.join(',')) problems.push(`slot '${key}' has shape [${slot.shape}], parameter has [${param.shape}]`);
    }
    if (problems.length) throw new Error(`optimizer.setState: the state does not fit this model:\n  ${problems.join('\n  ')}`);
    this.dispose();
    for (const [key, slot] of Object.entries(state.slots)) {
      this.slots.set(key, tf.tidy(() => tf.variable(tf.tensor(slot.values, slot.shape, 'float32'), false)));
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }
}
