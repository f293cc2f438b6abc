#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's call graph, from its built objects: an edge a -> b for each
# file a.c that uses a non-static symbol b.c defines.  Prints the graph
# ordered from the top (main) down, and fails if it has a cycle: the
# layering in docs/design.md says which way each edge may go.
#   callgraph.sh DIR      DIR holds module/*.o of a build
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=${1:?usage: callgraph.sh DIR}/module
shopt -s nullglob
objs=("$dir"/*.o)
((${#objs[@]})) || die "no objects in $dir: build the module first"

declare -A owner
for o in "${objs[@]}"; do
	f=$(basename "$o" .o)
	while read -r sym; do
		owner[$sym]=$f
	done < <(nm --defined-only "$o" | awk '$2 ~ /^[A-Z]$/ { print $3 }')
done

edges=$(for o in "${objs[@]}"; do
	f=$(basename "$o" .o)
	nm --undefined-only "$o" | awk '{ print $2 }' | while read -r sym; do
		to=${owner[$sym]:-}
		if [[ -n $to && $to != "$f" ]]; then
			echo "$f $to"
		fi
	done
done | sort -u)

# Files with no edge at all still belong in the order.
nodes=$(for o in "${objs[@]}"; do b=$(basename "$o" .o); echo "$b $b"; done)
order=$(printf '%s\n%s\n' "$edges" "$nodes" | tsort 2>"$dir/tsort.err") ||
	true
if [[ -s $dir/tsort.err ]]; then
	# tsort names the files of each cycle it breaks.
	cat "$dir/tsort.err" >&2
	die "the module's call graph has a cycle"
fi
for f in $order; do
	printf '%-14s -> %s\n' "$f.c" \
		"$(awk -v f="$f" '$1 == f { printf "%s.c ", $2 }' <<<"$edges")"
done
