#!/usr/bin/env python3
"""Issue 18: every variant of a merged sweep against unstructured PaI
(UPaI) with the same method, sparsity and seed.  Prints a markdown table:
seeds paired, mean accuracy, the paired difference to UPaI per seed and
its mean, and UPaI's stored bytes, MACs and batch-1 latency over the
variant's (above 1: the variant is smaller or faster).  The last column
compares at equal size instead: the variant's mean accuracy minus UPaI's
(same method) interpolated at the variant's stored bytes, linearly in
log bytes between the UPaI models of the grid's sparsities and the dense
model ("-" outside that range).  Several merged
files may be given (rounds of one study); a job in two of them counts
once (same id).

    python3 docs/results/variant_table.py docs/results/resnet20-fmnist-r18/merged.json \
        docs/results/resnet20-fmnist-r18b/merged.json

Reads only merged.json files (reconvene sweep merge); standard library only.
"""
import json
import math
import sys


def mean(xs):
    return sum(xs) / len(xs)


def frontier(by, method):
    """(log bytes, mean accuracy) of UPaI at each sparsity and of dense."""
    pts = []
    for (m, sp, v), runs in by.items():
        if (v == "upai" and m == method) or v == "dense":
            rs = list(runs.values())
            pts.append((math.log(mean([r["size"]["storage_bytes"] for r in rs])),
                        mean([100.0 * r["accuracy"] for r in rs])))
    return sorted(pts)


def at_bytes(pts, b):
    x = math.log(b)
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if x0 <= x <= x1 and x1 > x0:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return None


def main(paths):
    by = {}
    seen = set()
    for path in paths:
        for r in json.load(open(path))["results"]:
            if r["id"] in seen:
                continue
            seen.add(r["id"])
            key = (r.get("method"), r.get("sparsity"), r.get("variant"))
            by.setdefault(key, {})[r.get("seed")] = r
    rows = sorted((k for k in by if k[2] not in ("upai", "dense") and k[0]),
                  key=lambda k: (k[0], k[1], k[2] != "reconvene", k[2]))
    print("| method | s | variant | seeds | acc % | - UPaI (per seed) | bytes UPaI / variant "
          "| MACs UPaI / variant | latency UPaI / variant | - UPaI at equal bytes |")
    print("| --- | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    acc = lambda r: 100.0 * r["accuracy"]
    for m, sp, v in rows:
        var, upa = by[(m, sp, v)], by.get((m, sp, "upai"), {})
        seeds = sorted(set(var) & set(upa))
        if not seeds:
            continue
        diffs = [acc(var[s]) - acc(upa[s]) for s in seeds]
        ratio = lambda a, b: mean([upa[s][a][b] for s in seeds]) / mean([var[s][a][b] for s in seeds])
        a = mean([acc(var[s]) for s in seeds])
        eq = at_bytes(frontier(by, m), mean([var[s]["size"]["storage_bytes"] for s in seeds]))
        print("| %s | %g | %s | %d | %.2f | %+.2f (%s) | %.2fx | %.2fx | %.2fx | %s |" % (
            m, sp, v, len(seeds), a, mean(diffs),
            ", ".join("%+.2f" % x for x in diffs), ratio("size", "storage_bytes"),
            ratio("size", "macs"), ratio("timing", "latency_ms"),
            "-" if eq is None else "%+.2f" % (a - eq)))


if __name__ == "__main__":
    main(sys.argv[1:] or ["docs/results/resnet20-fmnist-r18/merged.json"])
