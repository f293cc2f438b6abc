/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WPFAULT_UTIL_H
#define WPFAULT_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/wpfault.h>

#define DEBUGFS_DIR	"/sys/kernel/debug"

extern size_t page_size;

/* Page @i of a mapping at @p, as memory whose accesses the test counts. */
#define PAGE(p, i)	((volatile char *)(p) + (i) * page_size)

/* An object and the /dev/wpfault fd it was made with. */
struct wpf_obj {
	int dev;
	int fd;
	uint64_t id;
};

/* An object that holds nothing yet: wpf_destroy() may be called on it. */
#define WPF_OBJ_INIT	{ .dev = -1, .fd = -1 }

/*
 * The reason to skip when a helper fails with -ENOENT, /dev/wpfault
 * missing: SKIP(return, WPF_UNLOADED).
 */
#define WPF_UNLOADED	"%s missing: wpfault.ko is not loaded", WPFAULT_DEVICE

/* Opens /dev/wpfault; -errno on failure (the module is not loaded...). */
int wpf_open_dev(void);
/* Creates a page-cache object of @size bytes; -errno on failure. */
int wpf_create(struct wpf_obj *obj, uint64_t size);
/* Creates an object of @size bytes and @type; -errno on failure. */
int wpf_create_type(struct wpf_obj *obj, uint64_t size,
		    enum wpfault_type type);
/* The same, with WPFAULT_CREATE_* @flags. */
int wpf_create_flags(struct wpf_obj *obj, uint64_t size,
		     enum wpfault_type type, uint32_t flags);
/* The same, with WPFAULT_CREATE_MIN_FOLIO_ORDER's order. */
int wpf_create_flags_order(struct wpf_obj *obj, uint64_t size,
			   enum wpfault_type type, uint32_t flags,
			   uint32_t min_folio_order);
/*
 * Creates an object of @pages pages and maps all of it shared and
 * writable at *@map; -errno on failure, with nothing left behind.
 */
int wpf_create_mapped(struct wpf_obj *obj, size_t pages, char **map);
/* The same, of @type. */
int wpf_create_type_mapped(struct wpf_obj *obj, enum wpfault_type type,
			   size_t pages, char **map);
void wpf_destroy(struct wpf_obj *obj);

/*
 * Counters of an object fd, or module-wide ones for the /dev fd; those a
 * module older than the header lacks read UINT64_MAX.
 */
int wpf_stats(int fd, uint64_t values[WPFAULT_STAT_NR]);
/*
 * Counter @stat of an object fd, or the module-wide one for the /dev fd;
 * UINT64_MAX, which no counter reaches, if the ioctl fails.
 */
uint64_t wpf_stat(int fd, int stat);
/* Reads /sys/kernel/debug/wpfault/<dir>/stats; "" is the global file. */
int wpf_debugfs_stats(const char *dir, uint64_t values[WPFAULT_STAT_NR]);
const char *wpf_stat_name(int stat);

/* The object's tracking method, mode in effect and flags; -errno. */
int wpf_tracking(int fd, struct wpfault_tracking *t);
/* Sets the tracking method; returns the mode now in effect or -errno. */
int wpf_set_method(int fd, enum wpfault_method method);
/* The mode in effect (enum wpfault_mode) or -errno. */
int wpf_mode(int fd);

/* Cleans pages [first, first + nr); returns pages cleaned or -errno. */
int64_t wpf_clean(int fd, uint64_t first, uint64_t nr);
/*
 * Dirty bitmap of pages [first, first + nr) into @words (one bit a page);
 * returns the number of dirty pages or -errno.
 */
int64_t wpf_dirty_bitmap(int fd, uint64_t first, uint64_t nr,
			 uint64_t *words);
/*
 * Collects pages [first, first + nr): the dirty bitmap, each page cleaned
 * as it is reported; returns the number collected or -errno.
 */
int64_t wpf_collect(int fd, uint64_t first, uint64_t nr, uint64_t *words);
/*
 * Copies pages [first, first + nr) of the object's disk, not its page
 * cache, into @buf; returns the number of blocks present or -errno.
 */
int64_t wpf_read_disk(int fd, uint64_t first, uint64_t nr, void *buf);
/* Sets a copy-on-write object's policy; -errno on failure. */
int wpf_set_policy(int fd, enum wpfault_policy policy);
/* A copy-on-write object's policy (enum wpfault_policy), or -errno. */
int wpf_policy(int fd);
/*
 * A snapshot of copy-on-write object @fd: its fd, or -errno; the blocks
 * copied at once (pinned ones) in *@eager_copies unless it is NULL.
 */
int wpf_snapshot(int fd, uint64_t *eager_copies);
/* Pins @pages pages at @addr (WPFAULT_PIN_*); the pin's fd, or -errno. */
int wpf_pin(int dev, volatile void *addr, size_t pages, uint32_t flags);
/* Unpins a pin, which stays open; -errno on failure. */
int wpf_unpin(int pin_fd);

/* Bits of a /proc/pid/pagemap entry. */
#define WPF_PM_PFN_MASK		0x007fffffffffffffULL
#define WPF_PM_SOFT_DIRTY	0x0080000000000000ULL
#define WPF_PM_PRESENT		0x8000000000000000ULL
/* The pagemap entries of @pages pages at @addr; -errno on failure. */
int wpf_pagemap(volatile void *addr, size_t pages, uint64_t *entries);
/* The page frame mapped at @addr (root sees them), or 0. */
uint64_t wpf_pfn_of(volatile void *addr);
/*
 * The pages of the large folio whose first page is mapped at @addr, as
 * /proc/kpageflags shows it (root only); 0 if @addr maps no folio head.
 */
long wpf_folio_pages(volatile void *addr);
/* Clears the soft-dirty bits of this process's ptes; -errno on failure. */
int wpf_clear_soft_dirty(void);
/* Writes @s to the file at @path; -errno, or -EIO for a short write. */
int wpf_write_file(const char *path, const char *s);
/*
 * Reads the file at @path into @buf (@size bytes with the NUL), without
 * a trailing newline; the length or -errno.
 */
int wpf_read_file(const char *path, char *buf, size_t size);

/* The PMD size in bytes, or 0 if the kernel has no huge pages. */
size_t wpf_pmd_size(void);

/* The running kernel's release as major * 100 + minor (612), or -1. */
int wpf_kernel_version(void);
/*
 * Whether the running kernel carries the kernel fixes of
 * patches/debug-kernel/: the debug kernels built here, whose release
 * ends in -wpfault.
 */
bool wpf_kernel_has_wpfault_fixes(void);
/*
 * Whether a truncation (@punch: a hole punch) that splits a folio of a
 * min-order object keeps the data outside what it cuts, as it must.  7.x
 * drops a split-off folio that begins before the cut, or ends after the
 * hole, whole; the debug kernels carry the fix (patches/debug-kernel/).
 * A min-order-2 object of one 16-page folio, written whole, is shrunk to
 * 6 pages and 100 bytes and grown back, or punched from 5 pages and 100
 * bytes to 10 pages and 100 bytes.  *@first_lost is then the offset of
 * the first wrong byte, in the cache, through the mapping or on the disk,
 * or -1.  Returns 0, or -errno: -EXDEV if the write made no 16-page folio
 * (the kernel cannot, or gave smaller ones), so the probe says nothing.
 */
int wpf_min_order_split_first_lost(bool punch, long *first_lost);
/*
 * Why tests that truncate min-order objects skip on this kernel: it
 * lacks the fix and loses bytes in the probe above.  NULL where they run:
 * the kernel keeps the bytes, carries the fixes (where a loss is a
 * failure), or makes no such folio.
 */
const char *wpf_min_order_split_unfixed(void);
/*
 * Whether the kernel has special huge pfn entries, which
 * WPFAULT_CREATE_PMD needs: 6.12 on, with transparent huge pages (which
 * PREEMPT_RT kernels lack).
 */
bool wpf_pmd_objects(void);
/*
 * Creates a pfn object of @size bytes with WPFAULT_CREATE_PMD and maps
 * @len bytes of it shared and writable from offset 0, without an address
 * hint (the module aligns it for huge entries); 1 if the kernel refuses
 * the flag, as it must where wpf_pmd_objects() is false, or -errno on any
 * other failure, with nothing left behind.
 */
int wpf_create_pmd_mapped(struct wpf_obj *obj, uint64_t size, size_t len,
			  char **map);
/*
 * Whether WPFAULT_CREATE_MKWRITE_INSERT works here: the kernel exports
 * vmf_insert_mixed_mkwrite(), as 6.1 does and 6.12 on do not.
 */
bool wpf_mkwrite_insert_objects(void);
/* Why a test of it skips where that is false. */
#define WPF_NO_MKWRITE_INSERT	"vmf_insert_mixed_mkwrite() not exported: 6.12 on"
/* Why a test of WPFAULT_CREATE_PMD skips where wpf_pmd_objects() is false. */
#define WPF_NO_PMD_OBJECTS \
	"no special huge pfn entries: before 6.12, or no transparent huge pages"

/*
 * Whether WPFAULT_CREATE_LARGE_FOLIOS works here: the kernel can cap a
 * page cache's folio size (6.12 of the supported kernels) and has large
 * folios (transparent huge pages, which PREEMPT_RT lacks).
 */
bool wpf_large_folio_objects(void);
/* A number in the object's debugfs directory (folio_order...), or -1. */
int wpf_object_u8(const struct wpf_obj *obj, const char *name);
/*
 * The folio_order of a new object with large folios: 0 where the kernel
 * refuses them, -errno on another failure.
 */
int wpf_folio_order_limit(void);
/* Why a test of WPFAULT_CREATE_LARGE_FOLIOS skips where that is false. */
#define WPF_NO_LARGE_FOLIO_OBJECTS \
	"no capped large folios: before 6.12, or no transparent huge pages"

/*
 * The kinds of page-cache object that the tests which truncate, punch and
 * regrow a file run on: small folios, large ones
 * (WPFAULT_CREATE_LARGE_FOLIOS) and large ones of at least four pages
 * (WPFAULT_CREATE_MIN_FOLIO_ORDER, as a file system with 16 KiB blocks on
 * 4 KiB pages), in that order.
 */
struct wpf_folio_kind {
	const char *name;
	uint32_t flags;
	uint32_t min_folio_order;
};

#define WPF_NR_FOLIO_KINDS	3
extern const struct wpf_folio_kind wpf_folio_kinds[WPF_NR_FOLIO_KINDS];
/* The index in wpf_folio_kinds of the kind named @name, or -1. */
int wpf_folio_kind_by_name(const char *name);
/*
 * Creates a page-cache object of @size bytes and @kind: 0; 1, with the
 * reason to skip in *@why, where the kernel refuses large folios, as it
 * must without them, or is known to lose a min-order object's bytes
 * (wpf_min_order_split_unfixed()); or -errno.
 */
int wpf_create_folio_kind(struct wpf_obj *obj, uint64_t size,
			  const struct wpf_folio_kind *kind, const char **why);

/* A field of /proc/vmstat, or -1. */
int64_t wpf_vmstat(const char *name);
/* A field ("BdiDirtied"...) of the object's BDI statistics in kB, or -1. */
int64_t wpf_bdi_stat(uint64_t id, const char *name);
/*
 * Writes @value to /proc/sys/@name; returns the old value (0 if it cannot
 * be read) or -errno.
 */
long wpf_sysctl(const char *name, long value);

/* The page indexes set in @words, as a string like "0,3,17" (1 KiB at most). */
const char *wpf_bits_str(const uint64_t *words, uint64_t nr);

/*
 * Maps @pages pages of @fd at page offset @pgoff at an address aligned to
 * 2 MiB, or to the PMD size if larger, so that fault-around windows
 * (aligned in the address space) are the same on every run, and a huge
 * entry can map a PMD-aligned piece.  Returns MAP_FAILED with errno set
 * on failure.
 */
void *wpf_map(int fd, size_t pages, int prot, int flags, off_t pgoff);

/*
 * The file of @fd opened again, through /proc/self/fd, with O_DIRECT; an
 * fd, or -1 with errno set.
 */
int wpf_open_direct(int fd);

/* The lowest free fd: a leaked descriptor would take this number. */
int wpf_lowest_free_fd(void);
/* /sys/module/wpfault/refcnt, or -1 where there is none. */
long wpf_module_refcnt(void);

/* Pages fault-around maps at once (fault_around_bytes / page size). */
long wpf_faultaround_pages(void);

/* Runs @fn with SIGBUS and SIGSEGV caught; returns the signal or 0. */
int wpf_access_signal(void (*fn)(volatile char *p), volatile char *p);
void wpf_read_byte(volatile char *p);
void wpf_write_byte(volatile char *p);

/* Page faults this thread took so far (getrusage(RUSAGE_THREAD)). */
long wpf_minflt(void);
/* Faults this thread took for @fn's access at @p, and for nothing else. */
long wpf_faults(void (*fn)(volatile char *p), volatile char *p);
/*
 * Whether the CPU sets pte dirty bits itself (x86-64; arm64 with
 * FEAT_HAFDBS): a write through a writable, clean pte then takes no
 * fault.  Measured on a shared tmpfs page, whose ptes are such.
 */
bool wpf_hw_dirty_bits(void);
/*
 * Whether the CPU sets pte access flags itself (x86-64; arm64 with
 * FEAT_HAFDBS): an access through an old pte then takes no fault.
 * Measured on a shared tmpfs page made old by /proc/self/clear_refs,
 * which makes every pte of the process old: where the answer is no, the
 * next touch of any page faults, so measure nothing right after it.
 */
bool wpf_hw_access_flags(void);
/*
 * Faults a write takes that makes an entry writable: one, and one more
 * for the core to set the dirty bit where the CPU does not.
 */
long wpf_writable_faults(void);

/* A seed from its text: a number, or "random" (from the clock). */
uint64_t wpf_parse_seed(const char *s);

/* The next number of the reproducible sequence in @state (splitmix64). */
uint64_t wpf_rand(uint64_t *state);

/* The byte a test writes to page @page in round @round. */
static inline char wpf_pattern(uint64_t page, int round)
{
	return (char)(0x5a ^ (page * 7) ^ (round * 131));
}

/*
 * Bytes [0, @cut) of @data are wpf_pattern(page, @round), bytes [@cut,
 * @len) zero, and so are [@hole, @hole_end): -1 if so, else the offset of
 * the first wrong byte.
 */
long wpf_pattern_first_wrong(const char *data, size_t len, size_t cut,
			     size_t hole, size_t hole_end, int round);

#endif /* WPFAULT_UTIL_H */
