#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The two ways to install on a running kernel, against the Debian 6.1
# and 6.12 amd64 headers of the matrix: a dkms build from dkms.conf at the
# top, in a private dkms tree (no system-wide registration), and
# "make install" into a staging root, whose modules.dep must list the
# module.  Fails if either fails.
#   dkms-check.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

version=$(sed -nE 's/^PACKAGE_VERSION="(.*)"$/\1/p' "$WPFAULT_ROOT/dkms.conf")
[[ -n $version ]] || die "no PACKAGE_VERSION in dkms.conf"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src/wpfault-$version
mkdir -p "$src" "$tmp/tree"
# What a source package or "git archive" would put in /usr/src.
cp -r "$WPFAULT_ROOT"/{Kbuild,dkms.conf,module,include} "$src/"
dkms=(dkms --dkmstree "$tmp/tree" --sourcetree "$tmp/src" -m wpfault
	-v "$version")
"${dkms[@]}" add >"$tmp/log" 2>&1 || { cat "$tmp/log"; die "dkms add failed"; }
for cfg in x86_64-6.1 x86_64-6.12; do
	config_lookup "$cfg"
	kdir=$(readlink -f "$CFG_KERNEL/build")
	kver=${kdir##*/linux-headers-}
	if ! "${dkms[@]}" build -k "$kver" --kernelsourcedir "$kdir" \
		>"$tmp/log" 2>&1; then
		cat "$tmp/log" "$tmp"/tree/wpfault/"$version"/build/make.log 2>/dev/null
		die "dkms build against $kver failed"
	fi
	ko=$tmp/tree/wpfault/$version/$kver/x86_64/module/wpfault.ko
	[[ -f $ko ]] || die "dkms build against $kver left no wpfault.ko"
	log "dkms build of wpfault $version against $kver: ok"
done

# make install, from a copy: the build writes next to the sources.
inst=$tmp/install
mkdir -p "$inst"
cp -r "$WPFAULT_ROOT"/{Makefile,Kbuild,module,include,selftests} "$inst/"
config_lookup x86_64-6.12
if ! make -s -C "$inst" install KDIR="$CFG_KERNEL/build" \
	INSTALL_MOD_PATH="$tmp/root" >"$tmp/log" 2>&1; then
	cat "$tmp/log"
	die "make install failed"
fi
grep -qs '^updates/wpfault\.ko' "$tmp"/root/lib/modules/*/modules.dep ||
	die "make install: wpfault is not in modules.dep"
log "make install into a staging root: ok"
