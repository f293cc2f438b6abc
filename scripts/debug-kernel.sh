#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds a debug kernel (KASAN, lockdep, DEBUG_VM, kmemleak, fault
# injection; scripts/debug.config and debug-ARCH.config) from a Debian
# linux-source tarball, with the fixes in patches/debug-kernel/ applied,
# for x86-64 or, cross-compiled, arm64 or riscv64:
#   debug-kernel.sh bookworm [amd64|arm64]   linux-source-6.12 of this
#                                            Debian release
#   debug-kernel.sh sid [amd64|arm64|riscv64]  the newest linux-source of
#                                            Debian unstable, read through
#                                            a private apt state, never
#                                            installed system-wide
# The result is cached in $WPFAULT_CACHE/debug-kernels/<source>-<arch>-<hash
# of the config fragments, the patches and the recipe version>/ (vmlinuz, and build ->
# the built tree for external modules) and linked as
# $WPFAULT_CACHE/kernels/debug-<suite>-<arch>.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: debug-kernel.sh bookworm|sid [amd64|arm64|riscv64]}
arch=${2:-amd64}
fragments=("$WPFAULT_ROOT/scripts/debug.config"
	"$WPFAULT_ROOT/scripts/debug-$arch.config")
[[ -f ${fragments[1]} ]] || die "no debug kernel config for arch '$arch'"
patches=("$WPFAULT_ROOT"/patches/debug-kernel/*.patch)
# Bump when the build steps below change what gets built.
recipe=3
export CCACHE_DIR=$WPFAULT_CACHE/ccache

sid_apt() {
	local state=$WPFAULT_CACHE/sid-apt
	mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
	[[ -f $state/sources.list ]] ||
		echo "deb http://deb.debian.org/debian sid main" >"$state/sources.list"
	"$@" -o Dir::Etc::SourceList="$state/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$state/lists" \
		-o Dir::Cache="$state/cache" -o APT::Sandbox::User=root \
		-o APT::Architecture=amd64 -o APT::Architectures=amd64
}

# Sets src_pkg, src_ver and tarball.
case $suite in
bookworm)
	src_pkg=linux-source-6.12
	src_ver=$(dpkg-query -W -f='${Version}' $src_pkg)
	tarball=/usr/src/linux-source-6.12.tar.xz
	;;
sid)
	log "reading Debian unstable's package lists (private apt state)"
	sid_apt apt-get update -qq
	src_pkg=$(sid_apt apt-cache pkgnames linux-source- |
		grep -E '^linux-source-[0-9]+\.[0-9]+$' | sort -V | tail -n 1)
	[[ -n $src_pkg ]] || die "no linux-source package in Debian unstable"
	src_ver=$(sid_apt apt-cache show "$src_pkg" |
		sed -n 's/^Version: //p' | sort -V | tail -n 1)
	debs=$WPFAULT_CACHE/sid-apt/debs/$src_pkg-$src_ver
	if [[ ! -f $debs/.done ]]; then
		rm -rf "$debs" && mkdir -p "$debs" && chmod 755 "$debs"
		(cd "$debs" && sid_apt apt-get download -qq "$src_pkg=$src_ver")
		dpkg -x "$debs"/*.deb "$debs/x"
		touch "$debs/.done"
	fi
	tarball=$(ls "$debs"/x/usr/src/linux-source-*.tar.xz)
	;;
*) die "unknown suite '$suite' (bookworm or sid)" ;;
esac

key=$( (cat "${fragments[@]}" "${patches[@]}"; echo "recipe $recipe") |
	sha256sum | cut -c1-12)
dir=$WPFAULT_CACHE/debug-kernels/$src_pkg-$src_ver-$arch-$key
link=$WPFAULT_CACHE/kernels/debug-$suite-$arch
mkdir -p "$WPFAULT_CACHE/kernels"
if [[ -f $dir/.done ]]; then
	ln -sfn "$dir" "$link"
	exit 0
fi

log "building the $arch debug kernel from $src_pkg $src_ver (a few minutes)"
rm -rf "$dir" && mkdir -p "$dir/linux"
tar -xJf "$tarball" -C "$dir/linux" --strip-components=1
cd "$dir/linux"
for p in "${patches[@]}"; do
	patch -s -p1 <"$p" || die "${p##*/} does not apply to $src_pkg $src_ver"
done

# MAPPING_DIRTY_HELPERS and MMU_NOTIFIER have no prompt (only drivers and
# KVM select them): give them one in this test tree, rather than pull in a
# DRM driver or KVM to select them.
for opt in MAPPING_DIRTY_HELPERS MMU_NOTIFIER; do
	sed -i "/^config $opt\$/{n;s/^\([[:space:]]*\)bool\$/\1bool \"$opt (wpfault test kernel)\"/}" mm/Kconfig
	grep -A1 "^config $opt\$" mm/Kconfig | grep -q 'bool "' ||
		die "could not give $opt a prompt in mm/Kconfig"
done

read -r -a cross <<<"$(cross_env "$arch")"
case $arch in
amd64) image=bzImage image_path=arch/x86/boot/bzImage cc=gcc ;;
arm64) image=Image image_path=arch/arm64/boot/Image
	cc=aarch64-linux-gnu-gcc ;;
riscv64) image=Image image_path=arch/riscv/boot/Image
	cc=riscv64-linux-gnu-gcc ;;
*) die "unknown arch '$arch' (amd64, arm64 or riscv64)" ;;
esac
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
cp "$image_path" "$dir/vmlinuz"
ln -sfn "$dir/linux" "$dir/build"
touch "$dir/.done"
ln -sfn "$dir" "$link"
log "debug kernel ready: $link"
