import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCacheRoot } from './cache-dir';

describe('defaultCacheRoot', () => {
  it('prefers NEURAL_ODE_DATA on every platform', () => {
    expect(defaultCacheRoot({ NEURAL_ODE_DATA: '/data/x', XDG_CACHE_HOME: '/c' }, 'linux', '/home/u')).toBe('/data/x');
    expect(defaultCacheRoot({ NEURAL_ODE_DATA: 'D:\\d' }, 'win32', 'C:\\Users\\u')).toBe('D:\\d');
  });

  it('uses the platform cache folder otherwise', () => {
    expect(defaultCacheRoot({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u')).toBe(join('/xdg', 'neural-ode', 'datasets'));
    expect(defaultCacheRoot({}, 'linux', '/home/u')).toBe(join('/home/u', '.cache', 'neural-ode', 'datasets'));
    expect(defaultCacheRoot({}, 'darwin', '/Users/u')).toBe(join('/Users/u', 'Library', 'Caches', 'neural-ode', 'datasets'));
    expect(defaultCacheRoot({ LOCALAPPDATA: 'C:\\L' }, 'win32', 'C:\\Users\\u')).toBe(join('C:\\L', 'neural-ode', 'datasets'));
  });
});
