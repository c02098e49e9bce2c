import type { TrainEvent } from '@neural-ode/trainer';
import { describe, expect, it } from 'vitest';
import { interruptHandler, trainInterruptNotes, type InterruptNotes } from './interrupt';
import { commandOf, stopsGracefully } from './main';

/** The bin's SIGINT handler for `command`, with what it wrote, whether it asked to stop, detached and exited. */
function handler(command: string | undefined, notes: InterruptNotes = {}) {
  const seen = { stderr: '', stopped: 0, detached: 0, exits: [] as number[] };
  const onSigint = interruptHandler({
    command,
    notes,
    stderr: (t) => (seen.stderr += t),
    stop: () => (seen.stopped += 1),
    detach: () => (seen.detached += 1),
    exit: (code) => void seen.exits.push(code),
  });
  return { onSigint, seen };
}

describe('Ctrl-C', () => {
  it('train: the first asks for a checkpoint and says what a second one would lose, then leaves it to the default action', () => {
    const notes: InterruptNotes = { lost: 'the steps since the checkpoint at the end of epoch 3 are lost' };
    const { onSigint, seen } = handler('train', notes);
    onSigint();
    expect(seen).toMatchObject({ stopped: 1, detached: 1, exits: [] });
    expect(seen.stderr).toBe(
      '\ninterrupt: finishing the current step, then writing a checkpoint and stopping.\n' +
        '  Ctrl-C again stops at once: the steps since the checkpoint at the end of epoch 3 are lost\n',
    );
  });

  it('a second Ctrl-C that still reaches the handler exits 130 at once, saying what is lost', () => {
    const notes: InterruptNotes = {};
    const { onSigint, seen } = handler('spiral', notes);
    onSigint();
    expect(seen.stderr).toContain('writing the plot, the result and the learned weights');
    notes.lost = 'the plot is not written';
    onSigint();
    expect(seen).toMatchObject({ stopped: 1, exits: [130] });
    expect(seen.stderr).toContain('\ninterrupt: stopping now: the plot is not written\n');
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
