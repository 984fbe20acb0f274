#!/bin/sh
# The guided tour without a terminal (issue 17): `reconvene tour --check`
# runs every step of the shipped tour over the real worker (scores, the
# automatic plan, latency, quick-eval, the grid), waits for each, and
# prints its caption; each step's plan must be what the step says (the
# plan after the remove-channels step is `reconvene prune --auto`'s, the
# dense plan before it), no caption may keep an unknown value ("..."),
# and malformed scripts and options fail with one line naming FILE:LINE.
# The tour on screen is in golden.sh (tour-*).
. "$(dirname "$0")/lib.sh"

RECONVENE_TOURS_DIR=${RECONVENE_TOURS_DIR:-$rc_src/tours}
export RECONVENE_TOURS_DIR
out="$rc_tmp/check.out"
if "$rc_bin" tour resnet20 --check --no-cache --seed 1 --data "$rc_tmp/nodata" --eval-steps 10 \
	--plans "$rc_tmp/plans" >"$out" 2>"$rc_tmp/check.err"; then
	rc_ok "tour --check runs every step"
else
	rc_bad "tour --check failed:"; cat "$rc_tmp/check.err"
fi
steps=$(grep -c '^step [0-9]*/9:' "$out")
[ "$steps" = 9 ] && rc_ok "9 steps printed" || rc_bad "$steps of 9 steps printed"
if grep -q '\.\.\.' "$out"; then
	rc_bad "a caption still shows an unknown value:"; grep -n '\.\.\.' "$out"
else rc_ok "every value filled in"; fi
grep -q 'resnet20 before any pruning: 22 layers' "$out" && rc_ok "step 1 reads the model" ||
	rc_bad "step 1 does not name resnet20's 22 layers"

grp() { sed -n '/"groups"/,/}/p' "$1" | tr -d ' \n,'; }
if "$rc_bin" prune resnet20 --auto --seed 1 --data "$rc_tmp/nodata" \
	--out "$rc_tmp/batch" >"$rc_tmp/batch.out" 2>&1; then
	# Steps 1-5 keep every channel; from step 6 (a) on, the plan is
	# reconvene prune --auto's.
	# resnet20's channels: conv1 and layer1 16, layer2 32, layer3 64.
	dense() {
		sed -n '/"groups"/,/}/p' "$1" | awk -F'"' '/: [0-9]/ {
			n = $3; sub(/^: */, "", n); n += 0
			want = $2 ~ /^layer2/ ? 32 : $2 ~ /^layer3/ ? 64 : 16
			if (n != want) bad = 1; seen++ }
			END { exit !(seen > 0 && !bad) }'
	}
	for s in 01 02 03 04 05; do
		if dense "$rc_tmp/plans/step-$s.json"
		then rc_ok "step $s keeps every channel"
		else rc_bad "step $s changed the plan:"; cat "$rc_tmp/plans/step-$s.json"; fi
	done
	for s in 06 07 08 09; do
		if [ "$(grp "$rc_tmp/plans/step-$s.json")" = "$(grp "$rc_tmp/batch/plan.json")" ]
		then rc_ok "step $s plan = reconvene prune --auto"
		else
			rc_bad "step $s plan differs from reconvene prune --auto:"
			cat "$rc_tmp/plans/step-$s.json" "$rc_tmp/batch/plan.json"
		fi
	done
else
	rc_bad "reconvene prune --auto failed"; cat "$rc_tmp/batch.out"
fi

# Malformed scripts: exit 1 and one line, FILE:LINE: what.
bad() { # NAME EXPECTED-TEXT SCRIPT-TEXT
	printf '%b' "$3" >"$rc_tmp/$1.tour"
	"$rc_bin" tour --check --script "$rc_tmp/$1.tour" >/dev/null 2>"$rc_tmp/$1.err"
	st=$?
	lines=$(wc -l <"$rc_tmp/$1.err")
	if [ "$st" = 1 ] && [ "$lines" = 1 ] && grep -qF "$rc_tmp/$1.tour:$2" "$rc_tmp/$1.err"
	then rc_ok "bad script $1"
	else rc_bad "bad script $1: status $st, want 1 and '$2':"; cat "$rc_tmp/$1.err"; fi
}
bad unknown-value "3: unknown value" '[step]\ntitle = a\ntext = {params}\n'
bad bad-key "3: not a key name" '[step]\ntitle = a\nkeys = Hyper\ntext = b\n'
bad no-title "1: this step has no title" '[step]\ntext = b\n'
bad panel "3: unknown panel" '[step]\ntitle = a\npanel = left\ntext = b\n'
"$rc_bin" tour --script "$rc_tmp/none.tour" >/dev/null 2>"$rc_tmp/none.err"
[ $? = 1 ] && grep -q "none.tour' not found" "$rc_tmp/none.err" && rc_ok "missing script" ||
	{ rc_bad "missing script:"; cat "$rc_tmp/none.err"; }
# A script by name from $RECONVENE_TOURS_DIR, and one that names no layer.
mkdir -p "$rc_tmp/tours"
printf '[step]\ntitle = a\nselect = nosuch\ntext = {layer}\n' >"$rc_tmp/tours/mine.tour"
if RECONVENE_TOURS_DIR="$rc_tmp/tours" "$rc_bin" tour lenet5 --check --no-cache \
	--data "$rc_tmp/nodata" --script mine >"$rc_tmp/mine.out" 2>&1 &&
   grep -q "no layer 'nosuch' in lenet5" "$rc_tmp/mine.out"
then rc_ok "script by name; an unknown layer is a note, not a crash"
else rc_bad "script by name:"; cat "$rc_tmp/mine.out"; fi

# The shipped tour on a model whose automatic plan cuts nothing (lenet5):
# the app never sends a plan, and the steps that wait for the plan's
# latency and quick-eval must take the worker's keep-everything plan as
# current (they waited forever once).
if "$rc_bin" tour lenet5 --check --no-cache --data "$rc_tmp/nodata" --eval-steps 5 \
	>"$rc_tmp/lenet5.out" 2>"$rc_tmp/lenet5.err" &&
	[ "$(grep -c '^step [0-9]*/9:' "$rc_tmp/lenet5.out")" = 9 ]
then rc_ok "the tour on lenet5 (nothing to cut) runs every step"
else rc_bad "the tour on lenet5:"; cat "$rc_tmp/lenet5.err"; fi

# --eval-steps sets the quick-eval budget the steps wait for: one SGD
# step leaves lenet5 near chance on the synthetic set, 200 learn it.
printf '[step]\ntitle = q\nwait = quickeval\ntext = acc {dense_accuracy}\n' \
	>"$rc_tmp/tours/eval.tour"
acc_at() {
	RECONVENE_TOURS_DIR="$rc_tmp/tours" "$rc_bin" tour lenet5 --check --no-cache \
		--data "$rc_tmp/nodata" --script eval --eval-steps "$1" 2>/dev/null |
		sed -n 's/^ *acc \([0-9.]*\)%.*/\1/p'
}
a1=$(acc_at 1)
a200=$(acc_at 200)
if [ -n "$a1" ] && [ -n "$a200" ] && awk -v a="$a1" -v b="$a200" 'BEGIN { exit !(b > a + 20) }'
then rc_ok "--eval-steps sets the quick-eval budget ($a1% after 1 step, $a200% after 200)"
else rc_bad "--eval-steps: $a1% after 1 step, $a200% after 200"; fi

# Usage errors: exit 2.
usage() {
	"$rc_bin" tour "$@" >/dev/null 2>&1
	[ $? = 2 ] && rc_ok "usage error: $*" || rc_bad "not a usage error: $*"
}
usage --autoplay 0
usage --autoplay x
usage --check --autoplay 5
usage --plans "$rc_tmp/p"
usage --check --size 80
usage --restore
usage --check --eval-steps 0
"$rc_bin" tour --help | grep -q 'reconvene tour \[MODEL\]' && rc_ok "--help" || rc_bad "--help"
rc_finish
