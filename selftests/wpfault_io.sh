#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Scenarios written as wpfault-io command lines, which test the tool by
# use: each compares what wpfault-io prints (the page lists of collect and
# bitmap, counter deltas, errno names) with the exact expected lines.
# Prints TAP; exits 0 if all passed, 4 (skip) without the module.

dir=$(dirname "$0")
. "$dir/ktap.sh"
io=$dir/wpfault-io
need_module
if [ ! -x "$io" ]; then
	echo "1..0 # SKIP $io is not built"
	exit $ksft_skip
fi

out=$(mktemp /tmp/wpfault-io-out-XXXXXX)

# Runs wpfault-io with these arguments, output into $out; sets $rc.
run_io() {
	"$io" "$@" >"$out" 2>&1
	rc=$?
}

# verdict PASSED DESCRIPTION WANTED: the TAP line; on failure, what was
# wanted and the whole output.
verdict() {
	result "$1" "$2"
	[ "$1" = 0 ] && return
	echo "# exit status $rc; wanted:"
	echo "$3" | sed 's/^/#   /'
	echo "# got:"
	sed 's/^/#   /' "$out"
}

# expect DESCRIPTION EXPECTED-LINES [wpfault-io arguments...]: the run
# must succeed, and the lines of the output that do not echo a command
# ("> ...") must be EXPECTED, blanks squeezed and object ids (which vary)
# written as ID.
expect() {
	desc=$1
	want=$2
	shift 2
	run_io "$@"
	got=$(grep -v '^> ' "$out" | tr -s ' ' |
		sed -E 's/object [0-9]+/object ID/g')
	[ $rc = 0 ] && [ "$got" = "$want" ]
	verdict $? "$desc" "$want"
}

# fails DESCRIPTION MESSAGE [wpfault-io arguments...]: the run must end
# with status 1, its last line holding MESSAGE (": ENAME (" for an errno).
fails() {
	desc=$1
	msg=$2
	shift 2
	run_io "$@"
	[ $rc = 1 ] && tail -n 1 "$out" | grep -qF "$msg"
	verdict $? "$desc" "status 1 and \"$msg\""
}

ps=$(($(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps) * 1024))

echo "TAP version 13"
echo "1..13"

expect "page cache: collect reports the written pages, once" \
"object ID: pagecache, 8 pages of $ps bytes
mapped pages 0+8 rw
wrote pages 0+3 with 0xcd
wrote pages 5+1 with 0x5a
dirty 4 pages: 0-2,5
collected 4 pages: 0-2,5
collected 0 pages:
read pages 0+3, verified
read pages 5+1, verified" \
	-c 'create 8' -c mmap -c 'mwrite 0 3' -c 'mwrite -p 0x5a 5 1' \
	-c 'bitmap 0 8' -c 'collect 0 8' -c 'collect 0 8' \
	-c 'mread -v 0xcd 0 3' -c 'mread -v 0x5a 5 1'

expect "stat shows each counter's change since the previous stat" \
"object ID: pagecache, 4 pages of $ps bytes
mapped pages 0+4 rw
pages_dirtied 0 +0
wrote pages 1+2 with 0xcd
pages_dirtied 2 +2
cleaned 2 pages
pages_dirtied 2 +0
pages_cleaned 2 +2" \
	-c 'create 4' -c mmap -c 'stat pages_dirtied' -c 'mwrite 1 2' \
	-c 'stat pages_dirtied' -c 'clean 0 4' \
	-c 'stat pages_cleaned pages_dirtied'

expect "pfn, mkwrite: a forked child's writes are reported exactly" \
"object ID: pfn, 8 pages of $ps bytes
method mkwrite, mode mkwrite
mapped pages 0+8 rw
wrote pages 0+8 with 0xcd
collected 8 pages: 0-7
wrote pages 2+2 with 0x01
collected 2 pages: 2-3
read pages 2+2, verified" \
	-c 'create -t pfn 8' -c method -c mmap -c 'mwrite 0 8' \
	-c 'collect 0 8' -c fork -c 'mwrite -p 1 2 2' -c wait \
	-c 'collect 0 8' -c 'mread -v 1 2 2'

# In pagetable mode the child's writes set dirty bits in its copies of
# the ptes, which its exit takes: every page it had writable is reported.
expect "pfn, pagetable: a forked child's exit reports its writable pages" \
"object ID: pfn, 8 pages of $ps bytes
method pagetable, mode pagetable
mapped pages 0+8 rw
wrote pages 0+8 with 0xcd
collected 8 pages: 0-7
wrote pages 2+2 with 0x01
collected 8 pages: 0-7
read pages 2+2, verified" \
	-c 'create -t pfn 8' -c 'method pagetable' -c mmap -c 'mwrite 0 8' \
	-c 'collect 0 8' -c fork -c 'mwrite -p 1 2 2' -c wait \
	-c 'collect 0 8' -c 'mread -v 1 2 2'

# The pin-after-close case of "mm/gup: Allow real explicit breaking of COW"
# (Linus Torvalds, August 2020): a page pinned through a snapshot that is
# then closed must keep the snapshot's data when the source writes;
# mapcount leaks it.
cow_pin() {
	expect "cow, $1: $2" \
"object ID: cow, 2 pages of $ps bytes
policy $1
mapped pages 0+2 rw
wrote pages 0+1 with 0x61
snapshot of object ID: object ID in [1], 0 blocks copied
 [0] object ID
*[1] object ID
mapped pages 0+2 rw
pin 0: pages 0+1
closed
*[0] object ID
wrote pages 0+1 with 0x62
pin 0: read pages 0+1, verified
$1_copies $3 +$3
$1_reuses $4 +$4" \
	-c 'create -t cow 2' -c "policy $1" -c mmap -c 'mwrite -p 0x61 0 1' \
	-c snapshot -c 'file 1' -c mmap -c 'pin 0 1' -c close -c 'file 0' \
	-c 'mwrite -p 0x62 0 1' -c "pinned -v $5 0 0 1" \
	-c "stat $1_copies $1_reuses"
}
cow_pin refcount "a pin through a closed snapshot keeps its data" 1 0 0x61
cow_pin mapcount "the source's write leaks into the pin (the unsafe rule)" \
	0 1 0x62

# A pfn object with huge entries (6.12 on, with transparent huge pages):
# one write maps a whole PMD, and the collect reports all of it; elsewhere
# the flag is refused.
pmd=$(cat /sys/kernel/mm/transparent_hugepage/hpage_pmd_size 2>/dev/null)
np=$((${pmd:-0} / ps))
release=$(uname -r)
major=${release%%.*}
minor=${release#*.}
minor=${minor%%[!0-9]*}
if [ $((major * 100 + minor)) -ge 612 ] && [ $np -gt 0 ]; then
	expect "pfn, PMD: one write maps the piece and records all of it" \
"object ID: pfn, $np pages of $ps bytes
mapped pages 0+$np rw
wrote pages 0+1 with 0xcd
pmd_maps 1 +1
collected $np pages: 0-$((np - 1))" \
		-c "create -t pfn -P $np" -c mmap -c 'mwrite 0 1' \
		-c 'stat pmd_maps' -c "collect 0 $np"
else
	fails "pfn, PMD: refused without special huge pfn entries" \
		": EOPNOTSUPP (" \
		-c 'create -t pfn -P 1'
fi
# A page-cache object with large folios (the same kernels): one write
# brings in a folio of four pages, and the collect reports all of them.
if [ $((major * 100 + minor)) -ge 612 ] && [ $np -gt 0 ]; then
	expect "page cache, large folios: a write records its folio" \
"object ID: pagecache, 4 pages of $ps bytes
mapped pages 0+4 rw
wrote pages 0+1 with 0xcd
large_folios 1 +1
collected 4 pages: 0-3" \
		-c 'create -F 4' -c mmap -c 'mwrite 0 1' \
		-c 'stat large_folios' -c 'collect 0 4'
else
	fails "page cache, large folios: refused without them" \
		": EOPNOTSUPP (" \
		-c 'create -F 1'
fi
# A pfn object whose write faults insert read-only: the write to a page
# with no entry comes back into ->pfn_mkwrite, and the core upgrades it.
expect "pfn, read-only insert: the write takes ->pfn_mkwrite too" \
"object ID: pfn, 2 pages of $ps bytes
mapped pages 0+2 rw
wrote pages 0+1 with 0xcd
write_faults 1 +1
pfn_mkwrite_calls 1 +1
core_upgrades 1 +1
collected 1 pages: 0" \
	-c 'create -t pfn -i readonly 2' -c mmap -c 'mwrite 0 1' \
	-c 'stat write_faults pfn_mkwrite_calls core_upgrades' -c 'collect 0 2'
# The mkwrite insert, where the kernel exports it (6.1).
if [ $((major * 100 + minor)) -lt 612 ]; then
	expect "pfn, mkwrite insert: one insert, no ->pfn_mkwrite" \
"object ID: pfn, 2 pages of $ps bytes
mapped pages 0+2 rw
wrote pages 0+1 with 0xcd
write_faults 1 +1
pfn_mkwrite_calls 0 +0
mkwrite_inserts 1 +1
collected 1 pages: 0" \
		-c 'create -t pfn -i mkwrite 2' -c mmap -c 'mwrite 0 1' \
		-c 'stat write_faults pfn_mkwrite_calls mkwrite_inserts' \
		-c 'collect 0 2'
else
	fails "pfn, mkwrite insert: refused where it is not exported" \
		": EOPNOTSUPP (" \
		-c 'create -t pfn -i mkwrite 1'
fi
fails "a write outside the mapping is refused" ": ERANGE (" \
	-c 'create 8' -c 'mmap 2 4' -c 'mwrite 1 1'
fails "a collect past end of file gets the module's ENXIO" ": ENXIO (" \
	-c 'create 8' -c 'collect 4 8'
fails "a failing child fails the run at wait" "wait: the child failed" \
	-c 'create 8' -c fork -c 'munmap' -c 'mwrite 0 1' -c wait
rm -f "$out"

totals
[ $failed = 0 ]
