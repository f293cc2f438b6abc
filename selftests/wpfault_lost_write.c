// SPDX-License-Identifier: GPL-2.0
/*
 * No lost write: a dirty bit must never be dropped between a pte and its
 * page, as "Optimize page_remove_rmap for anon pages" (Nick Piggin,
 * Martin Schwidefsky, June 2008) discusses, with the ways one could be
 * lost (fork, mlock, reclaim, exit, mprotect to read-only).  Each
 * scenario writes through a shared mapping, then has a child write and
 * exit, or calls mprotect(PROT_READ), munmap, MADV_DONTNEED, MADV_PAGEOUT
 * or MADV_COLD, or cleans between writes through two mappings; then it
 * syncs.  The disk and the page cache must hold every byte written, and
 * the dirty bitmap every page written.  The kernel moves a pte's dirty bit
 * to the folio whenever it takes the pte away (zap, unmap,
 * write-protection, migration), and writeback must see it there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define NPAGES		4

#ifndef MADV_COLD
#define MADV_COLD	20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

FIXTURE(lw) {
	struct wpf_obj o;
	char *p;
	char *model;
};

/*
 * Between the writes and the sync: may write more (into @model too);
 * returns 0, or -1 with the mapping gone.
 */
FIXTURE_VARIANT(lw) {
	int (*between)(char *p, char *model);
};

static void write_bytes(char *p, char *model, long page, long off, char c)
{
	PAGE(p, page)[off] = c;
	model[page * page_size + off] = c;
}

/* A child writes and exits: its ptes go with its mm. */
static int child_writes(char *p, char *model)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -2;
	if (pid == 0) {
		PAGE(p, 0)[1] = 'c';
		PAGE(p, 2)[0] = 'c';
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -2;
	model[1] = 'c';
	model[2 * page_size] = 'c';
	return 0;
}

static int readonly(char *p, char *model)
{
	return mprotect(p, NPAGES * page_size, PROT_READ) ? -2 : 0;
}

static int unmapped(char *p, char *model)
{
	return munmap(p, NPAGES * page_size) ? -2 : -1;
}

static int dontneed(char *p, char *model)
{
	return madvise(p, NPAGES * page_size, MADV_DONTNEED) ? -2 : 0;
}

static int pageout(char *p, char *model)
{
	/* EINVAL: a kernel without it; nothing to check then. */
	if (madvise(p, NPAGES * page_size, MADV_PAGEOUT) && errno != EINVAL)
		return -2;
	return 0;
}

static int cold(char *p, char *model)
{
	if (madvise(p, NPAGES * page_size, MADV_COLD) && errno != EINVAL)
		return -2;
	return 0;
}

FIXTURE_VARIANT_ADD(lw, fork_child_writes) { .between = child_writes };
FIXTURE_VARIANT_ADD(lw, mprotect_readonly) { .between = readonly };
FIXTURE_VARIANT_ADD(lw, munmap) { .between = unmapped };
FIXTURE_VARIANT_ADD(lw, madv_dontneed) { .between = dontneed };
FIXTURE_VARIANT_ADD(lw, madv_pageout) { .between = pageout };
FIXTURE_VARIANT_ADD(lw, madv_cold) { .between = cold };

FIXTURE_SETUP(lw)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	self->model = NULL;
	err = wpf_create_mapped(&self->o, NPAGES, &self->p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	self->model = calloc(NPAGES, page_size);
	ASSERT_NE(NULL, self->model);
}

FIXTURE_TEARDOWN(lw)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, NPAGES * page_size);
	free(self->model);
	wpf_destroy(&self->o);
}

/* The disk and the page cache both hold @model. */
static void check_synced(struct __test_metadata *_metadata, int fd,
			 const char *model)
{
	char *buf = malloc(NPAGES * page_size);

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, fsync(fd));
	ASSERT_LE(0, wpf_read_disk(fd, 0, NPAGES, buf));
	ASSERT_EQ(0, memcmp(buf, model, NPAGES * page_size));
	ASSERT_EQ((ssize_t)(NPAGES * page_size),
		  pread(fd, buf, NPAGES * page_size, 0));
	ASSERT_EQ(0, memcmp(buf, model, NPAGES * page_size));
	free(buf);
}

/* The pages @model has data in: each was written (never with zeroes). */
static uint64_t written_pages(const char *model)
{
	uint64_t bits = 0;
	long i, j;

	for (i = 0; i < NPAGES; i++)
		for (j = 0; j < (long)page_size; j++)
			if (model[i * page_size + j])
				bits |= 1ULL << i;
	return bits;
}

TEST_F(lw, written_then_synced)
{
	uint64_t bits[1], want;
	int ret;

	write_bytes(self->p, self->model, 0, 0, 'a');
	write_bytes(self->p, self->model, 1, page_size - 1, 'b');
	ret = variant->between(self->p, self->model);
	ASSERT_NE(-2, ret);
	if (ret == -1)
		self->p = MAP_FAILED;
	check_synced(_metadata, self->o.fd, self->model);
	/* Every page written is in the bitmap; writeback did not clear it. */
	want = written_pages(self->model);
	ASSERT_EQ(__builtin_popcountll(want),
		  wpf_dirty_bitmap(self->o.fd, 0, NPAGES, bits));
	ASSERT_EQ(want, bits[0]);
}

/* Writes through two mappings, a clean, and writes again through both. */
TEST_F(lw, two_mappings_clean_between)
{
	char *q = wpf_map(self->o.fd, NPAGES, PROT_READ | PROT_WRITE,
			  MAP_SHARED, 0);
	uint64_t bits[1];

	ASSERT_NE(MAP_FAILED, q);
	write_bytes(self->p, self->model, 0, 0, 'a');
	write_bytes(q, self->model, 0, 1, 'b');
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, NPAGES));
	write_bytes(q, self->model, 0, 2, 'c');
	write_bytes(self->p, self->model, 0, 3, 'd');
	check_synced(_metadata, self->o.fd, self->model);
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, bits));
	ASSERT_EQ(1, bits[0]);
	munmap(q, NPAGES * page_size);
}

TEST_HARNESS_MAIN
