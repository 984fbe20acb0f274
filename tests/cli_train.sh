#!/bin/sh
# End-to-end tests of `reconvene train` and `reconvene eval` on tiny budgets
# with the synthetic dataset (an empty --data directory): the fallback
# warning, JSON keys and types, --save / --weights, usage errors (exit 2),
# runtime errors as one line (exit 1), and a clean stop on SIGINT.
. "$(dirname "$0")/cli_lib.sh"
py=/usr/bin/python3
[ -x "$py" ] || py=

# The error line, not counting the synthetic-fallback warnings.
one_error() {
	grep -v "^reconvene: warning: " "$1" >"$1.errors"
	one_line "$1.errors"
}

empty="$tmp/empty"
mkdir "$empty"
tiny="--data $empty --batch 8"

# --- help is there and says what the options are --------------------------
expect 0 "$bin" train --help
contains "$tmp/out" "usage: reconvene train"
contains "$tmp/out" "--schedule"
contains "$tmp/out" "--save FILE"
expect 0 "$bin" eval --help
contains "$tmp/out" "usage: reconvene eval"
contains "$tmp/out" "--weights FILE"
expect 0 "$bin" --help
contains "$tmp/out" "train"
contains "$tmp/out" "eval"

# --- usage errors: exit 2 and a pointer to --help --------------------------
for args in "train --epochs 0" "train --epochs x" "train --schedule linear" \
	"train --lr -1" "train --momentum 1.5" "train --bogus" "train a b" \
	"eval --steps 0" "eval --steps 1e3" "eval --batch" "eval --seed -4" \
	"eval --frob" "eval lenet5 extra"; do
	# shellcheck disable=SC2086
	expect 2 "$bin" $args
	contains "$tmp/err" "--help"
done

# --- runtime errors: exit 1, one line --------------------------------------
expect 1 "$bin" eval lenet5 --data "$tmp/missing" --steps 1
one_line "$tmp/err"
contains "$tmp/err" "$tmp/missing"
expect 1 env RECONVENE_DATA="$tmp/missing" "$bin" train lenet5 --steps 1
one_line "$tmp/err"
contains "$tmp/err" "RECONVENE_DATA"
: >"$tmp/file"
expect 1 "$bin" train lenet5 --data "$tmp/file" --steps 1
one_line "$tmp/err"
contains "$tmp/err" "not a directory"
# shellcheck disable=SC2086
expect 1 "$bin" eval nosuchmodel $tiny --steps 1
contains "$tmp/err" "unknown model 'nosuchmodel'"

# --- eval on the synthetic fallback, JSON ----------------------------------
# shellcheck disable=SC2086
expect 0 "$bin" eval lenet5 $tiny --steps 6 --test 40 --json
contains "$tmp/err" "SYNTHETIC"
contains "$tmp/err" "$empty"
cp "$tmp/out" "$tmp/eval1.json"
if [ -n "$py" ]; then
	"$py" - "$tmp/out" <<'PY' && ok || bad "eval JSON"
import json, sys
d = json.load(open(sys.argv[1]))
for k, t in (("accuracy", float), ("loss", float), ("seconds", float),
             ("steps", int)):
    assert isinstance(d[k], t), (k, d[k])
assert 0.0 <= d["accuracy"] <= 1.0
lo, hi = d["ci95"]
assert isinstance(lo, float) and isinstance(hi, float)
assert 0.0 <= lo <= d["accuracy"] <= hi <= 1.0, (lo, d["accuracy"], hi)
assert d["steps"] == 6, d["steps"]
assert d["test_n"] == 40 and d["dataset"] == "synthetic" and d["synthetic"] is True
assert len(d["curve"]) == 6 and d["seconds"] > 0
PY
fi
# Same seed, same figures; text output names the interval.
# shellcheck disable=SC2086
expect 0 "$bin" eval lenet5 $tiny --steps 6 --test 40 --json
if [ -n "$py" ]; then
	"$py" - "$tmp/eval1.json" "$tmp/out" <<'PY' && ok || bad "eval not deterministic"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("accuracy", "ci95", "loss", "curve"):
    assert a[k] == b[k], (k, a[k], b[k])
PY
fi
# shellcheck disable=SC2086
expect 0 "$bin" eval lenet5 $tiny --steps 4 --test 16
contains "$tmp/out" "95% CI"
contains "$tmp/err" "train: 100%"

# --- train, JSON and --save; the saved weights feed eval --------------------
# shellcheck disable=SC2086
expect 0 "$bin" train lenet5 $tiny --steps 12 --val 50 --epochs 1 \
	--schedule step --warmup 0.01 --save "$tmp/w.safetensors" --json
contains "$tmp/err" "SYNTHETIC"
if [ -s "$tmp/w.safetensors" ]; then ok; else bad "--save wrote nothing"; fi
if [ -n "$py" ]; then
	"$py" - "$tmp/out" <<'PY' && ok || bad "train JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["model"] == "lenet5" and d["steps"] == 12 and d["aborted"] is False
assert isinstance(d["test_accuracy"], float) and 0 <= d["test_accuracy"] <= 1
assert isinstance(d["test_loss"], float) and isinstance(d["train_loss"], float)
assert d["schedule"] == "step" and d["batch"] == 8
assert d["saved"].endswith("w.safetensors")
PY
fi
# shellcheck disable=SC2086
expect 0 "$bin" eval lenet5 $tiny --steps 2 --test 16 --weights "$tmp/w.safetensors"
contains "$tmp/err" "w.safetensors"
# Weights of another model: one line, exit 1.
# shellcheck disable=SC2086
expect 1 "$bin" eval resnet20 $tiny --steps 2 --weights "$tmp/w.safetensors"
one_error "$tmp/err"
# shellcheck disable=SC2086
expect 1 "$bin" eval lenet5 $tiny --steps 2 --weights "$tmp/nope.safetensors"
one_error "$tmp/err"
# Text output.
# shellcheck disable=SC2086
expect 0 "$bin" train lenet5 $tiny --steps 3
contains "$tmp/out" "test accuracy"

# --- SIGINT stops training cleanly and saves nothing -----------------------
# shellcheck disable=SC2086
"$bin" train lenet5 $tiny --steps 1000000 --save "$tmp/int.safetensors" \
	>"$tmp/int.out" 2>"$tmp/int.err" &
pid=$!
i=0
# The header line is printed once the SIGINT handler is in place.
while ! grep -q "^train: lenet5" "$tmp/int.err" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
sleep 0.3
kill -INT "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 1 ]; then ok; else bad "SIGINT: exit $rc, want 1"; cat "$tmp/int.err"; fi
contains "$tmp/int.err" "interrupted after"
contains "$tmp/int.err" "nothing saved"
if [ -e "$tmp/int.safetensors" ]; then bad "SIGINT still wrote a file"; else ok; fi
left=
for f in "$tmp"/*int.safetensors*; do [ -e "$f" ] && left="$f"; done
if [ -n "$left" ]; then bad "a temporary file was left: $left"; else ok; fi

cli_finish cli_train.sh
