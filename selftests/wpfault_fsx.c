// SPDX-License-Identifier: GPL-2.0
/*
 * One file's bytes under every file operation, against a model: what
 * xfstests' fsx checks, written for wpfault (not a copy of fsx).  A
 * page-cache object gets a random sequence of reads and writes
 * (read/write, pread/pwrite, O_DIRECT), mapped reads and writes (with and
 * without msync), stores through a mapping past end of file (no file
 * data: they must read as zeroes once the file grows over them),
 * truncation up and down, fallocate in every supported mode,
 * copy_file_range within the file, splice from a pipe, fsync, and
 * dropping its clean pages from the cache.  After each operation the
 * bytes it touched are checked, and every CHECK_EVERY (100) operations
 * the whole file: through read(2), through a mapping, and on the disk
 * after an fsync.
 *
 * The sequence runs on an object of small folios, again on one with
 * large folios (WPFAULT_CREATE_LARGE_FOLIOS), where truncation, punches
 * and zeroing land inside folios, and on one whose folios are never
 * smaller than four pages (WPFAULT_CREATE_MIN_FOLIO_ORDER, as a file
 * system with 16 KiB blocks on 4 KiB pages), where they also reach past
 * end of file.  Where the kernel has no capped large folios the last two
 * are a SKIP, and so is the last where the kernel is known to lose bytes
 * when a truncation splits a min-order folio
 * (wpf_min_order_split_unfixed()).
 *
 * A failure prints the last LOG_OPS (48) operations and the command that
 * replays them:
 *   wpfault_fsx [-s seed] [-n operations] [-k small|large|min-order]
 * -k runs only the object of that kind.  The default is CHECK_OPS (3,000)
 * operations from seed 1, which make check runs in every configuration;
 * with WPFAULT_FUZZ_SEED set (a number, or "random": make fuzz), FUZZ_OPS
 * (30,000) operations from it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest.h"
#include "wpfault_util.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define CHECK_OPS	3000
#define FUZZ_OPS	30000
#define CHECK_EVERY	100
#define LOG_OPS		48
/* The file never grows past MAX_PAGES pages. */
#define MAX_PAGES	32

static uint64_t rng;
static unsigned long long rng_seed_for_replay;
static size_t max_len;
static char *model, *buf, *data;
static off_t size;
static int fd, dfd;
static struct wpf_obj obj;
static unsigned long op_nr;
static char op_log[LOG_OPS][96];
/* The kind of this run's object. */
static const struct wpf_folio_kind *kind;

static void log_op(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(op_log[op_nr % LOG_OPS], sizeof(op_log[0]), fmt, ap);
	va_end(ap);
}

static void fail(const char *fmt, ...)
{
	unsigned long i, first = op_nr >= LOG_OPS ? op_nr - LOG_OPS + 1 : 0;
	va_list ap;

	va_start(ap, fmt);
	printf("# FAILED at operation %lu: ", op_nr);
	vprintf(fmt, ap);
	printf("\n# the last operations, size now %lld:\n", (long long)size);
	va_end(ap);
	for (i = first; i <= op_nr; i++)
		printf("#   %6lu %s\n", i, op_log[i % LOG_OPS]);
	ksft_exit_fail_msg("replay with: wpfault_fsx -s %llu -n %lu -k %s\n",
			   (unsigned long long)rng_seed_for_replay, op_nr + 1,
			   kind->name);
}

static uint64_t rnd(uint64_t n)
{
	return n ? wpf_rand(&rng) % n : 0;
}

static off_t min_off(off_t a, off_t b)
{
	return a < b ? a : b;
}

/* A random range inside [0, @limit): *@len bytes at the result. */
static off_t pick_range(off_t limit, size_t *len)
{
	off_t off;

	if (limit <= 0) {
		*len = 0;
		return 0;
	}
	off = rnd(limit);
	*len = 1 + rnd(limit - off < (off_t)(4 * page_size) ?
		       limit - off : 4 * page_size);
	return off;
}

static void fill_data(size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		data[i] = (char)(1 + rnd(255));
}

/* Bytes [@off, @off + @len) of @got agree with the model. */
static void compare(const char *what, const char *got, off_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (got[i] != model[off + i])
			fail("%s: byte %lld is %#x, the model says %#x", what,
			     (long long)(off + i), got[i] & 0xff,
			     model[off + i] & 0xff);
}

/* The file grows to @end: the model's bytes up to it are data now. */
static void model_extend(off_t end)
{
	if (end > size)
		size = end;
}

static void model_shrink(off_t end)
{
	if (end < size) {
		memset(model + end, 0, size - end);
		size = end;
	}
}

static void do_read(bool direct)
{
	size_t len;
	off_t off = pick_range(size, &len);
	ssize_t n;

	log_op("%sread %zu at %lld", direct ? "direct " : "", len,
	       (long long)off);
	n = pread(direct ? dfd : fd, buf, len, off);
	if (n != (ssize_t)len)
		fail("pread returned %zd, not %zu: %s", n, len,
		     strerror(errno));
	compare("read", buf, off, len);
}

static void do_write(int how)
{
	static const char *const names[] = { "pwrite", "write", "direct" };
	off_t off = rnd(max_len - 1);
	size_t len = 1 + rnd(min_off(4 * page_size, max_len - off));
	ssize_t n;

	fill_data(len);
	log_op("%s %zu at %lld", names[how], len, (long long)off);
	if (how == 1) {
		if (lseek(fd, off, SEEK_SET) != off)
			fail("lseek: %s", strerror(errno));
		n = write(fd, data, len);
	} else {
		n = pwrite(how ? dfd : fd, data, len, off);
	}
	if (n != (ssize_t)len)
		fail("%s returned %zd, not %zu: %s", names[how], n, len,
		     strerror(errno));
	memcpy(model + off, data, len);
	model_extend(off + len);
}

/* A mapping of the pages that hold [@off, @off + @len). */
static char *map_range(off_t off, size_t len, int prot, off_t *base)
{
	size_t map_len;
	char *p;

	*base = off / page_size * page_size;
	map_len = off + len - *base;
	p = mmap(NULL, map_len, prot, MAP_SHARED, fd, *base);
	if (p == MAP_FAILED)
		fail("mmap %zu at %lld: %s", map_len, (long long)*base,
		     strerror(errno));
	return p;
}

static void do_mapread(void)
{
	size_t len;
	off_t off = pick_range(size, &len), base;
	char *p;

	if (!len)
		return;
	log_op("mapread %zu at %lld", len, (long long)off);
	p = map_range(off, len, PROT_READ, &base);
	compare("mapread", p + off - base, off, len);
	munmap(p, off + len - base);
}

static void do_mapwrite(void)
{
	size_t len;
	off_t off = pick_range(size, &len), base;
	char *p;

	if (!len)
		return;
	fill_data(len);
	log_op("mapwrite %zu at %lld", len, (long long)off);
	p = map_range(off, len, PROT_READ | PROT_WRITE, &base);
	memcpy(p + off - base, data, len);
	if (rnd(2) && msync(p, off + len - base, MS_SYNC))
		fail("msync: %s", strerror(errno));
	munmap(p, off + len - base);
	memcpy(model + off, data, len);
}

/* Stores past end of file, in its page: no file data. */
static void do_mapwrite_past_eof(void)
{
	off_t end = (size + page_size - 1) / page_size * page_size, base;
	size_t len = end - size;
	char *p;

	if (!len)
		return;
	log_op("mapwrite past EOF, %zu at %lld", len, (long long)size);
	p = map_range(size, len, PROT_READ | PROT_WRITE, &base);
	memset(p + size - base, 0x5a, len);
	munmap(p, end - base);
}

static void do_truncate(void)
{
	off_t to = rnd(max_len + 1);

	log_op("truncate %lld to %lld", (long long)size, (long long)to);
	if (ftruncate(fd, to))
		fail("ftruncate: %s", strerror(errno));
	model_shrink(to);
	model_extend(to);
}

static void do_fallocate(void)
{
	static const int modes[] = {
		0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_ZERO_RANGE,
		FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	};
	int mode = modes[rnd(ARRAY_SIZE(modes))];
	off_t off = rnd(max_len - 1), end;
	size_t len = 1 + rnd(min_off(4 * page_size, max_len - off));

	log_op("fallocate mode %#x, %zu at %lld", mode, len, (long long)off);
	if (fallocate(fd, mode, off, len))
		fail("fallocate: %s", strerror(errno));
	end = min_off(off + len, size);
	if (mode & (FALLOC_FL_ZERO_RANGE | FALLOC_FL_PUNCH_HOLE) && off < end)
		memset(model + off, 0, end - off);
	if (!(mode & FALLOC_FL_KEEP_SIZE))
		model_extend(off + len);
}

/* From a range of the file to one that does not overlap it. */
static void do_copy_range(void)
{
	size_t len;
	off_t src = pick_range(size, &len), dst;
	loff_t in, out;
	ssize_t n;

	if (!len)
		return;
	dst = rnd(max_len - len);
	if (dst < src + (off_t)len && src < dst + (off_t)len)
		return;
	log_op("copy_file_range %zu from %lld to %lld", len, (long long)src,
	       (long long)dst);
	in = src;
	out = dst;
	n = copy_file_range(fd, &in, fd, &out, len, 0);
	if (n != (ssize_t)len)
		fail("copy_file_range returned %zd, not %zu: %s", n, len,
		     strerror(errno));
	memmove(model + dst, model + src, len);
	model_extend(dst + len);
}

static void do_splice(void)
{
	off_t off = rnd(max_len - 1);
	size_t len = 1 + rnd(min_off(page_size, max_len - off));
	loff_t pos = off;
	int pipefd[2];
	ssize_t n;

	fill_data(len);
	log_op("splice %zu to %lld", len, (long long)off);
	if (pipe(pipefd))
		fail("pipe: %s", strerror(errno));
	if (write(pipefd[1], data, len) != (ssize_t)len)
		fail("write to the pipe: %s", strerror(errno));
	n = splice(pipefd[0], NULL, fd, &pos, len, 0);
	close(pipefd[0]);
	close(pipefd[1]);
	if (n != (ssize_t)len)
		fail("splice returned %zd, not %zu: %s", n, len,
		     strerror(errno));
	memcpy(model + off, data, len);
	model_extend(off + len);
}

static void do_fsync(void)
{
	log_op("fsync");
	if (fsync(fd))
		fail("fsync: %s", strerror(errno));
}

/* Clean pages no one maps leave the cache: reads come from the disk. */
static void do_drop_cache(void)
{
	log_op("drop clean cached pages");
	if (posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		fail("posix_fadvise: %s", strerror(errno));
}

/* The whole file, three ways; the disk after an fsync. */
static void check_all(void)
{
	struct stat st;
	char *p;

	if (fstat(fd, &st) || st.st_size != size)
		fail("the size is %lld, the model says %lld",
		     (long long)st.st_size, (long long)size);
	if (pread(fd, buf, size, 0) != size)
		fail("pread of the whole file: %s", strerror(errno));
	compare("whole file, read(2)", buf, 0, size);
	if (size) {
		p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			fail("mmap of the whole file: %s", strerror(errno));
		compare("whole file, mapped", p, 0, size);
		munmap(p, size);
	}
	if (fsync(fd))
		fail("fsync: %s", strerror(errno));
	if (size && wpf_read_disk(fd, 0, (size + page_size - 1) / page_size,
				  buf) < 0)
		fail("READ_DISK: %s", strerror(errno));
	compare("whole file, disk", buf, 0, size);
}

static void do_buffered_read(void)
{
	do_read(false);
}

static void do_direct_read(void)
{
	do_read(true);
}

/* pwrite, or lseek and write. */
static void do_buffered_write(void)
{
	do_write(rnd(2));
}

static void do_direct_write(void)
{
	do_write(2);
}

static void do_sync_or_drop(void)
{
	if (rnd(2))
		do_fsync();
	else
		do_drop_cache();
}

/* The operations, and how often each comes. */
static const struct {
	void (*run)(void);
	unsigned int weight;
} fsx_ops[] = {
	{ do_buffered_read, 2 },
	{ do_direct_read, 1 },
	{ do_buffered_write, 2 },
	{ do_direct_write, 1 },
	{ do_mapread, 2 },
	{ do_mapwrite, 2 },
	{ do_mapwrite_past_eof, 1 },
	{ do_truncate, 1 },
	{ do_fallocate, 1 },
	{ do_copy_range, 1 },
	{ do_splice, 1 },
	{ do_sync_or_drop, 1 },
};

/*
 * @ops operations from @seed on a new object of kind @k; a SKIP where the
 * kernel refuses large folios, as it must without them, or is known to
 * lose a min-order object's bytes.
 */
static void run(const struct wpf_folio_kind *k, unsigned long ops,
		unsigned long long seed)
{
	unsigned int total_weight = 0, i;
	const char *why;
	int err;

	kind = k;
	err = wpf_create_folio_kind(&obj, 1, k, &why);
	if (err == 1) {
		ksft_test_result_skip("%s: %s\n", k->name, why);
		return;
	}
	if (err)
		ksft_exit_fail_msg("creating an object: %s\n", strerror(-err));
	fd = obj.fd;
	/* The model starts empty. */
	if (ftruncate(fd, 0))
		ksft_exit_fail_msg("ftruncate: %s\n", strerror(errno));
	dfd = wpf_open_direct(fd);
	if (dfd < 0)
		ksft_exit_fail_msg("O_DIRECT: %s\n", strerror(errno));
	memset(model, 0, max_len);
	size = 0;
	rng = seed;
	rng_seed_for_replay = seed;
	for (i = 0; i < ARRAY_SIZE(fsx_ops); i++)
		total_weight += fsx_ops[i].weight;
	ksft_print_msg("%s: seed %llu, %lu operations on %zu bytes at most\n",
		       k->name, seed, ops, max_len);

	for (op_nr = 0; op_nr < ops; op_nr++) {
		unsigned int pick = rnd(total_weight);

		for (i = 0; pick >= fsx_ops[i].weight; i++)
			pick -= fsx_ops[i].weight;
		fsx_ops[i].run();
		if (op_nr % CHECK_EVERY == CHECK_EVERY - 1)
			check_all();
	}
	check_all();
	close(dfd);
	wpf_destroy(&obj);
	ksft_test_result_pass("%s: %lu operations from seed %llu match %s\n",
			      k->name, ops, seed, "the model");
}

int main(int argc, char **argv)
{
	const char *env = getenv("WPFAULT_FUZZ_SEED");
	unsigned long ops = env && *env ? FUZZ_OPS : CHECK_OPS;
	unsigned long long seed = env && *env ? wpf_parse_seed(env) : 1;
	int opt, dev, only = -1, k;

	while ((opt = getopt(argc, argv, "s:n:k:")) != -1) {
		if (opt == 's') {
			seed = wpf_parse_seed(optarg);
		} else if (opt == 'n') {
			ops = strtoul(optarg, NULL, 0);
		} else if (opt == 'k') {
			only = wpf_folio_kind_by_name(optarg);
			if (only < 0)
				ksft_exit_fail_msg("no kind of object '%s'\n",
						   optarg);
		} else {
			ksft_exit_fail_msg("usage: %s %s\n", argv[0],
					   "[-s seed] [-n ops] [-k small|large|min-order]");
		}
	}
	ksft_print_header();
	dev = wpf_open_dev();
	if (dev == -ENOENT)
		ksft_exit_skip("%s missing: wpfault.ko is not loaded\n",
			       WPFAULT_DEVICE);
	if (dev >= 0)
		close(dev);
	ksft_set_plan(only < 0 ? WPF_NR_FOLIO_KINDS : 1);
	max_len = MAX_PAGES * page_size;
	model = calloc(1, max_len);
	buf = malloc(max_len);
	data = malloc(max_len);
	if (!model || !buf || !data)
		ksft_exit_fail_msg("out of memory\n");
	for (k = 0; k < WPF_NR_FOLIO_KINDS; k++)
		if (only < 0 || only == k)
			run(&wpf_folio_kinds[k], ops, seed);
	ksft_finished();
}
