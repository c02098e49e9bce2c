#!/usr/bin/env python3
"""torchdiffeq reference for bench/gradients.ts: the MNIST ODE-Net of bench/pytorch_reference.py with its ODE block
integrated by torchdiffeq's `odeint` (backprop through the solver) or `odeint_adjoint`, trained with SGD on a
synthetic batch. Serves "<seconds> <row>" lines on stdin with one JSON line each, so that bench/gradients.ts can
alternate with it in one run.

Needs Debian's python3-torch and a torchdiffeq checkout: --torchdiffeq DIR (or TORCHDIFFEQ_DIR), the folder that
holds the `torchdiffeq` package (https://github.com/rtqichen/torchdiffeq)."""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_reference import ODEfunc, norm  # noqa: E402  (the same layers as the tfjs models)


class ODEBlock(nn.Module):
    def __init__(self, odeint, func, options):
        super().__init__()
        self.odeint, self.func, self.options = odeint, func, options
        self.nfe = 0

    def forward(self, x):
        t = torch.tensor([0.0, 1.0])
        counted = Counted(self.func, self)
        return self.odeint(counted, x, t, **self.options)[1]


class Counted(nn.Module):
    """Counts evaluations of f (forward solve, and the adjoint's backward solve)."""

    def __init__(self, func, owner):
        super().__init__()
        self.func, self.owner = func, [owner]

    def forward(self, t, x):
        self.owner[0].nfe += 1
        return self.func(t, x)


def build(odeint, options, width=64):
    down = [nn.Conv2d(1, width, 3, 1), norm(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 4, 2, 1), norm(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 4, 2, 1)]
    block = ODEBlock(odeint, ODEfunc(width), options)
    head = [norm(width), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(width, 10)]
    return nn.Sequential(*down, block, *head), block


SOLVERS = {
    'rk4x4': {'method': 'rk4', 'options': {'step_size': 0.25}},
    'dopri5-1e-3': {'method': 'dopri5', 'rtol': 1e-3, 'atol': 1e-3},
}


class Row:
    def __init__(self, name, batch, tdq):
        solver, mode = name.split(' ')
        odeint = tdq.odeint_adjoint if mode == 'odeint_adjoint' else tdq.odeint
        torch.manual_seed(0)
        self.model, self.block = build(odeint, SOLVERS[solver])
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.loss_fn = nn.CrossEntropyLoss()
        self.x = torch.rand(batch, 1, 28, 28)
        self.y = torch.randint(0, 10, (batch,))
        self.batch = batch
        for _ in range(2):
            self.step()

    def step(self):
        self.opt.zero_grad()
        self.block.nfe = 0
        loss = self.loss_fn(self.model(self.x), self.y)
        forward = self.block.nfe
        loss.backward()
        self.opt.step()
        return forward, self.block.nfe - forward

    def measure(self, seconds):
        n, t0, nfe = 0, time.perf_counter(), (0, 0)
        while n < 2 or time.perf_counter() - t0 < seconds:
            nfe = self.step()
            n += 1
        dt = time.perf_counter() - t0
        return {'train_images_per_s': self.batch * n / dt, 'steps': n, 'nfe_forward': nfe[0], 'nfe_backward': nfe[1]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--torchdiffeq', default=os.environ.get('TORCHDIFFEQ_DIR'))
    args = p.parse_args()
    if args.torchdiffeq:
        sys.path.insert(0, args.torchdiffeq)
    try:
        import torchdiffeq as tdq
    except ImportError as e:
        print(json.dumps({'error': f'torchdiffeq not importable ({e}): pass --torchdiffeq DIR (a checkout of rtqichen/torchdiffeq)'}), flush=True)
        return
    torch.set_num_threads(args.threads)
    info = {'torch': torch.__version__, 'threads': torch.get_num_threads()}
    print(json.dumps({'ready': True, **info}), flush=True)
    rows = {}
    for line in sys.stdin:
        seconds, name = line.strip().split(' ', 1)
        if name not in rows:
            rows[name] = Row(name, args.batch, tdq)
        print(json.dumps({'row': name, **rows[name].measure(float(seconds)), **info}), flush=True)


if __name__ == '__main__':
    main()
