#!/usr/bin/env node
// The `neural-ode` bin: runs `main` on the process's arguments. The first Ctrl-C asks a training run (or the
// spiral) to finish its step, write what it has and exit 130, and says what a second Ctrl-C would lose; the second
// one, or the first during any other command, ends the process at once (exit status 130). See interruptHandler.
import { EXIT } from './errors';
import { interruptHandler, type InterruptNotes } from './interrupt';
import { commandOf, main, stopsGracefully } from './main';

const argv = process.argv.slice(2);
const controller = new AbortController();
const interruptNotes: InterruptNotes = {};
const command = commandOf(argv);
// Other commands keep SIGINT's default action: Ctrl-C ends them at once, even in the middle of a computation.
if (stopsGracefully(argv)) {
  const onSigint = interruptHandler({
    command,
    notes: interruptNotes,
    stderr: (text) => void process.stderr.write(text),
    stop: () => controller.abort(),
    detach: () => void process.removeListener('SIGINT', onSigint),
    exit: (code) => process.exit(code),
  });
  process.on('SIGINT', onSigint);
}

main(argv, { signal: controller.signal, interruptNotes }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`neural-ode: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failure;
  },
);
