#!/usr/bin/env python3
"""The paper's claim, checked on a merged sweep: for each PaI method and
sparsity, Reconvene against unstructured PaI (UPaI) with the same seeds.
Prints a markdown table: accuracy of both (mean over seeds), the paired
difference per seed and its mean, and the size, MAC and latency ratios.

    python3 docs/results/claim_table.py docs/results/resnet20-fmnist/merged.json

Reads only merged.json (reconvene sweep merge); standard library only.
"""
import json
import sys


def main(path):
    d = json.load(open(path))
    by = {}
    for r in d["results"]:
        key = (r.get("method"), r.get("sparsity"), r.get("variant"))
        by.setdefault(key, {})[r.get("seed")] = r
    pairs = sorted({(m, sp) for (m, sp, v) in by if v == "reconvene"},
                   key=lambda k: (k[0] or "", k[1] or 0))
    print("| method | s | seeds | UPaI acc % | Reconvene acc % | Reconvene - UPaI "
          "(per seed) | uniform acc % | stored bytes UPaI / Reconvene | MACs UPaI / "
          "Reconvene | latency UPaI / Reconvene |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for m, sp in pairs:
        rec = by.get((m, sp, "reconvene"), {})
        upa = by.get((m, sp, "upai"), {})
        uni = by.get((m, sp, "uniform"), {})
        seeds = sorted(set(rec) & set(upa))
        if not seeds:
            continue
        acc = lambda r: 100.0 * r["accuracy"]
        diffs = [acc(rec[s]) - acc(upa[s]) for s in seeds]
        mean = lambda xs: sum(xs) / len(xs)
        u = [acc(uni[s]) for s in seeds if s in uni]
        def metric(r, *path):
            for p in path:
                r = r[p]
            return r
        sb = mean([metric(upa[s], "size", "storage_bytes") for s in seeds]) / \
            mean([metric(rec[s], "size", "storage_bytes") for s in seeds])
        mc = mean([metric(upa[s], "size", "macs") for s in seeds]) / \
            mean([metric(rec[s], "size", "macs") for s in seeds])
        lat = mean([metric(upa[s], "timing", "latency_ms") for s in seeds]) / \
            mean([metric(rec[s], "timing", "latency_ms") for s in seeds])
        print("| %s | %g | %d | %.2f | %.2f | %+.2f (%s) | %s | %.2fx | %.2fx | %.2fx |" % (
            m, sp, len(seeds), mean([acc(upa[s]) for s in seeds]),
            mean([acc(rec[s]) for s in seeds]), mean(diffs),
            ", ".join("%+.2f" % x for x in diffs),
            "%.2f" % mean(u) if len(u) == len(seeds) else "-", sb, mc, lat))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/results/resnet20-fmnist/merged.json")
