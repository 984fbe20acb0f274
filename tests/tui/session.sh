#!/bin/sh
# Saved sessions in tmux (issue 16, docs/explorer.md "Sessions"): the
# explorer keeps its session (plan, undo/redo history, locks, settings,
# cursor, view) in $XDG_STATE_HOME/reconvene and gets it back after
#   1. a hang-up: edits, a plan saved with w, then the tmux session is
#      killed (the explorer gets SIGHUP and must exit without a crash);
#      restarted with --restore, the plan it saves with w is the one saved
#      before the kill, byte for byte, and one undo gives the plan saved
#      one edit earlier (the history came back too), with the tau set
#      before the kill in the header;
#   2. the question: without --restore it asks "restore the session from
#      <time>? y/n"; y restores, n drops the file, q removes it;
#   3. kill -9 after several edits: the restored plan is the plan
#      `reconvene replay` computes from the explorer's own --record log
#      (at most the last edit may be lost: the log without it is accepted
#      too, and said);
#   4. a corrupt file, one of another version, one for another model, one
#      with an impossible keep count: a warning in the log line, no
#      question, no crash, q quits with status 0; a file cut in the middle
#      of its last record restores the rest;
#   5. the plan history comes back with the session: three "measured"
#      records appended to a saved file show in the history view with the
#      current plan and the Pareto front marked, Enter restores one, X
#      writes the CSV and the PNG.
. "$(dirname "$0")/lib.sh"

state="$rc_tmp/state/reconvene"

# The explorer's pid in session NAME: the child of the pane's shell.
explorer_pid() {
	_pp=$(rc_tmux display-message -p -t "$1" '#{pane_pid}' 2>/dev/null)
	[ -n "$_pp" ] && ps -o pid= --ppid "$_pp" | tr -d ' ' | head -n 1
}

# Wait until process PID is gone; 0 if it is.
wait_pid_gone() {
	_i=0
	while kill -0 "$1" 2>/dev/null; do
		[ $_i -ge 300 ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 0
}

# Save the plan with w as FILE (relative to the run directory).
save_plan() {
	rc_keys w C-u
	rc_type "$1"
	rc_keys Enter
	if ! rc_wait_for "$rc_timeout" "[ -s '$rc_tmp/run/$1' ] && rc_has 'plan saved to $1'"; then
		rc_bad "$rc_cur: $1 was not saved"; rc_show; return 1
	fi
}

# The log line (second-to-last row).
log_line() { printf '%s\n' "$rc_screen" | sed -n "$((rc_rows - 1))p"; }

# Quit with q (and y when it asks); the status must be 0.
quit_ok() {
	rc_keys q
	sleep 0.3
	rc_screen=$(rc_capture)
	rc_has 'quit anyway' && rc_type y
	if rc_wait_gone 30 && [ "$(rc_exit_status)" = 0 ]; then rc_ok "$rc_cur quits"
	else rc_bad "$rc_cur: q did not quit cleanly (status $(rc_exit_status))"; rc_show; rc_stop "$rc_cur"; fi
	rc_check_sanitizers "$rc_cur"
}

# A hang-up: kill the tmux session; the explorer must exit by itself
# (no crash: its parked stderr says it was interrupted (SIGHUP) or that
# the terminal hung up (stdin closed first), and that the session is
# saved; no sanitizer report).
hang_up() {
	_pid=$(explorer_pid "$1")
	rc_tmux kill-session -t "=$1"
	if [ -n "$_pid" ] && wait_pid_gone "$_pid"; then rc_ok "$1: exits after the hang-up"
	else rc_bad "$1: still running 30 s after the hang-up"; fi
	if grep -qE '(interrupted|hung up); the session is saved' "$rc_tmp/$1.err" &&
		! grep -qiE 'sanitizer|segmentation|abort' "$rc_tmp/$1.err"
	then rc_ok "$1: clean exit on SIGHUP"
	else rc_bad "$1: no clean exit on SIGHUP:"; cat "$rc_tmp/$1.err"; fi
	rc_check_sanitizers "$1"
}

session_file() { ls "$state"/lenet5-*.session 2>/dev/null | head -n 1; }

# ---- 0. options ----------------------------------------------------------------
for args in "--restore --no-restore" "--restore --record $rc_tmp/x.rec"; do
	# shellcheck disable=SC2086
	"$rc_bin" lenet5 $args >"$rc_tmp/opt.out" 2>&1
	if [ $? -eq 2 ] && grep -q -- "--restore" "$rc_tmp/opt.out"; then rc_ok "$args: usage error"
	else rc_bad "$args: not a usage error:"; cat "$rc_tmp/opt.out"; fi
done
"$rc_bin" --help-explorer | grep -q -- "--no-restore" && rc_ok "--help-explorer lists --no-restore" ||
	rc_bad "--help-explorer lacks --no-restore"

# ---- 1. hang-up -------------------------------------------------------------
rc_start hup 80 24
rc_wait_ready || rc_finish
# conv1 6 -> 5 -> 4, conv2 16 -> 15, undo, conv2 -> 15 again by one channel,
# lock fc1, tau up; a save one edit before the end.
rc_keys Left Left Down Left u S-Left Down Space
rc_wait_text "locked"
save_plan mid.json
rc_keys T
rc_wait_text "tau = 0.25"
rc_keys Up Left
rc_wait_text "14 of 16"
save_plan before.json
[ -n "$(session_file)" ] && rc_ok "a session file after the edits" ||
	rc_bad "no session file in $state"
hang_up hup

rc_start hup2 80 24 -- --theme mono --restore lenet5
rc_wait_ready || rc_finish
rc_wait_text "session restored"
rc_screen=$(rc_capture)
if printf '%s\n' "$rc_screen" | sed -n 1p | grep -q 'tau 0.25'; then rc_ok "tau restored"
else rc_bad "tau not restored:"; rc_show; fi
save_plan after.json
if cmp -s "$rc_tmp/run/before.json" "$rc_tmp/run/after.json"; then
	rc_ok "the restored plan is the plan saved before the hang-up, byte for byte"
else
	rc_bad "restored plan differs:"; diff "$rc_tmp/run/before.json" "$rc_tmp/run/after.json"
fi
rc_keys u
rc_wait_text "undo"
save_plan undo.json
# mid.json was saved with the old tau: compare the keep counts only.
grp() { sed -n '/"groups"/,/}/p' "$1" | tr -d ' \n,'; }
if [ "$(grp "$rc_tmp/run/mid.json")" = "$(grp "$rc_tmp/run/undo.json")" ]; then
	rc_ok "undo after the restore gives the plan of one edit earlier"
else
	rc_bad "undo after the restore:"; diff "$rc_tmp/run/mid.json" "$rc_tmp/run/undo.json"
fi
# fc1 is still locked: an edit there is refused.
rc_keys Home Down Down Left
rc_wait_text "is locked"
hang_up hup2

# ---- 2. the question ------------------------------------------------------
rc_start ask 80 24
rc_wait_text "restore the session from"
rc_screen=$(rc_capture)
rc_has "y/n" && rc_ok "the explorer asks before restoring" || rc_bad "no y/n question"
rc_type y
rc_wait_text "session restored"
save_plan asked.json
cmp -s "$rc_tmp/run/undo.json" "$rc_tmp/run/asked.json" &&
	rc_ok "y restores the session as it was at the hang-up" ||
	{ rc_bad "y restored another plan:"; diff "$rc_tmp/run/undo.json" "$rc_tmp/run/asked.json"; }
hang_up ask

rc_start no 80 24
rc_wait_text "restore the session from"
rc_type n
rc_wait_text "dropped"
[ -z "$(session_file)" ] && rc_ok "n drops the saved session" ||
	rc_bad "n left the session file: $(session_file)"
rc_keys Left
rc_wait_text "5 of 6"
[ -n "$(session_file)" ] && rc_ok "the new session is saved at its first edit" ||
	rc_bad "no session file after an edit"
quit_ok
[ -z "$(session_file)" ] && rc_ok "q removes the session file" ||
	rc_bad "q left the session file"

rc_start fresh 80 24
rc_wait_ready || rc_finish
rc_screen=$(rc_capture)
rc_has "restore the session" && rc_bad "a question after q" || rc_ok "no question after q"
quit_ok

# ---- 3. kill -9 ---------------------------------------------------------------
rc_start k9 80 24 -- --theme mono --record "$rc_tmp/k9.rec" lenet5
rc_wait_ready || rc_finish
rc_keys Left Down Left Left Down Down S-Left S-Left Space Down Left u C-r t
rc_wait_text "tau = 0.15"
pid=$(explorer_pid k9)
kill -9 "$pid"
wait_pid_gone "$pid" || rc_bad "k9: kill -9 did not end it"
rc_stop k9
rc_start k9b 80 24 -- --theme mono --restore lenet5
rc_wait_text "session restored"
save_plan k9.json
quit_ok
# What the edits give, from the explorer's own recording (and without
# its last edit, t).
"$rc_bin" replay "$rc_tmp/k9.rec" --data "$rc_tmp/nodata" --no-cache \
	--out "$rc_tmp/k9.all.json" >"$rc_tmp/k9.out" 2>&1 ||
	{ rc_bad "replay of the kill -9 run failed:"; cat "$rc_tmp/k9.out"; }
sed '$d' "$rc_tmp/k9.rec" >"$rc_tmp/k9.less.rec"
"$rc_bin" replay "$rc_tmp/k9.less.rec" --data "$rc_tmp/nodata" --no-cache \
	--out "$rc_tmp/k9.less.json" >"$rc_tmp/k9.out" 2>&1
if cmp -s "$rc_tmp/run/k9.json" "$rc_tmp/k9.all.json"; then
	rc_ok "after kill -9 every edit is back"
elif cmp -s "$rc_tmp/run/k9.json" "$rc_tmp/k9.less.json"; then
	rc_ok "after kill -9 all but the last edit are back"
else
	rc_bad "after kill -9 the plan is neither:"; diff "$rc_tmp/k9.all.json" "$rc_tmp/run/k9.json"
fi

# ---- 4. bad files -----------------------------------------------------------------
rc_start good 80 24
rc_wait_ready || rc_finish
rc_keys Left Left Down Left
rc_wait_text "15 of 16"
save_plan good.json
hang_up good
good=$(session_file)
cp "$good" "$rc_tmp/good.session"

bad_file() { # NAME WHAT: the session file holds $rc_tmp/bad; a warning, no question
	cp "$rc_tmp/bad" "$good"
	rc_start "$1" 80 24
	rc_wait_ready || return
	rc_wait_for 5 'rc_has "session ignored"' &&
		rc_ok "$2: a warning ($(log_line | sed 's/^[│| ]*//; s/ *ready.*//' | cut -c1-60))" ||
		{ rc_bad "$2: no warning"; rc_show; }
	rc_has "restore the session" && rc_bad "$2: a question anyway"
	quit_ok
}
head -c 3000 /dev/urandom >"$rc_tmp/bad"
bad_file junk "random bytes"
sed 's/^version 1$/version 99/' "$rc_tmp/good.session" >"$rc_tmp/bad"
bad_file foreign "another version"
sed 's/^net lenet5 /net vgg11 /' "$rc_tmp/good.session" >"$rc_tmp/bad"
bad_file other "another model"
sed '0,/^edit /s/^edit [0-9]*/edit 7/' "$rc_tmp/good.session" >"$rc_tmp/bad"
bad_file range "a keep count out of range"
printf '# reconvene session\n' >"$rc_tmp/bad"
bad_file empty "a header only"
# Cut in the middle of the last record: the rest restores.
{ cat "$rc_tmp/good.session"; printf 'edit 3 1'; } >"$good"
rc_start cut 80 24 -- --theme mono --restore lenet5
rc_wait_text "session restored"
save_plan cut.json
cmp -s "$rc_tmp/run/good.json" "$rc_tmp/run/cut.json" &&
	rc_ok "a cut last record is dropped, the rest restored" ||
	{ rc_bad "cut file:"; diff "$rc_tmp/run/good.json" "$rc_tmp/run/cut.json"; }
quit_ok

# ---- 5. the plan history ----------------------------------------------------
# good.session's plan: conv1 4, conv2 15.  Plan 1 (the automatic plan) and
# 2 (the current one) are on the front; 3 is slower and less accurate.
{
	cat "$rc_tmp/good.session"
	echo "measured synflow 0.9 0.2 1 auto 6383 33216 260100 0.21 0.2 0.25 0.687 0.658 0.715 : 1 6 16 120 84 10"
	echo "measured synflow 0.9 0.2 1 edit 5200 30100 231000 0.19 0.18 0.2 0.675 0.646 0.703 : 1 4 15 120 84 10"
	echo "measured synflow 0.9 0.2 1 edit 5900 32000 250000 0.25 0.2 0.3 0.650 0.62 0.68 : 1 5 16 120 84 10"
} >"$good"
rc_start hist 80 24 -- --theme mono --restore lenet5
rc_wait_text "session restored"
rc_keys v v v v
rc_wait_text "acc%"
for row in " ◆  1  auto    6.4k 260.1k   0.21  68.7" "▸◆  2  edit    5.2k 231.0k   0.19  67.5" \
	"    3  edit    5.9k 250.0k   0.25  65.0" "◉" "accuracy % against latency ms"; do
	rc_has "$row" && rc_ok "history view: '$row'" || { rc_bad "history view lacks '$row'"; rc_show; }
done
rc_keys x
rc_wait_text "accuracy % against MACs"
rc_keys Up Enter
rc_wait_text "plan #1 restored: 2 groups changed"
rc_keys X C-u
rc_type hist
rc_keys Enter
if rc_wait_for "$rc_timeout" "rc_has '3 plans written to hist.csv'" &&
	[ "$(wc -l <"$rc_tmp/run/hist.csv")" -eq 4 ] && [ -s "$rc_tmp/run/hist.png" ]
then rc_ok "X writes hist.csv (3 plans) and hist.png"
else rc_bad "X did not write the history"; rc_show; fi
quit_ok

rc_finish
