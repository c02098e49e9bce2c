import type { LrSchedule } from './config';

/**
 * The learning rate of a 1-based `epoch` under `schedule`: `lr · gamma^floor((epoch-1)/every)` for a step schedule
 * (PyTorch's `StepLR` stepped once per epoch), `lr` otherwise. A function of the epoch alone, so a resumed run gets
 * the same rate without extra state.
 */
export function learningRateAt(lr: number, schedule: LrSchedule, epoch: number): number {
  if (schedule.type === 'none') return lr;
  return lr * Math.pow(schedule.gamma, Math.floor((epoch - 1) / schedule.every));
}
