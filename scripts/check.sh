#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole suite: dependencies, lint, a dkms build, the LAVA jobs
# validated and the qemu one run, the selftests in a kernel tree, a W=1
# build for every configuration and the VM matrix.
# Ends with "N passed, N failed, N skipped" summed over all
# configurations and exits non-zero on any failure.
#   check.sh [CONFIG...]    (default: the whole matrix, then "custom")
set -uo pipefail
. "$(dirname "$0")/lib.sh"

start=$SECONDS
configs=("$@")
((${#configs[@]})) || mapfile -t configs < <(wpfault_configs | cut -d' ' -f1)
# The whole matrix ends with "your own kernel" (make run/check KERNEL=
# KDIR=), tried on the newest x86-64 debug kernel's build tree, which is
# one.  That kernel has just run every selftest as x86_64-debug-newest:
# here the path is what is checked (a build against KDIR, the boot, the
# module's load and unload, one test of each object type), not the
# kernel again.
own=$(kernel_dir debug-sid amd64)
own_tests=
if (($# == 0)); then
	configs+=(custom)
	export KERNEL=$own/vmlinuz KDIR=$own/build WPFAULT_ARCH=x86_64
	own_tests="wpfault_badinput wpfault_pagecache wpfault_pfn wpfault_cow"
fi

# The kernels built here from source (the debug kernels, and "custom" when
# it is the newest of them) are built in the background, at the lowest
# priority, while the configurations of Debian's kernels run: their VMs
# leave a core idle much of the time.  Everything else, every package
# included, is installed before, so that the two never share apt.
# "custom" comes right after the kernel it boots, so that it runs while
# the other debug kernel builds.
built=() ready=() fetched=()
for cfg in "${configs[@]}"; do
	[[ $cfg == custom && -n $own_tests ]] && continue
	fetched+=("$cfg")
	series=custom
	[[ $cfg != custom ]] && config_lookup "$cfg" && series=$CFG_SERIES
	case $series in
	debug-* | intree-*) built+=("$cfg") ;;
	*) ready+=("$cfg") ;;
	esac
	[[ $cfg == x86_64-debug-newest && -n $own_tests ]] && built+=(custom)
done
lava=()
[[ " ${configs[*]} " == *" x86_64-6.12 "* ]] && lava=(--lava)
"$WPFAULT_ROOT/scripts/deps.sh" "${lava[@]}" --no-builds "${fetched[@]}" ||
	die "installing dependencies failed"

# One file per built configuration in $kernels, "ok" or "failed", once
# the background is through with it; its output in $kernels.log.
kernels=$WPFAULT_ROOT/build/kernels
rm -rf "$kernels" && mkdir -p "$kernels"
builder=
if ((${#built[@]})); then
	log "building the kernels of ${built[*]} in the background ($kernels.log)"
	# A process group of its own, for the trap below to stop it whole.
	setsid bash -c 'dir=$1 deps=$2
		shift 2
		for cfg; do
			if nice -n 19 "$deps" "$cfg"; then
				echo ok >"$dir/$cfg"
			else
				echo failed >"$dir/$cfg"
			fi
		done' builder "$kernels" "$WPFAULT_ROOT/scripts/deps.sh" \
		"${built[@]}" >"$kernels.log" 2>&1 &
	builder=$!
	trap 'kill -- -"$builder" 2>/dev/null' EXIT
	trap 'exit 130' INT TERM
fi

# Waits until the background is through with CFG: true if it built it.
kernel_built() {
	while [[ ! -f $kernels/$1 ]] && kill -0 "$builder" 2>/dev/null; do
		sleep 5
	done
	[[ $(cat "$kernels/$1" 2>/dev/null) == ok ]]
}

passed=0 failed=0 skipped=0
summary=()
# step NAME WHAT-IT-SHOWS SCRIPT [ARG...]: one pass or failure in the
# summary.
step() {
	if "$WPFAULT_ROOT/scripts/$3" "${@:4}"; then
		passed=$((passed + 1))
		summary+=("$1: $2")
	else
		failed=$((failed + 1))
		summary+=("$1: FAILED")
	fi
}
# Lint and dkms build against Debian's headers: not for your kernel alone.
if [[ ${configs[*]} == custom ]]; then
	summary+=("lint, dkms: not run for your kernel alone")
else
	step lint "checkpatch, sparse, references and call graph clean" lint.sh
	step dkms "builds against Debian 6.1 and 6.12" dkms-check.sh
	step lava "every LAVA job valid for lava-common's job schema" \
		lava.sh validate
fi
# The qemu job on the default configuration, as a LAVA worker runs it.
if ((${#lava[@]})); then
	step lava-run "the qemu job passes in Debian's lava-run on x86_64-6.12" \
		lava.sh run x86_64-6.12
fi

# Kernels from Debian first, then each built one as soon as it is.
for cfg in "${ready[@]}" "${built[@]}"; do
	out=$WPFAULT_ROOT/build/$cfg
	if [[ " ${built[*]} " == *" $cfg "* ]] && ! kernel_built "$cfg"; then
		tail -n 40 "$kernels.log"
		failed=$((failed + 1))
		summary+=("$cfg: kernel FAILED (build/kernels.log)")
		continue
	fi
	# Needs the newest x86-64 debug kernel's source tree.
	if [[ $cfg == x86_64-debug-newest ]]; then
		step kselftest "installs through a kernel tree's lib.mk" \
			kselftest-check.sh
	fi
	if ! "$WPFAULT_ROOT/scripts/build.sh" "$cfg"; then
		failed=$((failed + 1))
		summary+=("$cfg: build FAILED")
		continue
	fi
	tests=${WPFAULT_TESTS:-}
	[[ $cfg == custom && -n $own_tests ]] && tests=$own_tests
	WPFAULT_TESTS=$tests "$WPFAULT_ROOT/scripts/vm-run.sh" "$cfg"
	if [[ -f $out/result ]]; then
		read -r p f s <"$out/result"
	else
		p=0 f=1 s=0
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	kernel=unknown
	[[ -f $out/booted ]] && kernel=$(<"$out/booted")
	summary+=("$cfg ($kernel): $p passed, $f failed, $s skipped")
done
[[ -n $builder ]] && wait "$builder"

echo
# The figures of this run go to a generated file, never into prose.
mkdir -p "$WPFAULT_ROOT/build"
{
	echo "wpfault check of $(git -C "$WPFAULT_ROOT" describe --always --dirty 2>/dev/null || echo unknown), $(date -u '+%Y-%m-%d %H:%M UTC'), $(((SECONDS - start) / 60))m$(((SECONDS - start) % 60))s:"
	printf '  %s\n' "${summary[@]}"
	echo "$passed passed, $failed failed, $skipped skipped"
} | tee "$WPFAULT_ROOT/build/check-summary.txt"
((failed == 0))
