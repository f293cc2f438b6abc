#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Loads wpfault, runs its selftests, prints the module-wide counters and
# unloads it, checking that nothing was left alive.  Like mm's test_hmm.sh.
#
#   wpfault.sh [-m wpfault.ko] [-d dir-of-test-binaries] [test...]
#
# Without tests named, it runs every wpfault_* program in the directory.
# Without -m it uses a loaded module, then ../wpfault.ko, then modprobe.
# Prints kselftest TAP; exits 0 if all passed, 4 if it cannot run (skip).

ksft_skip=4
dir=$(dirname "$0")
module=
while getopts m:d: opt; do
	case $opt in
	m) module=$OPTARG ;;
	d) dir=$OPTARG ;;
	*) echo "usage: $0 [-m wpfault.ko] [-d dir] [test...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
tests=$*
if [ -z "$tests" ]; then
	for f in "$dir"/wpfault_*; do
		case $f in *.c|*.h|*.sh) continue ;; esac
		[ -f "$f" ] && [ -x "$f" ] && tests="$tests ${f##*/}"
	done
fi

pass=0
fail=0
n=0
check() { # description, then a command that must succeed
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n $desc"
		pass=$((pass + 1))
	else
		echo "not ok $n $desc"
		fail=$((fail + 1))
	fi
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
check "module loads and creates /dev/wpfault" load
[ -e /dev/wpfault ] || { echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"; exit 1; }

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
echo "1..$n"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ $fail = 0 ]
