#!/bin/sh
# The tiny sweep grid through a single-node Slurm that this test starts
# (Debian's slurm-wlm and munge): a private munge key and socket, a
# slurm.conf on private ports with ProctrackType=proctrack/linuxproc,
# TaskPlugin=task/none, SelectType=select/cons_tres and one node (this host,
# 2 CPUs), slurmctld and slurmd in the foreground as children of this
# script, `sweep slurm` writing the array script, `sbatch --wait` running
# it, then the same grid through GNU parallel: the two stable merges must
# be byte-identical (every field but the timing objects and the grid's
# name and folder).  Stops the daemons it started.  Skips (77) when not
# root or without the packages.
. "$(dirname "$0")/cli_lib.sh"
t0=$(date +%s)
[ "$(id -u)" -eq 0 ] || { echo "cli_sweep_slurm: needs root to start slurmd"; exit 77; }
for p in munged slurmctld slurmd sbatch; do
	command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] ||
		{ echo "cli_sweep_slurm: $p is not installed (slurm-wlm, munge)"; exit 77; }
done
parallel --version 2>/dev/null | head -n 1 | grep -q "GNU parallel" ||
	{ echo "cli_sweep_slurm: GNU parallel is not installed"; exit 77; }
PATH=$PATH:/usr/sbin
s="$tmp/slurm"
mkdir -p "$s/state" "$s/spool" "$s/munge"
chmod 700 "$s/munge"
host=$(hostname -s)
# Free ports: two above 20000 that nothing listens on.
port=$((20000 + $$ % 20000))
while ss -ltn 2>/dev/null | grep -q ":$port \|:$((port + 1)) "; do port=$((port + 2)); done

daemons=""
stop() {
	for d in $daemons; do kill "$d" 2>/dev/null; done
	for d in $daemons; do wait "$d" 2>/dev/null; done
	rm -rf "$tmp"
}
trap stop EXIT

dd if=/dev/urandom of="$s/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$s/munge/munge.key"
munged -F -f --key-file="$s/munge/munge.key" --socket="$s/munge/munge.socket" \
	--pid-file="$s/munge/munged.pid" --seed-file="$s/munge/seed" \
	--log-file="$s/munge/munged.log" >"$s/munged.out" 2>&1 &
daemons="$!"
cat >"$s/slurm.conf" <<EOF
ClusterName=rctest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$s/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$s/state
SlurmdSpoolDir=$s/spool
SlurmctldPidFile=$s/slurmctld.pid
SlurmdPidFile=$s/slurmd.pid
SlurmctldLogFile=$s/slurmctld.log
SlurmdLogFile=$s/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=2 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$s/slurm.conf"
i=0
while [ ! -S "$s/munge/munge.socket" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
slurmctld -D -i -f "$SLURM_CONF" >"$s/slurmctld.out" 2>&1 &
daemons="$daemons $!"
slurmd -D -f "$SLURM_CONF" >"$s/slurmd.out" 2>&1 &
daemons="$daemons $!"
i=0
until sinfo -h -o %T 2>/dev/null | grep -q "idle"; do
	sleep 0.5
	i=$((i + 1))
	if [ $i -ge 60 ]; then
		echo "cli_sweep_slurm: Slurm did not come up; skipping"
		tail -n 5 "$s/slurmctld.log" "$s/slurmd.log" "$s/munge/munged.log" 2>/dev/null
		exit 77
	fi
done
ok

grid() { # FILE OUT
	cat >"$1" <<EOF
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
grid "$tmp/slurm.grid" viaslurm
grid "$tmp/par.grid" viaparallel

expect 0 "$bin" sweep slurm "$tmp/slurm.grid" --time 10 --max-running 2
contains "$tmp/out" "with 8 array tasks"
script="$tmp/viaslurm/slurm-array.sh"
contains "$script" "#SBATCH --array=0-7%2"
contains "$script" "#SBATCH --cpus-per-task=1"
contains "$script" "#SBATCH --output=$tmp/viaslurm/logs/slurm-%A_%a.out"
sbatch --wait "$script" >"$tmp/sbatch.out" 2>&1 && ok ||
	{ bad "sbatch --wait failed"; cat "$tmp/sbatch.out"; tail -n 20 "$s/slurmctld.log"; }
n=$(ls "$tmp/viaslurm/results/"*.json 2>/dev/null | wc -l)
[ "$n" -eq 8 ] && ok || { bad "Slurm wrote $n results, want 8"; cat "$tmp/viaslurm/logs/"*.out 2>/dev/null | tail -20; }
n=$(ls "$tmp/viaslurm/logs/"slurm-*.out 2>/dev/null | wc -l)
[ "$n" -eq 8 ] && ok || bad "$n Slurm task logs, want 8"
expect 0 "$bin" sweep slurm "$tmp/slurm.grid"
contains "$tmp/out" "all 8 jobs are done; no script written"

expect 0 "$bin" sweep run "$tmp/par.grid" -j 2
expect 0 "$bin" sweep merge "$tmp/par.grid" --stable
mv "$tmp/out" "$tmp/par.json"
expect 0 "$bin" sweep merge "$tmp/slurm.grid" --stable
if cmp -s "$tmp/out" "$tmp/par.json"; then ok; else
	bad "the Slurm and GNU parallel runs merge differently"
	diff "$tmp/par.json" "$tmp/out" | head -20
fi
contains "$tmp/out" '"done": 8'

echo "cli_sweep_slurm: $(($(date +%s) - t0)) s"
cli_finish cli_sweep_slurm
