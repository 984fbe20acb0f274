#!/bin/sh
# Soak test of the explorer in tmux (issue 6): a seeded sequence of 2000
# random keys (the binding table's keys plus random printable ones)
# interleaved with resizes (below 80x24 and back), then: the explorer is
# alive and responsive (^L repaints the header), the plan saved with w
# is the same as the one a second, fresh explorer saves after the same
# key sequence (the explorer is deterministic apart from timing), the
# batch command accepts that plan (`reconvene prune --plan` writes the
# same keep counts), and q quits cleanly with no sanitizer report.
#
# Never sent: q, F10 (quit), ^C, ^Z.  The file dialogs (w, o, e) get a
# few random characters and then Esc, never Enter, so nothing is written
# or exported; the run's working directory is a temporary one anyway.
#
# Timing: `a` may have to wait for the scores of new settings, and the
# automatic plan then lands whenever the worker finishes; so after each
# `a` the replay synchronises (every key before it handled) and waits
# until the plan was adopted before it sends more keys.  Everything else
# a key does to the plan is synchronous.
#
#   RC_SOAK_SEED (default 1), RC_SOAK_KEYS (default 2000).
. "$(dirname "$0")/lib.sh"

seed=${RC_SOAK_SEED:-1}
nkeys=${RC_SOAK_KEYS:-2000}

# ---- the key sequence ------------------------------------------------------
# One token a line: "k NAME..." named tmux keys, "l TEXT" literal text,
# "esc" (Escape alone), "a" (the automatic plan: synchronise after it),
# "resize W H", "sync".  The generator tracks whether the help overlay is
# open (odd number of ?/F1 since the last Esc) so that the replay can
# synchronise with it.
awk -v seed="$seed" -v n="$nkeys" '
function pick(s,   m) { m = split(s, arr, " "); return arr[1 + int(rand() * m)] }
function ch(s) { return substr(s, 1 + int(rand() * length(s)), 1) }
BEGIN {
	srand(seed)
	# Named keys of the binding table (keys.md), without q and F10.
	named = "Up Down Up Down Left Right Left Right S-Left S-Right PPage NPage " \
		"Home End Tab BTab Space C-r C-l F1"
	# Single characters bound to actions (and a few unbound ones).
	bound = "hjklhjkl-+=<>uutTrvc?"
	# Printable keys at random: no q (quit), no w o e m s (dialogs) and
	# no a (the automatic plan): they get their own tokens; no ? (help,
	# tracked); nothing tmux or the shell would eat.
	printable = "bcdfghijklnprtuvxyzABCDEFGHIJKLMNOPRSTUVWXYZ0123456789-+=<>,./!@#%^&*()_[]{}:|~"
	sizes = "80x24 100x30 60x20 79x24 80x23 120x40 200x60 40x10"
	help = 0; small = 0; sent = 0; since = 0
	while (sent < n) {
		if (since > 120 + int(rand() * 120)) {
			since = 0
			if (help) { print "l ?"; help = 0 }
			sz = pick(sizes)
			split(sz, wh, "x")
			small = (wh[1] < 80 || wh[2] < 24)
			print "resize " wh[1] " " wh[2]
		}
		r = rand()
		if (r < 0.30) {
			k = pick(named)
			if (k == "F1") help = !help
			print "k " k; sent++; since++
		} else if (r < 0.55) {
			c = ch(bound)
			if (c == "?") help = !help
			print "l " c; sent++; since++
		} else if (r < 0.70) {
			m = 1 + int(rand() * 6); s = ""
			for (i = 0; i < m; i++) s = s ch(printable)
			print "l " s; sent += m; since += m
		} else if (r < 0.76) {
			# Enter: exact count dialog (when the group can be edited).
			print "k Enter"
			m = int(rand() * 4); s = ""
			for (i = 0; i < m; i++) s = s ch("0123456789")
			if (m) print "l " s
			print "k Enter"; print "esc"; help = 0
			sent += m + 3; since += m + 3
		} else if (r < 0.82) {
			# Method or sparsity picker: move, then apply or cancel.
			d = ch("ms"); print "l " d
			m = int(rand() * 3)
			for (i = 0; i < m; i++) {
				if (d == "m") print "l " ch("jk12345")
				else print "k " pick("Up Down")
			}
			if (rand() < 0.6) print "k Enter"
			print "esc"; help = 0
			sent += m + 3; since += m + 3
		} else if (r < 0.86) {
			# File dialogs: type a little, then always Esc.
			print "l " ch("woe")
			m = int(rand() * 4); s = ""
			for (i = 0; i < m; i++) s = s ch("abcxyz0123._")
			if (m) print "l " s
			print "esc"; help = 0
			sent += m + 2; since += m + 2
		} else if (r < 0.89) {
			print "esc"; help = 0; sent++; since++
		} else if (r < 0.93 && !small) {
			# The automatic plan, only where the log line can be seen.
			if (help) { print "l ?"; help = 0; sent++ }
			print "a"; sent++; since++
		} else {
			k = pick("Down Up Left Right")
			print "k " k; sent++; since++
		}
	}
	if (help) print "l ?"
	print "resize 80 24"
}' >"$rc_tmp/keys"

# ---- replay ---------------------------------------------------------------
help_open() { printf '%s\n' "$rc_screen" | grep -q '┌─ help ─'; }

# Every key sent so far has been handled once the help overlay opens and
# closes again (keys are handled in order).  Assumes the help is closed.
sync_keys() {
	rc_keys '?'
	if ! rc_wait_for "$rc_timeout" help_open; then
		rc_bad "$rc_cur: sync: no help after token $_line"; rc_show; return 1
	fi
	rc_keys '?'
	if ! rc_wait_for "$rc_timeout" '! help_open'; then
		rc_bad "$rc_cur: sync: help stays after token $_line"; rc_show; return 1
	fi
}

auto_done() {
	rc_is_ready && ! printf '%s\n' "$rc_screen" | sed -n "$((rc_rows - 1))p" |
		grep -q 'waiting for the scores'
}

# replay SESSION: start an explorer and feed it $rc_tmp/keys; leaves the
# saved plan in $rc_tmp/run/SESSION.json and the header after ^L in
# $rc_tmp/SESSION.head.
replay() {
	rc_start "$1" 80 24
	rc_wait_ready || return 1
	_autos=0 _resizes=0 _line=0
	while read -r _t _a _b; do
		_line=$((_line + 1))
		case $_t in
		k) rc_keys "$_a" ;;
		l) rc_tmux send-keys -t "$rc_cur" -l -- "$_a" ;;
		esc) rc_keys Escape ;;
		a)
			rc_keys a
			sync_keys || return 1
			if ! rc_wait_for "$rc_timeout" auto_done; then
				rc_bad "$1: automatic plan not adopted"; rc_show; return 1
			fi
			_autos=$((_autos + 1)) ;;
		resize)
			sync_keys || return 1
			rc_tmux resize-window -t "$rc_cur" -x "$_a" -y "$_b"
			rc_rows=$_b
			_resizes=$((_resizes + 1)) ;;
		esac
		if ! rc_alive; then
			rc_bad "$1: the explorer died (status $(rc_exit_status))"
			cat "$rc_tmp/$1.err"
			rc_check_sanitizers "$1"
			return 1
		fi
	done <"$rc_tmp/keys"
	# Alive and responsive: ^L repaints, the header and ready are back.
	sync_keys || return 1
	rc_keys C-l
	rc_wait_ready || return 1
	rc_wait_for 10 'printf "%s\n" "$rc_screen" | sed -n 1p | grep -q "lenet5 ·"' ||
		{ rc_bad "$1: no header after ^L"; rc_show; return 1; }
	rc_ok "$1 alive after $nkeys keys ($_autos automatic plans, $_resizes resizes)"
	printf '%s\n' "$rc_screen" | sed -n 1p >"$rc_tmp/$1.head"
	# Save the plan (the name is pre-filled: ^U clears it).
	rc_keys w C-u
	rc_type "$1.json"
	rc_keys Enter
	_plan="$rc_tmp/run/$1.json"
	if ! rc_wait_for "$rc_timeout" '[ -s "$_plan" ] && rc_has "plan saved"'; then
		rc_bad "$1: the plan was not saved"; rc_show; return 1
	fi
	# Saved, so q quits at once.
	rc_keys q
	if rc_wait_gone 30 && [ "$(rc_exit_status)" = 0 ]; then rc_ok "$1 quits"
	else rc_bad "$1: q did not quit cleanly (status $(rc_exit_status))"; rc_show; rc_stop "$1"; fi
	rc_check_sanitizers "$1"
}

t0=$(rc_now)
replay soak1
t1=$(rc_now)
replay soak2
t2=$(rc_now)
echo "soak: $(wc -l <"$rc_tmp/keys") tokens, runs took $((t1 - t0)) s and $((t2 - t1)) s"

p1="$rc_tmp/run/soak1.json" p2="$rc_tmp/run/soak2.json"
if [ -s "$p1" ] && [ -s "$p2" ]; then
	if cmp -s "$p1" "$p2"; then rc_ok "same plan from the same keys"
	else rc_bad "two runs of the same keys saved different plans:"; diff "$p1" "$p2"; fi
	if cmp -s "$rc_tmp/soak1.head" "$rc_tmp/soak2.head"; then rc_ok "same header"
	else rc_bad "headers differ:"; cat "$rc_tmp/soak1.head" "$rc_tmp/soak2.head"; fi
	# The batch command takes the plan (with its method, sparsity and
	# seed as defaults) and writes the same keep counts.
	if "$rc_bin" prune lenet5 --plan "$p1" --data "$rc_tmp/nodata" \
		--out "$rc_tmp/batch" >"$rc_tmp/batch.out" 2>&1; then
		grp() { sed -n '/"groups"/,/}/p' "$1" | tr -d ' \n'; }
		if [ "$(grp "$p1")" = "$(grp "$rc_tmp/batch/plan.json")" ]; then
			rc_ok "reconvene prune --plan keeps the same counts"
		else
			rc_bad "reconvene prune --plan wrote other counts:"
			cat "$p1" "$rc_tmp/batch/plan.json"
		fi
	else
		rc_bad "reconvene prune --plan rejected the explorer's plan:"
		cat "$p1" "$rc_tmp/batch.out"
	fi
	[ "$rc_verbose" = 1 ] && cat "$p1"
fi
[ -n "${RC_KEEP_KEYS:-}" ] && cp "$rc_tmp/keys" "$RC_KEEP_KEYS"
rc_finish
