// SPDX-License-Identifier: GPL-2.0
/*
 * Page-cache objects with large folios (WPFAULT_CREATE_LARGE_FOLIOS): a
 * fault or write(2) on an uncached page makes a folio of F pages, F =
 * 2^folio_order from the object's debugfs, checked against the folio the
 * kernel reports in /proc/kpageflags.  What each kernel does with one,
 * counted exactly:
 *  - a first write to each page of a folio: before 6.18 a fault and a
 *    ->page_mkwrite per page; from 6.18 one of each for the whole folio,
 *    which finish_fault() maps at once ("mm/fault: Try to map the entire
 *    file folio in finish_fault()", Kiryl Shutsemau, September 2025);
 *  - a first read of each page: one ->fault, then fault-around maps the
 *    rest of the folio before 6.18; from 6.18 the fault maps all of it;
 *  - the kernel's dirty accounting and writeback: the whole folio;
 *  - the tracker: every page of a folio written to, by the rule in the
 *    uapi header; a clean of part of a folio write-protects all of it.
 * A folio the kernel falls back to, where a page of the range is cached,
 * is read even when it does not hold the page faulted, with another
 * thread looking at the cache meanwhile.  Truncation and hole punches
 * inside a folio keep every byte right, in the cache, through the
 * mapping and on the disk.  With a minimum folio
 * order (WPFAULT_CREATE_MIN_FOLIO_ORDER, as a file system whose blocks
 * are larger than a page has), the folio at end of file reaches past it,
 * and a truncation cannot split it: a clean one goes whole, a dirty one
 * stays, zeroed past the new end of file.
 *
 * The page cache's folio order can be capped below the PMD order on
 * 6.12, not on 6.1, and large folios need transparent huge pages, which
 * PREEMPT_RT kernels lack: a kernel without either must refuse the flag
 * with EOPNOTSUPP, one with both accept it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define LF WPFAULT_STAT_LARGE_FOLIOS

FIXTURE(folio) {
	struct wpf_obj o;
	char *p;
	/* Pages in a folio; the object is two folios. */
	size_t f;
	uint64_t *bits;
	char *buf;
	/* The kernel maps a whole folio on one fault (6.18 on). */
	bool whole;
};

/*
 * The tests count writeback exactly.  The flusher, once woken after a
 * first dirtying, writes back in the background what is over the BDI's
 * share of the background threshold, which is small for a BDI that has
 * written little lately, as the objects' has next to other file systems:
 * a folio of 2^folio_order pages can be over it.  So the flusher wakes
 * an hour after a dirtying while this program runs (the default is five
 * seconds).  The interval is set once, before the tests: every change
 * of it wakes the flusher to write back everything dirty, which would
 * land in whatever test runs next.
 */
static long flusher_interval = -1;

static void __attribute__((constructor)) flusher_wakes_late(void)
{
	flusher_interval = wpf_sysctl("vm/dirty_writeback_centisecs",
				      360000);
}

static void __attribute__((destructor)) flusher_wakes_as_before(void)
{
	if (flusher_interval >= 0)
		wpf_sysctl("vm/dirty_writeback_centisecs", flusher_interval);
}

FIXTURE_SETUP(folio)
{
	int err, order;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	self->bits = NULL;
	self->buf = NULL;
	self->whole = wpf_kernel_version() >= 618;
	ASSERT_LE(0, flusher_interval);
	err = wpf_create_flags(&self->o, page_size, WPFAULT_TYPE_PAGECACHE,
			       WPFAULT_CREATE_LARGE_FOLIOS);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	if (err == -EOPNOTSUPP && !wpf_large_folio_objects())
		SKIP(return, WPF_NO_LARGE_FOLIO_OBJECTS);
	ASSERT_EQ(0, err);
	order = wpf_object_u8(&self->o, "folio_order");
	ASSERT_LT(0, order);
	self->f = 1UL << order;
	wpf_destroy(&self->o);
	ASSERT_EQ(0, wpf_create_flags(&self->o, 2 * self->f * page_size,
				      WPFAULT_TYPE_PAGECACHE,
				      WPFAULT_CREATE_LARGE_FOLIOS));
	self->p = wpf_map(self->o.fd, 2 * self->f, PROT_READ | PROT_WRITE,
			  MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	self->bits = calloc((2 * self->f + 63) / 64, sizeof(uint64_t));
	self->buf = malloc(2 * self->f * page_size);
	ASSERT_NE(NULL, self->bits);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(folio)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, 2 * self->f * page_size);
	free(self->bits);
	free(self->buf);
	wpf_destroy(&self->o);
}

/* Bits [first, first + nr) of @words set, and no other of [0, nbits). */
static bool only_bits(const uint64_t *words, size_t first, size_t nr,
		      size_t nbits)
{
	size_t i;

	for (i = 0; i < nbits; i++) {
		bool set = words[i / 64] & (1ULL << (i % 64));

		if (set != (i >= first && i < first + nr))
			return false;
	}
	return true;
}

static void fill_pattern(char *p, size_t first, size_t n, int round)
{
	size_t i;

	for (i = first; i < first + n; i++)
		memset(p + i * page_size, wpf_pattern(i, round), page_size);
}

/* The offset of the first byte of [@from, @to) of @data not @c, or -1. */
static long first_byte_not(const char *data, size_t from, size_t to, char c)
{
	size_t i;

	for (i = from; i < to; i++)
		if (data[i] != c)
			return i;
	return -1;
}

/*
 * A write to each page of one folio: one folio of F pages, dirtied and
 * accounted whole, every page recorded; one fault per page before 6.18,
 * one for the folio from 6.18 on.
 */
TEST_F(folio, first_write_to_each_page_of_a_folio)
{
	size_t f = self->f, i, faults = self->whole ? 1 : f;

	for (i = 0; i < f; i++)
		wpf_write_byte(PAGE(self->p, i));
	ASSERT_EQ(f, wpf_folio_pages(PAGE(self->p, 0)));
	CHECK_STATS(self->o.fd, [W] = faults, [MK] = faults, [DI] = f,
		    [AC] = f, [AL] = f, [RS] = f, [LF] = 1);
	ASSERT_EQ(f, wpf_collect(self->o.fd, 0, 2 * f, self->bits));
	ASSERT_TRUE(only_bits(self->bits, 0, f, 2 * f));

	/* Write-protected again: one ->page_mkwrite per page written. */
	wpf_write_byte(PAGE(self->p, 1));
	wpf_write_byte(PAGE(self->p, 2));
	CHECK_STATS(self->o.fd, [W] = faults, [MK] = faults + 2, [DI] = 2 * f,
		    [AC] = f, [CL] = f, [CO] = 1, [CV] = f, [AL] = f, [RS] = f,
		    [LF] = 1);
	ASSERT_EQ(f, wpf_dirty_bitmap(self->o.fd, 0, 2 * f, self->bits));
	ASSERT_TRUE(only_bits(self->bits, 0, f, 2 * f));
}

/* A write to one page records the folio that holds it, and no other. */
TEST_F(folio, one_write_records_its_folio)
{
	size_t f = self->f;

	wpf_write_byte(PAGE(self->p, f + 3));
	CHECK_STATS(self->o.fd, [W] = 1, [MK] = 1, [DI] = f, [AC] = f,
		    [AL] = f, [RS] = f, [LF] = 1);
	ASSERT_EQ(f, wpf_dirty_bitmap(self->o.fd, 0, 2 * f, self->bits));
	ASSERT_TRUE(only_bits(self->bits, f, f, 2 * f));
}

/*
 * A read of each page: one ->fault makes the folio; before 6.18
 * fault-around maps the rest of it, from 6.18 the fault maps all.
 */
TEST_F(folio, first_read_of_each_page_of_a_folio)
{
	long win = wpf_faultaround_pages();
	size_t f = self->f, i, reads, around;

	if (win < 0)
		SKIP(return, "%s/fault_around_bytes: %s", DEBUGFS_DIR,
		     strerror(-win));
	reads = self->whole || win > 1 ? 1 : f;
	around = self->whole || win == 1 ? 0 : f - 1;
	for (i = 0; i < f; i++)
		wpf_read_byte(PAGE(self->p, i));
	CHECK_STATS(self->o.fd, [R] = reads, [FA] = around, [AL] = f,
		    [RS] = f, [LF] = 1);
	ASSERT_EQ(0, wpf_dirty_bitmap(self->o.fd, 0, 2 * f, self->bits));

	/* Mapped read-only: a write goes to ->page_mkwrite alone. */
	wpf_write_byte(PAGE(self->p, 5));
	CHECK_STATS(self->o.fd, [R] = reads, [FA] = around, [MK] = 1,
		    [DI] = f, [AC] = f, [AL] = f, [RS] = f, [LF] = 1);
}

/*
 * A clean of one page of a written folio write-protects the whole folio
 * and leaves its other pages recorded; the next write to any of them
 * faults and records the folio again.
 */
TEST_F(folio, clean_of_one_page_write_protects_its_folio)
{
	size_t f = self->f, faults = self->whole ? 1 : f;

	fill_pattern(self->p, 0, f, 1);
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, 1));
	ASSERT_EQ(f - 1, wpf_dirty_bitmap(self->o.fd, 0, 2 * f, self->bits));
	ASSERT_TRUE(only_bits(self->bits, 1, f - 1, 2 * f));
	CHECK_STATS(self->o.fd, [W] = faults, [MK] = faults, [DI] = f,
		    [AC] = f, [CL] = 1, [AL] = f, [RS] = f, [LF] = 1);

	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, f - 1)));
	ASSERT_EQ(0, wpf_faults(wpf_write_byte, PAGE(self->p, f - 1)));
	CHECK_STATS(self->o.fd, [W] = faults, [MK] = faults + 1, [DI] = f + 1,
		    [AC] = f, [CL] = 1, [AL] = f, [RS] = f, [LF] = 1);
	ASSERT_EQ(f, wpf_dirty_bitmap(self->o.fd, 0, 2 * f, self->bits));
	ASSERT_TRUE(only_bits(self->bits, 0, f, 2 * f));
}

/*
 * write(2) into an uncached page makes a large folio too, and records
 * the folio; fsync writes back whole folios, and the disk gets a block
 * for each of their pages.
 */
TEST_F(folio, write_and_fsync_go_by_the_folio)
{
	size_t f = self->f;
	static const char msg[] = "large";

	ASSERT_EQ(sizeof(msg), pwrite(self->o.fd, msg, sizeof(msg),
				      (f + 2) * page_size + 7));
	CHECK_STATS(self->o.fd, [DI] = f, [AC] = f, [AL] = f, [RS] = f,
		    [LF] = 1);
	ASSERT_EQ(f, wpf_dirty_bitmap(self->o.fd, 0, 2 * f, self->bits));
	ASSERT_TRUE(only_bits(self->bits, f, f, 2 * f));

	wpf_write_byte(PAGE(self->p, 0));
	ASSERT_EQ(0, fsync(self->o.fd));
	CHECK_STATS(self->o.fd, [W] = 1, [MK] = 1, [DI] = 2 * f,
		    [AC] = 2 * f, [AL] = 2 * f, [RS] = 2 * f, [LF] = 2,
		    [WB] = 1, [WR] = 2 * f, [BL] = 2 * f);
	ASSERT_EQ(2 * f, wpf_read_disk(self->o.fd, 0, 2 * f, self->buf));
	ASSERT_EQ(0, memcmp(self->buf + (f + 2) * page_size + 7, msg,
			    sizeof(msg)));
	/* Pages never written reached the disk with their folio: zeroes. */
	ASSERT_EQ(-1, wpf_pattern_first_wrong(self->buf + page_size,
					      page_size, 0, 0, 0, 1));

	/*
	 * Written back, write-protected: the next write dirties it again.
	 * Page 1 was mapped with page 0 only where the fault mapped the
	 * whole folio; else this write's fault goes to ->fault first.
	 */
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 1)));
	CHECK_STATS(self->o.fd, [W] = self->whole ? 1 : 2, [MK] = 2,
		    [DI] = 2 * f, [AC] = 3 * f, [AL] = 2 * f, [RS] = 2 * f,
		    [LF] = 2, [WB] = 1, [WR] = 2 * f, [BL] = 2 * f);
}

/*
 * Reclaimed and read back: the folios come back large, from the disk,
 * with their data.
 */
TEST_F(folio, reclaimed_folios_come_back_with_their_data)
{
	size_t f = self->f, len = 2 * f * page_size;

	fill_pattern(self->p, 0, 2 * f, 1);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(0, munmap(self->p, len));
	self->p = MAP_FAILED;
	ASSERT_LE(0, wpf_sysctl("vm/drop_caches", 1));
	ASSERT_EQ(2 * f, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_RECLAIMED));
	ASSERT_EQ(0, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_RESIDENT));

	self->p = wpf_map(self->o.fd, 2 * f, PROT_READ | PROT_WRITE,
			  MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	ASSERT_EQ(-1, wpf_pattern_first_wrong(self->p, len, len, 0, 0, 1));
	ASSERT_EQ(2 * f, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_READ));
	ASSERT_EQ(4, wpf_stat(self->o.fd, LF));
	ASSERT_EQ(f, wpf_folio_pages(PAGE(self->p, f)));
}

/*
 * Caches page f / 2 of the object at @p in a folio of its own (end of file
 * just past it while it is read), then makes the object 2 * f pages long:
 * a folio of f pages at 0 no longer fits there.
 */
static int cache_the_middle_page_alone(int fd, char *p, size_t f)
{
	if (ftruncate(fd, (f / 2 + 1) * page_size))
		return -errno;
	wpf_read_byte(PAGE(p, f / 2));
	return ftruncate(fd, 2 * f * page_size) ? -errno : 0;
}

/*
 * Where a page of a folio's range is cached already, the kernel falls
 * back to a smaller folio at the start of the range, which may not hold
 * the page faulted.  That folio is read from the disk, as readahead's
 * would be, not left cached and empty; the page faulted gets a folio of
 * its own.
 */
TEST_F(folio, folio_fallen_back_to_is_read)
{
	size_t f = self->f, h = f / 2, len = 2 * f * page_size, i;
	unsigned char *vec = (unsigned char *)self->buf;
	uint64_t allocated, read, large;

	fill_pattern(self->p, 0, f, 1);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(0, munmap(self->p, len));
	self->p = MAP_FAILED;
	ASSERT_LE(0, wpf_sysctl("vm/drop_caches", 1));
	ASSERT_EQ(0, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_RESIDENT));
	self->p = wpf_map(self->o.fd, 2 * f, PROT_READ | PROT_WRITE,
			  MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, self->p);

	ASSERT_EQ(0, cache_the_middle_page_alone(self->o.fd, self->p, f));
	allocated = wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_ALLOCATED);
	read = wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_READ);
	large = wpf_stat(self->o.fd, LF);

	/* Page h is in the way of a folio of f at 0: one of h is made. */
	wpf_read_byte(PAGE(self->p, f - 1));
	ASSERT_EQ(allocated + h + 1,
		  wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_ALLOCATED));
	ASSERT_EQ(read + h, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_READ));
	ASSERT_EQ(large + (h > 1), wpf_stat(self->o.fd, LF));
	ASSERT_EQ(h + 2, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_RESIDENT));
	ASSERT_EQ(0, mincore(self->p, len, vec));
	for (i = 0; i < 2 * f; i++)
		EXPECT_EQ(i <= h || i == f - 1, vec[i] & 1)
			TH_LOG("page %zu", i);
	/* The truncation took the disk's pages past h: they read zero. */
	ASSERT_EQ(-1, wpf_pattern_first_wrong(self->p, len, (h + 1) * page_size,
					      0, 0, 1));
	/* wpf_folio_pages() is 0 for a page that is no large folio's. */
	ASSERT_EQ(h > 1 ? h : 0, wpf_folio_pages(PAGE(self->p, 0)));
	ASSERT_EQ(0, wpf_folio_pages(PAGE(self->p, h)));
	ASSERT_EQ(0, wpf_folio_pages(PAGE(self->p, f - 1)));
}

/* Looks at the cache while the test runs, as mincore() does it. */
struct looker {
	char *p;
	size_t pages;
	unsigned char *vec;
	bool stop;
};

static void *look_at_the_cache(void *arg)
{
	struct looker *l = arg;

	while (!__atomic_load_n(&l->stop, __ATOMIC_RELAXED))
		mincore(l->p, l->pages * page_size, l->vec);
	return NULL;
}

static size_t cached_pages(char *p, size_t pages, unsigned char *vec)
{
	size_t i, n = 0;

	if (mincore(p, pages * page_size, vec))
		return -1;
	for (i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

/* Where such a folio is dropped rather than read, a third of rounds leak. */
#define LOOKED_AT_ROUNDS 100

/*
 * The same fallback, again and again, while another thread looks at the
 * cache with mincore(), which holds a reference to each folio it finds
 * for a moment.  The folio fallen back to is read all the same: none is
 * left cached and not uptodate, which the mapping's nrpages would count
 * and mincore() would not.
 */
TEST_F(folio, folio_fallen_back_to_is_read_while_looked_at)
{
	size_t f = self->f, h = f / 2;
	unsigned char *vec = (unsigned char *)self->buf;
	struct looker l = { .p = self->p, .pages = f, .vec = vec + 2 * f };
	pthread_t tid;
	int round;

	ASSERT_EQ(0, pthread_create(&tid, NULL, look_at_the_cache, &l));
	for (round = 0; round < LOOKED_AT_ROUNDS; round++) {
		ASSERT_EQ(0, ftruncate(self->o.fd, 0));
		ASSERT_EQ(0, cache_the_middle_page_alone(self->o.fd, self->p,
							 f));
		wpf_read_byte(PAGE(self->p, f - 1));
		ASSERT_EQ(h + 2, wpf_stat(self->o.fd,
					  WPFAULT_STAT_PAGES_RESIDENT))
			TH_LOG("round %d", round);
		ASSERT_EQ(h + 2, cached_pages(self->p, 2 * f, vec))
			TH_LOG("round %d", round);
	}
	__atomic_store_n(&l.stop, true, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(tid, NULL));
}

/*
 * ftruncate() into the middle of a written folio, and back: the bytes
 * before the cut keep their data, every byte after it reads zero, in the
 * cache, through the mapping and on the disk, and a page past the new
 * end of file gets SIGBUS meanwhile.
 */
TEST_F(folio, truncation_inside_a_folio_keeps_every_byte)
{
	size_t f = self->f, len = 2 * f * page_size;
	size_t cut = (f / 2) * page_size + 100;

	fill_pattern(self->p, 0, 2 * f, 1);
	ASSERT_EQ(0, ftruncate(self->o.fd, cut));
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte,
					    PAGE(self->p, f / 2 + 1)));
	ASSERT_EQ(0, wpf_access_signal(wpf_read_byte, PAGE(self->p, f / 2)));
	ASSERT_EQ(0, ftruncate(self->o.fd, len));

	ASSERT_EQ(len, pread(self->o.fd, self->buf, len, 0));
	ASSERT_EQ(-1, wpf_pattern_first_wrong(self->buf, len, cut, 0, 0, 1));
	ASSERT_EQ(-1, wpf_pattern_first_wrong(self->p, len, cut, 0, 0, 1));
	/*
	 * Whether the truncation split the folio decides which pages are
	 * dirty and get blocks; the data must not depend on it.
	 */
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_LE(0, wpf_read_disk(self->o.fd, 0, 2 * f, self->buf));
	ASSERT_EQ(-1, wpf_pattern_first_wrong(self->buf, len, cut, 0, 0, 1));
}

/*
 * A hole punched across the inside of a folio, with partial pages at
 * both ends: zeroes there, and nowhere else.
 */
TEST_F(folio, punch_inside_a_folio_keeps_every_byte)
{
	size_t f = self->f, len = 2 * f * page_size;
	size_t hole = 3 * page_size + 10, hole_len = 5 * page_size;

	fill_pattern(self->p, 0, 2 * f, 1);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(0, fallocate(self->o.fd,
			       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       hole, hole_len));
	ASSERT_EQ(-1, wpf_pattern_first_wrong(self->p, len, len, hole,
					      hole + hole_len, 1));
	ASSERT_EQ(len, pread(self->o.fd, self->buf, len, 0));
	ASSERT_EQ(-1, wpf_pattern_first_wrong(self->buf, len, len, hole,
					      hole + hole_len, 1));
	/* Blocks the punch freed read as zeroes, as do the zeroed ones. */
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_LE(0, wpf_read_disk(self->o.fd, 0, 2 * f, self->buf));
	ASSERT_EQ(-1, wpf_pattern_first_wrong(self->buf, len, len, hole,
					      hole + hole_len, 1));
}

/*
 * The flag's rules: page-cache objects only; mkwrite tracking only; a
 * folio at the end of file is no larger than what lies within it.
 */
TEST_F(folio, flag_rules)
{
	struct wpf_obj o = WPF_OBJ_INIT;
	size_t f = self->f;
	char *p;

	ASSERT_EQ(-EINVAL, wpf_create_flags(&o, page_size, WPFAULT_TYPE_PFN,
					    WPFAULT_CREATE_LARGE_FOLIOS));
	ASSERT_EQ(-EINVAL, wpf_create_flags(&o, page_size, WPFAULT_TYPE_COW,
					    WPFAULT_CREATE_LARGE_FOLIOS));
	ASSERT_EQ(-EOPNOTSUPP, wpf_set_method(self->o.fd,
					      WPFAULT_METHOD_PAGETABLE));
	ASSERT_EQ(-EOPNOTSUPP, wpf_set_method(self->o.fd,
					      WPFAULT_METHOD_ADAPTIVE));
	ASSERT_EQ(WPFAULT_MODE_MKWRITE,
		  wpf_set_method(self->o.fd, WPFAULT_METHOD_MKWRITE));

	/* f / 2 + 1 pages: the largest aligned folio within holds f / 2. */
	ASSERT_EQ(0, wpf_create_flags(&o, (f / 2 + 1) * page_size,
				      WPFAULT_TYPE_PAGECACHE,
				      WPFAULT_CREATE_LARGE_FOLIOS));
	p = wpf_map(o.fd, f / 2 + 1, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	wpf_write_byte(PAGE(p, 0));
	wpf_write_byte(PAGE(p, f / 2));
	ASSERT_EQ(f / 2, wpf_folio_pages(PAGE(p, 0)));
	ASSERT_EQ(1, wpf_stat(o.fd, LF));
	ASSERT_EQ(f / 2 + 1, wpf_stat(o.fd, WPFAULT_STAT_PAGES_ALLOCATED));
	munmap(p, (f / 2 + 1) * page_size);
	wpf_destroy(&o);
}

/*
 * A minimum folio order, as a file system with blocks of M pages has: the
 * folio at end of file reaches past it.  A fault maps only its own page
 * there on every kernel (finish_fault() does not map past end of file),
 * a page past end of file gets SIGBUS, and only the pages within end of
 * file are recorded and reach the disk.
 */
TEST(min_order_folio_reaches_past_end_of_file)
{
	int limit = wpf_folio_order_limit(), m;
	struct wpf_obj o = WPF_OBJ_INIT;
	size_t pages, size = page_size + 100;
	uint64_t bits[1];
	char *p;

	if (limit == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_LE(0, limit);
	if (!limit)
		SKIP(return, WPF_NO_LARGE_FOLIO_OBJECTS);
	m = limit < 2 ? limit : 2;
	pages = 1UL << m;
	ASSERT_EQ(0, wpf_create_flags_order(&o, size, WPFAULT_TYPE_PAGECACHE,
					    WPFAULT_CREATE_MIN_FOLIO_ORDER, m));
	ASSERT_EQ(m, wpf_object_u8(&o, "min_folio_order"));
	ASSERT_EQ(limit, wpf_object_u8(&o, "folio_order"));
	p = wpf_map(o.fd, pages, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);

	wpf_write_byte(PAGE(p, 0));
	ASSERT_EQ(pages, wpf_folio_pages(PAGE(p, 0)));
	wpf_write_byte(PAGE(p, 1));
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, PAGE(p, 2)));
	CHECK_STATS(o.fd, [R] = 1, [W] = 2, [MK] = 2, [SB] = 1, [DI] = 2,
		    [AC] = pages, [AL] = pages, [RS] = pages, [LF] = 1);
	ASSERT_EQ(2, wpf_collect(o.fd, 0, 2, bits));
	ASSERT_EQ(3, bits[0]);

	/* Written back whole; the disk keeps only what is file data. */
	ASSERT_EQ(0, fsync(o.fd));
	ASSERT_EQ(pages, wpf_stat(o.fd, WPFAULT_STAT_PAGES_WRITTEN_BACK));
	ASSERT_EQ(2, wpf_stat(o.fd, WPFAULT_STAT_DISK_BLOCKS));
	munmap(p, pages * page_size);
	wpf_destroy(&o);
}

/*
 * A truncation inside a min-order folio cannot split it.  Clean, the
 * folio goes whole (the kernel reads it back when needed); dirty, it
 * stays, zeroed past the new end of file.  Since 6.12.63, 6.12 asks for
 * a split to order 0, below the minimum, and WARNs with CONFIG_DEBUG_VM
 * ("Cannot split mapped folio below min-order"); the 6.12 debug kernels
 * carry the fix (patches/debug-kernel/6.12/), 7.x asks for the minimum.
 */
TEST(truncation_cannot_split_a_min_order_folio)
{
	int limit = wpf_folio_order_limit(), m;
	struct wpf_obj o = WPF_OBJ_INIT;
	size_t pages, size = page_size + 100;
	char *p, *buf, byte;

	if (limit == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_LE(0, limit);
	if (!limit)
		SKIP(return, WPF_NO_LARGE_FOLIO_OBJECTS);
	m = limit < 2 ? limit : 2;
	pages = 1UL << m;
	ASSERT_EQ(0, wpf_create_flags_order(&o, size, WPFAULT_TYPE_PAGECACHE,
					    WPFAULT_CREATE_MIN_FOLIO_ORDER, m));
	p = wpf_map(o.fd, pages, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	buf = malloc(2 * page_size);
	ASSERT_NE(NULL, buf);
	wpf_write_byte(PAGE(p, 0));
	ASSERT_EQ(0, fsync(o.fd));
	ASSERT_EQ(pages, wpf_stat(o.fd, WPFAULT_STAT_PAGES_RESIDENT));

	ASSERT_EQ(0, ftruncate(o.fd, 100));
	ASSERT_EQ(pages, wpf_stat(o.fd, WPFAULT_STAT_PAGES_TRUNCATED));
	ASSERT_EQ(0, wpf_stat(o.fd, WPFAULT_STAT_PAGES_RESIDENT));
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, PAGE(p, 1)));
	ASSERT_EQ(0, ftruncate(o.fd, size));
	ASSERT_EQ(1, pread(o.fd, &byte, 1, 0));
	ASSERT_EQ(1, byte);
	ASSERT_EQ(0, p[page_size]);

	memset(p, 0x5a, size);
	ASSERT_EQ(0, ftruncate(o.fd, 50));
	ASSERT_EQ(pages, wpf_stat(o.fd, WPFAULT_STAT_PAGES_TRUNCATED));
	ASSERT_EQ(pages, wpf_stat(o.fd, WPFAULT_STAT_PAGES_RESIDENT));
	ASSERT_EQ(0, ftruncate(o.fd, size));
	ASSERT_EQ(size, pread(o.fd, buf, size, 0));
	ASSERT_EQ(-1, first_byte_not(buf, 0, 50, 0x5a));
	ASSERT_EQ(-1, first_byte_not(buf, 50, size, 0));
	ASSERT_EQ(0, fsync(o.fd));
	ASSERT_EQ(2, wpf_read_disk(o.fd, 0, 2, buf));
	ASSERT_EQ(-1, first_byte_not(buf, 0, 50, 0x5a));
	ASSERT_EQ(-1, first_byte_not(buf, 50, 2 * page_size, 0));
	munmap(p, pages * page_size);
	free(buf);
	wpf_destroy(&o);
}

/*
 * A truncation or hole punch that splits a folio larger than the minimum
 * order can split it no lower than that order, so the folio then holding
 * the first page past the cut (or the last page of the hole) may begin
 * before it (end after it).  It holds data to keep.  7.x's
 * truncate_inode_pages_range() dropped it whole in its last loop, dirty
 * pages inside end of file included, and so did 6.12's once its split
 * asks for the minimum order; the debug kernels carry the fix
 * (patches/debug-kernel/).  6.12 without that change splits no min-order
 * folio, and keeps a dirty one whole.  wpf_min_order_split_first_lost()
 * is the reproducer, which wpfault_truncate and wpfault_fsx also ask
 * before they run min-order objects.
 */
static void split_folio_keeps_every_byte(struct __test_metadata *_metadata,
					 bool punch)
{
	int limit = wpf_folio_order_limit(), err;
	long wrong;

	if (limit == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_LE(0, limit);
	if (limit < 4)
		SKIP(return, "folios of 16 pages needed, order %d here",
		     limit);
	err = wpf_min_order_split_first_lost(punch, &wrong);
	if (err == -EXDEV)
		TH_LOG("16 pages written made no folio of 16 pages");
	ASSERT_EQ(0, err);
	if (wrong >= 0 && !wpf_kernel_has_wpfault_fixes())
		SKIP(return, "%s: byte %ld lost (%s)",
		     "the kernel lacks the truncate_inode_pages_range() fix",
		     wrong, "patches/debug-kernel/");
	ASSERT_EQ(-1, wrong);
}

TEST(shrink_splitting_a_min_order_folio_keeps_every_byte)
{
	split_folio_keeps_every_byte(_metadata, false);
}

TEST(punch_splitting_a_min_order_folio_keeps_every_byte)
{
	split_folio_keeps_every_byte(_metadata, true);
}

/* The order's rules: at most the largest folio order, and not 0. */
TEST(min_order_rules)
{
	int limit = wpf_folio_order_limit();
	struct wpf_obj o = WPF_OBJ_INIT;
	uint32_t flags = WPFAULT_CREATE_MIN_FOLIO_ORDER;

	if (limit == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_LE(0, limit);
	if (!limit) {
		/* Refused before its value is looked at. */
		ASSERT_EQ(-EOPNOTSUPP,
			  wpf_create_flags_order(&o, page_size,
						 WPFAULT_TYPE_PAGECACHE, flags,
						 1));
		return;
	}
	ASSERT_EQ(-EINVAL, wpf_create_flags_order(&o, page_size,
						  WPFAULT_TYPE_PAGECACHE,
						  flags, limit + 1));
	ASSERT_EQ(-EINVAL, wpf_create_flags_order(&o, page_size,
						  WPFAULT_TYPE_PAGECACHE,
						  flags, 0));
	ASSERT_EQ(0, wpf_create_flags_order(&o, page_size,
					    WPFAULT_TYPE_PAGECACHE,
					    flags | WPFAULT_CREATE_LARGE_FOLIOS,
					    limit));
	ASSERT_EQ(limit, wpf_object_u8(&o, "min_folio_order"));
	ASSERT_EQ(-EOPNOTSUPP, wpf_set_method(o.fd,
					      WPFAULT_METHOD_PAGETABLE));
	wpf_destroy(&o);
}

/* Where the kernel cannot cap large folios, the flag is refused. */
TEST(refused_where_unsupported)
{
	struct wpf_obj o = WPF_OBJ_INIT;
	int err = wpf_create_flags(&o, page_size, WPFAULT_TYPE_PAGECACHE,
				   WPFAULT_CREATE_LARGE_FOLIOS);

	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(wpf_large_folio_objects() ? 0 : -EOPNOTSUPP, err);
	wpf_destroy(&o);
}

TEST_HARNESS_MAIN
