#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Loads wpfault, runs its selftests, prints the module-wide counters and
# unloads it, checking that nothing was left alive.  Like mm's test_hmm.sh.
#
#   wpfault.sh [-m wpfault.ko] [-d dir-of-test-binaries] [-c cycles] [test...]
#
# Without tests named, it runs every wpfault_* program in the directory.
# -c N then loads and unloads the module N more times (needs -m), each
# round running wpfault_cycle: objects created, mapped, written, read
# back, cleaned and closed.  Where kmemleak is enabled, a scan at the end
# must find nothing.
# Without -m it uses a loaded module, then ../wpfault.ko, then modprobe;
# where none of these has it, it skips (a kernel without
# CONFIG_TEST_WPFAULT).
# Prints kselftest TAP; exits 0 if all passed, 4 if it cannot run (skip).

ksft_skip=4
dir=$(dirname "$0")
module=
cycles=0
while getopts m:d:c: opt; do
	case $opt in
	m) module=$OPTARG ;;
	d) dir=$OPTARG ;;
	c) cycles=$OPTARG ;;
	*) echo "usage: $0 [-m wpfault.ko] [-d dir] [-c cycles] [test...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
tests=$*
if [ -z "$tests" ]; then
	for f in "$dir"/wpfault_*; do
		case $f in *.c|*.h) continue ;; esac
		[ -f "$f" ] && [ -x "$f" ] && tests="$tests ${f##*/}"
	done
fi

pass=0
fail=0
skip=0
n=0
check() { # description, then a command that must succeed (or skip: 4)
	desc=$1
	shift
	n=$((n + 1))
	"$@"
	rc=$?
	if [ $rc = 0 ]; then
		echo "ok $n $desc"
		pass=$((pass + 1))
	elif [ $rc = $ksft_skip ]; then
		echo "ok $n $desc # SKIP"
		skip=$((skip + 1))
	else
		echo "not ok $n $desc"
		fail=$((fail + 1))
	fi
}
totals() {
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0" \
		"skip:$skip error:0"
}

if [ "$(id -u)" != 0 ]; then
	echo "# SKIP wpfault.sh: must run as root to load the module"
	exit $ksft_skip
fi
debugfs=/sys/kernel/debug
[ -d $debugfs/wpfault ] || mount -t debugfs none $debugfs 2>/dev/null

load() {
	if [ -e /dev/wpfault ]; then
		return 0
	elif [ -n "$module" ]; then
		insmod "$module"
	elif [ -f "$dir/../wpfault.ko" ]; then
		insmod "$dir/../wpfault.ko"
	else
		modprobe wpfault
	fi
}

# A counter from the module-wide stats file.
stat() {
	sed -n "s/^$1 //p" $debugfs/wpfault/stats
}

echo "TAP version 13"
if [ ! -e /dev/wpfault ] && [ -z "$module" ] && [ ! -f "$dir/../wpfault.ko" ] &&
   ! modinfo wpfault >/dev/null 2>&1; then
	echo "1..0 # SKIP no wpfault module: build it (CONFIG_TEST_WPFAULT=m)"
	exit $ksft_skip
fi
check "module loads and creates /dev/wpfault" load
[ -e /dev/wpfault ] || { totals; exit 1; }
# The memory-failure tests inject errors through hwpoison-inject, where
# the kernel has it as a module; built in or missing, they see or skip it.
modprobe -q hwpoison_inject 2>/dev/null

for t in $tests; do
	echo "# running $t"
	check "selftest $t" "$dir/$t"
done

echo "# wpfault counters after the selftests ($debugfs/wpfault/stats):"
if [ -r $debugfs/wpfault/stats ]; then
	while read -r name value; do
		printf '#   %-20s %12s\n' "$name" "$value"
	done < $debugfs/wpfault/stats
fi
check "no object alive after the selftests" [ "$(stat objects_alive)" = 0 ]
check "no page resident after the selftests" [ "$(stat pages_resident)" = 0 ]
check "rmmod succeeds" rmmod wpfault
check "/dev/wpfault is gone" [ ! -e /dev/wpfault ]

# insmod, a round of objects, rmmod: $cycles times.
cycle() {
	i=0
	while [ $i -lt "$cycles" ]; do
		insmod "$module" || return 1
		"$dir/wpfault_cycle" >/tmp/wpfault_cycle.log ||
			{ cat /tmp/wpfault_cycle.log; return 1; }
		rmmod wpfault || return 1
		i=$((i + 1))
	done
}
if [ "$cycles" -gt 0 ]; then
	[ -n "$module" ] || { echo "# -c needs -m"; exit 2; }
	check "$cycles load/unload cycles with objects" cycle
fi

# kmemleak reports objects unreferenced for 5 s: wait, then scan.
kmemleak_clean() {
	sleep 6
	echo scan > $debugfs/kmemleak
	echo scan > $debugfs/kmemleak
	leaks=$(cat $debugfs/kmemleak)
	[ -z "$leaks" ] || { echo "$leaks"; return 1; }
}
if [ -e $debugfs/kmemleak ]; then
	check "kmemleak finds no leak" kmemleak_clean
fi
echo "1..$n"
totals
[ $fail = 0 ]
