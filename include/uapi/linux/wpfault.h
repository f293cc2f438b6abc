/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * wpfault: objects that exercise the kernel's write-fault paths, with exact
 * counters.  Each type of object learns of writes through its mappings in
 * its own way: a page-cache object (WPFAULT_TYPE_PAGECACHE) through
 * ->page_mkwrite; a pfn object (WPFAULT_TYPE_PFN) through ->pfn_mkwrite or
 * the dirty bits of its ptes, as its tracking method says; a copy-on-write
 * object (WPFAULT_TYPE_COW) through ->page_mkwrite, where its policy
 * decides whether a block is reused in place or copied.
 *
 * This header is the whole ABI: the module and the selftests share it.
 * Sizes and offsets are in bytes; ranges must be page aligned.
 *
 * Errors.  Under each call the errnos are listed in the order the module
 * checks them: the first check that fails gives the errno.  Errors the VFS
 * returns before a call reaches the module (EBADF, EACCES, ...) are not
 * listed.
 *
 *  WPFAULT_IOC_CREATE (on /dev/wpfault)
 *    EFAULT  bad argument pointer
 *    EINVAL  size is 0, unknown flags or type, a flag the type does not
 *            take, both write insert flags, min_folio_order 0 with
 *            WPFAULT_CREATE_MIN_FOLIO_ORDER or not 0 without it
 *    EFBIG   size larger than the largest file size (MAX_LFS_FILESIZE)
 *    EOPNOTSUPP  a flag the kernel cannot serve (see each flag)
 *    EINVAL  min_folio_order larger than the largest folio order the
 *            object may have (see "Large folios")
 *    EMFILE  no free file descriptor
 *    ENOMEM  out of memory
 *    EFAULT  the result cannot be written back; then no object and no fd
 *            are left
 *  WPFAULT_IOC_CLEAN, WPFAULT_IOC_DIRTY_BITMAP, WPFAULT_IOC_COLLECT (on an
 *  object fd)
 *    EFAULT  bad argument pointer
 *    EINVAL  non-zero reserved field, offset or length not page aligned,
 *            length 0
 *    EOVERFLOW  offset + length wraps around
 *    ENXIO   the range extends past the page that holds end of file
 *    ERANGE  (bitmap, collect) bitmap_size too small for the range
 *    EFAULT  (bitmap, collect) bad bitmap pointer: both zero the bitmap's
 *            words for the range before they look at a page, so collect
 *            then cleans nothing
 *    EINTR   a fatal signal arrived: the call stopped between two pages.
 *            The pages before that point are done (cleaned by clean, set
 *            in the bitmap by bitmap, both by collect), the rest
 *            untouched; the count is not written.  These calls reschedule
 *            as they go.
 *    EFAULT  the count cannot be written back; the pages are done all the
 *            same
 *  WPFAULT_IOC_READ_DISK (on an object fd)
 *    EFAULT  bad argument pointer
 *    EINVAL, EOVERFLOW, ENXIO  as for WPFAULT_IOC_CLEAN
 *    ERANGE  buf_size smaller than the range
 *    ENOMEM  out of memory
 *   then, a block at a time, the first of these to happen; the blocks
 *   before it are copied:
 *    EIO     the block is poisoned (a memory error hit it)
 *    EFAULT  bad buffer pointer
 *    EINTR   a fatal signal arrived
 *   and last:
 *    EFAULT  the count cannot be written back
 *  WPFAULT_IOC_SET_METHOD, WPFAULT_IOC_GET_METHOD (on an object fd)
 *    EFAULT  bad argument pointer
 *    EINVAL  non-zero reserved field, or (set) unknown method
 *    EOPNOTSUPP  (set) a method other than mkwrite on a copy-on-write
 *            object, or pagetable and adaptive on a page-cache or pfn
 *            object where the kernel lacks the helpers (flags say so)
 *    EFAULT  the result cannot be written back; a method set stays set
 *  WPFAULT_IOC_SNAPSHOT, WPFAULT_IOC_SET_POLICY, WPFAULT_IOC_GET_POLICY
 *  (on an object fd)
 *    EOPNOTSUPP  the object is not a copy-on-write object (before the
 *            argument is read)
 *    EFAULT  bad argument pointer
 *    EINVAL  non-zero reserved field, (snapshot) unknown flags, (set)
 *            unknown policy
 *    EMFILE, ENOMEM  (snapshot) as for WPFAULT_IOC_CREATE
 *    EFAULT  the result cannot be written back; then no snapshot and no fd
 *            are left, and a policy set stays set
 *  WPFAULT_IOC_PIN (on /dev/wpfault)
 *    EFAULT  bad argument pointer
 *    EINVAL  addr or length not page aligned, length 0, unknown flags,
 *            non-zero reserved field
 *    E2BIG   more than WPFAULT_PIN_MAX_PAGES pages
 *    EMFILE  no free file descriptor
 *    ENOMEM  out of memory, or past RLIMIT_MEMLOCK
 *   then, a batch of pages at a time, the first of these to happen
 *   (nothing stays pinned after it):
 *    EINTR   a fatal signal arrived
 *    EFAULT  the kernel refuses to pin the range (unmapped, VM_PFNMAP, or
 *            a writable long-term pin of a shared mapping that needs dirty
 *            tracking, from 6.5 on)
 *   and once every page is pinned:
 *    EHWPOISON  a page of the range is poisoned; nothing stays pinned
 *    EFAULT  the result cannot be written back; then nothing stays pinned
 *            and no fd is left
 *  WPFAULT_IOC_UNPIN (on a pin fd)
 *    EINVAL  nothing pinned any more
 *  pread(2) on a pin fd
 *    EIO     the page at the offset was poisoned since it was pinned (a
 *            read that copied bytes before that page returns those)
 *  WPFAULT_IOC_STATS (on /dev/wpfault or an object fd)
 *    EFAULT  bad argument pointer
 *    EINVAL  non-zero reserved field
 *    EFAULT  bad values pointer, or nr_stats cannot be written back
 *  An ioctl a file does not take: ENOTTY (an object's on /dev/wpfault,
 *  WPFAULT_IOC_CREATE or WPFAULT_IOC_PIN on an object, anything but
 *  WPFAULT_IOC_UNPIN on a pin fd, any other number).
 *  mmap of an object
 *    EINVAL  (pfn and copy-on-write objects) a MAP_PRIVATE mapping
 *    ENOMEM  (pfn objects) no memory to watch the mapping
 *  A mapping may extend past end of file; an access past the page that
 *  holds it gets SIGBUS (counted in sigbus_faults).
 *  read(2), write(2) of a page-cache object
 *    EIO     the page must be read back from a poisoned block; with
 *            O_DIRECT, a read of a poisoned block or a write of part of
 *            one (a call that moved bytes before it returns those)
 *  read(2), write(2), splice and open(O_DIRECT) on a pfn or copy-on-write
 *  object: EINVAL
 *  lseek(2) SEEK_DATA, SEEK_HOLE
 *    ENXIO   offset negative or at or past end of file; (SEEK_DATA) no
 *            data after it
 *  fsync(2) and friends (fdatasync(2), msync(2) MS_SYNC) of a page-cache
 *  object
 *    EIO     once (on each open file), after a dirty page was lost to a
 *            memory error
 *  fallocate(2) of an object
 *    EOPNOTSUPP  COLLAPSE_RANGE, INSERT_RANGE and any other mode than
 *            allocation (0, KEEP_SIZE), ZERO_RANGE and PUNCH_HOLE
 *    ENOSPC  an allocation (or ZERO_RANGE) of more pages than half the
 *            memory available, before anything changes
 *    ENOMEM, EINTR  out of memory, or a fatal signal, part way: the
 *            blocks allocated so far stay
 *  In a wpfault mount (mount -t wpfault none DIR)
 *    EPERM   link, symlink, mknod: regular files and directories only
 *    EINVAL  mount: any mount option
 *    EPERM   mount: from a user namespace
 *    EBUSY   umount: a file is open or mapped
 *  delete_module(2) (rmmod)
 *    EWOULDBLOCK  an object (fd or mapping), a mount, a pin fd, or
 *            /dev/wpfault is open
 *
 * A failed call leaves no trace: no object, fd, page or module reference.
 *
 * Memory errors: a block of an object's memory (the disk, and the pages
 * of pfn and copy-on-write objects) that a memory error poisoned is lost.
 * A fault that would map it gets SIGBUS (BUS_MCEERR_AR, counted in
 * poisoned_faults), and so does a fault on a page-cache page that would
 * be read back from it; read(2) of such a page gets EIO.  Entries mapped
 * before the error stay until a clean, fsync or truncation removes them:
 * the kernel cannot unmap pages it does not manage.  Writeback of a page
 * still cached replaces its poisoned block; truncation and hole punches
 * free one.  A snapshot shares a poisoned block and never copies it.
 */
#ifndef _UAPI_LINUX_WPFAULT_H
#define _UAPI_LINUX_WPFAULT_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define WPFAULT_DEVICE		"/dev/wpfault"
#define WPFAULT_IOC_MAGIC	0xB9

/* Close the new object fd on exec. */
#define WPFAULT_CREATE_CLOEXEC	(1U << 0)
/*
 * A pfn object (EINVAL for other types) that maps PMD-sized blocks with
 * one huge entry each, as DAX does, where it can; see "PMD entries"
 * below.  EOPNOTSUPP on a kernel without special huge pfn entries
 * (CONFIG_ARCH_SUPPORTS_PMD_PFNMAP, 6.12 on).
 */
#define WPFAULT_CREATE_PMD	(1U << 1)
/*
 * A page-cache object (EINVAL for other types) whose page cache holds
 * large folios; see "Large folios" below.  EOPNOTSUPP on a kernel that
 * cannot keep them smaller than a PMD (6.1) or has no large folios at
 * all (no transparent huge pages, as on PREEMPT_RT).
 */
#define WPFAULT_CREATE_LARGE_FOLIOS	(1U << 2)
/*
 * The same, and no folio of the page cache smaller than 2^min_folio_order
 * pages, as a file system whose blocks are larger than a page asks
 * (mapping_set_folio_min_order(), 6.12 on); see "Large folios" below.
 */
#define WPFAULT_CREATE_MIN_FOLIO_ORDER	(1U << 3)
/*
 * How a write fault maps a pfn object's block with a small entry (EINVAL
 * for other types, and for both flags at once); see "Write inserts"
 * below.  WPFAULT_CREATE_MKWRITE_INSERT is EOPNOTSUPP on a kernel that
 * does not export vmf_insert_mixed_mkwrite() (6.12 on).
 */
#define WPFAULT_CREATE_READONLY_INSERT	(1U << 4)
#define WPFAULT_CREATE_MKWRITE_INSERT	(1U << 5)
#define WPFAULT_CREATE_FLAGS	(WPFAULT_CREATE_CLOEXEC | \
				 WPFAULT_CREATE_PMD | \
				 WPFAULT_CREATE_LARGE_FOLIOS | \
				 WPFAULT_CREATE_MIN_FOLIO_ORDER | \
				 WPFAULT_CREATE_READONLY_INSERT | \
				 WPFAULT_CREATE_MKWRITE_INSERT)

/* What backs an object's pages. */
enum wpfault_type {
	WPFAULT_TYPE_PAGECACHE,	/* page cache, writes via ->page_mkwrite */
	WPFAULT_TYPE_PFN,	/* memory mapped by pfn, as DAX maps it */
	WPFAULT_TYPE_COW,	/* memory mapped as pages, with snapshots */
	WPFAULT_TYPE_NR
};

#define WPFAULT_TYPE_NAMES {						\
	[WPFAULT_TYPE_PAGECACHE] = "pagecache",				\
	[WPFAULT_TYPE_PFN] = "pfn",					\
	[WPFAULT_TYPE_COW] = "cow",					\
}

/**
 * struct wpfault_create - the argument of WPFAULT_IOC_CREATE
 * @size: in: the object's size in bytes, > 0 and at most MAX_LFS_FILESIZE.
 * @flags: in: WPFAULT_CREATE_* flags.
 * @type: in: what backs the object's pages, an &enum wpfault_type.
 * @id: out: the object's id, which names its debugfs directory
 *	/sys/kernel/debug/wpfault/<id>/.
 * @fd: out: the object's file descriptor.
 * @min_folio_order: in: with WPFAULT_CREATE_MIN_FOLIO_ORDER, the order of
 *	the smallest folio, > 0; else 0.
 *
 * The object lives as long as a file descriptor or a mapping holds it.
 */
struct wpfault_create {
	__u64 size;
	__u32 flags;
	__u32 type;
	__u64 id;
	__s32 fd;
	__u32 min_folio_order;
};

/*
 * PMD entries.  A pfn object created with WPFAULT_CREATE_PMD maps the
 * pages [k * N, (k + 1) * N) of the object, N = PMD size / page size,
 * with one huge entry when the fault's PMD-sized piece of the mapping
 * maps exactly them (the mapping's address, less its offset, a multiple
 * of the PMD size: mmap() without a hint picks such an address for a
 * mapping of at least a PMD), all N pages lie within end of file, and
 * their blocks are one aligned, physically contiguous run.  A write to a
 * piece whose pages are all holes allocates such a run, and so does
 * fallocate() of such a whole piece.  A read of a hole, a piece with
 * some blocks and not others (a page written through a small entry, a
 * punched one, fallocate() of part of it), or one whose run could not be
 * allocated goes to small entries (pmd_fallbacks).  A piece of a
 * mapping that has small entries keeps them: the kernel asks for no
 * huge entry there until the mapping goes.  MADV_NOHUGEPAGE keeps a
 * mapping to small entries.
 *
 * A huge entry is tracked whole: a write through it is a write to each of
 * its N pages, recorded when the entry is made writable (pmd_maps, or
 * pmd_upgrades for a read-only one made writable in place).  A clean or
 * fsync of any of its pages removes the entry, since the kernel's
 * write-protection helpers reject writable huge entries; the pages not
 * cleaned stay recorded.  So does everything the kernel does to part of
 * one (mprotect(), munmap(), MADV_DONTNEED): it removes the whole entry.
 * Such objects track by WPFAULT_METHOD_MKWRITE only (EOPNOTSUPP for the
 * others), and their cleans remove entries, small ones too, instead of
 * write-protecting them.
 */

/*
 * Write inserts.  A write fault on a pfn object's page that has no entry
 * maps the page's block (a new one for a hole) in one of three ways, the
 * PTE fault sequences of DAX before and after "mm: add
 * vm_insert_mixed_mkwrite()" (Ross Zwisler, Jan Kara, July 2017) and this
 * module's own:
 *
 *  default    a plain insert with the vma's writable protection
 *             (vmf_insert_pfn_prot()): one fault.  The entry starts
 *             clean; the CPU or the core sets its dirty bit as the
 *             retried write goes through.  A write to a read-only entry
 *             goes to ->pfn_mkwrite, which records it and leaves the
 *             upgrade to the core (core_upgrades).
 *  READONLY   a plain insert with the vma's read-only protection, as a
 *             read maps the block, and as DAX did before that thread:
 *             the retried write goes to ->pfn_mkwrite, two faults in
 *             all.  The write is recorded by the second.  (In
 *             WPFAULT_MODE_PAGETABLE, where reads map blocks writable,
 *             the first fault maps it writable too, and the dirty bit
 *             records the write.)
 *  MKWRITE    the kernel's mkwrite insert (vmf_insert_mixed_mkwrite()),
 *             as DAX since then: the entry is made writable, dirty and
 *             young at once, one fault; and ->pfn_mkwrite makes a
 *             read-only entry writable by the same insert, in place,
 *             instead of leaving it to the core.  Each such insert counts
 *             in mkwrite_inserts.  Only 6.1 of the supported kernels
 *             exports the function; later ones keep it for the built-in
 *             DAX code.
 *
 * A write to the zero page of a hole goes to ->pfn_mkwrite in each way,
 * which removes the zero page from every mapping and inserts the new
 * block as above: READONLY takes one more fault.  PMD entries
 * (WPFAULT_CREATE_PMD) are made by the mkwrite insert of huge entries
 * (vmf_insert_pfn_pmd() with write set) in each way.
 */

/*
 * Large folios.  A page-cache object created with
 * WPFAULT_CREATE_LARGE_FOLIOS asks, when a fault or a write(2) finds a
 * page uncached, for the largest folio of at most 2^folio_order pages
 * (debugfs wpfault/<id>/folio_order) that is aligned to its size, holds
 * the page and lies within end of file, and takes a smaller one where
 * the kernel gives no such folio.  folio_order is one less than the PMD
 * order, or the page cache's limit if that is lower: a PMD-sized folio
 * could be mapped by one huge entry, which the kernel's dirty helpers
 * reject when writable.  read(2) of an uncached page makes a folio of
 * the smallest order: the objects' file system does no readahead.
 *
 * The mount options large_folios and min_folio_order=N of a wpfault
 * file system give its files the same, with the same errors from
 * mount(2): EINVAL for an order of 0 or above folio_order, EOPNOTSUPP
 * where the kernel has no such folios.
 *
 * With WPFAULT_CREATE_MIN_FOLIO_ORDER, no folio is smaller than
 * 2^min_folio_order pages (debugfs min_folio_order), as in a file system
 * whose blocks are that large: a folio at end of file may reach past it,
 * and a truncation cannot split one below that size (it drops a clean
 * one whole, and keeps a dirty one, zeroed).  min_folio_order
 * may be at most folio_order.
 *
 * The kernel keeps one dirty flag per folio, and from 6.18 on a write
 * fault maps the whole folio writable at once ("mm/fault: Try to map the
 * entire file folio in finish_fault()", Kiryl Shutsemau, September
 * 2025).  So these objects track by the folio: a write through
 * ->page_mkwrite or write(2) records every page of its folio within end
 * of file, and a clean write-protects every page of each folio it
 * touches (the pages it does not clean stay recorded).  A collect may
 * thus report pages of a folio that were not written themselves; it
 * never misses a written one.  Such objects track by
 * WPFAULT_METHOD_MKWRITE only (EOPNOTSUPP for the others).  large_folios
 * counts the folios of more than one page filled from the disk.
 */

/**
 * struct wpfault_range - a page-aligned byte range of an object
 * @offset: the first byte, page aligned.
 * @length: the number of bytes, page aligned and > 0.
 *
 * The range may not wrap around (EOVERFLOW) nor extend past the page that
 * holds end of file (ENXIO).
 */
struct wpfault_range {
	__u64 offset;
	__u64 length;
};

/**
 * struct wpfault_clean - the argument of WPFAULT_IOC_CLEAN
 * @range: in: the pages to clean.
 * @pages_cleaned: out: how many pages of @range were written since the last
 *	clean of each: those this clean reported and cleaned.
 * @reserved: in: must be 0.
 *
 * Clears the written state of every page of @range and write-protects it
 * in every mapping, so that the next write to it is seen: copy-on-write
 * objects, and pfn objects in WPFAULT_MODE_UNMAP, remove its entries
 * instead, and pfn objects in WPFAULT_MODE_PAGETABLE harvest the dirty
 * bits first and leave the entries writable.  The kernel's dirty state is
 * left alone: data the disk lacks still reaches it.  See struct
 * wpfault_dirty_bitmap for what a clean guarantees.
 */
struct wpfault_clean {
	struct wpfault_range range;
	__u64 pages_cleaned;
	__u64 reserved;
};

/**
 * struct wpfault_dirty_bitmap - the argument of WPFAULT_IOC_DIRTY_BITMAP
 *	and WPFAULT_IOC_COLLECT
 * @range: in: the pages to report.
 * @bitmap: in: user pointer to an array of __u64 words.  Bit i (bit i % 64
 *	of word i / 64) is set when page (range.offset / page size + i) was
 *	written since the last clean of it.  The words that cover @range are
 *	written whole (bits past the range are 0); later words are untouched.
 * @bitmap_size: in: the size of that buffer in bytes: at least 8 bytes for
 *	each 64 pages of @range, rounded up (ERANGE).
 * @dirty_pages: out: the number of bits set.
 * @reserved: in: must be 0.
 *
 * WPFAULT_IOC_DIRTY_BITMAP reports which pages of @range were written since
 * the last clean (WPFAULT_IOC_CLEAN or WPFAULT_IOC_COLLECT) of each,
 * through a shared mapping of any object type, write(2), direct I/O, or a
 * kernel write through a page that GUP got (a write through a private
 * mapping goes to a copy, not to the object).  The caller is guaranteed
 * that:
 *
 *  - a page written after the last clean of it ended is always reported;
 *  - a page not written since the last clean of it began never is, except
 *    that a pfn object in pagetable mode may report a page whose ptes the
 *    kernel removed (see &enum wpfault_method), and a page that a clean
 *    finds pinned, and mapped writable until then, is reported by every
 *    clean while it stays pinned and by the first one after (the kernel
 *    writes through a pin without a fault);
 *  - a write that overlaps a clean may land on either side of it;
 *  - writeback, reclaim and migration do not change it;
 *  - truncation drops the bits of the pages it removes; a hole punch and
 *    fallocate's ZERO_RANGE keep them.
 *
 * WPFAULT_IOC_COLLECT takes the same argument: it reports the pages of
 * @range written since the last clean of each, and cleans them, atomically
 * per page.  A write that races with it is either in this bitmap or left
 * for the next call, never lost, as it can be between
 * WPFAULT_IOC_DIRTY_BITMAP and a later WPFAULT_IOC_CLEAN.  A bitmap word
 * that cannot be stored loses nothing either: its pages stay written for
 * the next call.  Its work follows the pages written since the last clean
 * (collect_visits), not the size of @range.
 *
 * WPFAULT_IOC_CLEAN, WPFAULT_IOC_DIRTY_BITMAP and WPFAULT_IOC_COLLECT
 * reschedule as they go and stop on a fatal signal between two pages
 * (EINTR): a huge range cannot hold a CPU or a dying task.
 */
struct wpfault_dirty_bitmap {
	struct wpfault_range range;
	__u64 bitmap;
	__u64 bitmap_size;
	__u64 dirty_pages;
	__u64 reserved;
};

/*
 * Counters, in this order; new ones are only ever appended, so a program
 * that knows fewer gets those it knows.  WPFAULT_IOC_STATS copies them out,
 * on /dev/wpfault the module-wide set, on an object its own; debugfs shows
 * them as "name value" lines (WPFAULT_STAT_NAMES), module-wide in
 * /sys/kernel/debug/wpfault/stats and per object in wpfault/<id>/stats.
 *
 * Gauges (pages_resident, objects_alive, disk_blocks, blocks_shared,
 * pins_held, pages_pinned) are current values.  The rest count events
 * since the object was created or, module-wide, since the module was
 * loaded; every event counts in its object and module-wide.  In an
 * object's set objects_alive is 1, and pins_held and pages_pinned, which
 * are module-wide only (a pin belongs to no object), are 0.  blocks_shared
 * is, per object, its blocks that another object also holds and,
 * module-wide, the blocks that more than one object holds.
 *
 * Two dirty states are kept apart.  pages_dirtied counts the pages the
 * written set records: a page written since the last clean of it, by any
 * fault path of any type, write(2), direct I/O, or a kernel write through
 * a page that GUP got; pages_cleaned the pages that CLEAN and COLLECT
 * found so and cleaned.  pages_accounted counts the kernel's own
 * clean-to-dirty transitions of a folio (/proc/vmstat nr_dirtied), which
 * only writeback undoes.  For a pfn object writeback_calls counts fsync
 * calls and pages_written_back the blocks written since the last fsync
 * that it flushed; a copy-on-write object counts neither.
 *
 * pages_reclaimed is derived: pages_allocated - pages_resident -
 * pages_truncated, the pages that left the page cache other than by
 * truncation (reclaim, drop_caches, a memory error).  It is exact while no
 * page is being added or truncated, and never below 0.  truncations
 * counts shrinking ftruncates and the hole punches and ZERO_RANGEs of
 * fallocate(2) that reach into the file; pages_truncated the page-cache
 * pages they drop, and those freed with their object.  mtime_updates
 * counts the write faults that moved the file's times; how many depends on
 * the clock's granularity, as two writes within one tick move them once.
 *
 * blocks_allocated counts the blocks allocated by faults of pfn and
 * copy-on-write objects, by copies (a copy-on-write decision, a snapshot's
 * eager copy, the zeroing of part of a shared block) and by fallocate(2)
 * of any object.  blocks_freed counts the blocks a pfn or copy-on-write
 * object lets go of (truncation, hole punches, a copy that replaces one,
 * the object's end).  The blocks that writeback and direct I/O give a
 * page-cache object, and those its truncations free, show in disk_blocks
 * only.
 * Another object (or a pin, or a pipe) may keep a shared block, and the
 * objects a snapshot made let go of blocks they never allocated, so
 * module-wide blocks_freed can exceed blocks_allocated.  disk_blocks counts
 * the blocks each object holds, a shared block once in each holder.
 *
 * core_upgrades counts the ->pfn_mkwrite calls that recorded a write to
 * a read-only block and returned 0, for the core to make the pte writable
 * in place (finish_mkwrite_fault()); upgrades_unmapped the pages that a
 * clean then unmapped rather than write-protected (see WPFAULT_MODE_MKWRITE
 * below).  vma_locked_faults counts the calls of ->fault and ->pfn_mkwrite
 * that the kernel made under the faulting vma's own lock rather than the
 * mmap_lock (CONFIG_PER_VMA_LOCK, 6.4 on): all of them there, none
 * elsewhere.  ->page_mkwrite cannot tell: the kernel hides the fault's
 * flags from it (do_page_mkwrite()).  mapping_walks counts the module's
 * walks of every mapping of a range, each a walk of the rmap (i_mmap)
 * and then of the page tables of each vma found, with its TLB flush:
 * unmap_mapping_pages(), folio_mkclean() and the dirty helpers, for
 * cleaning, fsync, hole fills and copies (not the kernel's own, in
 * truncation).
 *
 * pmd_maps, pmd_upgrades and pmd_fallbacks count the PMD-level faults of
 * pfn objects made with WPFAULT_CREATE_PMD (see "PMD entries" above): a
 * huge entry mapped, read-only or writable; a read-only one made writable
 * in place by a write, the "mkwrite insert" of DAX's PMD faults; a fault
 * answered with small entries.  Small-entry faults count as for any pfn
 * object, PMD-level ones in these three only.
 *
 * The copy-on-write decisions (<policy>_copies, <policy>_reuses) are
 * counted under the policy in effect, in the object written to; a copy
 * counts once it is made.  snapshots and eager_copies count in the source.
 */
enum wpfault_stat {
	WPFAULT_STAT_READ_FAULTS,	/* ->fault for a read */
	WPFAULT_STAT_WRITE_FAULTS,	/* ->fault, write, shared mapping */
	WPFAULT_STAT_COW_FAULTS,	/* ->fault, write, private mapping */
	WPFAULT_STAT_SIGBUS_FAULTS,	/* faults refused past end of file */
	WPFAULT_STAT_FAULTAROUND_PAGES,	/* pages mapped by ->map_pages */
	WPFAULT_STAT_MKWRITE_CALLS,	/* ->page_mkwrite calls */
	WPFAULT_STAT_PAGES_DIRTIED,	/* first write to a page since clean */
	WPFAULT_STAT_PAGES_CLEANED,	/* pages CLEAN and COLLECT cleaned */
	WPFAULT_STAT_PAGES_ALLOCATED,	/* pages added to the page cache */
	WPFAULT_STAT_PAGES_RESIDENT,	/* gauge: pages in the page cache */
	WPFAULT_STAT_OBJECTS_ALIVE,	/* gauge: live objects (1 per object) */
	WPFAULT_STAT_PAGES_ACCOUNTED,	/* kernel clean -> dirty (nr_dirtied) */
	WPFAULT_STAT_WRITEBACK_CALLS,	/* ->writepages calls, pfn fsyncs */
	WPFAULT_STAT_PAGES_WRITTEN_BACK, /* pages written back or flushed */
	WPFAULT_STAT_PAGES_READ,	/* pages filled from disk blocks */
	WPFAULT_STAT_PAGES_RECLAIMED,	/* gone other than by truncation */
	WPFAULT_STAT_TRUNCATIONS,	/* shrinking ftruncates, hole punches */
	WPFAULT_STAT_PAGES_TRUNCATED,	/* dropped by those, or with object */
	WPFAULT_STAT_DISK_BLOCKS,	/* gauge: blocks the disk holds */
	WPFAULT_STAT_MTIME_UPDATES,	/* write faults that moved the times */
	WPFAULT_STAT_PFN_MKWRITE_CALLS,	/* ->pfn_mkwrite calls */
	WPFAULT_STAT_ZERO_PAGE_MAPS,	/* holes mapped to the zero page */
	WPFAULT_STAT_HOLE_UPGRADES,	/* zero page replaced by a new block */
	WPFAULT_STAT_BLOCKS_ALLOCATED,	/* pfn/cow/fallocate blocks allocated */
	WPFAULT_STAT_BLOCKS_FREED,	/* pfn and cow blocks let go of */
	WPFAULT_STAT_COLLECTIONS,	/* WPFAULT_IOC_COLLECT calls */
	WPFAULT_STAT_COLLECT_VISITS,	/* pages those calls looked at */
	WPFAULT_STAT_PTES_DIRTY,	/* dirty ptes cleaned by the helpers */
	WPFAULT_STAT_PTES_WRPROTECTED,	/* writable ptes write-protected */
	WPFAULT_STAT_METHOD_SWITCHES,	/* changes of the mode in effect */
	WPFAULT_STAT_SNAPSHOTS,		/* snapshots taken of the object */
	WPFAULT_STAT_BLOCKS_SHARED,	/* gauge: blocks another object holds */
	WPFAULT_STAT_EAGER_COPIES,	/* pinned blocks copied by a snapshot */
	WPFAULT_STAT_REFCOUNT_COPIES,	/* refcount policy chose to copy */
	WPFAULT_STAT_REFCOUNT_REUSES,	/* refcount policy chose to reuse */
	WPFAULT_STAT_MAPCOUNT_COPIES,	/* mapcount policy chose to copy */
	WPFAULT_STAT_MAPCOUNT_REUSES,	/* mapcount policy chose to reuse */
	WPFAULT_STAT_EXCLUSIVE_COPIES,	/* exclusive policy chose to copy */
	WPFAULT_STAT_EXCLUSIVE_REUSES,	/* exclusive policy chose to reuse */
	WPFAULT_STAT_COPY_COPIES,	/* copy policy copied (never reuses) */
	WPFAULT_STAT_PINS_HELD,		/* gauge, module-wide: pins held */
	WPFAULT_STAT_PAGES_PINNED,	/* gauge, module-wide: pages they pin */
	WPFAULT_STAT_POISONED_FAULTS,	/* faults refused: poisoned block */
	WPFAULT_STAT_CORE_UPGRADES,	/* ->pfn_mkwrite left it to the core */
	WPFAULT_STAT_UPGRADES_UNMAPPED,	/* such pages a clean unmapped */
	WPFAULT_STAT_VMA_LOCKED_FAULTS,	/* faults handled under a vma lock */
	WPFAULT_STAT_MAPPING_WALKS,	/* walks of all mappings of a range */
	WPFAULT_STAT_PMD_MAPS,		/* huge entries a fault made */
	WPFAULT_STAT_PMD_UPGRADES,	/* read-only ones made writable */
	WPFAULT_STAT_PMD_FALLBACKS,	/* huge faults sent to small entries */
	WPFAULT_STAT_LARGE_FOLIOS,	/* folios of more than a page filled */
	WPFAULT_STAT_MKWRITE_INSERTS,	/* small entries by mkwrite insert */
	WPFAULT_STAT_NR			/* the number of counters */
};

/**
 * struct wpfault_disk_read - the argument of WPFAULT_IOC_READ_DISK
 * @range: in: the pages to copy.
 * @buf: in: user pointer to the buffer.
 * @buf_size: in: the size of that buffer in bytes, at least range.length.
 * @blocks: out: how many blocks of @range the disk holds.
 * @reserved: in: must be 0.
 *
 * Copies the object's backing store ("the disk"), not its page cache, for
 * @range into @buf: blocks never written back (holes of pfn and
 * copy-on-write objects) read as zeroes.
 */
struct wpfault_disk_read {
	struct wpfault_range range;
	__u64 buf;
	__u64 buf_size;
	__u64 blocks;
	__u64 reserved;
};

/* The counters' names, in debugfs and in the selftests' messages. */
#define WPFAULT_STAT_NAMES {						\
	[WPFAULT_STAT_READ_FAULTS] = "read_faults",			\
	[WPFAULT_STAT_WRITE_FAULTS] = "write_faults",			\
	[WPFAULT_STAT_COW_FAULTS] = "cow_faults",			\
	[WPFAULT_STAT_SIGBUS_FAULTS] = "sigbus_faults",			\
	[WPFAULT_STAT_FAULTAROUND_PAGES] = "faultaround_pages",		\
	[WPFAULT_STAT_MKWRITE_CALLS] = "mkwrite_calls",			\
	[WPFAULT_STAT_PAGES_DIRTIED] = "pages_dirtied",			\
	[WPFAULT_STAT_PAGES_CLEANED] = "pages_cleaned",			\
	[WPFAULT_STAT_PAGES_ALLOCATED] = "pages_allocated",		\
	[WPFAULT_STAT_PAGES_RESIDENT] = "pages_resident",		\
	[WPFAULT_STAT_OBJECTS_ALIVE] = "objects_alive",			\
	[WPFAULT_STAT_PAGES_ACCOUNTED] = "pages_accounted",		\
	[WPFAULT_STAT_WRITEBACK_CALLS] = "writeback_calls",		\
	[WPFAULT_STAT_PAGES_WRITTEN_BACK] = "pages_written_back",	\
	[WPFAULT_STAT_PAGES_READ] = "pages_read",			\
	[WPFAULT_STAT_PAGES_RECLAIMED] = "pages_reclaimed",		\
	[WPFAULT_STAT_TRUNCATIONS] = "truncations",			\
	[WPFAULT_STAT_PAGES_TRUNCATED] = "pages_truncated",		\
	[WPFAULT_STAT_DISK_BLOCKS] = "disk_blocks",			\
	[WPFAULT_STAT_MTIME_UPDATES] = "mtime_updates",			\
	[WPFAULT_STAT_PFN_MKWRITE_CALLS] = "pfn_mkwrite_calls",		\
	[WPFAULT_STAT_ZERO_PAGE_MAPS] = "zero_page_maps",		\
	[WPFAULT_STAT_HOLE_UPGRADES] = "hole_upgrades",			\
	[WPFAULT_STAT_BLOCKS_ALLOCATED] = "blocks_allocated",		\
	[WPFAULT_STAT_BLOCKS_FREED] = "blocks_freed",			\
	[WPFAULT_STAT_COLLECTIONS] = "collections",			\
	[WPFAULT_STAT_COLLECT_VISITS] = "collect_visits",		\
	[WPFAULT_STAT_PTES_DIRTY] = "ptes_dirty",			\
	[WPFAULT_STAT_PTES_WRPROTECTED] = "ptes_wrprotected",		\
	[WPFAULT_STAT_METHOD_SWITCHES] = "method_switches",		\
	[WPFAULT_STAT_SNAPSHOTS] = "snapshots",				\
	[WPFAULT_STAT_BLOCKS_SHARED] = "blocks_shared",			\
	[WPFAULT_STAT_EAGER_COPIES] = "eager_copies",			\
	[WPFAULT_STAT_REFCOUNT_COPIES] = "refcount_copies",		\
	[WPFAULT_STAT_REFCOUNT_REUSES] = "refcount_reuses",		\
	[WPFAULT_STAT_MAPCOUNT_COPIES] = "mapcount_copies",		\
	[WPFAULT_STAT_MAPCOUNT_REUSES] = "mapcount_reuses",		\
	[WPFAULT_STAT_EXCLUSIVE_COPIES] = "exclusive_copies",		\
	[WPFAULT_STAT_EXCLUSIVE_REUSES] = "exclusive_reuses",		\
	[WPFAULT_STAT_COPY_COPIES] = "copy_copies",			\
	[WPFAULT_STAT_PINS_HELD] = "pins_held",				\
	[WPFAULT_STAT_PAGES_PINNED] = "pages_pinned",			\
	[WPFAULT_STAT_POISONED_FAULTS] = "poisoned_faults",		\
	[WPFAULT_STAT_CORE_UPGRADES] = "core_upgrades",			\
	[WPFAULT_STAT_UPGRADES_UNMAPPED] = "upgrades_unmapped",		\
	[WPFAULT_STAT_VMA_LOCKED_FAULTS] = "vma_locked_faults",		\
	[WPFAULT_STAT_MAPPING_WALKS] = "mapping_walks",			\
	[WPFAULT_STAT_PMD_MAPS] = "pmd_maps",				\
	[WPFAULT_STAT_PMD_UPGRADES] = "pmd_upgrades",			\
	[WPFAULT_STAT_PMD_FALLBACKS] = "pmd_fallbacks",			\
	[WPFAULT_STAT_LARGE_FOLIOS] = "large_folios",			\
	[WPFAULT_STAT_MKWRITE_INSERTS] = "mkwrite_inserts",		\
}

/*
 * How a pfn or page-cache object learns which pages were written
 * (WPFAULT_IOC_SET_METHOD, WPFAULT_IOC_GET_METHOD).  Copy-on-write objects
 * always use ->page_mkwrite: they report WPFAULT_METHOD_MKWRITE in
 * WPFAULT_MODE_MKWRITE with no flags, and refuse any other method.
 *
 *  MKWRITE    cleaning write-protects the page in every mapping, and the
 *             next write faults.  Page cache: into ->page_mkwrite, which
 *             records it.  pfn: into ->pfn_mkwrite, which records it and
 *             leaves the pte's upgrade to the core (core_upgrades), or
 *             makes it with the mkwrite insert (see "Write inserts").  A
 *             pfn clean that may race such an upgrade, because a page of
 *             its run went through ->pfn_mkwrite since its last clean,
 *             unmaps the run instead (upgrades_unmapped): the upgrade
 *             then fails and the fault is retried.  The next write to
 *             such a page faults into ->fault.
 *  PAGETABLE  ptes stay writable; collecting harvests and clears their
 *             dirty bits, so a write through a writable pte never enters
 *             the module (arm64 without hardware dirty bits takes a fault
 *             in the core to set the bit).  A page's first write after it
 *             is mapped still faults, and is recorded then.  When the
 *             kernel removes ptes (munmap, exit, mmap over a mapping,
 *             mremap, truncation), dirty bits and all, the module hears
 *             of it first: a pfn object from an mmu interval notifier on
 *             each mapping, and the pages that may have been writable are
 *             reported, more than were written; a page-cache object from
 *             the folio the pte's dirty bit passes to, exactly.  A page-
 *             cache object's writeback harvests every pte before it
 *             cleans a folio, and write-protects them, as it does in
 *             MKWRITE mode.  The rule for both: a collection may report a
 *             page that was not written since the last one (a write that
 *             overlapped the last one's clean of the page, or a pfn pte
 *             removed), never miss one written before it began, with one
 *             exception, the kernel's: on a page-cache object, a write
 *             the kernel makes through a page that get_user_pages() took
 *             while its pte was writable (process_vm_writev(), an
 *             O_DIRECT read into the mapping) sets no dirty bit, and GUP
 *             dirties a folio only if it is clean, which a folio mapped
 *             writable is not: no collection reports it.  The data is
 *             safe; only MKWRITE, whose read-only ptes make GUP fault,
 *             reports it.  GUP refuses pfn mappings.
 *  ADAPTIVE   starts as MKWRITE; after each clean or collection it
 *             takes the mode that would have cost less for what that
 *             call found, so no density keeps the worse mode for more
 *             than one collection.  The costs are modelled, in units of
 *             one pte visited by a harvest, from what the call saw: it
 *             covered R pages in W harvest windows (aligned runs of
 *             WPFAULT_ADAPTIVE_WINDOW pages that the range touches) and
 *             found D pages written in N runs of neighbouring pages:
 *               MKWRITE    D * WPFAULT_ADAPTIVE_COST_FAULT
 *                          + N * WPFAULT_ADAPTIVE_COST_WALK
 *               PAGETABLE  W * WPFAULT_ADAPTIVE_COST_WALK + R
 *                          + D * WPFAULT_ADAPTIVE_COST_HARVESTED
 *             MKWRITE pays a fault per write and a walk of the mappings
 *             per run; PAGETABLE a walk per window and every pte of it,
 *             whether written or not.  The mode changes when the other
 *             costs less by more than 1/WPFAULT_ADAPTIVE_MARGIN of
 *             itself: a switch walks every mapping, and a workload at the
 *             break-even density must not pay one at every collection.
 *             After a switch to PAGETABLE, the first write to each page
 *             the last MKWRITE clean left read-only still faults once.
 *
 * The mode in effect (WPFAULT_MODE_*) is the method's, or its current
 * choice for ADAPTIVE, except while the kernel lacks the helpers
 * (CONFIG_MAPPING_DIRTY_HELPERS and CONFIG_MMU_NOTIFIER), or while a
 * mapping exists that they stop at (MAP_PRIVATE, or a read-only file's
 * MAP_SHARED mapping) or whose zaps the module could not watch (a pfn
 * mapping forked into an mm that had no memory for a notifier): see the
 * flags of struct wpfault_tracking.  Then a pfn object's cleans unmap
 * pages (UNMAP: every write faults into ->fault or ->pfn_mkwrite), and a
 * page-cache object tracks in MKWRITE, whose folio_mkclean() visits every
 * mapping.  pfn objects refuse MAP_PRIVATE.
 */
enum wpfault_method {
	WPFAULT_METHOD_MKWRITE,
	WPFAULT_METHOD_PAGETABLE,
	WPFAULT_METHOD_ADAPTIVE,
	WPFAULT_METHOD_NR
};

enum wpfault_mode {
	WPFAULT_MODE_MKWRITE,
	WPFAULT_MODE_PAGETABLE,
	WPFAULT_MODE_UNMAP,
};

#define WPFAULT_METHOD_NAMES {						\
	[WPFAULT_METHOD_MKWRITE] = "mkwrite",				\
	[WPFAULT_METHOD_PAGETABLE] = "pagetable",			\
	[WPFAULT_METHOD_ADAPTIVE] = "adaptive",				\
}

#define WPFAULT_MODE_NAMES {						\
	[WPFAULT_MODE_MKWRITE] = "mkwrite",				\
	[WPFAULT_MODE_PAGETABLE] = "pagetable",				\
	[WPFAULT_MODE_UNMAP] = "unmap",					\
}

/*
 * The adaptive method's cost model (see above), set from make bench's
 * times and counts under TCG on x86-64: a write fault costs about as much
 * as visiting 160 ptes in a harvest, a walk of the mappings (rmap, page
 * tables, TLB flush) 640, recording a harvested page 16.
 */
#define WPFAULT_ADAPTIVE_WINDOW		8192
#define WPFAULT_ADAPTIVE_COST_FAULT	160
#define WPFAULT_ADAPTIVE_COST_WALK	640
#define WPFAULT_ADAPTIVE_COST_HARVESTED	16
#define WPFAULT_ADAPTIVE_MARGIN		16

/* Why the mode in effect is WPFAULT_MODE_UNMAP. */
#define WPFAULT_TRACKING_NO_HELPERS	(1U << 0)
#define WPFAULT_TRACKING_UNWALKABLE	(1U << 1)

/**
 * struct wpfault_tracking - the argument of WPFAULT_IOC_SET_METHOD and
 *	WPFAULT_IOC_GET_METHOD
 * @method: set: in, the &enum wpfault_method to use; get: out, the one in
 *	use.  Written back by both.
 * @mode: out: the &enum wpfault_mode in effect.
 * @flags: out: WPFAULT_TRACKING_* flags, why the mode in effect is
 *	WPFAULT_MODE_UNMAP.
 * @reserved: in: must be 0.
 */
struct wpfault_tracking {
	__u32 method;
	__u32 mode;
	__u32 flags;
	__u32 reserved;
};

/*
 * Copy-on-write objects (WPFAULT_TYPE_COW).  WPFAULT_IOC_SNAPSHOT makes a
 * new object that shares every block with its source; the first write to
 * a block through either asks the object's policy whether to reuse the
 * block in place or copy it.  Every write to a read-only or unmapped
 * entry of a block that was mapped before is such a decision, counted per
 * policy; a write to a block allocated for it (a hole, a copy) is none.
 *
 *  REFCOUNT   reuse when this object alone holds the block and the page
 *             has no reference but the object's, its page table entries'
 *             and the fault's: no pin, no pipe buffer, no transient
 *             reference (the rule of "mm/gup: Allow real explicit
 *             breaking of COW", Linus Torvalds, August 2020).
 *  MAPCOUNT   reuse when this object alone holds the block, whatever
 *             else references the page: the rule before 2020, unsafe
 *             with pins; kept to show what it breaks.
 *  EXCLUSIVE  reuse a block marked exclusive (allocated for this object,
 *             copied, or found sole by the REFCOUNT rule) without looking;
 *             a snapshot clears the mark of the blocks it shares and
 *             copies pinned blocks at once instead of sharing them.
 *  COPY       always copy.
 */
enum wpfault_policy {
	WPFAULT_POLICY_REFCOUNT,
	WPFAULT_POLICY_MAPCOUNT,
	WPFAULT_POLICY_EXCLUSIVE,
	WPFAULT_POLICY_COPY,
	WPFAULT_POLICY_NR
};

#define WPFAULT_POLICY_NAMES {						\
	[WPFAULT_POLICY_REFCOUNT] = "refcount",				\
	[WPFAULT_POLICY_MAPCOUNT] = "mapcount",				\
	[WPFAULT_POLICY_EXCLUSIVE] = "exclusive",			\
	[WPFAULT_POLICY_COPY] = "copy",					\
}

/**
 * struct wpfault_policy_arg - the argument of WPFAULT_IOC_SET_POLICY and
 *	WPFAULT_IOC_GET_POLICY
 * @policy: set: in, the &enum wpfault_policy to use; get: out, the one in
 *	use.  Written back by both.
 * @reserved: in: must be 0.
 *
 * A new object's policy is WPFAULT_POLICY_EXCLUSIVE; a snapshot starts with
 * its source's.
 */
struct wpfault_policy_arg {
	__u32 policy;
	__u32 reserved;
};

/* Close the snapshot's fd on exec. */
#define WPFAULT_SNAPSHOT_CLOEXEC	(1U << 0)

/**
 * struct wpfault_snapshot - the argument of WPFAULT_IOC_SNAPSHOT
 * @flags: in: WPFAULT_SNAPSHOT_* flags.
 * @fd: out: the snapshot's file descriptor.
 * @id: out: its id, the name of its debugfs directory.
 * @eager_copies: out: pinned blocks copied for the snapshot rather than
 *	shared (under WPFAULT_POLICY_EXCLUSIVE).
 * @reserved: in: must be 0.
 *
 * The snapshot is a new copy-on-write object of the source's size and
 * policy that shares every block with the source.
 */
struct wpfault_snapshot {
	__u32 flags;
	__s32 fd;
	__u64 id;
	__u64 eager_copies;
	__u64 reserved;
};

/*
 * WPFAULT_IOC_PIN pins the pages of a user range with
 * pin_user_pages(FOLL_LONGTERM), as a driver does for DMA, and returns a
 * file descriptor that holds them: pread(2) on it reads what the pinned
 * pages hold now, at offsets within the range; WPFAULT_IOC_UNPIN on it,
 * or its last close, releases them.  Pinned pages count against
 * RLIMIT_MEMLOCK (mm->locked_vm, as VFIO counts them) unless the caller
 * has CAP_IPC_LOCK.
 */
#define WPFAULT_PIN_WRITE	(1U << 0)	/* FOLL_WRITE: a writable pin */
#define WPFAULT_PIN_CLOEXEC	(1U << 1)
#define WPFAULT_PIN_FLAGS	(WPFAULT_PIN_WRITE | WPFAULT_PIN_CLOEXEC)
/* The most pages one pin may hold. */
#define WPFAULT_PIN_MAX_PAGES	(1U << 16)

/**
 * struct wpfault_pin - the argument of WPFAULT_IOC_PIN
 * @addr: in: the first address of the range, page aligned.
 * @length: in: its length in bytes, page aligned, > 0, at most
 *	WPFAULT_PIN_MAX_PAGES pages.
 * @flags: in: WPFAULT_PIN_* flags.
 * @fd: out: the pin's file descriptor.
 * @reserved: in: must be 0.
 */
struct wpfault_pin {
	__u64 addr;
	__u64 length;
	__u32 flags;
	__s32 fd;
	__u64 reserved;
};

/**
 * struct wpfault_stats - the argument of WPFAULT_IOC_STATS
 * @nr_stats: in: room in @values, in counters; out: the number of counters
 *	copied, the lesser of that and WPFAULT_STAT_NR.
 * @reserved: in: must be 0.
 * @values: in: user pointer to __u64[@nr_stats], filled in
 *	&enum wpfault_stat order.
 */
struct wpfault_stats {
	__u32 nr_stats;
	__u32 reserved;
	__u64 values;
};

/* On /dev/wpfault */
#define WPFAULT_IOC_CREATE \
	_IOWR(WPFAULT_IOC_MAGIC, 0x00, struct wpfault_create)
/* On /dev/wpfault (module-wide counters) or an object (its own) */
#define WPFAULT_IOC_STATS \
	_IOWR(WPFAULT_IOC_MAGIC, 0x01, struct wpfault_stats)
/* On an object */
#define WPFAULT_IOC_CLEAN \
	_IOWR(WPFAULT_IOC_MAGIC, 0x10, struct wpfault_clean)
#define WPFAULT_IOC_DIRTY_BITMAP \
	_IOWR(WPFAULT_IOC_MAGIC, 0x11, struct wpfault_dirty_bitmap)
#define WPFAULT_IOC_READ_DISK \
	_IOWR(WPFAULT_IOC_MAGIC, 0x12, struct wpfault_disk_read)
#define WPFAULT_IOC_COLLECT \
	_IOWR(WPFAULT_IOC_MAGIC, 0x13, struct wpfault_dirty_bitmap)
#define WPFAULT_IOC_SET_METHOD \
	_IOWR(WPFAULT_IOC_MAGIC, 0x14, struct wpfault_tracking)
#define WPFAULT_IOC_GET_METHOD \
	_IOWR(WPFAULT_IOC_MAGIC, 0x15, struct wpfault_tracking)
/* On a copy-on-write object */
#define WPFAULT_IOC_SNAPSHOT \
	_IOWR(WPFAULT_IOC_MAGIC, 0x20, struct wpfault_snapshot)
#define WPFAULT_IOC_SET_POLICY \
	_IOWR(WPFAULT_IOC_MAGIC, 0x21, struct wpfault_policy_arg)
#define WPFAULT_IOC_GET_POLICY \
	_IOWR(WPFAULT_IOC_MAGIC, 0x22, struct wpfault_policy_arg)
/* On /dev/wpfault */
#define WPFAULT_IOC_PIN \
	_IOWR(WPFAULT_IOC_MAGIC, 0x02, struct wpfault_pin)
/* On a pin fd */
#define WPFAULT_IOC_UNPIN \
	_IO(WPFAULT_IOC_MAGIC, 0x30)

#endif /* _UAPI_LINUX_WPFAULT_H */
