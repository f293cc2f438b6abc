// SPDX-License-Identifier: GPL-2.0
/*
 * Edge and random values for every field and pointer of every ioctl
 * (CREATE, CLEAN, DIRTY_BITMAP, STATS, READ_DISK, SET_METHOD, GET_METHOD,
 * SNAPSHOT, SET_POLICY, GET_POLICY, PIN, UNPIN and unknown commands), and
 * for mmap, ftruncate, pwrite, pread, fsync and fallocate, on
 * /dev/wpfault, on an object (each seed runs once with a page-cache
 * object, once with a pfn object and once with a copy-on-write object)
 * and on fds that are neither; pins; and mount, umount and the directory
 * calls on a wpfault mount.  Pointers are valid, NULL, unmapped,
 * read-only, misaligned, straddle a page or point into the kernel; sizes
 * include 2 GiB, 4 GiB and the largest 64-bit values.
 *
 * A model of the validation order of the module and of the VFS
 * (documented in <linux/wpfault.h>) predicts each result,
 * including which error wins when several apply.  Calls that succeed
 * are checked further against a model of the object's dirty pages:
 * returned fields, bitmap words and counters.  On a pfn object the model
 * follows the tracking method too (module/pfn_tracking.c): which ptes are
 * writable and which hold dirty bits no harvest has seen, so that it
 * knows when a write enters the module, when a harvest or a closing vma
 * records it, and when the adaptive method switches.  A snapshot must
 * return the next fd, an id above the last, no eager copies (nothing of
 * the object is pinned then) and a disk equal to the object's; a policy
 * reads back as last set, even when the write-back of a SET failed; a pin
 * of the object's mapping (refused on a pfn object), of anonymous memory
 * or of nothing mapped must read what its pages hold, unpin once, and
 * leave nothing pinned when it fails.
 *
 * Where the kernel has huge pfn entries, each run also has a pfn object
 * made with WPFAULT_CREATE_PMD, of sizes seldom a multiple of the PMD,
 * mapped at aligned and misaligned addresses (fuzz_pmd.c): a model of
 * what each pmd of its mapping holds predicts the outcome of every
 * ->huge_fault, the blocks each access allocates and the pages it
 * records.
 *
 * On the mount side: up to three wpfault mounts stacked on one directory,
 * with options the VFS takes or refuses; files created, renamed, unlinked
 * and closed; directories; refused links; and umount, EBUSY with a file
 * open unless lazy.  objects_alive is checked against a model after each
 * call.
 *
 * Guard bytes around the buffers catch stores past what a call returns,
 * and stores by calls that fail before their write-back.  At the end no
 * object, page, fd or module reference may remain.
 *
 *   wpfault_fuzz [-s seed] [-n iterations per seed]
 * Without -s it runs seeds 1, 2 and 3, as make check does, or only
 * WPFAULT_FUZZ_SEED if set (a number, or "random" for one from the
 * clock).  Each seed prints a command line that reruns it.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

/* Each kind of call: its name, its relative frequency, its fuzzer. */
static const struct {
	const char *name;
	unsigned int weight;
	int (*fn)(struct fuzz *f);
} calls[NR_CALLS] = {
	[CALL_CREATE] = { "create", 12, fuzz_create },
	[CALL_CLEAN] = { "clean", 16, fuzz_clean },
	[CALL_BITMAP] = { "bitmap_collect", 16, fuzz_bitmap },
	[CALL_STATS] = { "stats", 10, fuzz_stats },
	[CALL_WRONG_FD] = { "command_on_wrong_fd", 6, fuzz_wrong_fd },
	[CALL_UNKNOWN] = { "unknown_command", 6, fuzz_unknown },
	[CALL_MMAP] = { "mmap", 14, fuzz_mmap },
	[CALL_FTRUNCATE] = { "ftruncate", 5, fuzz_ftruncate },
	[CALL_WRITE] = { "page_write", 15, fuzz_write },
	[CALL_READ_DISK] = { "read_disk", 10, fuzz_read_disk },
	[CALL_FILE_IO] = { "file_io", 12, fuzz_file_io },
	[CALL_MOUNT] = { "mount", 10, fuzz_mount },
	[CALL_METHOD] = { "tracking_method", 10, fuzz_method },
	[CALL_COW] = { "snapshot_policy", 8, fuzz_cow },
	[CALL_PIN] = { "pin", 8, fuzz_pin },
	[CALL_PMD] = { "pmd_object", 12, fuzz_pmd },
};

/* Results counted per kind of call, to show what the seeds reached. */
static const int counted[] = {
	0, EFAULT, EINVAL, EFBIG, EOVERFLOW, ENXIO, ERANGE, ENOTTY,
	EOPNOTSUPP, EBUSY, EROFS, EPERM, ENOENT, E2BIG, ENOSPC,
};

static_assert(ARRAY_SIZE(counted) == NR_RESULTS - 1,
	      "NR_RESULTS counts the results counted, and \"other\"");

/* Without huge pfn entries there is no PMD object to fuzz. */
static unsigned int call_weight(struct fuzz *f, enum call c)
{
	return c == CALL_PMD && !f->pmd ? 0 : calls[c].weight;
}

static enum call pick_call(struct fuzz *f)
{
	unsigned int total = 0, r, i;

	for (i = 0; i < NR_CALLS; i++)
		total += call_weight(f, i);
	r = rnd(f, total);
	for (i = 0; r >= call_weight(f, i); i++)
		r -= call_weight(f, i);
	return i;
}

static void count_result(struct fuzz *f, enum call c, int err)
{
	size_t r;

	for (r = 0; r < ARRAY_SIZE(counted) && counted[r] != err; r++)
		;
	f->results[c][r]++;
}

static void print_results(struct fuzz *f, enum call c)
{
	char line[256];
	__u64 total = 0;
	size_t r, len;

	for (r = 0; r < NR_RESULTS; r++)
		total += f->results[c][r];
	len = snprintf(line, sizeof(line), "%-20s %5llu:", calls[c].name,
		       total);
	for (r = 0; r < NR_RESULTS && len < sizeof(line); r++) {
		if (f->results[c][r])
			len += snprintf(line + len, sizeof(line) - len,
					" %s %llu", r < ARRAY_SIZE(counted) ?
					err_name(counted[r]) : "other",
					f->results[c][r]);
	}
	ksft_print_msg("  %s\n", line);
}

/*
 * Compares the object as the kernel sees it with the model, or after a
 * mismatch just takes it as the model, so that one error is reported once.
 */
static void check_object(struct fuzz *f, bool adopt)
{
	__u64 dirtied, cleaned;
	uint64_t word = 0;
	int64_t err;

	/* The bitmap first: it harvests. */
	err = wpf_dirty_bitmap(f->obj.fd, 0, f->pages, &word);
	if (err < 0)
		ksft_exit_fail_msg("dirty bitmap: %s\n", strerror(-err));
	model_harvest(f, page_mask(0, f->pages));
	dirtied = stat_of(f->obj.fd, WPFAULT_STAT_PAGES_DIRTIED);
	cleaned = stat_of(f->obj.fd, WPFAULT_STAT_PAGES_CLEANED);
	describe(f, "object state, model:");
	field(f, "dirtied", f->dirtied);
	field(f, "cleaned", f->cleaned);
	describe_object(f);
	if (!adopt && (word != f->dirty || dirtied != f->dirtied ||
		       cleaned != f->cleaned))
		mismatch(f, "kernel: dirty %#llx dirtied %#llx cleaned %#llx",
			 (__u64)word, dirtied, cleaned);
	f->dirty = word;
	f->dirtied = dirtied;
	f->cleaned = cleaned;
	f->alive = module_alive(f);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool run_seed(struct fuzz *f, __u64 seed, enum wpfault_type type,
		     unsigned long iterations)
{
	struct wpfault_tracking tracking;
	double start = seconds();
	unsigned long i;
	__u64 page;
	int err;

	/* Before the object: the probe's id must not follow it. */
	err = wpf_folio_order_limit();
	if (err < 0 || !err != !wpf_large_folio_objects())
		ksft_exit_fail_msg("large folios: order limit %d (%s)\n", err,
				   err < 0 ? strerror(-err) : "unexpected");
	f->folio_order = err;
	memset(f->results, 0, sizeof(f->results));
	f->mismatches = 0;
	f->rng = seed;
	f->pages = 1 + rnd(f, MAX_PAGES);
	f->size = f->pages * page_size;
	/* Sometimes end of file falls inside the last page. */
	if (!rnd(f, 3))
		f->size -= 1 + rnd(f, page_size - 1);
	f->type = type;
	err = wpf_create_type(&f->obj, f->size, type);
	if (err)
		ksft_exit_fail_msg("create: %s\n", strerror(-err));
	f->map = mmap(NULL, f->pages * page_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, f->obj.fd, 0);
	if (f->map == MAP_FAILED)
		ksft_exit_fail_perror("mmap");
	f->dirty = 0;
	f->dirtied = 0;
	f->cleaned = 0;
	f->writable = 0;
	f->flush = 0;
	f->pte_dirty = 0;
	f->method = WPFAULT_METHOD_MKWRITE;
	f->policy = WPFAULT_POLICY_EXCLUSIVE;
	if (wpf_tracking(f->obj.fd, &tracking))
		ksft_exit_fail_perror("GET_METHOD");
	f->mode = tracking.mode;
	f->no_helpers = tracking.flags & WPFAULT_TRACKING_NO_HELPERS;
	f->pmd_objects = wpf_pmd_objects();
	f->mkwrite_insert = wpf_mkwrite_insert_objects();
	f->last_id = f->obj.id;
	fuzz_pmd_start(f);
	f->alive = module_alive(f);
	ksft_print_msg("seed %llu: %s object of %llu bytes (%llu pages)\n",
		       seed, type_names[type], f->size, f->pages);
	/* Some pages dirty from the start, so that cleans have work. */
	for (page = 0; page < f->pages; page++)
		if (rnd(f, 2))
			fuzz_write(f);

	for (i = 0; i < iterations; i++) {
		enum call c = pick_call(f);

		f->resync = false;
		count_result(f, c, calls[c].fn(f));
		if (f->resync)
			check_object(f, true);
	}
	mount_tear_down(f);
	check_object(f, false);
	fuzz_pmd_end(f);

	for (i = 0; i < NR_CALLS; i++)
		print_results(f, i);
	ksft_print_msg("seed %llu: %lu calls in %.1f s, %llu mismatches\n",
		       seed, iterations, seconds() - start, f->mismatches);
	munmap((void *)f->map, f->pages * page_size);
	wpf_destroy(&f->obj);
	return !f->mismatches;
}

static void set_up_arena(struct fuzz *f)
{
	f->arena = mmap(NULL, ARENA_PAGES * page_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->arena == MAP_FAILED ||
	    mprotect(f->arena + ARENA_ARG_GUARD * page_size, page_size,
		     PROT_NONE) ||
	    mprotect(f->arena + ARENA_DATA_GUARD * page_size, page_size,
		     PROT_NONE))
		ksft_exit_fail_perror("arena");
	f->disk_buf = mmap(NULL, (MAX_PAGES + 1) * page_size,
			   PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->disk_buf == MAP_FAILED ||
	    munmap(f->disk_buf + MAX_PAGES * page_size, page_size))
		ksft_exit_fail_perror("disk buffer");
}

/* What a leak would change: module-wide gauges, refcnt, lowest free fd. */
struct footprint {
	__u64 alive, resident;
	long refcnt;
	int fd;
};

static void take_footprint(int dev, struct footprint *fp)
{
	fp->alive = stat_of(dev, WPFAULT_STAT_OBJECTS_ALIVE);
	fp->resident = stat_of(dev, WPFAULT_STAT_PAGES_RESIDENT);
	fp->refcnt = wpf_module_refcnt();
}

int main(int argc, char **argv)
{
	unsigned long iterations = DEFAULT_ITERATIONS;
	__u64 seeds[3] = { 1, 2, 3 };
	struct footprint before, after;
	int nr_seeds = 3, opt, i, type;
	struct fuzz f;
	const char *env;
	bool ok;

	env = getenv("WPFAULT_FUZZ_SEED");
	if (env && *env) {
		seeds[0] = wpf_parse_seed(env);
		nr_seeds = 1;
	}
	while ((opt = getopt(argc, argv, "s:n:")) != -1) {
		switch (opt) {
		case 's':
			seeds[0] = wpf_parse_seed(optarg);
			nr_seeds = 1;
			break;
		case 'n':
			iterations = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-s seed] [-n iterations]\n",
				argv[0]);
			return 2;
		}
	}

	ksft_print_header();
	memset(&f, 0, sizeof(f));
	/* A leaked descriptor would take this number. */
	before.fd = wpf_lowest_free_fd();
	f.dev = wpf_open_dev();
	if (f.dev == -ENOENT)
		ksft_exit_skip("%s missing: wpfault.ko is not loaded\n",
			       WPFAULT_DEVICE);
	if (f.dev < 0)
		ksft_exit_fail_msg("open %s: %s\n", WPFAULT_DEVICE,
				   strerror(-f.dev));
	f.mnt_fd = -1;
	snprintf(f.mnt_dir, sizeof(f.mnt_dir), "/tmp/wpfault-fuzz-XXXXXX");
	if (!mkdtemp(f.mnt_dir))
		ksft_exit_fail_perror("mkdtemp");
	f.null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (f.null_fd < 0)
		ksft_exit_fail_perror("/dev/null");
	set_up_arena(&f);
	take_footprint(f.dev, &before);

	ksft_set_plan(nr_seeds * WPFAULT_TYPE_NR + 1);
	for (i = 0; i < nr_seeds; i++) {
		ksft_print_msg("rerun: %s -s %llu -n %lu\n", argv[0], seeds[i],
			       iterations);
		for (type = 0; type < WPFAULT_TYPE_NR; type++) {
			ok = run_seed(&f, seeds[i], type, iterations);
			ksft_test_result(ok, "seed %llu, %s object: %s\n",
					 seeds[i], type_names[type],
					 "every call returned its documented result");
		}
	}

	take_footprint(f.dev, &after);
	munmap(f.arena, ARENA_PAGES * page_size);
	rmdir(f.mnt_dir);
	close(f.null_fd);
	close(f.dev);
	after.fd = wpf_lowest_free_fd();
	ksft_print_msg("objects_alive %llu -> %llu\n", before.alive,
		       after.alive);
	ksft_print_msg("pages_resident %llu -> %llu\n", before.resident,
		       after.resident);
	ksft_print_msg("module refcnt %ld -> %ld, lowest free fd %d -> %d\n",
		       before.refcnt, after.refcnt, before.fd, after.fd);
	ok = before.alive == after.alive &&
	     before.resident == after.resident &&
	     before.refcnt == after.refcnt && before.fd == after.fd;
	ksft_test_result(ok,
			 "no object, page, fd or module reference leaked\n");
	ksft_finished();
}
