# tests/cli_lib.sh: shared helpers of the command-line tests (cli*.sh).
# Sourced, not run.  Sets bin (the program, absolute), src (the source
# tree), tmp (a scratch directory removed on exit, with an empty nodata/
# for the synthetic dataset) and the assertion counters.
set -u
bin="${top_builddir:-.}/reconvene"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
src="${top_srcdir:-.}"
export RECONVENE_MODELS_DIR="${RECONVENE_MODELS_DIR:-$src/models}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/nodata"
fails=0
pass=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect CODE CMD...: run, keep stdout/stderr in $tmp/out, $tmp/err
expect() {
	want=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok; else bad "'$*' exited $got, want $want"; cat "$tmp/err"; fi
}
contains() { # FILE TEXT
	if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks '$2'"; sed -n 1,20p "$1"; fi
}
lacks() { # FILE TEXT
	if grep -qF -- "$2" "$1"; then bad "$1 has '$2'"; sed -n 1,20p "$1"; else ok; fi
}
one_line() { # FILE
	n=$(wc -l <"$1")
	if [ "$n" -eq 1 ]; then ok; else bad "$1 has $n lines, want 1"; cat "$1"; fi
}
# The count line that .ci/run reads, and the exit status.
cli_finish() { # NAME
	echo "$1: $pass passed, $fails failed"
	[ "$fails" -eq 0 ]
}
# need_python MODULE...: Debian's /usr/bin/python3 (not a pyenv one) with
# these modules as $py, else skip the test (exit 77).
need_python() {
	py=/usr/bin/python3
	if [ ! -x "$py" ] || ! "$py" -c "import $(echo "$@" | tr ' ' ',')" 2>/dev/null; then
		echo "SKIP: $py with $* is not installed"
		exit 77
	fi
}
