#!/usr/bin/env python3
"""PyTorch CPU reference for bench/native.ts: the same MNIST networks (Chen et al. 2018; torchdiffeq's
odenet_mnist) trained with SGD on a synthetic batch. Prints one JSON object per network on stdout.

Not a dependency: bench/native.ts runs it only when `python3 -c "import torch"` works
(Debian: apt-get install python3-torch)."""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn


def norm(dim):
    return nn.GroupNorm(min(32, dim), dim)


class ResBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm1, self.norm2 = norm(dim), norm(dim)
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(dim, dim, 3, 1, 1, bias=False)
        self.conv2 = nn.Conv2d(dim, dim, 3, 1, 1, bias=False)

    def forward(self, x):
        out = self.relu(self.norm1(x))
        out = self.conv1(out)
        out = self.relu(self.norm2(out))
        return x + self.conv2(out)


class ConcatConv2d(nn.Module):
    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.layer = nn.Conv2d(dim_in + 1, dim_out, 3, 1, 1)

    def forward(self, t, x):
        tt = torch.ones_like(x[:, :1, :, :]) * t
        return self.layer(torch.cat([tt, x], 1))


class ODEfunc(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm1, self.norm2, self.norm3 = norm(dim), norm(dim), norm(dim)
        self.relu = nn.ReLU(inplace=True)
        self.conv1, self.conv2 = ConcatConv2d(dim, dim), ConcatConv2d(dim, dim)

    def forward(self, t, x):
        out = self.relu(self.norm1(x))
        out = self.relu(self.norm2(self.conv1(t, out)))
        return self.norm3(self.conv2(t, out))


class ODEBlockRK4(nn.Module):
    """Fixed-step RK4 over [0, 1], backpropagated through the solver's ops (as the tfjs bench)."""

    def __init__(self, func, steps):
        super().__init__()
        self.func, self.steps = func, steps

    def forward(self, y):
        h = 1.0 / self.steps
        for i in range(self.steps):
            t = i * h
            k1 = self.func(t, y)
            k2 = self.func(t + h / 2, y + h / 2 * k1)
            k3 = self.func(t + h / 2, y + h / 2 * k2)
            k4 = self.func(t + h, y + h * k3)
            y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return y


def build(kind, blocks, steps, width=64):
    down = [nn.Conv2d(1, width, 3, 1), norm(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 4, 2, 1), norm(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 4, 2, 1)]
    feature = [ResBlock(width) for _ in range(blocks)] if kind == 'resnet' else [ODEBlockRK4(ODEfunc(width), steps)]
    head = [norm(width), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(width, 10)]
    return nn.Sequential(*down, *feature, *head)


NETS = {'ResNet(1)': ('resnet', 1, 0), 'ResNet(6)': ('resnet', 6, 0), 'ODE-Net RK4x4': ('odenet', 0, 4)}


class Trainer:
    """One network, its optimiser and a fixed synthetic batch; warmed up on creation."""

    def __init__(self, name, batch):
        kind, blocks, steps = NETS[name]
        torch.manual_seed(0)
        self.model = build(kind, blocks, steps)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.loss_fn = nn.CrossEntropyLoss()
        self.x = torch.rand(batch, 1, 28, 28)
        self.y = torch.randint(0, 10, (batch,))
        self.batch = batch
        for _ in range(2):
            self.step()

    def step(self):
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()

    def measure(self, seconds, min_steps=2):
        n, t0 = 0, time.perf_counter()
        while n < min_steps or time.perf_counter() - t0 < seconds:
            self.step()
            n += 1
        dt = time.perf_counter() - t0
        return {'train_images_per_s': self.batch * n / dt, 'steps': n}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--seconds', type=float, default=6.0, help='minimum timed seconds per network')
    p.add_argument('--only', default=None, help='run only this network (e.g. "ResNet(1)")')
    p.add_argument('--serve', action='store_true',
                   help='read "<seconds> <network name>" lines on stdin, answer one JSON line each (bench/native.ts)')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    info = {'torch': torch.__version__, 'threads': torch.get_num_threads()}
    trainers = {}
    if args.serve:
        print(json.dumps({'ready': True, **info}), flush=True)
        for line in sys.stdin:
            seconds, name = line.strip().split(' ', 1)
            if name not in trainers:
                trainers[name] = Trainer(name, args.batch)
            print(json.dumps({'model': name, **trainers[name].measure(float(seconds)), **info}), flush=True)
        return
    for name in NETS:
        if args.only is not None and args.only != name:
            continue
        print(json.dumps({'model': name, **Trainer(name, args.batch).measure(args.seconds, 3), **info}), flush=True)


if __name__ == '__main__':
    main()
