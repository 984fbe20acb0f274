#!/bin/sh
# Limits instead of crashes (issue 16):
#   memory: a model whose working memory would not fit (resnet18 at
#   4096x4096, an eval batch beyond --max-memory) is refused before its
#   workspace exists, with one line naming the figure and the limit, exit
#   1; `info` (which runs nothing) still describes it; a bad --max-memory
#   is a usage error;
#   output: a write that fails (the file size limit at 0 with SIGXFSZ
#   ignored, i.e. every write(2) fails with EFBIG, as on a full disk; a
#   read-only directory when not root) leaves the previous files exactly
#   as they were, no temporary file behind, and one error line.
. "$(dirname "$0")/cli_lib.sh"

# stderr without the synthetic-dataset warnings: the error lines.
errors() { grep -v '^reconvene: warning: ' "$tmp/err" >"$tmp/errors"; }

# ---- memory -------------------------------------------------------------------
sed '0,/^input = 3x32x32/s//input = 3x4096x4096/' "$src/models/resnet18.cfg" >"$tmp/big.cfg"
for cmd in "score $tmp/big.cfg --method magnitude" \
	"prune $tmp/big.cfg --auto --method magnitude --out $tmp/bigout" \
	"replay $src/tests/fixtures/sample.keylog --model $tmp/big.cfg --data $tmp/nodata --no-cache" \
	"eval $tmp/big.cfg --data $tmp/nodata"; do
	# shellcheck disable=SC2086
	expect 1 "$bin" $cmd
	errors
	one_line "$tmp/errors"
	contains "$tmp/errors" "resnet18 (input 3x4096x4096) needs about"
	contains "$tmp/errors" "B of memory for a batch of"
	contains "$tmp/errors" "the limit is"
done
[ ! -e "$tmp/bigout" ] && ok || bad "prune wrote $tmp/bigout for a model it refused"
# Whatever the machine: the estimate (284 GB at batch 1) is over 1 GB.
expect 1 "$bin" score "$tmp/big.cfg" --method magnitude --max-memory 1G
contains "$tmp/err" "the limit is 1.0 GB (--max-memory)"
expect 0 "$bin" info "$tmp/big.cfg"
contains "$tmp/out" "input 3x4096x4096"
# A batch beyond the budget; the same batch within a larger one runs.
expect 1 "$bin" eval lenet5 --batch 60000 --max-memory 64M --data "$tmp/nodata"
errors
one_line "$tmp/errors"
contains "$tmp/errors" "lenet5 (input 1x28x28) needs about 6.9 GB of memory for a batch of 60000"
contains "$tmp/errors" "the limit is 64.0 MB (--max-memory)"
expect 0 "$bin" eval lenet5 --batch 64 --steps 2 --train 128 --test 64 \
	--max-memory=64M --data "$tmp/nodata"
expect 2 "$bin" info lenet5 --max-memory lots
contains "$tmp/err" "--max-memory 'lots' is not a size"
expect 2 "$bin" info lenet5 --max-memory

# ---- output ---------------------------------------------------------------------
# Run with every write to a file failing as on a full disk; its stdout
# and stderr reach expect's files through a pipe (a file would refuse
# them too).
full_disk() {
	{ (trap '' XFSZ; ulimit -f 0; exec "$@" 2>&1); echo $? >"$tmp/full.rc"; } | cat >&2
	return "$(cat "$tmp/full.rc")"
}
expect 0 "$bin" prune lenet5 --auto --method magnitude --data "$tmp/nodata" --out "$tmp/b"
cp -r "$tmp/b" "$tmp/b.orig"
expect 1 full_disk "$bin" prune lenet5 --auto --method magnitude --seed 7 \
	--data "$tmp/nodata" --out "$tmp/b"
errors
one_line "$tmp/errors"
contains "$tmp/errors" "File too large"
if diff -r "$tmp/b.orig" "$tmp/b" >/dev/null; then ok
else bad "a failed prune changed its output directory:"; diff -r "$tmp/b.orig" "$tmp/b"; fi
# The plan of a replay, over an existing file.
printf 'model lenet5\nkey Left\n' >"$tmp/k.log"
echo old >"$tmp/plan.json"
expect 1 full_disk "$bin" replay "$tmp/k.log" --data "$tmp/nodata" --no-cache --out "$tmp/plan.json"
errors
one_line "$tmp/errors"
[ "$(cat "$tmp/plan.json")" = old ] && ok || bad "the failed replay changed plan.json"
leftovers=$(find "$tmp" -name '*.??????' | wc -l)
[ "$leftovers" -eq 0 ] && ok || { bad "temporary files left behind:"; find "$tmp" -name '*.??????'; }
# A read-only directory (root writes anyway: then only the above).
if [ "$(id -u)" != 0 ]; then
	chmod a-w "$tmp/b"
	expect 1 "$bin" prune lenet5 --auto --method magnitude --seed 7 \
		--data "$tmp/nodata" --out "$tmp/b"
	errors
	one_line "$tmp/errors"
	contains "$tmp/errors" "Permission denied"
	chmod u+w "$tmp/b"
	diff -r "$tmp/b.orig" "$tmp/b" >/dev/null && ok || bad "a refused prune changed its output"
else
	echo "cli_limits: running as root: the read-only directory case is left out"
fi

cli_finish cli_limits
