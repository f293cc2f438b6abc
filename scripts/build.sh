#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the module (W=1) and the selftests for one configuration of the
# matrix into build/<config>/, failing on any compiler warning.
#   build.sh CONFIG
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cfg=${1:?usage: build.sh CONFIG}
config_lookup "$cfg"
kdir=$CFG_KERNEL/build
[[ -d $kdir ]] || die "no kernel headers for $cfg in $kdir: run scripts/deps.sh $cfg"
out=$WPFAULT_ROOT/build/$cfg
mkdir -p "$out"

read -r -a cross <<<"$(cross_env "$CFG_ARCH")"
if [[ $CFG_SERIES == intree-* ]]; then
	# The kernel built the module.  The selftests are this tree's, put
	# in the kernel's tree as the series has them, and built by its
	# kselftest build, static for the VM's busybox root.
	tree=$(readlink -f "$kdir")
	log "building the in-tree selftests for $cfg"
	rm -rf "$out/kselftest" "$out/wpfault.ko" "$out/series"
	"$WPFAULT_ROOT/scripts/upstream.sh" "" "$out/series" \
		2>"$out/series.log" || { cat "$out/series.log" >&2; exit 1; }
	rm -rf "$tree/tools/testing/selftests/wpfault"
	(cd "$tree" && git apply --include='tools/testing/selftests/wpfault/*' \
		"$out"/series/*-selftests-add-wpfault-*.patch) ||
		die "$cfg: the series' selftests do not apply to $tree"
	if ! make -s -C "$tree/tools/testing/selftests" "${cross[@]}" \
		TARGETS=wpfault LDFLAGS=-static INSTALL_PATH="$out/kselftest" \
		install >"$out/build.log" 2>&1; then
		cat "$out/build.log" >&2
		die "$cfg: the in-tree selftests failed to build"
	fi
	if grep -E 'warning:' "$out/build.log" >&2; then
		die "$cfg: the in-tree selftests build has warnings"
	fi
	tar -czf "$out/kselftest.tar.gz" -C "$out/kselftest" .
	[[ $(modinfo -F intree "$tree/lib/wpfault/wpfault.ko") == Y ]] ||
		die "$cfg: $tree/lib/wpfault/wpfault.ko is not an in-tree build"
	cp "$tree/lib/wpfault/wpfault.ko" "$out/wpfault.ko"
	exit 0
fi
rm -rf "$out/src"
copy_module_sources "$out/src"
log "building wpfault.ko and the selftests for $cfg"
make_module=(make -s -C "$kdir" M="$out/src" W=1 "${cross[@]}" modules)
if [[ $CFG_SERIES == sid ]]; then
	# In Debian unstable's root, with the compiler its kernels name.
	kdir=$(readlink "$kdir")
	make_module=(in_sid_root_with "$out/src" make -s -C "${kdir#"$sid_root"}"
		M=/src W=1 "${cross[@]}" modules)
fi
if ! "${make_module[@]}" >"$out/build.log" 2>&1; then
	cat "$out/build.log" >&2
	die "$cfg: module build failed"
fi
cc=$(cross_cc "$CFG_ARCH")
# Packed as a kselftest install (make gen_tar): the VM runs that copy.
rm -rf "$out/kselftest"
if ! make -s -C "$WPFAULT_ROOT/selftests" OUTPUT="$out/selftests" \
	CC="$cc" INSTALL_PATH="$out/kselftest" \
	TAR_PATH="$out/kselftest.tar.gz" gen_tar >>"$out/build.log" 2>&1; then
	cat "$out/build.log" >&2
	die "$cfg: selftests build failed"
fi
if grep -E 'warning:' "$out/build.log" >&2; then
	die "$cfg: the build has warnings"
fi
cp "$out/src/wpfault.ko" "$out/wpfault.ko"
