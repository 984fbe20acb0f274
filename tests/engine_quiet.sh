#!/bin/sh
# engine_quiet.sh: no engine object prints, exits or touches stdout/stderr;
# only the assertion path (base/status: ENG_ASSERT prints file:line and
# aborts) may.  Errors below the UI are returned, never printed.  Nor does
# any engine object read the environment (getenv, secure_getenv): the
# front end resolves paths and settings and passes them in.
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
lib="$top_builddir/engine/libengine.a"
[ -f "$lib" ] || { echo "engine_quiet: $lib not built"; exit 1; }
command -v nm >/dev/null 2>&1 || { echo "engine_quiet: no nm"; exit 77; }
passed=0
failed=0
forbidden='printf|fprintf|vprintf|vfprintf|puts|fputs|putchar|perror|exit|_exit|abort|stdout|stderr|__printf_chk|__fprintf_chk|__vfprintf_chk|__vprintf_chk|getenv|secure_getenv'
# nm -A on an archive prints "archive:object: U symbol".
report=$(nm -A "$lib" 2>/dev/null | awk -v re="^($forbidden)\$" '
	$2 == "U" && $3 ~ re {
		split($1, p, ":"); obj = p[2];
		if (obj ~ /status\.o$/ && $3 !~ /getenv$/) next;  # the assertion path
		print obj ": calls " $3
	}' | sort -u)
objects=$(ar t "$lib" | wc -l)
if [ -n "$report" ]; then
	echo "$report" | sed 's/^/FAIL: /'
	failed=1
else
	passed=1
fi
echo "engine_quiet: $objects objects in libengine.a"
echo "engine_quiet: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
