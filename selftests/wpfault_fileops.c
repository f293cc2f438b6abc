// SPDX-License-Identifier: GPL-2.0
/*
 * File calls that file systems allow, as on one whose disk is memory, on
 * every object type, checking the data, the disk and st_blocks:
 *  - mode 0 and KEEP_SIZE, within and past end of file, allocate zeroed
 *    blocks on the disk; mode 0 may grow the file; the data already there
 *    stays;
 *  - ZERO_RANGE zeroes the range, partial pages too, and leaves it
 *    allocated; PUNCH_HOLE frees whole blocks; none of these is a write,
 *    so the written set does not change;
 *  - st_blocks counts the disk's blocks, and so does statfs, for all the
 *    files of a mount (two here); SEEK_DATA finds pages with a block or
 *    cached dirty, SEEK_HOLE the others;
 *  - a range larger than half the memory available gets ENOSPC, modes
 *    the disk cannot do get EOPNOTSUPP, and neither changes anything;
 *  - O_DIRECT reads and writes the disk, coherent with the page cache
 *    and with mappings: a direct read sees a page dirty in the cache, a
 *    direct write over a mapped page shows in the mapping, writes onto a
 *    hole and past end of file read back with zeroes around them, and the
 *    written set holds exactly the pages written.  That is for page-cache
 *    objects; pfn and copy-on-write objects have no read or write at all,
 *    and refuse O_DIRECT (EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "wpfault_util.h"

#define NPAGES		8
/* st_blocks counts 512-byte units. */
#define BLOCKS(pages)	((blkcnt_t)(pages) * (blkcnt_t)(page_size / 512))

FIXTURE(falloc) {
	struct wpf_obj o;
	char *p;
	char *buf;
};

FIXTURE_VARIANT(falloc) {
	enum wpfault_type type;
};

FIXTURE_VARIANT_ADD(falloc, pagecache) { .type = WPFAULT_TYPE_PAGECACHE };
FIXTURE_VARIANT_ADD(falloc, pfn) { .type = WPFAULT_TYPE_PFN };
FIXTURE_VARIANT_ADD(falloc, cow) { .type = WPFAULT_TYPE_COW };

FIXTURE_SETUP(falloc)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	self->buf = NULL;
	err = wpf_create_type_mapped(&self->o, variant->type, NPAGES / 2,
				     &self->p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	self->buf = malloc(NPAGES * page_size);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(falloc)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, NPAGES / 2 * page_size);
	free(self->buf);
	wpf_destroy(&self->o);
}

static blkcnt_t st_blocks(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_blocks;
}

static off_t st_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

/* Bytes [@from, @to) of @p all hold @c. */
static bool bytes_are(const char *p, size_t from, size_t to, char c)
{
	for (; from < to; from++)
		if (p[from] != c)
			return false;
	return true;
}

TEST_F(falloc, keep_size_allocates_zeroed_blocks)
{
	memset(self->p, 'a', page_size);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(BLOCKS(1), st_blocks(self->o.fd));
	/* Pages 0 to 2: page 0 keeps its data and its block. */
	ASSERT_EQ(0, fallocate(self->o.fd, FALLOC_FL_KEEP_SIZE, 0,
			       3 * page_size));
	ASSERT_EQ(BLOCKS(3), st_blocks(self->o.fd));
	ASSERT_EQ(3, wpf_read_disk(self->o.fd, 0, NPAGES / 2, self->buf));
	ASSERT_TRUE(bytes_are(self->buf, 0, page_size, 'a'));
	ASSERT_TRUE(bytes_are(self->buf, page_size, 3 * page_size, 0));
	ASSERT_EQ(NPAGES / 2 * page_size, st_size(self->o.fd));
	/* Past end of file too, and the size stays. */
	ASSERT_EQ(0, fallocate(self->o.fd, FALLOC_FL_KEEP_SIZE,
			       NPAGES / 2 * page_size, page_size));
	ASSERT_EQ(BLOCKS(4), st_blocks(self->o.fd));
	ASSERT_EQ(NPAGES / 2 * page_size, st_size(self->o.fd));
	/* Allocation is no write. */
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 0, NPAGES / 2,
				      (uint64_t *)self->buf));
	ASSERT_EQ('a', self->p[page_size - 1]);
	ASSERT_EQ(0, self->p[page_size]);
}

TEST_F(falloc, mode_0_grows_the_file)
{
	off_t end = (NPAGES - 1) * page_size + 10;

	ASSERT_EQ(0, fallocate(self->o.fd, 0, 2 * page_size, end -
			       2 * page_size));
	ASSERT_EQ(end, st_size(self->o.fd));
	ASSERT_EQ(BLOCKS(NPAGES - 2), st_blocks(self->o.fd));
	ASSERT_EQ(NPAGES - 2, wpf_read_disk(self->o.fd, 0, NPAGES, self->buf));
	ASSERT_TRUE(bytes_are(self->buf, 0, NPAGES * page_size, 0));
	/* Within the file: no change of size. */
	ASSERT_EQ(0, fallocate(self->o.fd, 0, 0, page_size));
	ASSERT_EQ(end, st_size(self->o.fd));
	ASSERT_EQ(BLOCKS(NPAGES - 1), st_blocks(self->o.fd));
}

TEST_F(falloc, zero_range_zeroes_and_keeps_the_blocks)
{
	size_t from = page_size / 2, to = 2 * page_size + 100;

	memset(self->p, 'z', 3 * page_size);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(0, fallocate(self->o.fd, FALLOC_FL_ZERO_RANGE, from,
			       to - from));
	ASSERT_TRUE(bytes_are(self->p, 0, from, 'z'));
	ASSERT_TRUE(bytes_are(self->p, from, to, 0));
	ASSERT_TRUE(bytes_are(self->p, to, 3 * page_size, 'z'));
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(3, wpf_read_disk(self->o.fd, 0, NPAGES / 2, self->buf));
	ASSERT_TRUE(bytes_are(self->buf, 0, from, 'z'));
	ASSERT_TRUE(bytes_are(self->buf, from, to, 0));
	ASSERT_TRUE(bytes_are(self->buf, to, 3 * page_size, 'z'));
	ASSERT_EQ(BLOCKS(3), st_blocks(self->o.fd));
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_TRUNCATIONS));
	/* Zeroing is no clean: the three pages written stay reported. */
	ASSERT_EQ(3, wpf_dirty_bitmap(self->o.fd, 0, NPAGES / 2,
				      (uint64_t *)self->buf));
}

TEST_F(falloc, punch_frees_blocks)
{
	memset(self->p, 'q', 3 * page_size);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(BLOCKS(3), st_blocks(self->o.fd));
	ASSERT_EQ(0, fallocate(self->o.fd,
			       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       page_size, page_size));
	ASSERT_EQ(BLOCKS(2), st_blocks(self->o.fd));
	ASSERT_EQ(0, self->p[page_size]);
	ASSERT_EQ('q', self->p[2 * page_size]);
}

TEST_F(falloc, refusals_change_nothing)
{
	memset(self->p, 'r', page_size);
	ASSERT_EQ(0, fsync(self->o.fd));
	/* 2^40 pages: no memory holds that. */
	ASSERT_EQ(-1, fallocate(self->o.fd, FALLOC_FL_KEEP_SIZE, 0,
				(off_t)page_size << 40));
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ(-1, fallocate(self->o.fd, 0, 0, (off_t)page_size << 40));
	ASSERT_EQ(ENOSPC, errno);
	/* Refused before it zeroes anything. */
	ASSERT_EQ(-1, fallocate(self->o.fd, FALLOC_FL_ZERO_RANGE, 0,
				(off_t)page_size << 40));
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ(-1, fallocate(self->o.fd, FALLOC_FL_INSERT_RANGE, 0,
				page_size));
	ASSERT_EQ(EOPNOTSUPP, errno);
	ASSERT_EQ(-1, fallocate(self->o.fd, FALLOC_FL_COLLAPSE_RANGE, 0,
				page_size));
	ASSERT_EQ(EOPNOTSUPP, errno);
	ASSERT_EQ(BLOCKS(1), st_blocks(self->o.fd));
	ASSERT_EQ(NPAGES / 2 * page_size, st_size(self->o.fd));
	ASSERT_EQ('r', self->p[0]);
}

/*
 * SEEK_DATA and SEEK_HOLE, at page granularity: a page with a block on
 * the disk (written back, written through a pfn or copy-on-write mapping,
 * or allocated) or cached dirty holds data; end of file is a hole.
 */
TEST_F(falloc, seek_data_and_hole)
{
	off_t size = NPAGES / 2 * page_size;

	self->p[page_size] = 'd';
	self->p[3 * page_size] = 'd';
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(page_size, lseek(self->o.fd, 0, SEEK_DATA));
	ASSERT_EQ(2 * page_size, lseek(self->o.fd, page_size, SEEK_HOLE));
	ASSERT_EQ(2 * page_size, lseek(self->o.fd, page_size + 7, SEEK_HOLE));
	ASSERT_EQ(3 * page_size, lseek(self->o.fd, 2 * page_size, SEEK_DATA));
	ASSERT_EQ(3 * page_size + 9,
		  lseek(self->o.fd, 3 * page_size + 9, SEEK_DATA));
	ASSERT_EQ(size, lseek(self->o.fd, 3 * page_size, SEEK_HOLE));
	ASSERT_EQ(0, lseek(self->o.fd, 0, SEEK_HOLE));
	ASSERT_EQ(-1, lseek(self->o.fd, size, SEEK_DATA));
	ASSERT_EQ(ENXIO, errno);
	ASSERT_EQ(-1, lseek(self->o.fd, size, SEEK_HOLE));
	ASSERT_EQ(ENXIO, errno);
	ASSERT_EQ(-1, lseek(self->o.fd, -1, SEEK_DATA));
	ASSERT_EQ(ENXIO, errno);
	/* Allocated blocks hold data (zeroes). */
	ASSERT_EQ(0, fallocate(self->o.fd, FALLOC_FL_KEEP_SIZE, 0,
			       page_size));
	ASSERT_EQ(0, lseek(self->o.fd, 0, SEEK_DATA));
	ASSERT_EQ(2 * page_size, lseek(self->o.fd, 0, SEEK_HOLE));
}

/* A page-cache page written but not yet written back holds data. */
TEST_F(falloc, seek_data_finds_a_dirty_page)
{
	if (variant->type != WPFAULT_TYPE_PAGECACHE)
		SKIP(return, "only page-cache objects cache dirty pages");
	ASSERT_EQ(1, pwrite(self->o.fd, "x", 1, 2 * page_size + 5));
	ASSERT_EQ(0, wpf_read_disk(self->o.fd, 0, NPAGES / 2, self->buf));
	ASSERT_EQ(2 * page_size, lseek(self->o.fd, 0, SEEK_DATA));
	ASSERT_EQ(3 * page_size, lseek(self->o.fd, 2 * page_size, SEEK_HOLE));
	/* Written back: the disk block holds it now. */
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(2 * page_size, lseek(self->o.fd, 0, SEEK_DATA));
}

/*
 * Direct I/O goes to the disk: the kernel writes dirty pages back before
 * it, and drops (and unmaps) the pages a direct write covers, so that
 * read(2) and mappings see what it wrote.  Any alignment works: the disk
 * is memory.  Direct writes are writes for the written set.
 */
TEST_F(falloc, o_direct_is_coherent)
{
	uint64_t bits[1];
	int dfd;

	dfd = wpf_open_direct(self->o.fd);
	if (variant->type != WPFAULT_TYPE_PAGECACHE) {
		ASSERT_EQ(-1, dfd);
		ASSERT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_LE(0, dfd);
	/* Dirty in the cache only: a direct read flushes it first. */
	memset(self->p, 'a', page_size);
	ASSERT_EQ(0, wpf_read_disk(self->o.fd, 0, 1, self->buf));
	ASSERT_EQ(page_size, pread(dfd, self->buf, page_size, 0));
	ASSERT_TRUE(bytes_are(self->buf, 0, page_size, 'a'));
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, NPAGES / 2));

	/* Over a mapped, cached page: the mapping sees the new bytes. */
	memset(self->buf, 'b', page_size);
	ASSERT_EQ(100, pwrite(dfd, self->buf, 100, 10));
	ASSERT_TRUE(bytes_are(self->p, 0, 10, 'a'));
	ASSERT_TRUE(bytes_are(self->p, 10, 110, 'b'));
	ASSERT_TRUE(bytes_are(self->p, 110, page_size, 'a'));
	/* Onto a hole: the block's other bytes are zeroes. */
	ASSERT_EQ(3, pwrite(dfd, self->buf, 3, 2 * page_size + 1));
	ASSERT_EQ(page_size, pread(self->o.fd, self->buf, page_size,
				   2 * page_size));
	ASSERT_EQ(0, self->buf[0]);
	ASSERT_TRUE(bytes_are(self->buf, 1, 4, 'b'));
	ASSERT_TRUE(bytes_are(self->buf, 4, page_size, 0));
	ASSERT_EQ(2, wpf_collect(self->o.fd, 0, NPAGES / 2, bits));
	ASSERT_EQ(0x5, bits[0]);
	/* Past end of file: the file grows, the gap reads zeroes. */
	ASSERT_EQ(1, pwrite(dfd, "e", 1, NPAGES * page_size));
	ASSERT_EQ(NPAGES * page_size + 1, st_size(self->o.fd));
	ASSERT_EQ(2, pread(dfd, self->buf, page_size,
			   NPAGES * page_size - 1));
	ASSERT_EQ(0, self->buf[0]);
	ASSERT_EQ('e', self->buf[1]);
	ASSERT_EQ(0, close(dfd));
}

/* statfs of a mount counts the blocks of all its files. */
TEST(statfs_counts_the_disk)
{
	char dir[] = "/tmp/wpfault-falloc-XXXXXX", path[64];
	struct statfs before, after;
	int fd[2], i;

	if (access(WPFAULT_DEVICE, F_OK))
		SKIP(return, WPF_UNLOADED);
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("none", dir, "wpfault", 0, NULL));
	ASSERT_EQ(0, statfs(dir, &before));
	ASSERT_EQ(page_size, before.f_bsize);
	ASSERT_EQ(before.f_blocks, before.f_bfree);
	ASSERT_EQ(before.f_bfree, before.f_bavail);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		fd[i] = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		ASSERT_LE(0, fd[i]);
		ASSERT_EQ(0, fallocate(fd[i], 0, 0, (i + 2) * page_size));
	}
	ASSERT_EQ(0, statfs(dir, &after));
	ASSERT_EQ(before.f_blocks, after.f_blocks);
	ASSERT_EQ(5, after.f_blocks - after.f_bfree);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(BLOCKS(i + 2), st_blocks(fd[i]));
		close(fd[i]);
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		ASSERT_EQ(0, unlink(path));
	}
	ASSERT_EQ(0, statfs(dir, &after));
	ASSERT_EQ(after.f_blocks, after.f_bfree);
	ASSERT_EQ(0, umount(dir));
	ASSERT_EQ(0, rmdir(dir));
}

TEST_HARNESS_MAIN
