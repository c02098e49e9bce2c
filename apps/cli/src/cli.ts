#!/usr/bin/env node
// The `neural-ode` bin: runs `main` on the process's arguments. The first Ctrl-C asks a training run (or the
// spiral) to finish its step, write a checkpoint and exit 130; a second Ctrl-C, or the first one during any other
// command, exits 130 at once.
import { EXIT } from './errors';
import { main, stopsGracefully } from './main';

const argv = process.argv.slice(2);
const controller = new AbortController();
const graceful = stopsGracefully(argv);
process.on('SIGINT', () => {
  if (!graceful || controller.signal.aborted) process.exit(EXIT.interrupted);
  process.stderr.write('\ninterrupt: finishing the current step and writing a checkpoint (Ctrl-C again to stop now)\n');
  controller.abort();
});

main(argv, { signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`neural-ode: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failure;
  },
);
