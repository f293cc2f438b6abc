// SPDX-License-Identifier: GPL-2.0
/*
 * PMD entries of pfn objects (WPFAULT_CREATE_PMD): a PMD-sized piece of
 * the object, N pages, mapped with one huge entry, as DAX maps a 2 MiB
 * extent ("mm: add vm_insert_mixed_mkwrite()", Ross Zwisler and Jan Kara,
 * July 2017: DAX's PTE fault sequence made to follow its PMD one).  A
 * write to a piece of holes allocates a contiguous run and maps it
 * writable and dirty in one fault, recording all N pages; a read maps a
 * written piece read-only, and a write to that upgrades the entry in
 * place (wp_huge_pmd(), not ->pfn_mkwrite); fallocate() of a whole piece
 * of holes gives it a run too.  A read of a hole, a piece with a punched
 * page, a piece past end of file or one the mapping does not cover whole
 * goes to small entries.  Cleans and fsync remove the entry; the
 * kernel's mprotect() and munmap() of part of it remove it whole,
 * MADV_DONTNEED is refused, mremap() moves it, compaction leaves it;
 * pagemap, mincore() and smaps see no page behind it; MADV_NOHUGEPAGE
 * keeps a mapping to small entries.  Data is checked on the object's
 * disk.  Counts are exact: the module's counters
 * and the faults the core took.  Sizes come from the kernel's PMD size
 * (hpage_pmd_size) and the page size.
 *
 * Special huge pfn entries came in 6.12, and need transparent huge pages,
 * which PREEMPT_RT kernels lack: a kernel without them must refuse the
 * flag with EOPNOTSUPP, one with them accept it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wpfault_stats.h"

FIXTURE(pmd) {
	struct wpf_obj o;
	char *p;
	char *buf;
	/* Pages in a PMD, and bytes. */
	size_t n, size;
};

/* Two pieces. */
FIXTURE_SETUP(pmd)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	self->buf = NULL;
	self->size = wpf_pmd_size();
	/* A kernel without huge pages has no PMD objects either. */
	err = wpf_create_pmd_mapped(&self->o, self->size ?: page_size,
				    page_size, &self->p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	if (err == 1)
		SKIP(return, WPF_NO_PMD_OBJECTS);
	ASSERT_EQ(0, err);
	ASSERT_NE(0, self->size);
	self->n = self->size / page_size;
	munmap(self->p, page_size);
	wpf_destroy(&self->o);
	ASSERT_EQ(0, wpf_create_pmd_mapped(&self->o, 2 * self->size,
					   2 * self->size, &self->p));
	/* thp_get_unmapped_area() aligned it for the huge entries. */
	ASSERT_EQ(0, (uintptr_t)self->p % self->size);
	self->buf = malloc(self->size);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(pmd)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, 2 * self->size);
	free(self->buf);
	wpf_destroy(&self->o);
}

/* Page @i of @map holds @c in every byte. */
static bool page_is(const char *map, size_t i, char c)
{
	size_t j;

	for (j = 0; j < page_size; j++)
		if (map[i * page_size + j] != c)
			return false;
	return true;
}

/* Every page of the first piece on the disk is wpf_pattern(page, round). */
static bool disk_has_pattern(struct wpf_obj *o, char *buf, size_t n,
			     int round)
{
	size_t i;

	if (wpf_read_disk(o->fd, 0, n, buf) != (int64_t)n)
		return false;
	for (i = 0; i < n; i++)
		if (!page_is(buf, i, wpf_pattern(i, round)))
			return false;
	return true;
}

static void fill_pattern(char *p, size_t n, int round)
{
	size_t i;

	for (i = 0; i < n; i++)
		memset(p + i * page_size, wpf_pattern(i, round), page_size);
}

/* Bits [0, n) of @words all set, and no other. */
static bool all_bits(const uint64_t *words, size_t n, size_t nbits)
{
	size_t i;

	for (i = 0; i < nbits; i++) {
		bool set = words[i / 64] & (1ULL << (i % 64));
		bool want = i < n;

		if (set != want)
			return false;
	}
	return true;
}

/*
 * One fault maps the piece writable and dirty: every later write to any
 * of its pages takes none, and all N pages are recorded.
 */
TEST_F(pmd, first_write_maps_the_piece_with_one_entry)
{
	size_t n = self->n;

	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(0, wpf_faults(wpf_write_byte, PAGE(self->p, n - 1)));
	fill_pattern(self->p, n, 1);
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 1, [BA] = n,
		    [BL] = n, [DI] = n);
	ASSERT_TRUE(disk_has_pattern(&self->o, self->buf, n, 1));
}

/*
 * A read of a hole maps the small zero page: the piece then has small
 * entries in this mapping, and keeps them.
 */
TEST_F(pmd, read_of_a_hole_falls_back_for_good)
{
	long wf = wpf_writable_faults();

	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_FALLBACKS] = 1, [R] = 1,
		    [ZP] = 1);
	ASSERT_EQ(wf, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(wf, wpf_faults(wpf_write_byte, PAGE(self->p, 1)));
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_FALLBACKS] = 1, [R] = 1,
		    [ZP] = 1, [PM] = 1, [HU] = 1, [W] = 1, [BA] = 2, [BL] = 2,
		    [DI] = 2);
}

/*
 * A clean removes the entry; a read maps the written piece read-only,
 * and a write upgrades that entry in place through ->huge_fault, with
 * the whole piece recorded again.
 */
TEST_F(pmd, write_to_a_read_only_entry_upgrades_it_in_place)
{
	size_t n = self->n;
	uint64_t *words = calloc(n / 64 + 1, 8);

	ASSERT_NE(NULL, words);
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ((int64_t)n, wpf_clean(self->o.fd, 0, n));
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 3)));
	ASSERT_EQ(0, wpf_faults(wpf_read_byte, PAGE(self->p, n - 1)));
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 5)));
	ASSERT_EQ(0, wpf_faults(wpf_write_byte, PAGE(self->p, 6)));
	fill_pattern(self->p, n, 2);
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 2,
		    [WPFAULT_STAT_PMD_UPGRADES] = 1, [BA] = n, [BL] = n,
		    [DI] = 2 * n, [CL] = n);
	ASSERT_EQ((int64_t)n, wpf_collect(self->o.fd, 0, 2 * n, words));
	ASSERT_TRUE(all_bits(words, n, 2 * n));
	ASSERT_TRUE(disk_has_pattern(&self->o, self->buf, n, 2));
	free(words);
}

/*
 * A clean of one page removes the whole entry and leaves the other pages
 * recorded: the next write maps the piece again and records the cleaned
 * page anew.
 */
TEST_F(pmd, clean_of_one_page_keeps_the_others_recorded)
{
	size_t n = self->n;
	uint64_t *words = calloc(n / 64 + 1, 8);

	ASSERT_NE(NULL, words);
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(1, wpf_clean(self->o.fd, 2, 1));
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 7)));
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 2, [BA] = n,
		    [BL] = n, [DI] = n + 1, [CL] = 1);
	ASSERT_EQ((int64_t)n, wpf_collect(self->o.fd, 0, n, words));
	ASSERT_TRUE(all_bits(words, n, n));
	free(words);
}

/* fsync flushes the N pages and removes the entry, as a clean does. */
TEST_F(pmd, fsync_flushes_the_piece_and_removes_the_entry)
{
	size_t n = self->n;

	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 1)));
	ASSERT_EQ(0, fsync(self->o.fd));
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 2, [BA] = n,
		    [BL] = n, [DI] = n, [WB] = 2, [WR] = 2 * n);
}

/*
 * fallocate() of a whole piece of holes gives it one run, as a DAX file
 * system gives an aligned extent: the first read maps the piece with one
 * huge entry, read-only, and a write upgrades that in place.  A page of
 * the next piece gets a block of its own.
 */
TEST_F(pmd, fallocate_gives_a_whole_piece_one_run)
{
	size_t n = self->n;
	uint64_t *words = calloc(2 * n / 64 + 1, 8);

	ASSERT_NE(NULL, words);
	ASSERT_EQ(0, fallocate(self->o.fd, 0, 0, self->size + page_size));
	CHECK_STATS(self->o.fd, [BA] = n + 1, [BL] = n + 1);
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	ASSERT_EQ(0, wpf_faults(wpf_read_byte, PAGE(self->p, n - 1)));
	ASSERT_TRUE(page_is(self->p, n - 1, 0));
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 1)));
	ASSERT_EQ(0, wpf_faults(wpf_write_byte, PAGE(self->p, n - 1)));
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 1,
		    [WPFAULT_STAT_PMD_UPGRADES] = 1, [BA] = n + 1,
		    [BL] = n + 1, [DI] = n);
	ASSERT_EQ((int64_t)n, wpf_collect(self->o.fd, 0, 2 * n, words));
	ASSERT_TRUE(all_bits(words, n, 2 * n));
	free(words);
}

/*
 * A hole punched in a mapped piece removes its entry; with a hole in
 * the run the piece goes to small entries, and each page keeps its data.
 */
TEST_F(pmd, punched_piece_goes_to_small_entries)
{
	size_t n = self->n;

	fill_pattern(self->p, n, 3);
	ASSERT_EQ(0, fallocate(self->o.fd,
			       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       3 * page_size, page_size));
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 3)));
	ASSERT_TRUE(page_is(self->p, 0, wpf_pattern(0, 3)));
	ASSERT_TRUE(page_is(self->p, 3, 0));
	ASSERT_TRUE(page_is(self->p, n - 1, wpf_pattern(n - 1, 3)));
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 1,
		    [WPFAULT_STAT_PMD_FALLBACKS] = 1, [R] = 3, [ZP] = 1,
		    [BA] = n, [BF] = 1, [BL] = n - 1, [DI] = n, [TR] = 1);
}

/*
 * mprotect() of one page splits the vma and removes the whole entry
 * (the kernel's split of a huge pfn entry); the rest of the piece is no
 * longer covered by one vma and goes to small entries.
 */
TEST_F(pmd, mprotect_of_one_page_removes_the_entry)
{
	size_t n = self->n;
	long wf = wpf_writable_faults();

	fill_pattern(self->p, n, 4);
	ASSERT_EQ(0, mprotect(self->p, page_size, PROT_READ));
	ASSERT_EQ(wf, wpf_faults(wpf_write_byte, PAGE(self->p, 1)));
	ASSERT_EQ(0, mprotect(self->p, page_size, PROT_READ | PROT_WRITE));
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	/* ->pfn_mkwrite, then the core's upgrade, which dirties the pte. */
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_TRUE(page_is(self->p, 2, wpf_pattern(2, 4)));
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 1,
		    [WPFAULT_STAT_PMD_FALLBACKS] = 1, [W] = 1, [R] = 2,
		    [PM] = 1, [CU] = 1, [BA] = n, [BL] = n, [DI] = n);
	/* Writable now: the pattern back in place takes no fault. */
	self->p[0] = wpf_pattern(0, 4);
	self->p[page_size] = wpf_pattern(1, 4);
	ASSERT_TRUE(disk_has_pattern(&self->o, self->buf, n, 4));
}

/*
 * munmap() of the second half of the piece removes the whole entry; the
 * first half's pages fault in with small entries and keep their data.
 */
TEST_F(pmd, munmap_of_half_the_piece)
{
	size_t n = self->n;

	fill_pattern(self->p, n, 5);
	ASSERT_EQ(0, munmap(self->p + self->size / 2, self->size / 2));
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	ASSERT_TRUE(page_is(self->p, 0, wpf_pattern(0, 5)));
	ASSERT_EQ(0, munmap(self->p, self->size / 2));
	self->p = mmap(NULL, 2 * self->size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, self->o.fd, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 1,
		    [WPFAULT_STAT_PMD_FALLBACKS] = 1, [R] = 1, [BA] = n,
		    [BL] = n, [DI] = n);
	ASSERT_TRUE(disk_has_pattern(&self->o, self->buf, n, 5));
}

/*
 * MADV_DONTNEED of half the piece: the kernel refuses it on a VM_PFNMAP
 * vma (EINVAL) before it reaches the page tables, so the huge entry stays,
 * writable, and nothing is recorded again.
 */
TEST_F(pmd, madv_dontneed_of_half_the_piece_is_refused)
{
	size_t n = self->n;

	fill_pattern(self->p, n, 8);
	ASSERT_EQ(-1, madvise(self->p + self->size / 2, self->size / 2,
			      MADV_DONTNEED));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, wpf_faults(wpf_write_byte, PAGE(self->p, n - 1)));
	ASSERT_EQ(0, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	self->p[(n - 1) * page_size] = wpf_pattern(n - 1, 8);
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 1, [BA] = n,
		    [BL] = n, [DI] = n);
	ASSERT_TRUE(disk_has_pattern(&self->o, self->buf, n, 8));
}

/*
 * fork() copies a writable huge pfn entry as it is, but old
 * (copy_huge_pmd()): the child's writes take no fault of the module's,
 * and the pages the parent's fault recorded cover them.  A CPU that sets
 * no access flags itself takes one fault in the core to set it.
 */
TEST_F(pmd, fork_copies_the_writable_entry)
{
	size_t n = self->n;
	uint64_t *words = calloc(n / 64 + 1, 8);
	long young_faults;
	int status;
	pid_t pid;

	ASSERT_NE(NULL, words);
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	/*
	 * After the write it measures: the probe makes every pte of this
	 * process old, and without hardware access flags the next touch of
	 * each page faults.
	 */
	young_faults = wpf_hw_access_flags() ? 0 : 1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long faults = wpf_faults(wpf_write_byte, PAGE(self->p, 1));

		fill_pattern(self->p, n, 6);
		_exit(faults == young_faults ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ((int64_t)n, wpf_collect(self->o.fd, 0, n, words));
	ASSERT_TRUE(all_bits(words, n, n));
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 1, [BA] = n,
		    [BL] = n, [DI] = n, [CL] = n, [CO] = 1, [CV] = n);
	ASSERT_TRUE(disk_has_pattern(&self->o, self->buf, n, 6));
	free(words);
}

/* MADV_NOHUGEPAGE: the kernel no longer asks for huge entries. */
TEST_F(pmd, nohugepage_keeps_small_entries)
{
	long wf = wpf_writable_faults();

	ASSERT_EQ(0, madvise(self->p, 2 * self->size, MADV_NOHUGEPAGE));
	ASSERT_EQ(wf, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(wf, wpf_faults(wpf_write_byte, PAGE(self->p, 1)));
	CHECK_STATS(self->o.fd, [W] = 2, [BA] = 2, [BL] = 2, [DI] = 2);
}

/* The kB of field @key ("Rss:") in the smaps block of the vma at @addr. */
static long smaps_kb(void *addr, const char *key)
{
	unsigned long start, end;
	bool in_vma = false;
	char line[256];
	long kb = -1;
	FILE *f;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* A vma's first line: "start-end perms ..." in hex. */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in_vma = start == (unsigned long)addr;
		else if (in_vma && !strncmp(line, key, strlen(key)))
			kb = strtol(line + strlen(key), NULL, 10);
	}
	fclose(f);
	return kb;
}

/*
 * The kernel's page-table walkers see nothing of a huge pfn entry, as of
 * a small one: walk_page_range() skips VM_PFNMAP vmas, so pagemap shows
 * no page present and mincore() asks the page cache, which holds none;
 * smaps walks the vma but vm_normal_page_pmd() finds no page behind a
 * special entry, so Rss is 0.  The entry stays: the next access takes no
 * fault.
 */
TEST_F(pmd, walkers_see_no_page_behind_the_entry)
{
	size_t n = self->n, i;
	unsigned char *vec = calloc(n, 1);
	uint64_t *entries = calloc(n, sizeof(*entries));

	ASSERT_NE(NULL, vec);
	ASSERT_NE(NULL, entries);
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	ASSERT_EQ(0, wpf_pagemap(self->p, n, entries));
	ASSERT_EQ(0, mincore(self->p, self->size, vec));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, entries[i] & WPF_PM_PRESENT);
		ASSERT_EQ(0, vec[i] & 1);
	}
	ASSERT_EQ(0, smaps_kb(self->p, "Rss:"));
	ASSERT_EQ(0, smaps_kb(self->p, "FilePmdMapped:"));
	ASSERT_EQ(0, wpf_faults(wpf_write_byte, PAGE(self->p, n - 1)));
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 1, [BA] = n,
		    [BL] = n, [DI] = n);
	free(entries);
	free(vec);
}

/*
 * mremap() moves a huge pfn entry whole to a PMD-aligned address
 * (move_huge_pmd()): the moved piece takes no fault, its data and its
 * records stay, and a clean finds the entry at its new address.
 */
TEST_F(pmd, mremap_moves_the_entry)
{
	size_t n = self->n;
	uint64_t *words = calloc(n / 64 + 1, 8);
	char *to, *area;

	ASSERT_NE(NULL, words);
	fill_pattern(self->p, n, 7);
	/* A free, PMD-aligned target of the same size. */
	area = mmap(NULL, 4 * self->size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	to = (char *)(((uintptr_t)area + 2 * self->size - 1) &
		      ~(uintptr_t)(self->size - 1));
	to = mremap(self->p, 2 * self->size, 2 * self->size,
		    MREMAP_MAYMOVE | MREMAP_FIXED, to);
	ASSERT_NE(MAP_FAILED, to);
	self->p = to;
	ASSERT_EQ(0, wpf_faults(wpf_read_byte, PAGE(self->p, n - 1)));
	ASSERT_TRUE(page_is(self->p, n - 1, wpf_pattern(n - 1, 7)));
	ASSERT_EQ((int64_t)n, wpf_collect(self->o.fd, 0, n, words));
	ASSERT_TRUE(all_bits(words, n, n));
	ASSERT_TRUE(disk_has_pattern(&self->o, self->buf, n, 7));
	/* The collect removed the entry at its new address. */
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(self->p, 0)));
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 2, [BA] = n,
		    [BL] = n, [DI] = 2 * n, [CL] = n, [CO] = 1, [CV] = n);
	munmap(area, 4 * self->size);
	free(words);
}

/*
 * Compaction moves only movable pages: a pfn object's blocks are none,
 * so a mapped huge entry and its run stay where they are, data and all.
 */
TEST_F(pmd, compaction_leaves_the_entry)
{
	size_t n = self->n;

	fill_pattern(self->p, n, 8);
	if (wpf_write_file("/proc/sys/vm/compact_memory", "1"))
		SKIP(return, "no compact_memory: no CONFIG_COMPACTION");
	ASSERT_EQ(0, wpf_faults(wpf_read_byte, PAGE(self->p, n / 2)));
	ASSERT_TRUE(page_is(self->p, n / 2, wpf_pattern(n / 2, 8)));
	CHECK_STATS(self->o.fd, [WPFAULT_STAT_PMD_MAPS] = 1, [BA] = n,
		    [BL] = n, [DI] = n);
	ASSERT_TRUE(disk_has_pattern(&self->o, self->buf, n, 8));
}

/*
 * The second piece of an object that ends one page short of it: the
 * piece is not whole within end of file, and goes to small entries.
 */
TEST(piece_past_end_of_file_falls_back)
{
	size_t size = wpf_pmd_size(), n = size / page_size;
	struct wpf_obj o = WPF_OBJ_INIT;
	char *p = MAP_FAILED;
	int err;

	if (size)
		err = wpf_create_pmd_mapped(&o, 2 * size - page_size,
					    2 * size, &p);
	else
		err = wpf_create_pmd_mapped(&o, page_size, page_size, &p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	if (err == 1)
		SKIP(return, WPF_NO_PMD_OBJECTS);
	ASSERT_EQ(0, err);
	ASSERT_NE(0, size);
	ASSERT_EQ(wpf_writable_faults(),
		  wpf_faults(wpf_write_byte, PAGE(p, n)));
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(p, 0)));
	CHECK_STATS(o.fd, [WPFAULT_STAT_PMD_MAPS] = 1,
		    [WPFAULT_STAT_PMD_FALLBACKS] = 1, [W] = 1, [BA] = n + 1,
		    [BL] = n + 1, [DI] = n + 1);
	munmap(p, 2 * size);
	wpf_destroy(&o);
}

/*
 * The flag is for pfn objects only, and such objects track by the
 * mkwrite method only; a kernel without special huge pfn entries refuses
 * it, as it must before 6.12 or without transparent huge pages, and must
 * not otherwise.
 */
TEST(flag_rules)
{
	struct wpf_obj o = WPF_OBJ_INIT;
	int err;

	ASSERT_EQ(-EINVAL, wpf_create_flags(&o, page_size,
					    WPFAULT_TYPE_PAGECACHE,
					    WPFAULT_CREATE_PMD));
	ASSERT_EQ(-EINVAL, wpf_create_flags(&o, page_size, WPFAULT_TYPE_COW,
					    WPFAULT_CREATE_PMD));
	err = wpf_create_flags(&o, page_size, WPFAULT_TYPE_PFN,
			       WPFAULT_CREATE_PMD);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	if (!wpf_pmd_objects()) {
		ASSERT_EQ(-EOPNOTSUPP, err);
		return;
	}
	ASSERT_EQ(0, err);
	ASSERT_EQ(-EOPNOTSUPP, wpf_set_method(o.fd, WPFAULT_METHOD_PAGETABLE));
	ASSERT_EQ(-EOPNOTSUPP, wpf_set_method(o.fd, WPFAULT_METHOD_ADAPTIVE));
	ASSERT_EQ(WPFAULT_MODE_MKWRITE,
		  wpf_set_method(o.fd, WPFAULT_METHOD_MKWRITE));
	wpf_destroy(&o);
}

TEST_HARNESS_MAIN
