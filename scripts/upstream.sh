#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Writes wpfault's in-tree form for the kernel tree KSRC as a patch series
# (git format-patch output, with a cover letter) in OUTDIR:
#
#   first, the kernel fixes of patches/debug-kernel/, as they are;
#   then lib/wpfault/: the module, CONFIG_TEST_WPFAULT in
#        lib/Kconfig.debug, a MAINTAINERS entry and the ioctl code in
#        ioctl-number.rst;
#   last, tools/testing/selftests/wpfault/: the selftests as a kselftest
#        target.
#
#   upstream.sh [KSRC [OUTDIR]]
#
# KSRC defaults to the newest linux-source of Debian unstable, as released;
# OUTDIR to build/upstream.
#
# The in-tree source is made from this repository's by these mechanical
# steps, and nothing else:
#  - module/compat.h's WPF_HAVE_* macros, which Kbuild sets by looking in
#    the headers it builds against, are resolved by the same looks into
#    KSRC (the lines of ../Kbuild), and unifdef removes the branches the
#    target does not take.  CONFIG_TEST_WPFAULT selects
#    MAPPING_DIRTY_HELPERS and MMU_NOTIFIER, so the branch for a kernel
#    without them goes too.  compat.h's opening comment is replaced by one
#    for the in-tree file.
#  - The uapi header becomes the private lib/wpfault/wpfault_uapi.h, as
#    lib/test_hmm_uapi.h is for the HMM test: the module includes it by
#    that name, the selftests as <lib/wpfault/wpfault_uapi.h>.
#  - Kbuild's object list becomes lib/wpfault/Makefile; the selftests'
#    Makefile loses its out-of-tree branch (standalone.mk) and takes the
#    uapi header from the tree.
# The author and Signed-off-by are git's user.name and user.email, or
# this repository's newest commit's author where those are not set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ksrc=${1:-}
[[ -n $ksrc ]] || ksrc=$(sid_pristine_tree)
ksrc=$(realpath "$ksrc")
outdir=$(realpath -m "${2:-$WPFAULT_ROOT/build/upstream}")
command -v unifdef >/dev/null || die "no unifdef: apt-get install unifdef"
[[ -f $ksrc/mm/pagewalk.c && -f $ksrc/lib/Kconfig.debug ]] ||
	die "$ksrc is not a kernel tree"
cd "$WPFAULT_ROOT"

name=$(git config user.name || git log -1 --format=%an)
email=$(git config user.email || git log -1 --format=%ae)
ident="$name <$email>"

# -D or -U for each WPF_HAVE_* macro, decided on KSRC as Kbuild decides on
# the tree it builds against.  A Module.symvers export is, in a source
# tree, an EXPORT_SYMBOL of the same name.
probe_flags() {
	local file re macro
	while IFS=, read -r file re macro; do
		if grep -qsE "$re" "$ksrc/include/linux/$file"; then
			echo "-D$macro"
		else
			echo "-U$macro"
		fi
	done < <(sed -n 's/^ccflags-y += $(call wpf_has,\(.*\))$/\1/p' Kbuild)
	if [[ -f $ksrc/include/linux/folio_batch.h ]]; then
		echo -DWPF_HAVE_FOLIO_BATCH_H
	else
		echo -UWPF_HAVE_FOLIO_BATCH_H
	fi
	if grep -qE '^EXPORT_SYMBOL(_GPL)?\(vmf_insert_mixed_mkwrite\)' \
		"$ksrc/mm/memory.c"; then
		echo -DWPF_HAVE_MIXED_MKWRITE
	else
		echo -UWPF_HAVE_MIXED_MKWRITE
	fi
}
mapfile -t flags < <(probe_flags)
# Every macro Kbuild can set must have been decided here.
# (A here-string, not a pipe: grep -q's early exit would fail printf.)
decided=$(printf '%s\n' "${flags[@]}")
for macro in $(grep -o 'WPF_HAVE_[A-Z0-9_]*' Kbuild | sort -u); do
	grep -qx -- "-[DU]$macro" <<<"$decided" ||
		die "no in-tree rule for $macro (Kbuild): add it to upstream.sh"
done
flags+=(-DCONFIG_MAPPING_DIRTY_HELPERS -DCONFIG_MMU_NOTIFIER)

# unifdef exits 1 when it changed the file, 2 on trouble.
resolve() { # in out
	local rc=0
	unifdef "${flags[@]}" -o "$2" "$1" || rc=$?
	((rc < 2)) || die "unifdef failed on $1"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree=$work/tree
touched=(lib/Kconfig.debug lib/Makefile MAINTAINERS
	tools/testing/selftests/Makefile
	Documentation/userspace-api/ioctl/ioctl-number.rst)
# and those the kernel fixes change
mapfile -t -O ${#touched[@]} touched < <(sed -n 's|^+++ b/||p' \
	patches/debug-kernel/*.patch | sort -u)

# A repository holding only the files the series changes, as KSRC has
# them: the diffs are those of the whole tree.
mkdir -p "$tree"
for f in "${touched[@]}"; do
	[[ -f $ksrc/$f ]] || die "$ksrc has no $f"
	mkdir -p "$(dirname "$tree/$f")"
	cp "$ksrc/$f" "$tree/$f"
done
git_tree() {
	git -C "$tree" -c user.name="$name" -c user.email="$email" \
		-c core.autocrlf=false "$@"
}
git_tree init -q
git_tree add -A
git_tree commit -q -m base
git_tree tag base

# The message of a patches/debug-kernel/ file: its subject, then its body.
fix_message() { # patch
	sed -n 's/^Subject: \(\[PATCH\] \)\{0,1\}//p' "$1" | head -n 1
	echo
	sed -n '/^Subject: /,/^---$/p' "$1" | sed '1d;$d'
}

for p in patches/debug-kernel/*.patch; do
	git_tree apply "$WPFAULT_ROOT/$p" || die "$p does not apply to $ksrc"
	git_tree add -A
	fix_message "$p" | git_tree commit -q -s -F - --author="$ident"
done

# The module.
mod=$tree/lib/wpfault
mkdir -p "$mod"
for f in $(git ls-files 'module/*.[ch]'); do
	resolve "$f" "$work/resolved"
	sed 's|^#include <linux/wpfault.h>$|#include "wpfault_uapi.h"|' \
		"$work/resolved" >"$mod/${f#module/}"
done
# compat.h's opening comment, up to its first " */", for the one in-tree.
awk 'NR == 2 && /^\/\*$/ { skip = 1
	print "/*"
	print " * Helpers over kernel interfaces that the module calls in more than one"
	print " * place, so that each is used one way."
	print " */"
	next }
	skip && /^ \*\/$/ { skip = 0; next }
	!skip' "$mod/compat.h" >"$work/compat.h"
mv "$work/compat.h" "$mod/compat.h"
cp include/uapi/linux/wpfault.h "$mod/wpfault_uapi.h"
objs=$(sed -n '/^wpfault-y :=/,/[^\\]$/p' Kbuild |
	sed 's/^wpfault-y :=//; s/\\$//; s|module/||g' | xargs)
{
	echo "# SPDX-License-Identifier: GPL-2.0"
	echo "obj-\$(CONFIG_TEST_WPFAULT) += wpfault.o"
	echo "wpfault-y := $objs" | fold -s -w 72 | sed '2,$s/^/\t/; $!s/ *$/ \\/'
	echo "# define_trace.h includes trace.h again by TRACE_INCLUDE_PATH."
	echo "CFLAGS_trace.o := -I\$(src)"
} >"$mod/Makefile"

# CONFIG_TEST_WPFAULT after CONFIG_TEST_HMM, the other mm test module.
cat >"$work/kconfig" <<'KCONFIG'
config TEST_WPFAULT
	tristate "Test module for the kernel's write-fault paths"
	depends on MMU && DEBUG_FS
	select MAPPING_DIRTY_HELPERS
	select MMU_NOTIFIER
	help
	  A character device, /dev/wpfault, makes objects whose mappings
	  take write faults through ->page_mkwrite (page-cache objects),
	  ->pfn_mkwrite (pfn objects) or a copy-on-write policy, and counts
	  each fault and each page dirtied, written back or reported, exactly.
	  The selftests in tools/testing/selftests/wpfault load it.

	  If unsure, say N.

KCONFIG
awk -v f="$work/kconfig" '
	/^config TEST_HMM$/ { in_hmm = 1 }
	in_hmm && /^config / && !/TEST_HMM/ {
		while ((getline l < f) > 0) print l
		in_hmm = 0; done = 1 }
	{ print }
	END { if (!done) exit 1 }' "$tree/lib/Kconfig.debug" >"$work/k" ||
	die "no config TEST_HMM in $ksrc/lib/Kconfig.debug"
mv "$work/k" "$tree/lib/Kconfig.debug"
sed -i '/^obj-$(CONFIG_TEST_HMM) += test_hmm.o$/a obj-$(CONFIG_TEST_WPFAULT) += wpfault/' \
	"$tree/lib/Makefile"
grep -q CONFIG_TEST_WPFAULT "$tree/lib/Makefile" ||
	die "no CONFIG_TEST_HMM line in $ksrc/lib/Makefile"

# The MAINTAINERS entry, where its title sorts among the others'.
cat >"$work/maintainers" <<EOF
WPFAULT WRITE-FAULT TEST MODULE
M:	$ident
L:	linux-mm@kvack.org
S:	Maintained
F:	lib/wpfault/

EOF
# A title is a line after a blank one and before a field ("M:\t...").
awk -v f="$work/maintainers" -v title="WPFAULT WRITE-FAULT TEST MODULE" '
	{ line[NR] = $0 }
	END {
		for (i = 2; i < NR && !at; i++)
			if (line[i - 1] == "" && line[i + 1] ~ /^[A-Z]:\t/ &&
			    toupper(line[i]) > title)
				at = i
		if (!at)
			exit 1
		for (i = 1; i <= NR; i++) {
			if (i == at)
				while ((getline l < f) > 0)
					print l
			print line[i]
		}
	}' "$tree/MAINTAINERS" >"$work/m" ||
	die "cannot place the entry in $ksrc/MAINTAINERS"
mv "$work/m" "$tree/MAINTAINERS"

# The ioctl code, registered where the table's sorted hex codes pass it.
numbers=$tree/Documentation/userspace-api/ioctl/ioctl-number.rst
magic=$(sed -n 's/^#define WPFAULT_IOC_MAGIC[[:space:]]*0x\([0-9A-F]*\)$/\1/p' \
	"$WPFAULT_ROOT/include/uapi/linux/wpfault.h")
[[ -n $magic ]] || die "no WPFAULT_IOC_MAGIC in the uapi header"
! grep -q "^0x$magic " "$numbers" || die "ioctl code 0x$magic is taken in $ksrc"
awk -v code="$magic" '
	!done && /^0x[0-9A-F][0-9A-F] / && substr($1, 3) > code {
		printf "%-6s%-7s%-58s%s\n", "0x" code, "00-3F",
			"lib/wpfault/wpfault_uapi.h", "wpfault test module"
		printf "%71s%s\n", "", "<mailto:linux-mm@kvack.org>"
		done = 1
	}
	{ print }
	END { if (!done) exit 1 }' "$numbers" >"$work/n" ||
	die "cannot place ioctl code 0x$magic in $numbers"
mv "$work/n" "$numbers"

git_tree add -A
git_tree commit -q -s --author="$ident" -F - <<'MSG'
lib: add wpfault, a test module for the kernel's write-fault paths

The write-fault paths of shared file mappings carry rules that no test
checks from userspace today: a write through a clean pte must reach
->page_mkwrite before the pte becomes writable, a page cleaned for
writeback must fault again before it is written to, ->pfn_mkwrite must
see every first write to a VM_PFNMAP page after its ptes were
write-protected, and a copy-on-write fault may reuse a page only when
nothing else can see it.  A bug in any of these loses data silently: a
dirty bit dropped, a write not written back, a stale page shown.

wpfault makes objects, through ioctls on /dev/wpfault or files of its
own file system, whose mappings take these faults in a known way:

 - page-cache objects, with ->page_mkwrite, real writeback through
   their own backing device, large folios and a minimum folio order;
 - pfn objects (VM_PFNMAP), with ->pfn_mkwrite, PMD entries inserted by
   ->huge_fault, and three ways to learn of writes: write faults, the
   dirty bits of the ptes (wp_shared_mapping_range() and
   clean_record_shared_mapping_range()), or both;
 - copy-on-write objects, whose ->page_mkwrite decides by a policy
   (refcount, mapcount, exclusive, always copy) whether a block is
   reused in place or copied, with pins held through a closed object.

Every fault, page dirtied, written back, cleaned and reported is
counted, per object and module-wide, in debugfs and through an ioctl,
and traced.  The selftests assert these counts exactly.

The ioctl interface is private to the module and its selftests
(lib/wpfault/wpfault_uapi.h), as for the HMM test module.  Its code,
0xB9, is free and is registered in ioctl-number.rst.
MSG

# The selftests.
st=$tree/tools/testing/selftests/wpfault
mkdir -p "$st"
for f in $(git ls-files selftests | grep -v -e '^selftests/Makefile$' \
	-e '^selftests/standalone.mk$'); do
	sed 's|^#include <linux/wpfault.h>$|#include <lib/wpfault/wpfault_uapi.h>|' \
		"$f" >"$st/${f#selftests/}"
	[[ -x $f ]] && chmod +x "$st/${f#selftests/}"
done
printf '%s\n' CONFIG_RUNTIME_TESTING_MENU=y CONFIG_TEST_WPFAULT=m >>"$st/config"
sed -i '\|^F:\tlib/wpfault/$|a F:\ttools/testing/selftests/wpfault/' \
	"$tree/MAINTAINERS"
# The Makefile without its out-of-tree branch and uapi switch.
awk '
	/^# In a kernel tree this is lib.mk.s; out of one/ { skip_comment = 1; next }
	skip_comment && /^# / { next }
	{ skip_comment = 0 }
	/^WPFAULT_UAPI \?=/ { print "top := $(here)/../../../.."; next }
	/^ifneq \(\$\(wildcard \$\(CURDIR\)\/\.\.\/lib\.mk\),\)$/ { next }
	/^else$/ { skip = 1; next }
	skip && /^endif$/ { skip = 0; next }
	skip { next }
	{ gsub(/\$\(WPFAULT_UAPI\)\/linux\/wpfault\.h/, "$(top)/lib/wpfault/wpfault_uapi.h")
	  gsub(/-I\$\(WPFAULT_UAPI\)/, "-I$(top)")
	  print }' selftests/Makefile >"$st/Makefile"
sed -i '/^TARGETS += vfio$/a TARGETS += wpfault' \
	"$tree/tools/testing/selftests/Makefile"
grep -qx 'TARGETS += wpfault' "$tree/tools/testing/selftests/Makefile" ||
	die "no TARGETS += vfio in $ksrc/tools/testing/selftests/Makefile"

git_tree add -A
git_tree commit -q -s --author="$ident" -F - <<'MSG'
selftests: add wpfault, the write-fault tests of the wpfault test module

wpfault.sh loads the module (CONFIG_TEST_WPFAULT), runs each program
and prints the module's counters.  The programs use the kselftest
harness and assert exact counts, derived from the page size they run
with: faults taken by each path, pages dirtied, written back, cleaned
and reported, and the bytes read back, on page-cache, pfn and
copy-on-write objects.

They cover, among others, the lost-write races between a write fault
and a concurrent clean or collect, truncation and hole punching against
mapped pages, writeback with dirty limits, memory errors, fork and pins
on copy-on-write objects, PMD entries of pfn objects, large folios, and
a fuzzer of the ioctl interface and the file system.  wpfault_tools.sh
runs xfs_io and stress-ng on a wpfault mount where they are installed.
MSG

# The cover letter's subject and text; git fills in the list and stat.
rm -rf "$outdir"
mkdir -p "$outdir"
git_tree format-patch -q --cover-letter -o "$work/series" base
cover=$(ls "$work"/series/0000-*.patch)
awk '
	/\*\*\* SUBJECT HERE \*\*\*/ {
		sub(/\*\*\* SUBJECT HERE \*\*\*/, "wpfault: a test module and selftests for the write-fault paths") }
	/^\*\*\* BLURB HERE \*\*\*$/ {
		print "This series adds wpfault, a test module whose mappings take write faults"
		print "through ->page_mkwrite, ->pfn_mkwrite and copy-on-write policies in a"
		print "known way and count them exactly, and its selftests."
		print ""
		print "The first three patches fix what the tests found in the core:"
		print "walk_page_mapping() stops at the first vma its test rejects, so"
		print "wp_shared_mapping_range() misses every later shared mapping;"
		print "__do_fault() Oopses on a poisoned page a driver returns locked without"
		print "a mapping; and a truncation or hole punch on a mapping with a minimum"
		print "folio order drops, dirty data and all, a folio that its split left"
		print "across either end of the range."
		next }
	{ print }' "$cover" >"$work/cover" && mv "$work/cover" "$cover"
cp "$work"/series/*.patch "$outdir/"
log "the series for $ksrc is in $outdir:"
ls "$outdir" >&2
