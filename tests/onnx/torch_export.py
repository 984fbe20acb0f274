#!/usr/bin/env python3
"""A small conv net exported by PyTorch, for tests/ort_torch.sh.

  /usr/bin/python3 tests/onnx/torch_export.py OUTDIR

Writes OUTDIR/net.onnx (torch.onnx.export, opset 13, BatchNormalization
kept with TrainingMode.PRESERVE in eval mode, batch axis dynamic),
OUTDIR/x.npy (float32 (4, 3, 16, 16)) and OUTDIR/torch.npy (PyTorch's
logits on it, float32 (4, 10)).  The net has what our models have: conv
with and without bias, grouped and depthwise conv, BN with calibrated
statistics (random affine, one train-mode pass, so logits are not ~0),
ReLU, ReLU6, max and average pooling, a residual add, global average
pooling, flatten and a linear head.  Seeded: the same files every run.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pw = nn.Conv2d(8, 8, 1, groups=2, bias=True)
        self.avg = nn.AvgPool2d(2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        y = torch.clamp(self.bn2(self.dw(x)), 0.0, 6.0)
        x = torch.relu(self.pw(y) + x)
        x = self.gap(self.avg(x))
        return self.fc(torch.flatten(x, 1))


def main(out):
    torch.manual_seed(7)
    net = Net()
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            nn.init.uniform_(m.weight, 0.5, 1.5)
            nn.init.normal_(m.bias, 0, 0.2)
            m.momentum = None          # a cumulative average: one pass sets it
            m.reset_running_stats()
    net.train()
    with torch.no_grad():
        net(torch.randn(32, 3, 16, 16))
    net.eval()
    x = torch.randn(4, 3, 16, 16)
    with torch.no_grad():
        y = net(x)
    os.makedirs(out, exist_ok=True)
    torch.onnx.export(net, x, os.path.join(out, "net.onnx"), opset_version=13,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False,
                      input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "n"}, "logits": {0: "n"}})
    np.save(os.path.join(out, "x.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out, "torch.npy"), y.numpy().astype(np.float32))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
