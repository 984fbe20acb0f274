#!/bin/sh
# bench_onnx_latency.sh: batch-1 latency of a pruned model in reconvene
# against the same exported file in ONNX Runtime, 1 and 2 threads,
# alternating ours and theirs within one run (this machine's timings move
# by tens of percent: read the ratios).
#
#   bench/bench_onnx_latency.sh [MODEL.onnx|MODEL] [ROUNDS]
#
# MODEL (default: torchvision resnet18 at 3x224x224, exported by
# tests/onnx/make_fixtures.py with Debian's python3-torch) is imported,
# pruned with `reconvene prune --auto` (SynFlow, s = 0.9) and exported;
# then, per round and thread count, `reconvene bench MODEL --plan
# BUNDLE/plan.json --threads N` (its "structured" row: the compacted net
# on the fused inference path) and `node tests/onnx/ort_run.js
# BUNDLE/model.onnx x.npy --time 200 --threads N` run back to back.
# Needs node with onnxruntime-node in ort/ (`make ort`).
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
bin="$top_builddir/reconvene"
py=/usr/bin/python3
model=${1:-}
rounds=${2:-3}
NODE_PATH=$(cd "$top_builddir" && pwd)/ort/node_modules
export NODE_PATH
[ -d "$NODE_PATH/onnxruntime-node" ] || { echo "bench_onnx_latency: run 'make ort' first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$model" ]; then
	"$py" "$top_srcdir/tests/onnx/make_fixtures.py" "$tmp" resnet18 2>&1 | grep -v -i warn >&2
	model="$tmp/resnet18/model.onnx"
fi
"$bin" prune "$model" --auto --method synflow --sparsity 0.9 --out "$tmp/b" >"$tmp/prune.log"
"$bin" info "$tmp/b" --json >"$tmp/info.json"
"$py" -c 'import sys, json, numpy as np
c, h, w = json.load(open(sys.argv[1]))["input"]
np.save(sys.argv[2], np.random.default_rng(5).standard_normal((1, c, h, w)).astype(np.float32))' \
	"$tmp/info.json" "$tmp/x.npy"
echo "model: $model; pruned: $(grep '^reconvene ' "$tmp/prune.log" | tr -s ' ')"
echo "blas: $("$bin" --version | sed -n 's/^blas: //p')"
echo "| threads | round | reconvene (ms) | ONNX Runtime (ms) | ORT / ours |"
echo "| --- | --- | ---: | ---: | ---: |"
r=1
while [ "$r" -le "$rounds" ]; do
	for t in 1 2; do
		ours=$("$bin" bench "$model" --plan "$tmp/b/plan.json" --threads "$t" --json 2>/dev/null |
			"$py" -c 'import sys, json
print("%.3f" % [r for r in json.load(sys.stdin)["rows"] if r["variant"] == "structured"][0]["median_ms"])')
		theirs=$(node "$top_srcdir/tests/onnx/ort_run.js" "$tmp/b/model.onnx" "$tmp/x.npy" \
			--time 200 --threads "$t" | awk '{ print $2 }')
		echo "| $t | $r | $ours | $theirs | $(awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "%.2f", a / b }') |"
	done
	r=$((r + 1))
done
