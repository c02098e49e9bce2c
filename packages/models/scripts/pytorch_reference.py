#!/usr/bin/env python3
"""The reference PyTorch models of @neural-ode/models, written from the issue's description, used to make
src/fixtures/pytorch-logits.json (see make-pytorch-fixture.ts). Needs torch (Debian: python3-torch).

Usage: pytorch_reference.py CASES_JSON DIR OUT_JSON
For each case, loads DIR/<case>.weights.safetensors (as written by saveStateDict) and DIR/<case>.input.safetensors,
and records evaluation-mode logits, then training-mode logits and the BatchNorm buffers after that pass."""
import json
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {'F32': (torch.float32, 4), 'I64': (torch.int64, 8)}


def read_safetensors(path):
    data = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        dtype, size = DTYPES[info['dtype']]
        begin, end = info['data_offsets']
        raw = bytearray(data[8 + n + begin:8 + n + end])
        out[name] = torch.frombuffer(raw, dtype=dtype).reshape(info['shape']).clone() if end > begin else torch.zeros(info['shape'], dtype=dtype)
    return out


def norm(dim):
    return nn.GroupNorm(32, dim)


class ResBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm1 = norm(dim)
        self.conv1 = nn.Conv2d(dim, dim, 3, 1, 1, bias=False)
        self.norm2 = norm(dim)
        self.conv2 = nn.Conv2d(dim, dim, 3, 1, 1, bias=False)

    def forward(self, x):
        return x + self.conv2(F.relu(self.norm2(self.conv1(F.relu(self.norm1(x))))))


class ODEfunc(nn.Module):
    def __init__(self, dim, text):
        super().__init__()
        conv, bn = (nn.Conv1d, nn.BatchNorm1d) if text else (nn.Conv2d, None)
        self.conv1 = conv(dim + 1, dim, 3, 1, 1, bias=False)
        self.norm1 = bn(dim) if text else norm(dim)
        self.conv2 = conv(dim + 1, dim, 3, 1, 1, bias=False)
        self.norm2 = bn(dim) if text else norm(dim)

    def forward(self, t, x):
        tt = torch.ones_like(x[:, :1]) * t
        h = self.norm1(F.relu(self.conv1(torch.cat([x, tt], 1))))
        return self.norm2(F.relu(self.conv2(torch.cat([h, tt], 1))))


class ODEBlock(nn.Module):
    """Fixed-step integration from 0 to 1 (euler, or rk4 = Kutta's 3/8 rule as torchdiffeq's)."""

    def __init__(self, func, method, step):
        super().__init__()
        self.func, self.method, self.step = func, method, step

    def forward(self, x):
        n = round(1 / self.step)
        h = 1.0 / n
        for k in range(n):
            t = k * h
            if self.method == 'euler':
                x = x + h * self.func(t, x)
            else:
                k1 = self.func(t, x)
                k2 = self.func(t + h / 3, x + h * k1 / 3)
                k3 = self.func(t + 2 * h / 3, x + h * (k2 - k1 / 3))
                k4 = self.func(t + h, x + h * (k1 - k2 + k3))
                x = x + h * (k1 + 3 * (k2 + k3) + k4) / 8
        return x


class ImageNet(nn.Module):
    def __init__(self, in_channels, feature):
        super().__init__()
        self.downsampling = nn.Sequential(
            nn.Conv2d(in_channels, 64, 3, 1), norm(64), nn.ReLU(),
            nn.Conv2d(64, 64, 4, 2, 1), norm(64), nn.ReLU(),
            nn.Conv2d(64, 64, 4, 2, 1))
        self.feature = feature
        self.norm = norm(64)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.feature(self.downsampling(x))
        return self.fc(F.relu(self.norm(x)).mean((2, 3)))


class TextBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.Conv1d(64, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU())

    def forward(self, x):
        return x + self.conv_block(x)


class TextNet(nn.Module):
    def __init__(self, feature):
        super().__init__()
        self.embed = nn.Embedding(69, 16)
        self.conv = nn.Conv1d(16, 64, 3, padding=1)
        self.feature = feature
        self.norm = nn.BatchNorm1d(64)
        self.fc = nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 4))

    def forward(self, ids):
        x = self.feature(self.conv(self.embed(ids).transpose(1, 2)))
        x = F.relu(self.norm(x)).topk(4, dim=2)[0]
        return self.fc(x.reshape(x.shape[0], -1))


def build(case):
    o = case['options']
    solver = o.get('solver', {})
    if case['model'] == 'resnet':
        return ImageNet(o['inChannels'], nn.Sequential(*[ResBlock(64) for _ in range(o['blocks'])]))
    if case['model'] == 'odenet':
        return ImageNet(o['inChannels'], ODEBlock(ODEfunc(64, False), solver['method'], solver['stepSize']))
    if case['model'] == 'vdcnn':
        return TextNet(nn.Sequential(*[TextBlock() for _ in range(o['blocks'])]))
    return TextNet(ODEBlock(ODEfunc(64, True), solver['method'], solver['stepSize']))


def main():
    cases, directory, out_path = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
    torch.set_grad_enabled(False)
    out = {}
    for case in cases:
        name = case['name']
        model = build(case)
        model.load_state_dict(read_safetensors(f'{directory}/{name}.weights.safetensors'), strict=True)
        x = read_safetensors(f'{directory}/{name}.input.safetensors')['x']
        if case['model'] in ('resnet', 'odenet'):
            x = x.permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
        model.eval()
        logits_eval = model(x)
        model.train()
        logits_train = model(x)
        buffers = {k: v.tolist() for k, v in model.state_dict().items() if 'running' in k or 'num_batches' in k}
        out[name] = {'eval': logits_eval.tolist(), 'train': logits_train.tolist(), 'buffers': buffers}
    json.dump({'torch': torch.__version__, 'cases': out}, open(out_path, 'w'))


if __name__ == '__main__':
    main()
