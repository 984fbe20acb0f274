#!/usr/bin/python3
"""Export the small ONNX fixtures that check_onnx imports in `make check`.

Run with Debian's Python (python3-torch, python3-torchvision, python3-onnx):

    /usr/bin/python3 tests/onnx/make_fixtures.py [OUTDIR] [MODEL...]

OUTDIR defaults to tests/onnx/fixtures.  Each model gets OUTDIR/<name>/
with model.onnx, test_data_set_0/input_0.pb and output_0.pb (serialized
TensorProto, the layout of the ONNX project's own node tests) and
expected.txt (params and MACs counted in PyTorch: every parameter, and
multiply-adds of Conv2d and Linear for one sample).

Models (random weights, fixed seed; BN statistics calibrated on a random
batch so that the logits are not ~0):
  resnet20      the shipped CIFAR ResNet-20 (models/resnet20.cfg), same
                module names, 3x32x32
  mobilenet_v2  torchvision mobilenet_v2(width_mult=0.25), 10 classes,
                3x64x64
  grouped       a small net of grouped convolutions (groups 4 and 2, one
                with a bias), ReLU6 and average pooling, 3x16x16: the grouped
                case the ONNX node tests only have with 3x2 kernels
  padded        pads that differ between H and W: Conv2d (plain, grouped,
                depthwise) and MaxPool2d with padding=(1, 0) or (0, 1),
                3x21x19
  resnet18, mobilenet_v2_224, vgg11_bn
                torchvision at 3x224x224, 1000 classes (make check-onnx)
  resnet18_folded
                resnet18 exported in eval mode (TrainingMode.EVAL), which
                folds every BatchNormalization into its convolution: the
                counts are then those of the folded graph (each conv gains
                a bias, the BN layers go)

Exported with training=TrainingMode.PRESERVE, so BatchNormalization stays,
unless the name ends in _folded.
"""
import os
import sys
from collections import OrderedDict

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torchvision


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(OrderedDict(
                conv=nn.Conv2d(cin, cout, 1, stride, 0, bias=False),
                bn=nn.BatchNorm2d(cout)))
        self.relu2 = nn.ReLU()

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        sc = x if self.shortcut is None else self.shortcut(x)
        return self.relu2(out + sc)


class ResNet20(nn.Module):
    """models/resnet20.cfg in PyTorch, with the cfg's layer names."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu1 = nn.ReLU()
        cin = 16
        for i, cout in enumerate((16, 32, 64)):
            blocks = []
            for j in range(3):
                blocks.append(Block(cin, cout, 2 if (i > 0 and j == 0) else 1))
                cin = cout
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*blocks))
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.relu1(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.gap(x), 1))


class Grouped(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu1 = nn.ReLU6()
        self.conv2 = nn.Conv2d(8, 16, 3, 2, 1, groups=4, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.relu2 = nn.ReLU()
        self.pool = nn.AvgPool2d(2)
        self.conv3 = nn.Conv2d(16, 16, 3, 1, 1, groups=2, bias=True)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = self.relu1(self.bn1(self.conv1(x)))
        x = self.pool(self.relu2(self.bn2(self.conv2(x))))
        return self.fc(torch.flatten(self.gap(self.conv3(x)), 1))


class Padded(nn.Module):
    """Pads that differ between H and W, as PyTorch users write them:
    padding=(1, 0) and (0, 1) on plain, grouped and depthwise convs and on a
    max pool (ONNX pads [1, 0, 1, 0]).  Pads that differ between the start
    and the end of an axis (SAME_UPPER) cannot come out of torch 1.13's
    exporter without a shape-arithmetic chain; the ONNX node tests and
    tests/onnx_export.sh (against ONNX Runtime) cover those."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 2, padding=(1, 0), bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, 2, padding=(0, 1), groups=2, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16, 16, 3, 1, padding=(1, 0), groups=16, bias=True)
        self.pool = nn.MaxPool2d(3, 1, padding=(1, 0))
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        x = self.pool(torch.relu(self.conv3(x)))
        return self.fc(torch.flatten(self.gap(x), 1))


def count(model, shape):
    """Parameters, and conv + linear multiply-adds for one sample."""
    macs = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            k = m.weight.shape[1] * m.weight.shape[2] * m.weight.shape[3]
            macs[0] += out[0].numel() * k
        elif isinstance(m, nn.Linear):
            macs[0] += m.in_features * m.out_features

    hs = [m.register_forward_hook(hook) for m in model.modules()
          if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(torch.zeros(1, *shape))
    for h in hs:
        h.remove()
    return sum(p.numel() for p in model.parameters()), macs[0]


def calibrate(model, shape, gen):
    """Random BN affine parameters and statistics from one random batch."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.uniform_(-0.2, 0.2, generator=gen)
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        model(torch.randn(16, *shape, generator=gen))
    model.eval()


def build(name):
    if name == "resnet20":
        return ResNet20(), (3, 32, 32)
    if name == "grouped":
        return Grouped(), (3, 16, 16)
    if name == "padded":
        return Padded(), (3, 21, 19)
    if name == "mobilenet_v2":
        return torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10), (3, 64, 64)
    if name == "mobilenet_v2_224":
        return torchvision.models.mobilenet_v2(), (3, 224, 224)
    if name in ("resnet18", "resnet18_folded"):
        return torchvision.models.resnet18(), (3, 224, 224)
    if name == "vgg11_bn":
        return torchvision.models.vgg11_bn(), (3, 224, 224)
    raise SystemExit("make_fixtures.py: unknown model %s" % name)


def export(name, outdir):
    torch.manual_seed(12)
    gen = torch.Generator().manual_seed(12)
    model, shape = build(name)
    model.eval()
    calibrate(model, shape, gen)
    params, macs = count(model, shape)
    folded = name.endswith("_folded")
    if folded:
        # BN's gamma and beta go; every conv gets a bias.
        params -= sum(p.numel() for m in model.modules()
                      if isinstance(m, nn.BatchNorm2d) for p in m.parameters())
        params += sum(m.out_channels for m in model.modules()
                      if isinstance(m, nn.Conv2d) and m.bias is None)
    d = os.path.join(outdir, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    x = torch.randn(2, *shape, generator=gen)
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, x[:1], os.path.join(d, "model.onnx"),
                      training=(torch.onnx.TrainingMode.EVAL if folded
                                else torch.onnx.TrainingMode.PRESERVE),
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      opset_version=13)
    onnx.checker.check_model(onnx.load(os.path.join(d, "model.onnx")), full_check=True)
    for fname, arr in (("input_0.pb", x), ("output_0.pb", y)):
        t = onnx.numpy_helper.from_array(arr.numpy().astype(np.float32))
        with open(os.path.join(d, "test_data_set_0", fname), "wb") as f:
            f.write(t.SerializeToString())
    with open(os.path.join(d, "expected.txt"), "w") as f:
        f.write("params %d\nmacs %d\n" % (params, macs))
    print("%s: %d params, %d MACs, logits %s" % (name, params, macs,
          " ".join("%.4f" % v for v in y[0, :4].tolist())))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "fixtures")
    names = sys.argv[2:] or ["resnet20", "mobilenet_v2", "grouped", "padded"]
    for n in names:
        export(n, outdir)


if __name__ == "__main__":
    main()
