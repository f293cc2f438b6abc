#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The selftests as a kernel tree builds them: copied in as
# tools/testing/selftests/wpfault next to the tree's lib.mk and harness
# (from the newest x86-64 debug kernel's source, which deps.sh builds), then
# "make install" through lib.mk.  The installed directory must hold the
# wrapper, every program and settings, and list the wrapper for
# run_kselftest.sh.
#   kselftest-check.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ksft=$(kernel_dir debug-sid amd64)/build/tools/testing/selftests
[[ -f $ksft/lib.mk ]] || die "no lib.mk in $ksft: run scripts/deps.sh x86_64-debug-newest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/tools/testing/selftests
mkdir -p "$tree" "$tmp/out"
cp "$ksft"/{lib.mk,kselftest.h,kselftest_harness.h} "$tree/"
cp -r "$WPFAULT_ROOT/selftests" "$tree/wpfault"
if ! make -s -C "$tree/wpfault" OUTPUT="$tmp/out" \
	WPFAULT_UAPI="$WPFAULT_ROOT/include/uapi" INSTALL_PATH="$tmp/inst" \
	install >"$tmp/log" 2>&1; then
	cat "$tmp/log"
	die "the selftests do not build with a kernel tree's lib.mk"
fi
want=$(make -s -C "$WPFAULT_ROOT/selftests" -pn 2>/dev/null |
	sed -nE 's/^TEST_(GEN_FILES|PROGS|PROGS_EXTENDED|FILES) := //p' |
	tr ' ' '\n' | sed '/^$/d' | sort)
got=$(ls "$tmp/inst" | sort)
if [[ $want != "$got" ]]; then
	diff <(echo "$want") <(echo "$got") || true
	die "lib.mk's install holds other files than the selftests list"
fi
# The top-level selftests Makefile names the collection after the target.
list=$(make -s -C "$tree/wpfault" OUTPUT="$tmp/out" COLLECTION=wpfault \
	emit_tests)
[[ $list == wpfault:wpfault.sh ]] ||
	die "lib.mk's emit_tests lists '$list', not wpfault:wpfault.sh"
log "kselftest: builds and installs through a kernel tree's lib.mk: ok"
