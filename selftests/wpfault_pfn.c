// SPDX-License-Identifier: GPL-2.0
/*
 * pfn objects: memory mapped by pfn, as DAX maps it ("mm: add
 * vm_insert_mixed_mkwrite()", Ross Zwisler and Jan Kara, July 2017: the
 * zero page upgraded to writable storage, ->pfn_mkwrite, the WARN on a
 * pfn mismatch).  A hole reads through the shared zero page and allocates
 * nothing; the first write to it gets a block in one ->pfn_mkwrite, and
 * that block replaces the zero page in every mapping; a write to a
 * read-only block goes to ->pfn_mkwrite.  CLEAN write-protects the pages
 * it clears (the default method, mkwrite; wpfault_tracking.c tests the
 * others) and fsync unmaps them, so the next write faults again; each
 * keeps the other's state.  Truncation frees blocks, gives SIGBUS past
 * end of file, and a regrown page is a hole; a punched page is a hole
 * again, and partial pages are zeroed in place.  A forked child's writes,
 * through copied writable entries, the zero page or nothing, are all
 * collected; mprotect() read-only and back, and a moved mapping, track
 * exactly; growing a mapping, MADV_DONTNEED, MAP_PRIVATE, read(2) and GUP
 * are refused.  Counts are exact: the module's counters, and the faults
 * the core took (getrusage).
 *
 * Where the CPU does not set pte dirty bits itself (arm64 without
 * FEAT_HAFDBS), a write through a writable clean pte takes one more fault,
 * handled in the core: each write that makes an entry writable costs two
 * faults there, one elsewhere.  wpf_hw_dirty_bits() measures which.
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
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define NPAGES		8

FIXTURE(pfn) {
	struct wpf_obj o;
	char *p;
	char *buf;
	/* Faults a write takes that makes an entry writable. */
	long write_faults;
};

FIXTURE_SETUP(pfn)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	self->buf = malloc(NPAGES * page_size);
	ASSERT_NE(NULL, self->buf);
	err = wpf_create_type_mapped(&self->o, WPFAULT_TYPE_PFN, NPAGES,
				     &self->p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	self->write_faults = wpf_writable_faults();
}

FIXTURE_TEARDOWN(pfn)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, NPAGES * page_size);
	free(self->buf);
	wpf_destroy(&self->o);
}

/* Bytes [@from, @to) of page @i of @map are all @c. */
static bool bytes_are(const char *map, long i, size_t from, size_t to,
		      char c)
{
	size_t j;

	for (j = from; j < to; j++)
		if (map[i * page_size + j] != c)
			return false;
	return true;
}

static void fill(char *map, long i, char c)
{
	memset(map + i * page_size, c, page_size);
}

TEST_F(pfn, hole_reads_the_zero_page)
{
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	ASSERT_EQ(0, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	ASSERT_TRUE(bytes_are(self->p, 0, 0, page_size, 0));
	ASSERT_EQ(0, wpf_read_disk(self->o.fd, 0, NPAGES, self->buf));
	CHECK_STATS(self->o.fd, [R] = 1, [ZP] = 1);
}

/* The zero page goes, a block comes, in one ->pfn_mkwrite. */
TEST_F(pfn, first_write_upgrades_a_hole)
{
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	ASSERT_EQ(self->write_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(0, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	fill(self->p, 0, 'a');
	CHECK_STATS(self->o.fd, [R] = 1, [ZP] = 1, [PM] = 1, [HU] = 1,
		    [BA] = 1, [BL] = 1, [DI] = 1);
	ASSERT_EQ(1, wpf_read_disk(self->o.fd, 0, NPAGES, self->buf));
	ASSERT_TRUE(bytes_are(self->buf, 0, 0, page_size, 'a'));
	ASSERT_TRUE(bytes_are(self->buf, 1, 0, page_size, 0));
}

/* A write to a page never mapped: ->fault maps a new block writable. */
TEST_F(pfn, write_to_an_unmapped_hole)
{
	uint64_t bits = 0;

	ASSERT_EQ(self->write_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 1)));
	CHECK_STATS(self->o.fd, [W] = 1, [BA] = 1, [BL] = 1, [DI] = 1);
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL << 1, bits);
}

/*
 * CLEAN write-protects what it cleans: a read needs no fault, a write
 * goes to ->pfn_mkwrite, which records it and lets the core make the pte
 * writable: one fault on every CPU, as the core sets the dirty bit with
 * the write bit.  Where the kernel lacks the helpers (mode unmap) it
 * unmaps instead: a read maps the block again read-only, and a write
 * alone goes to ->fault.
 */
TEST_F(pfn, clean_makes_the_next_write_fault)
{
	bool unmap = wpf_mode(self->o.fd) == WPFAULT_MODE_UNMAP;
	uint64_t bits = 0;
	long i;

	for (i = 0; i < 4; i++)
		fill(self->p, i, 'b' + i);
	ASSERT_EQ(4, wpf_clean(self->o.fd, 0, NPAGES));
	ASSERT_EQ(0, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(unmap, wpf_faults(wpf_read_byte, PAGE(self->p, 2)));
	ASSERT_TRUE(bytes_are(self->p, 2, 0, page_size, 'd'));
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 2)));
	ASSERT_EQ(unmap ? self->write_faults : 1,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 3)));
	ASSERT_EQ(2, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0xcULL, bits);
	if (unmap) {
		TH_LOG("no MAPPING_DIRTY_HELPERS: cleaning unmaps");
		CHECK_STATS(self->o.fd, [R] = 1, [W] = 5, [PM] = 1, [CU] = 1,
			    [BA] = 4, [BL] = 4, [DI] = 6, [CL] = 4);
	} else {
		CHECK_STATS(self->o.fd, [W] = 4, [PM] = 2, [CU] = 2, [BA] = 4,
			    [BL] = 4, [DI] = 6, [CL] = 4, [PW] = 4);
	}
}

/*
 * The kernel's own path for a write to a read-only pfn entry:
 * ->pfn_mkwrite returns 0, and wp_pfn_shared() -> finish_mkwrite_fault()
 * -> wp_page_reuse() makes the same pte writable.  One fault, no ->fault,
 * no new block, and the writes land in the block (pagemap shows no pfn
 * of a VM_PFNMAP mapping: walk_page_range() skips those).  The clean
 * after it must unmap the page (the upgrade might have been on its way),
 * so the next write goes to ->fault; a clean of a page written through
 * ->fault write-protects it again.
 */
TEST_F(pfn, write_after_clean_is_upgraded_by_the_core)
{
	bool unmap = wpf_mode(self->o.fd) == WPFAULT_MODE_UNMAP;
	uint64_t bits = 0;

	fill(self->p, 0, 'u');
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, NPAGES));
	if (unmap) {
		TH_LOG("no MAPPING_DIRTY_HELPERS: a read maps the block again");
		ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	}
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(0, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL, bits);
	/* Unmapped by that collect: ->fault maps it writable again. */
	ASSERT_EQ(self->write_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	/* Written through ->fault: write-protected, and the core again. */
	ASSERT_EQ(unmap, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(1, wpf_read_disk(self->o.fd, 0, 1, self->buf));
	ASSERT_EQ(1, self->buf[0]);
	ASSERT_TRUE(bytes_are(self->buf, 0, 1, page_size, 'u'));
	if (unmap)
		CHECK_STATS(self->o.fd, [R] = 2, [W] = 2, [PM] = 2, [CU] = 2,
			    [UU] = 1, [BA] = 1, [BL] = 1, [DI] = 4, [CL] = 3,
			    [CO] = 2, [CV] = 2);
	else
		CHECK_STATS(self->o.fd, [W] = 2, [PM] = 2, [CU] = 2, [UU] = 1,
			    [BA] = 1, [BL] = 1, [DI] = 4, [CL] = 3, [CO] = 2,
			    [CV] = 2, [PW] = 2);
	/* The first write's removal of the zero page, then one per clean. */
	ASSERT_EQ(4, wpf_stat(self->o.fd, WPFAULT_STAT_MAPPING_WALKS));
}

/* The growth of the object's mapping_walks across a COLLECT of it all. */
static long collect_walks(struct __test_metadata *_metadata, int fd,
			  int64_t pages)
{
	uint64_t before = wpf_stat(fd, WPFAULT_STAT_MAPPING_WALKS), bits;

	EXPECT_EQ(pages, wpf_collect(fd, 0, NPAGES, &bits));
	return wpf_stat(fd, WPFAULT_STAT_MAPPING_WALKS) - before;
}

/*
 * A collect cleans a run of recorded pages next to each other in one
 * walk of the mappings, not one per page: write protection if every page
 * was written through ->fault, an unmap if the core upgraded any of them
 * (mode mkwrite), an unmap in mode unmap.  A run ends at a page not
 * written.
 */
TEST_F(pfn, collect_walks_once_per_run)
{
	bool unmap = wpf_mode(self->o.fd) == WPFAULT_MODE_UNMAP;
	long i;

	for (i = 0; i < NPAGES; i++)
		fill(self->p, i, 'w');
	/* Written through ->fault: write-protected in one stretch. */
	ASSERT_EQ(1, collect_walks(_metadata, self->o.fd, NPAGES));
	/* Upgraded by the core: unmapped in one stretch. */
	for (i = 0; i < NPAGES; i++)
		fill(self->p, i, 'x');
	ASSERT_EQ(1, collect_walks(_metadata, self->o.fd, NPAGES));
	ASSERT_EQ(unmap ? 0 : NPAGES,
		  wpf_stat(self->o.fd, WPFAULT_STAT_UPGRADES_UNMAPPED));
	/* Two runs, 0-2 and 5-6, through ->fault. */
	for (i = 0; i < NPAGES; i++)
		if (i < 3 || i == 5 || i == 6)
			fill(self->p, i, 'y');
	ASSERT_EQ(2, collect_walks(_metadata, self->o.fd, 5));
	/*
	 * One run: 0-2 and 5-6 upgraded by the core, 3-4 and 7 through
	 * ->fault (mode mkwrite), all unmapped at once; all through ->fault
	 * in mode unmap.
	 */
	for (i = 0; i < NPAGES; i++)
		fill(self->p, i, 'z');
	ASSERT_EQ(1, collect_walks(_metadata, self->o.fd, NPAGES));
	ASSERT_EQ(unmap ? 0 : NPAGES + 5,
		  wpf_stat(self->o.fd, WPFAULT_STAT_UPGRADES_UNMAPPED));
	/* Every page was unmapped: all through ->fault, write-protected. */
	for (i = 0; i < NPAGES; i++)
		fill(self->p, i, 'v');
	ASSERT_EQ(1, collect_walks(_metadata, self->o.fd, NPAGES));
	ASSERT_EQ(unmap ? 0 : NPAGES + 5,
		  wpf_stat(self->o.fd, WPFAULT_STAT_UPGRADES_UNMAPPED));
	ASSERT_EQ(NPAGES, wpf_read_disk(self->o.fd, 0, NPAGES, self->buf));
	for (i = 0; i < NPAGES; i++)
		ASSERT_TRUE(bytes_are(self->buf, i, 0, page_size, 'v'));
}

struct racing_write {
	volatile char *p;
	long faults;
};

static void *write_racing(void *arg)
{
	struct racing_write *w = arg;

	w->faults = wpf_faults(wpf_write_byte, w->p);
	return NULL;
}

/* Waits until the object's stalled fault is held: true, or false in 5 s. */
static bool stall_held(const char *path)
{
	char state[16];
	int i;

	for (i = 0; i < 5000; i++) {
		if (wpf_read_file(path, state, sizeof(state)) > 0 &&
		    !strcmp(state, "held"))
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * Arms the stall of object @id (its debugfs file's path goes to @stall)
 * and starts @w writing in @thread; returns when ->pfn_mkwrite holds it.
 */
static void start_stalled_write(struct __test_metadata *_metadata,
				uint64_t id, char *stall, size_t size,
				struct racing_write *w, pthread_t *thread)
{
	snprintf(stall, size, DEBUGFS_DIR "/wpfault/%llu/stall_pfn_mkwrite",
		 (unsigned long long)id);
	ASSERT_EQ(0, wpf_write_file(stall, "1"));
	ASSERT_EQ(0, pthread_create(thread, NULL, write_racing, w));
	if (!stall_held(stall)) {
		wpf_write_file(stall, "0");
		pthread_join(*thread, NULL);
		ASSERT_TRUE(false) TH_LOG("the write never reached the stall");
	}
}

/*
 * A COLLECT between ->pfn_mkwrite's record and the core's upgrade: the
 * collect reports the page and unmaps it, the upgrade fails pte_same(),
 * and the retried fault goes to ->fault, which records the write for the
 * next COLLECT.  Without the unmap the pte would become writable with the
 * page clean, and the second COLLECT would find nothing.
 */
TEST_F(pfn, clean_racing_the_core_upgrade_loses_nothing)
{
	bool unmap = wpf_mode(self->o.fd) == WPFAULT_MODE_UNMAP;
	struct racing_write w = { .p = PAGE(self->p, 0) };
	char stall[128];
	uint64_t bits = 0;
	pthread_t thread;

	fill(self->p, 0, 'r');
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, NPAGES));
	/* The pte is read-only now: unmapped and read again without helpers. */
	ASSERT_EQ(unmap, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	start_stalled_write(_metadata, self->o.id, stall, sizeof(stall), &w,
			    &thread);
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0, wpf_write_file(stall, "0"));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	/* ->pfn_mkwrite's fault, then the retry in ->fault. */
	ASSERT_EQ(1 + self->write_faults, w.faults);
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL, bits);
	ASSERT_EQ(1, wpf_read_disk(self->o.fd, 0, 1, self->buf));
	ASSERT_EQ(1, self->buf[0]);
	if (unmap)
		CHECK_STATS(self->o.fd, [R] = 1, [W] = 2, [PM] = 1, [CU] = 1,
			    [UU] = 1, [BA] = 1, [BL] = 1, [DI] = 3, [CL] = 3,
			    [CO] = 2, [CV] = 2);
	else
		CHECK_STATS(self->o.fd, [W] = 2, [PM] = 1, [CU] = 1, [UU] = 1,
			    [BA] = 1, [BL] = 1, [DI] = 3, [CL] = 3, [CO] = 2,
			    [CV] = 2, [PW] = 2);
}

/*
 * Leaving pagetable between ->pfn_mkwrite's record and the core's
 * upgrade.  A pagetable COLLECT in that window reports the page and
 * leaves its pte; the switch to mkwrite then finds the page still marked
 * (no harvest saw its pte dirty) and unmaps it, the upgrade fails
 * pte_same(), and the retried fault goes to ->fault, which records the
 * write for the next COLLECT.  Had the upgrade landed, the pte would be
 * writable in mkwrite mode with the page clean, and every later write to
 * it would be lost.
 */
TEST_F(pfn, leaving_pagetable_during_the_core_upgrade_loses_nothing)
{
	struct racing_write w = { .p = PAGE(self->p, 0) };
	char stall[128];
	uint64_t bits = 0;
	pthread_t thread;
	int mode;

	mode = wpf_set_method(self->o.fd, WPFAULT_METHOD_PAGETABLE);
	if (mode == -EOPNOTSUPP || mode == WPFAULT_MODE_UNMAP)
		SKIP(return, "pagetable mode is not available here");
	ASSERT_EQ(WPFAULT_MODE_MKWRITE,
		  wpf_set_method(self->o.fd, WPFAULT_METHOD_MKWRITE));
	fill(self->p, 0, 'r');
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, NPAGES));
	/* Entering pagetable leaves the pte read-only. */
	ASSERT_EQ(WPFAULT_MODE_PAGETABLE,
		  wpf_set_method(self->o.fd, WPFAULT_METHOD_PAGETABLE));
	start_stalled_write(_metadata, self->o.id, stall, sizeof(stall), &w,
			    &thread);
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(WPFAULT_MODE_MKWRITE,
		  wpf_set_method(self->o.fd, WPFAULT_METHOD_MKWRITE));
	ASSERT_EQ(0, wpf_write_file(stall, "0"));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	/* ->pfn_mkwrite's fault, then the retry in ->fault. */
	ASSERT_EQ(1 + self->write_faults, w.faults);
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL, bits);
	ASSERT_EQ(1, wpf_read_disk(self->o.fd, 0, 1, self->buf));
	ASSERT_EQ(1, self->buf[0]);
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_UPGRADES_UNMAPPED));
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_CORE_UPGRADES));
	ASSERT_EQ(2, wpf_stat(self->o.fd, WPFAULT_STAT_WRITE_FAULTS));
}

/* fsync, fdatasync and msync flush; the written set keeps its records. */
TEST_F(pfn, fsync_flushes_and_keeps_the_written_set)
{
	uint64_t bits = 0;

	fill(self->p, 0, 'f');
	fill(self->p, 1, 'g');
	ASSERT_EQ(0, fsync(self->o.fd));
	CHECK_STATS(self->o.fd, [W] = 2, [BA] = 2, [BL] = 2, [DI] = 2,
		    [WB] = 1, [WR] = 2);
	ASSERT_EQ(2, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	/* Flushed pages are unmapped: the next write faults and marks. */
	ASSERT_EQ(self->write_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(0, fdatasync(self->o.fd));
	ASSERT_EQ(0, msync(self->p, NPAGES * page_size, MS_SYNC));
	CHECK_STATS(self->o.fd, [W] = 3, [BA] = 2, [BL] = 2, [DI] = 2,
		    [WB] = 3, [WR] = 3);
	ASSERT_EQ(2, wpf_read_disk(self->o.fd, 0, NPAGES, self->buf));
	ASSERT_TRUE(bytes_are(self->buf, 1, 0, page_size, 'g'));
}

/*
 * A shrink frees the blocks past the new end of file and zeroes the rest
 * of its page; access past it is SIGBUS; a regrown page is a hole.
 */
TEST_F(pfn, truncate_frees_blocks)
{
	off_t size = 2 * page_size + page_size / 2;
	uint64_t bits = 0;
	long i;

	for (i = 0; i < NPAGES; i++)
		fill(self->p, i, 'k' + i);
	ASSERT_EQ(0, ftruncate(self->o.fd, size));
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, PAGE(self->p, 3)));
	ASSERT_TRUE(bytes_are(self->p, 2, 0, page_size / 2, 'm'));
	ASSERT_TRUE(bytes_are(self->p, 2, page_size / 2, page_size, 0));
	ASSERT_EQ(3, wpf_dirty_bitmap(self->o.fd, 0, 3, &bits));
	ASSERT_EQ(0, ftruncate(self->o.fd, NPAGES * page_size));
	ASSERT_TRUE(bytes_are(self->p, 3, 0, page_size, 0));
	ASSERT_TRUE(bytes_are(self->p, 1, 0, page_size, 'l'));
	CHECK_STATS(self->o.fd, [R] = 2, [W] = NPAGES, [SB] = 1, [ZP] = 1,
		    [BA] = NPAGES, [BF] = NPAGES - 3, [BL] = 3,
		    [DI] = NPAGES, [TR] = 1);
}

/* A punched page is a hole again; partial pages are zeroed in place. */
TEST_F(pfn, punch_returns_blocks_to_holes)
{
	uint64_t bits = 0;
	long i;

	for (i = 0; i < 4; i++)
		fill(self->p, i, 'p');
	ASSERT_EQ(0, fallocate(self->o.fd,
			       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       page_size / 2, 2 * page_size));
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 1)));
	ASSERT_TRUE(bytes_are(self->p, 1, 0, page_size, 0));
	ASSERT_TRUE(bytes_are(self->p, 0, 0, page_size / 2, 'p'));
	ASSERT_TRUE(bytes_are(self->p, 0, page_size / 2, page_size, 0));
	ASSERT_TRUE(bytes_are(self->p, 2, 0, page_size / 2, 0));
	ASSERT_TRUE(bytes_are(self->p, 2, page_size / 2, page_size, 'p'));
	ASSERT_TRUE(bytes_are(self->p, 3, 0, page_size, 'p'));
	/* A hole punch is no clean: the written set keeps its records. */
	ASSERT_EQ(4, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(3, wpf_read_disk(self->o.fd, 0, NPAGES, self->buf));
	ASSERT_EQ(self->write_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 1)));
	CHECK_STATS(self->o.fd, [R] = 1, [W] = 4, [ZP] = 1, [PM] = 1,
		    [HU] = 1, [BA] = 5, [BF] = 1, [BL] = 4, [DI] = 4,
		    [TR] = 1);
}

/* A new block replaces the zero page in every mapping, not only one. */
TEST_F(pfn, mappings_stay_coherent)
{
	char *q = wpf_map(self->o.fd, NPAGES, PROT_READ | PROT_WRITE,
			  MAP_SHARED, 0);

	ASSERT_NE(MAP_FAILED, q);
	/* Hole mapped in q; the write through p allocates in ->fault. */
	ASSERT_EQ(0, PAGE(q, 0)[0]);
	PAGE(self->p, 0)[0] = 'c';
	ASSERT_EQ('c', PAGE(q, 0)[0]);
	/* Hole mapped in both; the write through q upgrades. */
	ASSERT_EQ(0, PAGE(self->p, 1)[0]);
	ASSERT_EQ(0, PAGE(q, 1)[0]);
	PAGE(q, 1)[0] = 'd';
	ASSERT_EQ('d', PAGE(self->p, 1)[0]);
	munmap(q, NPAGES * page_size);
	CHECK_STATS(self->o.fd, [R] = 5, [W] = 1, [ZP] = 3, [PM] = 1,
		    [HU] = 1, [BA] = 2, [BL] = 2, [DI] = 2);
}

/*
 * vmf_insert_pfn() cannot serve a COW mapping of VM_PFNMAP: MAP_PRIVATE
 * is refused.  A shared mapping of a read-only descriptor is no COW
 * mapping, and sees the data.
 */
TEST_F(pfn, private_mappings_are_refused)
{
	char path[64];
	char *ro;
	int fd;

	ASSERT_EQ(MAP_FAILED, mmap(NULL, page_size, PROT_READ, MAP_PRIVATE,
				   self->o.fd, 0));
	ASSERT_EQ(EINVAL, errno);
	fill(self->p, 0, 'r');
	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->o.fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ro = mmap(NULL, page_size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_TRUE(bytes_are(ro, 0, 0, page_size, 'r'));
	munmap(ro, page_size);
	close(fd);
}

/*
 * No struct page reachable through the mapping: read(2) and write(2) have
 * no page cache to go through, and GUP refuses VM_PFNMAP, so another
 * process cannot write into the mapping with process_vm_writev().
 */
TEST_F(pfn, no_file_io_and_no_gup)
{
	struct iovec local = { .iov_base = self->buf, .iov_len = 1 };
	struct iovec remote = { .iov_base = self->p, .iov_len = 1 };

	ASSERT_EQ(-1, read(self->o.fd, self->buf, 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, pwrite(self->o.fd, self->buf, 1, 0));
	ASSERT_EQ(EINVAL, errno);
	self->buf[0] = 'x';
	ASSERT_EQ(-1, process_vm_writev(getpid(), &local, 1, &remote, 1, 0));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(0, PAGE(self->p, 0)[0]);
	CHECK_STATS(self->o.fd, [R] = 1, [ZP] = 1);
}

/*
 * fork copies a pfn mapping's entries (copy_page_range() does for
 * VM_PFNMAP), writable ones too: each was recorded when it became
 * writable, and a collect unmaps it in the child as in the parent.
 */
TEST_F(pfn, fork_keeps_tracking_exact)
{
	uint64_t bits = 0;
	int status;
	pid_t pid;

	PAGE(self->p, 0)[0] = 1;
	ASSERT_EQ(0, PAGE(self->p, 1)[0]);
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	PAGE(self->p, 2)[0] = 2;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* A writable copy, then the zero page, then nothing. */
		PAGE(self->p, 2)[1] = 3;
		PAGE(self->p, 1)[0] = 4;
		PAGE(self->p, 3)[0] = 5;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(3, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0xeULL, bits);
	ASSERT_EQ(3, PAGE(self->p, 2)[1]);
	ASSERT_EQ(4, PAGE(self->p, 1)[0]);
	ASSERT_EQ(5, PAGE(self->p, 3)[0]);
	/* The child's first writes: an upgrade, and a write to a hole. */
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_HOLE_UPGRADES));
	ASSERT_EQ(4, wpf_stat(self->o.fd, WPFAULT_STAT_BLOCKS_ALLOCATED));
}

/*
 * mprotect() read-only and back would make a dirty read-only entry
 * writable without a fault (a clean leaves the dirty bit): the vma's
 * ->mprotect removes the entries first, so the next write goes to
 * ->fault and is recorded.
 * A moved mapping tracks as before; growing one is refused
 * (VM_DONTEXPAND), and so is MADV_DONTNEED (the kernel refuses it on
 * VM_PFNMAP).
 */
TEST_F(pfn, mprotect_mremap_madvise)
{
	size_t len = NPAGES * page_size;
	uint64_t bits = 0;
	char *moved;

	PAGE(self->p, 0)[0] = 1;
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1, PAGE(self->p, 0)[0]);
	ASSERT_EQ(0, mprotect(self->p, len, PROT_READ));
	ASSERT_EQ(SIGSEGV, wpf_access_signal(wpf_write_byte,
					     PAGE(self->p, 0)));
	ASSERT_EQ(0, mprotect(self->p, len, PROT_READ | PROT_WRITE));
	ASSERT_EQ(self->write_faults,
		  wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(0, wpf_stat(self->o.fd, WPFAULT_STAT_PFN_MKWRITE_CALLS));
	ASSERT_EQ(2, wpf_stat(self->o.fd, WPFAULT_STAT_WRITE_FAULTS));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1, bits);

	/* Somewhere else: an equal size alone would not move it. */
	moved = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, moved);
	ASSERT_EQ(moved, mremap(self->p, len, len,
				MREMAP_MAYMOVE | MREMAP_FIXED, moved));
	self->p = moved;
	PAGE(self->p, 5)[0] = 6;
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL << 5, bits);
	ASSERT_EQ(MAP_FAILED, mremap(self->p, len, 2 * len, MREMAP_MAYMOVE));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, madvise(self->p, len, MADV_DONTNEED));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(6, PAGE(self->p, 5)[0]);
}

/*
 * The kernel takes a fault under the faulting vma's own lock, not the
 * mmap_lock, where it can (CONFIG_PER_VMA_LOCK, 6.4 on), and calls a
 * file's handlers there only if its vmas have ->map_pages
 * (vmf_can_call_fault()); otherwise it gives the fault up and takes it
 * again under the mmap_lock.  Page-cache objects map pages around a fault
 * and show what the kernel does: pfn and copy-on-write objects, which map
 * nothing around, must have their handlers called the same way.  Counted
 * in ->fault and ->pfn_mkwrite: ->page_mkwrite does not see the fault's
 * flags.
 */
TEST(handlers_run_under_the_vma_lock_as_for_the_page_cache)
{
	static const enum wpfault_type types[] = {
		WPFAULT_TYPE_PAGECACHE, WPFAULT_TYPE_PFN, WPFAULT_TYPE_COW,
	};
	static const char *const names[] = { "page cache", "pfn", "cow" };
	/* ->fault, and ->pfn_mkwrite for pfn. */
	static const uint64_t counted[] = { 1, 2, 1 };
	uint64_t locked[3];
	size_t i;

	for (i = 0; i < 3; i++) {
		struct wpf_obj o = WPF_OBJ_INIT;
		char *map;
		int err;

		err = wpf_create_type_mapped(&o, types[i], 1, &map);
		if (err == -ENOENT)
			SKIP(return, WPF_UNLOADED);
		ASSERT_EQ(0, err);
		ASSERT_EQ(0, map[0]);
		map[0] = 1;
		ASSERT_EQ(1, wpf_stat(o.fd, WPFAULT_STAT_READ_FAULTS));
		ASSERT_EQ(1, wpf_stat(o.fd, types[i] == WPFAULT_TYPE_PFN ?
				      WPFAULT_STAT_PFN_MKWRITE_CALLS :
				      WPFAULT_STAT_MKWRITE_CALLS));
		locked[i] = wpf_stat(o.fd, WPFAULT_STAT_VMA_LOCKED_FAULTS);
		TH_LOG("%s: %llu of %llu calls under the vma lock", names[i],
		       (unsigned long long)locked[i],
		       (unsigned long long)counted[i]);
		munmap(map, page_size);
		wpf_destroy(&o);
	}
	ASSERT_TRUE(locked[0] == 0 || locked[0] == counted[0]);
	for (i = 1; i < 3; i++)
		ASSERT_EQ(locked[0] ? counted[i] : 0, locked[i]);
}

TEST_HARNESS_MAIN
