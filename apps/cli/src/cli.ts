#!/usr/bin/env node
// The `neural-ode` bin: runs `main` on the process's arguments. The first Ctrl-C asks a training run (or the
// spiral) to finish its step, write what it has and exit 130; a second Ctrl-C, or the first one during any other
// command, exits 130 at once, saying what that loses (see interruptHandler).
import { EXIT } from './errors';
import { interruptHandler, type InterruptNotes } from './interrupt';
import { commandOf, main } from './main';

const argv = process.argv.slice(2);
const controller = new AbortController();
const interruptNotes: InterruptNotes = {};
process.on(
  'SIGINT',
  interruptHandler({
    command: commandOf(argv),
    notes: interruptNotes,
    stderr: (text) => void process.stderr.write(text),
    stop: () => controller.abort(),
    exit: (code) => process.exit(code),
  }),
);

main(argv, { signal: controller.signal, interruptNotes }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`neural-ode: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failure;
  },
);
