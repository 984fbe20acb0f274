#!/bin/sh
# `reconvene run`: usage, the logits file (read back by NumPy), the
# summary, one error line for each bad input, a bundle's own weights, and
# that the chunk size never changes the logits.  (The logits against an
# independent PyTorch forward: tests/run_torch.sh.)
# Skips (77) without Debian's /usr/bin/python3 and numpy.
. "$(dirname "$0")/cli_lib.sh"
need_python numpy
"$py" - "$tmp" <<'PY' || bad "fixtures"
import sys, numpy as np
d = sys.argv[1]
r = np.random.default_rng(3)
np.save(d + "/x5.npy", r.normal(0, 1, (5, 3, 32, 32)).astype(np.float32))
np.save(d + "/x70.npy", r.normal(0, 1, (70, 3, 32, 32)).astype(np.float32))
np.save(d + "/x0.npy", np.zeros((0, 3, 32, 32), np.float32))
np.save(d + "/gray.npy", r.normal(0, 1, (2, 1, 28, 28)).astype(np.float32))
np.save(d + "/nhwc.npy", np.zeros((2, 32, 32, 3), np.float32))
np.save(d + "/u8.npy", np.zeros((2, 3, 32, 32), np.uint8))
np.save(d + "/f64.npy", np.zeros((2, 3, 32, 32)))
np.save(d + "/rank3.npy", np.zeros((3, 32, 32), np.float32))
PY

expect 0 "$bin" --help
contains "$tmp/out" "  run "
expect 0 "$bin" run --help
contains "$tmp/out" "--input X.npy"
contains "$tmp/out" "seeded initialisation"
expect 2 "$bin" run resnet20
contains "$tmp/err" "--input X.npy is required"
expect 2 "$bin" run --input "$tmp/x5.npy" --batch 0
contains "$tmp/err" "--batch '0'"
expect 2 "$bin" run --input "$tmp/x5.npy" --seed -1
contains "$tmp/err" "--seed '-1'"

# The logits file: float32 (5, 10), what NumPy reads.
expect 0 "$bin" run resnet20 --input "$tmp/x5.npy" --output "$tmp/y5.npy"
contains "$tmp/out" "logits (5, 10) -> $tmp/y5.npy"
"$py" -c 'import sys, numpy as np
y = np.load(sys.argv[1])
assert y.dtype == np.float32 and y.shape == (5, 10), (y.dtype, y.shape)
assert np.isfinite(y).all() and np.abs(y).max() > 0' "$tmp/y5.npy" && ok || bad "y5.npy"

# The summary: shape and one argmax line per row, matching the file.
expect 0 "$bin" run resnet20 --input "$tmp/x5.npy"
contains "$tmp/out" "resnet20 (weights: seed 1 initialisation): input (5, 3, 32, 32) -> logits (5, 10)"
"$py" -c 'import sys, numpy as np
y = np.load(sys.argv[1])
want = ["  %d: argmax %d " % (i, k) for i, k in enumerate(y.argmax(1))]
got = [l for l in open(sys.argv[2]).read().splitlines() if "argmax" in l]
assert [g[:len(w)] for g, w in zip(got, want)] == want and len(got) == 5, (got, want)
' "$tmp/y5.npy" "$tmp/out" && ok || bad "summary rows"

# Another seed, other logits; the same seed, the same bytes.
expect 0 "$bin" run resnet20 --input "$tmp/x5.npy" --output "$tmp/y5b.npy"
cmp -s "$tmp/y5.npy" "$tmp/y5b.npy" && ok || bad "same seed, different logits"
expect 0 "$bin" run resnet20 --input "$tmp/x5.npy" --output "$tmp/y5s.npy" --seed 2
cmp -s "$tmp/y5.npy" "$tmp/y5s.npy" && bad "--seed 2 changed nothing" || ok

# 70 samples in chunks of 64 (a 6-sample tail), of 1, and of 70: each row
# depends on its own sample only.
for b in 1 64 70; do
	expect 0 "$bin" run resnet20 --input "$tmp/x70.npy" --output "$tmp/y70_$b.npy" --batch $b
done
"$py" -c 'import sys, numpy as np
a, b, c = (np.load(f) for f in sys.argv[1:4])
assert a.shape == (70, 10)
for o in (b, c):
    assert np.abs(a - o).max() <= 1e-5 * np.abs(a).max(), np.abs(a - o).max()
' "$tmp/y70_1.npy" "$tmp/y70_64.npy" "$tmp/y70_70.npy" && ok || bad "chunking changed the logits"
expect 0 "$bin" run resnet20 --input "$tmp/x70.npy"
contains "$tmp/out" "... 54 more rows"

# No samples: an empty (0, 10) file.
expect 0 "$bin" run resnet20 --input "$tmp/x0.npy" --output "$tmp/y0.npy"
"$py" -c 'import sys, numpy as np; assert np.load(sys.argv[1]).shape == (0, 10)' \
	"$tmp/y0.npy" && ok || bad "empty input"

# A model by path, with its own input shape.
expect 0 "$bin" run "$src/models/lenet5.cfg" --input "$tmp/gray.npy"
contains "$tmp/out" "lenet5 (weights: seed 1 initialisation): input (2, 1, 28, 28) -> logits (2, 10)"

# One error line for each bad input, exit 1.
for f in nhwc u8 f64 rank3 gray; do
	expect 1 "$bin" run resnet20 --input "$tmp/$f.npy"
	one_line "$tmp/err"
	contains "$tmp/err" "reconvene: $tmp/$f.npy: "
done
contains "$tmp/err" "float32 (N, 3, 32, 32) expected (NCHW, the input of resnet20), not float32 (2, 1, 28, 28)"
expect 1 "$bin" run resnet20 --input "$tmp/f64.npy"
contains "$tmp/err" "float64"
expect 1 "$bin" run resnet20 --input "$tmp/missing.npy"
contains "$tmp/err" "missing.npy: cannot open"
head -c 100 "$tmp/x5.npy" >"$tmp/cut.npy"
expect 1 "$bin" run resnet20 --input "$tmp/cut.npy"
one_line "$tmp/err"
contains "$tmp/err" "cut.npy: truncated"
expect 1 "$bin" run resnet20 --input "$tmp/x5.npy" --weights "$tmp/missing.safetensors"
contains "$tmp/err" "missing.safetensors"
expect 1 "$bin" run resnet20 --input "$tmp/x5.npy" --output "$tmp/no/dir/y.npy"
one_line "$tmp/err"
[ -e "$tmp/no" ] && bad "a failed write left something" || ok
expect 1 "$bin" run "$tmp/nodata" --input "$tmp/x5.npy"
contains "$tmp/err" "a directory without a readable model.cfg"

# A bundle: its own weights (masks applied), the same as naming them.
expect 0 "$bin" prune resnet20 --auto --method magnitude --sparsity 0.9 --out "$tmp/b"
expect 0 "$bin" run "$tmp/b" --input "$tmp/x5.npy" --output "$tmp/yb.npy"
contains "$tmp/out" "(weights: $tmp/b/model.safetensors)"
expect 0 "$bin" run "$tmp/b/model.cfg" --weights "$tmp/b/model.safetensors" \
	--input "$tmp/x5.npy" --output "$tmp/yb2.npy"
cmp -s "$tmp/yb.npy" "$tmp/yb2.npy" && ok || bad "bundle dir and its files differ"
expect 0 "$bin" run "$tmp/b/model.cfg" --input "$tmp/x5.npy" --output "$tmp/yb3.npy"
cmp -s "$tmp/yb.npy" "$tmp/yb3.npy" && bad "the bundle's weights were not used" || ok
# Other commands take the bundle as a MODEL too.
expect 0 "$bin" info "$tmp/b"
contains "$tmp/out" "resnet20"

cli_finish cli_run
