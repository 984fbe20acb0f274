#!/usr/bin/python3
"""PyTorch side of bench/bench_train.c: the same networks, batch and recipe.

  bench_train_torch.py throughput [--batch 64] [--threads 2] [--seconds 3]
                                  [--models lenet5,resnet20,vgg16]
      one line per model: "throughput MODEL IMAGES_PER_SECOND"
      (SGD steps on random inputs and labels: forward, cross-entropy,
      backward, update, the same as the C side)

  bench_train_torch.py peak [--model vgg16] [--batch 64] [--threads 2]
      three SGD steps of the model in this fresh process, then
      "peak MODEL KB": the process's peak resident set (ru_maxrss), the
      torch import included, as bench_train's forked child measures its own
  bench_train_torch.py epoch --data DIR [--batch 64] [--lr 0.05]
                             [--threads 2] [--seed 1]
      one epoch of ResNet-20 on Fashion-MNIST with the engine's recipe
      (Kaiming-normal fan-in init, zero biases; images padded 28->32,
      replicated to 3 channels, normalised with the training mean/std;
      SGD momentum 0.9, wd 5e-4, cosine per step, drop_last; no
      augmentation), then the test set:
      "epoch SECONDS TEST_ACCURACY TEST_LOSS"

The architectures come from tests/fixtures/reference_counts.py, whose
parameter names and counts are checked against the cfg files.  Needs Debian's
python3-torch; run with /usr/bin/python3.
"""
import argparse
import gzip
import math
import os
import struct
import sys
import time

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
from reference_counts import TORCH_MODELS  # noqa: E402


def kaiming_like_engine(model):
    """The engine's init: Kaiming normal, fan-in, gain sqrt(2); zero biases;
    BN gamma 1, beta 0 (PyTorch's BN default already)."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def throughput(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    for name in args.models.split(","):
        ctor, chw = TORCH_MODELS[name]
        model = ctor(classes=10).train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9,
                              weight_decay=5e-4)
        loss_fn = nn.CrossEntropyLoss()
        x = torch.randn(args.batch, *chw)
        y = torch.randint(0, 10, (args.batch,))

        def step():
            opt.zero_grad(set_to_none=False)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()

        for _ in range(2):
            step()
        n, t0 = 0, time.perf_counter()
        while True:
            step()
            n += 1
            dt = time.perf_counter() - t0
            if n >= 3 and dt >= args.seconds:
                break
        print("throughput %s %.1f" % (name, n * args.batch / dt), flush=True)


def peak(args):
    import resource
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    ctor, chw = TORCH_MODELS[args.model]
    model = ctor(classes=10).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9,
                          weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(args.batch, *chw)
    y = torch.randint(0, 10, (args.batch,))
    for _ in range(3):
        opt.zero_grad(set_to_none=False)
        loss_fn(model(x), y).backward()
        opt.step()
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("peak %s %d" % (args.model, kb), flush=True)


def idx_read(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    dims = struct.unpack(">" + "I" * (magic & 0xFF), data[4:4 + 4 * (magic & 0xFF)])
    arr = torch.frombuffer(bytearray(data[4 + 4 * len(dims):]), dtype=torch.uint8)
    return arr.reshape(*dims)


def idx_find(d, stem):
    for p in (stem + ".gz", stem):
        if os.path.exists(os.path.join(d, p)):
            return os.path.join(d, p)
    raise SystemExit("bench_train_torch: %s not found in %s" % (stem, d))


def epoch(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    xtr = idx_read(idx_find(args.data, "train-images-idx3-ubyte")).float() / 255
    ytr = idx_read(idx_find(args.data, "train-labels-idx1-ubyte")).long()
    xte = idx_read(idx_find(args.data, "t10k-images-idx3-ubyte")).float() / 255
    yte = idx_read(idx_find(args.data, "t10k-labels-idx1-ubyte")).long()
    mean, std = xtr.mean().item(), xtr.std(unbiased=False).item()

    def adapt(x):
        # normalise, then pad with the value black maps to (as the engine's
        # lookup table does), then copy grayscale to 3 channels
        x = (x - mean) / std
        x = nn.functional.pad(x, (2, 2, 2, 2), value=(0.0 - mean) / std)
        return x.unsqueeze(1).expand(-1, 3, -1, -1).contiguous()

    ctor, _ = TORCH_MODELS[args.model]
    model = ctor(classes=10)
    kaiming_like_engine(model)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9,
                          weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    n = xtr.shape[0]
    steps = args.steps if args.steps > 0 else n // args.batch
    perm = torch.cat([torch.randperm(n)
                      for _ in range(-(-steps * args.batch // n))])
    model.train()
    t0 = time.perf_counter()
    for k in range(steps):
        if k < args.warmup:
            lr = args.lr * (k + 1) / args.warmup
        else:
            t = (k - args.warmup) / max(1, steps - args.warmup)
            lr = args.lr * 0.5 * (1 + math.cos(math.pi * t))
        for g in opt.param_groups:
            g["lr"] = lr
        idx = perm[k * args.batch:(k + 1) * args.batch]
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(model(adapt(xtr[idx])), ytr[idx])
        loss.backward()
        opt.step()
        if k % args.every == 0:
            print("step %d/%d loss %.4f" % (k, steps, loss.item()),
                  file=sys.stderr, flush=True)
    secs = time.perf_counter() - t0
    model.eval()
    correct, total_loss = 0, 0.0
    with torch.no_grad():
        m = xte.shape[0] if args.test <= 0 else min(args.test, xte.shape[0])
        for i in range(0, m, 256):
            out = model(adapt(xte[i:min(i + 256, m)]))
            y = yte[i:min(i + 256, m)]
            total_loss += loss_fn(out, y).item() * y.shape[0]
            correct += (out.argmax(1) == y).sum().item()
    m = xte.shape[0] if args.test <= 0 else min(args.test, xte.shape[0])
    print("epoch %.2f %.4f %.4f" % (secs, correct / m, total_loss / m), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--batch", type=int, default=64)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--seconds", type=float, default=3.0)
    t.add_argument("--models", default="lenet5,resnet20,vgg16")
    p = sub.add_parser("peak")
    p.add_argument("--model", default="vgg16")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    e = sub.add_parser("epoch")
    e.add_argument("--data", required=True)
    e.add_argument("--batch", type=int, default=64)
    e.add_argument("--lr", type=float, default=0.05)
    e.add_argument("--threads", type=int, default=2)
    e.add_argument("--seed", type=int, default=1)
    e.add_argument("--model", default="resnet20")
    e.add_argument("--steps", type=int, default=0,
                   help="SGD steps (default: one epoch)")
    e.add_argument("--warmup", type=int, default=0,
                   help="linear warm-up steps before the cosine")
    e.add_argument("--test", type=int, default=0,
                   help="test on the first N test images (default: all)")
    e.add_argument("--every", type=int, default=100,
                   help="print the loss every N steps")
    args = ap.parse_args()
    {"throughput": throughput, "peak": peak, "epoch": epoch}[args.cmd](args)


if __name__ == "__main__":
    main()
