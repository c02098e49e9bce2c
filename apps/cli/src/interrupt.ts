import type { TrainEvent } from '@neural-ode/trainer';
import { EXIT } from './errors';

/**
 * What the running command would lose if it stopped this instant, kept up to date by the command (a training run
 * notes its last checkpoint) so that a second Ctrl-C can say it before exiting.
 */
export interface InterruptNotes {
  /** One sentence, e.g. "the steps since the checkpoint of epoch 3 are lost; continue with: ...". */
  lost?: string;
}

/** What the first Ctrl-C does, for commands that stop gracefully (the others stop at once). */
const GRACEFUL: Readonly<Record<string, string>> = {
  train: 'finishing the current step, then writing a checkpoint and stopping',
  spiral: 'finishing the current iteration, then writing the plot, the result and the learned weights',
};

/** Whether a command (after the reference scripts are expanded) stops gracefully on the first Ctrl-C. */
export function stopsGracefullyByName(command: string | undefined): boolean {
  return command !== undefined && command in GRACEFUL;
}

/** How the process is interrupted: where to write, how to ask the command to stop, how to exit. */
export interface InterruptTarget {
  /** The command being run (`train`, `spiral`, `datasets`, ...). */
  command: string | undefined;
  notes: InterruptNotes;
  stderr: (text: string) => void;
  /** Asks the command to stop gracefully (aborts its signal). */
  stop: () => void;
  /**
   * Removes this handler, so that the next Ctrl-C takes the default action: the process ends at once, even in the
   * middle of a training step (a JavaScript handler would only run after the step, and the checkpoint, are done).
   */
  detach: () => void;
  /** Ends the process now (for a Ctrl-C that still reaches the handler). */
  exit: (code: number) => void;
}

/**
 * The SIGINT handler of the `neural-ode` bin, for `train` and `spiral` (see {@link stopsGracefullyByName}; other
 * commands keep the default action and end at once). The first Ctrl-C asks the command to stop at the next step
 * boundary, writing what it has, and says what a second Ctrl-C would do instead: end the process at once, losing
 * what {@link InterruptNotes} says. A second Ctrl-C then takes the default action (exit status 130).
 */
export function interruptHandler(target: InterruptTarget): () => void {
  let count = 0;
  return () => {
    count += 1;
    const graceful = target.command !== undefined ? GRACEFUL[target.command] : undefined;
    const lost = target.notes.lost ?? `what ${target.command ?? 'the command'} did since it started is not written`;
    if (graceful && count === 1) {
      target.stderr(`\ninterrupt: ${graceful}.\n  Ctrl-C again stops at once: ${lost}\n`);
      target.detach();
      target.stop();
      return;
    }
    target.stderr(`\ninterrupt: stopping now: ${lost}\n`);
    target.exit(EXIT.interrupted);
  };
}

/** An `onEvent` that keeps `notes` saying what a second Ctrl-C would lose at this point of the run. */
export function trainInterruptNotes(notes: InterruptNotes): (e: TrainEvent) => void {
  let resume = '';
  notes.lost = 'no training step has run yet (the data and the model were still loading), so nothing is lost';
  return (e) => {
    if (e.type === 'start') {
      resume = `'neural-ode train --resume ${e.runDir}'`;
      notes.lost =
        e.epoch > 1 || e.step > 0
          ? `the training since the run's last checkpoint is lost; ${resume} continues from that checkpoint`
          : `no checkpoint is written yet, so ${resume} starts the run again from epoch 1`;
    } else if (e.type === 'checkpoint') {
      const at = e.step > 0 ? `epoch ${e.epoch + 1}, step ${e.step}` : `the end of epoch ${e.epoch}`;
      notes.lost = `the steps since the checkpoint at ${at} are lost; ${resume} continues from it`;
    }
  };
}
