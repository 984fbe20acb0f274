#!/bin/sh
# Golden-screen tests of the explorer in tmux (STYLE.md 19 b, issue 6):
# start-up, ratio edits, undo/redo, the automatic plan (checked against
# `reconvene prune --auto`), the help screen, the too-small notice, quit
# with and without unsaved edits, and NO_COLOR / --no-color / colour tiers
# on the escape-coded screen.
#
#   tests/tui/golden.sh            compare with tests/tui/golden/*.txt
#   tests/tui/golden.sh --update   rewrite the goldens (review the diff!)
#
# Run from the build directory with top_srcdir/top_builddir set (make
# check does).  RC_VERBOSE=1 prints every passed check.
. "$(dirname "$0")/lib.sh"

update=0
written=""
[ "${1:-}" = "--update" ] && update=1
gold="$rc_src/tests/tui/golden"

# golden NAME: the current screen must equal golden/NAME.txt.  Polls until
# it does (the screen may still be catching up with the keys), then
# reports the difference.  In update mode: write the settled screen.
golden() {
	_g="$gold/$1.txt"
	# In update mode a golden seen twice is written once, then compared.
	if [ "$update" = 1 ] && case " $written " in *" $1 "*) false ;; *) true ;; esac
	then
		written="$written $1"
		mkdir -p "$gold"
		rc_settled >"$_g"
		echo "wrote $_g"
		return 0
	fi
	if [ ! -f "$_g" ]; then
		rc_bad "missing golden $_g (run tests/tui/golden.sh --update)"
		return 1
	fi
	if rc_wait_for "${RC_GOLDEN_TIMEOUT:-15}" '[ "$(printf "%s\n" "$rc_screen" | rc_normalise)" = "$(cat "$_g")" ]'
	then
		rc_ok "golden $1"
		return 0
	fi
	rc_bad "screen differs from golden $1:"
	rc_capture | rc_normalise | diff -u "$_g" - | sed -n 1,60p
	return 1
}

# The screen without its log line (second-to-last row), normalised.
body() { rc_settled | sed "$((rc_rows - 1))d"; }

# Colour-setting SGR parameters (30-38, 40-48, 90-97, 100-107, 58) in
# ESC[...m sequences, one sequence per line.  tmux adds 39/49 (default
# colours) on its own: those do not count.
colour_sgr() {
	awk '{
		s = $0
		while (match(s, /\033\[[0-9;:]*m/)) {
			seq = substr(s, RSTART + 2, RLENGTH - 3)
			s = substr(s, RSTART + RLENGTH)
			n = split(seq, p, /[;:]/)
			for (i = 1; i <= n; i++) {
				if (p[i] == "") continue
				v = p[i] + 0
				if ((v >= 30 && v <= 38) || (v >= 40 && v <= 48) ||
				    (v >= 90 && v <= 97) || (v >= 100 && v <= 107) || v == 58) {
					print seq
					break
				}
			}
		}
	}'
}

# quit_clean: q, then the explorer must be gone with status 0.
quit_clean() {
	rc_keys "$@"
	if rc_wait_gone 15; then
		if [ "$(rc_exit_status)" = 0 ]; then rc_ok "$rc_cur quits"
		else rc_bad "$rc_cur exited with status $(rc_exit_status)"; cat "$rc_tmp/$rc_cur.err"
		fi
	else
		rc_bad "$rc_cur still running after '$*'"
		rc_show
		rc_stop "$rc_cur"
	fi
	rc_check_sanitizers "$rc_cur"
}

# ---- start-up, ratio edits, undo/redo, quit with unsaved edits -----------
rc_start main 80 24
if rc_wait_ready; then
	golden startup
	start_body=$(body)
	rc_keys Down Left Left
	rc_wait_text "14/16"
	golden edits
	edits_body=$(body)
	# The header marks unsaved edits.
	if printf '%s\n' "$edits_body" | sed -n 1p | grep -q ' \* '; then rc_ok "dirty mark"
	else rc_bad "no '*' in the header after edits"; fi
	rc_keys u u
	rc_wait_text "undo (0 more)"
	golden undo
	# Undoing both edits gives back the start-up table and projection (the
	# cursor moved, so the heatmap title and the step line differ).
	if [ "$(body | sed -n '3,7p;18p')" = "$(printf '%s\n' "$start_body" | sed -n '3,7p;18p')" ]
	then rc_ok "undo restores the plan"
	else rc_bad "after u u the table/params differ from start-up"; body; fi
	rc_keys C-r C-r
	rc_wait_text "redo (0 more)"
	golden redo
	if [ "$(body)" = "$edits_body" ]; then rc_ok "redo round trip"
	else
		rc_bad "after u u ^R ^R the screen differs from after the edits:"
		body | diff -u - "$(printf '%s\n' "$edits_body" >"$rc_tmp/e"; echo "$rc_tmp/e")"
	fi
	# q with unsaved edits asks; n keeps it running, with the same screen.
	rc_keys q
	rc_wait_text "edits that were not saved"
	golden quit-ask
	rc_keys n
	rc_wait_for 10 '! rc_has "edits that were not saved"'
	sleep 0.3
	if rc_alive && [ "$(body)" = "$edits_body" ]; then rc_ok "n keeps running"
	else rc_bad "after q n the explorer is gone or its screen changed"; rc_show; fi
	# Esc also stays.
	rc_keys q
	rc_wait_text "edits that were not saved"
	rc_keys Escape
	rc_wait_for 10 '! rc_has "edits that were not saved"'
	if rc_alive; then rc_ok "Esc keeps running"; else rc_bad "Esc in the quit dialog quit"; fi
	quit_clean q y
fi

# ---- help screen (? and F1), closed by Esc -----------------------------
rc_start help 80 24
if rc_wait_ready; then
	start_screen=$(rc_settled)
	rc_keys '?'
	rc_wait_text "previous layer"
	golden help
	rc_keys End
	rc_wait_text "a locked layer keeps"
	golden help-end
	rc_keys Escape
	rc_wait_ready
	if [ "$(rc_settled)" = "$start_screen" ]; then rc_ok "Esc closes help"
	else rc_bad "after ? Esc the screen is not the start-up one"; rc_show; fi
	rc_keys F1
	rc_wait_text "previous layer"
	golden help
	rc_keys F1
	rc_wait_ready
	quit_clean q
fi

# ---- the automatic plan at 120x40, against the batch command -----------
rc_start auto 120 40 -- --theme mono --tau 0.6 lenet5
if rc_wait_ready; then
	golden auto-start-120x40
	rc_keys a
	rc_wait_text "automatic plan"
	golden auto-120x40
	rc_keys w
	rc_wait_text "lenet5.plan.json"
	# The file name is pre-filled: the first typed key replaces it.
	rc_type "auto.json"
	rc_keys Enter
	rc_wait_for 15 '[ -s "$rc_tmp/run/auto.json" ]'
	rc_wait_for 15 '! rc_has "* [mono]"' # saved: no unsaved-edits mark
	if "$rc_bin" prune lenet5 --auto --tau 0.6 --seed 1 --data "$rc_tmp/nodata" \
		--out "$rc_tmp/batch" >"$rc_tmp/batch.out" 2>&1; then
		grp() { sed -n '/"groups"/,/}/p' "$1" | tr -d ' \n,'; }
		if [ -s "$rc_tmp/run/auto.json" ] &&
		   [ "$(grp "$rc_tmp/run/auto.json")" = "$(grp "$rc_tmp/batch/plan.json")" ]
		then rc_ok "auto plan = reconvene prune --auto"
		else
			rc_bad "explorer's automatic plan differs from reconvene prune --auto:"
			cat "$rc_tmp/run/auto.json" "$rc_tmp/batch/plan.json"
		fi
		for k in method sparsity seed tau; do
			a=$(grep "\"$k\"" "$rc_tmp/run/auto.json")
			b=$(grep "\"$k\"" "$rc_tmp/batch/plan.json")
			if [ "$a" = "$b" ]; then rc_ok "plan $k"
			else rc_bad "plan $k: explorer '$a', batch '$b'"; fi
		done
	else
		rc_bad "reconvene prune --auto failed"; cat "$rc_tmp/batch.out"
	fi
	# Saved: q quits at once.
	quit_clean q
fi

# ---- the criteria view (v v v): five methods side by side, deterministic
# (synthetic data, seed 1), so a golden; then the history view (empty:
# no latency or quick-eval runs here) and back to the heatmap.
rc_start criteria 80 24
if rc_wait_ready; then
	rc_keys v v v
	rc_wait_text "tau vs synflow"
	golden criteria
	rc_keys Down
	rc_wait_text "tau vs synflow, conv2"
	# The history view: nothing is measured in these runs (scores only).
	rc_keys v
	rc_wait_text "No plan measured yet"
	golden history-empty
	rc_keys v
	rc_wait_text "channel scores"
	quit_clean q
fi

# ---- the grid view (v) with the probe's hint, then the group probe (G):
# the hint and the grid are deterministic, so a golden; the probe's
# quick-eval figures are not (timing decides nothing, but the kernels'
# rounding may), so their texts: four groups, three percentages each.
rc_start probe 80 24
if rc_wait_ready; then
	rc_keys v
	rc_wait_text "G: probe each group"
	# the grid has arrived: no "sensitivity grid" progress in its panel
	rc_wait_for 60 '! printf "%s\n" "$rc_screen" | grep -q "│ sensitivity grid [^:]"'
	golden grid
	rc_keys G
	rc_wait_text "-25% -50% -75%"
	if rc_wait_for 180 'rc_has "probe: accuracy, group cut alone"'; then
		n=$(printf '%s\n' "$rc_screen" | grep -cE '[0-9]+% +[0-9]+% +[0-9]+% │$')
		if [ "$n" = 4 ]; then rc_ok "probe: 4 groups x 3 ratios"
		else rc_bad "probe: $n rows with three figures"; rc_show; fi
		if printf '%s\n' "$rc_screen" | grep -qE '^│ fc .* -    -    - │$'
		then rc_ok "probe: the output group is not probed"
		else rc_bad "probe: no dashes on fc's row"; rc_show; fi
	else
		rc_bad "probe did not finish"; rc_show
	fi
	quit_clean q
fi

# ---- the widths view: the staircase arrives, f and F snap along it -------
# Latencies differ run to run, so no golden: the view's texts, the arrow
# under the plan's width, and f / F answering with an edit or a reason.
rc_start widths 80 24
if rc_wait_ready; then
	rc_keys v v
	rc_wait_text "latency x width"
	rc_wait_text "slow: a wider width"
	if rc_has "6 ch "; then rc_ok "widths view: conv1 at 6 channels"
	else rc_bad "widths view: no '6 ch' line"; rc_show; fi
	rc_keys Left f
	rc_wait_for 10 "rc_has 'free channels' || rc_has 'no free channels'"
	if rc_has "conv1: 5 -> " || rc_has "no wider width is as fast as 5"; then
		rc_ok "f snaps or says why"
	else rc_bad "f: no snap and no reason"; rc_show; fi
	rc_keys F
	rc_wait_for 10 "rc_has 'next faster step' || rc_has 'no narrower width'"
	if rc_has "next faster step" || rc_has "no narrower width"; then rc_ok "F snaps or says why"
	else rc_bad "F: no snap and no reason"; rc_show; fi
	rc_keys v v v
	rc_wait_text "channel scores"
	quit_clean q y
fi

# ---- too small: a resize below 80x24, and a start at 60x20 ------------
rc_start small 80 24
if rc_wait_ready; then
	rc_tmux resize-window -t small -x 60 -y 20
	rc_rows=20
	rc_wait_text "terminal too small"
	golden small
	rc_keys '?'
	rc_wait_text "previous layer"
	golden small-help
	rc_keys '?'
	rc_wait_text "terminal too small"
	rc_tmux resize-window -t small -x 80 -y 24
	rc_rows=24
	rc_wait_ready
	golden startup
	rc_tmux resize-window -t small -x 60 -y 20
	rc_rows=20
	rc_wait_text "terminal too small"
	quit_clean q
fi
rc_start small2 60 20
rc_rows=20
if rc_wait_text "need 80x24, have 60x20"; then
	golden small
	quit_clean q
fi

# ---- mouse: a row click, the wheel, a footer click; --no-mouse --------
# xterm's SGR mouse reports (ESC [ < button ; x ; y M/m, 1-based), as a
# terminal sends them: tmux passes them to the pane like typed text.
rc_mouse() { # BUTTON X Y: press (and, for button 0, release)
	rc_type "$(printf '\033[<%d;%d;%dM' "$1" "$2" "$3")"
	[ "$1" = 0 ] && rc_type "$(printf '\033[<0;%d;%dm' "$2" "$3")"
	return 0
}
heat_title() { printf '%s\n' "$rc_screen" | sed -n 2p | grep -q "channel scores · $1"; }
rc_start mouse 80 24 -- --theme mono --record "$rc_tmp/mouse.rec" lenet5
if rc_wait_ready; then
	# Screen row 5 is the third table row (fc1).
	rc_mouse 0 5 5
	rc_wait_for 10 'heat_title "fc1: 120"' && rc_ok "a click selects the row" ||
		{ rc_bad "a click on fc1's row did not select it"; rc_show; }
	# Wheel down: three rows, clamped at the last (fc).
	rc_mouse 65 5 5
	rc_wait_for 10 'heat_title "fc: 10"' && rc_ok "the wheel moves the cursor" ||
		{ rc_bad "the wheel did not move to fc"; rc_show; }
	# The footer's first item is F1 help.
	rc_mouse 0 4 24
	rc_wait_for 10 'printf "%s\n" "$rc_screen" | grep -q "┌─ help ─"' &&
		rc_ok "a footer click runs its action" ||
		{ rc_bad "a click on 'F1 help' opened no help"; rc_show; }
	rc_keys Escape
	quit_clean q
	# The recording says what the clicks did.
	if grep -q '^select 2$' "$rc_tmp/mouse.rec" && grep -q '^scroll 3$' "$rc_tmp/mouse.rec" &&
	   grep -q '^action help$' "$rc_tmp/mouse.rec"; then rc_ok "clicks recorded as events"
	else rc_bad "clicks not recorded:"; cat "$rc_tmp/mouse.rec"; fi
fi
# Whether the pane asked the terminal for mouse reports (tmux's view).
mouse_flags() {
	rc_tmux display -p -t "$rc_cur" '#{mouse_standard_flag}#{mouse_button_flag}#{mouse_any_flag}'
}
rc_start nomouse 80 24 -- --theme mono --no-mouse lenet5
if rc_wait_ready; then
	# A terminal sends no mouse reports unless asked: --no-mouse never asks.
	if [ "$(mouse_flags)" = 000 ]; then rc_ok "--no-mouse: no mouse reporting asked for"
	else rc_bad "--no-mouse: the pane asked for mouse reports ($(mouse_flags))"; fi
	quit_clean q
fi
rc_start mouseflags 80 24 -- --theme mono lenet5
if rc_wait_ready; then
	case $(mouse_flags) in
	*1*) rc_ok "mouse reporting on by default" ;;
	*) rc_bad "the explorer asked for no mouse reports ($(mouse_flags))" ;;
	esac
	quit_clean q
fi

# ---- colour: NO_COLOR, --no-color, the mono theme, the tiers -----------
# colour_run NAME EXPECT [VAR=VALUE ...] -- ARGS: EXPECT is none (no
# colour SGR at all), 256 (38;5 / 48;5 present) or 8 (only 30-37/40-47).
colour_run() {
	_name=$1 _want=$2
	shift 2
	rc_start "$_name" 80 24 "$@"
	rc_wait_ready || return 0
	rc_capture -e >"$rc_tmp/$_name.esc"
	colour_sgr <"$rc_tmp/$_name.esc" >"$rc_tmp/$_name.sgr"
	case $_want in
	none)
		if [ -s "$rc_tmp/$_name.sgr" ]; then
			rc_bad "$_name: colour SGR on screen:"; sort -u "$rc_tmp/$_name.sgr" | head
		else rc_ok "$_name: no colour"; fi ;;
	256)
		if grep -q '^38;5;\|;38;5;' "$rc_tmp/$_name.sgr"; then rc_ok "$_name: 256 colours"
		else rc_bad "$_name: no 256-colour SGR"; sort -u "$rc_tmp/$_name.sgr" | head; fi ;;
	8)
		if [ -s "$rc_tmp/$_name.sgr" ] &&
		   ! grep -Eq '(^|;)(38|48|9[0-7]|10[0-7])(;|$)' "$rc_tmp/$_name.sgr"
		then rc_ok "$_name: 8 colours"
		else rc_bad "$_name: not the 8-colour tier"; sort -u "$rc_tmp/$_name.sgr" | head; fi ;;
	esac
	# Attributes are still there without colour (the cursor row).
	if [ "$_want" = none ] && ! grep -q "$(printf '\033')\[[0-9;]*[17]m" "$rc_tmp/$_name.esc"
	then rc_bad "$_name: no bold/reverse attribute either"; fi
	quit_clean q
}
colour_run nocolor-env none NO_COLOR=1 -- --theme default lenet5
colour_run nocolor-flag none -- --no-color --theme default lenet5
colour_run mono none
colour_run colour256 256 -- --theme default lenet5
# An empty NO_COLOR does not count (no-color.org).
colour_run nocolor-empty 256 NO_COLOR= -- --theme default lenet5
colour_run colour8 8 TERM=xterm -- --theme default lenet5
colour_run colour8-screen 8 TERM=screen -- --theme default lenet5
# NO_COLOR wins over a colour terminal with a theme that asks for truecolor.
colour_run nocolor-screen none TERM=screen NO_COLOR=1 -- --theme default lenet5

# ---- the guided tour: its first steps at 80x24 and 120x40 (issue 17) ----
# RECONVENE_TUI_JOBS=scores: the steps that wait for timings are left to
# tests/tui/tour.sh's headless run.
rc_subcmd=tour
rc_start tour 80 24 -- --theme mono resnet20
if rc_wait_text "tour 1/9" && rc_wait_text "16/16 ██ 0.93"; then
	golden tour-1
	rc_keys Space Space
	rc_wait_text "tour 3/9"
	golden tour-3
	rc_keys Space Space Space
	rc_wait_text "6 of 32 channels"
	golden tour-6
	# Left goes back: the automatic plan is undone with it.
	rc_keys Left
	rc_wait_text "tour 5/9"
	golden tour-5-back
	# q leaves the tour and keeps the explorer open where it was.
	rc_keys q
	if rc_wait_for 10 "! rc_has 'tour 5/9'" && rc_alive; then rc_ok "q leaves the tour"
	else rc_bad "q did not leave the tour"; rc_show; fi
	rc_keys q
	rc_wait_gone 10 || rc_bad "tour: the explorer did not quit after the tour"
fi
rc_check_sanitizers tour
rc_start tour-wide 120 40 -- --theme mono resnet20
if rc_wait_text "tour 1/9" && rc_wait_text "16/16 ██ 0.93"; then
	golden tour-1-120x40
	rc_keys Space Space Space Space
	rc_wait_text "tour 5/9"
	golden tour-5-120x40
	rc_keys q q
	rc_wait_gone 10 || rc_bad "tour-wide: the explorer did not quit"
fi
rc_check_sanitizers tour-wide
rc_start tour-present 80 24 -- --present --theme mono resnet20
if rc_wait_text "tour 1/9" && rc_wait_text "16/16 ██ 0.93"; then
	golden tour-present-1
	rc_keys q q
	rc_wait_gone 10 || rc_bad "tour-present: the explorer did not quit"
fi
rc_check_sanitizers tour-present
rc_subcmd=

# ---- the presentation layout (--present, P) at 80x24 and 120x40 ---------
for size in "80 24" "120 40"; do
	set -- $size
	rc_start "present-$1x$2" "$1" "$2" -- --present --theme mono resnet20
	if rc_wait_ready; then
		golden "present-$1x$2"
		present_body=$(body)
		# P goes back to the usual layout and again to the projector's.
		rc_keys P
		rc_wait_text "the usual layout"
		if rc_has "3→16"; then rc_ok "P: the shape column is back"
		else rc_bad "P did not bring the usual layout back"; rc_show; fi
		rc_keys P
		rc_wait_text "presentation layout"
		if [ "$(body)" = "$present_body" ]; then rc_ok "P P: the same screen"
		else rc_bad "P P: the presentation layout differs from --present's"; rc_show; fi
		quit_clean q
	fi
done

[ "$update" = 1 ] && echo "goldens in $gold rewritten; review with git diff"
rc_finish
