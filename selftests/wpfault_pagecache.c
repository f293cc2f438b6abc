// SPDX-License-Identifier: GPL-2.0
/*
 * Page-cache objects: write faults in shared mappings go through
 * ->page_mkwrite exactly once per page and mapping after each clean, reads
 * never dirty, private writes never reach the object.  Each test asserts
 * every counter of its object exactly, and checks the data:
 *  - K writes to N pages give K ->fault and ->page_mkwrite calls and a
 *    bitmap of exactly those pages; rewrites give nothing; after a clean,
 *    the next writes call only ->page_mkwrite;
 *  - clean and bitmap ranges are exact across folio batches (more than 31
 *    pages);
 *  - fault-around fills a second mapping of cached pages one window at a
 *    time, with no ->fault at all;
 *  - a mapping at a page offset dirties the object's pages at that offset;
 *  - two mappings in one process each notify once, but the page is
 *    dirtied only once, and a clean write-protects both;
 *  - a forked child's writes to a shared mapping fault afresh (->fault and
 *    ->page_mkwrite) and do not dirty the page twice;
 *  - after mprotect() read-only and back, dirty ptes are writable without
 *    a fault, and clean ones fault;
 *  - private mappings never dirty or change the object;
 *  - ftruncate(): SIGBUS past end of file; after the object grows again,
 *    the truncated data is gone;
 *  - debugfs agrees with the stats ioctl, and an object lives exactly as
 *    long as its fds and mappings.
 *
 * Facts of the core fault code these numbers rest on (6.1 to 7.x, x86-64
 * and arm64 alike, PREEMPT_RT too; "mm: memory: merge shared-writable
 * dirtying branches in do_wp_page()", Johannes Weiner and Jan Kara,
 * December 2014, discusses how a shared-writable write fault dirties a
 * page with and without ->page_mkwrite):
 *  - a write to a page with no pte in a shared mapping calls ->fault and
 *    then ->page_mkwrite (do_shared_fault()); a write to a read-only pte
 *    calls only ->page_mkwrite (wp_page_shared());
 *  - a read with no pte first tries fault-around (->map_pages), which maps
 *    cached pages only; ->fault runs when the faulting page was not mapped;
 *  - fork() copies no ptes of a shared mapping without an anon_vma, so the
 *    child faults afresh (vma_needs_copy());
 *  - mprotect() back to writable makes only dirty ptes writable
 *    (can_change_pte_writable()), so clean pages still fault;
 *  - a write to a page already mapped read-only in a private mapping is
 *    copied by the core (wp_page_copy()) without calling the driver.
 * Write faults never fault around, and no pte here is ever writable and
 * clean, so arm64 hardware dirty-bit management changes nothing.
 *
 * Counts follow from the page size: sizes are in pages, and what
 * fault-around maps follows from its window, read from debugfs
 * (fault_around_bytes, 64 KiB by default): 16 pages with 4 KiB pages, 4
 * with 16 KiB.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wpfault_stats.h"

FIXTURE(obj) {
	struct wpf_obj o;
	uint64_t bits[2];
	long win;	/* fault-around window in pages, or -errno */
};

FIXTURE_SETUP(obj)
{
	int dev = wpf_open_dev();

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	if (dev == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_LE(0, dev);
	close(dev);
	self->win = wpf_faultaround_pages();
}

FIXTURE_TEARDOWN(obj)
{
	wpf_destroy(&self->o);
}

static void create(struct __test_metadata *_metadata, struct wpf_obj *o,
		   uint64_t pages)
{
	ASSERT_EQ(0, wpf_create(o, pages * page_size));
}

static char *map(struct __test_metadata *_metadata, struct wpf_obj *o,
		 size_t pages, int flags, off_t pgoff)
{
	char *p = wpf_map(o->fd, pages, PROT_READ | PROT_WRITE, flags, pgoff);

	ASSERT_NE(MAP_FAILED, p);
	return p;
}

/* Volatile: the order of reads and writes is what the counters see. */

/* Tests whose counts depend on fault-around need its window. */
static bool have_window(struct __test_metadata *_metadata, long win)
{
	if (win < 0)
		SKIP(return false, "%s/fault_around_bytes: %s", DEBUGFS_DIR,
		     strerror(-win));
	return true;
}

/*
 * The pages fault-around maps for a read of cached page @page in a
 * mapping of @n pages (at most 64), @cached and @mapped having a bit for
 * each page that is cached and already has a pte: the cached pages
 * without a pte in the page's window of @win pages, which is aligned in
 * the address space (wpf_map() aligns the mapping).  The kernel does no
 * fault-around with a one-page window (64 KiB pages and the default
 * fault_around_bytes): then this is 0, and ->fault serves the read.
 */
static long faulted_around(long win, long page, long n, uint64_t cached,
			   uint64_t mapped)
{
	long i, first = page / win * win, pages = 0;

	for (i = first; win > 1 && i < first + win && i < n; i++)
		pages += ((cached & ~mapped) >> i) & 1;
	return pages;
}

static bool in_list(const uint64_t *list, int n, uint64_t v)
{
	while (n--)
		if (list[n] == v)
			return true;
	return false;
}

/* Writes K of N pages, rewrites them, reads the rest, cleans, rewrites. */
TEST_F(obj, write_k_of_n_pages)
{
	const uint64_t written[] = { 0, 3, 17, 40, 63 };
	const int n = 64, k = 5;
	char *p;
	int i;

	create(_metadata, &self->o, n);
	p = map(_metadata, &self->o, n, MAP_SHARED, 0);

	for (i = 0; i < k; i++)
		PAGE(p, written[i])[1] = wpf_pattern(written[i], 0);
	CHECK_STATS(self->o.fd, [W] = k, [MK] = k, [DI] = k, [AC] = k, [AL] = k,
		    [RS] = k);
	ASSERT_EQ(k, wpf_dirty_bitmap(self->o.fd, 0, n, self->bits));
	ASSERT_STREQ("0,3,17,40,63", wpf_bits_str(self->bits, n));

	/* Writable dirty ptes: writing again faults nowhere. */
	for (i = 0; i < k; i++)
		PAGE(p, written[i])[2] = wpf_pattern(written[i], 1);
	CHECK_STATS(self->o.fd, [W] = k, [MK] = k, [DI] = k, [AC] = k, [AL] = k,
		    [RS] = k);

	/* Reading the other pages faults each in and dirties nothing. */
	for (i = 0; i < n; i++)
		if (!in_list(written, k, i))
			ASSERT_EQ(0, PAGE(p, i)[1]);
	CHECK_STATS(self->o.fd, [R] = n - k, [W] = k, [MK] = k, [DI] = k,
		    [AC] = k, [AL] = n, [RS] = n);
	ASSERT_EQ(k, wpf_dirty_bitmap(self->o.fd, 0, n, self->bits));

	ASSERT_EQ(k, wpf_clean(self->o.fd, 0, n));
	ASSERT_EQ(0, wpf_dirty_bitmap(self->o.fd, 0, n, self->bits));
	CHECK_STATS(self->o.fd, [R] = n - k, [W] = k, [MK] = k, [DI] = k,
		    [AC] = k, [CL] = k, [AL] = n, [RS] = n);

	/* After the clean the ptes are read-only: only ->page_mkwrite runs. */
	PAGE(p, 3)[3] = wpf_pattern(3, 2);
	PAGE(p, 40)[3] = wpf_pattern(40, 2);
	PAGE(p, 40)[4] = wpf_pattern(40, 3);
	CHECK_STATS(self->o.fd, [R] = n - k, [W] = k, [MK] = k + 2,
		    [DI] = k + 2, [AC] = k, [CL] = k, [AL] = n, [RS] = n);
	ASSERT_EQ(2, wpf_dirty_bitmap(self->o.fd, 0, n, self->bits));
	ASSERT_STREQ("3,40", wpf_bits_str(self->bits, n));

	/* A fresh mapping sees every byte written. */
	ASSERT_EQ(0, munmap(p, n * page_size));
	p = map(_metadata, &self->o, n, MAP_SHARED, 0);
	for (i = 0; i < k; i++) {
		ASSERT_EQ(wpf_pattern(written[i], 0), PAGE(p, written[i])[1]);
		ASSERT_EQ(wpf_pattern(written[i], 1), PAGE(p, written[i])[2]);
	}
	ASSERT_EQ(wpf_pattern(3, 2), PAGE(p, 3)[3]);
	ASSERT_EQ(wpf_pattern(40, 3), PAGE(p, 40)[4]);
	ASSERT_EQ(0, PAGE(p, 0)[3]);
	munmap(p, n * page_size);
}

/*
 * The walks of the mappings a clean of @pages written pages in @runs runs
 * of three or more takes: two per such run where the kernel has the
 * dirty helpers, else a folio_mkclean() per page.
 */
static uint64_t clean_walks(struct __test_metadata *_metadata, int fd,
			    int runs, int pages)
{
	struct wpfault_tracking t;

	EXPECT_EQ(0, wpf_tracking(fd, &t));
	return t.flags & WPFAULT_TRACKING_NO_HELPERS ? pages : 2 * runs;
}

/*
 * Ranges are exact beyond one batch of folios (31): a clean of pages
 * [0, 40) used to clean the whole object.
 */
TEST_F(obj, clean_and_bitmap_ranges_are_exact)
{
	const int n = 100, cleaned = 40;
	char *p;
	int i;

	create(_metadata, &self->o, n);
	p = map(_metadata, &self->o, n, MAP_SHARED, 0);
	for (i = 0; i < n; i++)
		PAGE(p, i)[0] = 1;
	ASSERT_EQ(cleaned, wpf_clean(self->o.fd, 0, cleaned));
	ASSERT_EQ(n - cleaned, wpf_dirty_bitmap(self->o.fd, 0, n, self->bits));
	for (i = 0; i < n; i++)
		ASSERT_EQ(i >= cleaned,
			  !!(self->bits[i / 64] & (1ULL << (i % 64))));
	ASSERT_EQ(35, wpf_dirty_bitmap(self->o.fd, 65, 35, self->bits));
	ASSERT_EQ(0, wpf_dirty_bitmap(self->o.fd, 5, 35, self->bits));
	ASSERT_EQ(n - cleaned, wpf_clean(self->o.fd, 0, n));
	CHECK_STATS(self->o.fd, [W] = n, [MK] = n, [DI] = n, [AC] = n, [CL] = n,
		    [AL] = n, [RS] = n);
	/* Two runs: each write-protected, then its dirty bits cleared. */
	ASSERT_EQ(clean_walks(_metadata, self->o.fd, 2, n),
		  wpf_stat(self->o.fd, WPFAULT_STAT_MAPPING_WALKS));
	munmap(p, n * page_size);
}

/*
 * A clean takes two walks of the mappings for a run of three or more
 * written pages (write protection, then the dirty bits) and a
 * folio_mkclean() for each page of a shorter run: runs 0-3 and 10-17
 * take two each, pages 5-6 and 8 one each (without the kernel's dirty
 * helpers, one per page).  A run ends at a page not
 * written, and at WPF_CLEAN_RUN pages.  Each page then faults once at its
 * next write, and no other does.  While a MAP_PRIVATE mapping exists,
 * which would stop the helpers' walk, every page takes a folio_mkclean().
 */
TEST_F(obj, clean_walks_twice_per_run)
{
	static const int written[] = { 0, 1, 2, 3, 5, 6, 8, 10, 11, 12, 13, 14,
				       15, 16, 17 };
	const int n = 20, nw = ARRAY_SIZE(written);
	uint64_t walks;
	char *p, *q;
	int i;

	create(_metadata, &self->o, n);
	p = map(_metadata, &self->o, n, MAP_SHARED, 0);
	for (i = 0; i < nw; i++)
		PAGE(p, written[i])[0] = 1;
	ASSERT_EQ(nw, wpf_clean(self->o.fd, 0, n));
	walks = clean_walks(_metadata, self->o.fd, 2, 12) + 3;
	ASSERT_EQ(walks, wpf_stat(self->o.fd, WPFAULT_STAT_MAPPING_WALKS));
	for (i = 0; i < nw; i++)
		ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(p, written[i])));
	CHECK_STATS(self->o.fd, [W] = nw, [MK] = 2 * nw, [DI] = 2 * nw,
		    [AC] = nw, [CL] = nw, [AL] = nw, [RS] = nw);
	ASSERT_EQ(nw, wpf_dirty_bitmap(self->o.fd, 0, n, self->bits));
	ASSERT_STREQ("0,1,2,3,5,6,8,10,11,12,13,14,15,16,17",
		     wpf_bits_str(self->bits, n));

	q = map(_metadata, &self->o, n, MAP_PRIVATE, 0);
	ASSERT_EQ(nw, wpf_clean(self->o.fd, 0, n));
	ASSERT_EQ(walks + nw, wpf_stat(self->o.fd, WPFAULT_STAT_MAPPING_WALKS));
	for (i = 0; i < nw; i++)
		ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(p, written[i])));
	ASSERT_EQ(3 * nw, wpf_stat(self->o.fd, WPFAULT_STAT_MKWRITE_CALLS));
	munmap(q, n * page_size);
	munmap(p, n * page_size);
}

/* Reads never dirty anything, and a clean of clean pages cleans none. */
TEST_F(obj, reads_never_dirty)
{
	const int n = 32;
	char *p;
	int i;

	create(_metadata, &self->o, n);
	p = map(_metadata, &self->o, n, MAP_SHARED, 0);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, PAGE(p, i)[i]);
	/* Fault-around finds no other cached page: every read faults. */
	CHECK_STATS(self->o.fd, [R] = n, [AL] = n, [RS] = n);
	ASSERT_EQ(0, wpf_dirty_bitmap(self->o.fd, 0, n, self->bits));
	ASSERT_EQ(0, wpf_clean(self->o.fd, 0, n));
	CHECK_STATS(self->o.fd, [R] = n, [AL] = n, [RS] = n);
	munmap(p, n * page_size);
}

/* A second mapping of cached pages is filled by fault-around, not ->fault. */
TEST_F(obj, fault_around_maps_neighbours)
{
	long n, i, win, reads;
	char *a, *b;

	if (!have_window(_metadata, self->win))
		return;
	win = self->win;
	ASSERT_GT(win, 0);
	/* Four windows, and a page 5 to write. */
	n = win > 1 ? 4 * win : 8;
	create(_metadata, &self->o, n);
	a = map(_metadata, &self->o, n, MAP_SHARED, 0);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, PAGE(a, i)[0]);
	CHECK_STATS(self->o.fd, [R] = n, [AL] = n, [RS] = n);

	b = map(_metadata, &self->o, n, MAP_SHARED, 0);
	if (win == 1) {
		/* A one-page window (64 KiB pages): no fault-around at all. */
		for (i = 0; i < n; i++)
			ASSERT_EQ(0, PAGE(b, i)[0]);
		reads = 2 * n;
		CHECK_STATS(self->o.fd, [R] = reads, [AL] = n, [RS] = n);
	} else {
		reads = n;
		ASSERT_EQ(0, PAGE(b, 0)[0]);
		CHECK_STATS(self->o.fd, [R] = n, [FA] = win, [AL] = n,
			    [RS] = n);
		for (i = 1; i < win; i++)
			ASSERT_EQ(0, PAGE(b, i)[0]);
		CHECK_STATS(self->o.fd, [R] = n, [FA] = win, [AL] = n,
			    [RS] = n);
		for (i = win; i < n; i++)
			ASSERT_EQ(0, PAGE(b, i)[0]);
		CHECK_STATS(self->o.fd, [R] = n, [FA] = n, [AL] = n,
			    [RS] = n);
	}

	/* Read faults map read-only: the first write still notifies. */
	PAGE(b, 5)[0] = 1;
	CHECK_STATS(self->o.fd, [R] = reads, [FA] = 2 * n - reads, [MK] = 1,
		    [DI] = 1, [AC] = 1, [AL] = n, [RS] = n);
	ASSERT_EQ(1, PAGE(a, 5)[0]);
	munmap(a, n * page_size);
	munmap(b, n * page_size);
}

/* A mapping at a page offset dirties the object's pages, not its own. */
TEST_F(obj, mapping_at_offset)
{
	const int n = 32, off = 10, len = 8;
	char *p, *full;
	bool around;

	create(_metadata, &self->o, n);
	p = map(_metadata, &self->o, len, MAP_SHARED, off);
	PAGE(p, 0)[0] = wpf_pattern(off, 0);
	PAGE(p, len - 1)[0] = wpf_pattern(off + len - 1, 0);
	CHECK_STATS(self->o.fd, [W] = 2, [MK] = 2, [DI] = 2, [AC] = 2, [AL] = 2,
		    [RS] = 2);
	ASSERT_EQ(2, wpf_dirty_bitmap(self->o.fd, 0, n, self->bits));
	ASSERT_STREQ("10,17", wpf_bits_str(self->bits, n));
	/* Bit 0 of a bitmap is the first page of its range. */
	ASSERT_EQ(2, wpf_dirty_bitmap(self->o.fd, 8, 16, self->bits));
	ASSERT_STREQ("2,9", wpf_bits_str(self->bits, 16));
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 16, 16, self->bits));
	ASSERT_STREQ("1", wpf_bits_str(self->bits, 16));

	if (!have_window(_metadata, self->win))
		return;
	around = self->win > 1;
	full = map(_metadata, &self->o, n, MAP_SHARED, 0);
	ASSERT_EQ(wpf_pattern(off, 0), PAGE(full, off)[0]);
	ASSERT_EQ(wpf_pattern(off + len - 1, 0), PAGE(full, off + len - 1)[0]);
	/*
	 * Both pages were cached: fault-around served both reads, unless
	 * the window is one page (64 KiB pages).
	 */
	CHECK_STATS(self->o.fd, [R] = 2 * !around, [W] = 2, [FA] = 2 * around,
		    [MK] = 2, [DI] = 2, [AC] = 2, [AL] = 2, [RS] = 2);
	munmap(p, len * page_size);
	munmap(full, n * page_size);
}

/* Two mappings in one process: each notifies once; one page dirtied. */
TEST_F(obj, two_mappings_one_process)
{
	const int n = 8;
	char *a, *b;

	create(_metadata, &self->o, n);
	a = map(_metadata, &self->o, n, MAP_SHARED, 0);
	b = map(_metadata, &self->o, n, MAP_SHARED, 0);
	PAGE(a, 3)[0] = 'a';
	CHECK_STATS(self->o.fd, [W] = 1, [MK] = 1, [DI] = 1, [AC] = 1, [AL] = 1,
		    [RS] = 1);
	PAGE(b, 3)[1] = 'b';
	CHECK_STATS(self->o.fd, [W] = 2, [MK] = 2, [DI] = 1, [AC] = 1, [AL] = 1,
		    [RS] = 1);
	ASSERT_EQ('b', PAGE(a, 3)[1]);
	ASSERT_EQ('a', PAGE(b, 3)[0]);

	/* A clean write-protects both mappings. */
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, n));
	PAGE(a, 3)[2] = 'c';
	CHECK_STATS(self->o.fd, [W] = 2, [MK] = 3, [DI] = 2, [AC] = 1, [CL] = 1,
		    [AL] = 1, [RS] = 1);
	PAGE(b, 3)[3] = 'd';
	CHECK_STATS(self->o.fd, [W] = 2, [MK] = 4, [DI] = 2, [AC] = 1, [CL] = 1,
		    [AL] = 1, [RS] = 1);
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 0, n, self->bits));
	ASSERT_STREQ("3", wpf_bits_str(self->bits, n));
	ASSERT_EQ('a', PAGE(a, 3)[0]);
	ASSERT_EQ('b', PAGE(a, 3)[1]);
	ASSERT_EQ('c', PAGE(a, 3)[2]);
	ASSERT_EQ('d', PAGE(a, 3)[3]);
	munmap(a, n * page_size);
	munmap(b, n * page_size);
}

/* A forked child shares the object; its writes fault in its own mm. */
TEST_F(obj, fork_shares_mapping)
{
	const int n = 8;
	bool around;
	int status;
	pid_t pid;
	char *p;

	if (!have_window(_metadata, self->win))
		return;
	around = self->win > 1;
	create(_metadata, &self->o, n);
	p = map(_metadata, &self->o, n, MAP_SHARED, 0);
	PAGE(p, 0)[0] = 'p';
	CHECK_STATS(self->o.fd, [W] = 1, [MK] = 1, [DI] = 1, [AC] = 1, [AL] = 1,
		    [RS] = 1);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		PAGE(p, 1)[0] = 'c';
		PAGE(p, 0)[1] = 'c';
		_exit(PAGE(p, 0)[0] == 'p' ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	/* The child had no ptes: two ->fault + ->page_mkwrite, one new page. */
	CHECK_STATS(self->o.fd, [W] = 3, [MK] = 3, [DI] = 2, [AC] = 2, [AL] = 2,
		    [RS] = 2);
	/* Page 1 is cached: fault-around maps it, if its window has room. */
	ASSERT_EQ('c', PAGE(p, 1)[0]);
	ASSERT_EQ('c', PAGE(p, 0)[1]);
	CHECK_STATS(self->o.fd, [R] = !around, [W] = 3, [FA] = around, [MK] = 3,
		    [DI] = 2, [AC] = 2, [AL] = 2, [RS] = 2);

	ASSERT_EQ(2, wpf_clean(self->o.fd, 0, n));
	PAGE(p, 0)[2] = 'p';
	CHECK_STATS(self->o.fd, [R] = !around, [W] = 3, [FA] = around, [MK] = 4,
		    [DI] = 3, [AC] = 2, [CL] = 2, [AL] = 2, [RS] = 2);
	munmap(p, n * page_size);
}

/*
 * Read-only and back: dirty ptes come back writable, clean ones fault.
 * mprotect() makes a read-only pte writable without a fault if it is
 * dirty, so a clean must leave none dirty: page 1, cleaned alone by
 * folio_mkclean(), and pages 3-5, cleaned as a run, fault again.
 */
TEST_F(obj, mprotect_readonly_and_back)
{
	const int n = 8;
	char *p;
	int i;

	create(_metadata, &self->o, n);
	p = map(_metadata, &self->o, n, MAP_SHARED, 0);
	for (i = 0; i < 6; i++)
		PAGE(p, i)[0] = 1;
	ASSERT_EQ(1, wpf_clean(self->o.fd, 1, 1));
	ASSERT_EQ(3, wpf_clean(self->o.fd, 3, 3));
	CHECK_STATS(self->o.fd, [W] = 6, [MK] = 6, [DI] = 6, [AC] = 6, [CL] = 4,
		    [AL] = 6, [RS] = 6);

	ASSERT_EQ(0, mprotect(p, n * page_size, PROT_READ));
	ASSERT_EQ(1, PAGE(p, 0)[0]);
	ASSERT_EQ(1, PAGE(p, 1)[0]);
	ASSERT_EQ(SIGSEGV, wpf_access_signal(wpf_write_byte, PAGE(p, 0)));
	CHECK_STATS(self->o.fd, [W] = 6, [MK] = 6, [DI] = 6, [AC] = 6, [CL] = 4,
		    [AL] = 6, [RS] = 6);

	ASSERT_EQ(0, mprotect(p, n * page_size, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, wpf_faults(wpf_write_byte, PAGE(p, 0)));
	ASSERT_EQ(0, wpf_faults(wpf_write_byte, PAGE(p, 2)));
	CHECK_STATS(self->o.fd, [W] = 6, [MK] = 6, [DI] = 6, [AC] = 6, [CL] = 4,
		    [AL] = 6, [RS] = 6);
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(p, 1)));
	for (i = 3; i < 6; i++)
		ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(p, i)));
	CHECK_STATS(self->o.fd, [W] = 6, [MK] = 10, [DI] = 10, [AC] = 6,
		    [CL] = 4, [AL] = 6, [RS] = 6);
	PAGE(p, 6)[1] = 2;
	CHECK_STATS(self->o.fd, [W] = 7, [MK] = 11, [DI] = 11, [AC] = 7,
		    [CL] = 4, [AL] = 7, [RS] = 7);
	ASSERT_EQ(7, wpf_dirty_bitmap(self->o.fd, 0, n, self->bits));
	ASSERT_STREQ("0,1,2,3,4,5,6", wpf_bits_str(self->bits, n));
	munmap(p, n * page_size);
}

/* Private writes are copies: the object is neither dirtied nor changed. */
TEST_F(obj, private_write_never_dirties)
{
	const int n = 4;
	char *s, *p, *f;
	long fa;
	int i;

	if (!have_window(_metadata, self->win))
		return;
	create(_metadata, &self->o, n);
	s = map(_metadata, &self->o, n, MAP_SHARED, 0);
	for (i = 0; i < n; i++)
		PAGE(s, i)[0] = wpf_pattern(i, 0);
	ASSERT_EQ(n, wpf_clean(self->o.fd, 0, n));
	CHECK_STATS(self->o.fd, [W] = n, [MK] = n, [DI] = n, [AC] = n, [CL] = n,
		    [AL] = n, [RS] = n);

	p = map(_metadata, &self->o, n, MAP_PRIVATE, 0);
	/* No pte: ->fault for a private write, then the core copies. */
	PAGE(p, 0)[0] = 'x';
	CHECK_STATS(self->o.fd, [W] = n, [COW] = 1, [MK] = n, [DI] = n,
		    [AC] = n, [CL] = n, [AL] = n, [RS] = n);
	/*
	 * Page 2 is mapped read-only, with the rest of its window (pages 1-3
	 * with 4 or 16 KiB pages)...
	 */
	fa = faulted_around(self->win, 2, n, (1ULL << n) - 1, 1ULL << 0);
	ASSERT_EQ(wpf_pattern(2, 0), PAGE(p, 2)[0]);
	CHECK_STATS(self->o.fd, [R] = !fa, [W] = n, [COW] = 1, [FA] = fa,
		    [MK] = n, [DI] = n, [AC] = n, [CL] = n, [AL] = n, [RS] = n);
	/* ...and the write to it is copied without asking the driver. */
	PAGE(p, 2)[0] = 'y';
	CHECK_STATS(self->o.fd, [R] = !fa, [W] = n, [COW] = 1, [FA] = fa,
		    [MK] = n, [DI] = n, [AC] = n, [CL] = n, [AL] = n, [RS] = n);

	ASSERT_EQ(0, wpf_dirty_bitmap(self->o.fd, 0, n, self->bits));
	ASSERT_EQ('x', PAGE(p, 0)[0]);
	ASSERT_EQ('y', PAGE(p, 2)[0]);
	f = map(_metadata, &self->o, n, MAP_SHARED, 0);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(wpf_pattern(i, 0), PAGE(s, i)[0]);
		ASSERT_EQ(wpf_pattern(i, 0), PAGE(f, i)[0]);
	}
	munmap(s, n * page_size);
	munmap(p, n * page_size);
	munmap(f, n * page_size);
}

/* After a truncate nothing maps past EOF: SIGBUS, then zeroes on regrowth. */
TEST_F(obj, sigbus_past_eof)
{
	const int n = 4;
	char *p;
	int i;

	create(_metadata, &self->o, n);
	p = map(_metadata, &self->o, n, MAP_SHARED, 0);
	for (i = 0; i < n; i++)
		PAGE(p, i)[0] = wpf_pattern(i, 0);
	ASSERT_EQ(0, ftruncate(self->o.fd, 2 * page_size));
	CHECK_STATS(self->o.fd, [W] = n, [MK] = n, [DI] = n, [AC] = n, [TR] = 1,
		    [PT] = 2, [AL] = n, [RS] = 2);

	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, PAGE(p, 2)));
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_write_byte, PAGE(p, 3)));
	CHECK_STATS(self->o.fd, [R] = 1, [W] = n + 1, [SB] = 2, [MK] = n,
		    [DI] = n, [AC] = n, [TR] = 1, [PT] = 2, [AL] = n, [RS] = 2);
	ASSERT_EQ(wpf_pattern(1, 0), PAGE(p, 1)[0]);
	ASSERT_EQ(2, wpf_dirty_bitmap(self->o.fd, 0, 2, self->bits));
	ASSERT_EQ(-ENXIO, wpf_dirty_bitmap(self->o.fd, 0, n, self->bits));

	/* The truncated data is gone for good. */
	ASSERT_EQ(0, ftruncate(self->o.fd, n * page_size));
	ASSERT_EQ(0, PAGE(p, 2)[0]);
	CHECK_STATS(self->o.fd, [R] = 2, [W] = n + 1, [SB] = 2, [MK] = n,
		    [DI] = n, [AC] = n, [TR] = 1, [PT] = 2, [AL] = n + 1,
		    [RS] = 3);
	munmap(p, n * page_size);
}

/* debugfs shows the same numbers as the stats ioctl. */
TEST_F(obj, debugfs_matches_ioctl)
{
	uint64_t ioc[WPFAULT_STAT_NR], dbg[WPFAULT_STAT_NR];
	char dir[32];
	char *p;
	int i;

	create(_metadata, &self->o, 4);
	p = map(_metadata, &self->o, 4, MAP_SHARED, 0);
	PAGE(p, 1)[0] = 1;
	ASSERT_EQ(0, PAGE(p, 3)[0]);
	snprintf(dir, sizeof(dir), "%llu", (unsigned long long)self->o.id);
	i = wpf_debugfs_stats(dir, dbg);
	if (i == -ENOENT && access(DEBUGFS_DIR "/wpfault", F_OK))
		SKIP(return, "%s/wpfault missing: debugfs not mounted",
		     DEBUGFS_DIR);
	ASSERT_EQ(0, i);
	ASSERT_EQ(0, wpf_stats(self->o.fd, ioc));
	for (i = 0; i < WPFAULT_STAT_NR; i++) {
		TH_LOG("%s %llu", wpf_stat_name(i), (unsigned long long)dbg[i]);
		ASSERT_EQ(ioc[i], dbg[i]);
	}
	ASSERT_EQ(1, ioc[MK]);
	ASSERT_EQ(1, ioc[R]);

	ASSERT_EQ(0, wpf_debugfs_stats("", dbg));
	ASSERT_EQ(0, wpf_stats(self->o.dev, ioc));
	for (i = 0; i < WPFAULT_STAT_NR; i++)
		ASSERT_EQ(ioc[i], dbg[i]);
	munmap(p, 4 * page_size);
}

/* An object lives while an fd or a mapping holds it, and frees its pages. */
TEST(object_lifetime)
{
	uint64_t before[WPFAULT_STAT_NR], now[WPFAULT_STAT_NR];
	struct wpf_obj o;
	char dir[32];
	int dev, i;
	char *p;

	dev = wpf_open_dev();
	if (dev == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, wpf_stats(dev, before));
	ASSERT_EQ(0, wpf_create(&o, 3 * page_size));
	p = wpf_map(o.fd, 3, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < 3; i++)
		PAGE(p, i)[0] = 1;
	ASSERT_EQ(0, wpf_stats(dev, now));
	ASSERT_EQ(before[WPFAULT_STAT_OBJECTS_ALIVE] + 1,
		  now[WPFAULT_STAT_OBJECTS_ALIVE]);
	ASSERT_EQ(before[RS] + 3, now[RS]);
	ASSERT_EQ(before[AL] + 3, now[AL]);

	snprintf(dir, sizeof(dir), DEBUGFS_DIR "/wpfault/%llu",
		 (unsigned long long)o.id);
	wpf_destroy(&o);
	/* The mapping keeps the object, its pages and its debugfs files. */
	ASSERT_EQ(0, wpf_stats(dev, now));
	ASSERT_EQ(before[WPFAULT_STAT_OBJECTS_ALIVE] + 1,
		  now[WPFAULT_STAT_OBJECTS_ALIVE]);
	ASSERT_EQ(before[RS] + 3, now[RS]);
	ASSERT_EQ(1, PAGE(p, 2)[0]);

	ASSERT_EQ(0, munmap(p, 3 * page_size));
	ASSERT_EQ(0, wpf_stats(dev, now));
	ASSERT_EQ(before[WPFAULT_STAT_OBJECTS_ALIVE],
		  now[WPFAULT_STAT_OBJECTS_ALIVE]);
	ASSERT_EQ(before[RS], now[RS]);
	if (!access(DEBUGFS_DIR "/wpfault", F_OK))
		ASSERT_NE(0, access(dir, F_OK));
	close(dev);
}

TEST_HARNESS_MAIN
