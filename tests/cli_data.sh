#!/bin/sh
# Bring your own data: a directory of .npy files (train_images.npy,
# train_labels.npy, test_images.npy, test_labels.npy) works with --data
# like Fashion-MNIST and CIFAR-10: NHWC uint8 and (N, H, W) float32 sets
# train and evaluate; each bad set gives one error line naming the file,
# exit 1.  (The loader's cases in detail: check_data's "npy" suite.)
# Skips (77) without Debian's /usr/bin/python3 and numpy.
. "$(dirname "$0")/cli_lib.sh"
need_python numpy
"$py" - "$tmp" <<'PY' || bad "fixtures"
import os, sys, numpy as np
root = sys.argv[1]
r = np.random.default_rng(5)

def put(name, tr_x, tr_y, te_x, te_y):
    d = os.path.join(root, name)
    os.makedirs(d)
    for f, a in (("train_images", tr_x), ("train_labels", tr_y),
                 ("test_images", te_x), ("test_labels", te_y)):
        if a is not None:
            np.save(os.path.join(d, f + ".npy"), a)

lab = lambda n: (np.arange(n) % 4).astype(np.int64)
rgb = lambda n: r.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
put("rgb_nhwc", rgb(40), lab(40), rgb(12), lab(12))
gray = lambda n: r.normal(0.5, 0.2, (n, 28, 28)).astype(np.float32)
put("gray_f32", gray(30), lab(30).astype(np.int32), gray(10), lab(10).astype(np.int32))
two = lambda n: r.integers(0, 256, (n, 2, 32, 32), dtype=np.uint8)
put("two_channels", two(20), lab(20), two(5), lab(5))
put("count", rgb(20), lab(19), rgb(5), lab(5))
neg = lab(20); neg[3] = -1
put("negative", rgb(20), neg, rgb(5), lab(5))
put("no_labels", rgb(20), None, rgb(5), lab(5))
put("rank2", r.integers(0, 256, (20, 1024), dtype=np.uint8), lab(20), rgb(5), lab(5))
PY

# An NHWC uint8 set: eval reads it, names it after its directory.
expect 0 "$bin" eval resnet20 --data "$tmp/rgb_nhwc" --steps 2 --batch 8 \
	--train 16 --test 12 --json
"$py" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["dataset"] == "rgb_nhwc" and d["synthetic"] is False, d
assert d["test_n"] == 12 and d["steps"] == 2, d' "$tmp/out" && ok || bad "eval JSON"
contains "$tmp/err" "on rgb_nhwc"

# (N, H, W) float32: train with the dataset's 4 classes.
expect 0 "$bin" train lenet5 --data "$tmp/gray_f32" --steps 3 --batch 8 --json \
	--save "$tmp/gray.safetensors"
"$py" -c 'import json, sys
sys.path.insert(0, sys.argv[3])
import safetensors_ref as S
d = json.load(open(sys.argv[1]))
assert d["dataset"] == "gray_f32" and d["test_n"] == 10, d
heads = [a.shape for n, a in S.st_read(sys.argv[2])[2].items()
         if n.endswith(".weight") and a.ndim == 2]
assert heads[-1][0] == 4 or min(h[0] for h in heads) == 4, heads
' "$tmp/out" "$tmp/gray.safetensors" "$src/tests/fixtures" && ok || bad "train JSON"

# One error line each, naming the file.
# one_error FILE: exactly one "reconvene:" line (eval's own header may precede).
one_error() {
	n=$(grep -c '^reconvene: ' "$1")
	if [ "$n" -eq 1 ]; then ok; else bad "$1 has $n error lines, want 1"; cat "$1"; fi
}
check_bad() { # DIR FILE TEXT
	expect 1 "$bin" eval resnet20 --data "$tmp/$1" --steps 1 --batch 4 --train 4 --test 4
	one_error "$tmp/err"
	contains "$tmp/err" "reconvene: $tmp/$1/$2: $3"
}
check_bad count train_labels.npy "19 labels for 20 images"
check_bad negative train_labels.npy "label -1 of sample 3 is out of range"
check_bad no_labels train_labels.npy "cannot open: No such file or directory (the dataset is incomplete)"
check_bad rank2 train_images.npy "images of shape (20, 1024): want rank 4"
# A set the model cannot take: two channels for a 3-channel input.
expect 1 "$bin" eval resnet20 --data "$tmp/two_channels" --steps 1 --batch 4 --train 4 --test 4
one_error "$tmp/err"
contains "$tmp/err" "cannot adapt 2-channel images to a 3-channel model input"

cli_finish cli_data
