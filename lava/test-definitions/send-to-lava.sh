#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Reports each "name result" line of FILE as a LAVA test case.  Outside
# LAVA, where lava-test-case does not exist, prints the lines instead.
#
#   send-to-lava.sh FILE

file=${1:?usage: send-to-lava.sh FILE}
while read -r name result; do
	if command -v lava-test-case >/dev/null; then
		lava-test-case "$name" --result "$result"
	else
		echo "$name: $result"
	fi
done <"$file"
