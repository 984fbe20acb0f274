#!/bin/sh
# The ONNX Runtime harness (tests/onnx/ort_run.js) against PyTorch: a
# small conv net exported by torch.onnx.export (tests/onnx/torch_export.py)
# runs in onnxruntime-node with 1 and 2 threads, and its logits equal
# PyTorch's within 1e-4 relative (largest |difference| / largest |logit|);
# a negative control shows the comparison can fail; --time prints a
# latency line; a bad input is one error line.
# Skips (77) without node, Debian's /usr/bin/python3 with numpy and torch,
# or onnxruntime-node in the build tree ('make ort' installs it).
. "$(dirname "$0")/cli_lib.sh"
need_python numpy torch
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

# compare A B: logits within 1e-4 relative (prints the figure).
compare() {
	"$py" -c 'import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert a.shape == b.shape and b.dtype == np.float32, (a.shape, b.shape, b.dtype)
rel = float(np.abs(a.astype(np.float64) - b).max() / np.abs(a).max())
print("ort_torch: %s vs %s: max |logit| %.4g, max relative difference %.3g"
      % (sys.argv[1].split("/")[-1], sys.argv[2].split("/")[-1], np.abs(a).max(), rel))
sys.exit(0 if rel <= 1e-4 else 1)' "$1" "$2"
}

expect 0 "$py" "$src/tests/onnx/torch_export.py" "$tmp/m"
for t in 1 2; do
	expect 0 node "$ort" "$tmp/m/net.onnx" "$tmp/m/x.npy" "$tmp/m/ort$t.npy" --threads $t
	compare "$tmp/m/torch.npy" "$tmp/m/ort$t.npy" && ok || bad "ORT ($t threads) differs from PyTorch"
done

# Negative control: the rows in another order are not the same logits.
"$py" -c 'import sys, numpy as np
np.save(sys.argv[2], np.load(sys.argv[1])[::-1].copy())' "$tmp/m/ort1.npy" "$tmp/m/rev.npy"
compare "$tmp/m/torch.npy" "$tmp/m/rev.npy" >/dev/null && bad "compare accepted reordered logits" || ok

expect 0 node "$ort" "$tmp/m/net.onnx" "$tmp/m/x.npy" --time 20 --threads 1
grep -Eq '^median_ms [0-9.]+ p10_ms [0-9.]+ p90_ms [0-9.]+ runs 20 threads 1$' "$tmp/out" &&
	ok || bad "--time line: $(cat "$tmp/out")"

expect 1 node "$ort" "$tmp/m/net.onnx" "$tmp/m/net.onnx" "$tmp/m/y.npy"
one_line "$tmp/err"
contains "$tmp/err" "not a .npy file"
expect 2 node "$ort" "$tmp/m/net.onnx"

cli_finish ort_torch
