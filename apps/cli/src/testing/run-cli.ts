import { main } from '../main';
import type { CliIO } from '../io';

/** What one in-process `neural-ode` run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main(argv)` in-process with captured output (not a terminal unless `io.isTTY`). */
export async function runCli(argv: string[], io: Partial<CliIO> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    isTTY: false,
    ...io,
  });
  return { code, stdout, stderr };
}
