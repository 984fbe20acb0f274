#!/usr/bin/env python3
"""PyTorch side of bench/bench_score.c: SNIP, GraSP and SynFlow scoring time.

  /usr/bin/python3 bench/bench_score_torch.py MODELS_DIR [reps [threads]]

Builds resnet20 and vgg16 from our cfg files (the functional net of
tests/fixtures/score_reference.py, float32, fresh Kaiming weights), then
times, like the engine: SNIP and GraSP on a batch of 100 (BN in train mode,
T = 200 for GraSP, with the double backward), SynFlow 100 iterations to
sparsity 0.9 (|params|, eval BN, all-ones input, global top-k mask each
iteration).  Prints "net method seconds" (median of reps after a warm-up;
SynFlow once).  threads: torch.set_num_threads (bench_score passes its own
OpenBLAS thread count); torch's default when absent.
"""

import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
import score_reference as R  # noqa: E402


def tensors(arrays, grad_names=()):
    p, st = {}, {}
    for name, a in arrays.items():
        t = torch.tensor(a)
        (st if name.endswith("running_mean") or name.endswith("running_var") else p)[name] = t
    for n in grad_names:
        p[n].requires_grad_(True)
    return p, st


def build(path):
    spec = R.cfg_parse(path)
    c, h, w = spec["input"]
    arrays = {}
    shapes = []
    x = torch.zeros(1, c, h, w)
    acts = []
    for L in spec["layers"]:
        k, n, keys = L["kind"], L["name"], L["keys"]
        a = x if L["in"][0] < 0 else acts[L["in"][0]]
        ic = a.shape[1]
        if k == "conv":
            o, s = int(keys["out"]), int(keys.get("size", 1))
            g = R.ival(keys, "groups", 1)
            fan = ic // g * s * s
            arrays[n + ".weight"] = (np.random.randn(o, ic // g, s, s)
                                     * np.sqrt(2.0 / fan)).astype(np.float32)
            if R.ival(keys, "bias", 0):
                arrays[n + ".bias"] = np.zeros(o, np.float32)
            y = F.conv2d(a, torch.tensor(arrays[n + ".weight"]), None,
                         R.ival(keys, "stride", 1), R.ival(keys, "pad", 0), 1, g)
        elif k == "bn":
            for sfx, v in (("weight", 1), ("bias", 0), ("running_mean", 0), ("running_var", 1)):
                arrays[n + "." + sfx] = np.full(ic, v, np.float32)
            y = a
        elif k == "linear":
            o = spec["classes"] if keys["out"] == "classes" else int(keys["out"])
            fan = a[0].numel()
            arrays[n + ".weight"] = (np.random.randn(o, fan) * np.sqrt(2.0 / fan)).astype(np.float32)
            if R.ival(keys, "bias", 0):
                arrays[n + ".bias"] = np.zeros(o, np.float32)
            y = torch.zeros(1, o, 1, 1)
        elif k == "maxpool":
            s = R.ival(keys, "size", 2)
            y = F.max_pool2d(a, s, R.ival(keys, "stride", 0) or s, R.ival(keys, "pad", 0))
        elif k == "avgpool":
            s = R.ival(keys, "size", 2)
            y = F.avg_pool2d(a, s, R.ival(keys, "stride", 0) or s, R.ival(keys, "pad", 0))
        elif k == "gap":
            y = a.mean(dim=(2, 3), keepdim=True)
        elif k == "flatten":
            y = a.reshape(1, -1, 1, 1)
        else:
            y = a
        acts.append(y)
        shapes.append(y.shape)
    return spec, arrays


def weight_names(spec):
    return [L["name"] + ".weight" for L in spec["layers"] if L["kind"] in ("conv", "linear")]


def snip(spec, arrays, x, y):
    names = weight_names(spec)
    p, st = tensors(arrays, names)
    loss = F.cross_entropy(R.run(spec, p, st, x, True), y)
    g = torch.autograd.grad(loss, [p[n] for n in names])
    return [(p[n] * gi).abs() for n, gi in zip(names, g)]


def grasp(spec, arrays, x, y):
    names = weight_names(spec)
    p, st = tensors(arrays, names)
    ws = [p[n] for n in names]
    loss = F.cross_entropy(R.run(spec, p, st, x, True) / 200.0, y)
    g = torch.autograd.grad(loss, ws, create_graph=True)
    z = sum((gi * gi.detach()).sum() for gi in g)
    hg = torch.autograd.grad(z, ws)
    return [w.detach() * h for w, h in zip(ws, hg)]


def synflow(spec, arrays, iterations=100, sparsity=0.9):
    names = weight_names(spec)
    p, st = tensors({k: np.abs(v) for k, v in arrays.items()}, names)
    w0 = {n: p[n].detach().clone() for n in names}
    masks = {n: torch.ones_like(w0[n]) for n in names}
    c, h, w = spec["input"]
    ones = torch.ones(1, c, h, w)
    total = sum(m.numel() for m in masks.values())
    for k in range(1, iterations + 1):
        with torch.no_grad():
            for n in names:
                p[n].copy_(w0[n] * masks[n])
        r = R.run(spec, p, st, ones, False).sum()
        g = torch.autograd.grad(r, [p[n] for n in names])
        sc = [(p[n] * gi).abs() for n, gi in zip(names, g)]
        if k == iterations:
            break
        flat = torch.cat([s.reshape(-1) for s in sc])
        keep = int(round((1 - sparsity) ** (k / iterations) * total))
        thr = torch.kthvalue(flat, total - keep + 1).values if keep < total else flat.min() - 1
        for n, s in zip(names, sc):
            masks[n] = (s >= thr).float()
    return sc


def timed(fn, reps, warm=True):
    if warm:
        fn()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return sorted(t)[len(t) // 2]


def main(argv):
    models = argv[1]
    reps = int(argv[2]) if len(argv) > 2 else 3
    if len(argv) > 3:
        torch.set_num_threads(int(argv[3]))
    np.random.seed(1)
    for net in ("resnet20", "vgg16"):
        spec, arrays = build(os.path.join(models, net + ".cfg"))
        c, h, w = spec["input"]
        x = torch.randn(100, c, h, w)
        y = torch.arange(100) % spec["classes"]
        print(net, "snip", "%.4f" % timed(lambda: snip(spec, arrays, x, y), reps), flush=True)
        print(net, "grasp", "%.4f" % timed(lambda: grasp(spec, arrays, x, y), reps), flush=True)
        print(net, "synflow", "%.4f" % timed(lambda: synflow(spec, arrays), 1, False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
