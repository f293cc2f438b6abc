/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * wpfault: objects whose mappings route every write fault through
 * ->page_mkwrite, with exact counters.
 *
 * The module and the selftests share this header.  Sizes and offsets are
 * in bytes; ranges must be page aligned.  Errors (see also README.md):
 *
 *  WPFAULT_IOC_CREATE (on /dev/wpfault)
 *    EINVAL  size is 0, unknown flags or type, non-zero reserved field
 *    EFBIG   size larger than the largest file size (MAX_LFS_FILESIZE)
 *    EFAULT  bad argument pointer
 *    EMFILE  no free file descriptor
 *    ENOMEM  out of memory
 *  WPFAULT_IOC_CLEAN, WPFAULT_IOC_DIRTY_BITMAP, WPFAULT_IOC_COLLECT (on an
 *  object fd)
 *    EINVAL  offset or length not page aligned, length 0, non-zero
 *            reserved field
 *    EOVERFLOW  offset + length wraps around
 *    ENXIO   the range extends past the page that holds end of file
 *    ERANGE  (bitmap, collect) bitmap_size too small for the range
 *    EFAULT  bad argument or bitmap pointer; collect checks the whole
 *            bitmap is writable before it cleans anything
 *    EINTR   a fatal signal arrived: the call stopped between two pages.
 *            The pages before that point are cleaned (and, for collect,
 *            set in the bitmap), the rest untouched; the counts are not
 *            written.  These calls reschedule as they go.
 *  WPFAULT_IOC_READ_DISK (on an object fd)
 *    EINVAL, EOVERFLOW, ENXIO  as for WPFAULT_IOC_CLEAN
 *    ERANGE  buf_size smaller than the range
 *    EFAULT  bad argument or buffer pointer
 *    EIO     a block of the range is poisoned (a memory error hit it);
 *            the blocks before it are copied
 *  WPFAULT_IOC_SET_METHOD, WPFAULT_IOC_GET_METHOD (on an object fd)
 *    EINVAL  (set) unknown method, non-zero reserved field
 *    EOPNOTSUPP  (set) a method other than mkwrite on a page-cache
 *            object, or pagetable and adaptive where the kernel lacks the
 *            helpers (flags say so)
 *    EFAULT  bad argument pointer
 *  WPFAULT_IOC_SNAPSHOT, WPFAULT_IOC_SET_POLICY, WPFAULT_IOC_GET_POLICY
 *  (on an object fd)
 *    EOPNOTSUPP  the object is not a copy-on-write object
 *    EINVAL  unknown flags or policy, non-zero reserved field
 *    EFAULT  bad argument pointer
 *    EMFILE, ENOMEM  (snapshot) as for WPFAULT_IOC_CREATE
 *  WPFAULT_IOC_PIN (on /dev/wpfault)
 *    EINVAL  addr or length not page aligned, length 0, unknown flags,
 *            non-zero reserved field
 *    E2BIG   more than WPFAULT_PIN_MAX_PAGES pages
 *    ENOMEM  past RLIMIT_MEMLOCK, or out of memory
 *    EFAULT  bad argument pointer, or the kernel refuses to pin the range
 *            (unmapped, VM_PFNMAP, or a writable long-term pin of a
 *            shared mapping that needs dirty tracking, from 6.5 on)
 *    EINTR   a fatal signal arrived; nothing stays pinned
 *    EHWPOISON  a page of the range is poisoned; nothing stays pinned
 *    EMFILE  no free file descriptor
 *  WPFAULT_IOC_UNPIN (on a pin fd)
 *    EINVAL  nothing pinned any more
 *  pread(2) on a pin fd
 *    EIO     the page at the offset was poisoned since it was pinned
 *  WPFAULT_IOC_STATS (on /dev/wpfault or an object fd)
 *    EINVAL  non-zero reserved field
 *    EFAULT  bad argument or values pointer
 *  any other ioctl number: ENOTTY
 *  mmap of an object
 *    EINVAL  (pfn and copy-on-write objects) a MAP_PRIVATE mapping
 *  A mapping may extend past end of file; an access past the page that
 *  holds it gets SIGBUS (counted in sigbus_faults).
 *  read(2), write(2), splice and open(O_DIRECT) on a pfn or copy-on-write
 *  object: EINVAL
 *  fallocate(2) of an object
 *    ENOSPC  an allocation of more pages than half the memory available
 *    EOPNOTSUPP  COLLAPSE_RANGE, INSERT_RANGE and any other mode than
 *            allocation (0, KEEP_SIZE), ZERO_RANGE and PUNCH_HOLE
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
#define WPFAULT_CREATE_FLAGS	(WPFAULT_CREATE_CLOEXEC)

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

struct wpfault_create {
	__u64 size;		/* in: object size in bytes, > 0 */
	__u32 flags;		/* in: WPFAULT_CREATE_* */
	__u32 type;		/* in: enum wpfault_type */
	__u64 id;		/* out: names /sys/kernel/debug/wpfault/<id>/ */
	__s32 fd;		/* out: the object's file descriptor */
	__u32 reserved;		/* in: must be 0 */
};

/* A page-aligned byte range of an object. */
struct wpfault_range {
	__u64 offset;
	__u64 length;
};

struct wpfault_clean {
	struct wpfault_range range;	/* in */
	__u64 pages_cleaned;		/* out: dirty pages made clean */
	__u64 reserved;			/* in: must be 0 */
};

/*
 * Bit i of the bitmap, in 64-bit words (bit i % 64 of word i / 64), is set
 * when page (range.offset / page size + i) was dirtied since the last clean.
 */
struct wpfault_dirty_bitmap {
	struct wpfault_range range;	/* in */
	__u64 bitmap;			/* in: user pointer to __u64 words */
	__u64 bitmap_size;		/* in: size of that buffer in bytes */
	__u64 dirty_pages;		/* out: bits set */
	__u64 reserved;			/* in: must be 0 */
};

/*
 * WPFAULT_IOC_COLLECT takes a struct wpfault_dirty_bitmap: it reports the
 * pages of the range written since the last clean or collect, and cleans
 * them, atomically per page.  A write that races with it is either in this
 * bitmap or left for the next call: none is lost, as can happen between
 * WPFAULT_IOC_DIRTY_BITMAP and a later WPFAULT_IOC_CLEAN.  Its work follows
 * the pages it reports, not the size of the range.
 */

/*
 * Counters, in this order; new ones are only ever appended.  "Gauges"
 * (resident pages, live objects, disk blocks) are current values, the rest
 * count events since the object (or, for the global set, the module) was
 * created.  pages_dirtied counts writes the written set records (a clean page
 * written), pages_accounted the kernel's own dirtying of a folio, which
 * only writeback undoes.  pages_reclaimed are pages that left the cache
 * by reclaim, drop_caches or a memory error: exact while no page is being
 * added or truncated.  mtime_updates depend on the clock's granularity.
 */
enum wpfault_stat {
	WPFAULT_STAT_READ_FAULTS,	/* ->fault for a read */
	WPFAULT_STAT_WRITE_FAULTS,	/* ->fault, write, shared mapping */
	WPFAULT_STAT_COW_FAULTS,	/* ->fault, write, private mapping */
	WPFAULT_STAT_SIGBUS_FAULTS,	/* faults refused past end of file */
	WPFAULT_STAT_FAULTAROUND_PAGES,	/* pages mapped by ->map_pages */
	WPFAULT_STAT_MKWRITE_CALLS,	/* ->page_mkwrite calls */
	WPFAULT_STAT_PAGES_DIRTIED,	/* clean -> dirty in ->page_mkwrite */
	WPFAULT_STAT_PAGES_CLEANED,	/* dirty -> clean, WPFAULT_IOC_CLEAN */
	WPFAULT_STAT_PAGES_ALLOCATED,	/* pages added to the page cache */
	WPFAULT_STAT_PAGES_RESIDENT,	/* gauge: pages in the page cache */
	WPFAULT_STAT_OBJECTS_ALIVE,	/* gauge: live objects (1 per object) */
	WPFAULT_STAT_PAGES_ACCOUNTED,	/* kernel clean -> dirty (nr_dirtied) */
	WPFAULT_STAT_WRITEBACK_CALLS,	/* ->writepages calls */
	WPFAULT_STAT_PAGES_WRITTEN_BACK, /* copied to the disk (nr_written) */
	WPFAULT_STAT_PAGES_READ,	/* pages filled from the disk */
	WPFAULT_STAT_PAGES_RECLAIMED,	/* gone other than by truncation */
	WPFAULT_STAT_TRUNCATIONS,	/* shrinking ftruncates, hole punches */
	WPFAULT_STAT_PAGES_TRUNCATED,	/* dropped by those, or with object */
	WPFAULT_STAT_DISK_BLOCKS,	/* gauge: blocks on the disk */
	WPFAULT_STAT_MTIME_UPDATES,	/* ->page_mkwrite moved the times */
	WPFAULT_STAT_PFN_MKWRITE_CALLS,	/* ->pfn_mkwrite calls */
	WPFAULT_STAT_ZERO_PAGE_MAPS,	/* holes mapped to the zero page */
	WPFAULT_STAT_HOLE_UPGRADES,	/* zero page replaced by a new block */
	WPFAULT_STAT_BLOCKS_ALLOCATED,	/* pfn object blocks allocated */
	WPFAULT_STAT_BLOCKS_FREED,	/* and freed */
	WPFAULT_STAT_COLLECTIONS,	/* WPFAULT_IOC_COLLECT calls */
	WPFAULT_STAT_COLLECT_VISITS,	/* pages those calls looked at */
	WPFAULT_STAT_PTES_DIRTY,	/* dirty ptes cleaned by harvests */
	WPFAULT_STAT_PTES_WRPROTECTED,	/* writable ptes write-protected */
	WPFAULT_STAT_METHOD_SWITCHES,	/* changes of the mode in effect */
	WPFAULT_STAT_SNAPSHOTS,		/* snapshots taken of the object */
	WPFAULT_STAT_BLOCKS_SHARED,	/* gauge: blocks another object holds */
	WPFAULT_STAT_EAGER_COPIES,	/* pinned blocks copied by a snapshot */
	WPFAULT_STAT_REFCOUNT_COPIES,	/* COW decisions, per policy: */
	WPFAULT_STAT_REFCOUNT_REUSES,
	WPFAULT_STAT_MAPCOUNT_COPIES,
	WPFAULT_STAT_MAPCOUNT_REUSES,
	WPFAULT_STAT_EXCLUSIVE_COPIES,
	WPFAULT_STAT_EXCLUSIVE_REUSES,
	WPFAULT_STAT_COPY_COPIES,	/* (the copy policy never reuses) */
	WPFAULT_STAT_PINS_HELD,		/* gauge, module-wide: pin fds */
	WPFAULT_STAT_PAGES_PINNED,	/* gauge, module-wide: pages they pin */
	WPFAULT_STAT_POISONED_FAULTS,	/* faults refused: poisoned block */
	WPFAULT_STAT_NR
};

/*
 * Copies the object's backing store ("the disk"), not its page cache, for
 * range into buf: blocks never written back read as zeroes.
 */
struct wpfault_disk_read {
	struct wpfault_range range;	/* in */
	__u64 buf;			/* in: user pointer */
	__u64 buf_size;			/* in: at least range.length */
	__u64 blocks;			/* out: blocks present in the range */
	__u64 reserved;			/* in: must be 0 */
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
}

/*
 * How a pfn object learns which pages were written (WPFAULT_IOC_SET_METHOD,
 * WPFAULT_IOC_GET_METHOD).  Page-cache objects always use ->page_mkwrite
 * and report WPFAULT_METHOD_MKWRITE.
 *
 *  MKWRITE    cleaning write-protects the page in every mapping; the next
 *             write faults into ->pfn_mkwrite, which records it.
 *  PAGETABLE  ptes stay writable; collecting harvests and clears their
 *             dirty bits, so a write to a mapped block never enters the
 *             module (arm64 without hardware dirty bits takes a fault in
 *             the core to set the bit).  When the kernel removes ptes
 *             (munmap, exit, mmap over a mapping, mremap), dirty bits and
 *             all, the module hears of it first (an mmu interval notifier
 *             on each mapping): the pages they may have had writable are
 *             reported written by the next collection, more than were,
 *             never fewer, never later.
 *  ADAPTIVE   starts as MKWRITE and moves to PAGETABLE after
 *             WPFAULT_ADAPTIVE_STREAK collections in a row each finding
 *             more than 1/WPFAULT_ADAPTIVE_DENSE of its range written, and
 *             back after as many each finding less than
 *             1/WPFAULT_ADAPTIVE_SPARSE.  README.md says why.
 *
 * The mode in effect (WPFAULT_MODE_*) is the method's, or its current
 * choice for ADAPTIVE, except that cleaning unmaps pages (UNMAP: every
 * write faults into ->fault or ->pfn_mkwrite) while the kernel lacks the
 * helpers (CONFIG_MAPPING_DIRTY_HELPERS and CONFIG_MMU_NOTIFIER), or while
 * a mapping exists that they skip (a read-only file's MAP_SHARED mapping)
 * or whose zaps the module could not watch (a forked mapping whose new mm
 * had no memory for a notifier): see flags.
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

#define WPFAULT_ADAPTIVE_STREAK	2
#define WPFAULT_ADAPTIVE_DENSE	16
#define WPFAULT_ADAPTIVE_SPARSE	128

/* Why the mode in effect is WPFAULT_MODE_UNMAP. */
#define WPFAULT_TRACKING_NO_HELPERS	(1U << 0)
#define WPFAULT_TRACKING_UNWALKABLE	(1U << 1)

struct wpfault_tracking {
	__u32 method;		/* set: in; get: out (enum wpfault_method) */
	__u32 mode;		/* out: enum wpfault_mode in effect */
	__u32 flags;		/* out: WPFAULT_TRACKING_* */
	__u32 reserved;		/* in: must be 0 */
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

struct wpfault_policy_arg {
	__u32 policy;		/* set: in; get: out (enum wpfault_policy) */
	__u32 reserved;		/* in: must be 0 */
};

/* Close the snapshot's fd on exec. */
#define WPFAULT_SNAPSHOT_CLOEXEC	(1U << 0)

struct wpfault_snapshot {
	__u32 flags;		/* in: WPFAULT_SNAPSHOT_* */
	__s32 fd;		/* out: the snapshot's file descriptor */
	__u64 id;		/* out: its debugfs name */
	__u64 eager_copies;	/* out: pinned blocks copied, not shared */
	__u64 reserved;		/* in: must be 0 */
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

struct wpfault_pin {
	__u64 addr;		/* in: page aligned */
	__u64 length;		/* in: page aligned, > 0 */
	__u32 flags;		/* in: WPFAULT_PIN_* */
	__s32 fd;		/* out: the pin's file descriptor */
	__u64 reserved;		/* in: must be 0 */
};

struct wpfault_stats {
	__u32 nr_stats;		/* in: room in values; out: counters copied */
	__u32 reserved;		/* in: must be 0 */
	__u64 values;		/* in: user pointer to __u64[nr_stats] */
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
