import type { TrainEvent } from '@neural-ode/trainer';
import { describe, expect, it } from 'vitest';
import { interruptHandler, trainInterruptNotes, type InterruptNotes } from './interrupt';
import { commandOf, stopsGracefully } from './main';

/** The bin's SIGINT handler for `command`, with what it wrote, whether it asked to stop and how it exited. */
function handler(command: string | undefined, notes: InterruptNotes = {}) {
  const seen = { stderr: '', stopped: 0, exits: [] as number[] };
  const onSigint = interruptHandler({
    command,
    notes,
    stderr: (t) => (seen.stderr += t),
    stop: () => (seen.stopped += 1),
    exit: (code) => void seen.exits.push(code),
  });
  return { onSigint, seen };
}

describe('Ctrl-C', () => {
  it('train: the first asks for a checkpoint, the second exits 130 saying what is lost', () => {
    const notes: InterruptNotes = {};
    const { onSigint, seen } = handler('train', notes);
    onSigint();
    expect(seen).toMatchObject({ stopped: 1, exits: [] });
    expect(seen.stderr).toMatch(/interrupt: finishing the current step, then writing a checkpoint and stopping \(Ctrl-C again to stop at once/);
    notes.lost = 'the steps since the checkpoint at the end of epoch 3 are lost';
    onSigint();
    expect(seen.exits).toEqual([130]);
    expect(seen.stopped).toBe(1);
    expect(seen.stderr).toContain('interrupt: stopping now: the steps since the checkpoint at the end of epoch 3 are lost\n');
  });

  it('spiral: graceful first, then a hard stop that says the outputs are not written', () => {
    const { onSigint, seen } = handler('spiral');
    onSigint();
    onSigint();
    expect(seen.stopped).toBe(1);
    expect(seen.exits).toEqual([130]);
    expect(seen.stderr).toContain('writing the plot, the result');
    expect(seen.stderr).toContain('stopping now: what spiral did since it started is not written');
  });

  it('other commands stop at the first', () => {
    const { onSigint, seen } = handler('datasets');
    onSigint();
    expect(seen).toMatchObject({ stopped: 0, exits: [130] });
    expect(seen.stderr).toBe('\ninterrupt: stopping now\n');
  });

  it('knows the command of reference-script command lines', () => {
    expect(commandOf(['./experiments/train.py', '--data', 'mnist'])).toBe('train');
    expect(commandOf(['--help'])).toBeUndefined();
    expect(stopsGracefully(['spiral'])).toBe(true);
    expect(stopsGracefully(['plot', 'runs/a'])).toBe(false);
  });

  it('a training run keeps the notes up to date: before the data, from the start, after each checkpoint', () => {
    const notes: InterruptNotes = {};
    const onEvent = trainInterruptNotes(notes);
    expect(notes.lost).toContain('no training step has run yet');
    onEvent({ type: 'start', runDir: '/runs/a', epoch: 1, step: 0 } as TrainEvent);
    expect(notes.lost).toBe("no checkpoint is written yet, so 'neural-ode train --resume /runs/a' starts the run again from epoch 1");
    onEvent({ type: 'checkpoint', path: '/runs/a/checkpoints/epoch-0002.safetensors', epoch: 2, step: 0 });
    expect(notes.lost).toBe("the steps since the checkpoint at the end of epoch 2 are lost; 'neural-ode train --resume /runs/a' continues from it");
    onEvent({ type: 'checkpoint', path: '/runs/a/checkpoints/epoch-0003-step-000004.safetensors', epoch: 2, step: 4 });
    expect(notes.lost).toContain('the checkpoint at epoch 3, step 4 are lost');
    const resumed: InterruptNotes = {};
    trainInterruptNotes(resumed)({ type: 'start', runDir: '/runs/b', epoch: 3, step: 0 } as TrainEvent);
    expect(resumed.lost).toContain("since the run's last checkpoint is lost; 'neural-ode train --resume /runs/b' continues");
  });
});
