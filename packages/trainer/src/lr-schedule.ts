import type { LrSchedule } from './config';

/**
 * The learning rate of a 1-based `epoch` under `schedule`: `lr · gamma^floor((epoch-1)/every)` for a step schedule
 * (PyTorch's `StepLR` stepped once per epoch), `lr` otherwise. A function of the epoch alone, so a resumed run gets
 * the same rate without extra state.
 * @param lr - the base learning rate (the run's `lr`), the rate of epoch 1.
 * @param schedule - the run's `lrSchedule`: `{ type: 'none' }` or `{ type: 'step', every, gamma }`.
 * @param epoch - the epoch, counted from 1.
 */
export function learningRateAt(lr: number, schedule: LrSchedule, epoch: number): number {
  if (schedule.type === 'none') return lr;
  return lr * Math.pow(schedule.gamma, Math.floor((epoch - 1) / schedule.every));
}
