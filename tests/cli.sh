#!/bin/sh
# End-to-end tests of the command line: exit codes, --help, info (table and
# JSON), overrides, and one clear error line for bad input.
. "$(dirname "$0")/cli_lib.sh"

expect 0 "$bin" --help
contains "$tmp/out" "usage: reconvene"
contains "$tmp/out" "info"
expect 0 "$bin" --version
contains "$tmp/out" "reconvene "
contains "$tmp/out" "blas: "
contains "$tmp/out" "conv 3x3: "
# The direct 3x3 kernels' cap (conv3x3_cap_isa, from RECONVENE_CONV3X3_ISA):
# none turns them off on any CPU; avx2 shows AVX2 where the CPU has it.
expect 0 env RECONVENE_CONV3X3_ISA=none "$bin" --version
contains "$tmp/out" "conv 3x3: none ("
expect 0 env RECONVENE_CONV3X3_ISA=sse "$bin" --version
contains "$tmp/err" "RECONVENE_CONV3X3_ISA='sse' is not avx512, avx2 or none: ignored"
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null; then
	expect 0 env RECONVENE_CONV3X3_ISA=avx2 "$bin" --version
	contains "$tmp/out" "conv 3x3: AVX2 direct kernels"
fi
# The BLAS kernel choice (tui/host/blas_kernel.c), made to run here by
# pretending OpenBLAS chose its SSE3 kernels: switched to the best this CPU
# has, or, with the check forced to fail, back to Prescott; either way the
# program still computes (info and a short score).  A machine that sets
# OPENBLAS_CORETYPE for everyone (this one's image sets Haswell) would
# make reconvene keep the user's choice, so the variable is unset here.
if grep -q "OpenBLAS" "$tmp/out" && grep -qw avx /proc/cpuinfo 2>/dev/null; then
	expect 0 env -u OPENBLAS_CORETYPE RECONVENE_BLAS_PRETEND=Prescott "$bin" --version
	contains "$tmp/out" "OpenBLAS chose Prescott for this CPU; switched"
	expect 0 env -u OPENBLAS_CORETYPE RECONVENE_BLAS_PRETEND=Prescott RECONVENE_BLAS_CHECK=fail "$bin" --version
	contains "$tmp/out" "Prescott kernels ("
	contains "$tmp/out" "disagreed with a naive GEMM"
	expect 0 env -u OPENBLAS_CORETYPE RECONVENE_BLAS_PRETEND=Prescott RECONVENE_BLAS_CHECK=fail "$bin" score lenet5 --method magnitude --json
	contains "$tmp/out" '"method"'
fi
expect 2 "$bin" frobnicate
contains "$tmp/err" "unknown command 'frobnicate'"
expect 2 "$bin"
# Explorer option errors name the option and point to its help.
expect 2 "$bin" --seed=abc
contains "$tmp/err" "reconvene: --seed: a whole number"
contains "$tmp/err" "Try 'reconvene --help-explorer'."
expect 0 "$bin" --help-explorer
contains "$tmp/out" "--record FILE"
contains "$tmp/out" "--eval-steps N"
expect 2 "$bin" --eval-steps 0
contains "$tmp/err" "reconvene: --eval-steps: a whole number of SGD steps from 1 to 100000"
# The training-budget options: one parser (cli/budget_opts.c) for every
# command that takes them, one usage line naming the option and value.
expect 2 "$bin" eval lenet5 --steps 0
contains "$tmp/err" "reconvene eval: --steps '0' is not a positive integer"
expect 2 "$bin" train lenet5 --epochs 100001
contains "$tmp/err" "reconvene train: --epochs '100001' is not an integer in 1..100000"
expect 2 "$bin" report "$tmp" --batch 65537
contains "$tmp/err" "reconvene report: --batch '65537' is not an integer in 1..65536"
expect 2 "$bin" run lenet5 --batch x
contains "$tmp/err" "reconvene run: --batch 'x' is not an integer in 1..65536"
expect 2 "$bin" eval lenet5 --test 2x
contains "$tmp/err" "reconvene eval: --test '2x' is not a positive integer"
expect 2 "$bin" report "$tmp" --train -1
contains "$tmp/err" "reconvene report: --train '-1' is not a positive integer"
expect 2 "$bin" tour --check --eval-steps x
contains "$tmp/err" "reconvene tour: --eval-steps: a whole number of SGD steps"
expect 0 "$bin" info --help
contains "$tmp/out" "--input CxHxW"

# The default model is resnet20, with the published totals.
expect 0 "$bin" info
contains "$tmp/out" "resnet20"
contains "$tmp/out" "272,474 params"
contains "$tmp/out" "40,813,184 MACs"

expect 0 "$bin" info vgg16 --json
python3 - "$tmp/out" <<'PY' && ok || bad "vgg16 JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["model"] == "vgg16", d["model"]
assert d["input"] == [3, 32, 32]
assert d["params"] == 14724042, d["params"]
assert d["macs"] == 313201664, d["macs"]
assert sum(l["params"] for l in d["layers"]) == d["params"]
assert sum(l["macs"] for l in d["layers"]) == d["macs"]
need = {"name", "kind", "in", "out", "params", "macs"}
assert all(need <= set(l) for l in d["layers"])
assert d["layers"][-1]["out"] == [10, 1, 1]
PY

# Overrides: 4x the pixels, 4x the MACs; classes change the last layer.
expect 0 "$bin" info resnet20 --input 3x64x64 --classes 100 --json
python3 - "$tmp/out" <<'PY' && ok || bad "resnet20 overrides"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["input"] == [3, 64, 64]
assert d["classes"] == 100
assert d["params"] == 272474 + 64 * 90 + 90, d["params"]
assert d["macs"] == 4 * (40813184 - 640) + 6400, d["macs"]
PY

# A cfg given by path.
expect 0 "$bin" info "$src/models/lenet5.cfg"
contains "$tmp/out" "61,706 params"

# Usage errors exit 2; runtime failures exit 1 with one line naming the file.
expect 2 "$bin" info --input 3x32
contains "$tmp/err" "--input"
expect 2 "$bin" info --classes zero
expect 2 "$bin" info --bogus
expect 2 "$bin" info resnet20 vgg16
expect 1 "$bin" info no_such_model
one_line "$tmp/err"
contains "$tmp/err" "no_such_model"
expect 1 "$bin" info "$tmp/missing.cfg"
one_line "$tmp/err"
contains "$tmp/err" "missing.cfg"
printf '[net]\ninput = 3x32x32\nclasses = 10\n[conv]\nout = 8\nsize = banana\n' >"$tmp/bad.cfg"
expect 1 "$bin" info "$tmp/bad.cfg"
one_line "$tmp/err"
contains "$tmp/err" "bad.cfg:6:"
printf '[net]\ninput = 3x32x32\nclasses = 10\n[conv]\nout = 8\nsize = 3\n[add]\nfrom = data\n' >"$tmp/shape.cfg"
expect 1 "$bin" info "$tmp/shape.cfg"
one_line "$tmp/err"
contains "$tmp/err" "shape.cfg"
# Unknown keys warn but still work.
printf '[net]\ninput = 1x8x8\nclasses = 2\n[conv]\nout = 2\nsise = 3\n[linear]\nout = classes\n' >"$tmp/warn.cfg"
expect 0 "$bin" info "$tmp/warn.cfg"
contains "$tmp/err" "warn.cfg:6:"

# groups: resnet20 has 12 prunable groups (9 block-internal + 3 stage).
expect 0 "$bin" groups resnet20 --json
python3 - "$tmp/out" <<'PY' && ok || bad "groups JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["model"] == "resnet20"
assert d["prunable"] == 12, d["prunable"]
names = [g["name"] for g in d["groups"] if g["prunable"]]
assert "layer1.0.conv1" in names and "conv1" in names, names
PY
expect 2 "$bin" groups --bogus

# score: densities agree with the kept counts, kept total = 10 % of weights.
expect 0 "$bin" score lenet5 --method magnitude --sparsity 0.9 --json
python3 - "$tmp/out" <<'PY' && ok || bad "score JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["method"] == "magnitude" and d["sparsity"] == 0.9
total = sum(l["params"] for l in d["layers"])
kept = sum(l["kept"] for l in d["layers"])
assert kept == round(0.1 * total), (kept, total)
for l in d["layers"]:
    assert abs(l["density"] - l["kept"] / l["params"]) < 1e-9
PY
# score --compare: five methods' densities per layer, each equal to the
# single-method run, and ten pairwise agreements in [-1, 1].
mkdir -p "$tmp/nodata"
expect 0 "$bin" score lenet5 --compare --iterations 5 --data "$tmp/nodata" --json
cp "$tmp/out" "$tmp/compare.json"
expect 0 "$bin" score lenet5 --method grasp --iterations 5 --data "$tmp/nodata" --json
python3 - "$tmp/compare.json" "$tmp/out" <<'PY' && ok || bad "score --compare JSON"
import json, sys
d = json.load(open(sys.argv[1]))
one = json.load(open(sys.argv[2]))
names = ["random", "magnitude", "snip", "grasp", "synflow"]
assert [m["name"] for m in d["methods"]] == names, d["methods"]
assert len(d["agreement"]) == 10, d["agreement"]
for k, v in d["agreement"].items():
    assert v["mean_kendall_tau"] is None or -1 <= v["mean_kendall_tau"] <= 1, (k, v)
for l, g in zip(d["layers"], one["layers"]):
    assert l["name"] == g["name"] and set(l["density"]) == set(names), l
    assert l["density"]["grasp"] == g["density"], (l, g)
    assert len(l["kendall_tau"]) == 10
PY
expect 0 "$bin" score lenet5 --compare --iterations 5 --data "$tmp/nodata"
contains "$tmp/out" "channel order agreement"
contains "$tmp/out" "      random  magnitude       snip      grasp    synflow"
expect 2 "$bin" score lenet5 --compare --method snip
contains "$tmp/err" "--compare scores with every method; leave out --method"
expect 2 "$bin" score lenet5 --compare --save-scores "$tmp/s.safetensors"
contains "$tmp/err" "does not go with --compare"
expect 2 "$bin" score lenet5 --method bogus
contains "$tmp/err" "--method"
expect 2 "$bin" score lenet5 --sparsity 1.5
# The Reconvene options parse alike in every command and the explorer.
expect 2 "$bin" score lenet5 --seed abc
contains "$tmp/err" "reconvene score: --seed: a whole number"
expect 2 "$bin" prune lenet5 --auto --out "$tmp/p" --k 2 --tau 0.3
contains "$tmp/err" "--tau and --k both select layers"

# bench --widths: the staircase of lenet5's conv2 group (16 channels: every
# width; conv2 makes the channels, fc1 reads 25 features per channel).
XDG_CACHE_HOME="$tmp/xdg"
export XDG_CACHE_HOME
expect 0 "$bin" bench lenet5 --widths conv2 --threads 1 --json
cp "$tmp/out" "$tmp/widths1.json"
python3 - "$tmp/out" <<'PY' && ok || bad "bench --widths JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["model"] == "lenet5" and d["threads"] == 1, d
g, = d["groups"]
assert g["group"] == "conv2" and g["channels"] == 16 and g["layers"] == ["conv2", "fc1"], g
ws = [p["width"] for p in g["points"]]
assert ws == list(range(1, 17)), ws
macs = [p["macs"] for p in g["points"]]
assert all(b - a == macs[1] - macs[0] for a, b in zip(macs, macs[1:])), macs
for p in g["points"]:
    assert p["ms"] > 0 and p["free_width"] >= p["width"], p
    assert p["slow"] == (p["free_width"] > p["width"]), p
PY
# The second time from the result cache (the same figures); --no-cache
# measures again.
expect 0 "$bin" bench lenet5 --widths conv2 --threads 1 --json
python3 - "$tmp/widths1.json" "$tmp/out" <<'PY' && ok || bad "bench --widths cache"
import json, sys
a, b = (json.load(open(f))["groups"][0] for f in sys.argv[1:])
assert a["cached"] is False and b["cached"] is True, (a["cached"], b["cached"])
del a["cached"], b["cached"]
assert a == b
PY
expect 0 "$bin" bench lenet5 --widths conv2 --threads 1 --json --no-cache
contains "$tmp/out" '"cached": false'
expect 0 "$bin" bench lenet5 --widths conv2 --threads 2 --json
contains "$tmp/out" '"cached": false'
expect 2 "$bin" bench lenet5 --no-cache
contains "$tmp/err" "--no-cache goes with --widths"
expect 0 "$bin" bench lenet5 --widths all --threads 1
contains "$tmp/out" "lenet5: group conv1, 6 channels (conv1, conv2)"
contains "$tmp/out" "lenet5: group fc2, 84 channels (fc2, fc)"
expect 2 "$bin" bench lenet5 --widths conv9
contains "$tmp/err" "no group 'conv9' in lenet5 (prunable groups: conv1, conv2, fc1, fc2, or all)"
expect 2 "$bin" bench lenet5 --widths data
contains "$tmp/err" "cannot prune group 'data'"
expect 2 "$bin" bench lenet5 --widths conv1 --auto
contains "$tmp/err" "--widths measures the dense model's layers"

# prune --auto --align N: every rectified group keeps a multiple of N.
expect 0 "$bin" prune resnet20 --auto --align 8 --iterations 10 --out "$tmp/al8"
python3 - "$tmp/al8/plan.json" "$tmp/al8/report.json" <<'PY' && ok || bad "prune --align"
import json, sys
plan = json.load(open(sys.argv[1]))
full = {"conv1": 16, "layer1.0.conv1": 16, "layer1.1.conv1": 16, "layer1.2.conv1": 16}
changed = [k for k, v in plan["groups"].items() if k in plan.get("kept", {})]
assert changed, plan["groups"]
assert all(plan["groups"][k] % 8 == 0 for k in changed), plan["groups"]
assert json.load(open(sys.argv[2]))["settings"]["align"] == 8
PY
expect 2 "$bin" prune resnet20 --plan "$tmp/al8/plan.json" --align 8 --out "$tmp/x"
contains "$tmp/err" "--align rounds the automatic plan"
expect 2 "$bin" prune resnet20 --auto --align 0 --out "$tmp/x"
contains "$tmp/err" "align: auto or a whole number in 1..4096 (1: off), not '0'"
# score --stability N: N initialisations and N scorings.
expect 0 "$bin" score resnet20 --stability 3 --method random --sparsity 0.95 --tau 0.3 --json
python3 - "$tmp/out" <<'PY' && ok || bad "score --stability JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["runs"] == 3 and d["init_runs"] and not d["deterministic"], d
rows = {l["name"]: l for l in d["layers"]}
assert len(rows) == 22
for l in d["layers"]:
    assert len(l["density"]) == 3 and 0 <= l["resilient_runs"] <= 3, l
    assert l["flips"] == (0 < l["resilient_runs"] < 3), l
    if "channel_kept_runs" in l:
        k = l["channel_kept_runs"]
        assert len(k) == l["channels"] and all(0 <= v <= 3 for v in k), l
        if l["rectified_runs"] == 0:
            assert all(v == 3 for v in k), l
assert any(l.get("rectified_runs", 0) > 0 for l in d["layers"])
PY
expect 0 "$bin" score lenet5 --stability 2 --method magnitude
contains "$tmp/out" "one scoring stands for all"
contains "$tmp/out" "always sometimes never"
expect 2 "$bin" score lenet5 --stability 0
contains "$tmp/err" "--stability: a whole number of runs in 1..1000, not '0'"
expect 2 "$bin" score lenet5 --stability 2 --compare
contains "$tmp/err" "--stability goes alone"

# score --probe: each prunable group alone pruned 25/50/75 %, on a tiny
# quick-eval budget (lenet5: resnet20 takes a minute even so; its residual
# groups are checked in check_group_probe) (the synthetic set when no dataset is installed): JSON,
# the CSV (the dense row, then one row per group) and the PNG.
expect 0 "$bin" score lenet5 --probe --method magnitude --steps 2 --test 20 --json \
	--csv "$tmp/probe.csv" --png "$tmp/probe.png"
python3 - "$tmp/out" "$tmp/probe.csv" <<'PY' && ok || bad "score --probe JSON and CSV"
import csv, json, sys
d = json.load(open(sys.argv[1]))
g = {x["name"]: x for x in d["groups"]}
assert sorted(g) == ["conv1", "conv2", "fc1", "fc2"], sorted(g)
assert d["budget"]["steps"] == 2 and d["budget"]["test"] == 20, d["budget"]
assert g["fc1"]["layers"] == ["fc1"] and not g["fc1"]["residual"]
assert [c["kept"] for c in g["conv2"]["probe"]] == [12, 8, 4]
for x in d["groups"]:
    assert [c["ratio"] for c in x["probe"]] == [0.25, 0.5, 0.75], x
    for c in x["probe"]:
        assert 0 <= c["accuracy"] <= 1 and c["ci95"][0] <= c["accuracy"] <= c["ci95"][1], c
        assert 1 <= c["kept"] < x["channels"], c
rows = list(csv.reader(open(sys.argv[2])))
assert rows[0] == ["group", "layers", "channels", "residual", "acc_25", "acc_50", "acc_75"]
assert rows[1][0] == "dense" and len(rows) == 2 + 4, rows
for r in rows[2:]:
    x = g[r[0]]
    assert int(r[2]) == x["channels"], r
    assert [float(v) for v in r[4:]] == [round(c["accuracy"], 6) for c in x["probe"]], r
PY
if [ -s "$tmp/probe.png" ] && head -c 8 "$tmp/probe.png" | od -c | grep -q 'P   N   G'
then ok; else bad "score --probe --png wrote no PNG"; fi
expect 2 "$bin" score lenet5 --probe --stability 2
contains "$tmp/err" "--probe goes alone"
expect 2 "$bin" score lenet5 --csv x.csv
contains "$tmp/err" "go with --probe"
# a CSV or PNG path it cannot write fails before the probe trains: at
# once, one line, and the probe's progress never starts
expect 1 "$bin" score lenet5 --probe --method magnitude --steps 2 --test 20 --csv "$tmp/no/such/dir/p.csv"
one_line "$tmp/err"
contains "$tmp/err" "$tmp/no/such/dir/p.csv: cannot create"
lacks "$tmp/err" "probe:"
expect 1 "$bin" score lenet5 --probe --method magnitude --steps 2 --test 20 --png "$tmp"
contains "$tmp/err" "$tmp: is a directory"

# --align auto: each rectified group keeps the free width of its measured
# staircase at Reconvene's count: bench --widths reads the same cache
# entries afterwards (one thread for both: part of the key).
expect 0 "$bin" prune resnet20 --auto --iterations 10 --out "$tmp/al1" --json
cp "$tmp/out" "$tmp/al1.json"
expect 0 env OPENBLAS_NUM_THREADS=1 "$bin" prune resnet20 --auto --align auto --iterations 10 --out "$tmp/alauto"
contains "$tmp/err" "--align auto: "
contains "$tmp/err" " from the cache (1 thread)"
# prune --json: what each layer's channels do to its params and MACs
python3 - "$tmp/al1.json" <<'PY' && ok || bad "prune --json per-layer cost"
import json, sys
d = json.load(open(sys.argv[1]))
assert "multiply-accumulates" in d["units"]["macs"], d["units"]
rows = {l["name"]: l for l in d["layers"]}
c1 = rows["layer2.1.conv1"]   # rectified: its output channels shrink
assert c1["channels_after"] < c1["channels_before"], c1
assert c1["params_after"] * c1["channels_before"] == c1["params"] * c1["channels_after"], c1
assert c1["macs_after"] * c1["channels_before"] == c1["macs"] * c1["channels_after"], c1
c2 = rows["layer2.1.conv2"]   # its consumer: fewer inputs, same outputs
assert c2["channels_after"] == c2["channels_before"], c2
assert c2["params_after"] * c1["channels_before"] == c2["params"] * c1["channels_after"], c2
PY
python3 - "$tmp/al1.json" "$tmp/alauto/plan.json" "$tmp/alauto/report.json" > "$tmp/algroups" <<'PY' && ok || bad "prune --align auto"
import json, sys
a = json.load(open(sys.argv[1]))["groups"]   # the rectified groups only
b = json.load(open(sys.argv[2]))["groups"]
assert json.load(open(sys.argv[3]))["settings"]["align"] == "auto"
assert a
for g, v in a.items():
    assert v["channels"] >= b[g] >= v["keep"], (g, v, b[g])
    print(g, v["keep"], b[g])
PY
while read -r g before after; do
	expect 0 env OPENBLAS_NUM_THREADS=1 "$bin" bench resnet20 --widths "$g" --threads 1 --json
	python3 - "$tmp/out" "$before" "$after" <<'PY' && ok || bad "--align auto $g = bench --widths free_width"
import json, sys
g, = json.load(open(sys.argv[1]))["groups"]
assert g["cached"] is True, "not the staircase prune measured"
p, = [p for p in g["points"] if p["width"] == int(sys.argv[2])]
assert p["free_width"] == int(sys.argv[3]), (p, sys.argv[3])
PY
done < "$tmp/algroups"
expect 0 env OPENBLAS_NUM_THREADS=1 "$bin" prune resnet20 --auto --align auto --iterations 10 --out "$tmp/alauto2"
contains "$tmp/err" "--align auto: 0 staircases measured"
# The explorer takes --align auto (it measures; tests/check_app.c), but
# not into a recording, and a replay refuses it: both must not depend on
# measured latencies.
expect 2 "$bin" --config /dev/null --align auto --record "$tmp/rec.keys"
contains "$tmp/err" "--align auto cannot be recorded"
expect 2 "$bin" replay /dev/null --align auto
contains "$tmp/err" "a replay must not depend on measured latencies"

# bench: four variants with positive medians.
expect 0 "$bin" bench lenet5 --method magnitude --runs 3 --json
python3 - "$tmp/out" <<'PY' && ok || bad "bench JSON"
import json, sys
d = json.load(open(sys.argv[1]))
s = json.dumps(d)
for v in ("dense", "unstructured", "structured"):
    assert v in s, v
# the kernels the latencies were measured with
assert d["blas"]["kernels"], d["blas"]
assert d["conv3x3"].split(" (")[0] in ("AVX-512 direct kernels", "AVX2 direct kernels", "none"), d["conv3x3"]
PY
expect 2 "$bin" bench lenet5 --runs 0

# Issue 18's choices on the command line: --keep-init keeps the shrunk
# layers' initial weights (and says so), --width sqrt/nnz change the
# automatic counts (not a --plan's), bad values are one usage line.
expect 0 "$bin" prune resnet20 --auto --sparsity 0.97 --keep-init --channels random --iterations 10 --out "$tmp/ki" --json
python3 - "$tmp/out" "$tmp/ki/report.json" <<'PY' && ok || bad "prune --keep-init --json"
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["layers"]
assert any(r["rectified"] for r in rows), "nothing rectified"
for r in rows:
    assert not r["reinit"], r["name"]
    if r["rectified"]:
        assert r["dense"], r["name"]
s = json.load(open(sys.argv[2]))["settings"]
assert s["keep_init"] is True and s["channels"] == "random" and s["width"] == "sqrt", s
PY
expect 0 "$bin" prune vgg16 --auto --sparsity 0.97 --width sqrt --iterations 5 --out "$tmp/ws" --json
expect 0 "$bin" prune vgg16 --auto --sparsity 0.97 --width density --iterations 5 --out "$tmp/wd" --json
python3 - "$tmp/ws/plan.json" "$tmp/wd/plan.json" "$tmp/ws/report.json" "$tmp/wd/report.json" <<'PY' && ok || bad "prune --width sqrt"
import json, sys
ws = json.load(open(sys.argv[1]))["groups"]; wd = json.load(open(sys.argv[2]))["groups"]
assert all(ws[g] >= wd[g] for g in wd) and any(ws[g] > wd[g] for g in wd), (ws, wd)
assert json.load(open(sys.argv[3]))["settings"]["width"] == "sqrt"
assert "width" not in json.load(open(sys.argv[4]))["settings"]
PY
# sqrt is the default (issue 18): no option gives --width sqrt's plan
expect 0 "$bin" prune vgg16 --auto --sparsity 0.97 --iterations 5 --out "$tmp/wdef" --json
cmp -s "$tmp/ws/plan.json" "$tmp/wdef/plan.json" && ok || bad "prune: sqrt is the default width"
# the explorer and replay take --width too, but not budget (it builds models)
expect 2 "$bin" --width budget
contains "$tmp/err" "--width budget builds and measures models"
expect 2 "$bin" replay /dev/null --width wide
contains "$tmp/err" "width: density, nnz, sqrt or budget, not 'wide'"
expect 2 "$bin" prune resnet20 --auto --width wide --out "$tmp/x"
contains "$tmp/err" "width: density, nnz, sqrt or budget, not 'wide'"
expect 2 "$bin" prune resnet20 --auto --channels best --out "$tmp/x"
contains "$tmp/err" "channels: score or random, not 'best'"
expect 2 "$bin" prune resnet20 --plan "$tmp/ki/plan.json" --width nnz --out "$tmp/x"
contains "$tmp/err" "--width sets the automatic plan's counts"
expect 0 "$bin" prune --help
contains "$tmp/out" "--keep-init"
expect 0 "$bin" --help-explorer
contains "$tmp/out" "--keep-init"

cli_finish cli.sh
