#!/bin/sh
# End-to-end tests of heatmap, report and the verified prune bundle: exit
# codes, one-line errors, PNG files, bundle contents, the recorded
# verification.  Tiny budgets and the synthetic dataset keep it fast.
. "$(dirname "$0")/cli_lib.sh"

usage_line() { # FILE: a usage error is one message line plus the --help hint
	n=$(wc -l <"$1")
	if [ "$n" -eq 2 ] && sed -n 2p "$1" | grep -qF -- "--help"; then ok; else bad "$1: not a usage error"; cat "$1"; fi
}
is_png() { # FILE: the 8-byte PNG signature
	if [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then
		ok
	else
		bad "$1 is not a PNG"
	fi
}

# --- help and usage errors ---------------------------------------------
expect 0 "$bin" --help
contains "$tmp/out" "heatmap"
contains "$tmp/out" "report"
expect 0 "$bin" heatmap --help
contains "$tmp/out" "--view V"
expect 0 "$bin" report --help
contains "$tmp/out" "--no-eval"
expect 2 "$bin" heatmap lenet5
usage_line "$tmp/err"
contains "$tmp/err" "--png FILE is required"
expect 2 "$bin" heatmap lenet5 --png "$tmp/x.png" --view pie
usage_line "$tmp/err"
expect 2 "$bin" heatmap lenet5 --png "$tmp/x.png" --sparsity 1.5
usage_line "$tmp/err"
expect 2 "$bin" report
usage_line "$tmp/err"
expect 1 "$bin" report "$tmp/nothing"
one_line "$tmp/err"
contains "$tmp/err" "report.json"
expect 1 "$bin" heatmap nosuchmodel --png "$tmp/x.png"
one_line "$tmp/err"
expect 1 "$bin" heatmap lenet5 --png "$tmp/x.png" --theme nosuchtheme
one_line "$tmp/err"
expect 1 "$bin" heatmap lenet5 --png "$tmp/nodir/x.png" --iterations 5
contains "$tmp/err" "nodir"

# --- heatmap -------------------------------------------------------------
expect 0 "$bin" heatmap lenet5 --png "$tmp/l5.png" --iterations 5
is_png "$tmp/l5.png"
contains "$tmp/out" "wrote $tmp/l5.png"
lacks "$tmp/err" "warning"
expect 0 "$bin" heatmap resnet20 --png "$tmp/r20s.png" --view sparsity \
	--iterations 5 --theme light
is_png "$tmp/r20s.png"
expect 0 "$bin" heatmap lenet5 --png "$tmp/mag.png" --method magnitude --view sparsity
is_png "$tmp/mag.png"
# without a font: still a picture, and a warning
RECONVENE_FONT="$tmp/none.ttf" "$bin" heatmap lenet5 --png "$tmp/nofont.png" \
	--iterations 5 >"$tmp/out" 2>"$tmp/err" && ok || bad "heatmap without a font failed"
is_png "$tmp/nofont.png"
contains "$tmp/err" "warning"
contains "$tmp/err" "no text"

# --- prune bundle ------------------------------------------------------------
b="$tmp/bundle"
expect 0 "$bin" prune resnet20 --auto --iterations 5 --out "$b"
contains "$tmp/out" "verification: pass"
for f in model.cfg model.safetensors plan.json report.json heatmap.png; do
	if [ -s "$b/$f" ]; then ok; else bad "bundle lacks $f"; fi
done
is_png "$b/heatmap.png"
expect 0 "$bin" prune lenet5 --auto --k 1 --iterations 5 --out "$tmp/l5b" --json
if command -v /usr/bin/python3 >/dev/null 2>&1; then
	/usr/bin/python3 - "$b/report.json" "$tmp/out" <<'PY' && ok || bad "bundle report.json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "reconvene-report" and d["version"] == 1
assert d["model"] == "resnet20"
assert d["settings"]["synflow_iterations"] == 5
v = d["verification"]
assert v["pass"] is True and v["max_abs_diff"] <= 1e-4, v
assert v["reload_max_abs_diff"] == 0, v
assert d["variants"]["pruned"]["params"] < d["variants"]["dense"]["params"]
assert d["variants"]["dense"]["latency"] is None
assert any(l["channels_after"] < l["channels_before"] for l in d["layers"])
j = json.load(open(sys.argv[2]))
assert j["verification"]["pass"] is True, j["verification"]
PY
fi

# --- report ----------------------------------------------------------------
expect 0 "$bin" report "$b" --steps 2 --train 64 --test 32 --batch 8 \
	--latency-ms 50 --data "$tmp/nodata"
contains "$tmp/out" "verification: pass"
contains "$tmp/out" "unstructured"
contains "$tmp/err" "SYNTHETIC"
is_png "$b/tradeoff.png"
expect 0 "$bin" report "$b" --json --no-eval --no-latency --png "$tmp/t.png"
is_png "$tmp/t.png"
if command -v /usr/bin/python3 >/dev/null 2>&1; then
	/usr/bin/python3 - "$tmp/out" "$b/report.json" <<'PY' && ok || bad "report --json"
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
assert a == b, "stdout and report.json differ"
assert a["variants"]["pruned"]["accuracy"] is None
assert a["verification"]["pass"] is True
PY
	expect 0 "$bin" report "$b" --steps 2 --train 64 --test 32 --batch 8 \
		--latency-ms 50 --data "$tmp/nodata" --json
	/usr/bin/python3 - "$tmp/out" <<'PY' && ok || bad "report figures"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["dataset"]["synthetic"] is True and len(d["dataset"]["hash"]) == 16
assert d["quickeval"]["steps"] == 2
for k in ("dense", "unstructured", "pruned"):
    v = d["variants"][k]
    acc = v["accuracy"]
    assert 0 <= acc["ci95"][0] <= acc["value"] <= acc["ci95"][1] <= 1, acc
    lat = v["latency"]
    assert lat["p10_ms"] <= lat["median_ms"] <= lat["p90_ms"], lat
PY
fi

# A tampered bundle (same shapes, other weights: the same plan at another
# seed) fails its verification loudly.
expect 0 "$bin" prune lenet5 --plan "$tmp/l5b/plan.json" --seed 2 --iterations 5 \
	--out "$tmp/l5c"
cp "$tmp/l5c/model.safetensors" "$tmp/l5b/model.safetensors"
expect 1 "$bin" report "$tmp/l5b" --no-eval --no-latency
tail -n 1 "$tmp/err" >"$tmp/last"
contains "$tmp/last" "verification FAILED"
if grep -q '"pass": false' "$tmp/l5b/report.json"; then ok; else bad "failure not recorded"; fi

cli_finish cli_report
