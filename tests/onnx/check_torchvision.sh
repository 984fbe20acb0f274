#!/bin/sh
# make check-onnx: torchvision resnet18, mobilenet_v2 and vgg11_bn at
# 1x3x224x224, exported by tests/onnx/make_fixtures.py with Debian's
# python3-torch (random weights, BN calibrated, TrainingMode.PRESERVE),
# imported by check_onnx (params and MACs equal PyTorch's exactly, logits
# within 1e-4 of the largest), and by `reconvene import`, timed with its
# peak memory.  The counts must also be the published torchvision ones.
# Then each is pruned (--auto, SynFlow, s = 0.9), and its export checked by
# python3-onnx and against ONNX Runtime (below).
# Exit 77 (skip) without /usr/bin/python3 and torch.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
py=/usr/bin/python3
if ! "$py" -c 'import torch, torchvision, onnx' 2>/dev/null; then
	echo "check-onnx: needs python3-torch, python3-torchvision and python3-onnx (skipped)"
	exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fails=0
pass=0
"$py" "$top_srcdir/tests/onnx/make_fixtures.py" "$out" resnet18 mobilenet_v2_224 vgg11_bn \
	resnet18_folded \
	2>&1 | grep -v -i warn || { echo "FAIL: export"; exit 1; }
# The published torchvision counts (conv + linear MACs).
for want in "resnet18 11689512 1814073344" "mobilenet_v2_224 3504872 300774272" \
	"vgg11_bn 132868840 7609090048"; do
	set -- $want
	if [ "$(cat "$out/$1/expected.txt")" = "$(printf 'params %s\nmacs %s' "$2" "$3")" ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: $1: PyTorch counts $(tr '\n' ' ' <"$out/$1/expected.txt"), want $2 $3"
		fails=$((fails + 1))
	fi
done
if ONNX_FIXTURE_DIRS="$out/resnet18 $out/mobilenet_v2_224 $out/vgg11_bn $out/resnet18_folded" \
	CK_DEFAULT_TIMEOUT=1200 "$top_builddir/tests/check_onnx"; then
	pass=$((pass + 1))
else
	fails=$((fails + 1))
fi
# An eval-mode export (BN folded into the convolutions) imports with one
# warning that names TrainingMode.PRESERVE.
if "$top_builddir/reconvene" import "$out/resnet18_folded/model.onnx" --out "$out/folded" \
	2>"$out/folded.err" >/dev/null && [ "$(wc -l <"$out/folded.err")" -eq 1 ] &&
	grep -q "warning: .*TrainingMode.PRESERVE" "$out/folded.err"; then
	pass=$((pass + 1))
else
	echo "FAIL: resnet18_folded: want one warning about TrainingMode.PRESERVE"
	cat "$out/folded.err"
	fails=$((fails + 1))
fi
for m in resnet18 mobilenet_v2_224 vgg11_bn; do
	size=$(stat -c %s "$out/$m/model.onnx")
	if /usr/bin/time -f "%e %M" -o "$out/time" "$top_builddir/reconvene" import \
		"$out/$m/model.onnx" --out "$out/$m/imported" >/dev/null; then
		set -- $(cat "$out/time")
		echo "check-onnx: import $m: $size bytes, $1 s, peak RSS $2 KiB ($(awk -v r="$2" -v s="$size" 'BEGIN { printf "%.2f", r * 1024 / s }')x the file)"
		# The issue's bound: peak memory under 3x the file size.
		if [ "$2" -lt $((size * 3 / 1024)) ]; then pass=$((pass + 1)); else
			echo "FAIL: $m: peak RSS over 3x the file"; fails=$((fails + 1)); fi
	else
		echo "FAIL: import $m"
		fails=$((fails + 1))
	fi
done
# Round trip: prune each with --auto (SynFlow, s = 0.9), export (prune
# writes model.onnx into the bundle); the file passes python3-onnx's full
# checker, ONNX Runtime's logits on it equal `reconvene run` on the bundle
# within 1e-4 of the largest, and it is smaller than the original by the
# parameter ratio of the projection (report.json's dense / pruned params;
# the ONNX file stores the pruned model's shapes densely, masked zeros
# included).  ONNX Runtime comes from `make ort`; without it that one
# comparison is skipped with a message.
NODE_PATH=$(cd "$top_builddir" && pwd)/ort/node_modules
export NODE_PATH
have_ort=0
if command -v node >/dev/null 2>&1 && [ -d "$NODE_PATH/onnxruntime-node" ]; then
	have_ort=1
else
	echo "check-onnx: onnxruntime-node not in $NODE_PATH ('make ort'): ONNX Runtime comparisons skipped"
fi
"$py" -c 'import sys, numpy as np
np.save(sys.argv[1], np.random.default_rng(11).standard_normal((2, 3, 224, 224)).astype(np.float32))' \
	"$out/x224.npy"
for m in resnet18 mobilenet_v2_224 vgg11_bn; do
	b="$out/$m/pruned"
	if ! /usr/bin/time -f "%e %M" -o "$out/time" "$top_builddir/reconvene" prune \
		"$out/$m/model.onnx" --auto --method synflow --sparsity 0.9 --out "$b" \
		>"$out/prune.log" 2>&1; then
		echo "FAIL: prune $m"; tail -5 "$out/prune.log"; fails=$((fails + 1)); continue
	fi
	set -- $(cat "$out/time")
	echo "check-onnx: prune $m --auto (synflow, s=0.9): $1 s, peak RSS $2 KiB"
	grep -E "^(dense|reconvene) " "$out/prune.log" | sed "s/^/check-onnx:   $m: /"
	if ! "$top_builddir/reconvene" run "$b" --input "$out/x224.npy" --output "$out/ours.npy" \
		>/dev/null 2>"$out/run.err"; then
		echo "FAIL: run $m bundle: $(cat "$out/run.err")"; fails=$((fails + 1)); continue
	fi
	if "$py" - "$out/$m/model.onnx" "$b/model.onnx" "$b/report.json" "$out/ours.npy" "$m" <<'PY'
import sys, os, json, numpy as np, onnx
orig, exp, rep, ours, name = sys.argv[1:]
onnx.checker.check_model(onnx.load(exp), full_check=True)
v = json.load(open(rep))["variants"]
pr = v["dense"]["params"] / v["pruned"]["params"]
fr = os.path.getsize(orig) / os.path.getsize(exp)
y = np.load(ours)
print("check-onnx:   %s: exported %d bytes (original %d): %.2fx smaller, projection params %.2fx; "
      "logits max |y| %.3g, all finite %s" % (name, os.path.getsize(exp), os.path.getsize(orig),
      fr, pr, np.abs(y).max(), bool(np.isfinite(y).all())))
# Not the collapse SynFlow's ReLU6 saturation once caused (every conv
# removed, logits 0): the pruned net still computes something.
ok = abs(fr / pr - 1) < 0.1 and np.isfinite(y).all() and np.abs(y).max() > 1e-3
sys.exit(0 if ok else 1)
PY
	then pass=$((pass + 1)); else
		echo "FAIL: $m: export checker, size ratio or logits"; fails=$((fails + 1)); fi
	if [ "$have_ort" -eq 1 ]; then
		for t in 1 2; do
			if node "$top_srcdir/tests/onnx/ort_run.js" "$b/model.onnx" "$out/x224.npy" \
				"$out/ort.npy" --threads $t >/dev/null 2>"$out/ort.err" &&
				"$py" -c 'import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
rel = float(np.abs(a.astype(np.float64) - b).max() / max(np.abs(a).max(), 1e-30))
print("check-onnx:   %s: ONNX Runtime (%s threads) vs reconvene run: max relative difference %.3g"
      % (sys.argv[3], sys.argv[4], rel))
sys.exit(0 if a.shape == b.shape and rel <= 1e-4 else 1)' "$out/ours.npy" "$out/ort.npy" "$m" "$t"; then
				pass=$((pass + 1))
			else
				echo "FAIL: $m: ONNX Runtime ($t threads) differs from reconvene run"
				cat "$out/ort.err"; fails=$((fails + 1))
			fi
		done
	fi
	rm -rf "$b"
done
echo "check-onnx: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
