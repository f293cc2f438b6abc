# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the wpfault test scripts: KTAP results numbered in order, the
# totals line, and the skip of a whole script where the module is not
# loaded.

ksft_skip=4
n=0
failed=0
skipped=0

# Ends the script, skipped, unless wpfault.ko is loaded.
need_module() {
	[ -e /dev/wpfault ] && return 0
	echo "1..0 # SKIP /dev/wpfault missing: wpfault.ko is not loaded"
	exit $ksft_skip
}

result() { # status description
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

skip() { # description reason
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
	skipped=$((skipped + 1))
}

totals() {
	echo "# Totals: pass:$((n - failed - skipped)) fail:$failed xfail:0" \
		"xpass:0 skip:$skipped error:0"
}
