# tests/tui/lib.sh: shared helpers for the tmux tests of the explorer
# (golden.sh, soak.sh).  Sourced, not run.  STYLE.md 19 (b): a private
# tmux server (-L rctest$$, -f /dev/null), a fixed size, LC_ALL=C.UTF-8, a
# fixed TERM and seed, the mono theme, and waiting for a marker on the
# screen instead of sleeping blindly.
#
# Determinism: --config /dev/null --no-cache --seed 1, the data directory
# is an empty temporary one (so the synthetic set, seed 1, is used), saved
# sessions go to a temporary XDG_STATE_HOME ($rc_tmp/state, so no run
# offers to restore another's session; a test may pass its own), and
# RECONVENE_TUI_JOBS=scores keeps the timing-dependent latency and
# quick-eval jobs off the screen unless a test asks for them.  What is
# left on screen is analytic, hence the same on every run.
#
# Every run's stderr goes to a file (the explorer parks it while curses
# is on and replays it on exit) and sanitizer reports to log files, so a
# leak or UB report fails the test even though the pane is gone.

set -u

rc_bin="${top_builddir:-.}/reconvene"
rc_src="${top_srcdir:-.}"
rc_fails=0
rc_passes=0
rc_verbose=${RC_VERBOSE:-0}

if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux not found"
	exit 77
fi
if [ ! -x "$rc_bin" ]; then
	echo "FAIL: no $rc_bin (set top_builddir)"
	exit 1
fi
rc_bin=$(cd "$(dirname "$rc_bin")" && pwd)/$(basename "$rc_bin")
rc_src=$(cd "$rc_src" && pwd)
# The explorer finds models in the source tree when run from a build dir.
RECONVENE_MODELS_DIR=${RECONVENE_MODELS_DIR:-$rc_src/models}
export RECONVENE_MODELS_DIR
RECONVENE_TOURS_DIR=${RECONVENE_TOURS_DIR:-$rc_src/tours}
export RECONVENE_TOURS_DIR

rc_tmp=$(mktemp -d "${TMPDIR:-/tmp}/rctui.XXXXXX")
rc_sock="rctest$$"
mkdir -p "$rc_tmp/run" "$rc_tmp/nodata" "$rc_tmp/san" "$rc_tmp/state"

rc_cleanup() {
	tmux -L "$rc_sock" -f /dev/null kill-server >/dev/null 2>&1
	# The server leaves its socket behind.
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$rc_sock"
	rm -rf "$rc_tmp"
}
trap 'rc_cleanup' EXIT
trap 'exit 130' INT TERM HUP PIPE

rc_ok() { rc_passes=$((rc_passes + 1)); [ "$rc_verbose" = 1 ] && echo "ok: $*"; return 0; }
rc_bad() { echo "FAIL: $*"; rc_fails=$((rc_fails + 1)); }

rc_tmux() { tmux -L "$rc_sock" -f /dev/null "$@"; }

# Seconds to wait for a screen: generous, since a sanitizer build with
# `make -j2 check` (.ci/run) shares the cores with another test; a wait
# that succeeds ends at once, so only a failure pays for it.
rc_timeout=${RC_TIMEOUT:-180}
rc_subcmd=

# rc_start NAME COLS ROWS [VAR=VALUE ...] [-- EXPLORER ARGS ...]
# Starts session NAME running the explorer (lenet5 unless the args name a
# model), or, with rc_subcmd set (e.g. rc_subcmd=tour), that command.  Defaults: TERM=xterm-256color, the mono theme, jobs=scores.
# When the explorer exits its status is in $rc_tmp/NAME.rc and the pane
# (and session) disappears.
rc_start() {
	_n=$1 _w=$2 _h=$3
	shift 3
	_env="LC_ALL=C.UTF-8 TERM=xterm-256color RECONVENE_TUI_JOBS=scores XDG_STATE_HOME=$rc_tmp/state"
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_env="$_env $1"
		shift
	done
	[ $# -gt 0 ] && shift
	_args=""
	for _a in "$@"; do
		_args="$_args '$_a'"
	done
	[ -n "$_args" ] || _args="--theme mono lenet5"
	rm -f "$rc_tmp/$_n.rc" "$rc_tmp/$_n.err"
	_san="log_path=$rc_tmp/san/$_n"
	# NO_COLOR is unset unless the test sets it (env -u, then VAR=VALUE).
	_cmd="cd '$rc_tmp/run' && env -u NO_COLOR $_env \
ASAN_OPTIONS='${ASAN_OPTIONS:+$ASAN_OPTIONS:}$_san' \
UBSAN_OPTIONS='${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}$_san' \
'$rc_bin' $rc_subcmd --config /dev/null --no-cache --seed 1 --data '$rc_tmp/nodata' $_args \
2>'$rc_tmp/$_n.err'; echo \$? >'$rc_tmp/$_n.rc'"
	rc_tmux new-session -d -s "$_n" -x "$_w" -y "$_h" "$_cmd"
	rc_cur=$_n
	rc_rows=$_h
}

# tmux sends Home and End as ESC[1~ / ESC[4~ whatever TERM the pane
# claims; xterm's terminfo (keypad mode) says ESC O H / ESC O F, so send
# those literally: the test's TERM is xterm-256color.
rc_esc=$(printf '\033')
rc_keys() {
	for _k in "$@"; do
		case $_k in
		Home) rc_tmux send-keys -t "$rc_cur" -l "${rc_esc}OH" ;;
		End) rc_tmux send-keys -t "$rc_cur" -l "${rc_esc}OF" ;;
		# A lone ESC waits ESCDELAY (25 ms) for a sequence: keep the
		# next key apart from it.
		Escape) rc_tmux send-keys -t "$rc_cur" Escape; sleep 0.1 ;;
		*) rc_tmux send-keys -t "$rc_cur" "$_k" ;;
		esac
	done
}
# Literal text (no key-name lookup).
rc_type() { rc_tmux send-keys -t "$rc_cur" -l -- "$1"; }

rc_alive() { rc_tmux has-session -t "=$rc_cur" 2>/dev/null; }

# The screen as text (-p), or with SGR escapes (rc_capture -e).
rc_capture() { rc_tmux capture-pane -p "$@" -t "$rc_cur" 2>/dev/null; }

# Screen text with what can vary masked: measured figures (latency,
# accuracies, progress) never reach the goldens.
rc_normalise() {
	sed -e '/ latency /s/[0-9][0-9.]*/#/g' \
	    -e '/ quick-eval /s/[0-9][0-9.]*/#/g' \
	    -e '/ baselines /s/[0-9][0-9.]*%/#%/g' \
	    -e '/ baselines /s/\[[0-9., ]*\]/[#]/g' \
	    -e '/ quick-eval /s/\[[0-9., ]*\]/[#]/g' \
	    -e 's/scoring [^ │|]*/scoring/' \
	    -e 's/[[:space:]]*$//'
}

rc_now() { date +%s; }

# rc_wait_for SECONDS SHELL-TEST: polls the screen (in $rc_screen) until
# the test (evaluated with the screen in $rc_screen) succeeds.
rc_wait_for() {
	_limit=$(( $(rc_now) + $1 ))
	shift
	while :; do
		rc_screen=$(rc_capture)
		if eval "$*"; then return 0; fi
		if ! rc_alive; then
			rc_screen=""
			return 1
		fi
		[ "$(rc_now)" -ge "$_limit" ] && return 1
		sleep 0.1
	done
}

rc_has() { printf '%s\n' "$rc_screen" | grep -qF -- "$1"; }

# The ready marker: `ready` at the right end of the log line (the
# second-to-last row).
rc_is_ready() {
	printf '%s\n' "$rc_screen" | sed -n "$((rc_rows - 1))p" | grep -q 'ready *[│|]$'
}

rc_wait_ready() {
	if rc_wait_for "$rc_timeout" rc_is_ready; then return 0; fi
	rc_bad "$rc_cur: no 'ready' within ${rc_timeout}s"
	rc_show
	return 1
}

rc_wait_text() {
	if rc_wait_for "$rc_timeout" "rc_has '$1'"; then return 0; fi
	rc_bad "$rc_cur: '$1' not on screen within ${rc_timeout}s"
	rc_show
	return 1
}

rc_show() {
	echo "--- screen of $rc_cur:"
	rc_capture
	echo "--- stderr of $rc_cur:"
	cat "$rc_tmp/$rc_cur.err" 2>/dev/null
}

# The screen once it stops changing (two identical captures 0.3 s apart),
# normalised.
rc_settled() {
	_prev=""
	_limit=$(( $(rc_now) + rc_timeout ))
	while :; do
		_cur=$(rc_capture | rc_normalise)
		[ -n "$_cur" ] && [ "$_cur" = "$_prev" ] && break
		rc_alive || break
		_prev=$_cur
		[ "$(rc_now)" -ge "$_limit" ] && break
		sleep 0.3
	done
	printf '%s\n' "$_cur"
}

# Wait until the session is gone (the explorer exited); its status.
rc_wait_gone() {
	_limit=$(( $(rc_now) + ${1:-$rc_timeout} ))
	while rc_alive; do
		[ "$(rc_now)" -ge "$_limit" ] && return 1
		sleep 0.1
	done
	_w=0
	while [ ! -s "$rc_tmp/$rc_cur.rc" ] && [ $_w -lt 50 ]; do
		sleep 0.1
		_w=$((_w + 1))
	done
	return 0
}

rc_exit_status() { cat "$rc_tmp/$rc_cur.rc" 2>/dev/null || echo none; }

# Sanitizer reports of session NAME (log_path files) fail the test.
rc_check_sanitizers() {
	for _f in "$rc_tmp/san/$1".*; do
		[ -e "$_f" ] || continue
		rc_bad "$1: sanitizer report:"
		cat "$_f"
		rm -f "$_f"
	done
}

# Kill session NAME (when a test leaves it running) and check reports.
rc_stop() {
	rc_tmux kill-session -t "=$1" >/dev/null 2>&1
	sleep 0.2
	rc_check_sanitizers "$1"
}

rc_finish() {
	echo "$rc_passes passed, $rc_fails failed"
	[ "$rc_fails" -eq 0 ]
	exit $?
}
