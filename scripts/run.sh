#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job: install what is missing, build, boot the default VM
# (x86-64, Debian 6.12), run the selftests, and show the TAP results and a
# table of the module's debugfs counters.
#   run.sh [CONFIG]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cfg=${1:-$(wpfault_configs | head -n 1 | cut -d' ' -f1)}
"$WPFAULT_ROOT/scripts/deps.sh" "$cfg"
"$WPFAULT_ROOT/scripts/build.sh" "$cfg"
rc=0
"$WPFAULT_ROOT/scripts/vm-run.sh" "$cfg" || rc=$?

# The counter table, each counter with its meaning from the uapi header.
header=$WPFAULT_ROOT/include/uapi/linux/wpfault.h
echo
echo "wpfault counters in $cfg after the selftests (/sys/kernel/debug/wpfault/stats):"
awk -v hdr="$header" '
	BEGIN {
		while ((getline line < hdr) > 0)
			if (match(line, /WPFAULT_STAT_[A-Z_]+,[ \t]*\/\* .* \*\//)) {
				split(substr(line, RSTART), f, /,[ \t]*\/\* | \*\//)
				name = tolower(substr(f[1], 14))
				meaning[name] = f[2]
			}
		printf "  %-20s %12s  %s\n", "counter", "value", "meaning"
	}
	/^#   [a-z_]+ +[0-9]+$/ && !/WPFAULT/ {
		printf "  %-20s %12s  %s\n", $2, $3, meaning[$2]
	}' <(sed -n '/^WPFAULT-BEGIN/,/^WPFAULT-RC/p' "$WPFAULT_ROOT/build/$cfg/serial.log")
exit $rc
