// SPDX-License-Identifier: GPL-2.0
/*
 * Systematic allocation failures: each operation on an object is run with
 * the 1st, 2nd, 3rd... slab or page allocation of the calling task failing
 * (/proc/thread-self/fail-nth, with failslab and fail_page_alloc set to
 * fail sleeping and single-page allocations too), until it runs with no
 * failure left to inject.  The operations: create, read fault, write
 * fault, page_mkwrite, fault-around, clean, dirty bitmap, ftruncate,
 * mmap/munmap, fsync, read back, pwrite, punch hole and create in a
 * mount; for pfn objects create, a write fault that allocates a block, a
 * ->pfn_mkwrite that replaces the zero page, a PMD-sized write fault
 * (which falls back to a small entry when the run cannot be had), a
 * collect that harvests pte dirty bits and a switch from pagetable to
 * mkwrite; for copy-on-write
 * objects a write that copies a shared block, a snapshot and a pin.
 *
 * Every failure must surface as the documented error (ENOMEM from a
 * syscall; a fault is retried by the core after VM_FAULT_OOM, so the
 * access succeeds) and leave the data, the counters, objects_alive,
 * pages_resident, the module refcount and the fd table as they should
 * be: no leaked object, page, descriptor or module reference.
 *
 * Writeback is the exception the kernel makes: an integrity sync that
 * fails for memory is retried (do_writepages()), so fsync() succeeds and
 * the disk must hold the data; the failed attempt must have left the page
 * dirty for the retry to write it.
 *
 * debugfs is best effort, as kernel convention has it: an object whose
 * debugfs directory could not be made still works, so the counters are
 * read through WPFAULT_IOC_STATS.
 *
 * Each operation is a variant of one test.  Clean, dirty bitmap,
 * ftruncate and hole punches allocate nothing: for them the test checks
 * the operation alone.  Needs a kernel with CONFIG_FAULT_INJECTION,
 * CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and
 * CONFIG_FAULT_INJECTION_DEBUG_FS (the debug test kernel); skips
 * elsewhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/falloc.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "wpfault_util.h"

#define MAX_SITES	1000
#define OBJ_PAGES	4

static int fail_nth_fd, dev = -1;
/* A wpfault mount, for creating files by name (mkdtemp() fills it). */
static char mount_dir[sizeof("/tmp/wpfault-fi-XXXXXX")];

/* Writes @value to a debugfs fault-injection knob. */
static void knob(const char *path, const char *value)
{
	int err = wpf_write_file(path, value);

	if (err)
		ksft_exit_fail_msg("%s: %s\n", path, strerror(-err));
}

/*
 * Sets the failure injection up for this task; NULL, or why the kernel
 * cannot.
 */
static const char *setup_injection(void)
{
	static const char *const attrs[] = { "failslab", "fail_page_alloc" };
	char path[128];
	size_t i;

	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fail_nth_fd < 0)
		return "no fail-nth: no CONFIG_FAULT_INJECTION";
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), DEBUGFS_DIR "/%s", attrs[i]);
		if (access(path, F_OK))
			return i ? "no fail_page_alloc in debugfs" :
				   "no failslab in debugfs";
		/* GFP_KERNEL and highmem allocations are ignored by default. */
		snprintf(path, sizeof(path), DEBUGFS_DIR "/%s/ignore-gfp-wait",
			 attrs[i]);
		knob(path, "N");
		/* Each failure would print a stack dump: a false report. */
		snprintf(path, sizeof(path), DEBUGFS_DIR "/%s/verbose",
			 attrs[i]);
		knob(path, "0");
	}
	knob(DEBUGFS_DIR "/fail_page_alloc/ignore-gfp-highmem", "N");
	/* Blocks are single pages, which it ignores by default. */
	knob(DEBUGFS_DIR "/fail_page_alloc/min-order", "0");
	return NULL;
}

static void arm_fail_nth(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	if (pwrite(fail_nth_fd, buf, len, 0) != len)
		ksft_exit_fail_msg("fail-nth: %s\n", strerror(errno));
}

/* True when the armed failure was injected; disarms in any case. */
static bool injected(void)
{
	char buf[16] = "";

	if (pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		ksft_exit_fail_msg("fail-nth: %s\n", strerror(errno));
	arm_fail_nth(0);
	return atoi(buf) == 0;
}

/* What must not change across an operation, failed or not. */
struct baseline {
	uint64_t objects_alive;
	uint64_t pages_resident;
	long refcnt;
	int free_fd;
};

static void take_baseline(struct baseline *b)
{
	uint64_t v[WPFAULT_STAT_NR];

	if (wpf_stats(dev, v))
		ksft_exit_fail_msg("stats: %s\n", strerror(errno));
	b->objects_alive = v[WPFAULT_STAT_OBJECTS_ALIVE];
	b->pages_resident = v[WPFAULT_STAT_PAGES_RESIDENT];
	b->refcnt = wpf_module_refcnt();
	b->free_fd = wpf_lowest_free_fd();
}

static bool same_baseline(const struct baseline *a, const char *op, int n)
{
	struct baseline b;

	take_baseline(&b);
	if (a->objects_alive == b.objects_alive &&
	    a->pages_resident == b.pages_resident &&
	    a->refcnt == b.refcnt && a->free_fd == b.free_fd)
		return true;
	ksft_print_msg("%s, failure %d: objects %llu->%llu, pages %llu->%llu\n",
		       op, n, (unsigned long long)a->objects_alive,
		       (unsigned long long)b.objects_alive,
		       (unsigned long long)a->pages_resident,
		       (unsigned long long)b.pages_resident);
	ksft_print_msg("  module refcnt %ld->%ld, lowest free fd %d->%d\n",
		       a->refcnt, b.refcnt, a->free_fd, b.free_fd);
	return false;
}

/* An object of @pages pages, mapped shared, in a known state. */
struct target {
	struct wpf_obj o;
	size_t pages;
	volatile char *map;
	int snap;		/* PREP_SNAPSHOT: a snapshot's fd, or -1 */
	volatile char *snap_map;
};

/*
 * PREP_CACHED: every page written; PREP_CLEANED: then cleaned;
 * PREP_ON_DISK: written back and dropped from the page cache;
 * PREP_READ: every page read (a pfn object's holes: the zero page);
 * PREP_PAGETABLE: (pfn) every page written, tracked by pagetable,
 * collected and written again, so that only pte dirty bits know;
 * PREP_SNAPSHOT: (cow) every page written, then snapshotted and mapped;
 * PREP_PMD: (pfn) an object of one PMD of holes, made with
 * WPFAULT_CREATE_PMD, mapped where a huge entry can map it.
 */
enum prep {
	PREP_NONE, PREP_CACHED, PREP_CLEANED, PREP_ON_DISK, PREP_READ,
	PREP_PAGETABLE, PREP_SNAPSHOT, PREP_PMD,
};

static void target_open(struct target *t, enum prep how,
			enum wpfault_type type)
{
	uint64_t words[1];
	int i, err;

	t->snap = -1;
	if (how == PREP_PMD) {
		t->pages = wpf_pmd_size() / page_size;
		err = wpf_create_flags(&t->o, t->pages * page_size, type,
				       WPFAULT_CREATE_PMD);
		if (err)
			ksft_exit_fail_msg("create: %s\n", strerror(-err));
		/* No hint: thp_get_unmapped_area() aligns it. */
		t->map = mmap(NULL, t->pages * page_size,
			      PROT_READ | PROT_WRITE, MAP_SHARED, t->o.fd, 0);
		if (t->map == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		return;
	}
	t->pages = OBJ_PAGES;
	if (wpf_create_type(&t->o, OBJ_PAGES * page_size, type))
		ksft_exit_fail_msg("create: %s\n", strerror(errno));
	t->map = wpf_map(t->o.fd, OBJ_PAGES, PROT_READ | PROT_WRITE,
			 MAP_SHARED, 0);
	if (t->map == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	if (how == PREP_NONE)
		return;
	if (how == PREP_READ) {
		for (i = 0; i < OBJ_PAGES; i++)
			if (t->map[i * page_size])
				ksft_exit_fail_msg("a hole reads non-zero\n");
		return;
	}
	for (i = 0; i < OBJ_PAGES; i++)
		t->map[i * page_size] = wpf_pattern(i, 0);
	if (how == PREP_PAGETABLE) {
		if (wpf_set_method(t->o.fd, WPFAULT_METHOD_PAGETABLE) < 0 ||
		    wpf_collect(t->o.fd, 0, OBJ_PAGES, words) != OBJ_PAGES)
			ksft_exit_fail_msg("pagetable: %s\n", strerror(errno));
		for (i = 0; i < OBJ_PAGES; i++)
			t->map[i * page_size] = wpf_pattern(i, 1);
		return;
	}
	if (how == PREP_SNAPSHOT) {
		t->snap = wpf_snapshot(t->o.fd, NULL);
		if (t->snap < 0)
			ksft_exit_fail_msg("snapshot: %s\n",
					   strerror(-t->snap));
		t->snap_map = wpf_map(t->snap, OBJ_PAGES, PROT_READ,
				      MAP_SHARED, 0);
		if (t->snap_map == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		return;
	}
	if (how == PREP_CLEANED && wpf_clean(t->o.fd, 0, OBJ_PAGES) < 0)
		ksft_exit_fail_msg("clean: %s\n", strerror(errno));
	if (how != PREP_ON_DISK)
		return;
	/* Unmapped, clean pages are what drop_caches drops. */
	munmap((void *)t->map, OBJ_PAGES * page_size);
	if (fsync(t->o.fd))
		ksft_exit_fail_msg("fsync: %s\n", strerror(errno));
	wpf_sysctl("vm/compact_memory", 1);	/* drains per-CPU LRU caches */
	if (wpf_sysctl("vm/drop_caches", 1) < 0)
		ksft_exit_fail_msg("drop_caches: %s\n", strerror(errno));
	t->map = wpf_map(t->o.fd, OBJ_PAGES, PROT_READ | PROT_WRITE,
			 MAP_SHARED, 0);
	if (t->map == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
}

static void target_close(struct target *t)
{
	if (t->snap >= 0) {
		munmap((void *)t->snap_map, OBJ_PAGES * page_size);
		close(t->snap);
	}
	munmap((void *)t->map, t->pages * page_size);
	wpf_destroy(&t->o);
}

/*
 * The operations: each returns 0 or -errno, and checks what it can see
 * (data, counters) afterwards, returning -EBADE on an inconsistency.
 */
struct op {
	const char *name;
	enum prep prep;
	int (*run)(struct target *t);
	int (*check)(struct target *t);
	enum wpfault_type type;	/* of the target */
};

/* Every page the object allocated is still in its page cache. */
static int check_pages(struct target *t, uint64_t want)
{
	if (wpf_stat(t->o.fd, WPFAULT_STAT_PAGES_ALLOCATED) != want ||
	    wpf_stat(t->o.fd, WPFAULT_STAT_PAGES_RESIDENT) != want)
		return -EBADE;
	return 0;
}

static int run_create(struct target *t)
{
	struct wpfault_create arg = { .size = page_size };

	if (ioctl(dev, WPFAULT_IOC_CREATE, &arg))
		return -errno;
	close(arg.fd);
	return 0;
}

static int run_create_pfn(struct target *t)
{
	struct wpfault_create arg = {
		.size = page_size,
		.type = WPFAULT_TYPE_PFN,
	};

	if (ioctl(dev, WPFAULT_IOC_CREATE, &arg))
		return -errno;
	close(arg.fd);
	return 0;
}

/* pfn objects: page 1 holds the write, in the one block allocated. */
static int check_pfn_page1(struct target *t)
{
	uint64_t words[1];

	if (t->map[page_size] != 'w' ||
	    wpf_dirty_bitmap(t->o.fd, 0, OBJ_PAGES, words) != 1 ||
	    words[0] != 1 << 1 ||
	    wpf_stat(t->o.fd, WPFAULT_STAT_PAGES_DIRTIED) != 1 ||
	    wpf_stat(t->o.fd, WPFAULT_STAT_BLOCKS_ALLOCATED) != 1 ||
	    wpf_stat(t->o.fd, WPFAULT_STAT_DISK_BLOCKS) != 1)
		return -EBADE;
	return 0;
}

/*
 * A write to page 1 of a PMD object: page 1 holds it, and either the
 * piece's run was allocated and mapped with one entry that recorded
 * every page, or an allocation for it failed and the page went to a
 * small entry and a block of its own.  A failure that the kernel retries
 * (VM_FAULT_OOM) ends in the huge entry.
 */
static int check_pfn_pmd_write(struct target *t)
{
	uint64_t v[WPFAULT_STAT_NR], n = t->pages;
	bool huge;

	if (t->map[page_size] != 'w' || wpf_stats(t->o.fd, v))
		return -EBADE;
	huge = v[WPFAULT_STAT_PMD_MAPS] == 1;
	if (v[WPFAULT_STAT_PMD_MAPS] + v[WPFAULT_STAT_PMD_FALLBACKS] < 1 ||
	    v[WPFAULT_STAT_PAGES_DIRTIED] != (huge ? n : 1) ||
	    v[WPFAULT_STAT_BLOCKS_ALLOCATED] != (huge ? n : 1) ||
	    v[WPFAULT_STAT_DISK_BLOCKS] != (huge ? n : 1) ||
	    v[WPFAULT_STAT_WRITE_FAULTS] != !huge)
		return -EBADE;
	return 0;
}

/* ...and it replaced the zero page once. */
static int check_pfn_upgrade(struct target *t)
{
	if (wpf_stat(t->o.fd, WPFAULT_STAT_HOLE_UPGRADES) != 1)
		return -EBADE;
	return check_pfn_page1(t);
}

static int run_read_fault(struct target *t)
{
	return t->map[page_size] == 0 ? 0 : -EBADE;
}

static int check_read_fault(struct target *t)
{
	return check_pages(t, 1);
}

static int run_write_fault(struct target *t)
{
	t->map[page_size] = 'w';
	return 0;
}

/* Page 1 holds the write and is the only dirty page. */
static int check_dirty_page1(struct target *t, uint64_t dirtied,
			     uint64_t pages)
{
	uint64_t words[1];

	if (t->map[page_size] != 'w' ||
	    wpf_dirty_bitmap(t->o.fd, 0, OBJ_PAGES, words) != 1 ||
	    words[0] != 1 << 1 ||
	    wpf_stat(t->o.fd, WPFAULT_STAT_PAGES_DIRTIED) != dirtied)
		return -EBADE;
	return check_pages(t, pages);
}

static int check_write_fault(struct target *t)
{
	return check_dirty_page1(t, 1, 1);
}

static int check_mkwrite(struct target *t)
{
	/* All pages were dirtied once before the clean. */
	return check_dirty_page1(t, OBJ_PAGES + 1, OBJ_PAGES);
}

static int run_faultaround(struct target *t)
{
	volatile char *p = wpf_map(t->o.fd, OBJ_PAGES, PROT_READ, MAP_SHARED,
				   0);
	int i, ret = 0;

	if (p == MAP_FAILED)
		return -errno;
	for (i = 0; i < OBJ_PAGES; i++)
		if (p[i * page_size] != wpf_pattern(i, 0))
			ret = -EBADE;
	munmap((void *)p, OBJ_PAGES * page_size);
	return ret;
}

static int check_cached(struct target *t)
{
	return check_pages(t, OBJ_PAGES);
}

static int run_clean(struct target *t)
{
	int64_t n = wpf_clean(t->o.fd, 0, OBJ_PAGES);

	return n < 0 ? n : 0;
}

static int check_clean(struct target *t)
{
	uint64_t words[1];

	if (wpf_dirty_bitmap(t->o.fd, 0, OBJ_PAGES, words) != 0 ||
	    wpf_stat(t->o.fd, WPFAULT_STAT_PAGES_CLEANED) != OBJ_PAGES)
		return -EBADE;
	return check_pages(t, OBJ_PAGES);
}

static int run_bitmap(struct target *t)
{
	uint64_t words[1];
	int64_t n = wpf_dirty_bitmap(t->o.fd, 0, OBJ_PAGES, words);

	if (n < 0)
		return n;
	return n == OBJ_PAGES && words[0] == (1 << OBJ_PAGES) - 1 ? 0 : -EBADE;
}

/* Every page written again after PREP_PAGETABLE's collect. */
static bool pagetable_data_intact(struct target *t)
{
	int i;

	for (i = 0; i < OBJ_PAGES; i++)
		if (t->map[i * page_size] != wpf_pattern(i, 1))
			return false;
	return true;
}

/* Harvesting allocates nothing that may fail: no write is lost to it. */
static int run_collect(struct target *t)
{
	uint64_t words[1];
	int64_t n = wpf_collect(t->o.fd, 0, OBJ_PAGES, words);

	if (n < 0)
		return n;
	return n == OBJ_PAGES && words[0] == (1 << OBJ_PAGES) - 1 ? 0 : -EBADE;
}

static int check_collected(struct target *t)
{
	uint64_t words[1];

	if (wpf_dirty_bitmap(t->o.fd, 0, OBJ_PAGES, words) != 0 ||
	    !pagetable_data_intact(t))
		return -EBADE;
	return 0;
}

/* Leaving pagetable write-protects and harvests: the writes stay. */
static int run_set_mkwrite(struct target *t)
{
	int mode = wpf_set_method(t->o.fd, WPFAULT_METHOD_MKWRITE);

	if (mode < 0)
		return mode;
	return mode == WPFAULT_MODE_MKWRITE ? 0 : -EBADE;
}

static int check_switched(struct target *t)
{
	uint64_t words[1];

	if (wpf_dirty_bitmap(t->o.fd, 0, OBJ_PAGES, words) != OBJ_PAGES ||
	    !pagetable_data_intact(t))
		return -EBADE;
	return 0;
}

static int run_truncate(struct target *t)
{
	if (ftruncate(t->o.fd, page_size))
		return -errno;
	return ftruncate(t->o.fd, OBJ_PAGES * page_size) ? -errno : 0;
}

static int check_truncate(struct target *t)
{
	if (t->map[0] != wpf_pattern(0, 0) || t->map[page_size] != 0)
		return -EBADE;
	return 0;
}

static int run_mmap_munmap(struct target *t)
{
	char *p = mmap(NULL, OBJ_PAGES * page_size, PROT_READ, MAP_SHARED,
		       t->o.fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	/* Unmapping the middle splits the vma: another allocation. */
	if (munmap(p + page_size, page_size)) {
		int err = -errno;

		munmap(p, OBJ_PAGES * page_size);
		return err;
	}
	munmap(p, OBJ_PAGES * page_size);
	return 0;
}

/* The disk holds every page as PREP_CACHED wrote it. */
static int check_disk(struct target *t)
{
	char *disk = malloc(OBJ_PAGES * page_size);
	int i, ret = 0;

	if (!disk)
		return -ENOMEM;
	if (wpf_read_disk(t->o.fd, 0, OBJ_PAGES, disk) != OBJ_PAGES)
		ret = -EBADE;
	for (i = 0; !ret && i < OBJ_PAGES; i++)
		if (disk[i * page_size] != wpf_pattern(i, 0))
			ret = -EBADE;
	free(disk);
	return ret;
}

static int run_fsync(struct target *t)
{
	return fsync(t->o.fd) ? -errno : 0;
}

static int check_fsync(struct target *t)
{
	if (wpf_stat(t->o.fd, WPFAULT_STAT_PAGES_WRITTEN_BACK) != OBJ_PAGES ||
	    wpf_stat(t->o.fd, WPFAULT_STAT_DISK_BLOCKS) != OBJ_PAGES)
		return -EBADE;
	return check_disk(t);
}

/* read(2) of pages that are only on the disk. */
static int run_read_back(struct target *t)
{
	char buf[2];
	int i;

	for (i = 0; i < OBJ_PAGES; i++) {
		if (pread(t->o.fd, buf, 1, i * page_size) != 1)
			return -errno;
		if (buf[0] != wpf_pattern(i, 0))
			return -EBADE;
	}
	return 0;
}

static int check_read_back(struct target *t)
{
	return t->map[page_size] == wpf_pattern(1, 0) ? check_disk(t) : -EBADE;
}

static int run_pwrite(struct target *t)
{
	ssize_t n = pwrite(t->o.fd, "w", 1, page_size);

	return n == 1 ? 0 : n < 0 ? -errno : -EBADE;
}

static int run_punch(struct target *t)
{
	return fallocate(t->o.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			 page_size, page_size) ? -errno : 0;
}

static int check_punch(struct target *t)
{
	if (t->map[0] != wpf_pattern(0, 0) || t->map[page_size] != 0 ||
	    t->map[2 * page_size] != wpf_pattern(2, 0))
		return -EBADE;
	return 0;
}

/*
 * A file made, written and unlinked by name in a wpfault mount.  An
 * unlink failed by injection leaves the file: the retry removes it (the
 * injection fails one allocation only), and the error is reported.
 */
static int run_mount_create(struct target *t)
{
	char path[64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/f", mount_dir);
	fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, "w", 1, 0) != 1)
		ret = -errno;
	close(fd);
	if (unlink(path)) {
		if (!ret)
			ret = -errno;
		if (unlink(path))
			return -EBADE;
	}
	return ret;
}

/* Every page of @map holds its pattern of round 0, page 1 perhaps 'w'. */
static bool patterns_intact(volatile char *map, bool written)
{
	int i;

	for (i = 0; i < OBJ_PAGES; i++)
		if (map[i * page_size] != (i == 1 && written ? 'w' :
					   wpf_pattern(i, 0)))
			return false;
	return true;
}

/*
 * A write to a shared block copies it, under the default policy: a copy
 * that cannot be allocated must fail the fault (and the core retries it),
 * never fall back to reusing the block, which the snapshot would see.
 */
static int check_cow_copy(struct target *t)
{
	if (!patterns_intact(t->map, true) ||
	    !patterns_intact(t->snap_map, false) ||
	    wpf_stat(t->o.fd, WPFAULT_STAT_EXCLUSIVE_COPIES) != 1 ||
	    wpf_stat(t->o.fd, WPFAULT_STAT_EXCLUSIVE_REUSES) != 0)
		return -EBADE;
	return 0;
}

/* A snapshot holds the source's data; a failed one leaves nothing. */
static int run_snapshot(struct target *t)
{
	int snap = wpf_snapshot(t->o.fd, NULL), ret = 0;
	volatile char *map;

	if (snap < 0)
		return snap;
	map = wpf_map(snap, OBJ_PAGES, PROT_READ, MAP_SHARED, 0);
	if (map == MAP_FAILED)
		ret = -errno;
	else if (!patterns_intact(map, false))
		ret = -EBADE;
	if (map != MAP_FAILED)
		munmap((void *)map, OBJ_PAGES * page_size);
	close(snap);
	return ret;
}

/* A pin of every page reads their data; a failed one pins nothing. */
static int run_pin(struct target *t)
{
	int pin = wpf_pin(dev, t->map, OBJ_PAGES, 0), i, ret = 0;
	char byte;

	if (pin < 0)
		return pin;
	for (i = 0; i < OBJ_PAGES; i++)
		if (pread(pin, &byte, 1, i * page_size) != 1 ||
		    byte != wpf_pattern(i, 0))
			ret = -EBADE;
	close(pin);
	if (wpf_stat(dev, WPFAULT_STAT_PINS_HELD) != 0)
		ret = -EBADE;
	return ret;
}

/* Fails each allocation of @op in turn; returns the number failed. */
static int inject_all(const struct op *op, bool *ok)
{
	struct baseline before;
	struct target t;
	int n, ret;

	*ok = true;
	for (n = 1; n <= MAX_SITES; n++) {
		take_baseline(&before);
		target_open(&t, op->prep, op->type);
		arm_fail_nth(n);
		ret = op->run(&t);
		if (!injected()) {
			if (ret || (op->check && op->check(&t))) {
				ksft_print_msg("%s: fails uninjected: %s\n",
					       op->name, strerror(-ret));
				*ok = false;
			}
			target_close(&t);
			return n - 1;
		}
		if (ret && ret != -ENOMEM) {
			ksft_print_msg("%s, failure %d: %s, not ENOMEM\n",
				       op->name, n, strerror(-ret));
			*ok = false;
		}
		if (!ret && op->check && op->check(&t)) {
			ksft_print_msg("%s, failure %d: wrong data/counters\n",
				       op->name, n);
			*ok = false;
		}
		target_close(&t);
		if (!same_baseline(&before, op->name, n))
			*ok = false;
	}
	ksft_print_msg("%s: still failing after %d failures\n", op->name, n);
	*ok = false;
	return n;
}

FIXTURE(fault_injection) {
};

/* One operation, and the object state it starts from. */
FIXTURE_VARIANT(fault_injection) {
	struct op op;
};

FIXTURE_VARIANT_ADD(fault_injection, create) {
	.op = { "create", PREP_NONE, run_create, NULL },
};

FIXTURE_VARIANT_ADD(fault_injection, read_fault) {
	.op = { "read fault", PREP_NONE, run_read_fault, check_read_fault },
};

FIXTURE_VARIANT_ADD(fault_injection, write_fault) {
	.op = { "write fault", PREP_NONE, run_write_fault, check_write_fault },
};

FIXTURE_VARIANT_ADD(fault_injection, page_mkwrite) {
	.op = { "page_mkwrite", PREP_CLEANED, run_write_fault, check_mkwrite },
};

FIXTURE_VARIANT_ADD(fault_injection, fault_around) {
	.op = { "fault-around", PREP_CACHED, run_faultaround, check_cached },
};

FIXTURE_VARIANT_ADD(fault_injection, clean) {
	.op = { "clean", PREP_CACHED, run_clean, check_clean },
};

FIXTURE_VARIANT_ADD(fault_injection, dirty_bitmap) {
	.op = { "dirty bitmap", PREP_CACHED, run_bitmap, check_cached },
};

FIXTURE_VARIANT_ADD(fault_injection, ftruncate) {
	.op = { "ftruncate", PREP_CACHED, run_truncate, check_truncate },
};

FIXTURE_VARIANT_ADD(fault_injection, mmap_munmap) {
	.op = { "mmap/munmap", PREP_CACHED, run_mmap_munmap, check_cached },
};

FIXTURE_VARIANT_ADD(fault_injection, fsync) {
	.op = { "fsync", PREP_CACHED, run_fsync, check_fsync },
};

FIXTURE_VARIANT_ADD(fault_injection, read_back) {
	.op = { "read back", PREP_ON_DISK, run_read_back, check_read_back },
};

FIXTURE_VARIANT_ADD(fault_injection, pwrite) {
	.op = { "pwrite", PREP_NONE, run_pwrite, check_write_fault },
};

FIXTURE_VARIANT_ADD(fault_injection, punch_hole) {
	.op = { "punch hole", PREP_CACHED, run_punch, check_punch },
};

FIXTURE_VARIANT_ADD(fault_injection, create_in_a_mount) {
	.op = { "create in a mount", PREP_NONE, run_mount_create, NULL },
};

FIXTURE_VARIANT_ADD(fault_injection, pfn_create) {
	.op = { "pfn create", PREP_NONE, run_create_pfn, NULL },
};

FIXTURE_VARIANT_ADD(fault_injection, pfn_write_fault) {
	.op = { "pfn write fault", PREP_NONE, run_write_fault,
		 check_pfn_page1, WPFAULT_TYPE_PFN },
};

FIXTURE_VARIANT_ADD(fault_injection, pfn_pmd_write_fault) {
	.op = { "pfn PMD write fault", PREP_PMD, run_write_fault,
		 check_pfn_pmd_write, WPFAULT_TYPE_PFN },
};

FIXTURE_VARIANT_ADD(fault_injection, pfn_mkwrite_upgrade) {
	.op = { "pfn_mkwrite upgrade", PREP_READ, run_write_fault,
		 check_pfn_upgrade, WPFAULT_TYPE_PFN },
};

FIXTURE_VARIANT_ADD(fault_injection, pfn_pagetable_collect) {
	.op = { "pfn pagetable collect", PREP_PAGETABLE, run_collect,
		 check_collected, WPFAULT_TYPE_PFN },
};

FIXTURE_VARIANT_ADD(fault_injection, pfn_method_switch) {
	.op = { "pfn method switch", PREP_PAGETABLE, run_set_mkwrite,
		 check_switched, WPFAULT_TYPE_PFN },
};

FIXTURE_VARIANT_ADD(fault_injection, cow_copy) {
	.op = { "cow copy", PREP_SNAPSHOT, run_write_fault, check_cow_copy,
		 WPFAULT_TYPE_COW },
};

FIXTURE_VARIANT_ADD(fault_injection, cow_snapshot) {
	.op = { "cow snapshot", PREP_CACHED, run_snapshot, NULL,
		 WPFAULT_TYPE_COW },
};

FIXTURE_VARIANT_ADD(fault_injection, pin) {
	.op = { "pin", PREP_CACHED, run_pin, NULL, WPFAULT_TYPE_COW },
};

FIXTURE_SETUP(fault_injection)
{
	const char *why;

	dev = wpf_open_dev();
	if (dev == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_LE(0, dev);
	why = setup_injection();
	if (why)
		SKIP(return, "%s", why);
	if (variant->op.prep == PREP_PMD && !wpf_pmd_objects())
		SKIP(return, WPF_NO_PMD_OBJECTS);
	snprintf(mount_dir, sizeof(mount_dir), "/tmp/wpfault-fi-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(mount_dir));
	ASSERT_EQ(0, mount("none", mount_dir, "wpfault", 0, NULL));
}

FIXTURE_TEARDOWN(fault_injection)
{
	if (*mount_dir) {
		EXPECT_EQ(0, umount(mount_dir));
		EXPECT_EQ(0, rmdir(mount_dir));
	}
	if (dev >= 0)
		close(dev);
}

/* Under TCG a debug kernel takes minutes for the operations that fail most. */
TEST_F_TIMEOUT(fault_injection, every_allocation_fails_in_turn, 300)
{
	bool ok;
	int n = inject_all(&variant->op, &ok);

	TH_LOG("%s: %d allocations failed in turn", variant->op.name, n);
	ASSERT_TRUE(ok);
}

TEST_HARNESS_MAIN
