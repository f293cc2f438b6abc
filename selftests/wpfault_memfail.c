// SPDX-License-Identifier: GPL-2.0
/*
 * Migration and memory errors, handled as for any file system's pages
 * (mm/memory-failure.c):
 *  - compaction over mapped pages, in each pairing of the two dirty
 *    states (the kernel's and the written set's) and on a page no one
 *    maps, keeps the data, both states and the counters (how many pages
 *    it moved is up to it, and logged);
 *  - soft offline migrates a page in use (->migrate_folio), dirty or
 *    clean, with its data, dirty state and written set intact; a clean
 *    page no one maps it just drops, and the next read brings it back
 *    from the disk;
 *  - a poisoned clean page is dropped without harm, and faults back
 *    intact from the disk;
 *  - a poisoned dirty page is lost: its mapping gets SIGBUS, the next
 *    fsync() reports EIO once, and reads get what the disk last held,
 *    also after a clean, which clears only the written set: the page is
 *    still dirty for the kernel.
 * Mapped pages are poisoned with madvise(), pages no one maps by frame
 * number through hwpoison-inject (vm-run.sh loads it; scripts/deps.sh
 * takes the module from each Debian kernel image, the debug kernels have
 * it built in): written back, they come back from the disk; dirty, the
 * next fsync reports EIO once.  6.12 signals the injecting task at once,
 * 6.1 on its next access.
 *
 * A memory error in one page of a large folio splits the folio, and that
 * page alone is dropped (clean) or lost (dirty); lost, it reaches its
 * mapping as the disk's old data, without the SIGBUS a small page gives.
 *
 * Memory errors in wpfault's own memory (the blocks of pfn and
 * copy-on-write objects, the disk behind page-cache objects) are aimed by
 * frame number from debugfs <id>/blocks.  memory_failure() cannot isolate
 * such a page: it marks it poisoned and leaves it mapped.  On every type,
 * a fault that would map a poisoned block gets SIGBUS (poisoned_faults
 * counts them), READ_DISK and read(2) get EIO, and a hole punch frees the
 * block so the page works again; after a clean, the next write to a
 * still-mapped poisoned block is refused; soft offline refuses to move a
 * block, which stays intact; MADV_HWPOISON and MADV_SOFT_OFFLINE on a pfn
 * mapping get EFAULT (VM_PFNMAP).  A poisoned block in a PMD-sized
 * piece of a pfn object sends the piece to small entries.  On a
 * page-cache object, writeback of a cached page replaces its poisoned
 * block.  On a copy-on-write object, a
 * page written through one mapping, poisoned there with MADV_HWPOISON and
 * read through another gets SIGBUS: the module refuses the block before
 * the core sees it, since that shape Oopses Debian's 6.12 core.  A pin of
 * the page gets EHWPOISON, a pin taken before the error reads EIO for it,
 * and a snapshot shares the poisoned block and never copies it.  On the
 * debug kernels, which carry the unmap_mapping_folio() fix, the module
 * parameter fault_poisoned_blocks hands the poisoned block to the core,
 * which must refuse it with SIGBUS; other kernels skip that test, since
 * it crashes them.
 *
 * Never silent zeroes, never a kernel report.  Needs root and
 * CONFIG_MEMORY_FAILURE; poisoned pages stay out of use until reboot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wpfault_stats.h"

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

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	self->buf = NULL;
	err = wpf_create_mapped(&self->o, NPAGES, &self->p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
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

/* Writes @value in hex to @path; true if all of it was taken. */
static bool write_hex(const char *path, uint64_t value)
{
	char text[32];

	snprintf(text, sizeof(text), "0x%llx", (unsigned long long)value);
	return !wpf_write_file(path, text);
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

/*
 * munmap() can leave a page in this CPU's LRU caches, with a reference:
 * zapping a young pte marks its folio accessed, and a folio already
 * referenced is queued for activation.  The queued folio still looks on
 * the LRU, so soft offline tries it, but the extra reference lets it
 * neither drop nor migrate the page (EBUSY, "page migration failed" in
 * the log).  7.2 queues the pages of this test, 6.1 and 6.12 do not.
 * This drains this CPU's caches without compaction, which might move the
 * page: MADV_COLD drains them first.  The caller stays on one CPU.
 */
static void drain_this_cpu_lru_caches(void)
{
	char *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	p[0] = 1;
	madvise(p, page_size, MADV_COLD);
	munmap(p, page_size);
}

/* Keeps the calling thread on the CPU it runs on now. */
static int stay_on_this_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	return sched_setaffinity(0, sizeof(set), &set);
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
		before[i] = wpf_pfn_of(PAGE(self->p, i));
		ASSERT_NE(0, before[i]);
		ASSERT_EQ(0, madvise((char *)PAGE(self->p, i), page_size,
				     MADV_SOFT_OFFLINE));
		ASSERT_NE(before[i], wpf_pfn_of(PAGE(self->p, i)));
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
	/* 0: written back, dirty for the written set. */
	memset((char *)PAGE(self->p, 0), 'q', page_size);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(1, wpf_clean(self->o.fd, 3, 1));
	/* 1: dirty for both.  2: dirty for the kernel, cleaned. */
	memset((char *)PAGE(self->p, 1), 'r', page_size);
	memset((char *)PAGE(self->p, 2), 's', page_size);
	ASSERT_EQ(1, wpf_clean(self->o.fd, 2, 1));
	for (i = 0; i < 3; i++) {
		before[i] = wpf_pfn_of(PAGE(self->p, i));
		ASSERT_NE(0, before[i]);
	}
	/* It drains the per-CPU LRU caches first: the pages can move. */
	wpf_sysctl("vm/compact_memory", 1);
	for (i = 0; i < 3; i++)
		moved += wpf_pfn_of(PAGE(self->p, i)) != before[i];
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
	ASSERT_EQ(0, stay_on_this_cpu());
	memset((char *)PAGE(self->p, 0), 'c', page_size);
	ASSERT_EQ(0, fsync(self->o.fd));
	memset((char *)PAGE(self->p, 1), 'd', page_size);
	/* Cleaned for the written set too: only the disk has page 0 now. */
	ASSERT_EQ(2, wpf_clean(self->o.fd, 0, NPAGES));
	drain_lru_caches();
	for (i = 0; i < 2; i++) {
		pfn[i] = wpf_pfn_of(PAGE(self->p, i));
		ASSERT_NE(0, pfn[i]);
	}
	ASSERT_EQ(0, munmap(self->p, NPAGES * page_size));
	self->p = MAP_FAILED;
	drain_this_cpu_lru_caches();

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
	pfn = wpf_pfn_of(PAGE(self->p, 0));
	ASSERT_NE(0, pfn);
	ASSERT_EQ(0, madvise(self->p, page_size, MADV_HWPOISON));
	ASSERT_EQ(0, wpf_access_signal(wpf_read_byte, PAGE(self->p, 0)));
	ASSERT_EQ('e', PAGE(self->p, 0)[page_size - 1]);
	ASSERT_NE(pfn, wpf_pfn_of(PAGE(self->p, 0)));
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
 * MF_ACTION_REQUIRED); 6.1 on its next access.  @clean: the written set
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
 * Page 0 holds 'h' on the disk and, if @dirty, 'i' in the cache only; it
 * is clean in the written set either way.  Unmapped (*@map is unmapped
 * and set to MAP_FAILED), it is poisoned through hwpoison-inject by frame
 * number.
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
	pfn = wpf_pfn_of(PAGE(*map, 0));
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

/* Clean in the written set but dirty: lost, and reported once. */
TEST_F(mf, poisoned_unmapped_dirty_page_is_reported)
{
	poison_unmapped_page(_metadata, self->o.fd, &self->p, self->buf,
			     true);
}

/*
 * A memory error in one page of a large folio (WPFAULT_CREATE_LARGE_FOLIOS,
 * one folio of NPAGES pages): memory_failure() splits the folio and
 * handles that page alone; the other pages stay cached, with their data
 * and dirty state.  Clean, the page is dropped and comes back from the
 * disk.  Dirty, it is lost, and fsync() reports it once, as for a small
 * page; but on 6.12 and 7.2 no process gets SIGBUS for it, and the
 * mapping reads the disk's old data (see the test).
 */
FIXTURE(mf_folio) {
	struct wpf_obj o;
	char *p;
	char *buf;
};

FIXTURE_SETUP(mf_folio)
{
	int limit = wpf_folio_order_limit();

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	self->buf = malloc(page_size);
	ASSERT_NE(NULL, self->buf);
	if (limit == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_LE(0, limit);
	if (!limit)
		SKIP(return, WPF_NO_LARGE_FOLIO_OBJECTS);
	if (access("/proc/sys/vm/memory_failure_early_kill", F_OK))
		SKIP(return, "no CONFIG_MEMORY_FAILURE");
	/* Every supported kernel's limit is above NPAGES' order, 2. */
	ASSERT_LE(2, limit);
	ASSERT_EQ(0, wpf_create_flags(&self->o, NPAGES * page_size,
				      WPFAULT_TYPE_PAGECACHE,
				      WPFAULT_CREATE_LARGE_FOLIOS));
	self->p = wpf_map(self->o.fd, NPAGES, PROT_READ | PROT_WRITE,
			  MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, self->p);
}

FIXTURE_TEARDOWN(mf_folio)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, NPAGES * page_size);
	free(self->buf);
	wpf_destroy(&self->o);
}

/*
 * Fills the folio, page i with 'a' + i: one folio, every page cached.
 * The task stays on this CPU, whose LRU caches are drained without
 * compaction, which could migrate the folio and split it on the way: the
 * error must hit a large folio, and the test checks it does.
 */
static void fill_folio(struct __test_metadata *_metadata, int fd, char *map)
{
	long i;

	ASSERT_EQ(0, stay_on_this_cpu());
	for (i = 0; i < NPAGES; i++)
		memset((char *)PAGE(map, i), 'a' + i, page_size);
	ASSERT_EQ(1, wpf_stat(fd, WPFAULT_STAT_LARGE_FOLIOS));
	ASSERT_EQ(NPAGES, wpf_stat(fd, WPFAULT_STAT_PAGES_RESIDENT));
	drain_this_cpu_lru_caches();
	ASSERT_EQ(NPAGES, wpf_folio_pages(PAGE(map, 0)));
}

TEST_F(mf_folio, poisoned_clean_page_is_split_off_and_comes_back)
{
	long i;

	fill_folio(_metadata, self->o.fd, self->p);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(0, madvise((char *)PAGE(self->p, 1), page_size,
			     MADV_HWPOISON));
	/* Split: only the poisoned page left the cache. */
	ASSERT_EQ(NPAGES - 1, wpf_stat(self->o.fd,
				       WPFAULT_STAT_PAGES_RESIDENT));
	for (i = 0; i < NPAGES; i++)
		ASSERT_EQ('a' + i, PAGE(self->p, i)[page_size - 1]);
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_READ));
	ASSERT_EQ(NPAGES, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_RESIDENT));
	for (i = 0; i < NPAGES; i++)
		ASSERT_TRUE(page_holds(self->o.fd, self->buf, i, 'a' + i));
	ASSERT_EQ(0, fsync(self->o.fd));
}

TEST_F(mf_folio, poisoned_dirty_page_is_lost_alone)
{
	int sig;
	long i;

	fill_folio(_metadata, self->o.fd, self->p);
	/*
	 * Unlike a small page's, no signal, at once or on access: the
	 * split unmapped the file folio (the kernel remaps only anonymous
	 * ones after a split), so memory_failure() finds no process mapping
	 * the page and leaves no hwpoison entry.  The mapping faults in what
	 * the disk holds, here zeroes: the write is lost silently there.
	 */
	sig = wpf_access_signal(poison, PAGE(self->p, 1));
	ASSERT_EQ(0, sig);
	ASSERT_EQ(NPAGES - 1, wpf_stat(self->o.fd,
				       WPFAULT_STAT_PAGES_RESIDENT));
	ASSERT_EQ(0, wpf_access_signal(wpf_read_byte, PAGE(self->p, 1)));
	ASSERT_EQ(0, PAGE(self->p, 1)[page_size - 1]);
	/* The other pages reach the disk; the lost one is reported once. */
	ASSERT_EQ(-1, fsync(self->o.fd));
	ASSERT_EQ(EIO, errno);
	ASSERT_EQ(0, fsync(self->o.fd));
	for (i = 0; i < NPAGES; i++)
		ASSERT_TRUE(page_holds(self->o.fd, self->buf, i,
				       i == 1 ? 0 : 'a' + i));
	ASSERT_EQ(NPAGES - 1, wpf_stat(self->o.fd, WPFAULT_STAT_DISK_BLOCKS));
}

/*
 * Memory errors in wpfault's own memory: the blocks of pfn and
 * copy-on-write objects, which userspace maps, and the disk behind
 * page-cache objects.  The kernel cannot take such a page away (it is on
 * no LRU and in no page cache): memory_failure() marks it poisoned and
 * leaves it where it is.  wpfault must never hand it out again: every
 * fault that would map it gets SIGBUS, READ_DISK and read(2) get EIO, a
 * pin EHWPOISON; a hole punch frees it and the page works again.  The
 * tests aim at a block through debugfs <id>/blocks.
 */
FIXTURE(mf_block) {
	struct wpf_obj o;
	char *p;
	char *buf;
};

FIXTURE_VARIANT(mf_block) {
	enum wpfault_type type;
};

FIXTURE_VARIANT_ADD(mf_block, pfn) {
	.type = WPFAULT_TYPE_PFN,
};

FIXTURE_VARIANT_ADD(mf_block, cow) {
	.type = WPFAULT_TYPE_COW,
};

FIXTURE_VARIANT_ADD(mf_block, pagecache) {
	.type = WPFAULT_TYPE_PAGECACHE,
};

FIXTURE_SETUP(mf_block)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	self->buf = NULL;
	err = wpf_create_type_mapped(&self->o, variant->type, NPAGES,
				     &self->p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	self->buf = malloc(NPAGES * page_size);
	ASSERT_NE(NULL, self->buf);
	if (access("/proc/sys/vm/memory_failure_early_kill", F_OK))
		SKIP(return, "no CONFIG_MEMORY_FAILURE");
	if (access(CORRUPT_PFN_FILE, W_OK))
		SKIP(return, "no %s (CONFIG_HWPOISON_INJECT)",
		     CORRUPT_PFN_FILE);
}

FIXTURE_TEARDOWN(mf_block)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, NPAGES * page_size);
	free(self->buf);
	wpf_destroy(&self->o);
}

/*
 * The frame of block @index of object @id, from debugfs; 0 if there is
 * no such block.  *@poisoned says whether the module sees it poisoned.
 */
static uint64_t block_pfn(uint64_t id, uint64_t index, bool *poisoned)
{
	unsigned long long i, pfn, found = 0;
	char path[64], line[96];
	FILE *f;

	snprintf(path, sizeof(path), DEBUGFS_DIR "/wpfault/%llu/blocks",
		 (unsigned long long)id);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llu %llx", &i, &pfn) == 2 && i == index) {
			found = pfn;
			*poisoned = strstr(line, "poisoned");
			break;
		}
	fclose(f);
	return found;
}

/*
 * Poisons block @index through hwpoison-inject, as a memory error the
 * hardware reported would.  memory_failure() cannot handle a page of
 * wpfault's own, so the write may fail (EBUSY); what counts is that the
 * page is marked poisoned.
 */
static void poison_block(struct __test_metadata *_metadata, uint64_t id,
			 uint64_t index)
{
	bool poisoned = false;
	uint64_t pfn = block_pfn(id, index, &poisoned);

	ASSERT_NE(0, pfn);
	ASSERT_FALSE(poisoned);
	write_hex(CORRUPT_PFN_FILE, pfn);
	ASSERT_EQ(pfn, block_pfn(id, index, &poisoned));
	ASSERT_TRUE(poisoned);
}

/* Maps the object again: entries made before the error are gone. */
static char *remap(struct __test_metadata *_metadata, int fd, char **map)
{
	ASSERT_EQ(0, munmap(*map, NPAGES * page_size));
	*map = wpf_map(fd, NPAGES, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, *map);
	return *map;
}

/* Fills page @i with @c and makes sure a block holds it. */
static void write_block(struct __test_metadata *_metadata, struct wpf_obj *o,
			char *map, long i, char c)
{
	memset((char *)PAGE(map, i), c, page_size);
	ASSERT_EQ(0, fsync(o->fd));
}

/*
 * A poisoned block is refused to every fault, to READ_DISK and to
 * read(2); the rest of the object works; a hole punch frees the block
 * and the page is usable again.
 */
TEST_F(mf_block, poisoned_block_is_never_handed_out)
{
	bool pagecache = variant->type == WPFAULT_TYPE_PAGECACHE;
	bool poisoned;
	char *map;

	write_block(_metadata, &self->o, self->p, 0, 'a');
	write_block(_metadata, &self->o, self->p, 1, 'b');
	if (pagecache) {
		/* Only the disk holds page 1 now. */
		ASSERT_EQ(0, munmap(self->p, NPAGES * page_size));
		self->p = MAP_FAILED;
		ASSERT_EQ(0, posix_fadvise(self->o.fd, page_size, page_size,
					   POSIX_FADV_DONTNEED));
		ASSERT_EQ(1, wpf_stat(self->o.fd,
				      WPFAULT_STAT_PAGES_RESIDENT));
		self->p = wpf_map(self->o.fd, NPAGES, PROT_READ | PROT_WRITE,
				  MAP_SHARED, 0);
		ASSERT_NE(MAP_FAILED, self->p);
	}
	poison_block(_metadata, self->o.id, 1);
	map = remap(_metadata, self->o.fd, &self->p);

	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, PAGE(map, 1)));
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_write_byte, PAGE(map, 1)));
	ASSERT_EQ(2, wpf_stat(self->o.fd, WPFAULT_STAT_POISONED_FAULTS));
	ASSERT_EQ('a', PAGE(map, 0)[page_size - 1]);
	ASSERT_EQ(0, wpf_access_signal(wpf_write_byte, PAGE(map, 2)));
	ASSERT_EQ(-EIO, wpf_read_disk(self->o.fd, 0, NPAGES, self->buf));
	ASSERT_EQ(1, wpf_read_disk(self->o.fd, 0, 1, self->buf));
	ASSERT_EQ('a', self->buf[0]);
	if (pagecache) {
		ASSERT_EQ(-1, pread(self->o.fd, self->buf, page_size,
				    page_size));
		ASSERT_EQ(EIO, errno);
		ASSERT_EQ(-1, pwrite(self->o.fd, "c", 1, page_size));
		ASSERT_EQ(EIO, errno);
	}

	/* A hole punch frees the block: a hole reads zeroes again. */
	ASSERT_EQ(0, fallocate(self->o.fd,
			       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       page_size, page_size));
	ASSERT_EQ(0, block_pfn(self->o.id, 1, &poisoned));
	ASSERT_EQ(0, PAGE(map, 1)[0]);
	memset((char *)PAGE(map, 1), 'd', page_size);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(3, wpf_read_disk(self->o.fd, 0, NPAGES, self->buf));
	ASSERT_EQ('d', self->buf[page_size]);
	ASSERT_EQ(2, wpf_stat(self->o.fd, WPFAULT_STAT_POISONED_FAULTS));
}

/*
 * An entry made before the error stays (the kernel cannot find it), but
 * once a clean removes or write-protects it, the next write is refused.
 * Not for page-cache objects: their mappings map page-cache pages.
 */
TEST_F(mf_block, clean_then_write_is_refused)
{
	if (variant->type == WPFAULT_TYPE_PAGECACHE)
		SKIP(return, "page-cache mappings map no block");
	write_block(_metadata, &self->o, self->p, 0, 'e');
	poison_block(_metadata, self->o.id, 0);
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, NPAGES));
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_write_byte,
					    PAGE(self->p, 0)));
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_POISONED_FAULTS));
	/* Nothing was written: nothing to report. */
	ASSERT_EQ(0, wpf_collect(self->o.fd, 0, NPAGES, (uint64_t *)self->buf));
}

/*
 * Writeback writes whole blocks: a page still cached replaces its
 * poisoned block, and the disk holds the page's data again.
 */
TEST_F(mf_block, writeback_replaces_a_poisoned_block)
{
	bool poisoned = true;
	uint64_t pfn;

	if (variant->type != WPFAULT_TYPE_PAGECACHE)
		SKIP(return, "only page-cache objects write back");
	write_block(_metadata, &self->o, self->p, 0, 'f');
	pfn = block_pfn(self->o.id, 0, &poisoned);
	poison_block(_metadata, self->o.id, 0);
	memset((char *)PAGE(self->p, 0), 'g', page_size);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_NE(pfn, block_pfn(self->o.id, 0, &poisoned));
	ASSERT_FALSE(poisoned);
	ASSERT_EQ(1, wpf_read_disk(self->o.fd, 0, 1, self->buf));
	ASSERT_EQ('g', self->buf[page_size - 1]);
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_DISK_BLOCKS));
}

/*
 * Soft offline (by physical address) cannot migrate a page of wpfault's
 * own: it refuses, and the block, its data and its mappings stay.
 */
TEST_F(mf_block, soft_offline_of_a_block_is_refused)
{
	bool poisoned = true;
	uint64_t pfn;

	if (access(SOFT_OFFLINE_FILE, W_OK))
		SKIP(return, "no %s (CONFIG_MEMORY_HOTPLUG)",
		     SOFT_OFFLINE_FILE);
	write_block(_metadata, &self->o, self->p, 0, 'h');
	pfn = block_pfn(self->o.id, 0, &poisoned);
	ASSERT_NE(0, pfn);
	ASSERT_FALSE(write_hex(SOFT_OFFLINE_FILE, pfn * page_size));
	ASSERT_EQ(pfn, block_pfn(self->o.id, 0, &poisoned));
	ASSERT_FALSE(poisoned);
	ASSERT_EQ('h', PAGE(self->p, 0)[page_size - 1]);
	ASSERT_EQ(1, wpf_read_disk(self->o.fd, 0, 1, self->buf));
	ASSERT_EQ('h', self->buf[0]);
	ASSERT_EQ(0, wpf_stat(self->o.fd, WPFAULT_STAT_POISONED_FAULTS));
}

/*
 * pfn mappings are VM_PFNMAP: MADV_HWPOISON and MADV_SOFT_OFFLINE find
 * no page behind them (EFAULT) and leave the block alone.
 */
TEST_F(mf_block, pfn_mappings_refuse_madvise_injection)
{
	bool poisoned = true;

	if (variant->type != WPFAULT_TYPE_PFN)
		SKIP(return, "only pfn mappings are VM_PFNMAP");
	write_block(_metadata, &self->o, self->p, 0, 'i');
	ASSERT_EQ(-1, madvise(self->p, page_size, MADV_HWPOISON));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, madvise(self->p, page_size, MADV_SOFT_OFFLINE));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_NE(0, block_pfn(self->o.id, 0, &poisoned));
	ASSERT_FALSE(poisoned);
	ASSERT_EQ('i', PAGE(self->p, 0)[0]);
}

/* The copy-on-write paths that would hand out or copy a block. */
FIXTURE(mf_cow) {
	struct wpf_obj o;
	char *a, *b;
	char buf[64];
};

FIXTURE_SETUP(mf_cow)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->a = MAP_FAILED;
	self->b = MAP_FAILED;
	err = wpf_create_type_mapped(&self->o, WPFAULT_TYPE_COW, NPAGES,
				     &self->a);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	if (access("/proc/sys/vm/memory_failure_early_kill", F_OK))
		SKIP(return, "no CONFIG_MEMORY_FAILURE");
	self->b = wpf_map(self->o.fd, NPAGES, PROT_READ | PROT_WRITE,
			  MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, self->b);
}

FIXTURE_TEARDOWN(mf_cow)
{
	if (self->a != MAP_FAILED)
		munmap(self->a, NPAGES * page_size);
	if (self->b != MAP_FAILED)
		munmap(self->b, NPAGES * page_size);
	wpf_destroy(&self->o);
}

/*
 * MADV_HWPOISON of a page memory_failure() cannot isolate: it marks the
 * page poisoned and gives up (EBUSY), so the result is not checked here.
 */
static void poison_marking(volatile char *p)
{
	madvise((void *)p, page_size, MADV_HWPOISON);
}

/*
 * The shape that Oopsed the kernel: write a page through one mapping,
 * poison it there with MADV_HWPOISON, read it through another.  Here the
 * module refuses the block before the core sees it.
 */
static void poison_through_a(struct __test_metadata *_metadata,
			     struct wpf_obj *o, char *a)
{
	bool poisoned = false;
	int sig;

	memset(a, 'j', page_size);
	memset((char *)PAGE(a, 1), 'k', page_size);
	sig = wpf_access_signal(poison_marking, PAGE(a, 1));
	ASSERT_TRUE(sig == 0 || sig == SIGBUS);
	ASSERT_NE(0, block_pfn(o->id, 1, &poisoned));
	ASSERT_TRUE(poisoned);
}

TEST_F(mf_cow, poisoned_block_through_another_mapping)
{
	uint64_t eager_copies = 1;
	int snap;
	char *s;

	poison_through_a(_metadata, &self->o, self->a);
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, PAGE(self->b, 1)));
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_write_byte,
					    PAGE(self->b, 1)));
	ASSERT_EQ(2, wpf_stat(self->o.fd, WPFAULT_STAT_POISONED_FAULTS));
	ASSERT_EQ('j', PAGE(self->b, 0)[0]);

	/* GUP pins the entry mapped before the error: the module refuses. */
	ASSERT_EQ(-EHWPOISON, wpf_pin(self->o.dev, self->a, 2, 0));
	ASSERT_EQ(0, wpf_stat(self->o.dev, WPFAULT_STAT_PINS_HELD));

	/* A snapshot shares the poisoned block, never reads it. */
	snap = wpf_snapshot(self->o.fd, &eager_copies);
	ASSERT_LE(0, snap);
	ASSERT_EQ(0, eager_copies);
	s = wpf_map(snap, NPAGES, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s);
	ASSERT_EQ('j', PAGE(s, 0)[page_size - 1]);
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, PAGE(s, 1)));
	ASSERT_EQ(1, wpf_stat(snap, WPFAULT_STAT_POISONED_FAULTS));
	ASSERT_EQ(0, munmap(s, NPAGES * page_size));
	ASSERT_EQ(0, close(snap));
}

/* A pin taken before the error reads EIO for that page, data elsewhere. */
TEST_F(mf_cow, pin_of_a_page_poisoned_later_reads_eio)
{
	int pin;

	memset(self->a, 'l', 2 * page_size);
	pin = wpf_pin(self->o.dev, self->a, 2, 0);
	ASSERT_LE(0, pin);
	poison_through_a(_metadata, &self->o, self->a);
	ASSERT_EQ(sizeof(self->buf), pread(pin, self->buf,
					   sizeof(self->buf), 0));
	ASSERT_EQ('j', self->buf[0]);
	ASSERT_EQ(-1, pread(pin, self->buf, sizeof(self->buf), page_size));
	ASSERT_EQ(EIO, errno);
	ASSERT_EQ(0, close(pin));
}

/*
 * MADV_SOFT_OFFLINE of a copy-on-write block: the kernel cannot migrate a
 * page of the module's, refuses, and poisons nothing.
 */
TEST_F(mf_cow, soft_offline_through_a_mapping_is_refused)
{
	bool poisoned = true;
	uint64_t pfn;

	memset(self->a, 's', page_size);
	pfn = block_pfn(self->o.id, 0, &poisoned);
	ASSERT_NE(0, pfn);
	ASSERT_EQ(-1, madvise(self->a, page_size, MADV_SOFT_OFFLINE));
	ASSERT_TRUE(errno == EBUSY || errno == EIO)
		TH_LOG("errno %d (%s)", errno, strerror(errno));
	ASSERT_EQ(pfn, block_pfn(self->o.id, 0, &poisoned));
	ASSERT_FALSE(poisoned);
	ASSERT_EQ('s', PAGE(self->b, 0)[page_size - 1]);
	ASSERT_EQ(0, wpf_stat(self->o.fd, WPFAULT_STAT_POISONED_FAULTS));
}

#define FAULT_POISONED "/sys/module/wpfault/parameters/fault_poisoned_blocks"

/*
 * The kernel's side of it (patches/debug-kernel/): with the module
 * parameter fault_poisoned_blocks, the module hands the poisoned block to
 * the core, which must refuse it with SIGBUS.  Without the fix the core
 * follows the block's NULL ->mapping and Oopses, so this runs only on
 * kernels with it (uname -r ends in -wpfault).
 */
TEST_F(mf_cow, kernel_refuses_a_poisoned_block_without_mapping)
{
	if (!wpf_kernel_has_wpfault_fixes())
		SKIP(return, "%s: %s", "no unmap_mapping_folio() fix here",
		     "the reproducer would crash the kernel");
	poison_through_a(_metadata, &self->o, self->a);
	ASSERT_EQ(0, wpf_write_file(FAULT_POISONED, "1"));
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, PAGE(self->b, 1)));
	ASSERT_EQ(0, wpf_write_file(FAULT_POISONED, "0"));
	/* The core refused it: the module's counter did not move. */
	ASSERT_EQ(0, wpf_stat(self->o.fd, WPFAULT_STAT_POISONED_FAULTS));
	ASSERT_EQ('j', PAGE(self->b, 0)[0]);
}

/*
 * A memory error in one block of a PMD-sized piece (WPFAULT_CREATE_PMD):
 * the piece is no longer one huge entry's, the next fault of any of its
 * pages falls back to small entries, and only the poisoned page gets
 * SIGBUS.  A hole punch frees that block; the piece keeps small entries.
 */
TEST(pmd_piece_with_a_poisoned_block_falls_back)
{
	size_t size = wpf_pmd_size(), n = size / page_size;
	struct wpf_obj o = WPF_OBJ_INIT;
	bool poisoned;
	char *p;
	int err;

	err = wpf_create_pmd_mapped(&o, size ?: page_size, size ?: page_size,
				    &p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	if (err == 1)
		SKIP(return, WPF_NO_PMD_OBJECTS);
	ASSERT_EQ(0, err);
	if (access(CORRUPT_PFN_FILE, W_OK))
		SKIP(goto out, "no %s (CONFIG_HWPOISON_INJECT)",
		     CORRUPT_PFN_FILE);
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(p, 0)));
	memset(p, 'p', size);
	/* fsync removes the entry; the run of blocks stays. */
	ASSERT_EQ(0, fsync(o.fd));
	poison_block(_metadata, o.id, 1);

	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(p, 0)));
	ASSERT_EQ('p', PAGE(p, 0)[page_size - 1]);
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, PAGE(p, 1)));
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(p, 2)));
	ASSERT_EQ('p', PAGE(p, 2)[0]);
	ASSERT_EQ(0, fallocate(o.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       page_size, page_size));
	ASSERT_EQ(0, block_pfn(o.id, 1, &poisoned));
	ASSERT_EQ(0, PAGE(p, 1)[0]);
	ASSERT_EQ(1, wpf_stat(o.fd, WPFAULT_STAT_POISONED_FAULTS));
	ASSERT_EQ(1, wpf_stat(o.fd, WPFAULT_STAT_PMD_MAPS));
	/* The read of page 0; the page table under the pmd then stays. */
	ASSERT_EQ(1, wpf_stat(o.fd, WPFAULT_STAT_PMD_FALLBACKS));
	ASSERT_EQ(n - 1, wpf_stat(o.fd, WPFAULT_STAT_DISK_BLOCKS));
out:
	munmap(p, size);
	wpf_destroy(&o);
}

TEST_HARNESS_MAIN
