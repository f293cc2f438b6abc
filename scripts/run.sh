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

# The counter table, each counter with its meaning from the uapi header:
# the same-line comment of its enumerator in enum wpfault_stat.
header=$WPFAULT_ROOT/include/uapi/linux/wpfault.h
echo
echo "wpfault counters in $cfg after the selftests (/sys/kernel/debug/wpfault/stats):"
awk -v hdr="$header" '
	BEGIN {
		while ((getline line < hdr) > 0) {
			if (line ~ /^enum wpfault_stat \{/)
				in_enum = 1
			else if (line ~ /^\}/)
				in_enum = 0
			else if (in_enum && match(line,
				 /WPFAULT_STAT_[A-Z_]+,[ \t]*\/\* .* \*\//)) {
				split(substr(line, RSTART, RLENGTH), f,
				      /,[ \t]*\/\* | \*\//)
				meaning[tolower(substr(f[1], 14))] = f[2]
			}
		}
		close(hdr)
		printf "  %-20s %12s  %s\n", "counter", "value", "meaning"
	}
	{ sub(/\r$/, "") }
	/^#   [a-z_]+ +[0-9]+$/ {
		printf "  %-20s %12s  %s\n", $2, $3,
		       ($2 in meaning) ? meaning[$2] : "?"
	}' <(sed -n '/^WPFAULT-BEGIN/,/^WPFAULT-RC/p' "$WPFAULT_ROOT/build/$cfg/serial.log")
exit $rc
