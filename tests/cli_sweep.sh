#!/bin/sh
# End-to-end test of `reconvene sweep` through GNU parallel on a tiny grid
# (lenet5 on the synthetic set, SynFlow at 0.9, 2 seeds, the four
# variants: 8 jobs of well under a second of training each): the job
# commands, a run killed midway and resumed without redoing finished jobs,
# a failed job reported with its log and retried, merge (JSON, markdown,
# chart), and that a resumed -j 1 run and a fresh -j 2 run merge to the
# same numbers.  Skips (77) without GNU parallel.
. "$(dirname "$0")/cli_lib.sh"
parallel --version 2>/dev/null | head -n 1 | grep -q "GNU parallel" ||
	{ echo "cli_sweep: GNU parallel is not installed"; exit 77; }
t0=$(date +%s)

# tiny_grid FILE OUT: the test grid, writing to OUT.
tiny_grid() {
	cat >"$1" <<EOF
# the tiny test grid
[sweep]
name = tiny
out = $2
models = lenet5
methods = synflow
sparsities = 0.9
seeds = 1 2
variants = dense upai reconvene uniform

[train]
steps = 40
batch = 32
lr = 0.1
data = synthetic
train = 1000
test = 300
threads = 1

[measure]
latency_ms = 5
latency_runs = 5

[reconvene]
iterations = 20
EOF
}
count_results() { ls "$1"/results/*.json 2>/dev/null | wc -l; }

# --- help, usage and grid errors ------------------------------------------
expect 0 "$bin" sweep --help
contains "$tmp/out" "usage: reconvene sweep jobs GRID"
contains "$tmp/out" "sweep job GRID JOB_ID"
expect 0 "$bin" sweep run --help
contains "$tmp/out" "GNU parallel"
expect 0 "$bin" --help
contains "$tmp/out" "sweep"
expect 2 "$bin" sweep
expect 2 "$bin" sweep frobnicate x.grid
contains "$tmp/err" "unknown subcommand 'frobnicate'"
expect 2 "$bin" sweep run
contains "$tmp/err" "expected GRID"
expect 2 "$bin" sweep run "$tmp/none.grid" -j 0
printf '[sweep]\nmodels = lenet5\nseeds = 1 1\n' >"$tmp/bad.grid"
expect 1 "$bin" sweep jobs "$tmp/bad.grid"
contains "$tmp/err" "reconvene: $tmp/bad.grid:3: seed 1 is listed twice"
one_line "$tmp/err"
printf '[sweep]\nmodels = lenet5\n[reconvene]\nalign = auto\n' >"$tmp/bad.grid"
expect 1 "$bin" sweep jobs "$tmp/bad.grid"
contains "$tmp/err" "reconvene: $tmp/bad.grid:4: align = auto measures this machine's widths"
one_line "$tmp/err"

# --- the job commands ---------------------------------------------------
tiny_grid "$tmp/tiny.grid" sw
out="$tmp/sw"
expect 0 "$bin" sweep jobs "$tmp/tiny.grid"
n=$(wc -l <"$tmp/out")
[ "$n" -eq 8 ] && ok || bad "sweep jobs printed $n commands, want 8"
contains "$tmp/out" "sweep job '$tmp/tiny.grid' 'lenet5-synflow-0.9-uniform-s2' > '$out/logs/lenet5-synflow-0.9-uniform-s2.log' 2>&1"
expect 0 "$bin" sweep jobs "$tmp/tiny.grid" --ids
contains "$tmp/out" "lenet5-dense-s1"
# The first command is an ordinary shell command that does one job.
cmd=$("$bin" sweep jobs "$tmp/tiny.grid" | head -n 1)
sh -c "$cmd" && ok || bad "the first job command failed: $(cat "$out/logs/lenet5-dense-s1.log")"
[ "$(count_results "$out")" -eq 1 ] && ok || bad "one job command wrote $(count_results "$out") results"
contains "$out/results/lenet5-dense-s1.json" '"schema": "reconvene-sweep-result/1"'
# The kernels the latency ran on: OpenBLAS's core and the direct 3x3 set.
contains "$out/results/lenet5-dense-s1.json" '"blas": "'
grep -Eq '"conv3x3": "(AVX-512|AVX2|none)"' "$out/results/lenet5-dense-s1.json" && ok ||
	bad "result names its 3x3 kernels"
expect 0 "$bin" sweep jobs "$tmp/tiny.grid" --missing --ids
lacks "$tmp/out" "lenet5-dense-s1"

# --- run, killed midway, resumed -----------------------------------------
setsid "$bin" sweep run "$tmp/tiny.grid" -j 1 >"$tmp/run1" 2>&1 &
pid=$!
i=0
while [ "$(count_results "$out")" -lt 3 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL "-$pid" 2>/dev/null || bad "could not kill the run's process group"
wait "$pid" 2>/dev/null
before=$(count_results "$out")
if [ "$before" -ge 3 ] && [ "$before" -lt 8 ]; then ok; else bad "killed run left $before results, want 3..7"; cat "$tmp/run1"; fi
( cd "$out/results" && md5sum *.json ) >"$tmp/before.md5"
expect 2 "$bin" sweep run "$tmp/tiny.grid" --dry-run -j 3 --bogus
expect 0 "$bin" sweep run "$tmp/tiny.grid" --dry-run -j 3
contains "$tmp/out" "$((8 - before)) of 8 jobs to run ($before done)"
expect 0 "$bin" sweep status "$tmp/tiny.grid"
contains "$tmp/out" "tiny: 8 jobs: $before done"
expect 0 "$bin" sweep run "$tmp/tiny.grid" -j 2
contains "$tmp/out" "running $((8 - before)) of 8 jobs ($before done before)"
contains "$tmp/out" "tiny: 8 of 8 jobs done ($((8 - before)) now, $before before); 0 failed"
contains "$tmp/out" "/$((8 - before)) "
[ "$(count_results "$out")" -eq 8 ] && ok || bad "resumed run: $(count_results "$out") results"
( cd "$out/results" && md5sum -c --quiet "$tmp/before.md5" ) && ok ||
	bad "a result finished before the kill was written again"
ls "$out/results" | grep -v '\.json$' >"$tmp/stray"
[ ! -s "$tmp/stray" ] && ok || bad "stray files in results: $(cat "$tmp/stray")"
expect 0 "$bin" sweep run "$tmp/tiny.grid"
contains "$tmp/out" "all 8 jobs are done"

# --- a failed job: reported with its log, retried by the next run ---------
cat >"$tmp/fail.grid" <<EOF
[sweep]
models = $tmp/late.cfg
seeds = 1
variants = dense
[train]
steps = 5
data = synthetic
train = 200
test = 50
[measure]
latency_ms = 1
latency_runs = 1
EOF
expect 1 "$bin" sweep run "$tmp/fail.grid" -j 2
contains "$tmp/out" "late-dense-s1: FAILED (exit 1)"
contains "$tmp/out" "log: $tmp/fail.sweep/logs/late-dense-s1.log"
contains "$tmp/out" "1 failed (run again to retry them)"
expect 0 "$bin" sweep status "$tmp/fail.grid"
contains "$tmp/out" "failed   late-dense-s1"
expect 0 "$bin" sweep merge "$tmp/fail.grid"
contains "$tmp/out" "0 of 1 jobs merged"
contains "$tmp/fail.sweep/merged.json" '"missing": ['
cp "$src/models/lenet5.cfg" "$tmp/late.cfg"
expect 0 "$bin" sweep run "$tmp/fail.grid"
contains "$tmp/out" "late-dense-s1: done"

# --- merge ------------------------------------------------------------------
expect 0 "$bin" sweep merge "$tmp/tiny.grid"
contains "$tmp/out" "8 of 8 jobs merged"
contains "$out/merged.json" '"schema": "reconvene-sweep-merged/1"'
contains "$out/results.md" "| lenet5 | synflow | 0.9 | uniform | 2/2 |"
contains "$out/results.md" "| lenet5 | - | - | dense | 2/2 |"
head -c 8 "$out/chart-lenet5-synflow.png" | od -An -c | grep -q "P   N   G" && ok ||
	bad "chart-lenet5-synflow.png is not a PNG"
expect 0 "$bin" sweep merge "$tmp/tiny.grid" --stable
cp "$tmp/out" "$tmp/stable1.json"
lacks "$tmp/stable1.json" '"timing"'
contains "$tmp/stable1.json" '"done": 8'

# --- a fresh run elsewhere gives the same numbers -------------------------
tiny_grid "$tmp/again.grid" again
expect 0 "$bin" sweep run "$tmp/again.grid" -j 2
expect 0 "$bin" sweep merge "$tmp/again.grid" --stable
if cmp -s "$tmp/out" "$tmp/stable1.json"; then ok; else
	bad "the resumed -j 1 and the fresh -j 2 runs merge differently"
	diff "$tmp/stable1.json" "$tmp/out" | head -20
fi

# --- compare: the same grid under a shorter budget -------------------------
# Identical runs rank identically (rho = tau = 1); a shorter budget gives
# other accuracies, paired by id, coefficients in [-1, 1].
expect 0 "$bin" sweep compare "$tmp/tiny.grid" "$tmp/again.grid"
contains "$tmp/out" "8 jobs in both (0 only in tiny, 0 only in tiny)"
contains "$tmp/out" "per job:  Spearman rho 1.000, Kendall tau-b 1.000 (8 pairs)"
contains "$tmp/out" "per row:  Spearman rho 1.000, Kendall tau-b 1.000 (4 rows, seed means)"
contains "$tmp/out" "| lenet5-synflow-0.9-uniform | 2 |"
tiny_grid "$tmp/short.grid" short
sed -i 's/^steps = 40$/steps = 8/; s/^name = tiny$/name = short/' "$tmp/short.grid"
expect 0 "$bin" sweep run "$tmp/short.grid" -j 2
expect 0 "$bin" sweep compare "$tmp/short.grid" "$tmp/tiny.grid" --json
python3 -c 'import sys, json
d = json.load(open(sys.argv[1]))
assert d["schema"] == "reconvene-sweep-compare/1" and d["first"] == "short", d
assert d["pairs"] == 8 and d["per_row"]["rows"] == 4, d
for k in ("spearman", "kendall"):
    v = d["per_job"][k]
    assert v is None or -1 <= v <= 1, (k, v)
firsts = {j["id"]: j["first"] for j in d["jobs"]}
seconds = {j["id"]: j["second"] for j in d["jobs"]}
assert firsts != seconds, "the shorter budget gave the same accuracies"
' "$tmp/out" && ok || bad "sweep compare --json"
rm -f "$tmp/short/results/lenet5-dense-s1.json"
expect 0 "$bin" sweep compare "$tmp/short.grid" "$tmp/tiny.grid"
contains "$tmp/out" "7 jobs in both (0 only in short, 1 only in tiny)"
expect 2 "$bin" sweep compare "$tmp/tiny.grid"
contains "$tmp/err" "expected GRID_A GRID_B, got 1 argument"
printf '[sweep]\nname = other\nmodels = lenet5\nvariants = dense\nseeds = 9\n[train]\nsteps = 1\n' \
	>"$tmp/other.grid"
expect 1 "$bin" sweep compare "$tmp/other.grid" "$tmp/tiny.grid"
contains "$tmp/err" "no finished job in common"

echo "cli_sweep: $(($(date +%s) - t0)) s"
cli_finish cli_sweep
