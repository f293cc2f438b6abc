#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The trace-cmd and perf examples of docs/design.md, run as written there:
# each tool counts the wpfault:* events of a wpfault-io run, one event per
# fault path, and the counts must be the object's own counters, which
# wpfault-io prints at the end; then the examples' record during one
# selftest.  Where a tool is not installed its tests skip.
# Prints TAP; exits 0 if all passed, 4 (skip) without the module.

dir=$(dirname "$0")
. "$dir/ktap.sh"
io=$dir/wpfault-io
need_module
tmp=$(mktemp -d /tmp/wpfault-trace-tools-XXXXXX)

# Like result(), with the end of the tool's and the test's output on
# failure.
shown() { # status description
	[ "$1" = 0 ] || tail -n 20 "$tmp/out" | sed 's/^/# /'
	result "$@"
}

# wpfault-io's arguments: a pfn object and a page-cache object, each read
# and then written, for read and write faults, ->pfn_mkwrite and
# ->page_mkwrite calls, and each object's counters at the end.
set -- -c 'create -t pfn 16' -c mmap -c 'mread 0 2' -c 'mwrite 0 4' \
	-c 'stat read_faults write_faults cow_faults pfn_mkwrite_calls' \
	-c 'create 16' -c mmap -c 'mread 0 2' -c 'mwrite 0 3' \
	-c 'stat read_faults write_faults cow_faults mkwrite_calls'

# The sum of a counter over the objects of scenario()'s output $1.
counter() {
	awk -v name="$2" '$1 == name { sum += $2 } END { print sum + 0 }' "$1"
}

# compare TOOL FAULTS PAGE_MKWRITES PFN_MKWRITES: each event count equals
# the counters that count the same calls, which must not be zero.
compare() {
	faults=$(($(counter "$tmp/io" read_faults) +
		  $(counter "$tmp/io" write_faults) +
		  $(counter "$tmp/io" cow_faults)))
	mkwrites=$(counter "$tmp/io" mkwrite_calls)
	pfn_mkwrites=$(counter "$tmp/io" pfn_mkwrite_calls)
	echo "# $1: wpfault_fault $2, wpfault_page_mkwrite $3," \
		"wpfault_pfn_mkwrite $4; counters: $faults faults," \
		"$mkwrites mkwrite_calls, $pfn_mkwrites pfn_mkwrite_calls"
	[ "$faults" -gt 0 ] && [ "$mkwrites" -gt 0 ] &&
		[ "$pfn_mkwrites" -gt 0 ] && [ "$2" = "$faults" ] &&
		[ "$3" = "$mkwrites" ] && [ "$4" = "$pfn_mkwrites" ]
}

echo "TAP version 13"
echo "1..4"

if command -v perf >/dev/null; then
	# The example: perf stat -e 'wpfault:*' -- COMMAND
	if perf stat -x, -o "$tmp/perf" -e 'wpfault:*' -- "$io" "$@" \
		>"$tmp/io" 2>"$tmp/err"; then
		count() {
			awk -F, -v e="wpfault:$1" '$3 == e { n = $1 }
				END { print n + 0 }' "$tmp/perf"
		}
		compare "perf stat" "$(count wpfault_fault)" \
			"$(count wpfault_page_mkwrite)" \
			"$(count wpfault_pfn_mkwrite)"
		result $? "perf stat counts each fault path as the counters do"
	else
		sed 's/^/# /' "$tmp/err"
		result 1 "perf stat counts each fault path as the counters do"
	fi
	perf record -o "$tmp/perf.data" -e 'wpfault:*' -- \
		"$dir/wpfault_pfn" >"$tmp/out" 2>&1 &&
		perf script -i "$tmp/perf.data" 2>>"$tmp/out" |
		grep -q 'wpfault:wpfault_fault:'
	shown $? "perf record -e 'wpfault:*' during wpfault_pfn"
else
	skip "perf stat counts each fault path as the counters do" \
		"perf is not installed"
	skip "perf record -e 'wpfault:*' during wpfault_pfn" \
		"perf is not installed"
fi

if command -v trace-cmd >/dev/null; then
	# The example: trace-cmd record -e wpfault -F -c COMMAND, then report
	# (-c: the harness runs each test in a child).
	if trace-cmd record -o "$tmp/trace.dat" -e wpfault -F "$io" "$@" \
		>"$tmp/io" 2>"$tmp/err"; then
		trace-cmd report -i "$tmp/trace.dat" 2>/dev/null |
			grep -o 'wpfault_[a-z_]*:' | sort | uniq -c >"$tmp/report"
		count() {
			awk -v e="$1:" '$2 == e { n = $1 }
				END { print n + 0 }' "$tmp/report"
		}
		compare "trace-cmd" "$(count wpfault_fault)" \
			"$(count wpfault_page_mkwrite)" \
			"$(count wpfault_pfn_mkwrite)"
		result $? "trace-cmd counts each fault path as the counters do"
	else
		sed 's/^/# /' "$tmp/err"
		result 1 "trace-cmd counts each fault path as the counters do"
	fi
	trace-cmd record -o "$tmp/pfn.dat" -e wpfault -F -c \
		"$dir/wpfault_pfn" >"$tmp/out" 2>&1 &&
		trace-cmd report -i "$tmp/pfn.dat" 2>>"$tmp/out" |
		grep -q 'wpfault_fault:'
	shown $? "trace-cmd record -e wpfault during wpfault_pfn"
else
	skip "trace-cmd counts each fault path as the counters do" \
		"trace-cmd is not installed"
	skip "trace-cmd record -e wpfault during wpfault_pfn" \
		"trace-cmd is not installed"
fi

rm -rf "$tmp"
totals
[ "$failed" = 0 ]
