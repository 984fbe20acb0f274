#!/bin/sh
# bench_tui.sh: the explorer's frame and key-press times (issue 6 targets:
# a frame at 200x60 drawn in < 5 ms; key press to updated analytic
# projection on screen in < 16 ms), measured in tmux through
# RECONVENE_TUI_TIMING (docs/explorer.md, "Performance").
#
#   sh bench/bench_tui.sh            (from the build directory; make bench)
#   BENCH_TUI_KEYS=80 sh bench/bench_tui.sh
#
# Two runs at 200x60 with the default theme in the 256-colour tier:
#   idle   vgg16, magnitude scores, all measured jobs off: frames and keys
#          with the worker idle;
#   busy   vgg19, SynFlow (100 iterations) being scored by the worker while
#          the keys arrive: the UI must not wait for the engine.
# Each run sends BENCH_TUI_KEYS plan edits (left/right, moving down), one
# every 50 ms, and reports the median, p90 and max of draw_us (building a
# frame), update_us (curses sending it) and to_frame_us (key read -> state
# and projection updated -> frame on the terminal).
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
export top_builddir top_srcdir
. "$top_srcdir/tests/tui/lib.sh"
nkeys=${BENCH_TUI_KEYS:-60}

# stats FILE FIELD FILTER: "median p90 max n" of FIELD= values (us) -> ms
stats() {
	grep "$3" "$1" | sed -n "s/.*$2=\([0-9]*\).*/\1/p" | sort -n |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) { print "-"; exit }
			i = int((NR + 1) / 2); j = int(NR * 0.9 + 0.5); if (j < 1) j = 1
			printf "median %.2f ms  p90 %.2f ms  max %.2f ms  (n = %d)\n",
				v[i] / 1000, v[j] / 1000, v[NR] / 1000, NR }'
}

edits() {
	i=0
	while [ "$i" -lt "$nkeys" ]; do
		case $((i % 6)) in
		0|1) rc_keys Left ;;
		2|3) rc_keys Right ;;
		4) rc_keys Left ;;
		5) rc_keys Down ;;
		esac
		sleep 0.05
		i=$((i + 1))
	done
}

run() { # NAME MODEL METHOD JOBS
	t="$rc_tmp/$1.timing"
	rc_start "$1" 200 60 "RECONVENE_TUI_TIMING=$t" "RECONVENE_TUI_JOBS=$4" -- \
		--theme default --method "$3" "$2"
	if [ "$1" = busy ]; then
		# Keys while the scores are being computed.
		rc_wait_for 120 'rc_has "scoring"' || { echo "bench_tui: $1: never scoring"; rc_show; return 1; }
	else
		rc_wait_for 300 rc_is_ready || { echo "bench_tui: $1: never ready"; rc_show; return 1; }
	fi
	: >"$t.mark"
	edits
	still=$(rc_capture | grep -c 'scoring')
	rc_keys F10
	rc_wait_for 5 'rc_has "quit"' && rc_type y
	rc_wait_gone 60 || rc_stop "$1"
	echo "bench_tui: $1 ($2, $3, 200x60, $nkeys edits$( [ "$1" = busy ] && [ "$still" -gt 0 ] && echo ', still scoring at the end'))"
	echo "  frame draw    $(stats "$t" draw_us 'frame 200x60')"
	echo "  curses update $(stats "$t" update_us 'frame 200x60')"
	echo "  key -> frame  $(stats "$t" to_frame_us '^key')"
	echo "  key: app      $(stats "$t" app_us '^key')"
	echo "  key: session  $(stats "$t" session_us '^key')"
}

echo "bench_tui: $(nproc) cores, $(tmux -V), TERM=xterm-256color"
run idle vgg16 magnitude scores
run busy vgg19 synflow scores
