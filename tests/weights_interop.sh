#!/bin/sh
# Interoperability of our safetensors files with an independent reader and
# writer (tests/fixtures/safetensors_ref.py: numpy + json + struct only):
#  1. the committed numpy-written fixture is what the script writes today;
#  2. a file our C code writes (check_weights' "interop" case, with masks
#     and metadata) passes the numpy reader's check against the expected
#     values the C side listed;
#  3. the check is not vacuous: one changed expected value makes it fail.
# The other direction (the numpy file loads in ours with exact values) is
# the "fixture" case of check_weights.
# Skips (77) without Debian's /usr/bin/python3 and numpy.
set -u
src="${top_srcdir:-.}"
build="${top_builddir:-.}"
py=/usr/bin/python3
ref="$src/tests/fixtures/safetensors_ref.py"

if [ ! -x "$py" ] || ! "$py" -c 'import numpy' 2>/dev/null; then
	echo "SKIP: $py with numpy is not installed"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# 1. The fixture is reproducible.
if "$py" "$ref" write "$tmp/fx" >"$tmp/out" 2>&1; then ok; else bad "safetensors_ref.py write"; cat "$tmp/out"; fi
for f in tiny_ref.safetensors tiny_ref.cfg; do
	if cmp -s "$tmp/fx/$f" "$src/tests/fixtures/$f"; then ok; else bad "tests/fixtures/$f differs from what safetensors_ref.py writes"; fi
done

# 2. Our file, read by numpy.
out="$tmp/ours.safetensors"
if WEIGHTS_INTEROP_OUT="$out" CK_RUN_CASE=interop "$build/tests/check_weights" >"$tmp/out" 2>&1; then
	ok
else
	bad "check_weights (interop case) failed"; cat "$tmp/out"
fi
if [ -s "$out" ] && [ -s "$out.txt" ]; then ok; else bad "no file or expectation written"; fi
if "$py" "$ref" check "$out" "$out.txt" >"$tmp/out" 2>&1; then
	ok
else
	bad "numpy reader rejects our file"; cat "$tmp/out"
fi
grep -q "^tensor fc.weight_mask U8 3,8 " "$out.txt" && ok || bad "expectation lacks the fc mask"
grep -q "^tensor bn1.running_var F32 4 " "$out.txt" && ok || bad "expectation lacks bn1.running_var"

# 3. Negative controls: a changed value, a missing tensor, a changed
# metadata value are each caught.
sed '/^tensor fc.bias /s/ [^ ]*$/ 12345/' "$out.txt" >"$tmp/bad1.txt"
sed '/^tensor pw.weight_mask /d' "$out.txt" >"$tmp/bad2.txt"
sed 's/^meta seed 42$/meta seed 43/' "$out.txt" >"$tmp/bad3.txt"
for k in 1 2 3; do
	if cmp -s "$tmp/bad$k.txt" "$out.txt"; then bad "negative control $k did not change the expectation"; continue; fi
	if "$py" "$ref" check "$out" "$tmp/bad$k.txt" >"$tmp/out" 2>&1; then
		bad "numpy check accepted altered expectation $k"
	else
		ok
	fi
done

echo "$pass passed, $fails failed"
[ "$fails" -eq 0 ]
