// SPDX-License-Identifier: GPL-2.0
/*
 * Writeback of page-cache objects: the kernel accounts, writes back and
 * reclaims their pages as for any file system, and every byte written
 * reaches the disk (WPFAULT_IOC_READ_DISK), which the tests compare byte
 * for byte with what they wrote.
 *
 * Two dirty states are kept apart.  The kernel's (the folio's flag, "the
 * disk lacks this data") is what writeback clears; it write-protects the
 * ptes, so the next write faults into ->page_mkwrite again
 * (pages_accounted counts the kernel's clean -> dirty, like nr_dirtied).
 * The written set (the dirty bitmap, pages_dirtied) only WPFAULT_IOC_CLEAN
 * clears.  So writeback never hides a write from the bitmap, and a clean
 * never makes the kernel forget data the disk lacks.  The tests pin down:
 *  - fsync writes back what is dirty, once (a second fsync calls nothing),
 *    write-protects, and leaves the written set alone; the next write
 *    calls ->page_mkwrite and the kernel dirties the page again;
 *  - a clean leaves the kernel's dirty state: the next sync writes the
 *    data;
 *  - the flusher writes back on its own once pages expire (the sysctls
 *    are set low for the test and restored);
 *  - drop_caches leaves dirty pages; after fsync it drops them, and they
 *    come back from the disk (pages_read), with holes as zeroes;
 *  - write(2), writev, pwrite, splice and sendfile go through the same
 *    page cache and written set as the mappings, in either order;
 *  - mtime moves on the first write after a clean or a writeback, and
 *    only then;
 *  - hole punches (whole and partial pages) and truncation free blocks
 *    and zero the rest, on the disk and in the cache; a regrown file
 *    reads zeroes;
 *  - /proc/vmstat nr_dirtied and nr_written move exactly with
 *    pages_accounted and pages_written_back; the BDI's BdiDirtied and
 *    BdiWritten move with them within the error the kernel allows its
 *    per-CPU counters (nr_cpus x 8 x (1 + log2 nr_cpus) pages);
 *  - writing 8 MiB through a mapping with a 1 MiB dirty limit completes,
 *    and the throttle wrote most of it back before any sync.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define NPAGES		8

FIXTURE(wb) {
	struct wpf_obj o;
	char *p;	/* the object, mapped shared */
	char *model;	/* what the object must hold */
	char *disk;	/* what WPFAULT_IOC_READ_DISK returned */
	uint64_t bits[1];
	long expire, interval;	/* sysctls to restore, or -1 */
};

FIXTURE_SETUP(wb)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->expire = -1;
	self->interval = -1;
	self->p = MAP_FAILED;
	err = wpf_create_mapped(&self->o, NPAGES, &self->p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	self->model = calloc(NPAGES, page_size);
	self->disk = calloc(NPAGES, page_size);
	ASSERT_NE(NULL, self->model);
	ASSERT_NE(NULL, self->disk);
}

FIXTURE_TEARDOWN(wb)
{
	if (self->expire >= 0)
		wpf_sysctl("vm/dirty_expire_centisecs", self->expire);
	if (self->interval >= 0)
		wpf_sysctl("vm/dirty_writeback_centisecs", self->interval);
	if (self->p != MAP_FAILED)
		munmap(self->p, NPAGES * page_size);
	free(self->model);
	free(self->disk);
	wpf_destroy(&self->o);
}

/* Fills page @i through mapping @p (one fault at most) and the model. */
static void write_page(char *p, char *model, long i, int round)
{
	memset((char *)PAGE(p, i), wpf_pattern(i, round), page_size);
	memset(model + i * page_size, wpf_pattern(i, round), page_size);
}

/* The first @nr pages of the disk hold @model, in @blocks blocks. */
static void check_disk_pages(struct __test_metadata *_metadata, int fd,
			     const char *model, long nr, int64_t blocks)
{
	char *disk = malloc(nr * page_size);
	long i, wrong = -1;

	ASSERT_NE(NULL, disk);
	ASSERT_EQ(blocks, wpf_read_disk(fd, 0, nr, disk));
	for (i = nr - 1; i >= 0; i--)
		if (memcmp(disk + i * page_size, model + i * page_size,
			   page_size))
			wrong = i;
	free(disk);
	if (wrong >= 0)
		TH_LOG("page %ld: the disk differs from what was written",
		       wrong);
	ASSERT_EQ(-1, wrong);
}

static void check_disk(struct __test_metadata *_metadata, int fd,
		       const char *model, int64_t blocks)
{
	check_disk_pages(_metadata, fd, model, NPAGES, blocks);
}

/*
 * fsync writes back what is dirty, once, and leaves the ptes read-only;
 * the written set keeps every page written.
 */
TEST_F(wb, fsync_writes_back_and_write_protects)
{
	write_page(self->p, self->model, 1, 0);
	write_page(self->p, self->model, 2, 0);
	write_page(self->p, self->model, 5, 0);
	CHECK_STATS(self->o.fd, [W] = 3, [MK] = 3, [DI] = 3, [AC] = 3,
		    [AL] = 3, [RS] = 3);
	ASSERT_EQ(0, wpf_read_disk(self->o.fd, 0, NPAGES, self->disk));

	ASSERT_EQ(0, fsync(self->o.fd));
	CHECK_STATS(self->o.fd, [W] = 3, [MK] = 3, [DI] = 3, [AC] = 3,
		    [AL] = 3, [RS] = 3, [WB] = 1, [WR] = 3, [BL] = 3);
	check_disk(_metadata, self->o.fd, self->model, 3);
	ASSERT_EQ(3, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, self->bits));
	ASSERT_STREQ("1,2,5", wpf_bits_str(self->bits, NPAGES));

	/* Nothing dirty: no writeback at all. */
	ASSERT_EQ(0, fsync(self->o.fd));
	CHECK_STATS(self->o.fd, [W] = 3, [MK] = 3, [DI] = 3, [AC] = 3,
		    [AL] = 3, [RS] = 3, [WB] = 1, [WR] = 3, [BL] = 3);

	/* The kernel dirties the page again; the written set had it already. */
	PAGE(self->p, 2)[7] = 'x';
	self->model[2 * page_size + 7] = 'x';
	CHECK_STATS(self->o.fd, [W] = 3, [MK] = 4, [DI] = 3, [AC] = 4,
		    [AL] = 3, [RS] = 3, [WB] = 1, [WR] = 3, [BL] = 3);
	ASSERT_EQ(0, fdatasync(self->o.fd));
	CHECK_STATS(self->o.fd, [W] = 3, [MK] = 4, [DI] = 3, [AC] = 4,
		    [AL] = 3, [RS] = 3, [WB] = 2, [WR] = 4, [BL] = 3);
	check_disk(_metadata, self->o.fd, self->model, 3);
}

/* A clean clears the written set only: the next sync still writes the data. */
TEST_F(wb, clean_keeps_the_kernel_dirty)
{
	write_page(self->p, self->model, 4, 0);
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, NPAGES));
	ASSERT_EQ(0, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, self->bits));
	ASSERT_EQ(0, fsync(self->o.fd));
	CHECK_STATS(self->o.fd, [W] = 1, [MK] = 1, [DI] = 1, [AC] = 1,
		    [CL] = 1, [AL] = 1, [RS] = 1, [WB] = 1, [WR] = 1, [BL] = 1);
	check_disk(_metadata, self->o.fd, self->model, 1);

	/* Written back and cleaned: the next write is seen by both. */
	write_page(self->p, self->model, 4, 1);
	CHECK_STATS(self->o.fd, [W] = 1, [MK] = 2, [DI] = 2, [AC] = 2,
		    [CL] = 1, [AL] = 1, [RS] = 1, [WB] = 1, [WR] = 1, [BL] = 1);
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, self->bits));
	ASSERT_EQ(0, fsync(self->o.fd));
	check_disk(_metadata, self->o.fd, self->model, 1);
}

/*
 * The flusher writes back on its own once pages expire; the written set still
 * reports them.  Expiry and the flusher's interval are set low for this.
 */
TEST_F(wb, background_writeback)
{
	int waited;

	write_page(self->p, self->model, 0, 0);
	write_page(self->p, self->model, 6, 0);
	self->expire = wpf_sysctl("vm/dirty_expire_centisecs", 1);
	ASSERT_LE(0, self->expire);
	self->interval = wpf_sysctl("vm/dirty_writeback_centisecs", 10);
	ASSERT_LE(0, self->interval);
	/* Under emulation a flusher pass may take a while: up to 20 s. */
	for (waited = 0; waited < 200; waited++) {
		if (wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_WRITTEN_BACK) == 2)
			break;
		usleep(100 * 1000);
	}
	/* Back to the defaults before the page is dirtied again below. */
	ASSERT_LE(0, wpf_sysctl("vm/dirty_expire_centisecs", self->expire));
	ASSERT_LE(0, wpf_sysctl("vm/dirty_writeback_centisecs",
				self->interval));
	self->expire = -1;
	self->interval = -1;
	ASSERT_EQ(2, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_WRITTEN_BACK));
	ASSERT_LE(1, wpf_stat(self->o.fd, WPFAULT_STAT_WRITEBACK_CALLS));
	check_disk(_metadata, self->o.fd, self->model, 2);
	ASSERT_EQ(2, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, self->bits));
	ASSERT_STREQ("0,6", wpf_bits_str(self->bits, NPAGES));
	/* Write-protected by writeback: the next write notifies. */
	PAGE(self->p, 6)[0] = 'z';
	ASSERT_EQ(3, wpf_stat(self->o.fd, WPFAULT_STAT_MKWRITE_CALLS));
	ASSERT_EQ(3, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_ACCOUNTED));
}

/* Drops clean, unmapped pages from the cache, as reclaim would. */
static void drop_clean_pages(struct __test_metadata *_metadata)
{
	/*
	 * Compaction first drains the per-CPU LRU caches, whose extra
	 * reference would keep a page in the cache on kernels (6.1) whose
	 * drop_caches does not.
	 */
	wpf_sysctl("vm/compact_memory", 1);
	ASSERT_LE(0, wpf_sysctl("vm/drop_caches", 1));
}

/*
 * drop_caches leaves dirty pages alone; once written back they may go,
 * and come back intact from the disk.
 */
TEST_F(wb, dropped_pages_come_back_from_the_disk)
{
	long i;

	for (i = 0; i < 4; i++)
		write_page(self->p, self->model, i, 0);
	ASSERT_EQ(0, munmap(self->p, NPAGES * page_size));
	self->p = MAP_FAILED;
	drop_clean_pages(_metadata);
	CHECK_STATS(self->o.fd, [W] = 4, [MK] = 4, [DI] = 4, [AC] = 4,
		    [AL] = 4, [RS] = 4);

	ASSERT_EQ(0, fsync(self->o.fd));
	drop_clean_pages(_metadata);
	CHECK_STATS(self->o.fd, [W] = 4, [MK] = 4, [DI] = 4, [AC] = 4,
		    [AL] = 4, [RC] = 4, [WB] = 1, [WR] = 4, [BL] = 4);
	check_disk(_metadata, self->o.fd, self->model, 4);

	/* Read back through read(2): four pages from the disk, four holes. */
	ASSERT_EQ((ssize_t)(NPAGES * page_size),
		  pread(self->o.fd, self->disk, NPAGES * page_size, 0));
	ASSERT_EQ(0, memcmp(self->disk, self->model, NPAGES * page_size));
	CHECK_STATS(self->o.fd, [W] = 4, [MK] = 4, [DI] = 4, [AC] = 4,
		    [AL] = 4 + NPAGES, [RS] = NPAGES, [RC] = 4, [WB] = 1,
		    [WR] = 4, [RD] = 4, [BL] = 4);
	ASSERT_EQ(4, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, self->bits));
}

/* write(2) and its kin go through the page cache and the written set too. */
TEST_F(wb, file_io_and_mappings_agree)
{
	char *buf = malloc(2 * page_size);
	loff_t splice_off;
	off_t sendfile_off;
	struct iovec iov[2];
	int pipefd[2];

	ASSERT_NE(NULL, buf);
	memset(buf, 'w', page_size);
	/* A whole page by pwrite: filled from the disk (a hole) first. */
	ASSERT_EQ((ssize_t)page_size,
		  pwrite(self->o.fd, buf, page_size, 3 * page_size));
	memset(self->model + 3 * page_size, 'w', page_size);
	CHECK_STATS(self->o.fd, [DI] = 1, [AC] = 1, [AL] = 1, [RS] = 1);
	ASSERT_EQ((ssize_t)page_size,
		  pread(self->o.fd, buf, page_size, 3 * page_size));
	ASSERT_EQ(0, memcmp(buf, self->model + 3 * page_size, page_size));
	/* Then a write through the mapping: recorded already, and dirty. */
	PAGE(self->p, 3)[0] = 'm';
	self->model[3 * page_size] = 'm';
	CHECK_STATS(self->o.fd, [W] = 1, [MK] = 1, [DI] = 1, [AC] = 1,
		    [AL] = 1, [RS] = 1);

	/* The other order, after a writeback: a mapped write, then write(2). */
	ASSERT_EQ(0, fsync(self->o.fd));
	write_page(self->p, self->model, 5, 0);
	ASSERT_EQ(5 * page_size, lseek(self->o.fd, 5 * page_size, SEEK_SET));
	memset(buf, 'v', 2 * page_size);
	iov[0] = (struct iovec){ buf, 10 };
	iov[1] = (struct iovec){ buf + 10, page_size + 10 };
	ASSERT_EQ((ssize_t)page_size + 20, writev(self->o.fd, iov, 2));
	memset(self->model + 5 * page_size, 'v', page_size + 20);
	ASSERT_EQ(6 * page_size + 20, lseek(self->o.fd, 0, SEEK_CUR));
	ASSERT_EQ(NPAGES * page_size, lseek(self->o.fd, 0, SEEK_END));
	ASSERT_EQ('v', PAGE(self->p, 5)[0]);
	ASSERT_EQ('v', PAGE(self->p, 6)[19]);
	ASSERT_EQ(0, PAGE(self->p, 6)[20]);
	ASSERT_EQ(3, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, self->bits));
	ASSERT_STREQ("3,5,6", wpf_bits_str(self->bits, NPAGES));

	/* splice: from a pipe into page 7, and back out with sendfile. */
	ASSERT_EQ(0, pipe(pipefd));
	memset(buf, 's', page_size);
	ASSERT_EQ((ssize_t)page_size, write(pipefd[1], buf, page_size));
	splice_off = 7 * page_size;
	ASSERT_EQ((ssize_t)page_size, splice(pipefd[0], NULL, self->o.fd,
					     &splice_off, page_size, 0));
	memset(self->model + 7 * page_size, 's', page_size);
	sendfile_off = 7 * page_size;
	ASSERT_EQ((ssize_t)page_size, sendfile(pipefd[1], self->o.fd,
					       &sendfile_off, page_size));
	ASSERT_EQ((ssize_t)page_size, read(pipefd[0], buf, page_size));
	ASSERT_EQ(0, memcmp(buf, self->model + 7 * page_size, page_size));
	close(pipefd[0]);
	close(pipefd[1]);

	ASSERT_EQ(0, fsync(self->o.fd));
	check_disk(_metadata, self->o.fd, self->model, 4);
	ASSERT_EQ((ssize_t)(NPAGES * page_size),
		  pread(self->o.fd, self->disk, NPAGES * page_size, 0));
	ASSERT_EQ(0, memcmp(self->disk, self->model, NPAGES * page_size));
	free(buf);
}

static struct timespec mtime_of(struct __test_metadata *_metadata, int fd)
{
	struct stat st;

	EXPECT_EQ(0, fstat(fd, &st));
	return st.st_mtim;
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Long enough for the coarse clock to tick (HZ is 100 at the least). */
static void clock_tick(void)
{
	usleep(30 * 1000);
}

/*
 * mtime moves on the first write after a clean or a writeback, as a file
 * system's ->page_mkwrite moves it, and on no other write or read.
 */
TEST_F(wb, mtime_moves_on_the_first_write)
{
	struct timespec t0, t1, t2, t3;

	t0 = mtime_of(_metadata, self->o.fd);
	clock_tick();
	write_page(self->p, self->model, 0, 0);
	t1 = mtime_of(_metadata, self->o.fd);
	ASSERT_FALSE(same_time(t0, t1));
	clock_tick();
	PAGE(self->p, 0)[1] = 1;
	ASSERT_EQ(0, PAGE(self->p, 1)[0]);
	ASSERT_TRUE(same_time(t1, mtime_of(_metadata, self->o.fd)));
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_MTIME_UPDATES));

	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, NPAGES));
	clock_tick();
	PAGE(self->p, 0)[2] = 2;
	t2 = mtime_of(_metadata, self->o.fd);
	ASSERT_FALSE(same_time(t1, t2));
	ASSERT_EQ(2, wpf_stat(self->o.fd, WPFAULT_STAT_MTIME_UPDATES));

	ASSERT_EQ(0, fsync(self->o.fd));
	clock_tick();
	PAGE(self->p, 0)[3] = 3;
	t3 = mtime_of(_metadata, self->o.fd);
	ASSERT_FALSE(same_time(t2, t3));
	ASSERT_EQ(3, wpf_stat(self->o.fd, WPFAULT_STAT_MTIME_UPDATES));
	ASSERT_EQ(3, wpf_stat(self->o.fd, WPFAULT_STAT_MKWRITE_CALLS));
}

/* Hole punches and truncation free blocks; the rest reads zeroes. */
TEST_F(wb, punch_and_truncate_free_the_disk)
{
	const long half = page_size / 2;
	long i;

	for (i = 0; i < 4; i++)
		write_page(self->p, self->model, i, 0);
	ASSERT_EQ(0, fsync(self->o.fd));
	check_disk(_metadata, self->o.fd, self->model, 4);

	ASSERT_EQ(0, fallocate(self->o.fd,
			       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       page_size, page_size));
	memset(self->model + page_size, 0, page_size);
	CHECK_STATS(self->o.fd, [W] = 4, [MK] = 4, [DI] = 4, [AC] = 4,
		    [AL] = 4, [RS] = 3, [WB] = 1, [WR] = 4, [TR] = 1, [PT] = 1,
		    [BL] = 3);
	check_disk(_metadata, self->o.fd, self->model, 3);
	ASSERT_EQ(0, PAGE(self->p, 1)[0]);

	/* Part of a page: zeroed in the cache and on the disk alike. */
	ASSERT_EQ(0, fallocate(self->o.fd,
			       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       2 * page_size + 100, 50));
	memset(self->model + 2 * page_size + 100, 0, 50);
	check_disk(_metadata, self->o.fd, self->model, 3);
	ASSERT_EQ(0, PAGE(self->p, 2)[120]);
	ASSERT_EQ(wpf_pattern(2, 0), PAGE(self->p, 2)[150]);

	/* Collapsing and inserting ranges is not supported: no change. */
	ASSERT_EQ(-1, fallocate(self->o.fd, FALLOC_FL_COLLAPSE_RANGE, 0,
				page_size));
	ASSERT_EQ(EOPNOTSUPP, errno);
	check_disk(_metadata, self->o.fd, self->model, 3);

	/* Shrink into page 2: page 3 and the tail of page 2 go. */
	ASSERT_EQ(0, ftruncate(self->o.fd, 2 * page_size + half));
	memset(self->model + 2 * page_size + half, 0,
	       (NPAGES - 2) * page_size - half);
	check_disk_pages(_metadata, self->o.fd, self->model, 3, 2);
	ASSERT_EQ(2, wpf_stat(self->o.fd, WPFAULT_STAT_DISK_BLOCKS));
	ASSERT_EQ(3, wpf_stat(self->o.fd, WPFAULT_STAT_TRUNCATIONS));

	/* Grown again, everything past the shrink reads zeroes. */
	ASSERT_EQ(0, ftruncate(self->o.fd, NPAGES * page_size));
	ASSERT_EQ((ssize_t)(NPAGES * page_size),
		  pread(self->o.fd, self->disk, NPAGES * page_size, 0));
	ASSERT_EQ(0, memcmp(self->disk, self->model, NPAGES * page_size));
	check_disk(_metadata, self->o.fd, self->model, 2);
}

/*
 * The kernel's own counters move with the module's: /proc/vmstat exactly
 * (after folding the per-CPU deltas), the BDI's within the error the
 * kernel allows its per-CPU counters (nr_cpus * WB_STAT_BATCH pages).
 */
TEST_F(wb, kernel_accounting_agrees)
{
	int64_t dirtied, written, bdi_dirtied, bdi_written, slack_kb, want_kb;
	long cpus = sysconf(_SC_NPROCESSORS_CONF), i, round, rounds;
	uint64_t before[WPFAULT_STAT_NR], after[WPFAULT_STAT_NR];
	int64_t pages, slack;
	int batch = 8;

	for (i = cpus; i > 1; i /= 2)
		batch += 8;	/* 8 * (1 + ilog2(nr_cpu_ids)) */
	slack = cpus * batch;
	/* Enough pages that the BDI's counters must move past the slack. */
	rounds = (3 * slack + NPAGES - 1) / NPAGES;
	pages = rounds * NPAGES + 1;
	slack_kb = slack * (int64_t)page_size / 1024;
	want_kb = pages * (int64_t)page_size / 1024;

	ASSERT_LE(0, wpf_sysctl("vm/stat_refresh", 1));
	dirtied = wpf_vmstat("nr_dirtied");
	written = wpf_vmstat("nr_written");
	bdi_dirtied = wpf_bdi_stat(self->o.id, "BdiDirtied");
	bdi_written = wpf_bdi_stat(self->o.id, "BdiWritten");
	ASSERT_LE(0, dirtied);
	ASSERT_LE(0, bdi_dirtied);
	ASSERT_EQ(0, wpf_stats(self->o.fd, before));

	for (round = 0; round < rounds; round++) {
		for (i = 0; i < NPAGES; i++)
			write_page(self->p, self->model, i, round);
		ASSERT_EQ(0, fsync(self->o.fd));
	}
	ASSERT_EQ((ssize_t)page_size,
		  pwrite(self->o.fd, self->model, page_size, page_size));
	memcpy(self->model + page_size, self->model, page_size);
	ASSERT_EQ(0, fsync(self->o.fd));
	check_disk(_metadata, self->o.fd, self->model, NPAGES);

	ASSERT_EQ(0, wpf_stats(self->o.fd, after));
	/* Every page in every round, and page 1 once more. */
	ASSERT_EQ(pages, after[WPFAULT_STAT_PAGES_ACCOUNTED] -
			 before[WPFAULT_STAT_PAGES_ACCOUNTED]);
	ASSERT_EQ(pages, after[WPFAULT_STAT_PAGES_WRITTEN_BACK] -
			 before[WPFAULT_STAT_PAGES_WRITTEN_BACK]);
	ASSERT_LE(0, wpf_sysctl("vm/stat_refresh", 1));
	ASSERT_EQ(pages, wpf_vmstat("nr_dirtied") - dirtied);
	ASSERT_EQ(pages, wpf_vmstat("nr_written") - written);
	bdi_dirtied = wpf_bdi_stat(self->o.id, "BdiDirtied") - bdi_dirtied;
	bdi_written = wpf_bdi_stat(self->o.id, "BdiWritten") - bdi_written;
	TH_LOG("BdiDirtied +%lld kB, BdiWritten +%lld kB: %lld kB +-%lld",
	       (long long)bdi_dirtied, (long long)bdi_written,
	       (long long)want_kb, (long long)slack_kb);
	ASSERT_GE(slack_kb, llabs(bdi_dirtied - want_kb));
	ASSERT_GE(slack_kb, llabs(bdi_written - want_kb));
}

/*
 * Writing several times the dirty limit through a mapping completes: the
 * kernel's throttle (balance_dirty_pages(), reached from the write fault)
 * starts writeback before any sync, and every dirtying is written back
 * once.  A page written back between its ->page_mkwrite and the store
 * that faulted is write-protected again: the store faults once more and
 * the kernel dirties the page twice, so that count is not the page count.
 */
TEST(dirty_limit_throttles_writers)
{
	const long pages = (8L << 20) / page_size;	/* 8 MiB */
	long ratio, background_ratio, i;
	uint64_t v[WPFAULT_STAT_NR];
	struct wpf_obj o;
	char *p;
	int err;

	err = wpf_create_mapped(&o, pages, &p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	/* Writing the ratios back later clears the byte limits. */
	ratio = wpf_sysctl("vm/dirty_ratio", 20);
	background_ratio = wpf_sysctl("vm/dirty_background_ratio", 10);
	ASSERT_LE(0, ratio);
	ASSERT_LE(0, background_ratio);
	ASSERT_LE(0, wpf_sysctl("vm/dirty_bytes", 1L << 20));
	ASSERT_LE(0, wpf_sysctl("vm/dirty_background_bytes", 256L << 10));

	for (i = 0; i < pages; i++)
		PAGE(p, i)[0] = wpf_pattern(i, 0);
	err = wpf_stats(o.fd, v);
	/* Restored before any assertion: later tests need the defaults. */
	ASSERT_LE(0, wpf_sysctl("vm/dirty_ratio", ratio));
	ASSERT_LE(0, wpf_sysctl("vm/dirty_background_ratio",
				background_ratio));
	ASSERT_EQ(0, err);
	TH_LOG("%llu of %ld pages written back before the sync",
	       (unsigned long long)v[WPFAULT_STAT_PAGES_WRITTEN_BACK], pages);
	ASSERT_LT(0, v[WPFAULT_STAT_PAGES_WRITTEN_BACK]);
	ASSERT_LE(pages, v[WPFAULT_STAT_PAGES_ACCOUNTED]);

	ASSERT_EQ(0, fsync(o.fd));
	ASSERT_EQ(0, wpf_stats(o.fd, v));
	ASSERT_EQ(v[WPFAULT_STAT_PAGES_ACCOUNTED],
		  v[WPFAULT_STAT_PAGES_WRITTEN_BACK]);
	ASSERT_EQ(pages, v[WPFAULT_STAT_DISK_BLOCKS]);
	ASSERT_EQ(pages, v[WPFAULT_STAT_PAGES_DIRTIED]);
	munmap(p, pages * page_size);
	p = malloc(pages * page_size);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(pages, wpf_read_disk(o.fd, 0, pages, p));
	for (i = 0; i < pages; i++)
		ASSERT_EQ(wpf_pattern(i, 0), p[i * page_size]);
	free(p);
	wpf_destroy(&o);
}

TEST_HARNESS_MAIN
