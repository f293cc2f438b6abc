#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs wpfault's kselftests the way CI labs run a kselftest tarball: its
# run_kselftest.sh runs the wpfault collection, and every TAP result,
# nested ones included, becomes a line "name result" (pass, fail or skip)
# in OUTPUT/result.txt for send-to-lava.sh.  Two more results: whether
# the wpfault module is installed for the running kernel (by the deploy's
# modules, or CONFIG_TEST_WPFAULT=m), and whether dmesg stayed free of
# kernel reports (scripts/kernel-reports.ere, as for the project's own VM
# runs).  A POSIX shell and busybox are enough.
#
#   wpfault-kselftest.sh [-p KSELFTEST_PATH] [-u KSELFTEST_URL]
#                        [-t TIMEOUT_SECONDS] [-o OUTPUT]

path=/opt/kselftests
url=
timeout=
out=./output
while getopts p:u:t:o: opt; do
	case $opt in
	p) path=$OPTARG ;;
	u) url=$OPTARG ;;
	t) timeout=$OPTARG ;;
	o) out=$OPTARG ;;
	*) echo "usage: $0 [-p PATH] [-u URL] [-t SECONDS] [-o OUTPUT]" >&2
	   exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
result=$out/result.txt
log=$out/kselftest.txt
: >"$result"

report() { # name result
	echo "$1 $2" >>"$result"
}

if [ -n "$url" ]; then
	mkdir -p "$path"
	if ! wget -q -O - "$url" | tar -xzf - -C "$path"; then
		echo "cannot fetch the kselftest tarball from $url" >&2
		report kselftest-tarball fail
		exit 0
	fi
fi
if [ ! -x "$path/run_kselftest.sh" ]; then
	echo "no run_kselftest.sh in $path: install the kselftest tarball there" >&2
	report kselftest-tarball fail
	exit 0
fi

if modinfo wpfault >/dev/null 2>&1; then
	report wpfault-module-installed pass
else
	echo "no wpfault module for $(uname -r): deploy it with the modules" >&2
	report wpfault-module-installed fail
fi

dmesg -c >/dev/null
(
	cd "$path" && ./run_kselftest.sh -c wpfault ${timeout:+-o "$timeout"}
	echo "# run_kselftest.sh exit status $?"
) 2>&1 | tee "$log"

# Lines "ok N desc" and "not ok N desc", under one "# " per level of
# nesting.  wpfault.sh says "# running PROG" before each program and
# reports it as "selftest PROG" after: results in between are PROG's and
# are named PROG.desc.  Names keep only what LAVA accepts in a test case
# name, and lose the directive (# SKIP, # XFAIL...).
awk '
function name(s) {
	gsub(/[^A-Za-z0-9._-]+/, "_", s)
	gsub(/^_+|_+$/, "", s)
	return s
}
{
	line = $0
	depth = 0
	while (sub(/^# /, "", line))
		depth++
}
line ~ /^running wpfault/ && depth >= 1 {
	prog = line
	sub(/^running /, "", prog)
	next
}
line ~ /^(not )?ok [0-9]+ / {
	res = "pass"
	if (line ~ /^not ok/)
		res = "fail"
	desc = line
	sub(/^(not )?ok [0-9]+ /, "", desc)
	if (match(desc, /#[ ]*(SKIP|XFAIL|TODO|TIMEOUT)/)) {
		if (substr(desc, RSTART) ~ /^#[ ]*SKIP/)
			res = "skip"
		why = substr(desc, RSTART + RLENGTH)
		desc = substr(desc, 1, RSTART - 1)
		# kselftest.h skips as "ok N # SKIP name: reason".
		if (desc ~ /^[ ]*$/) {
			desc = why
			sub(/:.*/, "", desc)
		}
	}
	if (depth == 0) {
		print name(desc), res
	} else if (desc ~ /^selftest / || prog == "") {
		print "wpfault.sh." name(desc), res
		prog = ""
	} else {
		print prog "." name(desc), res
	}
}' "$log" >>"$result"

reports=$(dmesg | grep -E -f "$here/../../scripts/kernel-reports.ere")
if [ -z "$reports" ]; then
	report kernel-reports-none pass
else
	echo "the kernel reported a bug during the selftests:"
	dmesg
	report kernel-reports-none fail
fi
