#!/usr/bin/env python3
"""PyTorch side of bench/bench_latency.c: batch-1 inference latency.

  /usr/bin/python3 bench/bench_latency_torch.py MODELS_DIR [runs [threads [net ...]]]
  /usr/bin/python3 bench/bench_latency_torch.py --serve MODELS_DIR [runs]

A net is a model name in MODELS_DIR or a path to a cfg file (a pruned
bundle's model.cfg: the compacted widths); lines name it as given.

Builds each net (default resnet20 and vgg16) from our cfg file as an
ordinary nn.Module (nn.Conv2d, nn.BatchNorm2d, ... run in the cfg's order,
the way a hand-written PyTorch model runs), float32, Kaiming weights, in
eval mode, and times single forwards of one 1xCxHxW input under
torch.inference_mode() with torch.set_num_threads(2):

  eager   the module as is
  jit     torch.jit.freeze(torch.jit.trace(module)) (BN folded into the
          convs, no Python per layer): PyTorch's own best case on CPU

Each figure is the median of `runs` single-forward timings (default 200,
and at least 0.3 s of timed time) after 20 warm-up forwards.  Prints
"net variant median_ms p10_ms p90_ms runs", one line each.

--serve: prints "ready" once torch is imported, then reads commands from
stdin, one a line, and answers each on stdout, until end of input:
  threads N          torch.set_num_threads(N); answers "ok"
  measure NET VAR    VAR eager or jit; answers the figure line above
Nets are built (and traced) once, on first use, outside any timing.  This
is how bench_latency alternates ours and PyTorch's net by net, seconds
apart, rather than minutes (on a shared machine the load moves within a
minute).

On a loaded machine 2 threads can be far slower than 1: at batch 1 every
op is a short parallel region, and libgomp's barrier spin-waits for a
thread that another process has descheduled.
"""

import os
import sys
import time

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
import score_reference as R  # noqa: E402


class Add(nn.Module):
    def forward(self, a, b):
        return a + b


class CfgNet(nn.Module):
    """The DAG of a cfg file; layer i reads the outputs named by ins[i]."""

    def __init__(self, spec):
        super().__init__()
        c, h, w = spec["input"]
        shapes = []
        mods, self.ins = [], []
        for L in spec["layers"]:
            k, keys = L["kind"], L["keys"]
            src = L["in"][0]
            ic, ih, iw = (c, h, w) if src < 0 else shapes[src]
            if k == "conv":
                o, s = int(keys["out"]), R.ival(keys, "size", 1)
                st, p = R.ival(keys, "stride", 1), R.ival(keys, "pad", 0)
                m = nn.Conv2d(ic, o, s, st, p, groups=R.ival(keys, "groups", 1),
                              bias=bool(R.ival(keys, "bias", 0)))
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                shp = (o, (ih + 2 * p - s) // st + 1, (iw + 2 * p - s) // st + 1)
            elif k == "bn":
                m, shp = nn.BatchNorm2d(ic), (ic, ih, iw)
            elif k == "relu":
                clip = float(keys.get("clip", 0) or 0)
                m = nn.ReLU6() if clip == 6 else nn.ReLU()
                shp = (ic, ih, iw)
            elif k in ("maxpool", "avgpool"):
                s = R.ival(keys, "size", 2)
                st, p = R.ival(keys, "stride", 0) or s, R.ival(keys, "pad", 0)
                cls = nn.MaxPool2d if k == "maxpool" else nn.AvgPool2d
                m = cls(s, st, p)
                shp = (ic, (ih + 2 * p - s) // st + 1, (iw + 2 * p - s) // st + 1)
            elif k == "gap":
                m, shp = nn.AdaptiveAvgPool2d(1), (ic, 1, 1)
            elif k == "flatten":
                m, shp = nn.Flatten(), (ic * ih * iw, 1, 1)
            elif k == "linear":
                o = spec["classes"] if keys["out"] == "classes" else int(keys["out"])
                m = nn.Sequential(nn.Flatten(), nn.Linear(ic * ih * iw, o,
                                                          bias=bool(R.ival(keys, "bias", 0))))
                shp = (o, 1, 1)
            elif k == "add":
                m, shp = Add(), (ic, ih, iw)
            else:
                raise ValueError("unknown layer kind " + k)
            mods.append(m)
            self.ins.append(list(L["in"]))
            shapes.append(shp)
        self.layers = nn.ModuleList(mods)

    def forward(self, x):
        acts = []
        for m, ins in zip(self.layers, self.ins):
            args = [x if i < 0 else acts[i] for i in ins]
            acts.append(m(*args))
        return acts[-1]


def measure(fn, x, runs, warm=20, min_s=0.3):
    for _ in range(warm):
        fn(x)
    t = []
    total = 0.0
    while len(t) < runs or total < min_s:
        t0 = time.perf_counter()
        fn(x)
        dt = time.perf_counter() - t0
        t.append(dt)
        total += dt
    t.sort()
    n = len(t)

    def q(f):
        return t[min(n - 1, max(0, int(f * n + 0.999999) - 1))] * 1e3
    return t[n // 2] * 1e3, q(0.1), q(0.9), n


def cfg_path(models, name):
    return name if name.endswith(".cfg") else os.path.join(models, name + ".cfg")


def serve(models, runs):
    """The --serve loop (module docstring)."""
    torch.manual_seed(1)
    built = {}
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if len(words) == 2 and words[0] == "threads":
            torch.set_num_threads(int(words[1]))
            print("ok", flush=True)
            continue
        if len(words) != 3 or words[0] != "measure" or words[2] not in ("eager", "jit"):
            print("error: unknown command " + line.strip(), flush=True)
            continue
        name, var = words[1], words[2]
        if name not in built:
            spec = R.cfg_parse(cfg_path(models, name))
            net = CfgNet(spec).eval()
            c, h, w = spec["input"]
            x = torch.randn(1, c, h, w)
            with torch.no_grad():
                jit = torch.jit.freeze(torch.jit.trace(net, x))
            built[name] = (net, jit, x)
        net, jit, x = built[name]
        if var == "eager":
            with torch.inference_mode():
                med, p10, p90, n = measure(net, x, runs)
        else:
            with torch.no_grad():
                med, p10, p90, n = measure(jit, x, runs)
        print(name, var, "%.4f %.4f %.4f %d" % (med, p10, p90, n), flush=True)
    return 0


def main(argv):
    if len(argv) > 2 and argv[1] == "--serve":
        return serve(argv[2], int(argv[3]) if len(argv) > 3 else 200)
    models = argv[1]
    runs = int(argv[2]) if len(argv) > 2 else 200
    threads = int(argv[3]) if len(argv) > 3 else 2
    nets = argv[4:] or ["resnet20", "vgg16"]
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    for name in nets:
        spec = R.cfg_parse(cfg_path(models, name))
        net = CfgNet(spec).eval()
        c, h, w = spec["input"]
        x = torch.randn(1, c, h, w)
        with torch.inference_mode():
            med, p10, p90, n = measure(net, x, runs)
            print(name, "eager", "%.4f %.4f %.4f %d" % (med, p10, p90, n), flush=True)
        with torch.no_grad():
            jit = torch.jit.freeze(torch.jit.trace(net, x))
            med, p10, p90, n = measure(jit, x, runs)
            print(name, "jit", "%.4f %.4f %.4f %d" % (med, p10, p90, n), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
