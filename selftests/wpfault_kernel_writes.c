// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the kernel makes into a mapping on a task's behalf go through the
 * same fault paths as the task's own, so they are counted and tracked the
 * same way:
 *  - process_vm_writev() and /proc/self/mem (ptrace's FOLL_FORCE) get the
 *    pages with get_user_pages(FOLL_WRITE), which faults a missing or
 *    read-only pte like a write would;
 *  - read(2) from a pipe copies to user memory, and the CPU faults.
 * With each of the three, a write to a page with no pte calls ->fault and
 * ->page_mkwrite, one after a clean only ->page_mkwrite, and the page
 * shows in the bitmap, as for a CPU write; each write also reaches the
 * disk on the next fsync.  A read-only shared mapping refuses all three
 * before any fault (EFAULT; EIO from /proc/self/mem), FOLL_FORCE
 * included: the kernel never breaks write protection of a shared mapping,
 * only copies pages of private ones (is_cow_mapping()).  A private
 * mapping gets a copy, and the object stays clean and unchanged.  The
 * matching reads (process_vm_readv(), /proc/self/mem, write(2) to a pipe)
 * fault pages in read-only and never dirty.
 *
 * In pagetable mode the pipe's write and /proc/self/mem's are reported
 * and process_vm_writev()'s is not: GUP sets no pte dirty bit and leaves
 * a dirty folio as it is.
 *
 * kernel_write_landing_after_a_collect_is_reported holds a
 * process_vm_writev() between its pin and its copy (the source is a
 * missing userfaultfd page), collects, then lets the copy land: the next
 * collect must report the page, on page-cache and copy-on-write objects.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define LEN		16	/* bytes each write copies */

/*
 * Copies @len bytes between @mapped, an address in a mapping, and @buf, by
 * a kernel path; returns what the syscall returned.
 */
typedef ssize_t (*kernel_copy_fn)(void *mapped, void *buf, size_t len);

/* The copies are from and to this task: @mapped is in the mapping. */
static ssize_t by_process_vm_writev(void *mapped, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { mapped, len };

	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
}

static ssize_t by_process_vm_readv(void *mapped, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { mapped, len };

	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
}

static ssize_t proc_self_mem(void *mapped, void *buf, size_t len, bool write)
{
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	off_t off = (off_t)(uintptr_t)mapped;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
	close(fd);
	return n;
}

static ssize_t by_proc_self_mem_write(void *mapped, void *buf, size_t len)
{
	return proc_self_mem(mapped, buf, len, true);
}

static ssize_t by_proc_self_mem_read(void *mapped, void *buf, size_t len)
{
	return proc_self_mem(mapped, buf, len, false);
}

/* Through a pipe: the kernel copies from @from and then to @to. */
static ssize_t pipe_copy(void *to, void *from, size_t len)
{
	int fds[2];
	ssize_t n = -1;

	if (pipe(fds))
		return -1;
	if (write(fds[1], from, len) == (ssize_t)len)
		n = read(fds[0], to, len);
	close(fds[0]);
	close(fds[1]);
	return n;
}

static ssize_t by_pipe_read(void *mapped, void *buf, size_t len)
{
	return pipe_copy(mapped, buf, len);
}

static ssize_t by_pipe_write(void *mapped, void *buf, size_t len)
{
	return pipe_copy(buf, mapped, len);
}

FIXTURE(kw) {
	struct wpf_obj o;
	uint64_t bits[1];
	char buf[LEN];
};

FIXTURE_VARIANT(kw) {
	kernel_copy_fn write, read;
	/* What a write into a read-only shared mapping fails with. */
	int readonly_errno;
	/* Pages a collect reports after a write in pagetable mode. */
	int pagetable_reports;
};

FIXTURE_VARIANT_ADD(kw, process_vm_rw) {
	.write = by_process_vm_writev,
	.read = by_process_vm_readv,
	.readonly_errno = EFAULT,
	.pagetable_reports = 0,
};

/* The FOLL_FORCE of ptrace: still no write to a read-only shared page. */
FIXTURE_VARIANT_ADD(kw, proc_self_mem) {
	.write = by_proc_self_mem_write,
	.read = by_proc_self_mem_read,
	.readonly_errno = EIO,
	.pagetable_reports = 1,
};

FIXTURE_VARIANT_ADD(kw, pipe) {
	.write = by_pipe_read,
	.read = by_pipe_write,
	.readonly_errno = EFAULT,
	.pagetable_reports = 1,
};

FIXTURE_SETUP(kw)
{
	int err, i;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	for (i = 0; i < LEN; i++)
		self->buf[i] = wpf_pattern(i, 1);
	err = wpf_create(&self->o, 4 * page_size);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(kw)
{
	wpf_destroy(&self->o);
}

/* A kernel write faults and dirties as a CPU write does, once a clean. */
TEST_F(kw, write_faults_and_dirties)
{
	char *p = wpf_map(self->o.fd, 4, PROT_READ | PROT_WRITE, MAP_SHARED,
			  0);
	char *disk;

	ASSERT_NE(MAP_FAILED, p);
	/* No pte: ->fault, then ->page_mkwrite. */
	ASSERT_EQ(LEN, variant->write((void *)PAGE(p, 1), self->buf, LEN));
	CHECK_STATS(self->o.fd, [W] = 1, [MK] = 1, [DI] = 1, [AC] = 1, [AL] = 1,
		    [RS] = 1);
	ASSERT_EQ(0, memcmp((void *)PAGE(p, 1), self->buf, LEN));
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 0, 4, self->bits));
	ASSERT_STREQ("1", wpf_bits_str(self->bits, 4));

	/* A writable dirty pte: nothing to fault. */
	ASSERT_EQ(LEN, variant->write((void *)(PAGE(p, 1) + LEN),
				      self->buf, LEN));
	CHECK_STATS(self->o.fd, [W] = 1, [MK] = 1, [DI] = 1, [AC] = 1, [AL] = 1,
		    [RS] = 1);

	/* After a clean the pte is read-only: only ->page_mkwrite. */
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, 4));
	ASSERT_EQ(LEN, variant->write((void *)(PAGE(p, 1) + 2 * LEN),
				      self->buf, LEN));
	CHECK_STATS(self->o.fd, [W] = 1, [MK] = 2, [DI] = 2, [AC] = 1, [CL] = 1,
		    [AL] = 1, [RS] = 1);
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 0, 4, self->bits));
	ASSERT_STREQ("1", wpf_bits_str(self->bits, 4));
	ASSERT_EQ(0, memcmp((void *)(PAGE(p, 1) + 2 * LEN), self->buf, LEN));
	ASSERT_EQ(0, PAGE(p, 1)[3 * LEN]);

	/* And they reach the disk, byte for byte. */
	disk = malloc(4 * page_size);
	ASSERT_NE(NULL, disk);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(1, wpf_read_disk(self->o.fd, 0, 4, disk));
	ASSERT_EQ(0, memcmp(disk + page_size, (void *)PAGE(p, 1), page_size));
	free(disk);
	munmap(p, 4 * page_size);
}

/*
 * In pagetable mode a collect leaves the pte writable and clean, and the
 * next one sees a write only by the pte's dirty bit or by the kernel
 * dirtying the folio (->dirty_folio).  The pipe's copy is a CPU write: it
 * sets the dirty bit.  GUP follows a writable pte without a fault and
 * sets no dirty bit; it and unpin_user_pages_dirty_lock() dirty the folio
 * only if the folio is clean, and a folio mapped writable is dirty.  So
 * process_vm_writev()'s write reaches the page, and the disk at fsync,
 * but no collect reports it: the kernel tells no one.  access_remote_vm()
 * (/proc/self/mem) dirties the folio after every write, and the module
 * records it.  In mkwrite mode the pte is read-only after the collect,
 * GUP faults, and all three are reported (write_faults_and_dirties).
 */
TEST_F(kw, pagetable_sees_dirty_bits_and_dirtied_folios_only)
{
	char *p, *disk;
	int err;

	err = wpf_set_method(self->o.fd, WPFAULT_METHOD_PAGETABLE);
	if (err == -EOPNOTSUPP)
		SKIP(return, "no MAPPING_DIRTY_HELPERS in this kernel: %s",
		     "page-cache objects track by ->page_mkwrite only");
	ASSERT_EQ(WPFAULT_MODE_PAGETABLE, err);
	p = wpf_map(self->o.fd, 4, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	PAGE(p, 1)[0] = 1;
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, 4, self->bits));
	ASSERT_STREQ("1", wpf_bits_str(self->bits, 4));

	ASSERT_EQ(LEN, variant->write((void *)(PAGE(p, 1) + LEN), self->buf,
				      LEN));
	ASSERT_EQ(0, memcmp((void *)(PAGE(p, 1) + LEN), self->buf, LEN));
	/* The pte stayed writable: nothing entered ->page_mkwrite again. */
	ASSERT_EQ(1, wpf_stat(self->o.fd, WPFAULT_STAT_MKWRITE_CALLS));
	ASSERT_EQ(variant->pagetable_reports,
		  wpf_collect(self->o.fd, 0, 4, self->bits));
	ASSERT_EQ(0, wpf_collect(self->o.fd, 0, 4, self->bits));

	disk = malloc(4 * page_size);
	ASSERT_NE(NULL, disk);
	ASSERT_EQ(0, fsync(self->o.fd));
	ASSERT_EQ(1, wpf_read_disk(self->o.fd, 1, 1, disk));
	ASSERT_EQ(0, memcmp(disk, (void *)PAGE(p, 1), page_size));
	free(disk);
	munmap(p, 4 * page_size);
}

/* No kernel path writes through a read-only shared mapping. */
TEST_F(kw, readonly_shared_is_refused)
{
	char *ro = wpf_map(self->o.fd, 4, PROT_READ, MAP_SHARED, 0);
	char *rw;

	ASSERT_NE(MAP_FAILED, ro);
	errno = 0;
	ASSERT_EQ(-1, variant->write((void *)PAGE(ro, 2), self->buf, LEN));
	ASSERT_EQ(variant->readonly_errno, errno);
	/* Refused before any fault: the page was not even created. */
	CHECK_STATS(self->o.fd);
	rw = wpf_map(self->o.fd, 4, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, rw);
	ASSERT_EQ(0, PAGE(rw, 2)[0]);
	CHECK_STATS(self->o.fd, [R] = 1, [AL] = 1, [RS] = 1);
	munmap(ro, 4 * page_size);
	munmap(rw, 4 * page_size);
}

/* A private mapping gets a copy; the object is neither changed nor dirty. */
TEST_F(kw, private_write_copies)
{
	char *p = wpf_map(self->o.fd, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			  0);
	char *s;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(LEN, variant->write((void *)PAGE(p, 3), self->buf, LEN));
	CHECK_STATS(self->o.fd, [COW] = 1, [AL] = 1, [RS] = 1);
	ASSERT_EQ(0, memcmp((void *)PAGE(p, 3), self->buf, LEN));
	ASSERT_EQ(0, wpf_dirty_bitmap(self->o.fd, 0, 4, self->bits));
	s = wpf_map(self->o.fd, 4, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s);
	ASSERT_EQ(0, PAGE(s, 3)[0]);
	munmap(p, 4 * page_size);
	munmap(s, 4 * page_size);
}

/* The kernel's reads of a mapping fault pages in and dirty none. */
TEST_F(kw, reads_never_dirty)
{
	char *p = wpf_map(self->o.fd, 4, PROT_READ | PROT_WRITE, MAP_SHARED,
			  0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(LEN, variant->read((void *)PAGE(p, 0), self->buf, LEN));
	ASSERT_EQ(LEN, variant->read((void *)PAGE(p, 2), self->buf, LEN));
	ASSERT_EQ(0, self->buf[0]);
	/* Page 0, the only other page cached, is mapped: no fault-around. */
	CHECK_STATS(self->o.fd, [R] = 2, [AL] = 2, [RS] = 2);
	ASSERT_EQ(0, wpf_dirty_bitmap(self->o.fd, 0, 4, self->bits));
	munmap(p, 4 * page_size);
}

/*
 * A kernel write that lands after a COLLECT: process_vm_writev() pins the
 * target page (the fault records it), then copies from the source buffer.
 * The source is a userfaultfd page that is missing, so the copy waits
 * while the test COLLECTs, which reports the page and cleans it.  Then the
 * test supplies the source page, the write lands in the pinned page and
 * process_vm_writev() returns: a COLLECT that begins after that must
 * report the page again: a clean leaves a pinned page recorded.  On
 * page-cache and copy-on-write objects, the two that GUP can pin.
 */
struct late_writer {
	pthread_t tid;
	void *src, *dst;
	ssize_t ret;
};

static void *late_write(void *arg)
{
	struct late_writer *w = arg;

	w->ret = by_process_vm_writev(w->dst, w->src, LEN);
	return NULL;
}

static void late_write_case(struct __test_metadata *_metadata,
			    enum wpfault_type type)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_copy copy = { 0 };
	struct late_writer w = { 0 };
	struct uffd_msg msg;
	uint64_t bits[1];
	struct wpf_obj o;
	char *p, *src, *data;
	int uffd, err;

	err = wpf_create_type(&o, 4 * page_size, type);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		SKIP(return, "no userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	p = wpf_map(o.fd, 4, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	src = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, src);
	reg.range.start = (uintptr_t)src;
	reg.range.len = page_size;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	data = aligned_alloc(page_size, page_size);
	ASSERT_NE(NULL, data);
	memset(data, 'Q', page_size);

	w.src = src;
	w.dst = (void *)PAGE(p, 2);
	ASSERT_EQ(0, pthread_create(&w.tid, NULL, late_write, &w));
	/* The writer has pinned page 2 and waits for its source. */
	ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	ASSERT_EQ(1, wpf_collect(o.fd, 0, 4, bits));
	ASSERT_STREQ("2", wpf_bits_str(bits, 4));
	ASSERT_EQ(0, PAGE(p, 2)[0]);

	copy.dst = (uintptr_t)src;
	copy.src = (uintptr_t)data;
	copy.len = page_size;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &copy));
	ASSERT_EQ(0, pthread_join(w.tid, NULL));
	ASSERT_EQ(LEN, w.ret);
	ASSERT_EQ('Q', PAGE(p, 2)[LEN - 1]);

	ASSERT_EQ(1, wpf_collect(o.fd, 0, 4, bits));
	ASSERT_STREQ("2", wpf_bits_str(bits, 4));
	/* The pinned page stayed recorded through the first COLLECT. */
	ASSERT_EQ(1, wpf_stat(o.fd, WPFAULT_STAT_PAGES_DIRTIED));
	/* Unpinned and collected: nothing is left to report. */
	ASSERT_EQ(0, wpf_collect(o.fd, 0, 4, bits));

	free(data);
	munmap(src, page_size);
	munmap(p, 4 * page_size);
	close(uffd);
	wpf_destroy(&o);
}

TEST(kernel_write_landing_after_a_collect_is_reported)
{
	late_write_case(_metadata, WPFAULT_TYPE_PAGECACHE);
}

TEST(kernel_write_landing_after_a_collect_is_reported_cow)
{
	late_write_case(_metadata, WPFAULT_TYPE_COW);
}

TEST_HARNESS_MAIN
