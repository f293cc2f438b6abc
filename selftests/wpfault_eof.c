// SPDX-License-Identifier: GPL-2.0
/*
 * Bytes past end of file are no file data.  A shared mapping may store
 * them in the page that holds end of file; when the file grows, they must
 * read as zeroes, whatever grows it (xfstests generic/363 checks this):
 * write, pwrite, pwritev, splice, copy_file_range, an O_DIRECT pwrite,
 * fallocate and truncation, each with the end-of-file page cached and
 * mapped, cached only, or only on the disk while the file grows.
 *
 * Each case writes DATA_LEN bytes, fills the rest of their page through a
 * mapping with STALE (past end of file), writes it back, then grows the
 * file to GROW_AT + 1 with one byte NEW at GROW_AT.  Every byte from
 * DATA_LEN to GROW_AT must then be zero through read(2), through the old
 * mapping and a new one, and on the disk after fsync.
 *
 * And a mapping past end of file follows the size, on every object type
 * (xfstests generic/749): a mapping longer than the file gets SIGBUS past
 * the end-of-file page until the file grows over it, and again after it
 * shrinks back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "wpfault_util.h"

#define DATA_LEN	105
#define DATA		0xaa
#define STALE		0x5a
#define NEW		0x11

/* Two pages and some: the new byte lands in a page of its own. */
#define GROW_AT		(2 * (off_t)page_size + 99)
#define MAP_PAGES	3

/* Makes the file GROW_AT + 1 bytes long, with NEW at GROW_AT. */
typedef int (*grow_fn)(int fd);

static const char new_byte = NEW;

static int by_write(int fd)
{
	if (lseek(fd, GROW_AT, SEEK_SET) != GROW_AT)
		return -1;
	return write(fd, &new_byte, 1) == 1 ? 0 : -1;
}

static int by_pwrite(int fd)
{
	return pwrite(fd, &new_byte, 1, GROW_AT) == 1 ? 0 : -1;
}

static int by_pwritev(int fd)
{
	struct iovec iov[2] = {
		{ (void *)&new_byte, 1 },
		{ (void *)&new_byte, 0 },
	};

	return pwritev(fd, iov, 2, GROW_AT) == 1 ? 0 : -1;
}

static int by_splice(int fd)
{
	loff_t off = GROW_AT;
	int pipefd[2], ret = -1;

	if (pipe(pipefd))
		return -1;
	if (write(pipefd[1], &new_byte, 1) == 1 &&
	    splice(pipefd[0], NULL, fd, &off, 1, 0) == 1)
		ret = 0;
	close(pipefd[0]);
	close(pipefd[1]);
	return ret;
}

/* From a second object on the same file system. */
static int by_copy_file_range(int fd)
{
	loff_t in_off = 0, out_off = GROW_AT;
	struct wpf_obj src;
	int ret = -1;

	if (wpf_create(&src, 1))
		return -1;
	if (pwrite(src.fd, &new_byte, 1, 0) == 1 &&
	    copy_file_range(src.fd, &in_off, fd, &out_off, 1, 0) == 1)
		ret = 0;
	wpf_destroy(&src);
	return ret;
}

/* O_DIRECT, through the object opened again. */
static int by_direct_pwrite(int fd)
{
	int dfd = wpf_open_direct(fd), ret;

	if (dfd < 0)
		return -1;
	ret = pwrite(dfd, &new_byte, 1, GROW_AT) == 1 ? 0 : -1;
	close(dfd);
	return ret;
}

/* Allocation that grows the file, then the new byte. */
static int by_fallocate(int fd)
{
	if (fallocate(fd, 0, 0, GROW_AT + 1))
		return -1;
	return by_pwrite(fd);
}

/* Truncation zeroes the tail itself; the new byte comes after. */
static int by_truncate(int fd)
{
	if (ftruncate(fd, GROW_AT + 1))
		return -1;
	return by_pwrite(fd);
}

FIXTURE(eof) {
	struct wpf_obj o;
	char *buf;
};

FIXTURE_VARIANT(eof) {
	grow_fn grow;
};

FIXTURE_VARIANT_ADD(eof, write) { .grow = by_write };
FIXTURE_VARIANT_ADD(eof, pwrite) { .grow = by_pwrite };
FIXTURE_VARIANT_ADD(eof, pwritev) { .grow = by_pwritev };
FIXTURE_VARIANT_ADD(eof, splice) { .grow = by_splice };
FIXTURE_VARIANT_ADD(eof, copy_file_range) { .grow = by_copy_file_range };
FIXTURE_VARIANT_ADD(eof, direct_pwrite) { .grow = by_direct_pwrite };
FIXTURE_VARIANT_ADD(eof, fallocate) { .grow = by_fallocate };
FIXTURE_VARIANT_ADD(eof, truncate) { .grow = by_truncate };

FIXTURE_SETUP(eof)
{
	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	if (access(WPFAULT_DEVICE, F_OK))
		SKIP(return, WPF_UNLOADED);
	self->buf = malloc(MAP_PAGES * page_size);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(eof)
{
	free(self->buf);
	wpf_destroy(&self->o);
}

/* Whether bytes [@from, @to) of @p are all zero; logs the first other. */
static bool zeroes(struct __test_metadata *_metadata, const char *what,
		   const char *p, off_t from, off_t to)
{
	off_t i;

	for (i = from; i < to; i++)
		if (p[i]) {
			TH_LOG("%s: byte %lld is %#x, not 0", what,
			       (long long)i, p[i] & 0xff);
			return false;
		}
	return true;
}

/*
 * One case: @cached keeps the end-of-file page in the page cache while
 * the file grows (otherwise it is only on the disk); @mapped keeps it
 * mapped.
 */
static void grow_case(struct __test_metadata *_metadata, struct wpf_obj *o,
		      char *buf, grow_fn grow, bool cached, bool mapped)
{
	char *map;

	ASSERT_EQ(0, wpf_create(o, DATA_LEN));
	memset(buf, DATA, DATA_LEN);
	ASSERT_EQ(DATA_LEN, pwrite(o->fd, buf, DATA_LEN, 0));
	map = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   o->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	memset(map + DATA_LEN, STALE, page_size - DATA_LEN);
	ASSERT_EQ(0, msync(map, page_size, MS_SYNC));
	if (!mapped) {
		ASSERT_EQ(0, munmap(map, page_size));
		map = NULL;
	}
	if (!cached) {
		ASSERT_TRUE(!mapped);
		ASSERT_EQ(0, posix_fadvise(o->fd, 0, 0, POSIX_FADV_DONTNEED));
		ASSERT_EQ(0, wpf_stat(o->fd, WPFAULT_STAT_PAGES_RESIDENT));
	}

	ASSERT_EQ(0, grow(o->fd));
	ASSERT_EQ(GROW_AT + 1, lseek(o->fd, 0, SEEK_END));

	memset(buf, 0xff, MAP_PAGES * page_size);
	ASSERT_EQ(GROW_AT + 1, pread(o->fd, buf, MAP_PAGES * page_size, 0));
	ASSERT_EQ((char)DATA, buf[DATA_LEN - 1]);
	ASSERT_TRUE(zeroes(_metadata, "read(2)", buf, DATA_LEN, GROW_AT));
	ASSERT_EQ(NEW, buf[GROW_AT]);
	if (map) {
		ASSERT_TRUE(zeroes(_metadata, "the old mapping", map,
				   DATA_LEN, page_size));
		ASSERT_EQ(0, munmap(map, page_size));
	}
	map = mmap(NULL, MAP_PAGES * page_size, PROT_READ, MAP_SHARED, o->fd,
		   0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_TRUE(zeroes(_metadata, "a new mapping", map, DATA_LEN,
			   GROW_AT));
	ASSERT_EQ(NEW, map[GROW_AT]);
	ASSERT_EQ(0, munmap(map, MAP_PAGES * page_size));

	ASSERT_EQ(0, fsync(o->fd));
	memset(buf, 0xff, MAP_PAGES * page_size);
	ASSERT_LE(0, wpf_read_disk(o->fd, 0, MAP_PAGES, buf));
	ASSERT_TRUE(zeroes(_metadata, "the disk", buf, DATA_LEN, GROW_AT));
	ASSERT_EQ(NEW, buf[GROW_AT]);
	wpf_destroy(o);
}

TEST_F(eof, page_cached_and_mapped)
{
	grow_case(_metadata, &self->o, self->buf, variant->grow, true, true);
}

TEST_F(eof, page_cached_not_mapped)
{
	grow_case(_metadata, &self->o, self->buf, variant->grow, true, false);
}

TEST_F(eof, page_on_disk_only)
{
	grow_case(_metadata, &self->o, self->buf, variant->grow, false,
		  false);
}

/*
 * A mapping may be longer than the file, as on any file system (xfstests
 * generic/749): an access past the page that holds end of file gets
 * SIGBUS, counted in sigbus_faults, until the file grows over it, and
 * again once it shrinks back.  On every object type.
 */
static void mapping_follows_the_size(struct __test_metadata *_metadata,
				     enum wpfault_type type)
{
	struct wpf_obj o;
	char *p;

	ASSERT_EQ(0, wpf_create_type(&o, page_size + 1, type));
	p = mmap(NULL, 4 * page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 o.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[page_size] = 'a';
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte,
					    p + 2 * page_size));
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_write_byte,
					    p + 3 * page_size));
	ASSERT_EQ(2, wpf_stat(o.fd, WPFAULT_STAT_SIGBUS_FAULTS));

	ASSERT_EQ(0, ftruncate(o.fd, 3 * page_size));
	ASSERT_EQ(0, p[2 * page_size]);
	p[2 * page_size + 1] = 'b';
	ASSERT_EQ('a', p[page_size]);
	ASSERT_EQ(0, p[page_size + 1]);
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte,
					    p + 3 * page_size));
	ASSERT_EQ(3, wpf_stat(o.fd, WPFAULT_STAT_SIGBUS_FAULTS));

	ASSERT_EQ(0, ftruncate(o.fd, page_size));
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, p + page_size));
	ASSERT_EQ(4, wpf_stat(o.fd, WPFAULT_STAT_SIGBUS_FAULTS));
	ASSERT_EQ(0, munmap(p, 4 * page_size));
	wpf_destroy(&o);
}

TEST(pagecache_mapping_follows_the_size)
{
	if (access(WPFAULT_DEVICE, F_OK))
		SKIP(return, WPF_UNLOADED);
	mapping_follows_the_size(_metadata, WPFAULT_TYPE_PAGECACHE);
}

TEST(pfn_mapping_follows_the_size)
{
	if (access(WPFAULT_DEVICE, F_OK))
		SKIP(return, WPF_UNLOADED);
	mapping_follows_the_size(_metadata, WPFAULT_TYPE_PFN);
}

TEST(cow_mapping_follows_the_size)
{
	if (access(WPFAULT_DEVICE, F_OK))
		SKIP(return, WPF_UNLOADED);
	mapping_follows_the_size(_metadata, WPFAULT_TYPE_COW);
}

TEST_HARNESS_MAIN
