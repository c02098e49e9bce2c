import { OdeintError, show } from './errors';

/**
 * Checks the requested output times: at least one, finite, strictly increasing or strictly decreasing.
 * Returns them as float64 and the direction of integration (+1 or −1).
 */
export function checkTimes(fn: string, ts: ArrayLike<number>): { ts: Float64Array; direction: 1 | -1 } {
  if (ts == null || typeof ts.length !== 'number' || ts.length < 1) {
    throw new OdeintError('ts', `${fn}: ts = ${show(ts)} must be a non-empty array of times. Fix: pass e.g. [0, 1].`);
  }
  const t = Float64Array.from(ts as ArrayLike<number>);
  for (let i = 0; i < t.length; i++) {
    if (!Number.isFinite(t[i])) {
      throw new OdeintError('ts', `${fn}: ts[${i}] = ${show(ts[i])} is not a finite number. Fix: pass finite times.`);
    }
  }
  const direction = t.length > 1 && t[1] < t[0] ? -1 : 1;
  for (let i = 1; i < t.length; i++) {
    const step = direction * (t[i] - t[i - 1]);
    if (!(step > 0)) {
      const kind = step === 0 ? 'a duplicate' : 'out of order';
      throw new OdeintError(
        'ts',
        `${fn}: ts must be strictly ${direction > 0 ? 'increasing' : 'decreasing'}, but ts[${i - 1}] = ${t[i - 1]} and ts[${i}] = ${t[i]} (${kind}). ` +
          'Fix: sort the times and remove duplicates.',
      );
    }
  }
  return { ts: t, direction };
}
