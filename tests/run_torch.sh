#!/bin/sh
# `reconvene run` against an independent PyTorch forward
# (tests/fixtures/run_reference.py: float64 torch.nn.functional over our
# cfg, its own cfg parser and safetensors reader).  Random weights with BN
# running statistics far from their defaults, three samples each:
#  1. lenet5, resnet20, mobilenetv2 (depthwise, ReLU6), vgg11: logits
#     within 1e-4 relative (largest |difference| / largest |logit|);
#  2. a pruned resnet20 bundle (prune --out): its cfg with random weights
#     and the bundle's masks, the masked weights left non-zero in the file:
#     run must apply the masks;
#  3. negative control: the same weights without their masks give logits
#     the check rejects (so the comparison can fail).
# Skips (77) without Debian's /usr/bin/python3 with numpy and torch.
. "$(dirname "$0")/cli_lib.sh"
need_python numpy torch
ref="$src/tests/fixtures/run_reference.py"

# compare NAME CFG WEIGHTS [MODEL]: run MODEL (default CFG) and check.
compare() {
	name=$1 cfg=$2 w=$3 model=${4:-$2}
	"$py" "$ref" input "$cfg" 3 "$tmp/$name.x.npy" 6 || { bad "$name: input"; return; }
	expect 0 "$bin" run "$model" --weights "$w" --input "$tmp/$name.x.npy" \
		--output "$tmp/$name.y.npy"
	if "$py" "$ref" check "$cfg" "$w" "$tmp/$name.x.npy" "$tmp/$name.y.npy"; then
		ok
	else
		bad "$name: logits differ from PyTorch's"
	fi
}

for m in lenet5 resnet20 mobilenetv2 vgg11; do
	cfg="$src/models/$m.cfg"
	"$py" "$ref" weights "$cfg" "$tmp/$m.safetensors" 5 && ok || bad "$m: weights"
	compare "$m" "$cfg" "$tmp/$m.safetensors" "$m"
done

# 2. A pruned bundle: smaller shapes and masks.
expect 0 "$bin" prune resnet20 --auto --method magnitude --sparsity 0.9 \
	--out "$tmp/bundle"
b="$tmp/bundle/model.cfg"
"$py" "$ref" weights "$b" "$tmp/pruned.safetensors" 7 "$tmp/bundle/model.safetensors" &&
	ok || bad "bundle: weights"
compare pruned "$b" "$tmp/pruned.safetensors"

# 3. Without the masks the logits change, and the check says so.
"$py" "$ref" weights "$b" "$tmp/nomask.safetensors" 7 && ok || bad "nomask: weights"
expect 0 "$bin" run "$b" --weights "$tmp/nomask.safetensors" \
	--input "$tmp/pruned.x.npy" --output "$tmp/nomask.y.npy"
if "$py" "$ref" check "$b" "$tmp/pruned.safetensors" "$tmp/pruned.x.npy" \
	"$tmp/nomask.y.npy" >"$tmp/out" 2>&1; then
	bad "the check accepted logits computed without the masks"; cat "$tmp/out"
else
	ok
fi

cli_finish run_torch
