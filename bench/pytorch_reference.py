#!/usr/bin/env python3
"""PyTorch CPU reference for bench/native.ts: the same MNIST networks (Chen et al. 2018; torchdiffeq's
odenet_mnist) trained with SGD on a synthetic batch, and the counterparts of bench/native-workloads.ts: the
plain-ops ResNet(1) (SGD with momentum), the tf.layers convnet and the MLP (Adam, the same layers), and the text
models VDCNN(6), VDCNN(1) and vdcnn-ode (Euler, 4 steps) of @neural-ode/models on 1,014 character ids. Prints
one JSON object per network on stdout.

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


class TextResBlock(nn.Module):
    """x + conv_block(x): conv1d k3 pad 1, BatchNorm1d, ReLU, twice (the VDCNN block of @neural-ode/models)."""

    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(nn.Conv1d(dim, dim, 3, 1, 1), nn.BatchNorm1d(dim), nn.ReLU(),
                                        nn.Conv1d(dim, dim, 3, 1, 1), nn.BatchNorm1d(dim), nn.ReLU())

    def forward(self, x):
        return x + self.conv_block(x)


class TextOdeFunc(nn.Module):
    """norm2(relu(conv2(cat(h, t)))) with h = norm1(relu(conv1(cat(x, t)))), convs without bias."""

    def __init__(self, dim):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv1d(dim + 1, dim, 3, 1, 1, bias=False), nn.Conv1d(dim + 1, dim, 3, 1, 1, bias=False)
        self.norm1, self.norm2 = nn.BatchNorm1d(dim), nn.BatchNorm1d(dim)

    def forward(self, t, x):
        tt = torch.full_like(x[:, :1, :], t)
        h = self.norm1(torch.relu(self.conv1(torch.cat([x, tt], 1))))
        return self.norm2(torch.relu(self.conv2(torch.cat([h, tt], 1))))


class EulerBlock(nn.Module):
    """Fixed-step explicit Euler over [0, 1], backpropagated through the solver's ops."""

    def __init__(self, func, steps):
        super().__init__()
        self.func, self.steps = func, steps

    def forward(self, y):
        h = 1.0 / self.steps
        for i in range(self.steps):
            y = y + h * self.func(i * h, y)
        return y


class TextClassifier(nn.Module):
    """Embedding(69, 16) → conv1d 16→64 → feature → BatchNorm1d → ReLU → 4-max pooling → 256 → 256 → 4."""

    def __init__(self, feature):
        super().__init__()
        self.embed = nn.Embedding(69, 16)
        self.conv = nn.Conv1d(16, 64, 3, 1, 1)
        self.feature = feature
        self.norm = nn.BatchNorm1d(64)
        self.fc = nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 4))

    def forward(self, x):
        h = self.feature(self.conv(self.embed(x).permute(0, 2, 1)))
        h = torch.relu(self.norm(h)).topk(4, dim=2)[0]
        return self.fc(h.reshape(h.shape[0], -1))


def layers_convnet():
    return nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))


def sgd(params):
    return torch.optim.SGD(params, lr=0.01)


def momentum(params):
    return torch.optim.SGD(params, lr=0.01, momentum=0.9)


def adam(params):
    return torch.optim.Adam(params, lr=1e-3)


# name → (builder, input: 'image' | 'text', optimiser); the names are bench/native.ts's rows.
NETS = {
    'ResNet(1)': (lambda: build('resnet', 1, 0), 'image', sgd),
    'ResNet(6)': (lambda: build('resnet', 6, 0), 'image', sgd),
    'ODE-Net RK4x4': (lambda: build('odenet', 0, 4), 'image', sgd),
    'plain-ops ResNet(1)': (lambda: build('resnet', 1, 0), 'image', momentum),
    'tf.layers convnet': (layers_convnet, 'image', adam),
    'MLP': (mlp, 'image', adam),
    'VDCNN(6)': (lambda: TextClassifier(nn.Sequential(*[TextResBlock(64) for _ in range(6)])), 'text', sgd),
    'VDCNN(1)': (lambda: TextClassifier(TextResBlock(64)), 'text', sgd),
    'vdcnn-ode Euler x4': (lambda: TextClassifier(EulerBlock(TextOdeFunc(64), 4)), 'text', sgd),
}


class Trainer:
    """One network, its optimiser and a fixed synthetic batch; warmed up on creation."""

    def __init__(self, name, batch):
        make, kind, optimiser = NETS[name]
        torch.manual_seed(0)
        self.model = make()
        self.model.train()
        self.opt = optimiser(self.model.parameters())
        self.loss_fn = nn.CrossEntropyLoss()
        if kind == 'image':
            self.x = torch.rand(batch, 1, 28, 28)
            self.y = torch.randint(0, 10, (batch,))
        else:
            self.x = torch.randint(0, 69, (batch, 1014))
            self.y = torch.randint(0, 4, (batch,))
        self.batch = batch
        for _ in range(2):
            self.step()

    def step(self):
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        loss.item()

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
