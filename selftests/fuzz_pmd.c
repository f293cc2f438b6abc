// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer of huge pfn entries: a pfn object made with
 * WPFAULT_CREATE_PMD, of a size that is seldom a multiple of the PMD,
 * mapped whole, in part, at PMD-aligned addresses and at addresses a few
 * pages off; touched, cleaned, truncated and punched at random.  A model
 * of its blocks, of its written set and of what each pmd of the mapping
 * holds predicts, for every access, which of ->huge_fault's outcomes the
 * counters show (pmd_maps, pmd_upgrades, pmd_fallbacks: the table of
 * "PMD entries" in docs/design.md), how many blocks it allocates and
 * which pages it records; every byte read is checked, and the disk, the
 * dirty bitmap and the block count after every call.
 *
 * A pmd the mapping covers whole, at an address whose object page starts
 * a piece, is the mapping's alone, and the model knows it exactly.  Any
 * other pmd (the mapping is misaligned, or ends inside it) may hold a
 * page table of a neighbouring mapping: its first access may or may not
 * reach ->huge_fault, which must answer VM_FAULT_FALLBACK; a huge entry
 * there is a mismatch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

/* What the pmd of a PMD-sized, aligned stretch of the mapping holds. */
enum pmd_state {
	PMD_NONE,	/* nothing: the next access asks ->huge_fault */
	PMD_RO,		/* a read-only huge entry */
	PMD_RW,		/* a writable huge entry */
	PMD_SMALL,	/* a page table: never a huge entry again */
	PMD_UNKNOWN,	/* not the mapping's alone: none or a page table */
};

static const char *const pmd_state_names[] = {
	[PMD_NONE] = "none", [PMD_RO] = "read-only huge",
	[PMD_RW] = "writable huge", [PMD_SMALL] = "page table",
	[PMD_UNKNOWN] = "not the mapping's alone",
};

struct fuzz_pmd {
	struct wpf_obj obj;
	size_t piece;		/* pages of a PMD */
	size_t max_pages;	/* the most the object may hold */
	__u64 size;
	unsigned char *data;	/* what each byte must hold */
	bool *present;		/* a block holds the page */
	bool *recorded;		/* the written set has the page */
	bool *run;		/* per piece: its blocks are one new run */
	/* The mapping: object pages first.., at addr. */
	char *addr;
	size_t first, pages;
	char *base;		/* addr rounded down to the PMD */
	enum pmd_state *pmd;	/* per PMD from base */
	size_t nr_pmds;
	__u64 runs_refused;	/* a write to a piece of holes fell back */
	bool broken;		/* after a mismatch: made again */
};

/* Each call's share of the PMD fuzzer's work. */
enum { PMD_TOUCH, PMD_REMAP, PMD_CLEAN, PMD_TRUNCATE, PMD_PUNCH, NR_PMD_OPS };
static const unsigned int pmd_op_weights[NR_PMD_OPS] = { 12, 4, 3, 2, 2 };

static size_t pmd_obj_pages(const struct fuzz_pmd *m)
{
	return (m->size + page_size - 1) / page_size;
}

static void pmd_unmap(struct fuzz_pmd *m)
{
	if (m->addr)
		munmap(m->addr, m->pages * page_size);
	m->addr = NULL;
	m->pages = 0;
	m->nr_pmds = 0;
}

/* The piece PMD @i of the mapping maps, or -1 if it is not the mapping's. */
static long pmd_piece(const struct fuzz_pmd *m, size_t i)
{
	const size_t pmd_size = m->piece * page_size;
	char *start = m->base + i * pmd_size;
	size_t page;

	if (start < m->addr ||
	    start + pmd_size > m->addr + m->pages * page_size)
		return -1;
	page = m->first + (start - m->addr) / page_size;
	return page % m->piece ? -1 : (long)(page / m->piece);
}

/*
 * A new mapping of the object: whole (the kernel aligns it), of random
 * pages at a PMD-aligned address, or a few pages off one.
 */
static int pmd_remap(struct fuzz *f, struct fuzz_pmd *m)
{
	const size_t pmd_size = m->piece * page_size;
	size_t shift = 0, len, i;
	char *area, *at, *p;
	int how = rnd(f, 3), err;

	pmd_unmap(m);
	m->first = how == 0 ? 0 : rnd(f, m->max_pages);
	if (how == 1 && rnd(f, 2))
		m->first -= m->first % m->piece;
	m->pages = how == 0 ? m->max_pages :
		   1 + rnd(f, m->max_pages - m->first);
	if (how == 2)
		shift = 1 + rnd(f, m->piece - 1);
	describe(f, "PMD object: mmap");
	field(f, "first", m->first);
	field(f, "pages", m->pages);
	field(f, "shift", shift);
	len = m->pages * page_size;
	if (how == 0) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 m->obj.fd, 0);
		err = errno;
	} else {
		area = mmap(NULL, len + 2 * pmd_size, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (area == MAP_FAILED)
			ksft_exit_fail_perror("mmap reserve");
		at = (char *)(((uintptr_t)area + pmd_size - 1) &
			      ~(uintptr_t)(pmd_size - 1)) + shift * page_size;
		p = mmap(at, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, m->obj.fd,
			 m->first * page_size);
		err = errno;
		/* The reserve around the mapping, or all of it if it failed. */
		if (p == MAP_FAILED) {
			munmap(area, len + 2 * pmd_size);
		} else {
			if (at > area)
				munmap(area, at - area);
			munmap(at + len, area + 2 * pmd_size - at);
		}
	}
	if (p == MAP_FAILED) {
		mismatch(f, "mmap: %s", strerror(err));
		m->pages = 0;
		return err;
	}
	m->addr = p;
	m->base = (char *)((uintptr_t)p & ~(uintptr_t)(pmd_size - 1));
	m->nr_pmds = (p + len - m->base + pmd_size - 1) / pmd_size;
	for (i = 0; i < m->nr_pmds; i++)
		m->pmd[i] = pmd_piece(m, i) < 0 ? PMD_UNKNOWN : PMD_NONE;
	return 0;
}

static void pmd_destroy(struct fuzz_pmd *m)
{
	pmd_unmap(m);
	wpf_destroy(&m->obj);
}

/* A new object of a random size, nothing written, mapped whole. */
static void pmd_make(struct fuzz *f, struct fuzz_pmd *m)
{
	int err;

	m->size = rnd(f, 3) ? 1 + rnd(f, m->max_pages * page_size) :
		  (1 + rnd(f, m->max_pages / m->piece)) * m->piece * page_size;
	err = wpf_create_flags(&m->obj, m->size, WPFAULT_TYPE_PFN,
			       WPFAULT_CREATE_PMD);
	if (err)
		ksft_exit_fail_msg("create PMD object: %s\n", strerror(-err));
	memset(m->data, 0, m->max_pages * page_size);
	memset(m->present, 0, m->max_pages * sizeof(*m->present));
	memset(m->recorded, 0, m->max_pages * sizeof(*m->recorded));
	memset(m->run, 0, (m->max_pages / m->piece + 1) * sizeof(*m->run));
	m->broken = false;
	f->last_id = m->obj.id;
	f->alive = module_alive(f);
	if (pmd_remap(f, m))
		m->broken = true;
}

void fuzz_pmd_start(struct fuzz *f)
{
	struct fuzz_pmd *m;

	f->pmd = NULL;
	if (!f->pmd_objects)
		return;
	m = calloc(1, sizeof(*m));
	if (!m)
		ksft_exit_fail_msg("out of memory\n");
	m->obj = (struct wpf_obj)WPF_OBJ_INIT;
	m->piece = wpf_pmd_size() / page_size;
	m->max_pages = m->piece + m->piece / 2;
	m->data = malloc(m->max_pages * page_size);
	m->present = malloc(m->max_pages * sizeof(*m->present));
	m->recorded = malloc(m->max_pages * sizeof(*m->recorded));
	m->run = malloc((m->max_pages / m->piece + 1) * sizeof(*m->run));
	/* A mapping of max_pages spans at most two PMDs more. */
	m->pmd = malloc((m->max_pages / m->piece + 3) * sizeof(*m->pmd));
	if (!m->data || !m->present || !m->recorded || !m->run || !m->pmd)
		ksft_exit_fail_msg("out of memory\n");
	f->pmd = m;
	pmd_make(f, m);
}

/* Whether piece @k is one run of blocks, every one present. */
static bool piece_is_run(const struct fuzz_pmd *m, size_t k)
{
	size_t i;

	if (!m->run[k])
		return false;
	for (i = k * m->piece; i < (k + 1) * m->piece; i++)
		if (!m->present[i])
			return false;
	return true;
}

static bool piece_is_holes(const struct fuzz_pmd *m, size_t k)
{
	size_t i;

	for (i = k * m->piece; i < (k + 1) * m->piece; i++)
		if (m->present[i])
			return false;
	return true;
}

/* The counters one access may move. */
struct pmd_counts {
	__u64 maps, upgrades, fallbacks, allocated;
};

static void pmd_counts(const struct fuzz_pmd *m, struct pmd_counts *c)
{
	uint64_t v[WPFAULT_STAT_NR];

	if (wpf_stats(m->obj.fd, v))
		ksft_exit_fail_perror("stats");
	c->maps = v[WPFAULT_STAT_PMD_MAPS];
	c->upgrades = v[WPFAULT_STAT_PMD_UPGRADES];
	c->fallbacks = v[WPFAULT_STAT_PMD_FALLBACKS];
	c->allocated = v[WPFAULT_STAT_BLOCKS_ALLOCATED];
}

static const char *counts_str(const struct pmd_counts *c, char *buf,
			      size_t len)
{
	snprintf(buf, len, "%llu/%llu/%llu/%llu", c->maps, c->upgrades,
		 c->fallbacks, c->allocated);
	return buf;
}

/*
 * What ->huge_fault answers an access to pmd @i of the mapping, as
 * counters, and what the pmd holds after it; the caller adds what the
 * small fault of a fallback does.  @fell_back says it fell back.
 */
static void pmd_predict(struct fuzz_pmd *m, size_t i, bool write,
			struct pmd_counts *want, bool *fell_back)
{
	long k = pmd_piece(m, i);
	bool in_eof = k >= 0 && (k + 1) * m->piece <= pmd_obj_pages(m);

	memset(want, 0, sizeof(*want));
	*fell_back = false;
	switch (m->pmd[i]) {
	case PMD_RW:
		return;
	case PMD_RO:
		/* Only a run gets a huge entry, and it stays one. */
		if (write) {
			want->upgrades = 1;
			m->pmd[i] = PMD_RW;
		}
		return;
	case PMD_SMALL:
	case PMD_UNKNOWN:
		*fell_back = true;
		return;
	case PMD_NONE:
		break;
	}
	if (in_eof && piece_is_run(m, k)) {
		want->maps = 1;
		m->pmd[i] = write ? PMD_RW : PMD_RO;
	} else if (in_eof && write && piece_is_holes(m, k)) {
		want->maps = 1;
		want->allocated = m->piece;
		m->run[k] = true;
		memset(m->present + k * m->piece, 1, m->piece);
		m->pmd[i] = PMD_RW;
	} else {
		want->fallbacks = 1;
		*fell_back = true;
		m->pmd[i] = PMD_SMALL;
	}
}

/* One access of a byte of the mapping within end of file, a write 2 in 3. */
static int pmd_touch(struct fuzz *f, struct fuzz_pmd *m)
{
	size_t eof_pages = pmd_obj_pages(m), off, page, i, k;
	struct pmd_counts before, after, want;
	bool write = rnd(f, 3), fell_back, was_unknown;
	unsigned char v = 1 + rnd(f, 255);
	char got_str[96], want_str[96];
	unsigned char got;
	char *p;

	if (!m->addr || m->first >= eof_pages)
		return 0;
	off = rnd(f, (min_u64(m->first + m->pages, eof_pages) - m->first) *
		  page_size);
	if (m->first * page_size + off >= m->size)
		off = m->size - 1 - m->first * page_size;
	p = m->addr + off;
	page = m->first + off / page_size;
	i = (p - m->base) / (m->piece * page_size);
	describe(f, "PMD object: %s, pmd %s:", write ? "write" : "read",
		 pmd_state_names[m->pmd[i]]);
	field(f, "page", page);
	field(f, "offset in mapping", off);
	was_unknown = m->pmd[i] == PMD_UNKNOWN;
	k = pmd_piece(m, i) < 0 ? 0 : pmd_piece(m, i);
	if (m->pmd[i] == PMD_RO && write && !piece_is_run(m, k))
		mismatch(f, "model: a read-only huge entry on no run");
	pmd_predict(m, i, write, &want, &fell_back);
	/* The small fault's share: a block for a write to a hole. */
	if (fell_back && write && !m->present[page]) {
		want.allocated++;
		m->present[page] = true;
	}

	pmd_counts(m, &before);
	if (write) {
		p[0] = v;
	} else {
		got = *(volatile unsigned char *)p;
		if (got != m->data[page * page_size + off % page_size])
			mismatch(f, "read %u, model %u", got,
				 m->data[page * page_size + off % page_size]);
	}
	pmd_counts(m, &after);
	after.maps -= before.maps;
	after.upgrades -= before.upgrades;
	after.fallbacks -= before.fallbacks;
	after.allocated -= before.allocated;

	/* A pmd that may hold a neighbour's page table: 0 or 1 fallback. */
	if (was_unknown && after.fallbacks <= 1)
		want.fallbacks = after.fallbacks;
	if (was_unknown)
		m->pmd[i] = PMD_SMALL;
	/* A run the allocator could not give: the small fault's block. */
	if (want.maps && want.allocated == m->piece && !after.maps &&
	    after.fallbacks == 1 && after.allocated == 1) {
		m->runs_refused++;
		m->run[k] = false;
		memset(m->present + k * m->piece, 0, m->piece);
		m->present[page] = true;
		m->pmd[i] = PMD_SMALL;
		want = after;
	}
	if (memcmp(&after, &want, sizeof(want)))
		mismatch(f, "maps/upgrades/fallbacks/blocks %s, model %s",
			 counts_str(&after, got_str, sizeof(got_str)),
			 counts_str(&want, want_str, sizeof(want_str)));
	if (write) {
		m->data[page * page_size + off % page_size] = v;
		m->recorded[page] = true;
		/* A writable huge entry recorded its whole piece. */
		if (m->pmd[i] == PMD_RW)
			memset(m->recorded + k * m->piece, 1, m->piece);
	}
	return 0;
}

/* A clean removes each huge entry over a page it cleans. */
static int pmd_clean(struct fuzz *f, struct fuzz_pmd *m)
{
	size_t eof_pages = pmd_obj_pages(m), first, nr, i, q, want = 0;
	int64_t got;
	long k;

	if (!eof_pages)
		return 0;
	first = rnd(f, eof_pages);
	nr = 1 + rnd(f, eof_pages - first);
	describe(f, "PMD object: clean");
	field(f, "first", first);
	field(f, "nr", nr);
	for (i = 0; i < m->nr_pmds; i++) {
		k = pmd_piece(m, i);
		if (k < 0 || (m->pmd[i] != PMD_RO && m->pmd[i] != PMD_RW))
			continue;
		for (q = k * m->piece; q < (k + 1) * m->piece; q++)
			if (q >= first && q < first + nr && m->recorded[q])
				m->pmd[i] = PMD_NONE;
	}
	for (q = first; q < first + nr; q++) {
		want += m->recorded[q];
		m->recorded[q] = false;
	}
	got = wpf_clean(m->obj.fd, first, nr);
	if (got < 0)
		return -got;
	if ((size_t)got != want)
		mismatch(f, "cleaned %lld pages, model %zu", (long long)got,
			 want);
	return 0;
}

/*
 * Pages [@first, @end) lose their blocks and their entries (huge ones
 * whole), pieces with any of them their runs; bytes [@from, @to) read
 * zero.  A truncation forgets the written set's records too.
 */
static void pmd_zero(struct fuzz_pmd *m, size_t first, size_t end,
		     __u64 from, __u64 to, bool forget)
{
	size_t i, q;
	long k;

	for (i = 0; i < m->nr_pmds; i++) {
		k = pmd_piece(m, i);
		if (k >= 0 && first < end && first < (k + 1) * m->piece &&
		    end > k * m->piece && m->pmd[i] != PMD_SMALL)
			m->pmd[i] = PMD_NONE;
	}
	for (q = first; q < end; q++) {
		m->present[q] = false;
		m->run[q / m->piece] = false;
		if (forget)
			m->recorded[q] = false;
	}
	memset(m->data + from, 0, to - from);
}

/* Down (or up) to a random size: a piece multiple half the time. */
static int pmd_truncate(struct fuzz *f, struct fuzz_pmd *m)
{
	const __u64 room = m->max_pages * page_size;
	__u64 size = rnd(f, 2) ? rnd(f, room + 1) :
		     rnd(f, m->max_pages / m->piece + 1) * m->piece * page_size;
	size_t old_pages = pmd_obj_pages(m);

	describe(f, "PMD object: ftruncate");
	field(f, "size", size);
	if (ftruncate(m->obj.fd, size))
		return errno;
	if (size < m->size)
		pmd_zero(m, (size + page_size - 1) / page_size, old_pages,
			 size, m->size, true);
	m->size = size;
	return 0;
}

/* A hole within end of file: whole pages lose their blocks. */
static int pmd_punch(struct fuzz *f, struct fuzz_pmd *m)
{
	__u64 start, len;

	if (!m->size)
		return 0;
	if (rnd(f, 3)) {
		start = rnd(f, m->size);
		len = 1 + rnd(f, m->size - start);
	} else {
		start = rnd(f, pmd_obj_pages(m) / m->piece + 1) * m->piece *
			page_size;
		len = m->piece * page_size;
		if (start >= m->size)
			return 0;
	}
	describe(f, "PMD object: punch");
	field(f, "start", start);
	field(f, "len", len);
	if (fallocate(m->obj.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      start, len))
		return errno;
	len = min_u64(len, m->size - start);
	pmd_zero(m, (start + page_size - 1) / page_size,
		 (start + len) / page_size, start, start + len, false);
	return 0;
}

/*
 * The written set and the block count against the model, and the disk:
 * all of it if @whole, else one random page (a whole disk, 48 MiB with
 * 16 KiB pages, is too much to read after every call).
 */
static void pmd_check(struct fuzz *f, struct fuzz_pmd *m, bool whole)
{
	size_t pages = pmd_obj_pages(m), q, blocks = 0, words, first, nr;
	uint64_t *bits;
	char *disk;
	int64_t err;

	for (q = 0; q < m->max_pages; q++)
		blocks += m->present[q];
	if (stat_of(m->obj.fd, WPFAULT_STAT_DISK_BLOCKS) != blocks)
		mismatch(f, "%llu blocks, model %zu",
			 stat_of(m->obj.fd, WPFAULT_STAT_DISK_BLOCKS), blocks);
	if (!pages)
		return;
	words = (pages + 63) / 64;
	first = whole ? 0 : rnd(f, pages);
	nr = whole ? pages : 1;
	bits = calloc(words, sizeof(*bits));
	disk = malloc(nr * page_size);
	if (!bits || !disk)
		ksft_exit_fail_msg("out of memory\n");
	err = wpf_dirty_bitmap(m->obj.fd, 0, pages, bits);
	if (err < 0)
		mismatch(f, "dirty bitmap: %s", strerror(-err));
	for (q = 0; err >= 0 && q < pages; q++)
		if (!(bits[q / 64] >> (q % 64) & 1) != !m->recorded[q]) {
			mismatch(f, "page %zu is %s, model %s", q,
				 m->recorded[q] ? "clean" : "dirty",
				 m->recorded[q] ? "dirty" : "clean");
			break;
		}
	err = wpf_read_disk(m->obj.fd, first, nr, disk);
	if (err < 0)
		mismatch(f, "read disk: %s", strerror(-err));
	else if (memcmp(disk, m->data + first * page_size,
			min_u64(nr * page_size, m->size - first * page_size)))
		mismatch(f, "the disk differs from the model in pages %zu-%zu",
			 first, first + nr - 1);
	free(bits);
	free(disk);
}

int fuzz_pmd(struct fuzz *f)
{
	struct fuzz_pmd *m = f->pmd;
	unsigned int total = 0, r, op;
	__u64 mismatches = f->mismatches;
	int err;

	if (m->broken) {
		pmd_destroy(m);
		pmd_make(f, m);
	}
	for (op = 0; op < NR_PMD_OPS; op++)
		total += pmd_op_weights[op];
	r = rnd(f, total);
	for (op = 0; r >= pmd_op_weights[op]; op++)
		r -= pmd_op_weights[op];
	switch (op) {
	case PMD_TOUCH:
		err = pmd_touch(f, m);
		break;
	case PMD_REMAP:
		err = pmd_remap(f, m);
		break;
	case PMD_CLEAN:
		err = pmd_clean(f, m);
		break;
	case PMD_TRUNCATE:
		err = pmd_truncate(f, m);
		break;
	default:
		err = pmd_punch(f, m);
		break;
	}
	if (err)
		mismatch(f, "failed: %s", strerror(err));
	pmd_check(f, m, false);
	/* The object's model is lost: the next call starts a new one. */
	if (f->mismatches != mismatches)
		m->broken = true;
	return err;
}

void fuzz_pmd_end(struct fuzz *f)
{
	struct fuzz_pmd *m = f->pmd;
	struct pmd_counts c;

	if (!m) {
		ksft_print_msg("  no PMD object: %s\n", WPF_NO_PMD_OBJECTS);
		return;
	}
	describe(f, "PMD object at the end");
	pmd_check(f, m, true);
	pmd_counts(m, &c);
	ksft_print_msg("  PMD object: maps %llu upgrades %llu fallbacks %llu\n",
		       c.maps, c.upgrades, c.fallbacks);
	ksft_print_msg("  PMD runs the allocator refused: %llu\n",
		       m->runs_refused);
	pmd_destroy(m);
	free(m->data);
	free(m->present);
	free(m->recorded);
	free(m->run);
	free(m->pmd);
	free(m);
	f->pmd = NULL;
}
