import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The folder under which downloaded datasets are cached: `NEURAL_ODE_DATA` if set, else the platform's cache
 * folder (`$XDG_CACHE_HOME` or `~/.cache` on Linux and other Unixes, `~/Library/Caches` on macOS,
 * `%LOCALAPPDATA%` on Windows) + `neural-ode/datasets`. Each dataset gets a subfolder named after it.
 * @param env - the environment to read `NEURAL_ODE_DATA`, `XDG_CACHE_HOME` and `LOCALAPPDATA` from (default: the
 *   process's).
 * @param platform - the platform whose convention to follow (default: this one).
 * @param home - the home folder (default: the user's).
 */
export function defaultCacheRoot(
  env: Record<string, string | undefined> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.NEURAL_ODE_DATA) return env.NEURAL_ODE_DATA;
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA || join(home, 'AppData', 'Local');
    return join(base, 'neural-ode', 'datasets');
  }
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'neural-ode', 'datasets');
  const base = env.XDG_CACHE_HOME || join(home, '.cache');
  return join(base, 'neural-ode', 'datasets');
}
