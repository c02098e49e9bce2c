#!/usr/bin/python3
"""Derives the 7th-order continuous extension of dopri8 (RK8(7)13M) printed into src/tableaus/dopri8.ts.

Run: /usr/bin/python3 packages/odeint/scripts/dopri8-dense.py   (numpy, scipy, mpmath; a few minutes)

The 14 stages of the step (13 + the FSAL stage f(t1, y1)) admit continuous extensions y0 + h Σ b_i(θ) k_i of order 5 at
most (the order conditions up to order 6 are inconsistent; checked below at θ = 1/4, 1/2, 3/4). Three extra stages

    k_j = f(t0 + c_j h, y0 + h Σ_i a_j[i] K_i),   K = the 14 stages, then the earlier extra stages,

are chosen so that the Butcher order conditions of every rooted tree of order <= 7 can be met by weights b(θ) over the 17
stages for every θ. In matrix form: with Φ the 85 x 17 matrix of elementary weights (trees of order <= 7 by stages) and
r_n the vector 1/γ(t) on the trees of order n (0 elsewhere), each r_n (n = 1..7) must lie in the span of Φ's columns;
then b(θ) = Σ_n θ^n β_n with Φ β_n = r_n. The extra rows start from the order-5 extension at c_j (Enright's bootstrap)
and a Gauss–Newton iteration (float64, then 50-digit mpmath) moves them onto that set (variable projection: the residual
is the part of the r_n outside the span). The β_n are then fixed up to the one null vector of Φ; its coefficients are
chosen so that b(0) = 0, b'(0) = e_0 (f0), b(1) = b (y1), b'(1) = e_13 (f1), and, among those, to make the order-8
residuals (the interpolant's leading error) smallest over θ in [0, 1]. Every condition is then checked in 50-digit
arithmetic: they hold to within 1e-13 (not exactly: dopri8's rational coefficients meet their own order conditions only
to ~1e-18, and the small singular values of Φ magnify that).

Output: c_j and a_j of the extra stages, and b(θ) as θ (b + (1 − θ) q(θ)) with q of degree 5, as TypeScript.
"""
import re
import sys
from functools import lru_cache
from pathlib import Path

import mpmath as mp
import numpy as np
from scipy.optimize import least_squares

mp.mp.dps = 50
TABLEAU = Path(__file__).resolve().parent.parent / 'src' / 'tableaus' / 'dopri8.ts'
# Where the bootstrap evaluates the order-5 extension for the three extra stages; the final nodes c_j are the row sums
# the iteration ends at (these starting points lead to a consistent set; others may stall in a local minimum).
C_START = [float(x) for x in (sys.argv[1:4] if len(sys.argv) >= 4 else ['0.623', '0.293', '0.087'])]


def read_tableau():
    """c, a (with the FSAL row) and b of dopri8.ts, as exact rationals turned into 50-digit numbers."""
    src = TABLEAU.read_text()

    def num(s):
        s = s.strip()
        if '/' in s:
            p, q = s.split('/')
            return mp.mpf(int(p)) / int(q)
        return mp.mpf(s)

    def nums(s):
        return [num(x) for x in s.split(',') if x.strip()]

    b = nums(re.search(r'const b = \[(.*?)\];', src, re.S).group(1))
    c = nums(re.search(r'  c: \[(.*?)\],', src, re.S).group(1))
    rows = re.search(r'  a: \[\n(.*?)    b\.slice', src, re.S).group(1)
    a = [nums(m) for m in re.findall(r'\[(.*?)\]', rows)] + [b[:13]]
    assert len(c) == 14 and len(a) == 14 and all(len(r) == i for i, r in enumerate(a)), 'unexpected dopri8.ts layout'
    return c, a, b


@lru_cache(None)
def trees(n):
    """Rooted trees with n nodes, each a sorted tuple of (order, subtree) children."""
    if n == 1:
        return [()]

    def forests(rem, largest):
        if rem == 0:
            yield ()
            return
        for k in range(rem, 0, -1):
            for t in trees(k):
                if largest is not None and (k, t) > largest:
                    continue
                for rest in forests(rem - k, (k, t)):
                    yield ((k, t),) + rest

    return sorted({tuple(sorted(f)) for f in forests(n - 1, None)})


def order(t):
    return 1 + sum(k for k, _ in t)


@lru_cache(None)
def gamma(t):
    g = order(t)
    for _, s in t:
        g *= gamma(s)
    return g


def tree_list(maxn):
    return [t for n in range(1, maxn + 1) for t in trees(n)]


def elementary_weights(rows, ts, zero, one):
    """Φ[t][i] = Π over the children s of t of (A Φ[s])_i, for each stage i (rows[i] = a_i)."""
    phi = {}
    for t in ts:
        v = [one] * len(rows)
        for _, s in t:
            ps = phi[s]
            v = [v[i] * sum((r[j] * ps[j] for j in range(len(r))), zero) for i, r in enumerate(rows)]
        phi[t] = v
    return [phi[t] for t in ts]


T7 = tree_list(7)
T8 = tree_list(8)
c, A, b = read_tableau()
S = 14
DROP = 8  # the 14 stage columns have rank 13 on trees <= 7: drop one so the 16 kept columns are independent
KEEP = [i for i in range(S + 3) if i != DROP]


def rhs(ts, n, theta=1):
    return [mp.mpf(theta) ** n / gamma(t) if order(t) == n else mp.mpf(0) for t in ts]


def split(x, skip12=False):
    """The three extra rows from the 45 unknowns. With skip12, like the step's stages 3..13 they do not read stages 1
    and 2 (the float64 solution leaves ~1e-15 there; zeroing them in the float iteration makes it stall)."""
    rows = [list(x[:14]), list(x[14:29]), list(x[29:45])]
    if skip12:
        for r in rows:
            r[1] = r[2] = 0 * r[1]
    return rows


# ---- float64: bootstrap the extra rows, then Gauss–Newton onto the consistent set ----------------------------------

Af = [[float(v) for v in r] for r in A]
Rf = np.array([[float(v) for v in rhs(T7, n)] for n in range(1, 8)]).T  # 85 x 7


T7_INDEX = {t: i for i, t in enumerate(T7)}


def phi_f(rows):
    """elementary_weights in float64, vectorised (the Gauss–Newton below calls it thousands of times)."""
    a = np.zeros((len(rows), len(rows)))
    for i, r in enumerate(rows):
        a[i, :len(r)] = r
    out = np.ones((len(T7), len(rows)))
    for k, t in enumerate(T7):
        for _, s in t:
            out[k] *= a @ out[T7_INDEX[s]]
    return out


def residual_f(x):
    rows = Af + split(x)
    P = phi_f(rows)[:, KEEP]
    Q, _ = np.linalg.qr(P)
    out = Rf - Q @ (Q.T @ Rf)
    return out.ravel()


def bootstrap():
    rows = [list(r) for r in Af]
    ords = np.array([order(t) for t in T7])
    for cj in C_START:
        P = phi_f(rows)
        m = ords <= 5
        target = np.array([float(cj) ** order(t) / gamma(t) for t in T7])
        rows.append(list(np.linalg.lstsq(P[m], target[m], rcond=1e-13)[0]))
    return np.concatenate(rows[14:])


x0 = bootstrap()
fit = least_squares(residual_f, x0, xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=4000)
print(f'float64: residual {np.linalg.norm(residual_f(x0)):.2e} (order-5 bootstrap) -> {np.linalg.norm(fit.fun):.2e}', file=sys.stderr)

# ---- 50 digits: Gauss–Newton steps in the row space of the float Jacobian ---------------------------------------------


def residual_mp(x):
    rows = A + split(x, True)
    P = elementary_weights(rows, T7, mp.mpf(0), mp.mpf(1))
    M = mp.matrix([[P[i][j] for j in KEEP] for i in range(len(T7))])
    Q, _ = mp.qr(M, mode='skinny')
    out = []
    for n in range(1, 8):
        r = mp.matrix(rhs(T7, n))
        proj = Q * (Q.T * r)
        out += [r[i] - proj[i] for i in range(len(T7))]
    return out


x = [mp.mpf(float(v)) for v in fit.x]
# The floor is ~1e-15, not 0: dopri8's rational coefficients satisfy its own order conditions only to ~1e-18, and the
# small singular values of Φ (~1e-5) magnify that.
prev = mp.inf
for it in range(8):
    r0 = residual_mp(x)
    norm = mp.sqrt(mp.fsum(v * v for v in r0))
    print(f'mpmath Gauss–Newton {it}: residual {mp.nstr(norm, 3)}', file=sys.stderr)
    if norm < mp.mpf('1e-13') and norm > prev / 10:
        break
    prev = norm
    # Jacobian by forward differences (error ~1e-25), then the minimum-norm step from the eigenvectors of JᵀJ: the
    # directions along the solution set (eigenvalues ~0) are left alone.
    eps = mp.mpf('1e-25')
    J = mp.matrix(len(r0), len(x))
    for k in range(len(x)):
        rk = residual_mp([xi + (eps if i == k else 0) for i, xi in enumerate(x)])
        for i in range(len(r0)):
            J[i, k] = (rk[i] - r0[i]) / eps
    lam, V = mp.eigsy(J.T * J)
    g = J.T * mp.matrix(r0)
    top = max(abs(v) for v in lam)
    step = mp.matrix(len(x), 1)
    for k in range(len(x)):
        if lam[k] > top * mp.mpf('1e-24'):
            vk = V[:, k]
            step -= vk * (mp.fsum(vk[i] * g[i] for i in range(len(x))) / lam[k])
    x = [xi + step[i] for i, xi in enumerate(x)]
extra = split(x, True)
if norm > mp.mpf('1e-13'):
    sys.exit(f'no consistent extra stages found from c = {C_START} (residual {mp.nstr(norm, 3)})')
C_EXTRA = [mp.fsum(r) for r in extra]

# ---- b(θ) = Σ θ^n β_n: particular solutions, one null vector, endpoint conditions, least order-8 error -------------

rows = A + extra
P7 = elementary_weights(rows, T7, mp.mpf(0), mp.mpf(1))
P8 = elementary_weights(rows, T8, mp.mpf(0), mp.mpf(1))
# b(θ) leaves stages 1..4 out, as b does (their weights come out ~1e-11 otherwise: noise of a near-singular solve).
KEEP_B = [j for j in KEEP if not 1 <= j <= 4]
M = mp.matrix([[P7[i][j] for j in KEEP_B] for i in range(len(T7))])
Q, Rm = mp.qr(M, mode='skinny')


def solve_kept(r):
    """The solution of Φ β = r with β_DROP = 0 (exact: r is in the span)."""
    y = mp.lu_solve(Rm, Q.T * mp.matrix(r))
    beta = [mp.mpf(0)] * (S + 3)
    for k, j in enumerate(KEEP_B):
        beta[j] = y[k]
    return beta


null = solve_kept([-P7[i][DROP] for i in range(len(T7))])
null[DROP] = mp.mpf(1)
base = [solve_kept(rhs(T7, n)) for n in range(1, 8)]
e0 = [mp.mpf(1)] + [mp.mpf(0)] * (S + 2)
e13 = [mp.mpf(0)] * 13 + [mp.mpf(1)] + [mp.mpf(0)] * 3
bfull = list(b) + [mp.mpf(0)] * 3


def along_null(target, v):
    """α with target − v = α null (checks that the difference is along the null vector)."""
    d = [t - u for t, u in zip(target, v)]
    alpha = d[DROP]
    assert max(abs(di - alpha * ni) for di, ni in zip(d, null)) < mp.mpf('1e-12'), 'endpoint condition off the null space'
    return alpha


# β_n = base_n + α_n null. Endpoint conditions: α_1 fixed by b'(0) = e_0; Σ α_n and Σ n α_n fixed by b(1) = b and
# b'(1) = e_13. The remaining freedom (4 numbers) minimises the order-8 residuals on a grid of θ.
alpha1 = along_null(e0, base[0])
s0 = along_null(bfull, [mp.fsum(base[n][i] for n in range(7)) for i in range(S + 3)])
s1 = along_null(e13, [mp.fsum((n + 1) * base[n][i] for n in range(7)) for i in range(S + 3)])
# α_2..α_7 = particular + N z, N spanning {Σ α = s0 − α1, Σ n α = s1 − α1}'s homogeneous part.
E = mp.matrix([[1] * 6, list(range(2, 8))])
part = mp.lu_solve(mp.matrix([[1, 1], [2, 3]]), mp.matrix([s0 - alpha1, s1 - alpha1]))
alpha_p = [part[0], part[1], 0, 0, 0, 0]
N = [[k - 3 if i == 0 else (2 - k if i == 1 else (1 if i == k - 2 else 0)) for k in range(4, 8)] for i in range(6)]
for col in range(4):
    v = mp.matrix([N[i][col] for i in range(6)])
    assert max(abs(x) for x in E * v) == 0
o8 = [i for i, t in enumerate(T8) if order(t) == 8]
g8 = [gamma(T8[i]) for i in o8]
vb = [[mp.fsum(base[n][j] * P8[i][j] for j in range(S + 3)) for i in o8] for n in range(7)]
vn = [mp.fsum(null[j] * P8[i][j] for j in range(S + 3)) for i in o8]
rows_ls, rhs_ls = [], []
for th in [mp.mpf(k) / 20 for k in range(1, 20)]:
    for q in range(len(o8)):
        const = mp.fsum(th ** (n + 1) * vb[n][q] for n in range(7)) + th * alpha1 * vn[q] - th ** 8 / g8[q]
        const += mp.fsum(th ** (n + 2) * alpha_p[n] * vn[q] for n in range(6))
        rows_ls.append([mp.fsum(th ** (n + 2) * N[n][col] for n in range(6)) * vn[q] for col in range(4)])
        rhs_ls.append(-const)
L = mp.matrix(rows_ls)
z = mp.lu_solve(L.T * L, L.T * mp.matrix(rhs_ls))
alpha = [alpha1] + [alpha_p[n] + mp.fsum(N[n][col] * z[col] for col in range(4)) for n in range(6)]
beta = [[base[n][i] + alpha[n] * null[i] for i in range(S + 3)] for n in range(7)]


def weights(theta):
    return [mp.fsum(theta ** (n + 1) * beta[n][i] for n in range(7)) for i in range(S + 3)]


# ---- checks in 50 digits -------------------------------------------------------------------------------------------

worst = max(abs(mp.fsum(beta[n][j] * P7[i][j] for j in range(S + 3)) - (1 / mp.mpf(gamma(t)) if order(t) == n + 1 else 0))
            for n in range(7) for i, t in enumerate(T7))
print(f'order conditions <= 7 (each power of θ): max residual {mp.nstr(worst, 3)}', file=sys.stderr)
for name, v, want in [("b(1) − b", weights(1), bfull), ("b'(0) − e0", beta[0], e0),
                      ("b'(1) − e13", [mp.fsum((n + 1) * beta[n][i] for n in range(7)) for i in range(S + 3)], e13)]:
    print(f'{name}: {mp.nstr(max(abs(u - w) for u, w in zip(v, want)), 3)}', file=sys.stderr)
for j, (r, cj) in enumerate(zip(extra, C_EXTRA)):
    print(f'extra stage {j}: c = {mp.nstr(cj, 6)}', file=sys.stderr)
err8 = max(abs(mp.fsum(w * P8[i][j] for j, w in enumerate(weights(th))) - th ** 8 / gamma(T8[i]))
           for th in [mp.mpf(k) / 20 for k in range(21)] for i in o8)
print(f'order-8 residual, max over θ in [0, 1]: {mp.nstr(err8, 3)}', file=sys.stderr)
print(f'largest coefficient: rows {mp.nstr(max(abs(v) for r in extra for v in r), 3)}, '
      f'β {mp.nstr(max(abs(v) for r in beta for v in r), 3)}', file=sys.stderr)
# The 14 stages alone: order 6 is out of reach (the reason for the extra stages): Σ_{n<=6} θ^n r_n lies outside the span
# of their columns on the trees of order <= 6.
P14 = mp.matrix([[P7[i][j] for j in range(S) if j != DROP] for i in range(len(T7)) if order(T7[i]) <= 6])
Q14, _ = mp.qr(P14, mode='skinny')
for th in [mp.mpf(1) / 4, mp.mpf(1) / 2, mp.mpf(3) / 4]:
    r = mp.matrix([mp.fsum(v) for v in zip(*[[x for x, t in zip(rhs(T7, n, th), T7) if order(t) <= 6] for n in range(1, 7)])])
    print(f'14 stages, θ = {th}: distance of the order-6 conditions from their span {mp.nstr(mp.norm(r - Q14 * (Q14.T * r)), 3)}',
          file=sys.stderr)

# ---- q(θ) with b(θ) = θ (b + (1 − θ) q(θ)): w(θ)/θ − b = (1 − θ) q(θ) -----------------------------------------------


def q_coefficients(i):
    """Coefficients of q_i, highest power first (Horner)."""
    p = [beta[n][i] for n in range(7)]  # w/θ = Σ p_n θ^n
    p[0] -= bfull[i]
    # divide Σ p_n θ^n by (1 − θ): q_k = −(p_{k+1} + p_{k+2} + ... + p_6) ... synthetic division by (θ − 1), negated
    qq, acc = [], mp.mpf(0)
    for n in range(6, 0, -1):
        acc += p[n]
        qq.append(-acc)
    assert abs(acc + p[0]) < mp.mpf('1e-12'), 'w(1) != b'
    return qq  # θ^5 .. θ^0


def js(v):
    s = mp.nstr(v, 17, min_fixed=-4, max_fixed=4)
    return '0' if v == 0 else s


print('const cExtra = [' + ', '.join(js(v) for v in C_EXTRA) + '];')
print('const aExtra = [')
for r in extra:
    print('  [' + ', '.join(js(v) for v in r) + '],')
print('];')
print('const q = [')
for i in range(S + 3):
    print('  [' + ', '.join(js(v) for v in q_coefficients(i)) + '],')
print('];')
