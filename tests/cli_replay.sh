#!/bin/sh
# End-to-end tests of `reconvene replay` (docs/replay.md): edits, undo and
# redo, the exact-count dialog and the automatic plan replayed from a key
# log give the expected plan (the automatic one equals `reconvene prune
# --auto`), saves and exports in a log are not carried out, quitting ends
# the session, keys below 80x24 do nothing, and a bad log gets one error
# line naming file:line.
. "$(dirname "$0")/cli_lib.sh"
# The group counts of a plan file, on one line.
groups() { sed -n '/"groups"/,/}/p' "$1" | tr -d ' \n,'; }
# keep PLAN GROUP: the group's kept channels.
keep() { sed -n "s/^ *\"$2\": \([0-9]*\),*\$/\1/p" "$1"; }
# replay LOGTEXT [ARGS]: write the log, replay it into $tmp/p.json.
replay() {
	printf '%b' "$1" >"$tmp/k.log"
	shift
	expect 0 "$bin" replay "$tmp/k.log" --data "$tmp/nodata" --no-cache \
		--out "$tmp/p.json" "$@"
}

expect 0 "$bin" replay --help
contains "$tmp/out" "usage: reconvene replay KEYLOG"
expect 0 "$bin" --help
contains "$tmp/out" "replay"
expect 2 "$bin" replay
contains "$tmp/err" "no key log given"
expect 2 "$bin" replay a.log --size 80by24
expect 2 "$bin" replay a.log --bogus

# The sample log (every kind of line; also the fuzz corpus) replays.
expect 0 "$bin" replay "$src/tests/fixtures/sample.keylog" --method magnitude \
	--data "$tmp/nodata" --no-cache
contains "$tmp/out" "events, 1 automatic plans waited for"

# Bad logs: exit 1, one line naming the file and line.
printf 'model lenet5\nkey Upp\n' >"$tmp/bad.log"
expect 1 "$bin" replay "$tmp/bad.log" --data "$tmp/nodata"
contains "$tmp/err" "bad.log:2: unknown key name"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && ok || { bad "bad log: not one line"; cat "$tmp/err"; }
expect 1 "$bin" replay "$tmp/missing.log"
contains "$tmp/err" "missing.log"
printf 'model nosuchnet\n' >"$tmp/nomodel.log"
expect 1 "$bin" replay "$tmp/nomodel.log" --data "$tmp/nodata"
contains "$tmp/err" "nosuchnet"

# Edits on resnet20's second row (layer1.0.conv1, 16 channels): -5 % is
# one channel, Shift one more, undo, redo, then an exact count.
hdr='model resnet20\nsettings method=magnitude sparsity=0.9 tau=0.2 seed=1\n'
replay "${hdr}key Down\nkey Left\nkey S-Left\nkey u\n"
[ "$(keep "$tmp/p.json" layer1.0.conv1)" = 15 ] && ok || bad "left, shift-left, undo: not 15"
replay "${hdr}key Down\nkey Left\nkey S-Left\nkey u\nkey C-r\n"
[ "$(keep "$tmp/p.json" layer1.0.conv1)" = 14 ] && ok || bad "redo: not 14"
replay "${hdr}key Down\nkey Left\nkey Enter\ntext 9\nkey Enter\n"
[ "$(keep "$tmp/p.json" layer1.0.conv1)" = 9 ] && ok || bad "exact count: not 9"
contains "$tmp/out" "1 of 12 prunable groups changed"
contains "$tmp/p.json" '"method": "magnitude"'

# Too small: the edit does nothing; after growing again it acts.
replay "${hdr}resize 60 20\nkey Down\nkey Left\nresize 80 24\n"
[ "$(keep "$tmp/p.json" layer1.0.conv1)" = 16 ] && ok || bad "an edit acted at 60x20"
replay "${hdr}key Down\nkey Left\n" --size 60x20
[ "$(keep "$tmp/p.json" layer1.0.conv1)" = 16 ] && ok || bad "an edit acted with --size 60x20"

# The automatic plan (a, then wait) is reconvene prune --auto's.
replay "model resnet20\nkey a\nwait\n" --method magnitude --sparsity 0.95 --tau 0.3
cp "$tmp/p.json" "$tmp/auto.json"
expect 0 "$bin" prune resnet20 --auto --method magnitude --sparsity 0.95 --tau 0.3 \
	--data "$tmp/nodata" --out "$tmp/bundle"
if [ "$(groups "$tmp/auto.json")" = "$(groups "$tmp/bundle/plan.json")" ]; then ok
else bad "replayed automatic plan differs from prune --auto"; cat "$tmp/auto.json" "$tmp/bundle/plan.json"; fi
n_changed=$(grep -c ' / ' "$tmp/out")
[ "$n_changed" -ge 2 ] && ok || bad "the automatic plan changed $n_changed groups"
# With --align 8 (on the command line, or align=8 in the log's settings)
# it is prune --auto --align 8's, and differs from the unaligned one.
replay "model resnet20\nkey a\nwait\n" --method magnitude --sparsity 0.95 --tau 0.3 --align 8
cp "$tmp/p.json" "$tmp/auto8.json"
expect 0 "$bin" prune resnet20 --auto --method magnitude --sparsity 0.95 --tau 0.3 --align 8 \
	--data "$tmp/nodata" --out "$tmp/bundle8"
[ "$(groups "$tmp/auto8.json")" = "$(groups "$tmp/bundle8/plan.json")" ] && ok ||
	bad "replayed aligned plan differs from prune --auto --align 8"
[ "$(groups "$tmp/auto8.json")" != "$(groups "$tmp/auto.json")" ] && ok ||
	bad "--align 8 did not change the automatic plan"
replay "model resnet20\nsettings method=magnitude sparsity=0.95 tau=0.3 seed=1 align=8\nkey a\nwait\n"
[ "$(groups "$tmp/p.json")" = "$(groups "$tmp/bundle8/plan.json")" ] && ok ||
	bad "align=8 in the log's settings is not --align 8"
# The width rule (issue 18): 'a' plans with sqrt, prune's default; --width
# density (or width=density in the log's settings, or a log from before
# the change, whose settings have no width=) gives the density plan.  On
# vgg11 at 0.97 the chain's rectified layers differ under the two.
v11="--method magnitude --sparsity 0.97 --tau 0.3"
replay "model vgg11\nkey a\nwait\n" $v11
cp "$tmp/p.json" "$tmp/v11s.json"
expect 0 "$bin" prune vgg11 --auto $v11 --data "$tmp/nodata" --out "$tmp/bv11s"
[ "$(groups "$tmp/v11s.json")" = "$(groups "$tmp/bv11s/plan.json")" ] && ok ||
	bad "replayed automatic plan on vgg11 differs from prune --auto"
replay "model vgg11\nkey a\nwait\n" $v11 --width density
cp "$tmp/p.json" "$tmp/v11d.json"
expect 0 "$bin" prune vgg11 --auto $v11 --width density --data "$tmp/nodata" --out "$tmp/bv11d"
[ "$(groups "$tmp/v11d.json")" = "$(groups "$tmp/bv11d/plan.json")" ] && ok ||
	bad "replayed --width density plan differs from prune --auto --width density"
[ "$(groups "$tmp/v11d.json")" != "$(groups "$tmp/v11s.json")" ] && ok ||
	bad "--width density did not change the automatic plan on vgg11"
replay "model vgg11\nsettings method=magnitude sparsity=0.97 tau=0.3 seed=1\nkey a\nwait\n"
[ "$(groups "$tmp/p.json")" = "$(groups "$tmp/v11d.json")" ] && ok ||
	bad "a log without width= did not replay with density"
replay "model vgg11\nsettings method=magnitude sparsity=0.97 tau=0.3 seed=1 width=sqrt\nkey a\nwait\n"
[ "$(groups "$tmp/p.json")" = "$(groups "$tmp/v11s.json")" ] && ok ||
	bad "width=sqrt in the log's settings is not the sqrt plan"
# A lock keeps its group out of it.
replay "model resnet20\nkey Down\nkey Space\nkey a\nwait\n" --method magnitude \
	--sparsity 0.95 --tau 0.3
[ "$(keep "$tmp/p.json" layer1.0.conv1)" = 16 ] && ok || bad "a locked group changed"
# A failed plan open earlier in the log does not fail the replay.
replay "model resnet20\nkey o\ntext nosuch.json\nkey Enter\nkey Escape\nkey a\nwait\n" \
	--method magnitude --sparsity 0.95 --tau 0.3
[ "$(groups "$tmp/p.json")" = "$(groups "$tmp/bundle/plan.json")" ] && ok ||
	bad "after a failed open, the automatic plan differs"
# Without wait the plan is not applied, with a warning.
replay "model resnet20\nkey a\n" --method magnitude
contains "$tmp/err" "still pending"
contains "$tmp/out" "0 of 12 prunable groups changed"

# Saves and exports inside a log are not written; q ends the session.
here=$(pwd)
cd "$tmp" || exit 1
replay "model lenet5\nkey Down\nkey Left\nkey w\nkey C-u\ntext s.json\nkey Enter\nkey e\nkey Enter\nkey q\nkey Left\n"
cd "$here" || exit 1
[ ! -e "$tmp/s.json" ] && [ ! -e "$tmp/lenet5-pruned" ] && ok || bad "the replay wrote a file of the log"
contains "$tmp/err" "1 plan saves and 1 exports"
contains "$tmp/err" "quits at event 14; 1 later events ignored"
[ "$(keep "$tmp/p.json" conv2)" = 15 ] && ok || bad "lenet5 conv2: not 15 (the Left after q acted?)"

cli_finish cli_replay.sh
