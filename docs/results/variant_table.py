#!/usr/bin/env python3
"""Issue 18: every variant of a merged sweep against unstructured PaI
(UPaI) with the same method, sparsity and seed.  Prints a markdown table:
seeds paired, mean accuracy, the paired difference to UPaI per seed and
its mean, and UPaI's stored bytes, MACs and batch-1 latency over the
variant's (above 1: the variant is smaller or faster).  Several merged
files may be given (rounds of one study); a job in two of them counts
once (same id).

    python3 docs/results/variant_table.py docs/results/resnet20-fmnist-r18/merged.json \
        docs/results/resnet20-fmnist-r18b/merged.json

Reads only merged.json files (reconvene sweep merge); standard library only.
"""
import json
import sys


def mean(xs):
    return sum(xs) / len(xs)


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
          "| MACs UPaI / variant | latency UPaI / variant |")
    print("| --- | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: |")
    acc = lambda r: 100.0 * r["accuracy"]
    for m, sp, v in rows:
        var, upa = by[(m, sp, v)], by.get((m, sp, "upai"), {})
        seeds = sorted(set(var) & set(upa))
        if not seeds:
            continue
        diffs = [acc(var[s]) - acc(upa[s]) for s in seeds]
        ratio = lambda a, b: mean([upa[s][a][b] for s in seeds]) / mean([var[s][a][b] for s in seeds])
        print("| %s | %g | %s | %d | %.2f | %+.2f (%s) | %.2fx | %.2fx | %.2fx |" % (
            m, sp, v, len(seeds), mean([acc(var[s]) for s in seeds]), mean(diffs),
            ", ".join("%+.2f" % x for x in diffs), ratio("size", "storage_bytes"),
            ratio("size", "macs"), ratio("timing", "latency_ms")))


if __name__ == "__main__":
    main(sys.argv[1:] or ["docs/results/resnet20-fmnist-r18/merged.json"])
