// SPDX-License-Identifier: GPL-2.0
/*
 * Random operations from several processes and threads on shared objects,
 * checked against a model of what every byte must hold (no write is ever
 * lost) and of which pages must be dirty (a page written since its last
 * clean is in the bitmap, one cleaned since its last write is not).  By
 * default 2 processes of 2 threads share five objects: two page-cache
 * objects (the second with large folios, where the kernel has them, and
 * with half the seeds a minimum folio order too), a pfn object (its
 * write insert chosen by the seed), a copy-on-write object and, where the
 * kernel has huge pfn entries, a pfn object with WPFAULT_CREATE_PMD of a
 * PMD and a half (its first piece can take a huge entry, its last half
 * never can); the workers also make short-lived objects of their own, of
 * any type.  The pfn and copy-on-write objects have no private mappings
 * and no pwrite() or pread(): those operations use their shared mappings
 * instead, or do nothing.  Half the mappings, truncations and hole
 * punches of the PMD object take whole pieces, so that its huge entries
 * come back after a clean, a partial mapping or a truncation has made
 * them small.
 *
 * The operations: writes and reads through shared and through private
 * mappings; clean and dirty-bitmap calls; fork() (the child carries on for
 * a while); mprotect() read-only and back; munmap() and mmap() at random
 * page offsets; MADV_DONTNEED; object create and close; pwrite(), pread()
 * and fsync(); ftruncate() down to a random half-page size and back up,
 * and hole punches of random half pages; the pfn object's tracking
 * method; snapshots of the copy-on-write object, their use and pins; and
 * the copy-on-write policy.
 *
 * Each worker owns a lane of bytes in every page (LANE bytes at
 * worker * LANE), so the model of each byte has one writer and stays exact
 * under any interleaving; bytes outside all lanes must stay zero.  Every
 * read is checked as it happens, and every byte of every object at the
 * end.  Dirty tracking is checked two ways.  During the run, a write with
 * no clean of its object running or started until the bitmap is read must
 * show in the bitmap.  At the end, with tickets from one global counter: a
 * page whose last write started after every clean of it had ended must be
 * dirty, and a page whose last write ended before a clean of it started
 * must be clean, unless a page of its large folio or of its huge entry
 * was written since (a write records the whole folio, or the whole piece).
 *
 * ftruncate() and hole punches change every lane of a page at once: they
 * hold their object's lock exclusive, every other operation on an object
 * holds it shared, so the model stays exact.  Truncation drops the private
 * copies of the pages past the size (truncate_pagecache() unmaps even
 * COWed pages) and the written set's records of them; a hole punch keeps
 * both.  (Faults racing truncation are wpfault_truncate's job.)
 *
 * The pfn object's tracking method is set now and then to a random one
 * (exclusive too).  In pagetable mode a vma that goes (munmap, a forked
 * child's exit) has its pages reported written, more than were: a page
 * cleaned before such an unmap ended is not checked for being clean, and
 * the test prints how many were let off.  Workers set mkwrite before
 * their own final unmaps, so the end state is checked in full.
 *
 * Workers snapshot the copy-on-write object (exclusively: the snapshot's
 * model is a copy of the object's at that instant), read and write their
 * snapshot, take a read-only pin of part of it and close it, and later
 * check that the pin still holds the snapshot's data however the object
 * was written since, then unpin: the COW reuse decision of "mm/gup: Allow
 * real explicit breaking of COW" and "Trial do_wp_page() simplification"
 * (Linus Torvalds, August 2020).  The policy is switched at random between
 * refcount, exclusive and copy.  mapcount is left out: it leaks exactly
 * into those pins, which wpfault_cow shows.
 *
 * Adding an operation: add an enum op entry, its line in ops[] (name,
 * weight, how it locks) and a case in do_op().
 *
 *   wpfault_stress [-s seed] [-t seconds] [-p processes] [-w threads]
 * The run is bounded in time: -t, or WPFAULT_STRESS_SECONDS (10 s by
 * default), which make check and the VM scripts pass into the VMs: for a
 * long run, WPFAULT_STRESS_SECONDS=600 make check, with WPFAULT_VM_TIMEOUT
 * raised to match.  The test prints its seed, a command line that reruns
 * it, the count of each operation and the mismatches.  The same seed gives
 * every worker the same sequence of operations (the interleaving is up to
 * the scheduler).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "wpfault_util.h"

#define NR_OBJECTS	5
/* A page-cache object with large folios, where the kernel has them. */
#define LARGE_OBJECT	1
/* Its minimum folio order, where the seed asks for one. */
#define LARGE_MIN_ORDER	2
/* pfn and copy-on-write objects: no private mappings, no pwrite. */
#define PFN_OBJECT	2
#define COW_OBJECT	3
/* The last, where the kernel has huge pfn entries (nr_objects says). */
#define PMD_OBJECT	4
/* Of every object but PMD_OBJECT. */
#define OBJ_PAGES	48
/* PMD_OBJECT's one and a half PMDs, at most: 16 KiB pages, 32 MiB PMDs. */
#define MAX_OBJ_PAGES	3072
#define LANE		64
/* 16 lanes take 1 KiB, which fits in a page of any size Linux has. */
#define MAX_WORKERS	16
#define FORK_OPS	20

enum op {
	OP_WRITE, OP_READ, OP_READ_PRIVATE, OP_WRITE_PRIVATE, OP_CLEAN,
	OP_BITMAP, OP_FORK, OP_MPROTECT, OP_REMAP, OP_DONTNEED,
	OP_TEMP_OBJECT, OP_PWRITE, OP_PREAD, OP_FSYNC, OP_TRUNCATE, OP_PUNCH,
	OP_METHOD, OP_SNAPSHOT, OP_SNAPSHOT_USE, OP_PIN, OP_UNPIN, OP_POLICY,
	NR_OPS
};

/* How an operation picks and locks its object. */
#define OPF_PFN		0x1	/* on the pfn object */
#define OPF_COW		0x2	/* on the copy-on-write object */
/* Changes every lane of a page: holds the object's lock exclusively. */
#define OPF_EXCL	0x4
/*
 * Takes no object lock: a forking worker waits for its child, which takes
 * locks; short-lived objects, the worker's snapshot and its pin are the
 * worker's own.
 */
#define OPF_UNLOCKED	0x8

/* Each operation: its name, its relative frequency, how it locks. */
static const struct {
	const char *name;
	int weight;
	unsigned int flags;
} ops[NR_OPS] = {
	[OP_WRITE] = { "write", 30, 0 },
	[OP_READ] = { "read", 20, 0 },
	[OP_READ_PRIVATE] = { "read_private", 8, 0 },
	[OP_WRITE_PRIVATE] = { "write_private", 8, 0 },
	[OP_CLEAN] = { "clean", 6, 0 },
	[OP_BITMAP] = { "bitmap", 6, 0 },
	[OP_FORK] = { "fork", 1, OPF_UNLOCKED },
	[OP_MPROTECT] = { "mprotect", 3, 0 },
	[OP_REMAP] = { "munmap_mmap", 3, 0 },
	[OP_DONTNEED] = { "madv_dontneed", 3, 0 },
	[OP_TEMP_OBJECT] = { "object_create", 2, OPF_UNLOCKED },
	[OP_PWRITE] = { "pwrite", 8, 0 },
	[OP_PREAD] = { "pread", 6, 0 },
	[OP_FSYNC] = { "fsync", 2, 0 },
	[OP_TRUNCATE] = { "truncate", 1, OPF_EXCL },
	[OP_PUNCH] = { "punch_hole", 2, OPF_EXCL },
	[OP_METHOD] = { "tracking_method", 2, OPF_PFN | OPF_EXCL },
	[OP_SNAPSHOT] = { "snapshot", 2, OPF_COW | OPF_EXCL },
	[OP_SNAPSHOT_USE] = { "snapshot_use", 6, OPF_COW | OPF_UNLOCKED },
	[OP_PIN] = { "pin_snapshot", 1, OPF_COW | OPF_UNLOCKED },
	[OP_UNPIN] = { "unpin", 1, OPF_COW | OPF_UNLOCKED },
	[OP_POLICY] = { "cow_policy", 1, OPF_COW | OPF_UNLOCKED },
};

/* What a forked child does, a few times, before it exits. */
static const enum op child_ops[] = {
	OP_WRITE, OP_READ, OP_READ_PRIVATE, OP_WRITE_PRIVATE, OP_CLEAN,
	OP_BITMAP,
};

/*
 * Shared between all processes (MAP_SHARED | MAP_ANONYMOUS).  The model of
 * the objects' bytes follows it, page_size bytes a page (model_page()).
 */
struct shared {
	/* Tickets of the last write start/end and clean start/end, per page. */
	uint64_t write_start[NR_OBJECTS][MAX_OBJ_PAGES];
	uint64_t write_end[NR_OBJECTS][MAX_OBJ_PAGES];
	uint64_t clean_start[NR_OBJECTS][MAX_OBJ_PAGES];
	uint64_t clean_end[NR_OBJECTS][MAX_OBJ_PAGES];
	uint64_t ticket;
	/* Cleans started, and running now, per object. */
	uint64_t clean_started[NR_OBJECTS];
	uint64_t clean_running[NR_OBJECTS];
	/* Private copies of each page that truncation dropped. */
	uint64_t cow_drops[NR_OBJECTS][MAX_OBJ_PAGES];
	pthread_rwlock_t lock[NR_OBJECTS];
	/*
	 * The pfn object's method, how often it was set, and the ticket
	 * after the last unmap that may have reported unwritten pages.
	 */
	enum wpfault_method pfn_method;
	uint64_t method_sets;
	uint64_t absorb_end;
	bool stopping;		/* a worker is past the deadline */
	bool no_helpers;	/* only mkwrite exists */
	/* Each object's size in pages, and where its model begins. */
	size_t pages[NR_OBJECTS];
	size_t model_first[NR_OBJECTS];
	/*
	 * The most pages one write records at once, aligned to that size:
	 * LARGE_OBJECT's largest folio, PMD_OBJECT's piece; otherwise 1.
	 */
	size_t unit_pages[NR_OBJECTS];
	uint64_t ops[NR_OPS];
	uint64_t mismatches;
	uint64_t skipped_checks;
};

struct mapping {
	volatile char *addr;
	size_t first, pages;	/* the object pages it maps */
	int prot;
};

struct worker {
	int id;
	uint64_t rng;
	struct mapping shared[NR_OBJECTS];
	struct mapping private[NR_OBJECTS];
	/* Own lane of privately copied pages, and whether copied. */
	unsigned char priv_model[NR_OBJECTS][MAX_OBJ_PAGES][LANE];
	bool priv_copied[NR_OBJECTS][MAX_OBJ_PAGES];
	/* shared->cow_drops when the page was copied. */
	uint64_t priv_drops[NR_OBJECTS][MAX_OBJ_PAGES];
	uint64_t words[(MAX_OBJ_PAGES + 63) / 64];
	/* A snapshot of the copy-on-write object (fd -1: none). */
	int snap_fd;
	volatile char *snap;
	unsigned char *snap_model;
	/* A pin of pages pin_first.. of a closed snapshot (fd -1: none). */
	int pin_fd;
	size_t pin_first, pin_pages;
	unsigned char *pin_model;
};

static const char usage[] =
	"usage: %s [-s seed] [-t seconds] [-p processes] [-w threads]\n";

static struct shared *sh;
static unsigned char *model;
static int obj_fd[NR_OBJECTS];
/* NR_OBJECTS, or one fewer without PMD_OBJECT. */
static int nr_objects;
static int dev_fd;	/* /dev/wpfault, for pins */
static struct timespec deadline;

/* What page @page of object @obj must hold. */
static unsigned char *model_page(int obj, size_t page)
{
	return model + (sh->model_first[obj] + page) * page_size;
}

static uint64_t next_rand(struct worker *w)
{
	return wpf_rand(&w->rng);
}

static unsigned int rnd(struct worker *w, unsigned int n)
{
	return next_rand(w) % n;
}

static uint64_t take_ticket(void)
{
	return __atomic_add_fetch(&sh->ticket, 1, __ATOMIC_SEQ_CST);
}

static void store_max(uint64_t *p, uint64_t v)
{
	uint64_t old = __atomic_load_n(p, __ATOMIC_SEQ_CST);

	while (old < v &&
	       !__atomic_compare_exchange_n(p, &old, v, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
}

static void count(enum op op)
{
	__atomic_add_fetch(&sh->ops[op], 1, __ATOMIC_RELAXED);
}

static void mismatch(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	__atomic_add_fetch(&sh->mismatches, 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	printf("# worker %d: ", w->id);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

/* The pfn and copy-on-write objects: mappings only, all shared. */
static bool mapped_only(int obj)
{
	return obj == PFN_OBJECT || obj == COW_OBJECT || obj == PMD_OBJECT;
}

/* A VM_PFNMAP vma maps it. */
static bool pfnmap(int obj)
{
	return obj == PFN_OBJECT || obj == PMD_OBJECT;
}

/*
 * Half the time, PMD_OBJECT's mappings, truncations and hole punches take
 * its first piece whole, where a huge entry can map it.
 */
static bool whole_piece(struct worker *w, int obj)
{
	return obj == PMD_OBJECT && rnd(w, 2);
}

/* Refused private mappings are left unmapped. */
static void map_object(struct worker *w, struct mapping *m, int obj,
		       int flags)
{
	m->addr = NULL;
	if (mapped_only(obj) && flags == MAP_PRIVATE)
		return;
	if (whole_piece(w, obj)) {
		m->first = 0;
		m->pages = sh->pages[obj];
	} else {
		m->first = rnd(w, sh->pages[obj]);
		m->pages = 1 + rnd(w, sh->pages[obj] - m->first);
	}
	m->prot = PROT_READ | PROT_WRITE;
	m->addr = wpf_map(obj_fd[obj], m->pages, m->prot, flags, m->first);
	if (m->addr == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
}

static void unmap_object(struct mapping *m)
{
	if (m->addr)
		munmap((void *)m->addr, m->pages * page_size);
}

/* A page of object @obj inside mapping @m, as (page, address). */
static volatile char *pick(struct worker *w, struct mapping *m,
			   size_t *page)
{
	size_t i = rnd(w, m->pages);

	*page = m->first + i;
	return m->addr + i * page_size;
}

/*
 * A byte of the worker's lane, through its mapping or by pwrite() (the
 * mapping, for the pfn object).
 */
static void do_write(struct worker *w, int obj, bool syscall)
{
	struct mapping *m = &w->shared[obj];
	unsigned int off = w->id * LANE + rnd(w, LANE);
	unsigned char v = 1 + rnd(w, 255);
	uint64_t started, running;
	volatile char *p;
	size_t page;

	syscall &= !mapped_only(obj);
	if (!syscall && !(m->prot & PROT_WRITE))
		return;
	p = pick(w, m, &page);
	started = __atomic_load_n(&sh->clean_started[obj], __ATOMIC_SEQ_CST);
	running = __atomic_load_n(&sh->clean_running[obj], __ATOMIC_SEQ_CST);
	store_max(&sh->write_start[obj][page], take_ticket());
	if (!syscall)
		p[off] = v;
	else if (pwrite(obj_fd[obj], &v, 1, page * page_size + off) != 1)
		mismatch(w, "pwrite: %s", strerror(errno));
	model_page(obj, page)[off] = v;
	store_max(&sh->write_end[obj][page], take_ticket());

	if (rnd(w, 4))
		return;
	if (wpf_dirty_bitmap(obj_fd[obj], page, 1, w->words) < 0) {
		mismatch(w, "dirty bitmap: %s", strerror(errno));
		return;
	}
	/* A clean ran while we wrote or looked: the page may be clean. */
	if (running || __atomic_load_n(&sh->clean_started[obj],
				       __ATOMIC_SEQ_CST) != started) {
		__atomic_add_fetch(&sh->skipped_checks, 1, __ATOMIC_RELAXED);
		return;
	}
	if (!(w->words[0] & 1))
		mismatch(w, "object %d page %zu written but not dirty", obj,
			 page);
}

static void do_read(struct worker *w, int obj, bool syscall)
{
	struct mapping *m = &w->shared[obj];
	unsigned int off = w->id * LANE + rnd(w, LANE);
	unsigned char v;
	volatile char *p;
	size_t page;

	p = pick(w, m, &page);
	if (!syscall || mapped_only(obj)) {
		v = p[off];
	} else if (pread(obj_fd[obj], &v, 1, page * page_size + off) != 1) {
		mismatch(w, "pread: %s", strerror(errno));
		return;
	}
	if (v != model_page(obj, page)[off])
		mismatch(w, "object %d page %zu byte %u is %u, model %u", obj,
			 page, off, v, model_page(obj, page)[off]);
}

/* Private copies hold the lane as it was at the copy, plus own writes. */
static void do_private(struct worker *w, int obj, bool write)
{
	struct mapping *m = &w->private[obj];
	unsigned int i = rnd(w, LANE), off = w->id * LANE + i;
	unsigned char *want;
	volatile char *p;
	size_t page;

	if (!m->addr || (write && !(m->prot & PROT_WRITE)))
		return;
	p = pick(w, m, &page);
	if (w->priv_drops[obj][page] != sh->cow_drops[obj][page])
		w->priv_copied[obj][page] = false;
	if (write) {
		unsigned char v = 1 + rnd(w, 255);

		if (!w->priv_copied[obj][page]) {
			memcpy(w->priv_model[obj][page],
			       model_page(obj, page) + w->id * LANE, LANE);
			w->priv_copied[obj][page] = true;
			w->priv_drops[obj][page] = sh->cow_drops[obj][page];
		}
		p[off] = v;
		w->priv_model[obj][page][i] = v;
		return;
	}
	want = w->priv_copied[obj][page] ? &w->priv_model[obj][page][i] :
	       model_page(obj, page) + off;
	if ((unsigned char)p[off] != *want)
		mismatch(w, "private object %d page %zu byte %u is %u, want %u",
			 obj, page, off, (unsigned char)p[off], *want);
}

static void do_clean(struct worker *w, int obj)
{
	size_t first = rnd(w, sh->pages[obj]);
	size_t nr = 1 + rnd(w, sh->pages[obj] - first), i;

	__atomic_add_fetch(&sh->clean_running[obj], 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&sh->clean_started[obj], 1, __ATOMIC_SEQ_CST);
	for (i = first; i < first + nr; i++)
		store_max(&sh->clean_start[obj][i], take_ticket());
	if (wpf_clean(obj_fd[obj], first, nr) < 0)
		mismatch(w, "clean: %s", strerror(errno));
	for (i = first; i < first + nr; i++)
		store_max(&sh->clean_end[obj][i], take_ticket());
	__atomic_sub_fetch(&sh->clean_running[obj], 1, __ATOMIC_SEQ_CST);
}

/*
 * Shrinks the object to a random size (PMD_OBJECT: half the time to 0 or
 * to its first piece) and grows it back: every byte past that size reads
 * zero, the written set forgets the pages wholly past it (a clean, to the
 * model), and so do private mappings, which lose their copies of those
 * pages (truncate_pagecache() unmaps even COWed pages).
 */
static void do_truncate(struct worker *w, int obj)
{
	const size_t pages = sh->pages[obj];
	const off_t full = pages * page_size;
	off_t size = rnd(w, 2 * pages) * (page_size / 2);
	size_t first, page;

	if (whole_piece(w, obj))
		size = rnd(w, 2) * sh->unit_pages[obj] * page_size;
	first = (size + page_size - 1) / page_size;
	for (page = first; page < pages; page++)
		store_max(&sh->clean_start[obj][page], take_ticket());
	if (ftruncate(obj_fd[obj], size) || ftruncate(obj_fd[obj], full))
		mismatch(w, "ftruncate: %s", strerror(errno));
	for (page = first; page < pages; page++) {
		store_max(&sh->clean_end[obj][page], take_ticket());
		sh->cow_drops[obj][page]++;
	}
	memset(model_page(obj, 0) + size, 0, full - size);
}

/*
 * A hole of half pages (PMD_OBJECT: half the time its first piece): its
 * bytes read zero; private copies stay (truncate_pagecache_range() leaves
 * COWed pages) and so do the written set's records, as a hole punch is
 * not a clean.
 */
static void do_punch(struct worker *w, int obj)
{
	size_t halves = rnd(w, 2 * sh->pages[obj]);
	off_t start = halves * (page_size / 2);
	off_t len = (1 + rnd(w, 2 * sh->pages[obj] - halves)) *
		    (page_size / 2);

	if (whole_piece(w, obj)) {
		start = 0;
		len = sh->unit_pages[obj] * page_size;
	}

	if (fallocate(obj_fd[obj], FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      start, len))
		mismatch(w, "punch hole: %s", strerror(errno));
	memset(model_page(obj, 0) + start, 0, len);
}

static void forget_private(struct worker *w, int obj)
{
	memset(w->priv_copied[obj], 0, sizeof(w->priv_copied[obj]));
}

/*
 * A private object of this worker, of any type: every count is exact.
 * A first write faults into ->page_mkwrite on a page-cache object, into
 * ->fault on the others (nothing is mapped yet).
 */
static void do_temp_object(struct worker *w)
{
	enum wpfault_type type = rnd(w, WPFAULT_TYPE_NR);
	int first_write = WPFAULT_STAT_MKWRITE_CALLS;
	uint64_t stats[WPFAULT_STAT_NR];
	size_t pages = 1 + rnd(w, 8), i;
	struct wpf_obj o;
	int64_t written;
	volatile char *p;

	if (type != WPFAULT_TYPE_PAGECACHE)
		first_write = WPFAULT_STAT_WRITE_FAULTS;
	if (wpf_create_type(&o, pages * page_size, type)) {
		mismatch(w, "create: %s", strerror(errno));
		return;
	}
	p = wpf_map(o.fd, pages, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (p == MAP_FAILED) {
		mismatch(w, "mmap temporary object: %s", strerror(errno));
		wpf_destroy(&o);
		return;
	}
	for (i = 0; i < pages; i += 2)
		p[i * page_size] = wpf_pattern(i, w->id);
	written = (pages + 1) / 2;
	if (wpf_dirty_bitmap(o.fd, 0, pages, w->words) != written ||
	    wpf_clean(o.fd, 0, pages) != written ||
	    wpf_dirty_bitmap(o.fd, 0, pages, w->words) != 0 ||
	    wpf_stats(o.fd, stats) ||
	    stats[first_write] != (uint64_t)written ||
	    stats[WPFAULT_STAT_PAGES_CLEANED] != (uint64_t)written)
		mismatch(w, "temporary object of %zu pages: wrong counts",
			 pages);
	for (i = 0; i < pages; i++)
		if (p[i * page_size] != (i % 2 ? 0 : wpf_pattern(i, w->id)))
			mismatch(w, "temporary object page %zu", i);
	munmap((void *)p, pages * page_size);
	wpf_destroy(&o);
}

/* Closes the worker's snapshot: only pins keep its blocks then. */
static void drop_snapshot(struct worker *w)
{
	if (w->snap_fd < 0)
		return;
	munmap((void *)w->snap, OBJ_PAGES * page_size);
	close(w->snap_fd);
	w->snap_fd = -1;
}

/* Under the object's lock, exclusive: no write is halfway. */
static void do_snapshot(struct worker *w)
{
	int fd;

	drop_snapshot(w);
	fd = wpf_snapshot(obj_fd[COW_OBJECT], NULL);
	if (fd < 0) {
		mismatch(w, "snapshot: %s", strerror(-fd));
		return;
	}
	w->snap = wpf_map(fd, OBJ_PAGES, PROT_READ | PROT_WRITE,
			  MAP_SHARED, 0);
	if (w->snap == MAP_FAILED) {
		mismatch(w, "mmap snapshot: %s", strerror(errno));
		close(fd);
		return;
	}
	w->snap_fd = fd;
	memcpy(w->snap_model, model_page(COW_OBJECT, 0),
	       OBJ_PAGES * page_size);
}

/* A byte of the worker's own snapshot, read or written. */
static void do_snapshot_use(struct worker *w)
{
	size_t off = rnd(w, OBJ_PAGES) * page_size + rnd(w, page_size);
	unsigned char v = 1 + rnd(w, 255);

	if (w->snap_fd < 0)
		return;
	if (rnd(w, 2)) {
		w->snap[off] = v;
		w->snap_model[off] = v;
	} else if ((unsigned char)w->snap[off] != w->snap_model[off]) {
		mismatch(w, "snapshot byte %zu is %u, model %u", off,
			 (unsigned char)w->snap[off], w->snap_model[off]);
	}
}

/* Pins part of the snapshot, then closes the snapshot. */
static void do_pin(struct worker *w)
{
	size_t first = rnd(w, OBJ_PAGES);
	size_t pages = 1 + rnd(w, OBJ_PAGES - first);
	int fd;

	if (w->snap_fd < 0 || w->pin_fd >= 0)
		return;
	fd = wpf_pin(dev_fd, PAGE(w->snap, first), pages, 0);
	if (fd < 0) {
		mismatch(w, "pin: %s", strerror(-fd));
		return;
	}
	w->pin_fd = fd;
	w->pin_first = first;
	w->pin_pages = pages;
	memcpy(w->pin_model, w->snap_model + first * page_size,
	       pages * page_size);
	drop_snapshot(w);
}

/* The pin still holds what the snapshot held; then it goes. */
static void do_unpin(struct worker *w)
{
	size_t len = w->pin_pages * page_size, i;
	unsigned char *now;
	int err;

	if (w->pin_fd < 0)
		return;
	now = malloc(len);
	if (!now || pread(w->pin_fd, now, len, 0) != (ssize_t)len) {
		mismatch(w, "pread pin: %s", strerror(errno));
	} else if (memcmp(now, w->pin_model, len)) {
		for (i = 0; now[i] == w->pin_model[i]; i++)
			;
		mismatch(w, "pin %zu+%zu byte %zu is %u, model %u",
			 w->pin_first, w->pin_pages, i, now[i],
			 w->pin_model[i]);
	}
	free(now);
	err = wpf_unpin(w->pin_fd);
	if (err)
		mismatch(w, "unpin: %s", strerror(-err));
	close(w->pin_fd);
	w->pin_fd = -1;
}

/* Any policy but mapcount, which leaks into the pins. */
static void do_policy(struct worker *w)
{
	static const enum wpfault_policy safe[] = {
		WPFAULT_POLICY_REFCOUNT, WPFAULT_POLICY_EXCLUSIVE,
		WPFAULT_POLICY_COPY,
	};
	int err = wpf_set_policy(obj_fd[COW_OBJECT], safe[rnd(w, 3)]);

	if (err)
		mismatch(w, "set policy: %s", strerror(-err));
}

static void do_op(struct worker *w, enum op op);

/*
 * Under the pfn object's lock, exclusive; after the deadline, mkwrite.
 * Others read the method without the lock (do_fork()), so a method that
 * may report extra pages is announced before it is set, and mkwrite
 * after.
 */
static void announce_method(enum wpfault_method m)
{
	__atomic_store_n(&sh->pfn_method, m, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&sh->method_sets, 1, __ATOMIC_SEQ_CST);
}

static void do_method(struct worker *w)
{
	enum wpfault_method m = WPFAULT_METHOD_MKWRITE;
	int mode;

	if (!__atomic_load_n(&sh->stopping, __ATOMIC_SEQ_CST) &&
	    !sh->no_helpers)
		m = rnd(w, WPFAULT_METHOD_NR);
	if (m != WPFAULT_METHOD_MKWRITE)
		announce_method(m);
	mode = wpf_set_method(obj_fd[PFN_OBJECT], m);
	if (mode < 0 || (m == WPFAULT_METHOD_MKWRITE &&
			 mode != WPFAULT_MODE_MKWRITE && !sh->no_helpers))
		mismatch(w, "set method %d: %d", m, mode);
	if (m == WPFAULT_METHOD_MKWRITE)
		announce_method(m);
}

/* An unmap of the pfn object ended that may have reported extra pages. */
static void note_absorb(void)
{
	store_max(&sh->absorb_end, take_ticket());
}

static void do_fork(struct worker *w)
{
	uint64_t sets = __atomic_load_n(&sh->method_sets, __ATOMIC_SEQ_CST);
	bool mkwrite = __atomic_load_n(&sh->pfn_method, __ATOMIC_SEQ_CST) ==
		       WPFAULT_METHOD_MKWRITE;
	int status, i;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		mismatch(w, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		/* A copy of this worker: same lane, same model, own mm. */
		for (i = 0; i < FORK_OPS; i++)
			do_op(w, child_ops[rnd(w, ARRAY_SIZE(child_ops))]);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		mismatch(w, "forked child died (status %#x)", status);
	/* The child's exit closed its copies of the pfn mappings. */
	if (!mkwrite ||
	    sets != __atomic_load_n(&sh->method_sets, __ATOMIC_SEQ_CST))
		note_absorb();
	/* The child's writes may have been copied into its private pages. */
	next_rand(w);
}

static void do_op(struct worker *w, enum op op)
{
	unsigned int flags = ops[op].flags;
	int obj = flags & OPF_PFN ? PFN_OBJECT :
		  flags & OPF_COW ? COW_OBJECT : rnd(w, nr_objects);
	bool exclusive = flags & OPF_EXCL;
	bool locked = !(flags & OPF_UNLOCKED);
	struct mapping *m;

	count(op);
	if (locked && exclusive)
		pthread_rwlock_wrlock(&sh->lock[obj]);
	else if (locked)
		pthread_rwlock_rdlock(&sh->lock[obj]);
	switch (op) {
	case OP_WRITE:
	case OP_PWRITE:
		do_write(w, obj, op == OP_PWRITE);
		break;
	case OP_READ:
	case OP_PREAD:
		do_read(w, obj, op == OP_PREAD);
		break;
	case OP_FSYNC:
		if (fsync(obj_fd[obj]))
			mismatch(w, "fsync: %s", strerror(errno));
		break;
	case OP_READ_PRIVATE:
	case OP_WRITE_PRIVATE:
		do_private(w, obj, op == OP_WRITE_PRIVATE);
		break;
	case OP_CLEAN:
		do_clean(w, obj);
		break;
	case OP_BITMAP:
		if (wpf_dirty_bitmap(obj_fd[obj], 0, sh->pages[obj],
				     w->words) < 0)
			mismatch(w, "dirty bitmap: %s", strerror(errno));
		break;
	case OP_FORK:
		do_fork(w);
		break;
	case OP_MPROTECT:
		m = rnd(w, 2) ? &w->shared[obj] : &w->private[obj];
		if (!m->addr)
			break;
		m->prot ^= PROT_WRITE;
		if (mprotect((void *)m->addr, m->pages * page_size, m->prot))
			mismatch(w, "mprotect: %s", strerror(errno));
		break;
	case OP_REMAP:
		if (rnd(w, 2)) {
			unmap_object(&w->shared[obj]);
			if (obj == PFN_OBJECT &&
			    sh->pfn_method != WPFAULT_METHOD_MKWRITE)
				note_absorb();
			map_object(w, &w->shared[obj], obj, MAP_SHARED);
		} else {
			unmap_object(&w->private[obj]);
			map_object(w, &w->private[obj], obj, MAP_PRIVATE);
			forget_private(w, obj);
		}
		break;
	case OP_DONTNEED:
		m = rnd(w, 2) ? &w->shared[obj] : &w->private[obj];
		if (!m->addr)
			break;
		/* The kernel refuses MADV_DONTNEED on VM_PFNMAP. */
		if (pfnmap(obj)) {
			if (!madvise((void *)m->addr, m->pages * page_size,
				     MADV_DONTNEED) || errno != EINVAL)
				mismatch(w, "MADV_DONTNEED on pfn: not EINVAL");
			break;
		}
		if (madvise((void *)m->addr, m->pages * page_size,
			    MADV_DONTNEED))
			mismatch(w, "madvise: %s", strerror(errno));
		if (m == &w->private[obj])
			forget_private(w, obj);
		break;
	case OP_TEMP_OBJECT:
		do_temp_object(w);
		break;
	case OP_TRUNCATE:
		do_truncate(w, obj);
		break;
	case OP_PUNCH:
		do_punch(w, obj);
		break;
	case OP_METHOD:
		do_method(w);
		break;
	case OP_SNAPSHOT:
		do_snapshot(w);
		break;
	case OP_SNAPSHOT_USE:
		do_snapshot_use(w);
		break;
	case OP_PIN:
		do_pin(w);
		break;
	case OP_UNPIN:
		do_unpin(w);
		break;
	case OP_POLICY:
		do_policy(w);
		break;
	default:
		break;
	}
	if (locked)
		pthread_rwlock_unlock(&sh->lock[obj]);
}

static int op_total;

static enum op pick_op(struct worker *w)
{
	int i, r = rnd(w, op_total);

	for (i = 0; r >= ops[i].weight; i++)
		r -= ops[i].weight;
	return i;
}

static bool before_deadline(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec != deadline.tv_sec)
		return now.tv_sec < deadline.tv_sec;
	return now.tv_nsec < deadline.tv_nsec;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int obj;

	w->snap_fd = -1;
	w->pin_fd = -1;
	w->snap_model = malloc(OBJ_PAGES * page_size);
	w->pin_model = malloc(OBJ_PAGES * page_size);
	if (!w->snap_model || !w->pin_model)
		ksft_exit_fail_msg("out of memory\n");
	/* Objects cannot be mapped past their end while truncated. */
	for (obj = 0; obj < nr_objects; obj++) {
		pthread_rwlock_rdlock(&sh->lock[obj]);
		map_object(w, &w->shared[obj], obj, MAP_SHARED);
		map_object(w, &w->private[obj], obj, MAP_PRIVATE);
		pthread_rwlock_unlock(&sh->lock[obj]);
	}
	while (before_deadline())
		do_op(w, pick_op(w));
	__atomic_store_n(&sh->stopping, true, __ATOMIC_SEQ_CST);
	do_op(w, OP_METHOD);
	do_op(w, OP_UNPIN);
	drop_snapshot(w);
	for (obj = 0; obj < nr_objects; obj++) {
		unmap_object(&w->shared[obj]);
		unmap_object(&w->private[obj]);
	}
	free(w->snap_model);
	free(w->pin_model);
	return NULL;
}

/* Page @page of object @obj in @data equals the model; says if not. */
static bool page_is_model(int obj, size_t page, const char *data,
			  const char *where)
{
	if (!memcmp(data + page * page_size, model_page(obj, page), page_size))
		return true;
	ksft_print_msg("object %d page %zu: %s differs from the model\n", obj,
		       page, where);
	return false;
}

/* Every byte of every object equals the model, in memory and on disk. */
static bool check_contents(void)
{
	char *disk = malloc(MAX_OBJ_PAGES * page_size);
	bool ok = true;
	int obj;

	if (!disk)
		ksft_exit_fail_msg("out of memory\n");
	for (obj = 0; obj < nr_objects; obj++) {
		size_t pages = sh->pages[obj], page;
		char *p = wpf_map(obj_fd[obj], pages, PROT_READ, MAP_SHARED,
				  0);

		if (p == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		if (fsync(obj_fd[obj]) ||
		    wpf_read_disk(obj_fd[obj], 0, pages, disk) < 0)
			ksft_exit_fail_msg("fsync/disk: %s\n", strerror(errno));
		for (page = 0; page < pages; page++) {
			ok &= page_is_model(obj, page, p, "memory");
			ok &= page_is_model(obj, page, disk, "the disk");
		}
		munmap(p, pages * page_size);
	}
	free(disk);
	return ok;
}

static void report_page(int obj, size_t page, const char *what)
{
	ksft_print_msg("object %d page %zu: %s\n", obj, page, what);
	ksft_print_msg("  tickets: write %llu-%llu, clean %llu-%llu\n",
		       (unsigned long long)sh->write_start[obj][page],
		       (unsigned long long)sh->write_end[obj][page],
		       (unsigned long long)sh->clean_start[obj][page],
		       (unsigned long long)sh->clean_end[obj][page]);
}

/* Cleaned before an unmap that may have reported extra pages ended. */
static bool may_be_absorbed(int obj, size_t page)
{
	return obj == PFN_OBJECT &&
	       sh->clean_start[obj][page] < sh->absorb_end;
}

/*
 * A page is recorded with every page of its unit (its large folio, its
 * huge entry's piece): one of those written after the page's clean
 * started may have recorded it.
 */
static bool unit_written_since(int obj, size_t page)
{
	size_t unit = sh->unit_pages[obj], first = page / unit * unit, q;

	if (unit == 1)
		return false;
	for (q = first; q < first + unit && q < sh->pages[obj]; q++)
		if (sh->write_end[obj][q] > sh->clean_start[obj][page])
			return true;
	return false;
}

/* With everyone stopped: what must be dirty is, what must be clean is. */
static bool check_dirty_state(void)
{
	static uint64_t words[(MAX_OBJ_PAGES + 63) / 64];
	size_t page, absorbed = 0, with_unit = 0;
	bool ok = true, dirty;
	int obj;

	for (obj = 0; obj < nr_objects; obj++) {
		if (wpf_dirty_bitmap(obj_fd[obj], 0, sh->pages[obj], words) < 0)
			ksft_exit_fail_msg("bitmap: %s\n", strerror(errno));
		for (page = 0; page < sh->pages[obj]; page++) {
			dirty = words[page / 64] & (1ULL << (page % 64));
			if (sh->write_start[obj][page] >
			    sh->clean_end[obj][page] && !dirty) {
				report_page(obj, page, "write not in bitmap");
				ok = false;
			}
			if (sh->write_end[obj][page] <
			    sh->clean_start[obj][page] && dirty) {
				if (may_be_absorbed(obj, page)) {
					absorbed++;
					continue;
				}
				if (unit_written_since(obj, page)) {
					with_unit++;
					continue;
				}
				report_page(obj, page, "dirty after a clean");
				ok = false;
			}
		}
	}
	ksft_print_msg("pfn pages reported for an unmap (pagetable): %zu\n",
		       absorbed);
	ksft_print_msg("pages reported with their folio or huge entry: %zu\n",
		       with_unit);
	return ok;
}

/* Whether @seed asks for LARGE_OBJECT to have a minimum order. */
static bool seed_wants_min_order(uint64_t seed)
{
	return seed / 3 % 2;
}

/*
 * Why LARGE_OBJECT has no minimum order where a seed asks for one: the
 * kernel is known to lose bytes when truncation splits such a folio
 * (wpf_min_order_split_unfixed()); NULL if it may have one.
 */
static const char *no_min_order;

/*
 * The flags of shared object @obj: LARGE_OBJECT has large folios where
 * the kernel has them, and a minimum order where the seed asks, as a
 * file system with blocks of 2^LARGE_MIN_ORDER pages; the pfn objects'
 * write insert goes round the three ways with the seed (the mkwrite one
 * where the kernel exports it).
 */
static uint32_t object_flags(int obj, uint64_t seed)
{
	if (obj == LARGE_OBJECT && wpf_large_folio_objects())
		return seed_wants_min_order(seed) && !no_min_order ?
		       WPFAULT_CREATE_MIN_FOLIO_ORDER :
		       WPFAULT_CREATE_LARGE_FOLIOS;
	if (obj == PMD_OBJECT)
		return WPFAULT_CREATE_PMD | object_flags(PFN_OBJECT, seed);
	if (obj != PFN_OBJECT || seed % 3 == 0)
		return 0;
	if (seed % 3 == 1)
		return WPFAULT_CREATE_READONLY_INSERT;
	return wpf_mkwrite_insert_objects() ? WPFAULT_CREATE_MKWRITE_INSERT : 0;
}

/*
 * Why there is no PMD_OBJECT: the kernel has no huge pfn entries, or
 * its PMD is too large for the model; NULL if there is one.
 */
static const char *no_pmd_object;

/* Each object's size in pages; the number of objects. */
static void size_objects(size_t pages[NR_OBJECTS])
{
	size_t piece = wpf_pmd_size() / page_size;
	int obj;

	for (obj = 0; obj < NR_OBJECTS; obj++)
		pages[obj] = OBJ_PAGES;
	pages[PMD_OBJECT] = piece + piece / 2;
	nr_objects = NR_OBJECTS;
	if (!wpf_pmd_objects())
		no_pmd_object = WPF_NO_PMD_OBJECTS;
	else if (pages[PMD_OBJECT] > MAX_OBJ_PAGES)
		no_pmd_object = "a PMD and a half is more than MAX_OBJ_PAGES";
	if (no_pmd_object)
		nr_objects--;
}

/* How long, how many processes and threads, from which seed. */
struct run {
	int seconds, procs, threads;
	uint64_t seed;
};

static void parse_args(int argc, char **argv, struct run *run)
{
	const char *env = getenv("WPFAULT_STRESS_SECONDS");
	int opt;

	if (env && *env)
		run->seconds = atoi(env);
	while ((opt = getopt(argc, argv, "s:t:p:w:")) != -1) {
		switch (opt) {
		case 's':
			run->seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			run->seconds = atoi(optarg);
			break;
		case 'p':
			run->procs = atoi(optarg);
			break;
		case 'w':
			run->threads = atoi(optarg);
			break;
		default:
			fprintf(stderr, usage, argv[0]);
			exit(2);
		}
	}
	if (!run->seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		run->seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec;
	}
}

/*
 * The shared state (locks, counts, the model) in memory every process
 * sees, and the shared objects, of each type; SKIPs without the module.
 */
static void set_up(struct wpf_obj objs[NR_OBJECTS], uint64_t seed)
{
	/* Else a truncation may wait for ever behind the readers. */
	int writer_first = PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP;
	pthread_rwlockattr_t lock_attr;
	size_t pages[NR_OBJECTS], model_pages = 0;
	uint32_t flags, min_order;
	enum wpfault_type type;
	int obj, err;

	if (seed_wants_min_order(seed) && wpf_large_folio_objects())
		no_min_order = wpf_min_order_split_unfixed();
	size_objects(pages);
	for (obj = 0; obj < nr_objects; obj++)
		model_pages += pages[obj];
	sh = mmap(NULL, sizeof(*sh) + model_pages * page_size,
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	model = (unsigned char *)(sh + 1);
	for (obj = 0, model_pages = 0; obj < nr_objects; obj++) {
		sh->pages[obj] = pages[obj];
		sh->model_first[obj] = model_pages;
		sh->unit_pages[obj] = 1;
		model_pages += pages[obj];
	}
	if (pthread_rwlockattr_init(&lock_attr) ||
	    pthread_rwlockattr_setpshared(&lock_attr, PTHREAD_PROCESS_SHARED) ||
	    pthread_rwlockattr_setkind_np(&lock_attr, writer_first))
		ksft_exit_fail_msg("rwlock attributes failed\n");
	for (obj = 0; obj < nr_objects; obj++) {
		if (pthread_rwlock_init(&sh->lock[obj], &lock_attr))
			ksft_exit_fail_msg("rwlock init failed\n");
		type = pfnmap(obj) ? WPFAULT_TYPE_PFN :
		       obj == COW_OBJECT ? WPFAULT_TYPE_COW :
		       WPFAULT_TYPE_PAGECACHE;
		flags = object_flags(obj, seed);
		min_order = flags & WPFAULT_CREATE_MIN_FOLIO_ORDER ?
			    LARGE_MIN_ORDER : 0;
		err = wpf_create_flags_order(&objs[obj], pages[obj] * page_size,
					     type, flags, min_order);

		if (err == -ENOENT)
			ksft_exit_skip("%s missing: wpfault.ko is not loaded\n",
				       WPFAULT_DEVICE);
		if (err)
			ksft_exit_fail_msg("create: %s\n", strerror(-err));
		obj_fd[obj] = objs[obj].fd;
	}
	dev_fd = objs[0].dev;
	err = wpf_object_u8(&objs[LARGE_OBJECT], "folio_order");
	if (err < 0)
		ksft_exit_fail_msg("no debugfs folio_order of the object\n");
	sh->unit_pages[LARGE_OBJECT] = 1UL << err;
	if (!no_pmd_object)
		sh->unit_pages[PMD_OBJECT] = wpf_pmd_size() / page_size;
	err = wpf_set_method(obj_fd[PFN_OBJECT], WPFAULT_METHOD_PAGETABLE);
	sh->no_helpers = err == -EOPNOTSUPP;
	if (wpf_set_method(obj_fd[PFN_OBJECT], WPFAULT_METHOD_MKWRITE) < 0)
		ksft_exit_fail_msg("set method: %s\n", strerror(errno));
}

/* What the PMD object's faults made: the run's reach, not a verdict. */
static void print_pmd_counters(const struct wpf_obj *obj)
{
	static const int stats[] = {
		WPFAULT_STAT_PMD_MAPS, WPFAULT_STAT_PMD_UPGRADES,
		WPFAULT_STAT_PMD_FALLBACKS,
	};
	uint64_t v[WPFAULT_STAT_NR];
	size_t i;

	if (wpf_stats(obj->fd, v))
		ksft_exit_fail_msg("stats: %s\n", strerror(errno));
	for (i = 0; i < ARRAY_SIZE(stats); i++)
		ksft_print_msg("PMD object %s %llu\n",
			       wpf_stat_name(stats[i]),
			       (unsigned long long)v[stats[i]]);
}

/* run->procs processes of run->threads workers, until the deadline. */
static void run_workers(const struct run *run)
{
	int p, t;

	for (p = 0; p < run->procs; p++) {
		if (fork() == 0) {
			pthread_t tids[MAX_WORKERS];
			struct worker *ws = calloc(run->threads, sizeof(*ws));

			for (t = 0; t < run->threads; t++) {
				ws[t].id = p * run->threads + t;
				ws[t].rng = run->seed + ws[t].id;
				pthread_create(&tids[t], NULL, worker_main,
					       &ws[t]);
			}
			for (t = 0; t < run->threads; t++)
				pthread_join(tids[t], NULL);
			_exit(0);
		}
	}
	for (p = 0; p < run->procs; p++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			ksft_exit_fail_msg("a worker died (status %#x)\n",
					   status);
	}
}

int main(int argc, char **argv)
{
	struct run run = { .seconds = 10, .procs = 2, .threads = 2 };
	struct wpf_obj objs[NR_OBJECTS];
	bool contents_ok, dirty_ok;
	int obj, i;

	parse_args(argc, argv, &run);
	ksft_print_header();
	if (run.procs < 1 || run.threads < 1 ||
	    run.procs * run.threads > MAX_WORKERS)
		ksft_exit_fail_msg("1 to %d workers, not %d\n", MAX_WORKERS,
				   run.procs * run.threads);
	set_up(objs, run.seed);
	ksft_set_plan(3);
	ksft_print_msg("seed %llu, %d s, %d processes x %d threads\n",
		       (unsigned long long)run.seed, run.seconds, run.procs,
		       run.threads);
	/* vm-run.sh reads the page size and the dirty bits from these. */
	ksft_print_msg("page size %zu bytes\n", page_size);
	ksft_print_msg("dirty bits set by %s\n",
		       wpf_hw_dirty_bits() ? "hardware" : "a fault");
	ksft_print_msg("large folios of up to %zu pages\n",
		       sh->unit_pages[LARGE_OBJECT]);
	if (object_flags(LARGE_OBJECT, run.seed) &
	    WPFAULT_CREATE_MIN_FOLIO_ORDER)
		ksft_print_msg("and of at least %u pages\n",
			       1U << LARGE_MIN_ORDER);
	else if (no_min_order)
		ksft_print_msg("no minimum folio order: %s\n", no_min_order);
	ksft_print_msg("pfn object flags %#x\n",
		       object_flags(PFN_OBJECT, run.seed));
	if (no_pmd_object)
		ksft_print_msg("no PMD object: %s\n", no_pmd_object);
	else
		ksft_print_msg("PMD object: %zu pages, pieces of %zu\n",
			       sh->pages[PMD_OBJECT],
			       sh->unit_pages[PMD_OBJECT]);
	ksft_print_msg("rerun: %s -s %llu -t %d -p %d -w %d\n", argv[0],
		       (unsigned long long)run.seed, run.seconds, run.procs,
		       run.threads);
	for (i = 0; i < NR_OPS; i++)
		op_total += ops[i].weight;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += run.seconds;
	run_workers(&run);

	for (i = 0; i < NR_OPS; i++)
		ksft_print_msg("%-14s %llu\n", ops[i].name,
			       (unsigned long long)sh->ops[i]);
	ksft_print_msg("bitmap checks skipped for a concurrent clean: %llu\n",
		       (unsigned long long)sh->skipped_checks);
	ksft_print_msg("mismatches during the run: %llu\n",
		       (unsigned long long)sh->mismatches);
	ksft_test_result(sh->mismatches == 0, "no mismatch during the run\n");
	contents_ok = check_contents();
	ksft_test_result(contents_ok,
			 "every byte equals the model, in memory and on disk\n");
	dirty_ok = check_dirty_state();
	ksft_test_result(dirty_ok, "dirty bitmaps agree with the writes\n");
	if (!no_pmd_object)
		print_pmd_counters(&objs[PMD_OBJECT]);
	for (obj = 0; obj < nr_objects; obj++)
		wpf_destroy(&objs[obj]);
	ksft_finished();
}
