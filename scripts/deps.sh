#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs (idempotently) everything the build and the test VMs need:
# toolchains, qemu, busybox, sparse, linux-source (for the kselftest harness
# and checkpatch) and the Debian kernel images and headers of the matrix.
# Nothing of it is system-wide except Debian packages of this suite; kernel
# images and per-arch headers are extracted into $WPFAULT_CACHE.
#
# usage: deps.sh [--lava] [--no-builds] [CONFIG...]
#   CONFIG       default: every configuration of the matrix
#   --lava       also Debian's LAVA dispatcher, for make lava (lava.sh)
#   --no-builds  everything but the kernels built from source, whose
#                source is downloaded only: check.sh builds them later,
#                beside the VMs of the others
set -euo pipefail
. "$(dirname "$0")/lib.sh"

lava= builds=1
while [[ ${1:-} == --* ]]; do
	case $1 in
	--lava) lava=1 ;;
	--no-builds) builds= ;;
	*) die "unknown option $1" ;;
	esac
	shift
done

[[ $(id -u) == 0 ]] || die "deps.sh installs packages and must run as root"

apt_updated=
apt_update() {
	[[ -n $apt_updated ]] && return
	log "apt-get update"
	apt-get update -qq
	apt_updated=1
}

packages=(build-essential bc bison flex libelf-dev libssl-dev cpio gzip
	xz-utils kmod ccache qemu-system-x86 qemu-system-arm gcc-aarch64-linux-gnu
	libc6-dev-arm64-cross busybox-static sparse linux-source-6.12
	xfsprogs e2fsprogs stress-ng patch dkms rsync unifdef git linux-perf
	trace-cmd lava-common python3-jinja2)

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	log "adding the arm64 architecture (for arm64 kernel and busybox downloads)"
	dpkg --add-architecture arm64
	apt_updated= ; apt_update
fi

# Installs those of the packages named that are not installed yet.
install_missing() { # package...
	local -a missing=()
	local p
	for p; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	apt_update
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

install_missing "${packages[@]}"

# The kselftest harness and runner, and checkpatch, taken from
# linux-source at build time; keyed by the package version and the list,
# so that an upgrade or a new file re-extracts.
src_ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
ksrc=$WPFAULT_CACHE/ksrc/$src_ver
ksrc_files=(tools/testing/selftests/{kselftest_harness.h,kselftest.h}
	tools/testing/selftests/{run_kselftest.sh,kselftest/}
	scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch})
if [[ $(cat "$ksrc/.done" 2>/dev/null) != "${ksrc_files[*]}" ]]; then
	log "extracting kselftest harness and checkpatch from linux-source-6.12"
	# Made aside and moved in, for builds that use the old one meanwhile.
	rm -rf "$ksrc.new" && mkdir -p "$ksrc.new"
	tarball=$(ls /usr/src/linux-source-6.12.tar.xz)
	top=$({ tar -tJf "$tarball" || true; } | head -n 1 | cut -d/ -f1)
	tar -xJf "$tarball" -C "$ksrc.new" --strip-components=1 \
		"${ksrc_files[@]/#/$top/}"
	echo "${ksrc_files[*]}" >"$ksrc.new/.done"
	rm -rf "$ksrc" && mv "$ksrc.new" "$ksrc"
fi
ln -sfn "$ksrc" "$WPFAULT_CACHE/ksrc/current"

fetch_deb() { # package destdir
	local tmp
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$1" \
		>/dev/null) ||
		{ rm -rf "$tmp"; return 1; }
	mv "$tmp"/*.deb "$2/"
	rmdir "$tmp"
}

# make lava: the dispatcher, without its recommends (a tftp and an NFS
# server, lxc...), which serve lab devices; and lava-server's device-type
# templates, from its package, unpacked and not installed: a device
# dictionary is rendered from them, and the server itself (a database, a
# web application) is not needed to run a job.
if [[ -n $lava ]]; then
	install_missing lava-dispatcher
	lava_ver=$(apt-cache show --no-all-versions lava-server |
		sed -n 's/^Version: //p')
	lava_dir=$WPFAULT_CACHE/lava-server/$lava_ver
	if [[ ! -f $lava_dir/.done ]]; then
		log "unpacking lava-server $lava_ver's device types"
		rm -rf "$lava_dir" && mkdir -p "$lava_dir/deb"
		fetch_deb lava-server "$lava_dir/deb" ||
			die "cannot download lava-server"
		dpkg-deb -x "$lava_dir"/deb/lava-server_*.deb "$lava_dir/root"
		mv "$lava_dir/root/usr/share/lava-server/device-types" "$lava_dir/"
		rm -rf "$lava_dir/deb" "$lava_dir/root"
		touch "$lava_dir/.done"
	fi
	ln -sfn "$lava_dir" "$WPFAULT_CACHE/lava-server/current"
fi

# The host packages a kernel headers package needs, from its Depends: the
# common headers its Makefile includes by absolute path (-common, or
# -common-rt for the RT flavour), and the linux-kbuild whose host tools its
# relative scripts/ and tools/ links point into. For an arm64 headers
# package these are the amd64 (or arch all) packages of the same names.
headers_host_deps() { # headers.deb
	dpkg-deb -f "$1" Depends | tr ',' '\n' |
		sed -nE 's/^ *(linux-(headers-[^ ]+-common(-rt)?|kbuild-[^ ]+)).*/\1/p'
}

# From a kernel's packages (linux-image; from 7.x on, the linux-binary and
# linux-modules packages it is split into) into DIR: vmlinuz; modules/,
# hwpoison-inject, for memory errors on pages no one maps; fs-modules/,
# ext4 and brd with what ext4 needs, for the fault benchmark's ext4 row
# (vm-run.sh mounts an ext4 image on /dev/ram0), listed in load order in
# ORDER.  Modules are uncompressed, for busybox's insmod; a kernel that
# lacks one (names change across versions) leaves the test that needs it
# skipped.
fs_modules=(crc16 crc32c_generic libcrc32c mbcache jbd2 ext4 brd)
unpack_image() { # dir deb...
	local dir=$1 tmp deb m f
	local -a want=('*vmlinuz*' '*/hwpoison-inject.ko*')
	shift
	for m in "${fs_modules[@]}"; do
		want+=("*/$m.ko*")
	done
	tmp=$(mktemp -d)
	for deb; do
		# Each package holds some of them: tar fails on the others.
		dpkg --fsys-tarfile "$deb" |
			tar -x -C "$tmp" --wildcards "${want[@]}" 2>/dev/null || true
	done
	f=$(find "$tmp" -name 'vmlinuz*' -type f | head -n 1)
	[[ -n $f ]] || die "no vmlinuz in ${*##*/}"
	cp "$f" "$dir/vmlinuz"
	mkdir -p "$dir/modules" "$dir/fs-modules"
	for m in hwpoison-inject "${fs_modules[@]}"; do
		f=$(find "$tmp" -name "$m.ko*" | head -n 1)
		if [[ -z $f ]]; then
			log "no $m module in ${*##*/}"
			continue
		fi
		if [[ $m == hwpoison-inject ]]; then
			uncompress_module "$f" "$dir/modules/$m.ko"
		else
			uncompress_module "$f" "$dir/fs-modules/$m.ko"
			echo "$m" >>"$dir/fs-modules/ORDER"
		fi
	done
	rm -rf "$tmp"
}

uncompress_module() { # module dest
	case $1 in
	*.ko) cp "$1" "$2" ;;
	*.ko.xz) xz -dc "$1" >"$2" ;;
	*) die "cannot decompress ${1##*/}" ;;
	esac
}

install_kernel() { # series flavour arch
	local series=$1 flavour=$2 arch=$3 abi dir debs img hdrs hdr kb pkgs p
	local stamp
	apt_update_if_unresolved "$series" "$flavour"
	abi=$(deb_kernel_abi "$series" "$flavour")
	[[ -n $abi ]] ||
		die "no Debian $series $flavour kernel found in apt's lists"
	dir=$(kernel_dir "$series" "$flavour")
	# What is extracted, with the version: a new item re-extracts.
	stamp="$abi vmlinuz headers hwpoison-inject ext4-brd"
	if [[ -f $dir/.done && $(cat "$dir/.done") == "$stamp" ]]; then
		return
	fi
	log "fetching Debian kernel $abi-$flavour"
	rm -rf "$dir" && mkdir -p "$dir/debs"
	debs=$dir/debs
	img=linux-image-$abi-$flavour
	fetch_deb "$img-unsigned:$arch" "$debs" ||
		fetch_deb "$img:$arch" "$debs" || die "cannot download $img"
	fetch_deb "linux-headers-$abi-$flavour:$arch" "$debs" ||
		die "cannot download linux-headers-$abi-$flavour"
	hdrs=$(ls "$debs"/linux-headers-*.deb)
	mapfile -t pkgs < <(headers_host_deps "$hdrs")
	kb=
	for p in "${pkgs[@]}"; do
		[[ $p == linux-kbuild-* ]] && kb=$p
	done
	[[ ${#pkgs[@]} == 2 && -n $kb ]] ||
		die "unexpected dependencies of ${hdrs##*/}: ${pkgs[*]}"
	install_missing "${pkgs[@]}"
	unpack_image "$dir" "$debs"/linux-image-*.deb
	dpkg -x "$hdrs" "$dir/root"
	hdr=$dir/root/usr/src/linux-headers-$abi-$flavour
	for l in scripts tools; do
		ln -sfn "/usr/lib/$kb/$l" "$hdr/$l"
	done
	ln -sfn "$hdr" "$dir/build"
	rm -rf "$debs"
	echo "$stamp" >"$dir/.done"
}

# Debian unstable's stock kernels (series sid).  Debian 12 can build no
# module for them: their linux-kbuild host tools need glibc 2.38, and
# their configuration holds what gcc 16 can do (-fmin-function-alignment,
# counted_by, pahole 1.32's BTF).  So their modules are built in a root of
# Debian unstable (debootstrap), where apt installs the headers with the
# compiler and host tools they name, as on a machine that runs them.
sid_root_ready() {
	[[ -f $sid_root/.done ]] && return
	install_missing debootstrap
	log "debootstrapping Debian unstable into $sid_root"
	rm -rf "$sid_root"
	debootstrap --variant=minbase sid "$sid_root" \
		http://deb.debian.org/debian >/dev/null
	# The host's apt reaches the archive: the same settings do in there.
	{
		apt-config dump | grep -E \
			'^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy) ' ||
			true
		echo 'APT::Sandbox::User "root";'
		echo 'Dpkg::Use-Pty "0";'
	} >"$sid_root/etc/apt/apt.conf.d/99wpfault-host"
	in_sid_root dpkg --add-architecture arm64
	in_sid_root apt-get update -qq
	touch "$sid_root/.done"
}

install_sid_kernel() { # flavour arch
	local flavour=$1 arch=$2 abi dir img
	sid_root_ready
	abi=$(in_sid_root apt-cache pkgnames linux-headers- |
		sed -nE "s/^linux-headers-([0-9][^ ]*\+deb[0-9]+)-$flavour\$/\1/p" |
		sort -V | tail -n 1)
	[[ -n $abi ]] || die "no linux-headers-*-$flavour in Debian unstable"
	dir=$(kernel_dir sid "$flavour")
	[[ -f $dir/.done && $(cat "$dir/.done") == "$abi" ]] && return
	log "fetching Debian unstable's kernel $abi-$flavour"
	img=linux-image-$abi-$flavour
	in_sid_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends make "linux-headers-$abi-$flavour:$arch" \
		>/dev/null
	rm -rf "$dir" "$sid_root/tmp/debs" && mkdir -p "$dir" "$sid_root/tmp/debs"
	# 7.x splits the image into its binary and its modules.
	in_sid_root sh -c 'cd /tmp/debs && {
		apt-get download -qq "$1-binary$2" "$1-modules$2" ||
		apt-get download -qq "$1-image$2"; } >/dev/null 2>&1' sh \
		linux "-$abi-$flavour:$arch" || die "cannot download $img"
	unpack_image "$dir" "$sid_root"/tmp/debs/*.deb
	rm -rf "$sid_root/tmp/debs"
	ln -sfn "$sid_root/usr/src/linux-headers-$abi-$flavour" "$dir/build"
	echo "$abi" >"$dir/.done"
}

apt_update_if_unresolved() { # series flavour
	[[ -n $(deb_kernel_abi "$1" "$2") ]] || apt_update
}

busybox_arm64() {
	local dir=$WPFAULT_CACHE/busybox/arm64 tmp
	[[ -x $dir/busybox ]] && return
	log "fetching busybox-static for arm64"
	apt_update
	tmp=$(mktemp -d)
	fetch_deb busybox-static:arm64 "$tmp"
	dpkg -x "$tmp"/*.deb "$tmp/x"
	mkdir -p "$dir"
	cp "$tmp/x/bin/busybox" "$dir/busybox"
	rm -rf "$tmp"
}

# What a riscv64 guest needs: the cross compiler and C library for the
# selftests, qemu with OpenSBI, and busybox, which Debian 12 does not build
# for riscv64 (it has no such release architecture): unstable's, through
# its root.
riscv64_deps() {
	local dir=$WPFAULT_CACHE/busybox/riscv64 tmp=$sid_root/tmp/busybox
	install_missing gcc-riscv64-linux-gnu libc6-dev-riscv64-cross \
		qemu-system-misc opensbi
	[[ -x $dir/busybox ]] && return
	sid_root_ready
	log "fetching busybox-static for riscv64 from Debian unstable"
	if ! in_sid_root dpkg --print-foreign-architectures | grep -qx riscv64
	then
		in_sid_root dpkg --add-architecture riscv64
		in_sid_root apt-get update -qq
	fi
	rm -rf "$tmp" && mkdir -p "$tmp" "$dir"
	in_sid_root sh -c 'cd /tmp/busybox && apt-get download -qq \
		busybox-static:riscv64 >/dev/null' ||
		die "cannot download busybox-static:riscv64"
	dpkg -x "$tmp"/*.deb "$tmp/x"
	# /usr/bin in unstable (merged /usr), /bin before.
	cp "$(find "$tmp/x" -path "*/bin/busybox" -type f | head -n 1)" "$dir/busybox"
	rm -rf "$tmp"
}

# xfs_io and stress-ng for a foreign guest (wpfault_tools.sh): the guest
# architecture's packages of them and of every library they need, extracted
# into a sysroot, and the list of files the guest needs (binaries, libraries
# by soname, the loader), which vm-run.sh copies into the initramfs.  arm64
# packages come from the host's Debian 12; riscv64 ones from unstable, through
# its root, since Debian 12 has no riscv64.  A library missing from the
# sysroot is in a direct Depends of the package that holds the file needing
# it (dpkg-shlibdeps puts it there): those are fetched, and the search goes on.
tools_foreign() { # arch
	local arch=$1 dir=$WPFAULT_CACHE/tools/$1 triplet root elf so found
	local owner
	local -a todo deps
	[[ -f $dir/.done ]] && return
	case $arch in
	arm64) triplet=aarch64-linux-gnu ;;
	riscv64) triplet=riscv64-linux-gnu ;;
	esac
	log "fetching xfs_io and stress-ng for $arch, with their libraries"
	[[ $arch == arm64 ]] && apt_update
	rm -rf "$dir" && mkdir -p "$dir/debs" "$dir/contents"
	root=$dir/root
	foreign_debs "$arch" "$dir" xfsprogs stress-ng
	# Merged /usr (unstable): the loader the binaries name is under /lib.
	[[ -e $root/lib ]] || ln -s usr/lib "$root/lib"
	todo=(usr/sbin/xfs_io usr/bin/stress-ng)
	printf '%s\n' "${todo[@]}" >"$dir/files"
	while ((${#todo[@]})); do
		elf=${todo[0]}
		todo=("${todo[@]:1}")
		readelf -l "$root/$elf" |
			sed -n 's/.*interpreter: \/\(.*\)\]$/\1/p' >>"$dir/files"
		for so in $(readelf -d "$root/$elf" |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
			found=$(find_foreign_lib "$root" "$triplet" "$so")
			if [[ -z $found ]]; then
				owner=$(grep -lxF "./$elf" "$dir"/contents/* | head -n 1)
				[[ -n $owner ]] || die "no $arch package holds $elf"
				mapfile -t deps < <(foreign_depends "$arch" "${owner##*/}")
				foreign_debs "$arch" "$dir" "${deps[@]}"
				found=$(find_foreign_lib "$root" "$triplet" "$so")
				[[ -n $found ]] ||
					die "no Depends of ${owner##*/} ($arch) has $so"
			fi
			grep -qxF "$found" "$dir/files" && continue
			echo "$found" >>"$dir/files"
			todo+=("$found")
		done
	done
	rm -rf "$dir/debs"
	sort -u -o "$dir/files" "$dir/files"
	touch "$dir/.done"
}

find_foreign_lib() { # root triplet soname
	(cd "$1" && find usr/lib lib -name "$3" -path "*/$2/*" -print -quit \
		2>/dev/null)
}

# The packages ARCH's PACKAGE depends on directly, by name.
foreign_depends() { # arch package
	local -a cmd=(apt-cache depends --no-recommends --no-suggests
		--no-conflicts --no-breaks --no-replaces --no-enhances "$2:$1")
	if [[ $1 == riscv64 ]]; then
		in_sid_root "${cmd[@]}"
	else
		"${cmd[@]}"
	fi | sed -n "s/^  Depends: \([^<:]*\):$1\$/\1/p"
}

# Fetches ARCH's PACKAGEs not fetched yet into DIR/debs, extracts them into
# DIR/root and records what each holds in DIR/contents.
foreign_debs() { # arch dir package...
	local arch=$1 dir=$2 pkg deb tmp
	shift 2
	for pkg; do
		[[ -f $dir/contents/$pkg ]] && continue
		rm -f "$dir"/debs/*.deb
		if [[ $arch == riscv64 ]]; then
			tmp=$sid_root/tmp/foreign-deb
			rm -rf "$tmp" && mkdir -p "$tmp"
			in_sid_root sh -c "cd /tmp/foreign-deb &&
				apt-get download -qq $pkg:$arch >/dev/null" ||
				die "cannot download $pkg:$arch"
			mv "$tmp"/*.deb "$dir/debs/"
			rmdir "$tmp"
		else
			fetch_deb "$pkg:$arch" "$dir/debs" ||
				die "cannot download $pkg:$arch"
		fi
		deb=$(echo "$dir"/debs/*.deb)
		dpkg -x "$deb" "$dir/root"
		dpkg-deb -c "$deb" | awk '{ print $6 }' >"$dir/contents/$pkg"
	done
}

# Your own kernel: what it must have to boot the runner at all (an
# initramfs, a serial console, loadable modules, debugfs), and what the
# tests need that it lacks (selftests/config), said before it boots.
check_custom_kernel() {
	local cfgfile=$KDIR/.config console opt missing=() lacking=()
	case $CFG_ARCH in
	amd64) console=CONFIG_SERIAL_8250_CONSOLE ;;
	arm64) console=CONFIG_SERIAL_AMBA_PL011_CONSOLE ;;
	esac
	for opt in CONFIG_MODULES CONFIG_MODULE_UNLOAD CONFIG_BLK_DEV_INITRD \
		CONFIG_RD_GZIP CONFIG_DEVTMPFS CONFIG_PROC_FS CONFIG_SYSFS \
		CONFIG_TMPFS CONFIG_DEBUG_FS "$console"; do
		grep -q "^$opt=y" "$cfgfile" || missing+=("$opt")
	done
	((${#missing[@]} == 0)) ||
		die "your kernel cannot run the suite: KDIR=$KDIR lacks ${missing[*]}"
	[[ -f $KDIR/Module.symvers ]] ||
		die "KDIR=$KDIR has no Module.symvers: build its modules first (make modules)"
	while read -r opt; do
		grep -q "^${opt%%=*}=[ym]" "$cfgfile" || lacking+=("${opt%%=*}")
	done < <(grep '^CONFIG_' "$WPFAULT_ROOT/selftests/config")
	if ((${#lacking[@]})); then
		log "your kernel lacks ${lacking[*]}: the tests that need them SKIP and say why (selftests/config)"
	fi
	log "your kernel: $KERNEL, built in $KDIR ($CFG_ARCH, $CFG_FLAVOUR)"
}

configs=("$@")
((${#configs[@]})) || mapfile -t configs < <(wpfault_configs | cut -d' ' -f1)
for c in "${configs[@]}"; do
	config_lookup "$c"
	# The cross compiler first: a riscv64 debug kernel needs it.
	[[ $CFG_ARCH == riscv64 ]] && riscv64_deps
	case $CFG_SERIES in
	custom) check_custom_kernel ;;
	debug-* | intree-*)
		if [[ -n $builds ]]; then
			"$WPFAULT_ROOT/scripts/debug-kernel.sh" \
				"${CFG_SERIES#*-}" "$CFG_ARCH" "${CFG_SERIES%%-*}"
		elif [[ $CFG_SERIES == *-sid ]]; then
			sid_linux_source
		fi ;;
	sid) install_sid_kernel "$CFG_FLAVOUR" "$CFG_ARCH" ;;
	*) install_kernel "$CFG_SERIES" "$CFG_FLAVOUR" "$CFG_ARCH" ;;
	esac
	[[ $CFG_ARCH == arm64 ]] && busybox_arm64
	[[ $CFG_ARCH == amd64 ]] || tools_foreign "$CFG_ARCH"
done
log "dependencies ready in $WPFAULT_CACHE"
