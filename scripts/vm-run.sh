#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots one configuration of the matrix in qemu with a busybox initramfs,
# loads wpfault.ko, runs the selftests through selftests/wpfault.sh, prints
# the counters, unloads the module and powers off.  Fails on any test
# failure, on a VM that does not finish in time, and on any kernel report
# (WARN, BUG, Oops, KASAN, lockdep, kmemleak...) in dmesg, which it prints.
#
#   vm-run.sh CONFIG
# Environment: WPFAULT_VM_TIMEOUT (seconds, default 600; 3000 on riscv64),
#              WPFAULT_ACCEL (kvm or tcg; default: kvm when it works),
#              WPFAULT_STRESS_SECONDS (stress test length; default 10,
#              60 on the debug kernel), WPFAULT_FUZZ_SEED (N or random),
#              WPFAULT_TESTS (run only these selftests, e.g.
#              "wpfault_truncate wpfault_mount"; for a quick look while
#              developing, so the page size goes unverified),
#              WPFAULT_BENCH (run wpfault_bench with these arguments
#              instead of the selftests: scripts/bench.sh),
#              WPFAULT_VM_MEM (MiB, default 1024)
# Writes build/CONFIG/serial.log (the whole console) and
# build/CONFIG/result ("passed failed skipped").
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cfg=${1:?usage: vm-run.sh CONFIG}
config_lookup "$cfg"
out=$WPFAULT_ROOT/build/$cfg
kernel=$CFG_KERNEL/vmlinuz
# qemu emulates riscv64 about three times slower than x86-64 or arm64 here
# (docs/testing.md has the measured times); a debug kernel runs the long
# stress and 100 load cycles, under KASAN.
case $CFG_ARCH-$CFG_PROFILE in
riscv64-*) timeout_s=${WPFAULT_VM_TIMEOUT:-3000} ;;
*-debug) timeout_s=${WPFAULT_VM_TIMEOUT:-900} ;;
*) timeout_s=${WPFAULT_VM_TIMEOUT:-600} ;;
esac
[[ -f $out/wpfault.ko ]] || die "$cfg is not built: run scripts/build.sh $cfg"
[[ -f $kernel ]] || die "no kernel for $cfg: run scripts/deps.sh $cfg"
# No verdict of an earlier run may outlive this one, whatever ends it.
rm -f "$out/result" "$out/booted"

# Lines that mean the kernel found a bug: any one fails the run.  The
# list is shared with the LAVA test definition's runner.
report_re=$(paste -s -d '|' "$WPFAULT_ROOT/scripts/kernel-reports.ere")

make_initramfs() {
	local root=$out/initramfs f
	busybox_root "$root"
	mkdir -p "$root/wpfault"
	cp "$out/wpfault.ko" "$root/wpfault/"
	# bench/compare: two builds of the module, loaded in turn.
	if [[ -n ${WPFAULT_COMPARE:-} ]]; then
		read -r -a kos <<<"$WPFAULT_COMPARE"
		mkdir -p "$root/wpfault/compare"
		cp "${kos[0]}" "$root/wpfault/compare/old.ko"
		cp "${kos[1]}" "$root/wpfault/compare/new.ko"
	fi
	# The selftests as a user installs them: "make gen_tar"'s tarball.
	tar -xzf "$out/kselftest.tar.gz" -C "$root" ./wpfault
	# The kernel's own modules the tests use (deps.sh), loaded at boot.
	mkdir -p "$root/kmod"
	for f in "$CFG_KERNEL"/modules/*.ko; do
		if [[ -f $f ]]; then
			cp "$f" "$root/kmod/"
		fi
	done
	# ext4 on a RAM disk for the fault benchmark, where the kernel's
	# modules were extracted (deps.sh): an image made here, mounted at boot.
	if [[ -f $CFG_KERNEL/fs-modules/ORDER ]]; then
		cp -r "$CFG_KERNEL/fs-modules" "$root/kmod-fs"
		rm -f "$out/ext4.img"
		truncate -s "${ext4_mib}M" "$out/ext4.img"
		# Initialized now: no lazy-init writes during the tests.
		mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 \
			"$out/ext4.img"
		gzip -1 -c "$out/ext4.img" >"$root/ext4.img.gz"
		rm -f "$out/ext4.img"
	fi
	cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmp /tmp
for m in /kmod/*.ko; do
	[ -f "$m" ] && insmod "$m"
done
echo "WPFAULT-BEGIN $(uname -r) $(uname -m) $(uname -v)"
param() { sed -n "s/.*wpfault\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
if [ -f /kmod-fs/ORDER ]; then
	for m in $(cat /kmod-fs/ORDER); do
		case $m in
		brd) insmod /kmod-fs/brd.ko rd_nr=1 rd_size=$(param ext4_kib) ;;
		*) insmod /kmod-fs/$m.ko ;;
		esac
	done
	mkdir -p /mnt/ext4
	if zcat /ext4.img.gz >/dev/ram0 &&
	   mount -t ext4 /dev/ram0 /mnt/ext4; then
		export WPFAULT_EXT4_DIR=/mnt/ext4
	else
		echo "# no ext4 on /dev/ram0: the fault benchmark skips it"
	fi
fi
b=$(param bench)
c=$(param compare)
if [ -n "$c" ]; then
	grep -m 1 -E '^(model name|CPU part)' /proc/cpuinfo | sed 's/^/# cpu: /'
	set -o pipefail
	rc=0 r=0
	while [ "$r" -lt "$c" ]; do
		for k in old new; do
			insmod /wpfault/compare/$k.ko || rc=1
			/wpfault/wpfault_bench $(echo "$b" | tr : ' ') |
				sed "s/^/$k,$r,/" || rc=1
			/wpfault/wpfault_faultbench -g -r 1 |
				sed "s/^/$k,$r,/" || rc=1
			rmmod wpfault || rc=1
		done
		r=$((r + 1))
	done
	echo "# Totals: pass:$((rc == 0)) fail:$((rc != 0)) xfail:0 xpass:0 skip:0 error:0"
	echo "WPFAULT-RC $rc"
	echo "WPFAULT-DMESG-BEGIN"
	dmesg
	echo "WPFAULT-DMESG-END"
elif [ -n "$b" ]; then
	grep -m 1 -E '^(model name|CPU part)' /proc/cpuinfo | sed 's/^/# cpu: /'
	insmod /wpfault/wpfault.ko && /wpfault/wpfault_bench $(echo "$b" | tr : ' ')
	rc=$?
	/wpfault/wpfault_faultbench -g || rc=1
	echo "# Totals: pass:$((rc == 0)) fail:$((rc != 0)) xfail:0 xpass:0 skip:0 error:0"
	echo "WPFAULT-RC $rc"
	rmmod wpfault
	echo "WPFAULT-DMESG-BEGIN"
	dmesg
	echo "WPFAULT-DMESG-END"
elif ! grep -q wpfault.probe /proc/cmdline; then
	s=$(param stress)
	[ -n "$s" ] && export WPFAULT_STRESS_SECONDS=$s
	f=$(param fuzz_seed)
	[ -n "$f" ] && export WPFAULT_FUZZ_SEED=$f
	c=$(param cycles)
	/wpfault/wpfault.sh -m /wpfault/wpfault.ko -d /wpfault -c "${c:-0}" \
		$(param tests | tr , ' ')
	echo "WPFAULT-RC $?"
	echo "WPFAULT-DMESG-BEGIN"
	dmesg
	echo "WPFAULT-DMESG-END"
fi
echo "WPFAULT-POWEROFF"
poweroff -f
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) \
		>"$out/initramfs.cpio.gz"
}

run_qemu() { # accel timeout log [extra kernel parameters]
	local -a cmd
	local console
	case $CFG_ARCH in
	amd64)
		cmd=(qemu-system-x86_64 -accel "$1" -cpu "$CFG_CPU")
		console=ttyS0 ;;
	arm64)
		cmd=(qemu-system-aarch64 -M virt -accel tcg -cpu "$CFG_CPU")
		console=ttyAMA0 ;;
	riscv64)
		# OpenSBI (Debian's opensbi) as the firmware: the SBI console,
		# timer and system reset the kernel needs.
		cmd=(qemu-system-riscv64 -M virt -accel tcg -cpu "$CFG_CPU"
			-bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin)
		console=ttyS0 ;;
	esac
	timeout -k 5 "$2" "${cmd[@]}" -m "${WPFAULT_VM_MEM:-1024}" -smp 2 -display none \
		-no-reboot -monitor none -serial "file:$3" -kernel "$kernel" \
		-initrd "$out/initramfs.cpio.gz" \
		-append "console=$console panic=-1 ${4:-}" \
		</dev/null >"$3.qemu" 2>&1
}

# KVM is used when a probe boot under it reaches userspace; the answer is
# kept per host kernel, since a broken KVM fails slowly (a hung guest).
pick_accel() {
	local probe
	if [[ -n ${WPFAULT_ACCEL:-} ]]; then
		echo "$WPFAULT_ACCEL"
		return
	fi
	if [[ $CFG_ARCH != amd64 || $(uname -m) != x86_64 || ! -w /dev/kvm ]]; then
		echo tcg
		return
	fi
	probe=$WPFAULT_CACHE/kvm-probe-$(uname -r)
	if [[ ! -f $probe ]]; then
		if run_qemu kvm 60 "$out/kvm-probe.log" wpfault.probe &&
			grep -q WPFAULT-POWEROFF "$out/kvm-probe.log"; then
			echo kvm >"$probe"
		else
			echo tcg >"$probe"
		fi
	fi
	cat "$probe"
}

# How hard the suite works the module: the debug kernels get the long run.
# An x86-64 kernel with KASAN boots with 4-level paging: with 5-level
# paging (-cpu max has LA57), KASAN's idea of the kernel address space follows the LA57
# feature bit, which identify_cpu() clears for a moment with interrupts
# enabled; an interrupt then gets a false "wild-memory-access" report (seen
# on 6.12).
# The RAM disk the fault benchmark's ext4 file lives on (16 MiB at most).
ext4_mib=40
params="wpfault.ext4_kib=$((ext4_mib * 1024))"
case $CFG_PROFILE in
debug) stress=60 params+=" wpfault.cycles=100" ;;
*) stress=10 params+=" wpfault.cycles=10" ;;
esac
[[ $CFG_KASAN == y && $CFG_ARCH == amd64 ]] && params+=" no5lvl"
params+=" wpfault.stress=${WPFAULT_STRESS_SECONDS:-$stress}"
[[ -n ${WPFAULT_FUZZ_SEED:-} ]] && params+=" wpfault.fuzz_seed=$WPFAULT_FUZZ_SEED"
tests=$(echo ${WPFAULT_TESTS:-} | tr ' ' ,)
[[ -n $tests ]] && params+=" wpfault.tests=$tests"
bench=$(echo ${WPFAULT_BENCH:-} | tr ' ' :)
[[ -n $bench ]] && params+=" wpfault.bench=$bench" tests=wpfault_bench
[[ -n ${WPFAULT_COMPARE:-} ]] &&
	params+=" wpfault.compare=${WPFAULT_COMPARE_REPS:-3}"

make_initramfs
accel=$(pick_accel)
case $CFG_SERIES in
custom) what="your kernel $KERNEL" ;;
debug-*) what="the ${CFG_SERIES#debug-} debug kernel" ;;
intree-*) what="the ${CFG_SERIES#intree-} debug kernel with wpfault in its tree" ;;
sid) what="Debian unstable's $CFG_FLAVOUR kernel" ;;
*) what="Debian $CFG_SERIES $CFG_FLAVOUR" ;;
esac
log "$cfg: booting $what ($CFG_ARCH, -cpu $CFG_CPU, $accel)"
start=$SECONDS
vm_rc=0
rm -f "$out/serial-mttcg-int3.log"
run_qemu "$accel" "$timeout_s" "$out/serial.log" "$params" || vm_rc=$?
# Under multi-threaded TCG an x86-64 guest now and then executes an int3
# that the kernel's own code patching (text_poke_bp()) already took back,
# and oopses ("Oops: int3" at a jump label or a static call).  Patching
# comes with every boot and with every tracepoint a test enables.  Such a
# run is printed and done again with one TCG thread, where the race
# cannot happen: a crash that comes back is the kernel's.
int3_re='(Oops: )?int3: [0-9a-f]{4} \[#'
if [[ $accel == tcg && $CFG_ARCH == amd64 ]] &&
	grep -qaE "$int3_re" "$out/serial.log"; then
	echo "[$cfg] the kernel hit a stale int3 under multi-threaded TCG (qemu exit $vm_rc); its reports, then a run on one TCG thread:"
	grep -aE "$int3_re|$report_re" "$out/serial.log" | sort -u |
		sed "s/^/[$cfg]   /"
	mv "$out/serial.log" "$out/serial-mttcg-int3.log"
	accel=tcg,thread=single
	vm_rc=0
	run_qemu "$accel" "$timeout_s" "$out/serial.log" "$params" || vm_rc=$?
fi
elapsed=$((SECONDS - start))
sed -i 's/\r$//' "$out/serial.log"

passed=0 failed=0 skipped=0
while read -r p f xf xp s e; do
	passed=$((passed + p + xf))
	failed=$((failed + f + xp + e))
	skipped=$((skipped + s))
done < <(sed -nE 's/^# Totals: pass:([0-9]+) fail:([0-9]+) xfail:([0-9]+) xpass:([0-9]+) skip:([0-9]+) error:([0-9]+)$/\1 \2 \3 \4 \5 \6/p' "$out/serial.log")

# The TAP output of the selftests, without kernel console lines.  A VM
# that died before the selftests has none, and grep finds nothing: that
# must not end the script before it reports why.
sed -n '/^WPFAULT-BEGIN/,/^WPFAULT-RC/p' "$out/serial.log" |
	{ grep -vE '^\[ *[0-9]+\.[0-9]+\]' || true; } | sed "s/^/[$cfg] /"

if ! grep -q '^WPFAULT-RC' "$out/serial.log"; then
	echo "[$cfg] not ok: the VM did not finish the selftests (qemu exit $vm_rc after ${elapsed}s); last lines:"
	tail -n 40 "$out/serial.log" | sed "s/^/[$cfg]   /"
	failed=$((failed + 1))
fi
if grep -E "$report_re" "$out/serial.log" >"$out/reports.txt"; then
	echo "[$cfg] not ok: kernel reports in dmesg:"
	sort -u "$out/reports.txt" | sed "s/^/[$cfg]   /"
	failed=$((failed + 1))
else
	echo "[$cfg] ok: dmesg has no WARN/BUG/Oops/KASAN/lockdep/kmemleak report"
	passed=$((passed + 1))
fi
# The kernel is the one the configuration names: its page size (as the
# stress test saw it) and its preemption model.
verify() { # what expected actual
	if [[ $2 == "$3" ]]; then
		echo "[$cfg] ok: $1 is $3, as configured"
		passed=$((passed + 1))
	else
		echo "[$cfg] not ok: $1 is ${3:-unknown}, expected $2"
		failed=$((failed + 1))
	fi
}
page_kib=$(sed -nE 's/^# page size ([0-9]+) bytes$/\1/p' "$out/serial.log" |
	head -n 1)
[[ -n $page_kib ]] && page_kib=$((page_kib / 1024))
# The stress test prints the page size: a chosen subset may not run it.
if [[ -z $tests ]]; then
	case $CFG_FLAVOUR in
	*-16k) verify "the page size (KiB)" 16 "$page_kib" ;;
	*-64k) verify "the page size (KiB)" 64 "$page_kib" ;;
	*) verify "the page size (KiB)" 4 "$page_kib" ;;
	esac
fi
rt=no
grep -q '^WPFAULT-BEGIN .* PREEMPT_RT ' "$out/serial.log" && rt=yes
case $CFG_FLAVOUR in
rt-*) verify PREEMPT_RT yes "$rt" ;;
*) verify PREEMPT_RT no "$rt" ;;
esac
dirty="dirty bits by hardware"
if [[ $CFG_HWDIRTY != - ]]; then
	hw=
	case $CFG_ARCH in
	arm64)
		hw=no
		grep -q 'detected: Hardware dirty bit management' \
			"$out/serial.log" && hw=yes ;;
	*)
		# What the stress test's probe measured.
		hw=$(sed -nE 's/^# dirty bits set by (hardware|a fault)$/\1/p' \
			"$out/serial.log" | head -n 1)
		case $hw in
		hardware) hw=yes ;;
		'a fault') hw=no ;;
		esac ;;
	esac
	if [[ -n $hw || -z $tests ]]; then
		verify "hardware dirty-bit management" "$CFG_HWDIRTY" "$hw"
	fi
	[[ $hw == no ]] && dirty="dirty bits by fault"
fi
# What the run found, for the check's summary: the kernel's release, its
# preemption word in uname -v (none for PREEMPT_NONE and _VOLUNTARY), the
# page size and who sets dirty bits.
begin=$(grep -m 1 -a '^WPFAULT-BEGIN ' "$out/serial.log" | tr -d '\r' || true)
preempt=$(grep -oE 'PREEMPT(_[A-Z]+)?' <<<"$begin" | head -n 1 || true)
echo "$(cut -d' ' -f2 <<<"$begin"), ${page_kib:-?} KiB pages, ${preempt:-no PREEMPT}, $dirty" >"$out/booted"
echo "$passed $failed $skipped" >"$out/result"
echo "[$cfg] $passed passed, $failed failed, $skipped skipped (${elapsed}s, log: ${out#"$WPFAULT_ROOT"/}/serial.log)"
[[ $failed == 0 ]]
