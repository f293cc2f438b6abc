#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds a debug kernel (KASAN, lockdep, DEBUG_VM, kmemleak, fault
# injection; scripts/debug.config and debug-ARCH.config) from a Debian
# linux-source tarball, with the fixes in patches/debug-kernel/ (and in
# its subdirectory for the kernel series, for a stable series) applied,
# for x86-64 or, cross-compiled, arm64 or riscv64:
#   debug-kernel.sh bookworm [amd64|arm64]   linux-source-6.12 of this
#                                            Debian release
#   debug-kernel.sh sid [amd64|arm64|riscv64]  the newest linux-source of
#                                            Debian unstable, read through
#                                            a private apt state, never
#                                            installed system-wide
#   debug-kernel.sh SUITE ARCH intree        the same with wpfault's in-tree
#                                            series (upstream.sh) instead
#                                            of patches/debug-kernel/, and
#                                            CONFIG_TEST_WPFAULT=m
# The result is cached in $WPFAULT_CACHE/debug-kernels/<source>-<arch>-<hash
# of the config fragments, the patches and the recipe version>/ (vmlinuz, and build ->
# the built tree for external modules) and linked as
# $WPFAULT_CACHE/kernels/debug-<suite>-<arch> (intree-<suite>-<arch>).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: debug-kernel.sh bookworm|sid [amd64|arm64|riscv64]}
arch=${2:-amd64}
fragments=("$WPFAULT_ROOT/scripts/debug.config"
	"$WPFAULT_ROOT/scripts/debug-$arch.config")
[[ -f ${fragments[1]} ]] || die "no debug kernel config for arch '$arch'"
form=${3:-debug}
case $form in
debug) tag= ;;
intree) tag=-intree
	fragments+=("$WPFAULT_ROOT/scripts/debug-intree.config") ;;
*) die "unknown form '$form' (debug or intree)" ;;
esac
# Bump when the build steps below change what gets built.
recipe=4
export CCACHE_DIR=$WPFAULT_CACHE/ccache

# Sets src_pkg, src_ver and tarball.
case $suite in
bookworm)
	src_pkg=linux-source-6.12
	src_ver=$(dpkg-query -W -f='${Version}' $src_pkg)
	tarball=/usr/src/linux-source-6.12.tar.xz
	;;
sid) sid_linux_source ;;
*) die "unknown suite '$suite' (bookworm or sid)" ;;
esac
# The fixes for every kernel, then those for this kernel series' stable
# releases alone (patches/debug-kernel/6.12/...), which mainline does not
# need.
patches=("$WPFAULT_ROOT"/patches/debug-kernel/*.patch)
stable=$WPFAULT_ROOT/patches/debug-kernel/${src_pkg#linux-source-}
for p in "$stable"/*.patch; do
	if [[ -f $p ]]; then
		patches+=("$p")
	fi
done

# What the build depends on: the fragments, the patches' diffs (not their
# messages) and the recipe; in-tree, also every file the module is made
# of.  The selftests are not: build.sh puts the current ones in the tree.
in_series() {
	[[ $form == intree ]] || return 0
	git -C "$WPFAULT_ROOT" ls-files -z Kbuild module include \
		scripts/upstream.sh | (cd "$WPFAULT_ROOT" && xargs -0 cat)
}
key=$( (cat "${fragments[@]}"; sed -n '/^--- a\//,$p' "${patches[@]}"
	in_series; echo "recipe $recipe") | sha256sum | cut -c1-12)
dir=$WPFAULT_CACHE/debug-kernels/$src_pkg-$src_ver-$arch$tag-$key
link=$WPFAULT_CACHE/kernels/$form-$suite-$arch
mkdir -p "$WPFAULT_CACHE/kernels"
if [[ -f $dir/.done ]]; then
	ln -sfn "$dir" "$link"
	exit 0
fi

log "building the $arch $form kernel from $src_pkg $src_ver (a few minutes)"
rm -rf "$dir" && mkdir -p "$dir/linux"
tar -xJf "$tarball" -C "$dir/linux" --strip-components=1
if [[ $form == intree ]]; then
	# The series begins with the fixes of patches/debug-kernel/.
	"$WPFAULT_ROOT/scripts/upstream.sh" "$dir/linux" "$dir/series"
	patches=("$dir"/series/0[0-9][0-9][1-9]-*.patch)
fi
cd "$dir/linux"
for p in "${patches[@]}"; do
	patch -s -p1 <"$p" || die "${p##*/} does not apply to $src_pkg $src_ver"
done

# MAPPING_DIRTY_HELPERS and MMU_NOTIFIER have no prompt (only drivers and
# KVM select them): give them one in this test tree, rather than pull in a
# DRM driver or KVM to select them.  In-tree, CONFIG_TEST_WPFAULT selects
# them.
if [[ $form == debug ]]; then
	for opt in MAPPING_DIRTY_HELPERS MMU_NOTIFIER; do
		sed -i "/^config $opt\$/{n;s/^\([[:space:]]*\)bool\$/\1bool \"$opt (wpfault test kernel)\"/}" mm/Kconfig
		grep -A1 "^config $opt\$" mm/Kconfig | grep -q 'bool "' ||
			die "could not give $opt a prompt in mm/Kconfig"
	done
fi

read -r -a cross <<<"$(cross_env "$arch")"
case $arch in
amd64) image=bzImage image_path=arch/x86/boot/bzImage ;;
arm64) image=Image image_path=arch/arm64/boot/Image ;;
riscv64) image=Image image_path=arch/riscv/boot/Image ;;
*) die "unknown arch '$arch' (amd64, arm64 or riscv64)" ;;
esac
cc=$(cross_cc "$arch")
command -v ccache >/dev/null && cc="ccache $cc"

make -s "${cross[@]}" tinyconfig >/dev/null
env "${cross[@]}" scripts/kconfig/merge_config.sh -m .config \
	"${fragments[@]}" >/dev/null
make -s "${cross[@]}" olddefconfig >/dev/null
# Every option as the last fragment that names it wants it: an arch's
# fragment may turn off what its arch cannot have.
declare -A want from
for fragment in "${fragments[@]}"; do
	while read -r line; do
		case $line in
		CONFIG_*=*) opt=${line%%=*} ;;
		"# CONFIG_"*" is not set") opt=${line#"# "} opt=${opt%% *} ;;
		*) continue ;;
		esac
		want[$opt]=$line from[$opt]=${fragment##*/}
	done <"$fragment"
done
missing=0
for opt in "${!want[@]}"; do
	case ${want[$opt]} in
	# Off, or not offered at all.
	"# "*) grep -q "^$opt=" .config && stuck=0 || stuck=1 ;;
	*) grep -qxF "${want[$opt]}" .config && stuck=1 || stuck=0 ;;
	esac
	if ((!stuck)); then
		echo "${from[$opt]}: '${want[$opt]}' did not stick" >&2
		missing=1
	fi
done
((missing == 0)) || die "the debug kernel config lacks options (see above)"

# External modules need Module.symvers, which only `make modules` writes.
if ! make -j"$(nproc)" "${cross[@]}" CC="$cc" "$image" modules_prepare \
	modules >"$dir/build.log" 2>&1; then
	tail -n 50 "$dir/build.log" >&2
	die "the debug kernel failed to build (log: $dir/build.log)"
fi
# The in-tree module's objects again with W=1, as every build of it: no
# warning.  Its wpfault.ko stays the one the kernel's build linked.
if [[ $form == intree ]]; then
	if ! make -j"$(nproc)" "${cross[@]}" CC="$cc" W=1 lib/wpfault/ \
		>"$dir/module-w1.log" 2>&1 ||
		grep -E 'warning:|error:' "$dir/module-w1.log" >&2; then
		die "the in-tree module does not build cleanly with W=1 (log: $dir/module-w1.log)"
	fi
fi
cp "$image_path" "$dir/vmlinuz"
ln -sfn "$dir/linux" "$dir/build"
touch "$dir/.done"
ln -sfn "$dir" "$link"
# Builds of this kernel from other sources, fragments or patches are stale.
for old in "$WPFAULT_CACHE/debug-kernels/$src_pkg"-*; do
	[[ $old != "$dir" && ${old##*/} =~ ^$src_pkg-.*-$arch$tag-[0-9a-f]{12}$ ]] &&
		rm -rf "$old"
done
log "$form kernel ready: $link"
