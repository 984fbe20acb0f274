#!/bin/sh
# The ONNX export (engine/io/onnx_export.c) against ONNX Runtime: pruned
# bundles of lenet5, resnet20, vgg11 and mobilenetv2 (every layer kind:
# grouped/depthwise conv, BN, ReLU and ReLU6, max/avg pool, gap, flatten,
# linear, add) and their --fold-bn re-exports run in onnxruntime-node on
# the same random batch as `reconvene run` on the bundle; the logits agree
# within 1e-4 relative (largest |difference| / largest |logit|).  Also:
# python3-onnx's checker (full_check) passes, metadata and the graph's
# I/O are as documented, the pruned file is smaller than the dense export
# by the ratio of the floats they store, and a negative control (the
# dense model's logits) fails the comparison.
# Skips (77) without node, Debian's /usr/bin/python3 with numpy and onnx,
# or onnxruntime-node in the build tree ('make ort' installs it).
. "$(dirname "$0")/cli_lib.sh"
need_python numpy onnx
if ! command -v node >/dev/null 2>&1; then
	echo "SKIP: node (nodejs) is not installed"
	exit 77
fi
NODE_PATH=$(cd "${top_builddir:-.}" && pwd)/ort/node_modules
export NODE_PATH
if [ ! -d "$NODE_PATH/onnxruntime-node" ]; then
	echo "SKIP: onnxruntime-node is not in $NODE_PATH (run 'make ort')"
	exit 77
fi
ort="$src/tests/onnx/ort_run.js"

# compare OURS.npy THEIRS.npy: within 1e-4 relative (prints the figure).
compare() {
	"$py" -c 'import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert a.shape == b.shape and b.dtype == np.float32, (a.shape, b.shape, b.dtype)
rel = float(np.abs(a.astype(np.float64) - b).max() / max(np.abs(a).max(), 1e-30))
print("onnx_export: %s: max |logit| %.4g, max relative difference %.3g"
      % (sys.argv[3], np.abs(a).max(), rel))
sys.exit(0 if rel <= 1e-4 else 1)' "$1" "$2" "$3"
}

# check FILE KEY=VALUE...: the checker passes, I/O and metadata as documented.
check() {
	"$py" - "$@" <<'PY'
import sys, onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
assert m.opset_import[0].version == 13, m.opset_import
assert [i.name for i in m.graph.input] == ["input"], m.graph.input
assert [o.name for o in m.graph.output] == ["logits"], m.graph.output
dims = m.graph.output[0].type.tensor_type.shape.dim
assert dims[0].dim_param == "N" and len(dims) == 2, dims
meta = {p.key: p.value for p in m.metadata_props}
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    assert meta.get(k) == v, (k, meta.get(k), v)
PY
}

for m in lenet5:magnitude:0.6 resnet20:synflow:0.2 vgg11:magnitude:0.2 mobilenetv2:magnitude:0.2; do
	name=${m%%:*}
	rest=${m#*:}
	method=${rest%%:*}
	tau=${rest#*:}
	d="$tmp/$name"
	expect 0 "$bin" prune "$name" --auto --method "$method" --tau "$tau" --data "$tmp/nodata" --out "$d"
	contains "$tmp/out" "$d/model.onnx"
	"$py" -c 'import sys, json, numpy as np
c, h, w = json.load(open(sys.argv[1]))["input"]
np.save(sys.argv[2], np.random.default_rng(7).standard_normal((3, c, h, w)).astype(np.float32))' \
		"$("$bin" info "$d" --json >"$tmp/info.json" && echo "$tmp/info.json")" "$tmp/x.npy" &&
		ok || bad "$name: input"
	expect 0 "$bin" run "$d" --input "$tmp/x.npy" --output "$tmp/ours.npy"
	check "$d/model.onnx" model="$name" method="$method" pruned_by=reconvene &&
		ok || bad "$name: model.onnx fails the checker or its metadata"
	for t in 1 2; do
		expect 0 node "$ort" "$d/model.onnx" "$tmp/x.npy" "$tmp/ort.npy" --threads $t
		compare "$tmp/ours.npy" "$tmp/ort.npy" "$name bundle, ORT $t threads" &&
			ok || bad "$name: ONNX Runtime ($t threads) differs from reconvene run"
	done
	# BN folded: fewer nodes, the same logits.
	expect 0 "$bin" export "$d" --onnx "$tmp/folded.onnx" --fold-bn
	contains "$tmp/out" "batch norms folded"
	check "$tmp/folded.onnx" source="$d" model="$name" && ok || bad "$name: folded export"
	"$py" -c 'import sys, onnx
ops = [n.op_type for n in onnx.load(sys.argv[1]).graph.node]
sys.exit(1 if "BatchNormalization" in ops else 0)' "$tmp/folded.onnx" &&
		ok || bad "$name: --fold-bn left a BatchNormalization"
	expect 0 node "$ort" "$tmp/folded.onnx" "$tmp/x.npy" "$tmp/ort.npy"
	compare "$tmp/ours.npy" "$tmp/ort.npy" "$name folded" && ok ||
		bad "$name: the folded export differs from reconvene run"
	# Physically smaller, by the ratio of the floats it stores.
	expect 0 "$bin" export "$name" --onnx "$tmp/dense.onnx"
	"$py" -c 'import sys, os, onnx, numpy as np
from onnx import numpy_helper
def params(f):  # every stored float: weights, biases, BN statistics
    return sum(numpy_helper.to_array(t).size for t in onnx.load(f).graph.initializer)
pd, pp = params(sys.argv[1]), params(sys.argv[2])
sd, sp = os.path.getsize(sys.argv[1]), os.path.getsize(sys.argv[2])
print("onnx_export: %s: dense %d floats %d bytes, pruned %d floats %d bytes: floats %.3fx, bytes %.3fx"
      % (sys.argv[3], pd, sd, pp, sp, pd / pp, sd / sp))
# the graph itself (names, attributes) is a few KiB on top of the floats
sys.exit(0 if pp < pd and abs((sd / sp) / (pd / pp) - 1) < 0.1 else 1)' \
		"$tmp/dense.onnx" "$d/model.onnx" "$name" && ok ||
		bad "$name: the pruned file is not smaller by the parameter ratio"
	# Negative control: the dense model's logits are not the bundle's.
	expect 0 "$bin" run "$name" --input "$tmp/x.npy" --output "$tmp/dense.npy"
	if compare "$tmp/dense.npy" "$tmp/ort.npy" "$name negative control" >/dev/null; then
		bad "$name: the comparison cannot tell the dense model from the bundle"
	else ok; fi
done
# Pads that differ between the start and the end of an axis (SAME_UPPER, a
# Pad node folded into the Conv): ONNX Runtime runs the very file we
# import, and our export of it.
python3 "$src/tests/onnx/make_cases.py" "$tmp/cases" || bad "make_cases.py failed"
"$py" -c 'import sys, numpy as np
np.save(sys.argv[1], np.random.default_rng(3).standard_normal((2, 3, 8, 8)).astype(np.float32))' \
	"$tmp/x8.npy" && ok || bad "cases: input"
for c in good_asymmetric_pads good_pad_node; do
	f="$tmp/cases/$c.onnx"
	expect 0 "$bin" run "$f" --input "$tmp/x8.npy" --output "$tmp/ours.npy"
	expect 0 node "$ort" "$f" "$tmp/x8.npy" "$tmp/ort.npy"
	compare "$tmp/ours.npy" "$tmp/ort.npy" "$c imported" && ok ||
		bad "$c: reconvene run differs from ONNX Runtime on the same file"
	expect 0 "$bin" export "$f" --onnx "$tmp/$c.out.onnx"
	check "$tmp/$c.out.onnx" && ok || bad "$c: the export fails the checker"
	expect 0 node "$ort" "$tmp/$c.out.onnx" "$tmp/x8.npy" "$tmp/ort2.npy"
	compare "$tmp/ours.npy" "$tmp/ort2.npy" "$c exported" && ok ||
		bad "$c: the export of the imported model differs"
done
"$py" -c 'import sys, onnx
pads = [list(a.ints) for n in onnx.load(sys.argv[1]).graph.node if n.op_type == "Conv"
        for a in n.attribute if a.name == "pads"]
sys.exit(0 if pads == [[1, 0, 1, 3]] else 1)' "$tmp/good_pad_node.out.onnx" &&
	ok || bad "pad_node: the exported Conv does not carry the Pad's zeros"

cli_finish onnx_export
