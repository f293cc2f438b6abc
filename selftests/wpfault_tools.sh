#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Real tools on a wpfault mount, with no wpfault code in them: xfs_io
# (Debian's xfsprogs) and stress-ng, which scripts/deps.sh carries into
# the test VMs with their libraries.
#
# xfs_io sequences in the style of xfstests' mmap tests: mapped writes,
# msync, pwrite, fsync, fpunch and truncate; a mapped write past end of
# file, which must read as zeroes once the file grows (generic/029, 030);
# pwrite, mread, mwrite and fdatasync.  Each builds the same file with
# pwrite on tmpfs, and the wpfault file must match it byte for byte, in the
# page cache and again after drop_caches, read back from the disk; the
# object's counters must show the faults and the writeback.
#
# Then stress-ng's file-backed mmap stressors (mmap --mmap-file, msync and
# fault, 5 s, --verify) run in the mount, in directories of their own, and
# must finish without error, with the module-wide counters moving.
# Prints KTAP; exits 0 if all passed, 4 (skip) without xfs_io or module.

. "$(dirname "$0")/ktap.sh"
if ! command -v xfs_io >/dev/null 2>&1; then
	echo "1..0 # SKIP xfs_io (Debian's xfsprogs) is not installed"
	exit $ksft_skip
fi
need_module

ps=$(($(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps) * 1024))
mnt=$(mktemp -d /tmp/wpfault-tools-XXXXXX)
ref=$(mktemp /tmp/wpfault-tools-ref-XXXXXX)

# The value of counter $2 of the object behind file $1.
counter() {
	awk -v name="$2" '$1 == name { print $2 }' \
		"/sys/kernel/debug/wpfault/$(stat -c %i "$1")/stats"
}

# File $1 equals the reference, cached and then read back from the disk.
same_as_ref() {
	cmp "$1" "$ref" || return 1
	echo 1 >/proc/sys/vm/compact_memory 2>/dev/null
	echo 1 >/proc/sys/vm/drop_caches
	cmp "$1" "$ref" || return 1
	[ "$(counter "$1" pages_read)" -gt 0 ] ||
		{ echo "# $1: nothing was read back from the disk"; return 1; }
}

echo "TAP version 13"
echo "1..5"
mount -t wpfault none "$mnt" || { echo "Bail out! mount failed"; exit 1; }

# Mapped writes, msync, pwrite past them, fsync, a punched page, and a
# truncation into the written range.
f=$mnt/mmap-msync
xfs_io -f -c "truncate $((16 * ps))" -c "mmap -rw 0 $((16 * ps))" \
	-c "mwrite -S 0x5a 0 $((8 * ps))" -c "msync -s 0 $((8 * ps))" \
	-c "pwrite -S 0x3c $((8 * ps)) $((4 * ps))" -c "fsync" \
	-c "fpunch $((2 * ps)) $ps" -c "truncate $((12 * ps))" \
	-c "munmap" "$f" >/dev/null
rc=$?
rm -f "$ref"
xfs_io -f -c "pwrite -S 0x5a 0 $((8 * ps))" -c "pwrite -S 0 $((2 * ps)) $ps" \
	-c "pwrite -S 0x3c $((8 * ps)) $((4 * ps))" "$ref" >/dev/null
[ $rc = 0 ] && [ "$(counter "$f" mkwrite_calls)" = 8 ] &&
	[ "$(counter "$f" pages_written_back)" -ge 12 ] && same_as_ref "$f"
result $? "xfs_io: mwrite, msync, pwrite, fsync, fpunch, truncate"

# A mapped write past EOF in the last page is not file data: the file
# grown again reads zeroes there (xfstests generic/029 and 030).
f=$mnt/past-eof
xfs_io -f -c "truncate $((3 * ps + 100))" -c "mmap -rw 0 $((4 * ps))" \
	-c "mwrite -S 0x77 0 $((4 * ps))" -c "munmap" -c "fsync" \
	-c "truncate $((4 * ps))" "$f" >/dev/null
rc=$?
rm -f "$ref"
xfs_io -f -c "pwrite -S 0x77 0 $((3 * ps + 100))" -c "truncate $((4 * ps))" \
	"$ref" >/dev/null
[ $rc = 0 ] && same_as_ref "$f"
result $? "xfs_io: a mapped write past EOF reads zeroes after growth"

# Data written by pwrite is seen by a mapping, then changed through it
# and synced with fdatasync; read back by pread.
f=$mnt/pwrite-mread
xfs_io -f -c "pwrite -S 0x11 0 $((4 * ps))" -c "mmap -rw 0 $((4 * ps))" \
	-c "mread 0 $((4 * ps))" -c "mwrite -S 0x22 $ps $ps" \
	-c "fdatasync" -c "munmap" "$f" >/dev/null
rc=$?
rm -f "$ref"
xfs_io -f -c "pwrite -S 0x11 0 $((4 * ps))" -c "pwrite -S 0x22 $ps $ps" \
	"$ref" >/dev/null
[ $rc = 0 ] && [ "$(counter "$f" pages_dirtied)" = 4 ] &&
	[ "$(counter "$f" disk_blocks)" = 4 ] && same_as_ref "$f"
result $? "xfs_io: pwrite, mread, mwrite, fdatasync"

# stress-ng keeps its files in directories of its own under --temp-path.
global() {
	awk -v name="$1" '$1 == name { print $2 }' \
		/sys/kernel/debug/wpfault/stats
}
if command -v stress-ng >/dev/null 2>&1; then
	mkwrite=$(global mkwrite_calls)
	written=$(global pages_written_back)
	log=$(mktemp /tmp/wpfault-stress-ng-XXXXXX)
	stress-ng --temp-path "$mnt" --timeout 5s --verify --metrics-brief \
		--mmap 1 --mmap-file --mmap-bytes 1m \
		--msync 1 --msync-bytes 1m --fault 1 >"$log" 2>&1
	rc=$?
	[ $rc = 0 ] && [ "$(global mkwrite_calls)" -gt "$mkwrite" ] &&
		[ "$(global pages_written_back)" -gt "$written" ]
	rc=$?
	sed 's/^/# /' "$log"
	rm -f "$log"
	result $rc "stress-ng: mmap --mmap-file, msync, fault"
else
	skip stress-ng "stress-ng is not installed"
fi

rm -rf "${mnt:?}"/* "$ref"
umount "$mnt" && rmdir "$mnt"
result $? "unmounted"
totals
[ $failed = 0 ]
