#!/bin/sh
# `reconvene import` and .onnx models on the command line: the PyTorch
# fixture imports to a cfg + safetensors pair that reads back to the same
# model, commands take the .onnx directly, and every file of
# tests/onnx/make_cases.py is either imported or refused with exactly one
# error line naming the file (and the node and op, where there is one) and
# exit status 1.
. "$(dirname "$0")/cli_lib.sh"

fix="$src/tests/onnx/fixtures/resnet20/model.onnx"

expect 0 "$bin" import --help
contains "$tmp/out" "usage: reconvene import FILE.onnx --out DIR"
contains "$tmp/out" "TrainingMode.PRESERVE"
expect 2 "$bin" import
contains "$tmp/err" "an ONNX file is required"
expect 2 "$bin" import "$fix"
contains "$tmp/err" "--out DIR is required"
expect 2 "$bin" import "$fix" --out "$tmp/a" --bogus

# Import: the files, the same totals as PyTorch, and the cfg reads back.
expect 0 "$bin" import "$fix" --out "$tmp/r20"
contains "$tmp/out" "272,474 params"
contains "$tmp/out" "40,813,184 MACs"
[ -s "$tmp/r20/model.cfg" ] && [ -s "$tmp/r20/model.safetensors" ] && ok || bad "import wrote no files"
expect 0 "$bin" info "$tmp/r20/model.cfg"
contains "$tmp/out" "272,474 params"
contains "$tmp/out" "layer2.0.shortcut.conv"
# The .onnx itself wherever a MODEL goes.
expect 0 "$bin" info "$fix" --json
python3 - "$tmp/out" <<'PY' && ok || bad "info FILE.onnx --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["params"] == 272474 and d["macs"] == 40813184, (d["params"], d["macs"])
assert d["input"] == [3, 32, 32] and d["classes"] == 10
assert d["layers"][0]["name"] == "conv1"
PY
expect 0 "$bin" groups "$fix"
contains "$tmp/out" "layer1.0.conv1"
# Scoring starts from the imported weights: magnitude scores differ from
# those of a fresh init of the same cfg.
expect 0 "$bin" score "$fix" --method magnitude --sparsity 0.5 --json
cp "$tmp/out" "$tmp/score_onnx.json"
expect 0 "$bin" score "$tmp/r20/model.cfg" --method magnitude --sparsity 0.5 --json
cp "$tmp/out" "$tmp/score_cfg.json"
expect 0 "$bin" score "$tmp/r20/model.cfg" --method magnitude --sparsity 0.5 --json \
	--weights "$tmp/r20/model.safetensors"
cp "$tmp/out" "$tmp/score_st.json"
same() { # A.json B.json: equal but for the time taken
	python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for d in (a, b):
    d.pop("seconds", None)
sys.exit(0 if a == b else 1)
PY
}
if same "$tmp/score_onnx.json" "$tmp/score_st.json"; then ok; else bad "scores of FILE.onnx differ from its imported safetensors"; fi
if same "$tmp/score_onnx.json" "$tmp/score_cfg.json"; then bad "FILE.onnx scored fresh weights"; else ok; fi
# An output directory that is a file.
: >"$tmp/plainfile"
expect 1 "$bin" import "$fix" --out "$tmp/plainfile"
one_line "$tmp/err"
expect 1 "$bin" import "$tmp/missing.onnx" --out "$tmp/m"
one_line "$tmp/err"
contains "$tmp/err" "missing.onnx"

# Hand-made files, good and bad.
python3 "$src/tests/onnx/make_cases.py" "$tmp/cases" || bad "make_cases.py failed"
n_bad=0
while IFS="$(printf '\t')" read -r file code says; do
	expect "$code" "$bin" import "$tmp/cases/$file" --out "$tmp/out_$file"
	if [ "$code" -eq 1 ]; then
		n_bad=$((n_bad + 1))
		one_line "$tmp/err"
		contains "$tmp/err" "reconvene: $tmp/cases/$file: "
		contains "$tmp/err" "$says"
		[ ! -e "$tmp/out_$file/model.cfg" ] && ok || bad "$file: wrote a cfg"
	elif [ "$file" = good_folded.onnx ]; then
		one_line "$tmp/err"
		contains "$tmp/err" "reconvene: warning: $tmp/cases/$file: "
		contains "$tmp/err" "$says"
	else
		contains "$tmp/out" "$says"
		[ ! -s "$tmp/err" ] && ok || bad "$file: said something on stderr"
	fi
done <"$tmp/cases/cases.tsv"
[ "$n_bad" -ge 20 ] && ok || bad "only $n_bad malformed files"
# Errors about a node name it and its op.
expect 1 "$bin" info "$tmp/cases/bad_unknown_op.onnx"
contains "$tmp/err" "node '/act/Softmax' (Softmax)"
expect 1 "$bin" info "$tmp/cases/bad_channel_mismatch.onnx"
contains "$tmp/err" "node '/conv1/Conv' (Conv)"

cli_finish cli_onnx
