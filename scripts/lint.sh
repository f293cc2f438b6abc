#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch --strict (from Debian's linux-source) on every C file and
# header and on each patch of the in-tree series (upstream.sh), sparse
# (C=2) on the module for every kernel of the matrix, the
# references (reference-check.sh) and the module's call graph
# (callgraph.sh).  Fails on any finding.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

checkpatch=$WPFAULT_CACHE/ksrc/current/scripts/checkpatch.pl
[[ -x $checkpatch || -f $checkpatch ]] ||
	die "no checkpatch.pl in $WPFAULT_CACHE/ksrc: run scripts/deps.sh"
cd "$WPFAULT_ROOT"
status=0

checkpatch() {
	perl "$checkpatch" --strict --no-tree --quiet --show-types \
		--max-line-length=80 "$@" || status=1
}
mapfile -t kernel_c < <(git ls-files 'module/*.[ch]' 'include/*.h' |
	grep -vx module/trace.h)
log "checkpatch --strict on ${#kernel_c[@]} kernel files"
checkpatch -f "${kernel_c[@]}"
# Trace event definitions are a macro language laid out as the kernel's
# own include/trace/events/ are: a TP_ section opens a line and its
# fields follow indented, which checkpatch's layout checks misread.
log "checkpatch --strict on module/trace.h"
checkpatch --ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT -f module/trace.h
# Userspace tests use <stdint.h> types, volatile accesses to pin the
# order of the faults they count, and GCC's attributes (the kernel's
# noinline and friends are not in userspace): those checks are for kernel
# code.
mapfile -t user_c < <(git ls-files 'selftests/*.[ch]')
log "checkpatch --strict on ${#user_c[@]} selftest files"
checkpatch --ignore PREFER_KERNEL_TYPES,VOLATILE,PREFER_DEFINED_ATTRIBUTE_MACRO \
	-f "${user_c[@]}"

# The in-tree series, made for the newest kernel Debian has, patch by
# patch with that kernel's checkpatch.  Its git history is not there to
# look Fixes: ids up in.  As above, the layout checks do not apply to the
# trace header, nor the kernel-code checks to the selftests; and BIT() is
# not for the ioctl header, which userspace includes too.
pristine=$(sid_pristine_tree)
upstream=$WPFAULT_ROOT/build/upstream
scripts/upstream.sh "$pristine" "$upstream" || status=1
log "checkpatch --strict on the in-tree series"
for patch in "$upstream"/0*.patch; do
	ignore=UNKNOWN_COMMIT_ID
	case $(sed -n 's/^Subject: \[PATCH [0-9/]*\] //p' "$patch") in
	lib:*) ignore+=,OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT,BIT_MACRO ;;
	selftests:*) ignore+=,PREFER_KERNEL_TYPES,VOLATILE,PREFER_DEFINED_ATTRIBUTE_MACRO ;;
	esac
	perl "$pristine/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--show-types --ignore "$ignore" "$patch" || status=1
done

for series in 6.1 6.12; do
	kdir=$(kernel_dir "$series" amd64)/build
	out=$WPFAULT_ROOT/build/sparse-$series
	rm -rf "$out"
	copy_module_sources "$out"
	log "sparse on the module against Debian $series headers"
	make -s -C "$kdir" M="$out" C=2 W=1 modules >"$out/sparse.log" 2>&1 ||
		{ cat "$out/sparse.log"; status=1; continue; }
	# Everything sparse says about our files is a finding.
	if grep -E "^$out/(module|include)/.*(warning|error):" "$out/sparse.log"; then
		status=1
	fi
done
scripts/reference-check.sh || status=1
# The layering: no file of the module calls into a file that calls it.
log "the module's call graph"
scripts/callgraph.sh "$WPFAULT_ROOT/build/sparse-6.12" || status=1
((status == 0)) && log "lint clean"
exit $status
