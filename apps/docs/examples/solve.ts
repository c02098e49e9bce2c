// A harmonic oscillator y'' = -y as a first-order system, on plain float64 arrays (no tensors involved).
import { odeint } from '@neural-ode/odeint';

const sol = odeint(
  (t: number, y: Float64Array) => [y[1], -y[0]], // dy/dt = f(t, y)
  [1, 0], // y(0)
  [0, Math.PI / 2, Math.PI], // the times you want the state at
  { method: 'dopri5', rtol: 1e-8, atol: 1e-10 },
);

console.log(sol.ys[2]); // ≈ Float64Array [-1, 0]: half a period later
console.log(sol.stats); // { nfe, nAccepted, nRejected, ... }
