#!/usr/bin/env python3
"""scipy's Radau and BDF on Hairer & Wanner's stiff problems, for bench/stiff.ts (which runs this and prints the
figures beside odeint's, from the same run). Reads {"rtols": [...], "repeat": k} on stdin; prints one JSON object per
line: problem, method, rtol, y at the end, f evaluations counted at the function (finite-difference Jacobian columns
included, which scipy's own nfev leaves out), scipy's nfev, njev, nlu, and the best wall time of `repeat` runs.
The problem definitions, tolerances and t_end are the same as bench/stiff.ts's."""
import json
import sys
import time

import numpy as np
import scipy
from scipy.integrate import solve_ivp


def robertson(t, y):
    return [-0.04 * y[0] + 1e4 * y[1] * y[2], 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1], 3e7 * y[1] * y[1]]


def vdp(t, y):
    return [y[1], 1000.0 * (1 - y[0] * y[0]) * y[1] - y[0]]


def hires(t, y):
    return [
        -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007,
        1.71 * y[0] - 8.75 * y[1],
        -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4],
        8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3],
        -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6],
        -280.0 * y[5] * y[7] + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6],
        280.0 * y[5] * y[7] - 1.81 * y[6],
        -280.0 * y[5] * y[7] + 1.81 * y[6],
    ]


def orego(t, y):
    return [
        77.27 * (y[1] + y[0] * (1 - 8.375e-6 * y[0] - y[1])),
        (y[2] - (1 + y[0]) * y[1]) / 77.27,
        0.161 * (y[0] - y[2]),
    ]


# name: (f, y0, t_end, atol as a multiple of rtol)
PROBLEMS = {
    "robertson": (robertson, [1.0, 0.0, 0.0], 1e5, 1e-2),
    "vanderpol": (vdp, [2.0, 0.0], 3000.0, 1.0),
    "hires": (hires, [1, 0, 0, 0, 0, 0, 0, 0.0057], 321.8122, 1e-2),
    "orego": (orego, [1.0, 2.0, 3.0], 360.0, 1.0),
}


def main():
    req = json.load(sys.stdin)
    print(json.dumps({"scipy": scipy.__version__, "numpy": np.__version__}), flush=True)
    for name, (f, y0, t_end, atol_factor) in PROBLEMS.items():
        for rtol in req["rtols"]:
            for method in ("Radau", "BDF"):
                best = float("inf")
                for _ in range(req.get("repeat", 1)):
                    calls = [0]

                    def counted(t, y):
                        calls[0] += 1
                        return f(t, y)

                    t0 = time.perf_counter()
                    sol = solve_ivp(counted, (0.0, t_end), y0, method=method, rtol=rtol, atol=rtol * atol_factor)
                    best = min(best, time.perf_counter() - t0)
                print(
                    json.dumps(
                        {
                            "problem": name,
                            "method": method,
                            "rtol": rtol,
                            "success": bool(sol.success),
                            "y": sol.y[:, -1].tolist(),
                            "nfe": calls[0],
                            "nfev": int(sol.nfev),
                            "njev": int(sol.njev),
                            "nlu": int(sol.nlu),
                            "ms": best * 1e3,
                        }
                    ),
                    flush=True,
                )


if __name__ == "__main__":
    main()
