// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input gets the errno documented in <linux/wpfault.h> and leaves no
 * trace: no object, no page, no file descriptor, no module reference.
 * The tests cover every errno of that table, unknown ioctls, mmap past
 * the end, negative sizes, sizes past 2 GiB (objects are large files, so
 * these must work) and rmmod while an object lives, even one held only by
 * a mapping.  After each test the fixture checks that no object, page or
 * fd was left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define BAD_PTR		((void *)1)
#define MAX_LFS		((uint64_t)INT64_MAX)	/* MAX_LFS_FILESIZE, 64-bit */

FIXTURE(bad) {
	int dev;
	struct wpf_obj o;
	uint64_t before[WPFAULT_STAT_NR];
	int next_fd;
};

FIXTURE_SETUP(bad)
{
	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	/* A leaked descriptor would take this number. */
	self->next_fd = wpf_lowest_free_fd();
	ASSERT_LE(0, self->next_fd);
	self->dev = wpf_open_dev();
	if (self->dev == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, wpf_stats(self->dev, self->before));
	ASSERT_EQ(0, wpf_create(&self->o, 4 * page_size));
}

/* Nothing was created or leaked by the bad calls of the test. */
FIXTURE_TEARDOWN(bad)
{
	uint64_t after[WPFAULT_STAT_NR];
	int dev;

	wpf_destroy(&self->o);
	dev = self->dev >= 0 ? self->dev : wpf_open_dev();
	if (dev == -ENOENT)
		return;
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, wpf_stats(dev, after));
	close(dev);
	EXPECT_EQ(self->before[WPFAULT_STAT_OBJECTS_ALIVE],
		  after[WPFAULT_STAT_OBJECTS_ALIVE]);
	EXPECT_EQ(self->before[RS], after[RS]);
	EXPECT_EQ(self->before[AL], after[AL]);
	EXPECT_EQ(self->next_fd, wpf_lowest_free_fd());
}

static int create_errno(int dev, struct wpfault_create *arg)
{
	return ioctl(dev, WPFAULT_IOC_CREATE, arg) ? errno : 0;
}

TEST_F(bad, create_size)
{
	struct wpfault_create arg = { .size = 0 };

	ASSERT_EQ(EINVAL, create_errno(self->dev, &arg));
	arg.size = MAX_LFS + 1;
	ASSERT_EQ(EFBIG, create_errno(self->dev, &arg));
	arg.size = UINT64_MAX;
	ASSERT_EQ(EFBIG, create_errno(self->dev, &arg));
}

TEST_F(bad, create_flags_type_order)
{
	struct wpfault_create arg = { .size = page_size, .flags = 1U << 31 };

	ASSERT_EQ(EINVAL, create_errno(self->dev, &arg));
	arg.flags = ~WPFAULT_CREATE_FLAGS;
	ASSERT_EQ(EINVAL, create_errno(self->dev, &arg));
	arg.flags = 0;
	arg.type = WPFAULT_TYPE_NR;
	ASSERT_EQ(EINVAL, create_errno(self->dev, &arg));
	arg.type = UINT32_MAX;
	ASSERT_EQ(EINVAL, create_errno(self->dev, &arg));
	arg.type = 0;
	/* A minimum folio order without its flag, or the flag without one. */
	arg.min_folio_order = 1;
	ASSERT_EQ(EINVAL, create_errno(self->dev, &arg));
	arg.min_folio_order = 0;
	arg.flags = WPFAULT_CREATE_MIN_FOLIO_ORDER;
	ASSERT_EQ(EINVAL, create_errno(self->dev, &arg));
	/* Page-cache objects only. */
	arg.min_folio_order = 1;
	arg.type = WPFAULT_TYPE_PFN;
	ASSERT_EQ(EINVAL, create_errno(self->dev, &arg));
}

TEST_F(bad, create_bad_pointers)
{
	struct wpfault_create *ro;

	ASSERT_EQ(EFAULT, create_errno(self->dev, NULL));
	ASSERT_EQ(EFAULT, create_errno(self->dev, BAD_PTR));
	/* Readable but not writable: the object is made, then undone. */
	ro = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro->size = page_size;
	ASSERT_EQ(0, mprotect(ro, page_size, PROT_READ));
	ASSERT_EQ(EFAULT, create_errno(self->dev, ro));
	munmap(ro, page_size);
}

TEST_F(bad, unknown_ioctls)
{
	struct wpfault_clean clean = { .range = { 0, page_size } };
	struct wpfault_create arg = { .size = page_size };

	ASSERT_EQ(-1, ioctl(self->dev, _IO(WPFAULT_IOC_MAGIC, 0x7f)));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(self->o.fd, _IO(WPFAULT_IOC_MAGIC, 0x7f)));
	ASSERT_EQ(ENOTTY, errno);
	/* Object commands are not device commands and the other way round. */
	ASSERT_EQ(-1, ioctl(self->dev, WPFAULT_IOC_CLEAN, &clean));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(self->o.fd, WPFAULT_IOC_CREATE, &arg));
	ASSERT_EQ(ENOTTY, errno);
}

static int clean_errno(int fd, uint64_t offset, uint64_t length,
		       uint64_t reserved)
{
	struct wpfault_clean arg = {
		.range = { offset, length }, .reserved = reserved,
	};

	return ioctl(fd, WPFAULT_IOC_CLEAN, &arg) ? errno : 0;
}

TEST_F(bad, clean_ranges)
{
	int fd = self->o.fd;

	ASSERT_EQ(0, clean_errno(fd, 0, 4 * page_size, 0));
	ASSERT_EQ(EINVAL, clean_errno(fd, 0, 0, 0));
	ASSERT_EQ(EINVAL, clean_errno(fd, 1, page_size, 0));
	ASSERT_EQ(EINVAL, clean_errno(fd, 0, page_size + 1, 0));
	ASSERT_EQ(EINVAL, clean_errno(fd, 0, page_size, 1));
	ASSERT_EQ(EOVERFLOW, clean_errno(fd, -page_size, 2 * page_size, 0));
	ASSERT_EQ(ENXIO, clean_errno(fd, 0, 5 * page_size, 0));
	ASSERT_EQ(ENXIO, clean_errno(fd, 4 * page_size, page_size, 0));
	ASSERT_EQ(ENXIO, clean_errno(fd, -2 * page_size, page_size, 0));
	ASSERT_EQ(-1, ioctl(fd, WPFAULT_IOC_CLEAN, NULL));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, ioctl(fd, WPFAULT_IOC_CLEAN, BAD_PTR));
	ASSERT_EQ(EFAULT, errno);
}

static int bitmap_errno(int fd, unsigned long cmd, uint64_t offset,
			uint64_t length, void *bitmap, uint64_t size)
{
	struct wpfault_dirty_bitmap arg = {
		.range = { offset, length },
		.bitmap = (uintptr_t)bitmap,
		.bitmap_size = size,
	};

	return ioctl(fd, cmd, &arg) ? errno : 0;
}

/* DIRTY_BITMAP and COLLECT validate alike. */
static void check_bitmap_errors(struct __test_metadata *_metadata, int fd,
				unsigned long cmd)
{
	struct wpfault_dirty_bitmap arg = { .range = { 0, page_size } };
	uint64_t words[2] = { 0 };
	const uint64_t ps = page_size;

	ASSERT_EQ(0, bitmap_errno(fd, cmd, 0, 4 * ps, words, 8));
	ASSERT_EQ(ERANGE, bitmap_errno(fd, cmd, 0, 4 * ps, words, 7));
	ASSERT_EQ(ERANGE, bitmap_errno(fd, cmd, 0, ps, words, 0));
	ASSERT_EQ(EFAULT, bitmap_errno(fd, cmd, 0, ps, NULL, 8));
	ASSERT_EQ(EFAULT, bitmap_errno(fd, cmd, 0, ps, BAD_PTR, 8));
	ASSERT_EQ(EINVAL, bitmap_errno(fd, cmd, 0, 0, words, 8));
	ASSERT_EQ(EINVAL, bitmap_errno(fd, cmd, 3, ps, words, 8));
	ASSERT_EQ(EOVERFLOW, bitmap_errno(fd, cmd, -ps, 2 * ps, words, 8));
	ASSERT_EQ(ENXIO, bitmap_errno(fd, cmd, 0, 5 * ps, words, 8));
	arg.bitmap = (uintptr_t)words;
	arg.bitmap_size = sizeof(words);
	arg.reserved = 1;
	ASSERT_EQ(-1, ioctl(fd, cmd, &arg));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(fd, cmd, BAD_PTR));
	ASSERT_EQ(EFAULT, errno);
}

TEST_F(bad, dirty_bitmap)
{
	check_bitmap_errors(_metadata, self->o.fd, WPFAULT_IOC_DIRTY_BITMAP);
}

/*
 * A refused collect cleans nothing: the written page is still reported.
 * (On a pfn object, whose blocks are no page-cache pages the fixture
 * counts.)
 */
TEST_F(bad, collect)
{
	struct wpf_obj pfn = WPF_OBJ_INIT;
	uint64_t word = 0;
	char *map;

	check_bitmap_errors(_metadata, self->o.fd, WPFAULT_IOC_COLLECT);
	ASSERT_EQ(0, wpf_create_type(&pfn, page_size, WPFAULT_TYPE_PFN));
	map = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   pfn.fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	map[0] = 1;
	ASSERT_EQ(EFAULT, bitmap_errno(pfn.fd, WPFAULT_IOC_COLLECT, 0,
				       page_size, NULL, 8));
	ASSERT_EQ(ERANGE, bitmap_errno(pfn.fd, WPFAULT_IOC_COLLECT, 0,
				       page_size, &word, 0));
	ASSERT_EQ(1, wpf_dirty_bitmap(pfn.fd, 0, 1, &word));
	ASSERT_EQ(1, wpf_collect(pfn.fd, 0, 1, &word));
	ASSERT_EQ(1, word);
	munmap(map, page_size);
	wpf_destroy(&pfn);
}

static int method_errno(int fd, unsigned long cmd, uint32_t method,
			uint32_t reserved, struct wpfault_tracking *out)
{
	struct wpfault_tracking arg = {
		.method = method, .reserved = reserved,
	};

	if (ioctl(fd, cmd, out ? out : &arg))
		return errno;
	return 0;
}

/*
 * Copy-on-write objects know only mkwrite; page-cache and pfn objects
 * take the others where the kernel has the helpers.  An unknown method
 * or a reserved field is EINVAL; a refused method leaves the old one.
 */
TEST_F(bad, tracking_method)
{
	struct wpf_obj pfn = WPF_OBJ_INIT, cow = WPF_OBJ_INIT;
	struct wpfault_tracking t;
	int m;

	ASSERT_EQ(0, wpf_create_type(&cow, page_size, WPFAULT_TYPE_COW));
	for (m = WPFAULT_METHOD_PAGETABLE; m < WPFAULT_METHOD_NR; m++)
		ASSERT_EQ(-EOPNOTSUPP, wpf_set_method(cow.fd, m));
	ASSERT_EQ(WPFAULT_MODE_MKWRITE,
		  wpf_set_method(cow.fd, WPFAULT_METHOD_MKWRITE));
	ASSERT_EQ(0, wpf_tracking(cow.fd, &t));
	ASSERT_EQ(WPFAULT_METHOD_MKWRITE, t.method);
	ASSERT_EQ(0, t.flags);
	wpf_destroy(&cow);

	/* Page cache: no helpers, no other method; mkwrite is the fallback. */
	ASSERT_EQ(0, wpf_tracking(self->o.fd, &t));
	ASSERT_EQ(WPFAULT_MODE_MKWRITE, t.mode);
	ASSERT_EQ(t.flags & WPFAULT_TRACKING_NO_HELPERS ? -EOPNOTSUPP :
		  WPFAULT_MODE_PAGETABLE,
		  wpf_set_method(self->o.fd, WPFAULT_METHOD_PAGETABLE));
	ASSERT_EQ(WPFAULT_MODE_MKWRITE,
		  wpf_set_method(self->o.fd, WPFAULT_METHOD_MKWRITE));
	ASSERT_EQ(0, wpf_create_type(&pfn, page_size, WPFAULT_TYPE_PFN));
	ASSERT_EQ(0, wpf_tracking(pfn.fd, &t));
	ASSERT_EQ(WPFAULT_METHOD_MKWRITE, t.method);
	if (t.flags & WPFAULT_TRACKING_NO_HELPERS) {
		ASSERT_EQ(WPFAULT_MODE_UNMAP, t.mode);
		ASSERT_EQ(-EOPNOTSUPP,
			  wpf_set_method(pfn.fd, WPFAULT_METHOD_PAGETABLE));
	} else {
		ASSERT_EQ(WPFAULT_MODE_MKWRITE, t.mode);
		ASSERT_EQ(WPFAULT_MODE_PAGETABLE,
			  wpf_set_method(pfn.fd, WPFAULT_METHOD_PAGETABLE));
	}
	ASSERT_EQ(EINVAL, method_errno(pfn.fd, WPFAULT_IOC_SET_METHOD,
				       WPFAULT_METHOD_NR, 0, NULL));
	ASSERT_EQ(EINVAL, method_errno(pfn.fd, WPFAULT_IOC_SET_METHOD,
				       UINT32_MAX, 0, NULL));
	ASSERT_EQ(EINVAL, method_errno(pfn.fd, WPFAULT_IOC_SET_METHOD,
				       WPFAULT_METHOD_MKWRITE, 1, NULL));
	ASSERT_EQ(EINVAL, method_errno(self->o.fd, WPFAULT_IOC_GET_METHOD, 0,
				       1, NULL));
	ASSERT_EQ(EFAULT, method_errno(pfn.fd, WPFAULT_IOC_SET_METHOD, 0, 0,
				       (void *)1));
	ASSERT_EQ(EFAULT, method_errno(pfn.fd, WPFAULT_IOC_GET_METHOD, 0, 0,
				       (void *)1));
	ASSERT_EQ(0, wpf_tracking(pfn.fd, &t));
	ASSERT_EQ(t.flags & WPFAULT_TRACKING_NO_HELPERS ?
		  WPFAULT_METHOD_MKWRITE : WPFAULT_METHOD_PAGETABLE, t.method);
	wpf_destroy(&pfn);
}

static int read_disk_errno(int fd, uint64_t offset, uint64_t length,
			   void *buf, uint64_t size)
{
	struct wpfault_disk_read arg = {
		.range = { offset, length },
		.buf = (uintptr_t)buf,
		.buf_size = size,
	};

	return ioctl(fd, WPFAULT_IOC_READ_DISK, &arg) ? errno : 0;
}

TEST_F(bad, read_disk)
{
	struct wpfault_disk_read arg = { .range = { 0, page_size } };
	size_t size = 4 * page_size;
	int fd = self->o.fd;
	char *buf = malloc(size);

	ASSERT_NE(NULL, buf);
	memset(buf, 0x55, size);
	/* Nothing written back yet: all holes, read as zeroes. */
	ASSERT_EQ(0, read_disk_errno(fd, 0, size, buf, size));
	ASSERT_EQ(0, buf[0]);
	ASSERT_EQ(0, buf[size - 1]);
	ASSERT_EQ(ERANGE, read_disk_errno(fd, 0, size, buf, size - 1));
	ASSERT_EQ(EFAULT, read_disk_errno(fd, 0, page_size, NULL, page_size));
	ASSERT_EQ(EFAULT, read_disk_errno(fd, 0, page_size, BAD_PTR,
					  page_size));
	ASSERT_EQ(EINVAL, read_disk_errno(fd, 0, 0, buf, size));
	ASSERT_EQ(EINVAL, read_disk_errno(fd, 3, page_size, buf, size));
	ASSERT_EQ(EINVAL, read_disk_errno(fd, 0, page_size + 1, buf, size));
	ASSERT_EQ(EOVERFLOW, read_disk_errno(fd, -page_size, 2 * page_size,
					     buf, size));
	ASSERT_EQ(ENXIO, read_disk_errno(fd, 0, 5 * page_size, buf,
					 5 * page_size));
	arg.buf = (uintptr_t)buf;
	arg.buf_size = page_size;
	arg.reserved = 1;
	ASSERT_EQ(-1, ioctl(fd, WPFAULT_IOC_READ_DISK, &arg));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(fd, WPFAULT_IOC_READ_DISK, BAD_PTR));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, ioctl(self->dev, WPFAULT_IOC_READ_DISK, &arg));
	ASSERT_EQ(ENOTTY, errno);
	free(buf);
}

TEST_F(bad, stats)
{
	uint64_t values[WPFAULT_STAT_NR + 4];
	struct wpfault_stats arg = {
		.nr_stats = WPFAULT_STAT_NR + 4, .values = (uintptr_t)values,
	};

	/* A larger buffer gets the counters the module has. */
	ASSERT_EQ(0, ioctl(self->o.fd, WPFAULT_IOC_STATS, &arg));
	ASSERT_EQ(WPFAULT_STAT_NR, arg.nr_stats);
	arg.nr_stats = 0;
	ASSERT_EQ(0, ioctl(self->o.fd, WPFAULT_IOC_STATS, &arg));
	ASSERT_EQ(0, arg.nr_stats);
	arg.nr_stats = 1;
	arg.values = (uintptr_t)BAD_PTR;
	ASSERT_EQ(-1, ioctl(self->dev, WPFAULT_IOC_STATS, &arg));
	ASSERT_EQ(EFAULT, errno);
	arg.values = (uintptr_t)values;
	arg.reserved = 1;
	ASSERT_EQ(-1, ioctl(self->o.fd, WPFAULT_IOC_STATS, &arg));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(self->o.fd, WPFAULT_IOC_STATS, NULL));
	ASSERT_EQ(EFAULT, errno);
}

/*
 * As on any file system (xfstests generic/749): a mapping may reach past
 * end of file, or start there; an access past the page that holds end of
 * file gets SIGBUS, counted, and creates no page.
 */
TEST_F(bad, mmap_past_end)
{
	char *p;

	p = mmap(NULL, 6 * page_size, PROT_READ, MAP_SHARED, self->o.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, p + 4 * page_size));
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_read_byte, p + 5 * page_size));
	munmap(p, 6 * page_size);
	p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 self->o.fd, 8 * page_size);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(SIGBUS, wpf_access_signal(wpf_write_byte, p));
	munmap(p, page_size);
	ASSERT_EQ(3, wpf_stat(self->o.fd, WPFAULT_STAT_SIGBUS_FAULTS));
	ASSERT_EQ(0, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_RESIDENT));
}

TEST_F(bad, ftruncate_negative)
{
	struct stat st;

	ASSERT_EQ(-1, ftruncate(self->o.fd, -1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, fstat(self->o.fd, &st));
	ASSERT_EQ(4 * page_size, st.st_size);
}

/* Objects are large files: sizes past 2 GiB work both ways. */
TEST_F(bad, large_sizes)
{
	struct wpf_obj big;
	struct stat st;

	ASSERT_EQ(0, ftruncate(self->o.fd, 4ULL << 30));
	ASSERT_EQ(0, fstat(self->o.fd, &st));
	ASSERT_EQ(4ULL << 30, st.st_size);
	ASSERT_EQ(0, ftruncate(self->o.fd, 4 * page_size));
	ASSERT_EQ(0, wpf_create(&big, MAX_LFS));
	ASSERT_EQ(0, ftruncate(big.fd, 3ULL << 30));
	ASSERT_EQ(0, fstat(big.fd, &st));
	ASSERT_EQ(3ULL << 30, st.st_size);
	wpf_destroy(&big);
}

/* rmmod is refused while an object lives, even one held by a mapping. */
TEST_F(bad, unload_while_alive)
{
	void *p;

	ASSERT_EQ(-1, syscall(__NR_delete_module, "wpfault", O_NONBLOCK));
	ASSERT_EQ(EWOULDBLOCK, errno);
	p = mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->o.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(self->dev);
	self->dev = -1;
	wpf_destroy(&self->o);
	ASSERT_EQ(-1, syscall(__NR_delete_module, "wpfault", O_NONBLOCK));
	ASSERT_EQ(EWOULDBLOCK, errno);
	munmap(p, page_size);
}

TEST_HARNESS_MAIN
