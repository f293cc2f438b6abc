#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# wpfault's LAVA jobs (lava/), checked, or run by Debian's own LAVA
# dispatcher as a LAVA worker would run them.
#
#   lava.sh validate         renders every job for each configuration it
#                            serves and checks it against lava-common's
#                            job schema (make check)
#   lava.sh run [CONFIG...]  builds, renders and runs the qemu job with
#                            lava-run on each configuration (default
#                            x86_64-6.12); prints every test case LAVA
#                            recorded, also in build/CONFIG/lava/results.txt,
#                            and fails on a job that did not pass, a failed
#                            case, or cases from TAP that differ in number
#                            from the TAP results on the console (make
#                            lava; make check runs it on x86_64-6.12)
#
# The test definition is cloned by the dispatcher from this repository's
# HEAD: commit changes to lava/ before a run.
# Environment: WPFAULT_LAVA_TIMEOUT (seconds for one job, default 2400).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

jobs_dir=$WPFAULT_ROOT/lava/jobs
# lava-server's device-type templates (deps.sh --lava).
device_types=$WPFAULT_CACHE/lava-server/current/device-types
# Debian's python, which has LAVA's modules, whatever else is on PATH.
python=/usr/bin/python3
# The qemu job serves the Debian kernels of the matrix.
qemu_configs() {
	wpfault_all_configs | awk '$2 == "6.1" || $2 == "6.12" { print $1 }'
}

# The release of CONFIG's Debian kernel, as `uname -r` gives it.
kernel_release() {
	echo "$(deb_kernel_abi "$CFG_SERIES" "$CFG_FLAVOUR")-$CFG_FLAVOUR"
}

# Writes the variables of the qemu job for CONFIG ($1) to JSON file $2,
# its artifacts expected in directory $3.
qemu_job_vars() {
	local cfg=$1 json=$2 dir=$3 console cpu rev
	config_lookup "$cfg"
	case $CFG_ARCH in
	amd64) console=ttyS0,115200 ;;
	arm64) console=ttyAMA0,115200 ;;
	*) die "$cfg: the qemu job serves x86-64 and arm64" ;;
	esac
	cpu=$CFG_CPU
	rev=$(git -C "$WPFAULT_ROOT" rev-parse HEAD)
	"$python" - "$json" <<PY
import json, sys
json.dump({
    "config": "$cfg",
    "kernel_release": "$(kernel_release)",
    "arch": "$CFG_ARCH",
    "cpu": "$cpu",
    "console": "$console",
    "kernel_url": "file://$CFG_KERNEL/vmlinuz",
    "ramdisk_url": "file://$dir/ramdisk.cpio.gz",
    "modules_url": "file://$dir/modules.tar.xz",
    "kselftest_url": "file://$WPFAULT_ROOT/build/$cfg/kselftest.tar.gz",
    "testdefs_repo": "$WPFAULT_ROOT",
    "testdefs_revision": "$rev",
    "test_minutes": 30,
}, open(sys.argv[1], "w"), indent=1)
PY
}

lava_python() {
	"$python" "$WPFAULT_ROOT/scripts/lava_job.py" "$@"
}

validate() {
	local out=$WPFAULT_ROOT/build/lava-jobs cfg
	rm -rf "$out" && mkdir -p "$out"
	for cfg in $(qemu_configs); do
		qemu_job_vars "$cfg" "$out/$cfg.json" "$WPFAULT_ROOT/build/$cfg/lava"
		lava_python render "$jobs_dir/qemu.yaml.jinja2" "$out/$cfg.json" \
			>"$out/qemu-$cfg.yaml"
	done
	lava_python render "$jobs_dir/board-uboot.yaml.jinja2" \
		"$jobs_dir/board-uboot.example.json" >"$out/board-uboot.yaml"
	lava_python validate "$out"/*.yaml
}

# A busybox ramdisk that boots to a shell on the console, where LAVA's
# test shell runs: nothing of wpfault in it, as on a lab's generic
# ramdisk; the deploy adds the modules and the kselftests.
make_ramdisk() {
	local root=$1/ramdisk
	busybox_root "$root"
	mkdir -p "$root/opt/kselftests"
	cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s
# run_kselftest.sh passes --foreground to /usr/bin/timeout, which busybox's
# timeout does not take; the LAVA test action's timeout bounds the run.
rm -f /usr/bin/timeout
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
mount -t devtmpfs dev /dev
# What udev would add: the kselftest runner writes to /dev/stdout.
ln -s /proc/self/fd /dev/fd
ln -s fd/0 /dev/stdin
ln -s fd/1 /dev/stdout
ln -s fd/2 /dev/stderr
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmp /tmp
# Kernel messages stay in dmesg, where the test looks for reports, and
# out of the console, where LAVA reads its test case signals.
dmesg -n 1
cd /
exec setsid cttyhack sh -l
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) \
		>"$1/ramdisk.cpio.gz"
	rm -rf "$root"
}

# The kernel's modules that the selftests use and wpfault.ko, laid out
# under lib/modules/RELEASE with their modules.dep, as a lab's modules
# tarball is.
make_modules() {
	local dir=$1 out=$2 rel=$3 root=$1/modules
	rm -rf "$root"
	mkdir -p "$root/lib/modules/$rel/kernel" "$root/lib/modules/$rel/extra"
	cp "$out/wpfault.ko" "$root/lib/modules/$rel/extra/"
	cp "$CFG_KERNEL"/modules/*.ko "$root/lib/modules/$rel/kernel/"
	# Not the kernel's whole module tree: the lists of its built-in and
	# ordered modules, which modprobe does not need, are missing.
	depmod -b "$root" "$rel" 2>&1 |
		{ grep -v 'could not open modules\.\(order\|builtin\)' || true; } >&2
	tar -cJf "$dir/modules.tar.xz" -C "$root" lib
	rm -rf "$root"
}

run_one() {
	local cfg=$1 out dir rel want
	out=$WPFAULT_ROOT/build/$cfg
	dir=$out/lava
	"$WPFAULT_ROOT/scripts/deps.sh" --lava "$cfg"
	"$WPFAULT_ROOT/scripts/build.sh" "$cfg"
	rm -rf "$dir" && mkdir -p "$dir"
	qemu_job_vars "$cfg" "$dir/vars.json" "$dir"
	rel=$(modinfo -F vermagic "$out/wpfault.ko" | cut -d' ' -f1)
	want=$(kernel_release)
	[[ $rel == "$want" ]] ||
		die "$cfg: wpfault.ko is for $rel, the kernel is $want"
	make_ramdisk "$dir"
	make_modules "$dir" "$out" "$rel"
	lava_python render "$jobs_dir/qemu.yaml.jinja2" "$dir/vars.json" \
		>"$dir/job.yaml"
	lava_python device "$device_types" \
		"$WPFAULT_ROOT/lava/devices/qemu-wpfault.jinja2" "$dir/job.yaml" \
		>"$dir/device.yaml"
	log "$cfg: running the LAVA job (lava-run; log in $dir/output)"
	local rc=0
	PYTHONUNBUFFERED=1 timeout -k 10 "${WPFAULT_LAVA_TIMEOUT:-2400}" lava-run \
		--job-id "wpfault-$cfg" --output-dir "$dir/output" \
		--device "$dir/device.yaml" "$dir/job.yaml" \
		>"$dir/lava-run.log" 2>&1 || rc=$?
	echo "lava-run exit status $rc" >>"$dir/lava-run.log"
	local ok=0
	lava_python results "$dir/lava-run.log" >"$dir/results.txt" || ok=$?
	sed "s/^/[$cfg] /" "$dir/results.txt"
	if ((ok != 0)); then
		# What the kernel reported on the console, if it crashed.
		grep -aEf "$WPFAULT_ROOT/scripts/kernel-reports.ere" \
			"$dir/lava-run.log" | grep -a '"lvl": "target"' |
			sed 's/.*"msg": "//; s/"}$//' | head -n 40 |
			sed "s/^/[$cfg] console: /" || true
		die "$cfg: the LAVA job failed: $dir/lava-run.log has its whole log"
	fi
}

case ${1:-} in
validate)
	validate ;;
run)
	shift
	configs=("$@")
	((${#configs[@]})) || configs=(x86_64-6.12)
	failed=0
	for cfg in "${configs[@]}"; do
		# One process each, so that a failure ends only its run.
		"$0" run-one "$cfg" || failed=1
	done
	exit $failed ;;
run-one)
	run_one "${2:?}" ;;
*)
	die "usage: lava.sh validate | lava.sh run [CONFIG...]" ;;
esac
