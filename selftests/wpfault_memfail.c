// SPDX-License-Identifier: GPL-2.0
/*
 * Migration and memory errors, handled as for any file system's pages
 * (mm/memory-failure.c):
 *  - soft offline migrates a page in use (->migrate_folio), data, dirty
 *    state and tracker intact; a clean page no one maps it just drops,
 *    and the next read brings it back from the disk;
 *  - a poisoned clean page is dropped without harm, and read back from
 *    the disk;
 *  - a poisoned dirty page is lost: its mapping gets SIGBUS, the next
 *    fsync() reports EIO once, and reads get what the disk last held.
 *    A page the tracker cleaned is still dirty for the kernel.
 * Mapped pages are poisoned with madvise(), pages no one maps through
 * hwpoison-inject (vm-run.sh loads it) by frame number.  Never silent
 * zeroes, never a kernel report.  Needs root and CONFIG_MEMORY_FAILURE;
 * poisoned pages stay out of use until reboot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define PAGE(p, i)	((volatile char *)(p) + (i) * page_size)
#define NPAGES		4
#define SOFT_OFFLINE_FILE "/sys/devices/system/memory/soft_offline_page"
#define CORRUPT_PFN_FILE "/sys/kernel/debug/hwpoison/corrupt-pfn"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON		100
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101
#endif

FIXTURE(mf) {
	struct wpf_obj o;
	char *p;
	char *buf;
};

FIXTURE_SETUP(mf)
{
	int err;

	self->o.fd = -1;
	self->o.dev = -1;
	self->p = MAP_FAILED;
	self->buf = NULL;
	err = wpf_create_mapped(&self->o, NPAGES, &self->p);
	if (err == -ENOENT)
		SKIP(return, "%s missing: wpfault.ko is not loaded",
		     WPFAULT_DEVICE);
	ASSERT_EQ(0, err);
	self->buf = malloc(page_size);
	ASSERT_NE(NULL, self->buf);
	/* Its sysctls come with memory failure handling. */
	if (access("/proc/sys/vm/memory_failure_early_kill", F_OK))
		SKIP(return, "no CONFIG_MEMORY_FAILURE");
}

FIXTURE_TEARDOWN(mf)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, NPAGES * page_size);
	free(self->buf);
	wpf_destroy(&self->o);
}

/* The page frame mapped at @addr (root sees them), or 0. */
static uint64_t pfn_of(volatile char *addr)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry),
		  (uintptr_t)addr / page_size * sizeof(entry)) != sizeof(entry))
		entry = 0;
	close(fd);
	/* Bit 63: present; bits 0-54: the frame. */
	return entry >> 63 ? entry & ((1ULL << 55) - 1) : 0;
}

/* Writes @value in hex to @path; true if all of it was taken. */
static bool write_hex(const char *path, uint64_t value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	char text[32];
	ssize_t n;

	if (fd < 0)
		return false;
	snprintf(text, sizeof(text), "0x%llx", (unsigned long long)value);
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text);
}

/* Page @i of @fd as read(2) sees it is all @c; @buf holds a page. */
static bool page_holds(int fd, char *buf, long i, char c)
{
	long j;

	if (pread(fd, buf, page_size, i * page_size) != (ssize_t)page_size)
		return false;
	for (j = 0; j < (long)page_size; j++)
		if (buf[j] != c)
			return false;
	return true;
}

/*
 * Pages still in a per-CPU LRU cache cannot be isolated for migration:
 * compaction drains those caches first.  Do it before reading a page
 * frame, since compaction may move the page.
 */
static void drain_lru_caches(void)
{
	wpf_sysctl("vm/compact_memory", 1);
}

/* Soft offline moves mapped pages, dirty or written back, intact. */
TEST_F(mf, soft_offline_migrates_mapped_pages)
{
	uint64_t before[2], bits[1];
	long i;

	for (i = 0; i < 2; i++)
		memset((char *)PAGE(self->p, i), 'a' + i, page_size);
	/* Page 0 written back (clean for the kernel), page 1 dirty. */
	ASSERT_EQ(0, fsync(self->o.fd));
	PAGE(self->p, 1)[0] = 'b';
	drain_lru_caches();
	for (i = 0; i < 2; i++) {
		before[i] = pfn_of(PAGE(self->p, i));
		ASSERT_NE(0, before[i]);
		ASSERT_EQ(0, madvise((char *)PAGE(self->p, i), page_size,
				     MADV_SOFT_OFFLINE));
		ASSERT_NE(before[i], pfn_of(PAGE(self->p, i)));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ('a' + i, PAGE(self->p, i)[page_size - 1]);
		ASSERT_TRUE(page_holds(self->o.fd, self->buf, i, 'a' + i));
	}
	/* Both states moved with the pages: one to write back, two written. */
	ASSERT_EQ(2, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, bits));
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(3, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_WRITTEN_BACK));
	ASSERT_EQ(2, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_RESIDENT));
}

/*
 * Compaction moves what it can: pages mapped or not, in every pairing of
 * the two dirty states.  Whatever moved, the data, both states and the
 * counters must come through; how many pages moved is up to compaction,
 * and reported.
 */
TEST_F(mf, compaction_keeps_data_and_both_states)
{
	uint64_t before[3], bits = 0;
	long i, moved = 0;

	/* 3: written by pwrite(), written back, cleaned: no one maps it. */
	ASSERT_EQ(0, munmap((char *)PAGE(self->p, 3), page_size));
	memset(self->buf, 't', page_size);
	ASSERT_EQ((ssize_t)page_size,
		  pwrite(self->o.fd, self->buf, page_size, 3 * page_size));
	/* 0: written back, dirty for the tracker. */
	memset((char *)PAGE(self->p, 0), 'q', page_size);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(1, wpf_clean(self->o.fd, 3, 1));
	/* 1: dirty for both.  2: dirty for the kernel, cleaned. */
	memset((char *)PAGE(self->p, 1), 'r', page_size);
	memset((char *)PAGE(self->p, 2), 's', page_size);
	ASSERT_EQ(1, wpf_clean(self->o.fd, 2, 1));
	for (i = 0; i < 3; i++) {
		before[i] = pfn_of(PAGE(self->p, i));
		ASSERT_NE(0, before[i]);
	}
	/* It drains the per-CPU LRU caches first: the pages can move. */
	wpf_sysctl("vm/compact_memory", 1);
	for (i = 0; i < 3; i++)
		moved += pfn_of(PAGE(self->p, i)) != before[i];
	TH_LOG("compaction moved %ld of 3 mapped pages", moved);

	for (i = 0; i < NPAGES; i++)
		ASSERT_TRUE(page_holds(self->o.fd, self->buf, i, 'q' + i));
	ASSERT_EQ(NPAGES, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_RESIDENT));
	ASSERT_EQ(2, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(0x3, bits);
	/* The kernel's state: pages 1 and 2 were still to write. */
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(4, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_WRITTEN_BACK));
	for (i = 0; i < NPAGES; i++) {
		ASSERT_EQ(1, wpf_read_disk(self->o.fd, i, 1, self->buf));
		ASSERT_EQ('q' + i, self->buf[page_size - 1]);
	}
}

/*
 * A written-back page no one maps is dropped rather than migrated: it
 * comes back from the disk, not as zeroes.  Dirty, it is migrated.
 */
TEST_F(mf, soft_offline_of_unmapped_pages)
{
	uint64_t pfn[2];
	int i;

	if (access(SOFT_OFFLINE_FILE, W_OK))
		SKIP(return, "no %s (CONFIG_MEMORY_HOTPLUG)",
		     SOFT_OFFLINE_FILE);
	memset((char *)PAGE(self->p, 0), 'c', page_size);
	ASSERT_EQ(0, fsync(self->o.fd));
	memset((char *)PAGE(self->p, 1), 'd', page_size);
	/* Cleaned for the tracker too: only the disk has page 0 now. */
	ASSERT_EQ(2, wpf_clean(self->o.fd, 0, NPAGES));
	drain_lru_caches();
	for (i = 0; i < 2; i++) {
		pfn[i] = pfn_of(PAGE(self->p, i));
		ASSERT_NE(0, pfn[i]);
	}
	ASSERT_EQ(0, munmap(self->p, NPAGES * page_size));
	self->p = MAP_FAILED;

	for (i = 0; i < 2; i++)
		ASSERT_TRUE(write_hex(SOFT_OFFLINE_FILE, pfn[i] * page_size));
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_RESIDENT));
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_RECLAIMED));
	ASSERT_TRUE(page_holds(self->o.fd, self->buf, 0, 'c'));
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_READ));
	ASSERT_TRUE(page_holds(self->o.fd, self->buf, 1, 'd'));
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(2, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_WRITTEN_BACK));
}

/* A poisoned clean page is dropped; the mapping faults it back intact. */
TEST_F(mf, poisoned_clean_page_comes_back)
{
	uint64_t pfn;

	memset((char *)PAGE(self->p, 0), 'e', page_size);
	ASSERT_EQ(0, fsync(self->o.fd));
	drain_lru_caches();
	pfn = pfn_of(PAGE(self->p, 0));
	ASSERT_NE(0, pfn);
	ASSERT_EQ(0, madvise(self->p, page_size, MADV_HWPOISON));
	ASSERT_EQ(0, wpf_access_signal(wpf_read_byte, PAGE(self->p, 0)));
	ASSERT_EQ('e', PAGE(self->p, 0)[page_size - 1]);
	ASSERT_NE(pfn, pfn_of(PAGE(self->p, 0)));
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_READ));
	ASSERT_TRUE(page_holds(self->o.fd, self->buf, 0, 'e'));
	/* Nothing was lost: nothing to report. */
	ASSERT_EQ(0, fsync(self->o.fd));
}

static void poison(volatile char *p)
{
	if (madvise((void *)p, page_size, MADV_HWPOISON))
		abort();
}

/*
 * A poisoned dirty page is lost: SIGBUS through its mapping, EIO from the
 * next fsync() only, and the data the disk last held.  6.12 signals the
 * injecting task at once, as for an error it consumed (madvise() passes
 * MF_ACTION_REQUIRED); 6.1 on its next access.  @clean: the tracker
 * cleaned the page first, which must not make it clean for the kernel.
 */
static void poison_dirty_page(struct __test_metadata *_metadata, int fd,
			      char *map, char *buf, bool clean)
{
	int sig;

	memset((char *)PAGE(map, 0), 'f', page_size);
	ASSERT_EQ(0, fsync(fd));
	memset((char *)PAGE(map, 0), 'g', page_size);
	if (clean)
		ASSERT_EQ(1, wpf_clean(fd, 0, NPAGES));
	drain_lru_caches();
	sig = wpf_access_signal(poison, PAGE(map, 0));
	ASSERT_TRUE(sig == 0 || sig == SIGBUS);
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, PAGE(map, 0)));
	ASSERT_EQ(-1, fsync(fd));
	ASSERT_EQ(EIO, errno);
	ASSERT_EQ(0, fsync(fd));
	ASSERT_TRUE(page_holds(fd, buf, 0, 'f'));
	ASSERT_EQ(1, wpf_stat(fd, WPFAULT_STAT_PAGES_READ));
}

TEST_F(mf, poisoned_dirty_page_is_reported)
{
	poison_dirty_page(_metadata, self->o.fd, self->p, self->buf, false);
}

TEST_F(mf, poisoned_page_after_clean_is_reported)
{
	poison_dirty_page(_metadata, self->o.fd, self->p, self->buf, true);
}

/*
 * Page 0 holds 'h' on the disk and, if @dirty, 'i' in the cache only; the
 * tracker has cleaned it either way.  Unmapped (*@map is unmapped and set
 * to MAP_FAILED), it is poisoned through hwpoison-inject by frame number.
 */
static void poison_unmapped_page(struct __test_metadata *_metadata, int fd,
				 char **map, char *buf, bool dirty)
{
	uint64_t pfn;

	if (access(CORRUPT_PFN_FILE, W_OK))
		SKIP(return, "no %s (CONFIG_HWPOISON_INJECT)",
		     CORRUPT_PFN_FILE);
	memset((char *)PAGE(*map, 0), 'h', page_size);
	ASSERT_EQ(0, fsync(fd));
	if (dirty)
		memset((char *)PAGE(*map, 0), 'i', page_size);
	ASSERT_EQ(1, wpf_clean(fd, 0, NPAGES));
	drain_lru_caches();
	pfn = pfn_of(PAGE(*map, 0));
	ASSERT_NE(0, pfn);
	ASSERT_EQ(0, munmap(*map, NPAGES * page_size));
	*map = MAP_FAILED;

	ASSERT_TRUE(write_hex(CORRUPT_PFN_FILE, pfn));
	/* Dropped from the cache, clean or not. */
	ASSERT_EQ(0, wpf_stat(fd, WPFAULT_STAT_PAGES_RESIDENT));
	ASSERT_EQ(1, wpf_stat(fd, WPFAULT_STAT_PAGES_RECLAIMED));
	if (dirty) {
		ASSERT_EQ(-1, fsync(fd));
		ASSERT_EQ(EIO, errno);
	}
	ASSERT_EQ(0, fsync(fd));
	ASSERT_TRUE(page_holds(fd, buf, 0, 'h'));
	ASSERT_EQ(1, wpf_stat(fd, WPFAULT_STAT_PAGES_READ));
}

/* Written back, then cleaned: dropped, and read back intact. */
TEST_F(mf, poisoned_unmapped_clean_page_comes_back)
{
	poison_unmapped_page(_metadata, self->o.fd, &self->p, self->buf,
			     false);
}

/* Cleaned by the tracker but dirty: lost, and reported once. */
TEST_F(mf, poisoned_unmapped_dirty_page_is_reported)
{
	poison_unmapped_page(_metadata, self->o.fd, &self->p, self->buf,
			     true);
}

TEST_HARNESS_MAIN
