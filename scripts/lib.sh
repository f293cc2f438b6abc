# SPDX-License-Identifier: GPL-2.0
# Shared by the scripts: where downloads live, how Debian kernel versions
# are resolved and what the test configurations are.

WPFAULT_CACHE=${WPFAULT_CACHE:-/var/cache/wpfault}
WPFAULT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { echo "wpfault: $*" >&2; exit 1; }
log() { echo "wpfault: $*" >&2; }

# Newest Debian ABI name of a kernel series with the given flavour, e.g.
# "6.1 amd64" -> "6.1.0-56", "6.12 arm64-16k" -> "6.12.117+deb12". Resolved
# from apt's lists, never hard-coded.
deb_kernel_abi() {
	local series=$1 flavour=$2 re
	case $series in
	6.1) re='6\.1\.0-[0-9]+' ;;
	6.12) re='6\.12\.[0-9]+\+deb12' ;;
	*) die "unknown Debian kernel series '$series'" ;;
	esac
	apt-cache pkgnames "linux-headers-$series" |
		sed -nE "s/^linux-headers-($re)-$flavour\$/\\1/p" |
		sort -V | tail -n 1
}

# The VM configurations: name series arch flavour cpu hwdirty profile.
#  series   a Debian kernel series (6.1, 6.12), sid for Debian unstable's
#           newest, debug-SUITE for the debug kernel built from that
#           suite's linux-source (debug-kernel.sh), or intree-SUITE for
#           that kernel with wpfault in its tree (upstream.sh), whose
#           module and selftests the VM runs
#  flavour  the Debian kernel flavour (amd64, arm64, arm64-16k, rt-amd64):
#           linux-image-ABI-FLAVOUR; for debug kernels, the arch
#  hwdirty  whether the CPU sets dirty bits in hardware (arm64:
#           FEAT_HAFDBS, which the run verifies in dmesg; riscv64: the
#           page-table walk updates A and D, as with Svadu, which the run
#           verifies by the stress test's probe); - on x86-64, which always
#           does
#  profile  quick or debug: how long the stress test and how many
#           load/unload cycles run
# The first one is the default VM of `make run`; the matrix of `make check`
# is every configuration but those marked "extra".
wpfault_all_configs() {
	cat <<'CFG'
x86_64-6.12 6.12 amd64 amd64 max - quick
x86_64-6.1 6.1 amd64 amd64 max - quick
x86_64-6.12-rt 6.12 amd64 rt-amd64 max - quick
arm64-6.12 6.12 arm64 arm64 max,pauth-impdef=on yes quick
arm64-6.1 6.1 arm64 arm64 max,pauth-impdef=on yes quick
arm64-6.12-16k 6.12 arm64 arm64-16k max,pauth-impdef=on yes quick
arm64-6.12-swdirty 6.12 arm64 arm64 cortex-a57 no quick
x86_64-debug debug-bookworm amd64 amd64 max - debug extra
x86_64-debug-newest debug-sid amd64 amd64 max - debug
arm64-debug debug-bookworm arm64 arm64 max,pauth-impdef=on yes debug
arm64-debug-newest debug-sid arm64 arm64 max,pauth-impdef=on yes debug extra
x86_64-sid sid amd64 amd64 max - quick extra
arm64-sid sid arm64 arm64 max,pauth-impdef=on yes quick extra
riscv64-debug-newest debug-sid riscv64 riscv64 rv64 yes debug extra
x86_64-intree-newest intree-sid amd64 amd64 max - debug extra
CFG
}

wpfault_configs() {
	wpfault_all_configs | grep -v ' extra$'
}

# "custom": the user's own kernel, KERNEL (its bzImage or Image) and KDIR
# (the tree it was built in), for WPFAULT_ARCH (x86_64 by default, or
# arm64; the Makefile's ARCH).  Its
# page size and preemption model come from KDIR/.config, and the run
# verifies them as for the matrix.  Linked into build/custom/kernel,
# laid out as a Debian kernel is in the cache.
custom_config() {
	local cfgfile
	[[ -n ${KERNEL:-} && -n ${KDIR:-} ]] ||
		die "your own kernel needs KERNEL=<bzImage or Image> and KDIR=<its build tree>"
	[[ -f $KERNEL ]] || die "KERNEL=$KERNEL: no such file"
	cfgfile=$KDIR/.config
	[[ -f $cfgfile ]] || die "KDIR=$KDIR has no .config: not a kernel build tree"
	case ${WPFAULT_ARCH:-x86_64} in
	x86_64 | x86 | amd64) CFG_ARCH=amd64 CFG_CPU=max ;;
	arm64 | aarch64) CFG_ARCH=arm64 CFG_CPU=max,pauth-impdef=on ;;
	*) die "ARCH=$WPFAULT_ARCH: wpfault runs x86_64 and arm64 kernels" ;;
	esac
	CFG_SERIES=custom CFG_HWDIRTY=- CFG_PROFILE=quick CFG_KASAN=n
	grep -q '^CONFIG_KASAN=y' "$cfgfile" && CFG_KASAN=y
	CFG_FLAVOUR=custom
	grep -q '^CONFIG_ARM64_16K_PAGES=y' "$cfgfile" && CFG_FLAVOUR=custom-16k
	grep -q '^CONFIG_ARM64_64K_PAGES=y' "$cfgfile" && CFG_FLAVOUR=custom-64k
	grep -q '^CONFIG_PREEMPT_RT=y' "$cfgfile" && CFG_FLAVOUR=rt-custom
	CFG_KERNEL=$WPFAULT_ROOT/build/custom/kernel
	rm -rf "$CFG_KERNEL"
	mkdir -p "$CFG_KERNEL/modules"
	ln -s "$(realpath "$KERNEL")" "$CFG_KERNEL/vmlinuz"
	ln -s "$(realpath "$KDIR")" "$CFG_KERNEL/build"
	if [[ -f $KDIR/mm/hwpoison-inject.ko ]]; then
		cp "$KDIR/mm/hwpoison-inject.ko" "$CFG_KERNEL/modules/"
	fi
}

# Looks a configuration up by name; sets CFG_SERIES, CFG_ARCH, CFG_FLAVOUR,
# CFG_CPU, CFG_HWDIRTY, CFG_PROFILE, CFG_KASAN and CFG_KERNEL (where its
# kernel is extracted or built).
config_lookup() {
	local name series arch flavour cpu hwdirty profile
	if [[ $1 == custom ]]; then
		custom_config
		return 0
	fi
	while read -r name series arch flavour cpu hwdirty profile _; do
		if [[ $name == "$1" ]]; then
			CFG_SERIES=$series CFG_ARCH=$arch CFG_FLAVOUR=$flavour
			CFG_CPU=$cpu CFG_HWDIRTY=$hwdirty CFG_PROFILE=$profile
			# The debug kernels have KASAN, Debian's do not.
			CFG_KASAN=n
			[[ $profile == debug ]] && CFG_KASAN=y
			CFG_KERNEL=$(kernel_dir "$series" "$flavour")
			return 0
		fi
	done < <(wpfault_all_configs)
	die "unknown configuration '$1' (known: $(wpfault_all_configs | cut -d' ' -f1 | xargs))"
}

# Copies the host program @2, its libraries and loader into root @1.
copy_host_tool() {
	local root=$1 bin f
	bin=$(command -v "$2") || die "no $2 on the host: run scripts/deps.sh"
	for f in "$bin" $(ldd "$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$root${f%/*}"
		cp -L "$f" "$root$f"
	done
}

# A new root in DIR for the test VMs of CFG_ARCH (config_lookup): busybox,
# and real tools for wpfault_tools.sh, dynamic binaries with their
# libraries: the host's on x86-64, the guest architecture's Debian
# packages elsewhere (deps.sh); on x86-64 also perf and trace-cmd, for
# wpfault_trace_tools.sh.
busybox_root() {
	local root=$1 bb tools f
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp}
	case $CFG_ARCH in
	amd64) bb=/bin/busybox ;;
	*) bb=$WPFAULT_CACHE/busybox/$CFG_ARCH/busybox ;;
	esac
	[[ -x $bb ]] || die "no busybox for $CFG_ARCH: run scripts/deps.sh"
	cp "$bb" "$root/bin/busybox"
	case $CFG_ARCH in
	amd64)
		copy_host_tool "$root" xfs_io
		copy_host_tool "$root" stress-ng
		copy_host_tool "$root" perf
		copy_host_tool "$root" trace-cmd ;;
	*)
		tools=$WPFAULT_CACHE/tools/$CFG_ARCH
		[[ -f $tools/.done ]] ||
			die "no $CFG_ARCH xfs_io and stress-ng: run scripts/deps.sh"
		while read -r f; do
			mkdir -p "$root/${f%/*}"
			cp -L "$tools/root/$f" "$root/$f"
		done <"$tools/files" ;;
	esac
}

# Copies what Kbuild needs for the module into DIR, so that builds for
# different kernels never share objects.
copy_module_sources() {
	mkdir -p "$1"
	cp -r "$WPFAULT_ROOT"/{Kbuild,module,include} "$1/"
}

# Debian unstable's root file system, where the modules for its stock
# kernels are built (deps.sh makes it).
sid_root=$WPFAULT_CACHE/sid-root

# Runs a command in that root, in a mount namespace of its own with /proc
# (objtool reads it) and with host directory SRC, if not empty, on /src:
# nothing stays mounted.
in_sid_root_with() { # SRC command...
	unshare --mount --fork -- sh -c '
		root=$0 src=$1
		shift
		mount -t proc proc "$root/proc" || exit
		if [ -n "$src" ]; then
			mkdir -p "$root/src" &&
				mount --bind "$src" "$root/src" || exit
		fi
		exec chroot "$root" "$@"' "$sid_root" "$@"
}

in_sid_root() { in_sid_root_with "" "$@"; }

# apt with a private state for Debian unstable: its lists and downloads
# stay in the cache, and nothing is installed system-wide.
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

# The newest linux-source of Debian unstable, downloaded once: sets
# src_pkg, src_ver and tarball.
sid_linux_source() {
	local debs read=$WPFAULT_CACHE/sid-apt/lists-read
	# Read again after six hours, not on every call: check.sh reads them
	# first, and then builds kernels and lints at once, which must not
	# both rewrite them.
	if [[ -z $(find "$read" -mmin -360 2>/dev/null) ]]; then
		log "reading Debian unstable's package lists (private apt state)"
		sid_apt apt-get update -qq
		touch "$read"
	fi
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
}

# The parts of that source the in-tree series is made from and checked
# with (upstream.sh, checkpatch), as released: prints the directory.
sid_pristine_tree() {
	local src_pkg src_ver tarball dir
	local -a parts=('*/include/*' '*/mm/*' '*/lib/*' '*/scripts/*'
		'*/MAINTAINERS' '*/tools/testing/selftests/Makefile'
		'*/Documentation/userspace-api/ioctl/ioctl-number.rst')
	sid_linux_source >&2
	dir=$WPFAULT_CACHE/ksrc/$src_pkg-$src_ver-pristine
	# Keyed by the parts, so that a new one re-extracts.
	if [[ $(cat "$dir/.done" 2>/dev/null) != "${parts[*]}" ]]; then
		rm -rf "$dir" && mkdir -p "$dir"
		tar -xJf "$tarball" -C "$dir" --strip-components=1 \
			--wildcards "${parts[@]}" >&2
		echo "${parts[*]}" >"$dir/.done"
	fi
	echo "$dir"
}

# Where the Debian kernel of a series and flavour is extracted, or the
# debug kernel of a suite and arch is linked.
kernel_dir() { echo "$WPFAULT_CACHE/kernels/$1-$2"; }

cross_env() {
	case $1 in
	amd64) echo "" ;;
	arm64) echo "ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-" ;;
	riscv64) echo "ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-" ;;
	*) die "unknown arch '$1'" ;;
	esac
}

# The C compiler for arch $1, for what is built outside Kbuild.
cross_cc() {
	case $1 in
	amd64) echo gcc ;;
	arm64) echo aarch64-linux-gnu-gcc ;;
	riscv64) echo riscv64-linux-gnu-gcc ;;
	*) die "unknown arch '$1'" ;;
	esac
}
