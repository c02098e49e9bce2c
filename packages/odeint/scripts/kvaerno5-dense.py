#!/usr/bin/python3
"""Derives the 4th-order continuous extension of kvaerno5 printed into src/stiff/kvaerno5.ts (`dense`).

Run: /usr/bin/python3 packages/odeint/scripts/kvaerno5-dense.py   (numpy; a second)

The interpolant is y(θ) = y0 + Σ_i b_i(θ) z_i over the step's 7 stages (z_i = h f(t0 + c_i h, Y_i)), with
b_i(θ) = Σ_{k=1..4} β_ik θ^k. The 28 coefficients are fixed by linear conditions, for every power of θ:
  - the order conditions of the 8 rooted trees of order <= 4 (so y(θ) has local error O(h^5) at every θ; the cubic
    Hermite it replaces has O(h^4), and on Robertson at rtol 1e-4 it missed the solution between steps by up to 12x
    the tolerance);
  - stiff boundedness: on y' = λy with hλ -> -∞ each stage tends to Y_i∞ y0 (an O(1) limit, so z_i grows like hλ), and
    Σ_i b_i(θ) Y_i∞ = 0 keeps y(θ) bounded there;
  - the stiff limit itself, y(θ) -> (1 − θ)^4 y0 (from Y_i = Y_i∞ + W_i/(hλ) + ...: Σ_i b_i(θ) W_i = (1 − θ)^4 − 1),
    decaying monotonically to the step's end value 0 (L-stability);
  - b(1) = the last row of A, so y(1) is the step's solution (stiffly accurate).
These 47 conditions (the order conditions at θ = 1 repeat the method's own) have rank 28 and one solution; the residual is printed (~1e-13). The script also prints the
largest |R(θ, z)| over θ in [0, 1] and z on the negative real axis (<= 1) and the order-5 residual (the leading error).
"""
import re
from pathlib import Path

import numpy as np

TABLEAU = Path(__file__).resolve().parent.parent / 'src' / 'stiff' / 'kvaerno5.ts'


def read_tableau():
  src = TABLEAU.read_text()
  gamma = float(re.search(r'const gamma = ([0-9.e-]+);', src).group(1))
  c_text = re.search(r'\n  c: \[(.*?)\],', src).group(1).replace('2 * gamma', repr(2 * gamma))
  c = np.array([float(v) for v in c_text.split(',')])
  a_text = re.search(r'\n  a: \[\n(.*?)\n  \],', src, re.S).group(1)
  rows = [[float(v) for v in row.split(',') if v.strip()] for row in re.findall(r'\[(.*?)\]', a_text.replace('gamma', repr(gamma)))]
  s = len(c)
  A = np.zeros((s, s))
  for i, row in enumerate(rows):
    A[i, :i] = row
    if i > 0:
      A[i, i] = gamma
  return gamma, c, A


def main():
  gamma, c, A = read_tableau()
  s, K = len(c), 4
  b = A[-1].copy()
  # Stiff limits of the stages on y' = λy (y0 = 1), z = hλ -> ∞: Y = Yinf + W / z + O(1/z²).
  Yinf, W = np.zeros(s), np.zeros(s)
  Yinf[0] = 1
  for i in range(1, s):
    Yinf[i] = -(A[i, :i] @ Yinf[:i]) / gamma
    W[i] = (Yinf[i] - 1 - A[i, :i] @ W[:i]) / gamma
  Ac = A @ c
  trees = [(np.ones(s), 1, 1), (c, 2, 2), (c**2, 3, 3), (Ac, 3, 6), (c**3, 4, 4), (c * Ac, 4, 8), (A @ c**2, 4, 12), (A @ Ac, 4, 24)]
  rows, rhs = [], []

  def condition(vec, k, value):  # Σ_i β_ik vec_i = value
    m = np.zeros((s, K))
    m[:, k - 1] = vec
    rows.append(m.ravel())
    rhs.append(value)

  limit = [-4, 6, -4, 1]  # (1 − θ)^4 − 1
  for k in range(1, K + 1):
    for vec, order, density in trees:
      condition(vec, k, 1 / density if k == order else 0)
    condition(Yinf, k, 0)
    condition(W, k, limit[k - 1])
  for i in range(s):
    m = np.zeros((s, K))
    m[i, :] = 1
    rows.append(m.ravel())
    rhs.append(b[i])
  M, r = np.array(rows), np.array(rhs)
  beta, *_ = np.linalg.lstsq(M, r, rcond=None)
  print(f'// conditions {M.shape[0]}, rank {np.linalg.matrix_rank(M)}, unknowns {M.shape[1]}, residual {np.abs(M @ beta - r).max():.1e}')
  beta = beta.reshape(s, K)

  def R(theta, z):
    Y = np.zeros(s)
    Y[0] = 1
    for i in range(1, s):
      Y[i] = (1 + z * (A[i, :i] @ Y[:i])) / (1 - gamma * z)
    return 1 + (beta @ theta ** np.arange(1, K + 1)) @ (z * Y)

  worst = max(abs(R(t, z)) for t in np.linspace(0, 1, 41) for z in -np.logspace(-3, 9, 97))
  trees5 = [(c**4, 5), (c**2 * Ac, 10), (c * (A @ c**2), 15), (c * (A @ Ac), 30), (Ac * Ac, 20), (A @ c**3, 20), (A @ (c * Ac), 40), (A @ (A @ c**2), 60), (A @ (A @ Ac), 120)]
  residual5 = max(abs((beta @ t ** np.arange(1, K + 1)) @ v - t**5 / d) for t in np.linspace(0, 1, 21) for v, d in trees5)
  print(f'// max |R(θ, z)| on θ in [0, 1], z <= 0: {worst:.6f}; order-5 residual: {residual5:.2e}')
  print('  dense: [')
  for row in beta:
    print('    [' + ', '.join(repr(float(v)) for v in row) + '],')
  print('  ],')


if __name__ == '__main__':
  main()
