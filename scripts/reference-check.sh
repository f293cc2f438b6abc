#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The tree speaks to readers who have only the tree, and the uapi header
# is the one reference of the ABI.  Fails, naming each finding, if:
#  - a file cites a mailing-list thread by a number of its own instead of
#    its subject, or names a tracker issue or a numbered invariant (the
#    fuzzers' random seeds are numbers too, and are fine);
#  - an ioctl is missing from the header's errno table;
#  - a counter lacks its one-line meaning (make run prints it) or its name.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$WPFAULT_ROOT"
status=0
uapi=include/uapi/linux/wpfault.h

# Written so that this file does not match itself.
refs='\bseeds? 0[0]?[0-9]\b|shared/seed[s]|\b[i]ssues? #?[0-9]+\b|\b[i]nvariants? [0-9]+\b'
if git ls-files -z | xargs -0 grep -nEiI "$refs" -- 2>/dev/null; then
	log "cite threads by subject, author and date, and say what an issue or invariant is"
	status=1
fi

# The errno table is the header's opening comment.
table=$(sed -n '1,/^#ifndef/p' "$uapi")
for ioc in $(sed -n 's/^#define \(WPFAULT_IOC_[A-Z_]*\) .*/\1/p;
		      s/^#define \(WPFAULT_IOC_[A-Z_]*\)$/\1/p' "$uapi"); do
	[[ $ioc == WPFAULT_IOC_MAGIC ]] && continue
	if ! grep -qw "$ioc" <<<"$table"; then
		log "$uapi: $ioc is missing from the errno table"
		status=1
	fi
done

while read -r line; do
	stat=$(sed -n 's/^[[:space:]]*\(WPFAULT_STAT_[A-Z_]*\),.*/\1/p' <<<"$line")
	[[ -z $stat ]] && continue
	if ! grep -qE '/\* .+ \*/' <<<"$line"; then
		log "$uapi: $stat has no one-line meaning"
		status=1
	fi
	if ! grep -q "\[$stat\] = \"" "$uapi"; then
		log "$uapi: $stat has no name in WPFAULT_STAT_NAMES"
		status=1
	fi
done < <(sed -n '/^enum wpfault_stat {/,/^};/p' "$uapi")
((status == 0)) && log "references: clean"
exit $status
