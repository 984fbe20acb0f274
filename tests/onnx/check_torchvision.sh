#!/bin/sh
# make check-onnx: torchvision resnet18, mobilenet_v2 and vgg11_bn at
# 1x3x224x224, exported by tests/onnx/make_fixtures.py with Debian's
# python3-torch (random weights, BN calibrated, TrainingMode.PRESERVE),
# imported by check_onnx (params and MACs equal PyTorch's exactly, logits
# within 1e-4 of the largest), and by `reconvene import`, timed with its
# peak memory.  The counts must also be the published torchvision ones.
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
echo "check-onnx: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
