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
"$WPFAULT_ROOT/scripts/deps.sh" "${configs[@]}" || die "installing dependencies failed"

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
if [[ " ${configs[*]} " == *" x86_64-6.12 "* ]]; then
	step lava-run "the qemu job passes in Debian's lava-run on x86_64-6.12" \
		lava.sh run x86_64-6.12
fi
# Needs the newest x86-64 debug kernel's source tree.
if [[ " ${configs[*]} " == *" x86_64-debug-newest "* ]]; then
	step kselftest "installs through a kernel tree's lib.mk" \
		kselftest-check.sh
fi

for cfg in "${configs[@]}"; do
	out=$WPFAULT_ROOT/build/$cfg
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

echo
# The figures of this run go to a generated file, never into prose.
mkdir -p "$WPFAULT_ROOT/build"
{
	echo "wpfault check of $(git -C "$WPFAULT_ROOT" describe --always --dirty 2>/dev/null || echo unknown), $(date -u '+%Y-%m-%d %H:%M UTC'), $(((SECONDS - start) / 60))m$(((SECONDS - start) % 60))s:"
	printf '  %s\n' "${summary[@]}"
	echo "$passed passed, $failed failed, $skipped skipped"
} | tee "$WPFAULT_ROOT/build/check-summary.txt"
((failed == 0))
