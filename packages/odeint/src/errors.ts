/**
 * The error every bad input or failed solve throws. `argument` names what was wrong (`options.rtol`,
 * `ts`, `y0`, `f`); the message also says the value and how to fix it.
 */
export class OdeintError extends Error {
  /** The argument or option at fault (`options.method`, `ts`, …). */
  readonly argument: string;
  /**
   * An error about `argument`, with the full `message`.
   * @param argument - the argument or option at fault, e.g. `options.rtol`, `ts`, `y0` or `f` (kept as `argument`).
   * @param message - the whole message: what was wrong, the value given and how to fix it.
   */
  constructor(argument: string, message: string) {
    super(message);
    this.name = 'OdeintError';
    this.argument = argument;
  }
}

/** Short printable form of a value for error messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const arr = Array.from(value as ArrayLike<unknown>);
    const head = arr.slice(0, 6).map(show).join(', ');
    return `[${head}${arr.length > 6 ? `, … (${arr.length} values)` : ''}]`;
  }
  if (typeof value === 'function') return 'a function';
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Why a solve that started with valid arguments stopped. */
export type SolveFailure = 'max-steps' | 'step-underflow' | 'non-finite-state' | 'f-threw' | 'inaccurate-gradient';

/**
 * A solve failed part-way (the arguments were valid): too many steps, the step size underflowed, the state
 * became NaN or Inf, or `f` threw (its exception is `cause`). `t` is where it happened, `h` the step being tried.
 * `inaccurate-gradient`: a backsolve gradient's backward solve did not reconstruct the forward state at `t`.
 */
export class SolveError extends Error {
  /** What went wrong. */
  readonly reason: SolveFailure;
  /** The time at which the solve stopped. */
  readonly t: number;
  /** The (signed) step size being attempted then. */
  readonly h: number;
  /**
   * A failed solve, stopped at `t` while trying a step of `h`.
   * @param reason - what went wrong: `max-steps`, `step-underflow`, `non-finite-state`, `f-threw` or
   *   `inaccurate-gradient`.
   * @param t - the time at which the solve stopped.
   * @param h - the signed step size being attempted at `t` (negative for a backward solve).
   * @param message - the whole message, with the time, step and how to fix it.
   * @param options - `cause`: the exception `f` threw (for `f-threw`), passed on to `Error`; absent otherwise.
   */
  constructor(reason: SolveFailure, t: number, h: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SolveError';
    this.reason = reason;
    this.t = t;
    this.h = h;
  }
}
