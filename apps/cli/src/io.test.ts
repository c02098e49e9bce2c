import { describe, expect, it } from 'vitest';
import { userWorkingDirectory } from './io';

describe('userWorkingDirectory', () => {
  const script = { INIT_CWD: '/home/me/work', npm_lifecycle_event: 'neural-ode', npm_package_json: '/repo/package.json' };

  it('is where `pnpm neural-ode` was typed, not the workspace root pnpm runs the script in', () => {
    expect(userWorkingDirectory(script, '/repo')).toBe('/home/me/work');
  });

  it('is the process\'s own directory otherwise', () => {
    expect(userWorkingDirectory({}, '/somewhere')).toBe('/somewhere');
    // Another script (a test run) that spawned the CLI elsewhere, or a process that only inherited the variables.
    expect(userWorkingDirectory({ ...script, npm_lifecycle_event: 'test' }, '/repo')).toBe('/repo');
    expect(userWorkingDirectory(script, '/tmp/e2e')).toBe('/tmp/e2e');
    expect(userWorkingDirectory({ ...script, INIT_CWD: 'relative' }, '/repo')).toBe('/repo');
  });
});
