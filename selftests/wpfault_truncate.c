// SPDX-License-Identifier: GPL-2.0
/*
 * Truncation against racing faults: once a truncation returns, no page
 * cache page and no pte may be left past end of file, whatever faults
 * race it ("Some more lock_page work..", Linus Torvalds and Kirill
 * Shutemov, October 2020: fault-around maps pages without the page lock
 * and must stay safe against truncation).  Threads (three by default)
 * read, write and drop ptes (MADV_DONTNEED) across the tail of a 16-page
 * object, each through its own shared mapping, and now and then
 * fdatasync() it, while the main thread shrinks it to a random size and
 * grows it back, or punches a hole of random half pages in it, round
 * after round (400 by default, 150 on each large kind below).
 *
 * Right after each shrink returns, nothing may be left past the page that
 * holds the new end of file: no pte in any mapping (/proc/self/pagemap)
 * and no page in the object's page cache (mincore()).  A fault that
 * checked the size before the shrink and created its page after it would
 * leave one cached; the fault path checks the size and creates the folio
 * under the mapping's invalidate_lock (shared), which setattr holds
 * exclusively around the size change and the page-cache truncation, as
 * file systems do.  Then, with the threads paused (no fault in flight),
 * the object's pages_resident must equal its cached pages, all within end
 * of file, and after the object grows back every byte must be what the
 * threads wrote, zero past the shrink point, in the page cache and, after
 * an fsync, on the disk.
 *
 * A hole punch races the threads: a byte in the hole must read zero if
 * its last write ended before the punch started, the written value if
 * that write started after the punch returned, and one of the two if they
 * overlapped (tickets from one counter order them).  The disk must agree
 * after an fsync.  A writeback that ran between the zeroing of the cache
 * and of the disk would lose a write from the disk, so partial pages are
 * zeroed in both under the folio lock, which writeback takes too.
 *
 * The threads write their own lane of bytes in the first half of each
 * page and nothing else; shrinks and holes end on a page boundary or in
 * the middle of a page.  So a byte is either in a lane (the model says
 * what it holds) or zero, whatever the interleaving.
 *
 * All of it runs on three kinds of object in turn: small folios, large
 * folios (WPFAULT_CREATE_LARGE_FOLIOS) and large folios of at least four
 * pages (WPFAULT_CREATE_MIN_FOLIO_ORDER, as a file system with blocks of
 * four pages has).  A shrink or hole inside a large folio splits it, if
 * the kernel can: one it cannot split, or not below four pages, stays
 * cached whole, zeroed past the new end of file.  So on the large kinds
 * pages past end of file may stay cached after a shrink (the test
 * prints how many); they must read zero, and no pte may map them.
 *
 *   wpfault_truncate [-s seed] [-r rounds] [-w threads] [-k kind]
 * kind: small, large or min-order (all three by default; -r gives each
 * that many rounds).  It prints its seed and a command line that reruns
 * each kind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "wpfault_util.h"

#define OBJ_PAGES	16
#define LANE		64
/* 8 lanes fill 512 bytes: half of a page is room enough on any kernel. */
#define MAX_THREADS	8

struct faulter {
	pthread_t tid;
	int id;
	uint64_t rng;
	volatile char *map;
	/* What this thread's lane of each page holds. */
	unsigned char model[OBJ_PAGES][LANE];
	/* Tickets taken before and after the last write of each lane byte. */
	uint64_t write_start[OBJ_PAGES][LANE], write_end[OBJ_PAGES][LANE];
	unsigned long accesses, sigbus;
};

static const char usage[] =
	"usage: %s [-s seed] [-r rounds] [-w threads] [-k kind]\n"
	"kind: small, large or min-order (default: all three)\n";

/*
 * The rounds of each kind of wpf_folio_kinds unless -r says: fewer for
 * the large kinds, whose shrinks and punches split folios, so that the
 * suite keeps its time on the debug kernels.
 */
static const unsigned long kind_rounds[WPF_NR_FOLIO_KINDS] = { 400, 150, 150 };

/* The results reported for small folios, and for each large kind. */
#define SMALL_RESULTS	6
#define LARGE_RESULTS	5

static struct faulter faulters[MAX_THREADS];
static int nr_threads = 3;
static int obj_fd;
static bool large_kind;
static int pause_requested, paused, stop;
static uint64_t ticket;
static __thread sigjmp_buf sigbus_env;

static uint64_t take_ticket(void)
{
	return __atomic_add_fetch(&ticket, 1, __ATOMIC_SEQ_CST);
}

static void sigbus_handler(int sig)
{
	siglongjmp(sigbus_env, 1);
}

/* Waits, while the main thread asks it to, with no access in flight. */
static void maybe_pause(void)
{
	if (!__atomic_load_n(&pause_requested, __ATOMIC_SEQ_CST))
		return;
	__atomic_add_fetch(&paused, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&pause_requested, __ATOMIC_SEQ_CST))
		sched_yield();
	__atomic_sub_fetch(&paused, 1, __ATOMIC_SEQ_CST);
}

static void *faulter_main(void *arg)
{
	struct faulter *f = arg;

	while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
		uint64_t r = wpf_rand(&f->rng);
		size_t page = r % OBJ_PAGES, i = (r >> 8) % LANE;
		volatile char *p = f->map + page * page_size + f->id * LANE + i;
		unsigned char v = 1 + (r >> 16) % 255;

		maybe_pause();
		/* Drop the pte now and then, so that the next access faults. */
		if (!(r >> 40 & 7)) {
			madvise((void *)(f->map + page * page_size), page_size,
				MADV_DONTNEED);
			continue;
		}
		f->accesses++;
		if (sigsetjmp(sigbus_env, 1)) {
			/* The page was past end of file: nothing changed. */
			f->sigbus++;
			continue;
		}
		if (r >> 43 & 1) {
			uint64_t start = take_ticket();

			*p = v;
			f->model[page][i] = v;
			f->write_start[page][i] = start;
			f->write_end[page][i] = take_ticket();
			/* Writeback racing the truncations and punches. */
			if (!(r >> 44 & 255) && fdatasync(obj_fd))
				ksft_exit_fail_msg("fdatasync: %s\n",
						   strerror(errno));
		} else {
			(void)*p;
		}
	}
	return NULL;
}

static void pause_all(void)
{
	__atomic_store_n(&pause_requested, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&paused, __ATOMIC_SEQ_CST) != nr_threads)
		sched_yield();
}

static void resume_all(void)
{
	__atomic_store_n(&pause_requested, 0, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&paused, __ATOMIC_SEQ_CST))
		sched_yield();
}

/* Pages of @map present in the page table, from page @first on. */
static int ptes_from(volatile char *map, size_t first)
{
	uint64_t entries[OBJ_PAGES];
	int n = 0, err;
	size_t i;

	err = wpf_pagemap(map, OBJ_PAGES, entries);
	if (err)
		ksft_exit_fail_msg("pagemap: %s\n", strerror(-err));
	for (i = first; i < OBJ_PAGES; i++)
		n += !!(entries[i] & WPF_PM_PRESENT);
	return n;
}

/* Bit 0 of vec[i]: page i of the object, mapped at @map, is cached. */
static void cached_pages(volatile char *map, unsigned char vec[OBJ_PAGES])
{
	if (mincore((void *)map, OBJ_PAGES * page_size, vec))
		ksft_exit_fail_msg("mincore: %s\n", strerror(errno));
}

/* Pages of the object in the page cache, from page @first on. */
static int cached_from(volatile char *map, size_t first)
{
	unsigned char vec[OBJ_PAGES];
	int n = 0;
	size_t i;

	cached_pages(map, vec);
	for (i = first; i < OBJ_PAGES; i++)
		n += vec[i] & 1;
	return n;
}

/* Which pages are cached, as a string of 0 and 1. */
static const char *cached_str(volatile char *map)
{
	static char str[OBJ_PAGES + 1];
	unsigned char vec[OBJ_PAGES];
	size_t i;

	cached_pages(map, vec);
	for (i = 0; i < OBJ_PAGES; i++)
		str[i] = '0' + (vec[i] & 1);
	return str;
}

/*
 * With no fault in flight: the object's pages are the cached ones, and
 * with small folios all within end of file (@eof_pages).
 */
static bool resident_ok(volatile char *map, size_t eof_pages,
			unsigned long round)
{
	uint64_t stats[WPFAULT_STAT_NR];
	int cached = cached_from(map, 0);

	if (wpf_stats(obj_fd, stats))
		ksft_exit_fail_msg("stats: %s\n", strerror(errno));
	if (stats[WPFAULT_STAT_PAGES_RESIDENT] == (uint64_t)cached &&
	    (large_kind || cached <= (int)eof_pages))
		return true;
	ksft_print_msg("round %lu: %llu resident, %d cached (%s), %zu to EOF\n",
		       round,
		       (unsigned long long)stats[WPFAULT_STAT_PAGES_RESIDENT],
		       cached, cached_str(map), eof_pages);
	return false;
}

/*
 * Every byte is a lane byte the model knows, or zero.  Pages not cached
 * are not read, as that would create them: their data is on the disk
 * (a clean large folio may go whole when a truncation cannot split it).
 */
static int data_mismatches(volatile char *map, char *disk)
{
	unsigned char vec[OBJ_PAGES];
	size_t page, off;
	int t, wrong = 0;

	cached_pages(map, vec);
	if (wpf_read_disk(obj_fd, 0, OBJ_PAGES, disk) < 0)
		ksft_exit_fail_msg("disk: %s\n", strerror(errno));
	for (page = 0; page < OBJ_PAGES; page++) {
		for (off = 0; off < page_size; off++) {
			unsigned char want = 0, got;

			t = off / LANE;
			if (t < nr_threads)
				want = faulters[t].model[page][off % LANE];
			if (vec[page] & 1)
				got = map[page * page_size + off];
			else
				got = disk[page * page_size + off];
			if (got == want)
				continue;
			if (wrong++ >= 5)
				continue;
			ksft_print_msg("%s %zu+%zu: %u, not %u\n",
				       vec[page] & 1 ? "page" : "disk page",
				       page, off, got, want);
		}
	}
	return wrong;
}

/* Mismatches between the model and the disk, after an fsync. */
static int disk_mismatches(char *disk)
{
	size_t page, off;
	int t, wrong = 0;

	if (fsync(obj_fd))
		ksft_exit_fail_msg("fsync: %s\n", strerror(errno));
	if (wpf_read_disk(obj_fd, 0, OBJ_PAGES, disk) < 0)
		ksft_exit_fail_msg("disk: %s\n", strerror(errno));
	for (page = 0; page < OBJ_PAGES; page++) {
		for (off = 0; off < page_size; off++) {
			unsigned char want = 0, got;

			t = off / LANE;
			if (t < nr_threads)
				want = faulters[t].model[page][off % LANE];
			got = disk[page * page_size + off];
			if (got == want)
				continue;
			if (wrong++ < 5)
				ksft_print_msg("disk %zu+%zu: %u, not %u\n",
					       page, off, got, want);
		}
	}
	return wrong;
}

/* The shrink drops every lane byte at or past @size. */
static void model_truncate(off_t size)
{
	size_t page, i;
	int t;

	for (t = 0; t < nr_threads; t++)
		for (page = 0; page < OBJ_PAGES; page++)
			for (i = 0; i < LANE; i++)
				if ((off_t)(page * page_size + t * LANE + i) >=
				    size)
					faulters[t].model[page][i] = 0;
}

/*
 * After a hole punch in [@start, @end) that took tickets @punch_start and
 * @punch_end: the model of each lane byte in the hole becomes what the
 * cache holds, if that is allowed.  Returns the bytes that are not.
 */
static int model_punch(volatile char *map, off_t start, off_t end,
		       uint64_t punch_start, uint64_t punch_end)
{
	unsigned char vec[OBJ_PAGES];
	size_t page, i;
	int t, wrong = 0;

	cached_pages(map, vec);
	for (t = 0; t < nr_threads; t++) {
		struct faulter *f = &faulters[t];

		for (page = 0; page < OBJ_PAGES; page++) {
			for (i = 0; i < LANE; i++) {
				off_t off = page * page_size + t * LANE + i;
				unsigned char got = 0;

				if (off < start || off >= end ||
				    f->write_start[page][i] > punch_end)
					continue;
				if (f->write_end[page][i] < punch_start) {
					f->model[page][i] = 0;
					continue;
				}
				if (vec[page] & 1)
					got = map[off];
				if (got == 0 || got == f->model[page][i]) {
					f->model[page][i] = got;
					continue;
				}
				if (wrong++ >= 5)
					continue;
				ksft_print_msg("hole %zu+%zu: %u, not 0/%u\n",
					       page, t * LANE + i, got,
					       f->model[page][i]);
			}
		}
	}
	return wrong;
}

/* What the rounds found; every "wrong" count must end at 0. */
struct tally {
	unsigned long punches, sigbus, accesses;
	unsigned long late_ptes, late_cached, resident_wrong;
	unsigned long data_wrong, disk_wrong, punch_wrong;
};

static void parse_args(int argc, char **argv, uint64_t *seed,
		       unsigned long *rounds, int *only_kind)
{
	int opt;

	while ((opt = getopt(argc, argv, "s:r:w:k:")) != -1) {
		switch (opt) {
		case 's':
			*seed = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			*rounds = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			nr_threads = atoi(optarg);
			break;
		case 'k':
			*only_kind = wpf_folio_kind_by_name(optarg);
			if (*only_kind >= 0)
				break;
			fprintf(stderr, usage, argv[0]);
			exit(2);
		default:
			fprintf(stderr, usage, argv[0]);
			exit(2);
		}
	}
	if (!*seed)
		*seed = time(NULL);
}

/* Each faulter thread gets its own shared mapping and random sequence. */
static void start_faulters(uint64_t seed)
{
	struct sigaction sa = { .sa_handler = sigbus_handler };
	int t;

	if (sigaction(SIGBUS, &sa, NULL))
		ksft_exit_fail_msg("sigaction: %s\n", strerror(errno));
	for (t = 0; t < nr_threads; t++) {
		struct faulter *f = &faulters[t];

		f->id = t;
		f->rng = seed + t;
		f->map = wpf_map(obj_fd, OBJ_PAGES, PROT_READ | PROT_WRITE,
				 MAP_SHARED, 0);
		if (f->map == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		if (pthread_create(&f->tid, NULL, faulter_main, f))
			ksft_exit_fail_msg("pthread_create failed\n");
	}
}

static void stop_faulters(struct tally *n)
{
	int t;

	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	for (t = 0; t < nr_threads; t++) {
		pthread_join(faulters[t].tid, NULL);
		n->accesses += faulters[t].accesses;
		n->sigbus += faulters[t].sigbus;
		munmap((void *)faulters[t].map, OBJ_PAGES * page_size);
	}
	memset(faulters, 0, sizeof(faulters));
	__atomic_store_n(&stop, 0, __ATOMIC_SEQ_CST);
}

/* A hole of 1 to 2 * OBJ_PAGES half pages at @start, checked paused. */
static void punch_round(struct tally *n, volatile char *check, char *disk,
			unsigned long round, off_t start, uint64_t r)
{
	off_t len = (1 + (r >> 8) % (2 * OBJ_PAGES)) * (page_size / 2);
	uint64_t punch_start = take_ticket(), punch_end;

	if (fallocate(obj_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      start, len))
		ksft_exit_fail_msg("punch: %s\n", strerror(errno));
	punch_end = take_ticket();
	n->punches++;
	pause_all();
	n->resident_wrong += !resident_ok(check, OBJ_PAGES, round);
	n->punch_wrong += model_punch(check, start, start + len, punch_start,
				      punch_end);
	n->data_wrong += data_mismatches(check, disk);
	n->disk_wrong += disk_mismatches(disk);
	resume_all();
}

/*
 * A shrink to @size, checked at once for what lies past the new end of
 * file, then with the faulters paused; then the object grows back.
 */
static void shrink_round(struct tally *n, volatile char *check, char *disk,
			 unsigned long round, off_t size)
{
	size_t eof_pages = (size + page_size - 1) / page_size;
	int t;

	if (ftruncate(obj_fd, size))
		ksft_exit_fail_msg("ftruncate: %s\n", strerror(errno));
	for (t = 0; t < nr_threads; t++)
		n->late_ptes += ptes_from(faulters[t].map, eof_pages);
	n->late_cached += cached_from(check, eof_pages);

	pause_all();
	n->resident_wrong += !resident_ok(check, eof_pages, round);
	model_truncate(size);
	if (ftruncate(obj_fd, OBJ_PAGES * page_size))
		ksft_exit_fail_msg("ftruncate: %s\n", strerror(errno));
	n->data_wrong += data_mismatches(check, disk);
	n->disk_wrong += disk_mismatches(disk);
	resume_all();
}

static void report(const struct wpf_folio_kind *kind, const struct tally *n,
		   unsigned long rounds)
{
	const char *k = kind->name;

	ksft_print_msg("%s: %lu accesses, %lu past end of file (SIGBUS)\n",
		       k, n->accesses, n->sigbus);
	ksft_print_msg("%s: %lu shrinks, %lu hole punches\n",
		       k, rounds - n->punches, n->punches);
	ksft_test_result(n->late_ptes == 0,
			 "%s: no pte past EOF right after a shrink (%lu found)\n",
			 k, n->late_ptes);
	if (large_kind)
		ksft_print_msg("%s: %lu pages cached past EOF after shrinks\n",
			       k, n->late_cached);
	else
		ksft_test_result(n->late_cached == 0,
				 "%s: no cached page past EOF right after a shrink (%lu found)\n",
				 k, n->late_cached);
	ksft_test_result(n->punch_wrong == 0,
			 "%s: a racing hole punch leaves each byte zero or its later write (%lu wrong)\n",
			 k, n->punch_wrong);
	ksft_test_result(n->resident_wrong == 0,
			 "%s: resident pages are the cached ones%s (%lu rounds wrong)\n",
			 k, large_kind ? "" : ", within EOF",
			 n->resident_wrong);
	ksft_test_result(n->data_wrong == 0,
			 "%s: every byte equals the model after regrowing (%lu wrong)\n",
			 k, n->data_wrong);
	ksft_test_result(n->disk_wrong == 0,
			 "%s: the disk equals the model after each fsync (%lu wrong)\n",
			 k, n->disk_wrong);
}

/* The results of @kind, skipped for @why. */
static void skip_kind(const struct wpf_folio_kind *kind, const char *why)
{
	int i;

	for (i = 0; i < LARGE_RESULTS; i++)
		ksft_test_result_skip("%s: %s\n", kind->name, why);
}

/* Rounds of shrinks and punches on a new object of @kind. */
static void run_kind(const struct wpf_folio_kind *kind, uint64_t seed,
		     unsigned long rounds)
{
	const off_t full = OBJ_PAGES * page_size;
	struct wpf_obj obj = WPF_OBJ_INIT;
	struct tally n = { 0 };
	unsigned long round;
	volatile char *check;
	const char *why;
	uint64_t rng;
	char *disk;
	int err;

	err = wpf_create_folio_kind(&obj, full, kind, &why);
	if (err == 1) {
		skip_kind(kind, why);
		return;
	}
	if (err)
		ksft_exit_fail_msg("%s: create: %s\n", kind->name,
				   strerror(-err));
	obj_fd = obj.fd;
	large_kind = kind->flags;
	disk = malloc(full);
	if (!disk)
		ksft_exit_fail_msg("out of memory\n");
	check = wpf_map(obj_fd, OBJ_PAGES, PROT_READ, MAP_SHARED, 0);
	if (check == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	start_faulters(seed);

	rng = seed;
	for (round = 0; round < rounds; round++) {
		uint64_t r = wpf_rand(&rng);
		/* A page boundary or the middle of a page, below full. */
		off_t size = (r % (2 * OBJ_PAGES - 1)) * (page_size / 2);

		/* Let the threads fault for a moment. */
		usleep(r >> 32 & 255);
		if (!(r >> 48 & 3))
			punch_round(&n, check, disk, round, size, r);
		else
			shrink_round(&n, check, disk, round, size);
	}
	stop_faulters(&n);
	report(kind, &n, rounds);
	munmap((void *)check, full);
	free(disk);
	wpf_destroy(&obj);
}

int main(int argc, char **argv)
{
	unsigned long rounds = 0;
	int only_kind = -1, dev, k;
	uint64_t seed = 0;

	parse_args(argc, argv, &seed, &rounds, &only_kind);
	ksft_print_header();
	if (nr_threads < 1 || nr_threads > MAX_THREADS)
		ksft_exit_fail_msg("1 to %d threads, not %d\n", MAX_THREADS,
				   nr_threads);
	dev = wpf_open_dev();
	if (dev == -ENOENT)
		ksft_exit_skip("%s missing: wpfault.ko is not loaded\n",
			       WPFAULT_DEVICE);
	if (dev < 0)
		ksft_exit_fail_msg("open %s: %s\n", WPFAULT_DEVICE,
				   strerror(-dev));
	close(dev);
	if (only_kind < 0)
		ksft_set_plan(SMALL_RESULTS +
			      (WPF_NR_FOLIO_KINDS - 1) * LARGE_RESULTS);
	else
		ksft_set_plan(only_kind ? LARGE_RESULTS : SMALL_RESULTS);
	ksft_print_msg("seed %llu, %d threads, page size %zu\n",
		       (unsigned long long)seed, nr_threads, page_size);
	for (k = 0; k < WPF_NR_FOLIO_KINDS; k++) {
		const struct wpf_folio_kind *kind = &wpf_folio_kinds[k];
		unsigned long n = rounds ?: kind_rounds[k];

		if (only_kind >= 0 && only_kind != k)
			continue;
		ksft_print_msg("%s: rerun: %s -s %llu -r %lu -w %d -k %s\n",
			       kind->name, argv[0], (unsigned long long)seed, n,
			       nr_threads, kind->name);
		run_kind(kind, seed, n);
	}
	ksft_finished();
}
