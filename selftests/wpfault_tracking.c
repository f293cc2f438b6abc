// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty-tracking methods of pfn and page-cache objects
 * (WPFAULT_IOC_SET_METHOD):
 * which writes fault in each, that switching loses nothing, the adaptive
 * method's thresholds in both directions, the read-only mappings the
 * kernel's helpers cannot walk past, and agreement with the kernel's own
 * soft-dirty tracking.  Counts are exact: the module's counters and the
 * faults the core took (getrusage).
 *  - In pagetable mode only first writes enter the module and collects
 *    are exact; an munmap reports what the vma may have had writable, and
 *    the test asserts exactly that set; an fsync racing writes drops no
 *    dirty bit.
 *  - Writes before, between and after switches land in exactly one
 *    collection.
 *  - adaptive switches at the first collection its cost model finds the
 *    other mode cheaper for, both ways, and not short of that.
 *  - Page-cache objects in pagetable mode: only first writes enter
 *    ->page_mkwrite; writeback harvests before folio_mkclean() clears
 *    dirty bits; munmap passes dirty bits on through the folio; a
 *    private mapping falls back to mkwrite while it exists.
 *  - A read-only mapping forces mode unmap and loses nothing.  With the
 *    module parameter trust_mapping_walk=1, a stock kernel loses the write
 *    behind a read-only mapping and a debug kernel records it.
 *  - On x86-64, after clear_refs 4, MADV_DONTNEED, and mprotect() read-only
 *    and back, the kernel's soft-dirty bits and a collect name the same
 *    written pages on page-cache objects.  pagemap and clear_refs skip
 *    VM_PFNMAP mappings, so on pfn objects soft-dirty sees none of them,
 *    and the collect is checked alone.
 *
 * In pagetable mode a write through a writable clean entry sets the dirty
 * bit without entering the module: no fault at all where the CPU manages
 * dirty bits, one in the core where it does not (arm64 without
 * FEAT_HAFDBS; wpf_hw_dirty_bits() measures which).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define NPAGES		8

static const char *const method_names[] = WPFAULT_METHOD_NAMES;

FIXTURE(tracking) {
	struct wpf_obj o;
	char *p;
	/* Faults a write takes that makes an entry writable. */
	long write_faults;
	/* Faults a write takes through a writable clean entry. */
	long clean_faults;
};

FIXTURE_SETUP(tracking)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	err = wpf_create_type_mapped(&self->o, WPFAULT_TYPE_PFN, NPAGES,
				     &self->p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	err = wpf_set_method(self->o.fd, WPFAULT_METHOD_PAGETABLE);
	if (err == -EOPNOTSUPP)
		SKIP(return, "no MAPPING_DIRTY_HELPERS in this kernel: %s",
		     "pfn objects track by unmapping only");
	ASSERT_EQ(WPFAULT_MODE_PAGETABLE, err);
	self->write_faults = wpf_writable_faults();
	self->clean_faults = wpf_hw_dirty_bits() ? 0 : 1;
}

FIXTURE_TEARDOWN(tracking)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, NPAGES * page_size);
	wpf_destroy(&self->o);
}

/* Whether debugfs <id>/tracking has the line @line. */
static bool debugfs_says(struct wpf_obj *o, const char *line)
{
	char path[128], buf[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), DEBUGFS_DIR "/wpfault/%llu/tracking",
		 (unsigned long long)o->id);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return strstr(buf, line);
}

/*
 * Only first writes enter the module; collecting harvests the dirty bits
 * and leaves the entries writable.  A read of a block maps it writable
 * and clean; a hole still maps the zero page read-only.  munmap takes a
 * vma's ptes before the module hears of it: every page the vma may have
 * had writable is then reported, more than were written, none lost.
 */
TEST_F(tracking, pagetable_writes_do_not_enter_the_module)
{
	uint64_t bits = 0;
	char *q;
	long i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(self->write_faults,
			  wpf_faults(wpf_write_byte, PAGE(self->p, i)));
	ASSERT_EQ(4, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0xfULL, bits);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(self->clean_faults,
			  wpf_faults(wpf_write_byte, PAGE(self->p, i)));
	ASSERT_EQ(4, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0xfULL, bits);
	ASSERT_EQ(0, wpf_collect(self->o.fd, 0, NPAGES, &bits));

	q = wpf_map(self->o.fd, NPAGES, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(q, 2)));
	ASSERT_EQ(self->clean_faults, wpf_faults(wpf_write_byte, PAGE(q, 2)));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL << 2, bits);

	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 5)));
	ASSERT_EQ(self->write_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 5)));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL << 5, bits);

	/* Blocks 0-3 and 5 have been writable, in p or in q. */
	ASSERT_EQ(0, munmap(q, NPAGES * page_size));
	ASSERT_EQ(5, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0x2fULL, bits);
	CHECK_STATS(self->o.fd, [R] = 2, [W] = 4, [ZP] = 1, [PM] = 1,
		    [HU] = 1, [BA] = 5, [BL] = 5, [DI] = 15, [CL] = 10,
		    [CO] = 5, [CV] = 10, [PD] = 10, [MS] = 1);
}

/*
 * Writes before, between and after switches all land in exactly one
 * collection.  Leaving pagetable write-protects every writable entry
 * and then harvests, so the dirty bits set before come along; a write
 * after it goes to ->pfn_mkwrite.
 */
TEST_F(tracking, switching_loses_no_write)
{
	uint64_t bits = 0;

	PAGE(self->p, 0)[0] = 1;
	PAGE(self->p, 1)[0] = 1;
	ASSERT_EQ(2, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0x3ULL, bits);
	ASSERT_EQ(self->clean_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(self->clean_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 1)));

	ASSERT_EQ(WPFAULT_MODE_MKWRITE,
		  wpf_set_method(self->o.fd, WPFAULT_METHOD_MKWRITE));
	ASSERT_EQ(self->write_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 2)));
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(3, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0x7ULL, bits);

	/* Adaptive starts from the mode in effect: no switch. */
	ASSERT_EQ(WPFAULT_MODE_MKWRITE,
		  wpf_set_method(self->o.fd, WPFAULT_METHOD_ADAPTIVE));
	ASSERT_EQ(self->write_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 1)));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0x2ULL, bits);
	/*
	 * By the cost model, harvesting eight ptes costs less than a fault
	 * and a walk: the collection switched.
	 */
	ASSERT_TRUE(debugfs_says(&self->o, "method adaptive\n"));
	ASSERT_TRUE(debugfs_says(&self->o, "mode pagetable\n"));
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 1)));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0x2ULL, bits);
	CHECK_STATS(self->o.fd, [W] = 4, [PM] = 2, [CU] = 2, [UU] = 1,
		    [BA] = 3, [BL] = 3, [DI] = 7, [CL] = 7, [CO] = 4, [CV] = 7,
		    [PD] = 6, [PW] = 3, [MS] = 3);
}

/*
 * Writes 1 to pages [0, @n) of @map, noting it in @model; returns the
 * faults the writes took.
 */
static long write_pages(char *map, char *model, long n)
{
	long i, faults = 0;

	for (i = 0; i < n; i++) {
		faults += wpf_faults(wpf_write_byte, PAGE(map, i));
		model[i] = 1;
	}
	return faults;
}

/*
 * The uapi header's cost model: whether adaptive, in @mode, switches
 * after a collection of pages [0, @pages) that found @written pages in
 * @runs runs.
 */
static bool adaptive_switches(enum wpfault_mode mode, long pages,
			      long written, long runs)
{
	long windows = (pages - 1) / WPFAULT_ADAPTIVE_WINDOW + 1;
	long mkwrite = written * WPFAULT_ADAPTIVE_COST_FAULT +
		       runs * WPFAULT_ADAPTIVE_COST_WALK;
	long pagetable = windows * WPFAULT_ADAPTIVE_COST_WALK + pages +
			 written * WPFAULT_ADAPTIVE_COST_HARVESTED;
	long now = mode == WPFAULT_MODE_MKWRITE ? mkwrite : pagetable;
	long other = mode == WPFAULT_MODE_MKWRITE ? pagetable : mkwrite;

	return other + other / WPFAULT_ADAPTIVE_MARGIN < now;
}

/* Collects all @pages of @fd; asserts pages [0, @n) were the ones found. */
static void collect_first(struct __test_metadata *_metadata, int fd,
			  long pages, long n)
{
	uint64_t bits[4] = { 0 };
	long i;

	ASSERT_EQ(n, wpf_collect(fd, 0, pages, bits));
	for (i = 0; i < pages; i++)
		ASSERT_EQ(i < n, !!(bits[i / 64] & 1ULL << (i % 64)));
}

/*
 * Adaptive switches at the first collection whose finding the other mode
 * would have served cheaper by the model, both ways, and never below
 * that: a collection just short of either threshold, even twice, keeps
 * the mode.  100 % written and then one page flips it twice in two
 * collections.  Each collected set stays exact, and so does the data.
 */
TEST(adaptive_switches_at_the_first_cheaper_collection)
{
	const long pages = 256;
	long write_faults = wpf_writable_faults();
	long clean_faults = wpf_hw_dirty_bits() ? 0 : 1;
	struct wpf_obj o = WPF_OBJ_INIT;
	char model[256] = { 0 };
	long dense, sparse, i;
	char *map;
	int err;

	for (dense = 1; dense <= pages; dense++)
		if (adaptive_switches(WPFAULT_MODE_MKWRITE, pages, dense, 1))
			break;
	for (sparse = pages; sparse >= 0; sparse--)
		if (adaptive_switches(WPFAULT_MODE_PAGETABLE, pages, sparse, 1))
			break;
	/* Apart, inside the object; one page after all switches down. */
	ASSERT_LT(sparse + 1, dense);
	ASSERT_LE(dense, 64);
	ASSERT_TRUE(adaptive_switches(WPFAULT_MODE_MKWRITE, pages, pages, 1));
	ASSERT_TRUE(adaptive_switches(WPFAULT_MODE_PAGETABLE, pages, 1, 1));

	err = wpf_create_type_mapped(&o, WPFAULT_TYPE_PFN, pages, &map);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	err = wpf_set_method(o.fd, WPFAULT_METHOD_ADAPTIVE);
	if (err == -EOPNOTSUPP)
		SKIP(return, "no MAPPING_DIRTY_HELPERS in this kernel");
	ASSERT_EQ(WPFAULT_MODE_MKWRITE, err);

	/*
	 * Just short of the threshold, twice.  The first collection
	 * write-protects the pages written through ->fault, and the core
	 * upgrades their next writes; the second unmaps them.
	 */
	ASSERT_EQ((dense - 1) * write_faults,
		  write_pages(map, model, dense - 1));
	collect_first(_metadata, o.fd, pages, dense - 1);
	ASSERT_EQ(WPFAULT_MODE_MKWRITE, wpf_mode(o.fd));
	ASSERT_EQ(dense - 1, write_pages(map, model, dense - 1));
	collect_first(_metadata, o.fd, pages, dense - 1);
	ASSERT_EQ(WPFAULT_MODE_MKWRITE, wpf_mode(o.fd));
	ASSERT_EQ(0, wpf_stat(o.fd, WPFAULT_STAT_METHOD_SWITCHES));

	/* At it: one collection switches. */
	ASSERT_EQ(dense * write_faults, write_pages(map, model, dense));
	collect_first(_metadata, o.fd, pages, dense);
	ASSERT_EQ(WPFAULT_MODE_PAGETABLE, wpf_mode(o.fd));
	ASSERT_EQ(1, wpf_stat(o.fd, WPFAULT_STAT_METHOD_SWITCHES));
	ASSERT_TRUE(debugfs_says(&o, "mode pagetable\n"));

	/*
	 * The ptes the last clean write-protected stay so: a first write
	 * per page upgrades one, then none enters the module.
	 */
	ASSERT_EQ(dense, write_pages(map, model, dense));
	collect_first(_metadata, o.fd, pages, dense);
	ASSERT_EQ(dense * clean_faults, write_pages(map, model, dense));
	collect_first(_metadata, o.fd, pages, dense);

	/* Just short of the threshold down, twice, then at it. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ((sparse + 1) * clean_faults,
			  write_pages(map, model, sparse + 1));
		collect_first(_metadata, o.fd, pages, sparse + 1);
		ASSERT_EQ(WPFAULT_MODE_PAGETABLE, wpf_mode(o.fd));
	}
	ASSERT_EQ(sparse * clean_faults, write_pages(map, model, sparse));
	collect_first(_metadata, o.fd, pages, sparse);
	ASSERT_EQ(WPFAULT_MODE_MKWRITE, wpf_mode(o.fd));
	ASSERT_EQ(2, wpf_stat(o.fd, WPFAULT_STAT_METHOD_SWITCHES));

	/*
	 * Leaving pagetable write-protected the blocks: each write goes to
	 * ->pfn_mkwrite, a hole's to ->fault.  All written, then one page,
	 * which that collection unmapped with its run.
	 */
	ASSERT_EQ(dense + (pages - dense) * write_faults,
		  write_pages(map, model, pages));
	collect_first(_metadata, o.fd, pages, pages);
	ASSERT_EQ(WPFAULT_MODE_PAGETABLE, wpf_mode(o.fd));
	ASSERT_EQ(write_faults, write_pages(map, model, 1));
	collect_first(_metadata, o.fd, pages, 1);
	ASSERT_EQ(WPFAULT_MODE_MKWRITE, wpf_mode(o.fd));
	ASSERT_EQ(4, wpf_stat(o.fd, WPFAULT_STAT_METHOD_SWITCHES));
	ASSERT_TRUE(debugfs_says(&o, "mode mkwrite\n"));

	for (i = 0; i < pages; i++)
		ASSERT_EQ(model[i], map[i * page_size]);
	munmap(map, pages * page_size);
	wpf_destroy(&o);
}

/*
 * A MAP_SHARED mapping of a read-only descriptor is one the kernel's
 * helpers reject, and walk_page_mapping() stops at it: while it exists
 * the object cleans by unmapping (mode unmap, flag UNWALKABLE).  Its
 * arrival harvests first, so a write known only to a dirty bit stays
 * recorded; its departure restores pagetable.
 */
TEST_F(tracking, read_only_mappings_force_unmap)
{
	struct wpfault_tracking t;
	uint64_t bits = 0;
	char path[64];
	char *ro;
	int fd;

	PAGE(self->p, 0)[0] = 'x';
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(self->clean_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 0)));

	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->o.fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ro = mmap(NULL, NPAGES * page_size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, wpf_tracking(self->o.fd, &t));
	ASSERT_EQ(WPFAULT_METHOD_PAGETABLE, t.method);
	ASSERT_EQ(WPFAULT_MODE_UNMAP, t.mode);
	ASSERT_EQ(WPFAULT_TRACKING_UNWALKABLE, t.flags);
	ASSERT_TRUE(debugfs_says(&self->o, "unwalkable_mappings 1\n"));
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL, bits);
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));

	/* Everything was unmapped: each write faults into ->fault. */
	ASSERT_EQ(self->write_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(self->write_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 1)));
	ASSERT_EQ(1, ro[0]);
	ASSERT_EQ(2, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0x3ULL, bits);
	ASSERT_EQ(self->write_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 1)));

	ASSERT_EQ(0, munmap(ro, NPAGES * page_size));
	close(fd);
	ASSERT_EQ(WPFAULT_MODE_PAGETABLE, wpf_mode(self->o.fd));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0x2ULL, bits);
	ASSERT_EQ(3, wpf_stat(self->o.fd, WPFAULT_STAT_METHOD_SWITCHES));
	ASSERT_EQ(4, wpf_stat(self->o.fd, WPFAULT_STAT_WRITE_FAULTS));
}

#define FSYNC_PAGES	64
#define FSYNC_ROUNDS	200

struct fsync_race {
	int fd;
	volatile int go, done;
};

static void *fsync_loop(void *arg)
{
	struct fsync_race *r = arg;

	while (!r->done) {
		if (r->go && fsync(r->fd))
			return (void *)1;
	}
	return NULL;
}

/*
 * fsync in pagetable mode must not drop a dirty bit: each round collects
 * (the flush marks stay, the ptes stay writable and clean), then writes
 * every page again while another thread fsyncs.  A write that landed
 * between fsync's harvest and an unmap of the page lost its dirty bit
 * before fsync left the ptes alone; the bitmap must show every page.
 */
TEST_F(tracking, fsync_loses_no_pagetable_write)
{
	struct fsync_race race = { 0 };
	uint64_t bits = 0, all = ~0ULL;
	struct wpf_obj o = WPF_OBJ_INIT;
	pthread_t tid;
	void *ret;
	char *p;
	int round, i;

	ASSERT_EQ(0, wpf_create_type_mapped(&o, WPFAULT_TYPE_PFN, FSYNC_PAGES,
					    &p));
	ASSERT_EQ(WPFAULT_MODE_PAGETABLE,
		  wpf_set_method(o.fd, WPFAULT_METHOD_PAGETABLE));
	race.fd = o.fd;
	ASSERT_EQ(0, pthread_create(&tid, NULL, fsync_loop, &race));
	for (round = 0; round < FSYNC_ROUNDS; round++) {
		for (i = 0; i < FSYNC_PAGES; i++)
			PAGE(p, i)[0] = round;
		ASSERT_EQ(FSYNC_PAGES, wpf_collect(o.fd, 0, FSYNC_PAGES,
						   &bits));
		race.go = 1;
		for (i = 0; i < FSYNC_PAGES; i++)
			PAGE(p, i)[1] = round;
		race.go = 0;
		ASSERT_EQ(FSYNC_PAGES, wpf_dirty_bitmap(o.fd, 0, FSYNC_PAGES,
							&bits));
		ASSERT_EQ(all, bits);
	}
	race.done = 1;
	ASSERT_EQ(0, pthread_join(tid, &ret));
	ASSERT_EQ(NULL, ret);
	munmap(p, FSYNC_PAGES * page_size);
	wpf_destroy(&o);
}

/* A page-cache object in pagetable mode, mapped shared. */
FIXTURE(pagecache) {
	struct wpf_obj o;
	char *p;
	long clean_faults;
};

FIXTURE_SETUP(pagecache)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	err = wpf_create_type_mapped(&self->o, WPFAULT_TYPE_PAGECACHE, NPAGES,
				     &self->p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	err = wpf_set_method(self->o.fd, WPFAULT_METHOD_PAGETABLE);
	if (err == -EOPNOTSUPP)
		SKIP(return, "no MAPPING_DIRTY_HELPERS in this kernel: %s",
		     "page-cache objects track by ->page_mkwrite only");
	ASSERT_EQ(WPFAULT_MODE_PAGETABLE, err);
	self->clean_faults = wpf_hw_dirty_bits() ? 0 : 1;
}

FIXTURE_TEARDOWN(pagecache)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, NPAGES * page_size);
	wpf_destroy(&self->o);
}

/*
 * A page's first write faults into ->page_mkwrite; after a collect its
 * pte stays writable and clean, and the next writes only set the dirty
 * bit, which the next collect harvests.  A read maps a page read-only,
 * and its first write still goes through ->page_mkwrite.
 */
TEST_F(pagecache, pagetable_writes_do_not_enter_the_module)
{
	uint64_t bits = 0;
	long i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, i)));
	ASSERT_EQ(4, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0xfULL, bits);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(self->clean_faults,
			  wpf_faults(wpf_write_byte, PAGE(self->p, i)));
	ASSERT_EQ(4, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0xfULL, bits);
	ASSERT_EQ(0, wpf_collect(self->o.fd, 0, NPAGES, &bits));

	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 5)));
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 5)));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL << 5, bits);
	ASSERT_EQ(5, wpf_stat(self->o.fd, WPFAULT_STAT_MKWRITE_CALLS));
	ASSERT_EQ(9, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_DIRTIED));
	ASSERT_EQ(9, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_CLEANED));
	ASSERT_EQ(9, wpf_stat(self->o.fd, WPFAULT_STAT_PTES_DIRTY));
	ASSERT_EQ(0, wpf_stat(self->o.fd, WPFAULT_STAT_PTES_WRPROTECTED));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(1, PAGE(self->p, i)[0]);
}

/*
 * Writeback clears the dirty bits of the ptes it write-protects, so
 * ->writepages harvests them first: the writes fsync finds are reported
 * by the next collect, once each, and the next write to any page faults
 * into ->page_mkwrite again.  The disk has the data.
 */
TEST_F(pagecache, writeback_harvests_before_it_cleans)
{
	char *disk = malloc(4 * page_size);
	uint64_t bits = 0;
	long i;

	ASSERT_NE(NULL, disk);

	for (i = 0; i < 4; i++)
		PAGE(self->p, i)[0] = 'a';
	ASSERT_EQ(4, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	PAGE(self->p, 0)[0] = 'b';
	PAGE(self->p, 1)[0] = 'b';
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(4, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_WRITTEN_BACK));
	ASSERT_EQ(2, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0x3ULL, bits);
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 2)));
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(3, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0x7ULL, bits);
	ASSERT_EQ(0, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(6, wpf_stat(self->o.fd, WPFAULT_STAT_MKWRITE_CALLS));

	ASSERT_EQ(4, wpf_read_disk(self->o.fd, 0, 4, disk));
	ASSERT_EQ('b', disk[0]);
	ASSERT_EQ('b', disk[page_size]);
	ASSERT_EQ('a', disk[2 * page_size]);
	ASSERT_EQ('a', disk[3 * page_size]);
	free(disk);
}

/*
 * munmap() takes the ptes with their dirty bits; each passes to the
 * folio, and the module records a page written since its last collect.
 */
TEST_F(pagecache, munmap_passes_dirty_bits_on)
{
	uint64_t bits = 0;
	char *q;

	q = wpf_map(self->o.fd, NPAGES, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, q);
	PAGE(q, 1)[0] = 1;
	PAGE(q, 2)[0] = 1;
	ASSERT_EQ(2, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(self->clean_faults, wpf_faults(wpf_write_byte, PAGE(q, 2)));
	ASSERT_EQ(0, munmap(q, NPAGES * page_size));
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL << 2, bits);
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL << 2, bits);
}

/*
 * A MAP_PRIVATE mapping is one the kernel's helpers cannot walk past:
 * while it exists the object tracks as mkwrite (flag UNWALKABLE), its
 * arrival harvesting first, so a write known only to a dirty bit stays
 * recorded.  Its departure restores pagetable.
 */
TEST_F(pagecache, private_mappings_fall_back_to_mkwrite)
{
	struct wpfault_tracking t;
	uint64_t bits = 0;
	char *priv;

	PAGE(self->p, 0)[0] = 1;
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(self->clean_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 0)));

	priv = wpf_map(self->o.fd, NPAGES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, priv);
	ASSERT_EQ(0, wpf_tracking(self->o.fd, &t));
	ASSERT_EQ(WPFAULT_METHOD_PAGETABLE, t.method);
	ASSERT_EQ(WPFAULT_MODE_MKWRITE, t.mode);
	ASSERT_EQ(WPFAULT_TRACKING_UNWALKABLE, t.flags);
	ASSERT_TRUE(debugfs_says(&self->o, "unwalkable_mappings 1\n"));
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL, bits);
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));

	/* mkwrite: every write after a collect faults. */
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(1, priv[0]);
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));

	ASSERT_EQ(0, munmap(priv, NPAGES * page_size));
	ASSERT_EQ(0, wpf_tracking(self->o.fd, &t));
	ASSERT_EQ(WPFAULT_MODE_PAGETABLE, t.mode);
	ASSERT_EQ(0, t.flags);
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(self->clean_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL, bits);
	/* Into pagetable at the set-up, out and back here. */
	ASSERT_EQ(3, wpf_stat(self->o.fd, WPFAULT_STAT_METHOD_SWITCHES));
}

#define TRUST_WALK	"/sys/module/wpfault/parameters/trust_mapping_walk"

/*
 * A read-only mapping, then a writable one, of one pfn object, in this
 * order in the i_mmap tree; a write, a collect, the same write again:
 * returns what the second collect finds (-errno on failure).
 */
static int64_t second_write_found(struct __test_metadata *_metadata,
				  long *faults)
{
	struct wpf_obj o = WPF_OBJ_INIT;
	uint64_t bits = 0;
	char path[64];
	char *ro, *rw;
	int64_t found;
	int fd;

	if (wpf_create_type(&o, 4 * page_size, WPFAULT_TYPE_PFN))
		return -errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", o.fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ro = mmap(NULL, page_size, PROT_READ, MAP_SHARED, fd, 0);
	rw = wpf_map(o.fd, 1, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (fd < 0 || ro == MAP_FAILED || rw == MAP_FAILED)
		return -errno;
	rw[0] = 1;
	if (wpf_collect(o.fd, 0, 1, &bits) != 1)
		return -EIO;
	*faults = wpf_faults(wpf_write_byte, rw);
	found = wpf_collect(o.fd, 0, 1, &bits);
	munmap(rw, page_size);
	munmap(ro, page_size);
	close(fd);
	wpf_destroy(&o);
	return found;
}

/*
 * Why read-only mappings force mode unmap: walk_page_mapping() ends its
 * walk at the first vma the helpers reject (mm/pagewalk.c, 6.1 to 7.2),
 * so with the module parameter trust_mapping_walk set, the writable
 * mapping behind the read-only one is neither write-protected nor
 * harvested, and its next write is lost.  The debug kernels carry the
 * fix (patches/debug-kernel/, uname -r ends in -wpfault): there the
 * write is found.  Without the parameter it is found everywhere.
 */
TEST(readonly_mapping_hides_writes_from_the_helpers)
{
	long write_faults = wpf_writable_faults(), faults = -1;
	struct wpfault_tracking t;
	struct wpf_obj o = WPF_OBJ_INIT;
	struct utsname u;
	bool fixed;

	if (wpf_create_type(&o, page_size, WPFAULT_TYPE_PFN) == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, wpf_tracking(o.fd, &t));
	wpf_destroy(&o);
	if (t.flags & WPFAULT_TRACKING_NO_HELPERS)
		SKIP(return, "no MAPPING_DIRTY_HELPERS in this kernel");
	ASSERT_EQ(0, uname(&u));
	fixed = strstr(u.release, "-wpfault");

	ASSERT_EQ(1, second_write_found(_metadata, &faults));
	ASSERT_EQ(write_faults, faults);

	ASSERT_EQ(0, wpf_write_file(TRUST_WALK, "1"));
	faults = -1;
	if (fixed) {
		ASSERT_EQ(1, second_write_found(_metadata, &faults));
		ASSERT_EQ(write_faults, faults);
	} else {
		TH_LOG("%s: walk_page_mapping() stops at the read-only vma",
		       u.release);
		ASSERT_EQ(0, second_write_found(_metadata, &faults));
		ASSERT_EQ(0, faults);
	}
	ASSERT_EQ(0, wpf_write_file(TRUST_WALK, "0"));
}

#define SD_PAGES	64

/* Whether the kernel tracks soft-dirty: an anonymous page shows it. */
static bool have_soft_dirty(void)
{
	volatile char *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t before = WPF_PM_SOFT_DIRTY, after = 0;

	if (p == MAP_FAILED)
		return false;
	p[0] = 1;
	if (!wpf_clear_soft_dirty() && !wpf_pagemap(p, 1, &before)) {
		p[0] = 2;
		if (wpf_pagemap(p, 1, &after))
			after = 0;
	}
	munmap((void *)p, page_size);
	return !(before & WPF_PM_SOFT_DIRTY) && (after & WPF_PM_SOFT_DIRTY);
}

/*
 * After clear_refs 4 and a collect, both trackers start clean; then
 * MADV_DONTNEED (the page cache; the kernel refuses it on VM_PFNMAP) and
 * mprotect read-only and back, then writes to a random set.  On a
 * page-cache object the soft-dirty bits and the collected set must both
 * name exactly the pages written.  pagemap does not walk VM_PFNMAP vmas
 * (walk_page_test() skips them for walkers without a test_walk), and
 * clear_refs skips them too: there the kernel's tracker sees nothing,
 * which the test shows, and the collected set alone must be exact.
 */
static void check_soft_dirty(struct __test_metadata *_metadata,
			     enum wpfault_type type,
			     enum wpfault_method method)
{
	uint64_t written = 0, bits = 0, soft = 0, present = 0, rng = 7;
	struct wpf_obj o = WPF_OBJ_INIT;
	size_t len = SD_PAGES * page_size;
	bool pfn = type == WPFAULT_TYPE_PFN;
	uint64_t entries[SD_PAGES];
	char *p;
	int i;

	ASSERT_EQ(0, wpf_create_type_mapped(&o, type, SD_PAGES, &p));
	ASSERT_LE(0, wpf_set_method(o.fd, method));
	for (i = 0; i < SD_PAGES; i++)
		p[i * page_size] = 1;
	ASSERT_EQ(SD_PAGES, wpf_collect(o.fd, 0, SD_PAGES, &bits));
	ASSERT_EQ(0, wpf_clear_soft_dirty());
	ASSERT_EQ(pfn ? -1 : 0, madvise(p, len / 2, MADV_DONTNEED));
	ASSERT_EQ(0, mprotect(p, len, PROT_READ));
	ASSERT_EQ(0, mprotect(p, len, PROT_READ | PROT_WRITE));
	for (i = 0; i < SD_PAGES; i++) {
		if (wpf_rand(&rng) % 3)
			continue;
		p[i * page_size] = 2;
		written |= 1ULL << i;
	}
	ASSERT_EQ(__builtin_popcountll(written),
		  wpf_collect(o.fd, 0, SD_PAGES, &bits));
	ASSERT_EQ(0, wpf_pagemap(p, SD_PAGES, entries));
	for (i = 0; i < SD_PAGES; i++) {
		if (entries[i] & WPF_PM_SOFT_DIRTY)
			soft |= 1ULL << i;
		if (entries[i] & WPF_PM_PRESENT)
			present |= 1ULL << i;
	}
	TH_LOG("%s, %s: soft-dirty %#llx, collected %#llx",
	       pfn ? "pfn" : "page cache", method_names[method],
	       (unsigned long long)soft, (unsigned long long)bits);
	ASSERT_EQ(written, bits);
	if (pfn) {
		TH_LOG("pagemap shows %d of %d pfn pages present",
		       __builtin_popcountll(present), SD_PAGES);
		ASSERT_EQ(0, present);
		ASSERT_EQ(0, soft);
	} else {
		ASSERT_EQ(written, soft);
	}
	munmap(p, len);
	wpf_destroy(&o);
}

TEST(soft_dirty_agrees_with_collect)
{
	enum wpfault_method m;
	struct wpf_obj o;
	int err;

	if (!have_soft_dirty())
		SKIP(return, "no soft-dirty tracking in this kernel %s",
		     "(x86-64 with CONFIG_MEM_SOFT_DIRTY only)");
	err = wpf_create_type(&o, page_size, WPFAULT_TYPE_PFN);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	err = wpf_set_method(o.fd, WPFAULT_METHOD_PAGETABLE);
	wpf_destroy(&o);
	check_soft_dirty(_metadata, WPFAULT_TYPE_PAGECACHE,
			 WPFAULT_METHOD_MKWRITE);
	for (m = 0; m < WPFAULT_METHOD_NR; m++) {
		if (m && err == -EOPNOTSUPP) {
			TH_LOG("no MAPPING_DIRTY_HELPERS: mkwrite only");
			break;
		}
		check_soft_dirty(_metadata, WPFAULT_TYPE_PFN, m);
	}
}

TEST_HARNESS_MAIN
