// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the wpfault selftests. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "wpfault_util.h"

#define ALIGN_2M	(2UL << 20)

static const char *const stat_names[WPFAULT_STAT_NR] = WPFAULT_STAT_NAMES;

size_t page_size;

static void __attribute__((constructor)) wpf_util_init(void)
{
	page_size = sysconf(_SC_PAGESIZE);
}

const char *wpf_stat_name(int stat)
{
	return stat_names[stat];
}

int wpf_open_dev(void)
{
	int fd = open(WPFAULT_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int wpf_create(struct wpf_obj *obj, uint64_t size)
{
	return wpf_create_type(obj, size, WPFAULT_TYPE_PAGECACHE);
}

int wpf_create_type(struct wpf_obj *obj, uint64_t size,
		    enum wpfault_type type)
{
	return wpf_create_flags(obj, size, type, 0);
}

int wpf_create_flags(struct wpf_obj *obj, uint64_t size,
		     enum wpfault_type type, uint32_t flags)
{
	return wpf_create_flags_order(obj, size, type, flags, 0);
}

int wpf_create_flags_order(struct wpf_obj *obj, uint64_t size,
			   enum wpfault_type type, uint32_t flags,
			   uint32_t min_folio_order)
{
	struct wpfault_create arg = {
		.size = size, .type = type, .flags = flags,
		.min_folio_order = min_folio_order,
	};
	int err;

	obj->dev = wpf_open_dev();
	if (obj->dev < 0)
		return obj->dev;
	if (ioctl(obj->dev, WPFAULT_IOC_CREATE, &arg)) {
		err = -errno;
		close(obj->dev);
		obj->dev = -1;
		return err;
	}
	obj->fd = arg.fd;
	obj->id = arg.id;
	return 0;
}

int wpf_create_mapped(struct wpf_obj *obj, size_t pages, char **map)
{
	return wpf_create_type_mapped(obj, WPFAULT_TYPE_PAGECACHE, pages, map);
}

/*
 * The end of a create-and-map helper: @p, a mapping of @obj or MAP_FAILED
 * with errno set, goes to *@map; on failure @obj goes too.  0 or -errno.
 */
static int mapped_or_destroyed(struct wpf_obj *obj, char *p, char **map)
{
	int err;

	*map = p;
	if (p != MAP_FAILED)
		return 0;
	err = -errno;
	wpf_destroy(obj);
	return err;
}

int wpf_create_type_mapped(struct wpf_obj *obj, enum wpfault_type type,
			   size_t pages, char **map)
{
	int err = wpf_create_type(obj, pages * page_size, type);

	if (err)
		return err;
	return mapped_or_destroyed(obj, wpf_map(obj->fd, pages,
						PROT_READ | PROT_WRITE,
						MAP_SHARED, 0), map);
}

void wpf_destroy(struct wpf_obj *obj)
{
	if (obj->fd >= 0)
		close(obj->fd);
	if (obj->dev >= 0)
		close(obj->dev);
	obj->fd = -1;
	obj->dev = -1;
}

int wpf_stats(int fd, uint64_t values[WPFAULT_STAT_NR])
{
	struct wpfault_stats arg = {
		.nr_stats = WPFAULT_STAT_NR,
		.values = (uintptr_t)values,
	};
	uint32_t i;

	if (ioctl(fd, WPFAULT_IOC_STATS, &arg))
		return -errno;
	/* A module older than the header (bench/compare's old build). */
	for (i = arg.nr_stats; i < WPFAULT_STAT_NR; i++)
		values[i] = UINT64_MAX;
	return 0;
}

uint64_t wpf_stat(int fd, int stat)
{
	uint64_t v[WPFAULT_STAT_NR];

	return wpf_stats(fd, v) ? UINT64_MAX : v[stat];
}

int wpf_debugfs_stats(const char *dir, uint64_t values[WPFAULT_STAT_NR])
{
	char path[256], name[64];
	unsigned long long v;
	int i, seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), DEBUGFS_DIR "/wpfault/%s%sstats", dir,
		 *dir ? "/" : "");
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %llu", name, &v) == 2) {
		for (i = 0; i < WPFAULT_STAT_NR; i++) {
			if (!strcmp(name, stat_names[i])) {
				values[i] = v;
				seen++;
			}
		}
	}
	fclose(f);
	return seen == WPFAULT_STAT_NR ? 0 : -EPROTO;
}

int64_t wpf_clean(int fd, uint64_t first, uint64_t nr)
{
	struct wpfault_clean arg = {
		.range = { first * page_size, nr * page_size },
	};

	if (ioctl(fd, WPFAULT_IOC_CLEAN, &arg))
		return -errno;
	return arg.pages_cleaned;
}

static int64_t bitmap_call(int fd, unsigned long cmd, uint64_t first,
			   uint64_t nr, uint64_t *words)
{
	struct wpfault_dirty_bitmap arg = {
		.range = { first * page_size, nr * page_size },
		.bitmap = (uintptr_t)words,
		.bitmap_size = (nr + 63) / 64 * sizeof(uint64_t),
	};

	if (ioctl(fd, cmd, &arg))
		return -errno;
	return arg.dirty_pages;
}

int64_t wpf_dirty_bitmap(int fd, uint64_t first, uint64_t nr,
			 uint64_t *words)
{
	return bitmap_call(fd, WPFAULT_IOC_DIRTY_BITMAP, first, nr, words);
}

int64_t wpf_collect(int fd, uint64_t first, uint64_t nr, uint64_t *words)
{
	return bitmap_call(fd, WPFAULT_IOC_COLLECT, first, nr, words);
}

int wpf_tracking(int fd, struct wpfault_tracking *t)
{
	memset(t, 0, sizeof(*t));
	return ioctl(fd, WPFAULT_IOC_GET_METHOD, t) ? -errno : 0;
}

int wpf_set_method(int fd, enum wpfault_method method)
{
	struct wpfault_tracking t = { .method = method };

	if (ioctl(fd, WPFAULT_IOC_SET_METHOD, &t))
		return -errno;
	return t.mode;
}

int wpf_mode(int fd)
{
	struct wpfault_tracking t;
	int err = wpf_tracking(fd, &t);

	return err ? err : (int)t.mode;
}

int64_t wpf_read_disk(int fd, uint64_t first, uint64_t nr, void *buf)
{
	struct wpfault_disk_read arg = {
		.range = { first * page_size, nr * page_size },
		.buf = (uintptr_t)buf,
		.buf_size = nr * page_size,
	};

	if (ioctl(fd, WPFAULT_IOC_READ_DISK, &arg))
		return -errno;
	return arg.blocks;
}

/* The number after "@name" and a separator on a line of @path, or -1. */
static int64_t field_of(const char *path, const char *name, const char *sep)
{
	size_t len = strlen(name);
	char line[256];
	int64_t v = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) &&
		    !strncmp(line + len, sep, strlen(sep))) {
			v = strtoll(line + len + strlen(sep), NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

int64_t wpf_vmstat(const char *name)
{
	return field_of("/proc/vmstat", name, " ");
}

int64_t wpf_bdi_stat(uint64_t id, const char *name)
{
	char path[256], bdi[64];
	FILE *f;

	snprintf(path, sizeof(path), DEBUGFS_DIR "/wpfault/%llu/bdi",
		 (unsigned long long)id);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%63s", bdi) != 1) {
		fclose(f);
		return -1;
	}
	fclose(f);
	snprintf(path, sizeof(path), DEBUGFS_DIR "/bdi/%s/stats", bdi);
	return field_of(path, name, ":");
}

long wpf_sysctl(const char *name, long value)
{
	char path[256], buf[32];
	long old = 0;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	/* Some are write-only triggers (drop_caches, compact_memory). */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = 0;
		old = strtol(buf, NULL, 10);
	}
	snprintf(buf, sizeof(buf), "%ld\n", value);
	n = wpf_write_file(path, buf);
	return n ? n : old;
}

int wpf_set_policy(int fd, enum wpfault_policy policy)
{
	struct wpfault_policy_arg arg = { .policy = policy };

	return ioctl(fd, WPFAULT_IOC_SET_POLICY, &arg) ? -errno : 0;
}

int wpf_policy(int fd)
{
	struct wpfault_policy_arg arg = { 0 };

	return ioctl(fd, WPFAULT_IOC_GET_POLICY, &arg) ? -errno :
	       (int)arg.policy;
}

int wpf_snapshot(int fd, uint64_t *eager_copies)
{
	struct wpfault_snapshot arg = { 0 };

	if (ioctl(fd, WPFAULT_IOC_SNAPSHOT, &arg))
		return -errno;
	if (eager_copies)
		*eager_copies = arg.eager_copies;
	return arg.fd;
}

int wpf_pin(int dev, volatile void *addr, size_t pages, uint32_t flags)
{
	struct wpfault_pin arg = {
		.addr = (uintptr_t)addr,
		.length = pages * page_size,
		.flags = flags,
	};

	return ioctl(dev, WPFAULT_IOC_PIN, &arg) ? -errno : arg.fd;
}

int wpf_unpin(int pin_fd)
{
	return ioctl(pin_fd, WPFAULT_IOC_UNPIN) ? -errno : 0;
}

int wpf_pagemap(volatile void *addr, size_t pages, uint64_t *entries)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	off_t off = (uintptr_t)addr / page_size * sizeof(uint64_t);
	ssize_t want = pages * sizeof(uint64_t), n;

	if (fd < 0)
		return -errno;
	n = pread(fd, entries, want, off);
	n = n < 0 ? -errno : n;
	close(fd);
	if (n < 0)
		return n;
	return n == want ? 0 : -EIO;
}

uint64_t wpf_pfn_of(volatile void *addr)
{
	uint64_t entry;

	if (wpf_pagemap(addr, 1, &entry))
		return 0;
	return entry & WPF_PM_PRESENT ? entry & WPF_PM_PFN_MASK : 0;
}

int wpf_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : n;
	close(fd);
	if (n < 0)
		return n;
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

int wpf_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	n = n < 0 ? -errno : n;
	close(fd);
	if (n < 0)
		return n;
	while (n && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return n;
}

size_t wpf_pmd_size(void)
{
	char buf[32];

	if (wpf_read_file("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
			  buf, sizeof(buf)) <= 0)
		return 0;
	return strtoul(buf, NULL, 0);
}

int wpf_kernel_version(void)
{
	struct utsname u;
	int major, minor;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return -1;
	return major * 100 + minor;
}

bool wpf_kernel_has_wpfault_fixes(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.release, "-wpfault");
}

long wpf_pattern_first_wrong(const char *data, size_t len, size_t cut,
			     size_t hole, size_t hole_end, int round)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char want = i < cut && (i < hole || i >= hole_end) ?
			    wpf_pattern(i / page_size, round) : 0;

		if (data[i] != want)
			return i;
	}
	return -1;
}

int wpf_min_order_split_first_lost(bool punch, long *first_lost)
{
	const unsigned int min_order = 2;
	const size_t m = 1UL << min_order, pages = 4 * m;
	const size_t len = pages * page_size;
	size_t cut = len, hole = 0, hole_end = 0, i;
	struct wpf_obj o = WPF_OBJ_INIT;
	char *p, *buf = NULL;
	int64_t blocks;
	int err;

	err = wpf_create_flags_order(&o, len, WPFAULT_TYPE_PAGECACHE,
				     WPFAULT_CREATE_MIN_FOLIO_ORDER, min_order);
	if (err)
		return err;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, o.fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto out_destroy;
	}
	buf = malloc(len);
	if (!buf) {
		err = -ENOMEM;
		goto out_unmap;
	}
	for (i = 0; i < pages; i++)
		memset(p + i * page_size, wpf_pattern(i, 1), page_size);
	/* The probe means nothing unless the write made one folio. */
	if (wpf_folio_pages(p) != (long)pages) {
		err = -EXDEV;
		goto out_free;
	}
	if (punch) {
		hole = (m + 1) * page_size + 100;
		hole_end = (2 * m + 2) * page_size + 100;
		err = fallocate(o.fd,
				FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				hole, hole_end - hole) ? -errno : 0;
	} else {
		cut = (m + m / 2) * page_size + 100;
		err = ftruncate(o.fd, cut) || ftruncate(o.fd, len) ? -errno : 0;
	}
	if (err)
		goto out_free;
	if (pread(o.fd, buf, len, 0) != (ssize_t)len) {
		err = errno ? -errno : -EIO;
		goto out_free;
	}
	*first_lost = wpf_pattern_first_wrong(buf, len, cut, hole, hole_end, 1);
	if (*first_lost < 0)
		*first_lost = wpf_pattern_first_wrong(p, len, cut, hole,
						      hole_end, 1);
	if (*first_lost < 0) {
		blocks = fsync(o.fd) ? -errno :
			 wpf_read_disk(o.fd, 0, pages, buf);
		if (blocks < 0)
			err = blocks;
		else
			*first_lost = wpf_pattern_first_wrong(buf, len, cut,
							      hole, hole_end,
							      1);
	}
out_free:
	free(buf);
out_unmap:
	munmap(p, len);
out_destroy:
	wpf_destroy(&o);
	return err;
}

const char *wpf_min_order_split_unfixed(void)
{
	static const char *const cuts[] = { "shrink", "hole punch" };
	static char why[160];
	long lost;
	int punch;

	if (wpf_kernel_has_wpfault_fixes())
		return NULL;
	for (punch = 0; punch < 2; punch++) {
		if (wpf_min_order_split_first_lost(punch, &lost) || lost < 0)
			continue;
		snprintf(why, sizeof(why),
			 "the kernel lacks the truncate_inode_pages_range() fix (patches/debug-kernel/): a %s splitting a min-order folio lost byte %ld",
			 cuts[punch], lost);
		return why;
	}
	return NULL;
}

const struct wpf_folio_kind wpf_folio_kinds[WPF_NR_FOLIO_KINDS] = {
	{ "small", 0, 0 },
	{ "large", WPFAULT_CREATE_LARGE_FOLIOS, 0 },
	{ "min-order", WPFAULT_CREATE_MIN_FOLIO_ORDER, 2 },
};

int wpf_folio_kind_by_name(const char *name)
{
	int k;

	for (k = 0; k < WPF_NR_FOLIO_KINDS; k++)
		if (!strcmp(wpf_folio_kinds[k].name, name))
			return k;
	return -1;
}

int wpf_create_folio_kind(struct wpf_obj *obj, uint64_t size,
			  const struct wpf_folio_kind *kind, const char **why)
{
	int err;

	*why = kind->min_folio_order ? wpf_min_order_split_unfixed() : NULL;
	if (*why)
		return 1;
	err = wpf_create_flags_order(obj, size, WPFAULT_TYPE_PAGECACHE,
				     kind->flags, kind->min_folio_order);
	if (err == -EOPNOTSUPP && kind->flags && !wpf_large_folio_objects()) {
		*why = WPF_NO_LARGE_FOLIO_OBJECTS;
		return 1;
	}
	return err;
}

bool wpf_pmd_objects(void)
{
	return wpf_kernel_version() >= 612 && wpf_pmd_size();
}

bool wpf_mkwrite_insert_objects(void)
{
	int version = wpf_kernel_version();

	return version > 0 && version < 612;
}

bool wpf_large_folio_objects(void)
{
	return wpf_kernel_version() >= 612 && wpf_pmd_size();
}

int wpf_object_u8(const struct wpf_obj *obj, const char *name)
{
	char path[128], buf[16];

	snprintf(path, sizeof(path), "%s/wpfault/%llu/%s", DEBUGFS_DIR,
		 (unsigned long long)obj->id, name);
	if (wpf_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	return atoi(buf);
}

int wpf_folio_order_limit(void)
{
	struct wpf_obj obj = WPF_OBJ_INIT;
	int err, order;

	err = wpf_create_flags(&obj, page_size, WPFAULT_TYPE_PAGECACHE,
			       WPFAULT_CREATE_LARGE_FOLIOS);
	if (err == -EOPNOTSUPP)
		return 0;
	if (err)
		return err;
	order = wpf_object_u8(&obj, "folio_order");
	wpf_destroy(&obj);
	return order;
}

int wpf_create_pmd_mapped(struct wpf_obj *obj, uint64_t size, size_t len,
			  char **map)
{
	int err = wpf_create_flags(obj, size, WPFAULT_TYPE_PFN,
				   WPFAULT_CREATE_PMD);

	if (err == -EOPNOTSUPP && !wpf_pmd_objects())
		return 1;
	if (err)
		return err;
	return mapped_or_destroyed(obj, mmap(NULL, len, PROT_READ | PROT_WRITE,
					     MAP_SHARED, obj->fd, 0), map);
}

/* /proc/kpageflags bits (Documentation/admin-guide/mm/pagemap.rst). */
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16

long wpf_folio_pages(volatile void *addr)
{
	uint64_t pfn = wpf_pfn_of(addr), flags;
	long n = 0;
	int fd;

	fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (!pfn || fd < 0)
		goto out;
	if (pread(fd, &flags, sizeof(flags), pfn * sizeof(flags)) !=
	    sizeof(flags) || !(flags & (1ULL << KPF_COMPOUND_HEAD)))
		goto out;
	for (n = 1;; n++) {
		if (pread(fd, &flags, sizeof(flags),
			  (pfn + n) * sizeof(flags)) != sizeof(flags) ||
		    !(flags & (1ULL << KPF_COMPOUND_TAIL)))
			break;
	}
out:
	if (fd >= 0)
		close(fd);
	return n;
}

int wpf_clear_soft_dirty(void)
{
	return wpf_write_file("/proc/self/clear_refs", "4");
}

uint64_t wpf_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

const char *wpf_bits_str(const uint64_t *words, uint64_t nr)
{
	static char buf[1024];
	size_t len = 0;
	uint64_t i;

	buf[0] = '\0';
	for (i = 0; i < nr && len < sizeof(buf) - 24; i++)
		if (words[i / 64] & (1ULL << (i % 64)))
			len += snprintf(buf + len, sizeof(buf) - len, "%s%llu",
					len ? "," : "", (unsigned long long)i);
	return buf;
}

void *wpf_map(int fd, size_t pages, int prot, int flags, off_t pgoff)
{
	size_t len = pages * page_size, align = ALIGN_2M;
	char *area, *aligned, *p;

	/* A larger PMD (arm64 with 16 KiB pages): huge entries fit too. */
	if (wpf_pmd_size() > align)
		align = wpf_pmd_size();
	area = mmap(NULL, len + align, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		return MAP_FAILED;
	aligned = (char *)(((uintptr_t)area + align - 1) & ~(align - 1));
	p = mmap(aligned, len, prot, flags | MAP_FIXED, fd, pgoff * page_size);
	if (p == MAP_FAILED) {
		int err = errno;

		munmap(area, len + align);
		errno = err;
		return MAP_FAILED;
	}
	if (aligned > area)
		munmap(area, aligned - area);
	munmap(aligned + len, area + len + align - (aligned + len));
	return p;
}

int wpf_lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

long wpf_module_refcnt(void)
{
	FILE *f = fopen("/sys/module/wpfault/refcnt", "r");
	long n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

long wpf_faultaround_pages(void)
{
	unsigned long bytes;
	FILE *f = fopen(DEBUGFS_DIR "/fault_around_bytes", "r");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%lu", &bytes);
	fclose(f);
	return n == 1 ? (long)(bytes / page_size) : -EPROTO;
}

static sigjmp_buf access_env;

static void access_handler(int sig)
{
	siglongjmp(access_env, sig);
}

int wpf_access_signal(void (*fn)(volatile char *p), volatile char *p)
{
	struct sigaction sa = { .sa_handler = access_handler };
	struct sigaction old_bus, old_segv;
	int sig;

	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	sig = sigsetjmp(access_env, 1);
	if (!sig)
		fn(p);
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return sig;
}

void wpf_read_byte(volatile char *p)
{
	(void)*p;
}

void wpf_write_byte(volatile char *p)
{
	*p = 1;
}

long wpf_minflt(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return -1;
	return ru.ru_minflt;
}

/*
 * Faults in what a measurement runs besides @fn's access: stack pages
 * below this frame (with stack randomization, a call chain may reach a new
 * one on any run) and the code of @fn and of wpf_minflt().
 */
static void __attribute__((noinline)) prefault(void (*fn)(volatile char *p))
{
	volatile char stack[64 << 10];
	char byte = 0;
	size_t i;

	for (i = 0; i < sizeof(stack); i += 256)
		stack[i] = 0;
	fn(&byte);
	wpf_minflt();
}

long wpf_faults(void (*fn)(volatile char *p), volatile char *p)
{
	long before;

	prefault(fn);
	before = wpf_minflt();
	fn(p);
	return wpf_minflt() - before;
}

/*
 * The faults @access takes on a shared tmpfs page after @prepare put it
 * in the state to measure (0 on success), or -1 if that cannot be done.
 */
static long probe_faults(const char *name,
			 int (*prepare)(volatile char *p),
			 void (*access)(volatile char *p))
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	volatile char *p = MAP_FAILED;
	long faults = -1;

	if (fd >= 0 && !ftruncate(fd, page_size))
		p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
	if (p != MAP_FAILED) {
		if (!prepare(p))
			faults = wpf_faults(access, p);
		munmap((void *)p, page_size);
	}
	if (fd >= 0)
		close(fd);
	return faults;
}

/* Maps the page writable and clean. */
static int map_clean(volatile char *p)
{
	wpf_read_byte(p);
	return 0;
}

/* Maps the page, then makes its pte old. */
static int map_old(volatile char *p)
{
	wpf_read_byte(p);
	/* "1": clear the access flags of every pte of this process. */
	return wpf_write_file("/proc/self/clear_refs", "1");
}

bool wpf_hw_dirty_bits(void)
{
	return probe_faults("wpfault-dirty-probe", map_clean,
			    wpf_write_byte) == 0;
}

bool wpf_hw_access_flags(void)
{
	return probe_faults("wpfault-young-probe", map_old,
			    wpf_read_byte) == 0;
}

long wpf_writable_faults(void)
{
	return wpf_hw_dirty_bits() ? 1 : 2;
}

uint64_t wpf_parse_seed(const char *s)
{
	struct timespec ts;
	uint64_t seed;
	char *end;

	if (!strcmp(s, "random")) {
		clock_gettime(CLOCK_REALTIME, &ts);
		return (uint64_t)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec;
	}
	errno = 0;
	seed = strtoull(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "bad seed '%s'\n", s);
		exit(2);
	}
	return seed;
}

int wpf_open_direct(int fd)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
}
