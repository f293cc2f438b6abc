#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the dirty-tracking benchmark (selftests/wpfault_bench.c) and the
# fault-path one (wpfault_faultbench.c) in one configuration's VM and
# writes bench/results/CONFIG/: cycles.csv and faults.csv (every
# measurement), machine.txt (accelerator, kernel, CPU, vCPUs, the
# module's revision), table.md (medians, spread, ratios, goals) and one
# SVG plot per region size.
#   bench.sh [CONFIG]
# Environment: WPFAULT_BENCH_ARGS (wpfault_bench options after -g, for
# example "-n 1000 -r 3"), WPFAULT_VM_TIMEOUT (seconds, default 5400).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cfg=${1:-$(wpfault_configs | head -n 1 | cut -d' ' -f1)}
"$WPFAULT_ROOT/scripts/deps.sh" "$cfg"
command -v gnuplot >/dev/null ||
	apt-get install -y --no-install-recommends gnuplot-nox >/dev/null
"$WPFAULT_ROOT/scripts/build.sh" "$cfg"

res=$WPFAULT_ROOT/bench/results/$cfg
mkdir -p "$res"
# The revision measured, taken before the results change the tree: a
# source change that is not committed marks it -dirty.
revision=$(git -C "$WPFAULT_ROOT" describe --always 2>/dev/null || echo unknown)
git -C "$WPFAULT_ROOT" diff --quiet HEAD -- . ':!bench/results' 2>/dev/null ||
	revision+=-dirty
# Eleven processes each hold a region of up to 100,000 pages, and the
# page-cache objects a disk as large once written back.
rc=0
WPFAULT_BENCH="-g ${WPFAULT_BENCH_ARGS:-}" WPFAULT_VM_MEM=8192 \
	WPFAULT_VM_TIMEOUT=${WPFAULT_VM_TIMEOUT:-5400} \
	"$WPFAULT_ROOT/scripts/vm-run.sh" "$cfg" 2>&1 | tee "$res/vm.txt" |
	grep -vE '^\[[^]]*\] (cycle|fault|na),' || rc=$?
((rc == 0)) || die "$cfg: the benchmark failed (see above)"

log=$WPFAULT_ROOT/build/$cfg/serial.log
{
	echo "kind,method,pages,per_mille,threads,rep,dirtied,ns,extra,write_ns,collect_ns,faults,walks,flushes,allocs,runs,order"
	grep -E '^cycle,' "$log"
} >"$res/cycles.csv"
{
	echo "kind,method,pages,rep,ns"
	grep -E '^fault,' "$log"
} >"$res/faults.csv"
grep -E '^na,' "$log" >"$res/unavailable.csv" || true
{
	echo "config: $cfg"
	sed -nE 's/.*: booting .*, ([a-z]+)\)$/accelerator: \1/p' "$res/vm.txt"
	sed -nE 's/^WPFAULT-BEGIN ([^ ]+) .*/kernel: \1/p' "$log"
	sed -nE 's/^# cpu: .*: (.*)/cpu: \1/p' "$log"
	sed -nE 's/^# page size ([0-9]+), ([0-9]+) CPUs$/page size: \1\nvcpus: \2/p' "$log"
	echo "module: $revision"
	echo "date: $(date -u +%F)"
} >"$res/machine.txt"
python3 "$WPFAULT_ROOT/bench/report.py" "$res"
rm -f "$res/vm.txt"
log "results in ${res#"$WPFAULT_ROOT"/}/: table.md, cycles.csv, plots"
