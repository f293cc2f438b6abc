// SPDX-License-Identifier: GPL-2.0
/*
 * The written set: which pages were written since the last clean, for
 * WPFAULT_IOC_DIRTY_BITMAP, CLEAN and COLLECT, on every object type.
 *
 * This is not the folio's dirty flag.  That one is the kernel's ("the disk
 * lacks this data"): writeback clears it, and reclaim may then drop the
 * page.  The written set is what a user of the dirty bitmap asks for, so
 * it lives outside the page cache, in an xarray indexed by page, and only
 * CLEAN and COLLECT clear it.  Every write sets it: on a page-cache
 * object, a write through a mapping passes through ->page_mkwrite (the
 * ptes of a page whose entry is clear are read-only), a write(2) through
 * ->write_end.  Both set it with the folio locked, before the data can
 * change, and a clean write-protects a page under the same lock, so no
 * write slips between the two.  pfn and copy-on-write objects order the
 * same way with their disk_lock and block page locks (pfn.c, cow.c).
 *
 * The kernel also writes through pages that GUP got earlier, without a
 * fault.  A clean leaves a pinned page recorded
 * (wpf_written_clean_unless_pinned()), and the kernel's own dirtying of a
 * folio it got without a pin records the page again (->dirty_folio,
 * wpf_written_dirtied()).  A cleaned page keeps its slot, as a
 * reservation, so that the latter needs no allocation.
 *
 * Which call records a write:
 *   wpf_written_reserve() + _commit()  under a folio lock, where failing
 *                          is not allowed: ->page_mkwrite (unless
 *                          wpf_written_has_folio()), ->write_end
 *   wpf_written_set()      under disk_lock, where failing is allowed:
 *                          pfn and copy-on-write faults, direct I/O
 *   wpf_written_add()      a write that must not be lost to a failed
 *                          allocation: a harvested dirty bit
 *   wpf_written_dirtied()  the kernel dirtied a folio it wrote through
 *   wpf_written_keep()     a write already counted, given back
 * All but the last count pages_dirtied when the page was not recorded.
 */
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "trace.h"
#include "wpfault.h"

#define WPF_WRITTEN	xa_mk_value(1)
/* On a pfn object's entry: see wpf_written_mark_upgrade(). */
#define WPF_CORE_UPGRADE	XA_MARK_0

/*
 * Whether every page of @folio within end of file is recorded, so that a
 * write to it has nothing to record.  Before 6.18 each page of a large
 * folio takes its own ->page_mkwrite, and reserving and committing the
 * whole folio each time costs two xarray updates for each of its pages;
 * this is one lockless walk.  Under the folio lock, which a clean holds
 * while it clears a record.
 */
bool wpf_written_has_folio(struct wpf_object *obj, struct folio *folio)
{
	pgoff_t end = min_t(pgoff_t, folio->index + folio_nr_pages(folio),
			    wpf_object_pages(obj->inode));
	XA_STATE(xas, &obj->written, folio->index);
	pgoff_t recorded = 0;
	void *entry;

	if (end <= folio->index)
		return false;
	rcu_read_lock();
	xas_for_each(&xas, entry, end - 1) {
		if (xas_retry(&xas, entry))
			continue;
		if (entry != WPF_WRITTEN)
			break;
		recorded++;
	}
	rcu_read_unlock();
	return recorded == end - folio->index;
}

/*
 * Makes room for the entries of @folio's pages, so that
 * wpf_written_commit() cannot fail; -ENOMEM, with none made, on failure.
 */
int wpf_written_reserve(struct wpf_object *obj, struct folio *folio,
			gfp_t gfp)
{
	long i, nr = folio_nr_pages(folio);
	int err;

	for (i = 0; i < nr; i++) {
		err = xa_reserve(&obj->written, folio->index + i, gfp);
		if (err) {
			while (i--)
				xa_release(&obj->written, folio->index + i);
			return err;
		}
	}
	return 0;
}

/*
 * Records a write to @folio, as one to each of its pages within end of
 * file: the kernel's dirty state is the folio's, and a fault may map all
 * of it writable.  Gives back the other reservations, and all of them
 * with !@written.
 */
void wpf_written_commit(struct wpf_object *obj, struct folio *folio,
			bool written)
{
	pgoff_t pages = wpf_object_pages(obj->inode);
	long i, nr = folio_nr_pages(folio);
	pgoff_t index;

	for (i = 0; i < nr; i++) {
		index = folio->index + i;
		if (!written || index >= pages) {
			xa_release(&obj->written, index);
			continue;
		}
		/*
		 * Storing over a reservation allocates nothing: gfp is moot.
		 * The old entry reads as the reservation or, since 6.4, as
		 * NULL.  Only a clean that found no folio can have removed
		 * the reservation, and it then write-protects the page and
		 * restores the entry itself.
		 */
		if (!xa_is_value(xa_cmpxchg(&obj->written, index,
					    XA_ZERO_ENTRY, WPF_WRITTEN,
					    GFP_NOWAIT)))
			wpf_count(obj, WPFAULT_STAT_PAGES_DIRTIED, 1);
	}
}

/*
 * Records a write to page @index, where no folio lock orders it (pfn
 * objects: their disk_lock does).  -ENOMEM if the entry cannot be stored.
 */
int wpf_written_set(struct wpf_object *obj, pgoff_t index)
{
	void *old = xa_store(&obj->written, index, WPF_WRITTEN, GFP_KERNEL);

	if (xa_is_err(old))
		return xa_err(old);
	if (!old)
		wpf_count(obj, WPFAULT_STAT_PAGES_DIRTIED, 1);
	return 0;
}

/* Records a write that must not be lost to a failed allocation. */
void wpf_written_add(struct wpf_object *obj, pgoff_t index)
{
	if (!xa_store(&obj->written, index, WPF_WRITTEN,
		      GFP_KERNEL | __GFP_NOFAIL))
		wpf_count(obj, WPFAULT_STAT_PAGES_DIRTIED, 1);
}

/*
 * Records page @index again, as a write already counted: a clean that
 * cleared it lost a race it must not win (pagecache.c), or the bitmap it
 * was collected into could not be stored.  Never fails.
 */
void wpf_written_keep(struct wpf_object *obj, pgoff_t index)
{
	xa_store(&obj->written, index, WPF_WRITTEN, GFP_KERNEL | __GFP_NOFAIL);
}

/*
 * Clears page @index in the written set; true if it was set.  The entry's slot
 * stays, as a reservation, so that wpf_written_dirtied() can set it again
 * without allocating.  Truncation frees it.
 */
bool wpf_written_clear(struct wpf_object *obj, pgoff_t index)
{
	/* Replacing an entry allocates nothing. */
	return xa_is_value(xa_cmpxchg(&obj->written, index, WPF_WRITTEN,
				      XA_ZERO_ENTRY, GFP_NOWAIT));
}

/*
 * Marks page @index of a pfn object, just recorded by wpf_written_set():
 * ->pfn_mkwrite left its pte's upgrade to the core, which may still be
 * on its way (pfn.c).  The mark stays until a clean of the page takes it,
 * with wpf_written_clear_upgrade(); both under disk_lock.
 */
void wpf_written_mark_upgrade(struct wpf_object *obj, pgoff_t index)
{
	xa_set_mark(&obj->written, index, WPF_CORE_UPGRADE);
}

/*
 * The first marked page at or after *@index, up to @last, in *@index;
 * false if none.  A page cleaned since it was marked counts: xa_find()
 * would skip its entry, a reservation.
 */
bool wpf_written_find_upgrade(struct wpf_object *obj, unsigned long *index,
			      pgoff_t last)
{
	XA_STATE(xas, &obj->written, *index);
	void *entry;

	rcu_read_lock();
	do {
		entry = xas_find_marked(&xas, last, WPF_CORE_UPGRADE);
		if (xa_is_retry(entry))
			xas_reset(&xas);
	} while (xa_is_retry(entry));
	rcu_read_unlock();
	if (!entry)
		return false;
	*index = xas.xa_index;
	return true;
}

/* Clears the mark of page @index; true if it was set. */
bool wpf_written_clear_upgrade(struct wpf_object *obj, pgoff_t index)
{
	XA_STATE(xas, &obj->written, index);
	bool marked;

	/* The root says whether any entry is: a harvest asks for each page. */
	if (!xa_marked(&obj->written, WPF_CORE_UPGRADE))
		return false;
	xas_lock(&xas);
	xas_load(&xas);
	marked = xas_get_mark(&xas, WPF_CORE_UPGRADE);
	if (marked)
		xas_clear_mark(&xas, WPF_CORE_UPGRADE);
	xas_unlock(&xas);
	return marked;
}

/*
 * Records a write the kernel reports by dirtying the folio of page @index
 * of a page-cache object (->dirty_folio): a write through a page that GUP
 * got for writing (process_vm_writev(), /proc/pid/mem, a pin), which
 * lands after the fault that recorded it, and perhaps after a clean.  It
 * is recorded before the kernel's call that wrote returns, so a COLLECT
 * that begins after that reports it.
 *
 * ->dirty_folio may run under a page table lock: this must not sleep or
 * allocate.  It need not: such a write went through ->page_mkwrite or
 * ->write_end, which made the entry, and a clean only turns it into a
 * reservation.  A page without an entry had no write to report.
 */
void wpf_written_dirtied(struct wpf_object *obj, pgoff_t index)
{
	XA_STATE(xas, &obj->written, index);
	bool recorded = false;

	xas_lock(&xas);
	if (xa_is_zero(xas_load(&xas))) {
		xas_store(&xas, WPF_WRITTEN);
		recorded = true;
	}
	xas_unlock(&xas);
	if (recorded)
		wpf_count(obj, WPFAULT_STAT_PAGES_DIRTIED, 1);
}

/*
 * Truncation: pages from @first on no longer exist.  Their entries go,
 * reservations (slots of cleaned pages) too.
 */
void wpf_written_forget(struct wpf_object *obj, pgoff_t first)
{
	XA_STATE(xas, &obj->written, first);
	void *entry;

	xas_lock(&xas);
	xas_for_each(&xas, entry, ULONG_MAX) {
		xas_store(&xas, NULL);
		wpf_xas_resched(&xas);
	}
	xas_unlock(&xas);
}

/*
 * Clears page @index in the written set, unless @folio is pinned and @writable
 * (a pte mapped it writable until this clean): then it is reported and
 * stays recorded.  A pin for writing made the pte writable (GUP faults
 * for it), before this clean; a later one faults again, as the clean took
 * the pte away.  The kernel writes through a pinned page without a fault:
 * process_vm_writev() pins the page, copies, and unpins, and dirties the
 * folio at unpin only if the folio is clean.  So such a page is written
 * for as long as it is pinned; the first clean after the unpin reports
 * it once more.  A pin for reading of a page written since the last
 * clean counts too: folio_maybe_dma_pinned() cannot tell them apart.
 */
bool wpf_written_clean_unless_pinned(struct wpf_object *obj, pgoff_t index,
				     struct folio *folio, bool writable)
{
	if (writable && folio_maybe_dma_pinned(folio))
		return xa_is_value(xa_load(&obj->written, index));
	return wpf_written_clear(obj, index);
}

/* Between two pages of a range: a fatal signal ends the walk. */
static int wpf_walk_step(void)
{
	cond_resched();
	return fatal_signal_pending(current) ? -EINTR : 0;
}

/* Recorded pages next to each other, gathered to be cleaned at once. */
struct wpf_run {
	pgoff_t first, nr;
	DECLARE_BITMAP(cleaned, WPF_CLEAN_RUN);
};

/* Adds page @index to @run; false if the run is full or @index not next. */
static bool wpf_run_add(struct wpf_run *run, pgoff_t index)
{
	if (!run->nr)
		run->first = index;
	else if (index != run->first + run->nr || run->nr == WPF_CLEAN_RUN)
		return false;
	run->nr++;
	return true;
}

/*
 * Cleans @run through the type, at once or page by page: bit i of
 * run->cleaned says whether page run->first + i was set.
 */
static void wpf_run_clean(struct wpf_object *obj, struct wpf_run *run)
{
	pgoff_t i;

	if (obj->type->clean_run) {
		obj->type->clean_run(obj, run->first, run->nr, run->cleaned);
		return;
	}
	for (i = 0; i < run->nr; i++) {
		__assign_bit(i, run->cleaned,
			     obj->type->clean_page(obj, run->first + i));
		cond_resched();
	}
}

/*
 * What a CLEAN or COLLECT found, page by page in index order: the user's
 * bitmap, filled a 64-bit word at a time (none for CLEAN), the pages
 * found, the runs of neighbours a MKWRITE clean of them would walk (the
 * adaptive model's, at most WPF_CLEAN_RUN pages each), and the pages it
 * looked at one by one (collect_visits).
 */
struct wpf_found {
	u64 __user *bitmap;
	pgoff_t first;
	u64 word, word_index;
	u64 dirty, runs, visits;
	pgoff_t run_end;
	unsigned int run_len;
};

/*
 * Adds page @index, storing the word before when it moves on to another;
 * -EFAULT if that store fails (the word is kept, to be stored again or
 * restored).
 */
static int wpf_found_add(struct wpf_found *f, pgoff_t index)
{
	pgoff_t bit = index - f->first;

	if (f->bitmap) {
		if (bit / 64 != f->word_index) {
			if (f->word && put_user(f->word,
						f->bitmap + f->word_index))
				return -EFAULT;
			f->word_index = bit / 64;
			f->word = 0;
		}
		f->word |= 1ULL << (bit % 64);
	}
	if (f->dirty && index == f->run_end && f->run_len < WPF_CLEAN_RUN) {
		f->run_len++;
	} else {
		f->runs++;
		f->run_len = 1;
	}
	f->run_end = index + 1;
	f->dirty++;
	return 0;
}

/*
 * Adds the set bits of @bits (bit i: page @first + i) up to @nr; those
 * that cannot be reported are recorded again.
 */
static int wpf_found_bits(struct wpf_object *obj, struct wpf_found *f,
			  pgoff_t first, const unsigned long *bits, pgoff_t nr)
{
	unsigned long i;

	for_each_set_bit(i, bits, nr) {
		if (wpf_found_add(f, first + i)) {
			for_each_set_bit_from(i, bits, nr)
				wpf_written_keep(obj, first + i);
			return -EFAULT;
		}
	}
	return 0;
}

/*
 * Cleans the recorded pages of [@first, @last] a run at a time and adds
 * those that were set to @f.  -EFAULT from @f, or -EINTR on a fatal
 * signal between two runs; the pages after stay recorded.
 */
static int wpf_clean_recorded(struct wpf_object *obj, pgoff_t first,
			      pgoff_t last, struct wpf_found *f)
{
	struct wpf_run run = { .nr = 0 };
	unsigned long index;
	void *entry;
	int err;

	xa_for_each_range(&obj->written, index, entry, first, last) {
		f->visits++;
		if (wpf_run_add(&run, index))
			continue;
		wpf_run_clean(obj, &run);
		err = wpf_found_bits(obj, f, run.first, run.cleaned, run.nr);
		if (!err)
			err = wpf_walk_step();
		if (err)
			return err;
		run.nr = 0;
		wpf_run_add(&run, index);
	}
	if (!run.nr)
		return 0;
	wpf_run_clean(obj, &run);
	return wpf_found_bits(obj, f, run.first, run.cleaned, run.nr);
}

/*
 * Cleans @run and sets the bits of its pages that were set in @window
 * (bit i: page @first + i); returns how many of those were set already.
 */
static unsigned long wpf_run_merge(struct wpf_object *obj,
				   struct wpf_run *run, unsigned long *window,
				   pgoff_t first)
{
	unsigned long i, both = 0;

	wpf_run_clean(obj, run);
	for_each_set_bit(i, run->cleaned, run->nr)
		both += __test_and_set_bit(run->first - first + i, window);
	return both;
}

/*
 * One window of a PAGETABLE collection, [@first, @last]: the dirty bits
 * of its ptes go straight into @window, not through the written set, and
 * so do the recorded pages, cleaned a run at a time; then the window's
 * pages are added to @f in order.  A page in both is one write: a first
 * write faults and records, and its pte is dirty too.  Harvested first,
 * as the written set is read after a harvest: a write the harvest missed
 * sets its pte dirty for the next call.  A page harvested and not
 * recorded counts in pages_dirtied, as wpf_written_add() would count it.
 */
static int wpf_clean_window(struct wpf_object *obj, pgoff_t first,
			    pgoff_t last, unsigned long *window,
			    struct wpf_found *f)
{
	pgoff_t nr = last - first + 1;
	struct wpf_run run = { .nr = 0 };
	unsigned long index, harvested;
	void *entry;

	bitmap_zero(window, nr);
	obj->type->harvest(obj, first, nr, window);
	harvested = bitmap_weight(window, nr);
	xa_for_each_range(&obj->written, index, entry, first, last) {
		f->visits++;
		if (wpf_run_add(&run, index))
			continue;
		harvested -= wpf_run_merge(obj, &run, window, first);
		run.nr = 0;
		wpf_run_add(&run, index);
		cond_resched();
	}
	if (run.nr)
		harvested -= wpf_run_merge(obj, &run, window, first);
	wpf_count(obj, WPFAULT_STAT_PAGES_DIRTIED, harvested);
	f->visits += harvested;
	return wpf_found_bits(obj, f, first, window, nr);
}

/*
 * A PAGETABLE collection of [@first, @last], a window of
 * WPFAULT_ADAPTIVE_WINDOW pages at a time, from @first, visiting only
 * windows that hold recorded pages or pages a harvest must walk.  The
 * window's bitmap is the object's, for one collection at a time.
 */
static int wpf_clean_windows(struct wpf_object *obj, pgoff_t first,
			     pgoff_t last, struct wpf_found *f)
{
	struct wpf_tracking *t = &obj->tracking;
	unsigned long index = first, harvest, recorded;
	pgoff_t start, end;
	bool walk;
	int err;

	err = mutex_lock_killable(&t->collect_lock);
	if (err)
		return err;
	for (;;) {
		harvest = index;
		recorded = index;
		walk = obj->type->harvest_next(obj, &harvest, last);
		if (!xa_find(&obj->written, &recorded, last, XA_PRESENT)) {
			if (!walk)
				break;
			recorded = harvest;
		}
		start = walk ? min(harvest, recorded) : recorded;
		start = first + round_down(start - first,
					   WPFAULT_ADAPTIVE_WINDOW);
		end = min(last, start + WPFAULT_ADAPTIVE_WINDOW - 1);
		err = wpf_clean_window(obj, start, end, t->window, f);
		if (err || end == last)
			break;
		index = end + 1;
		err = wpf_walk_step();
		if (err)
			break;
	}
	mutex_unlock(&t->collect_lock);
	return err;
}

/*
 * Cleans [@first, @first + @nr) and adds what it found to @f: in
 * PAGETABLE mode by windows, harvest and written set together, else the
 * written set after a harvest that records (wpf_clean_recorded()).
 */
static int wpf_written_collect(struct wpf_object *obj, pgoff_t first,
			       pgoff_t nr, struct wpf_found *f)
{
	unsigned long index = first;
	int err;

	if (obj->type->harvest_next &&
	    obj->type->harvest_next(obj, &index, first + nr - 1))
		return wpf_clean_windows(obj, first, first + nr - 1, f);
	if (obj->type->harvest) {
		err = obj->type->harvest(obj, first, nr, NULL);
		if (err)
			return err;
	}
	return wpf_clean_recorded(obj, first, first + nr - 1, f);
}

/**
 * wpf_written_clean - WPFAULT_IOC_CLEAN of a range
 * @obj: the object
 * @first: the first page of the range
 * @nr: its pages, within the object
 * @cleaned: out: how many pages were written since the last clean
 *
 * Clears each page of the range in the written set and write-protects it
 * in every mapping, atomically against writes to it (the type's
 * clean_page or clean_run hook, a run of recorded pages at a time).  The
 * caller gets:
 *  a) a write that ended before the call began is counted in @cleaned;
 *  b) a write that begins after the call has cleaned its page faults and
 *     is recorded for the next call;
 *  c) a write that overlaps the clean of its page is counted here or
 *     recorded for the next call, or both, never neither.
 * Takes no lock of the caller's; sleeps.
 *
 * Return: 0, or -EINTR on a fatal signal between two runs: the pages
 * before it are cleaned (and counted in pages_cleaned).
 */
int wpf_written_clean(struct wpf_object *obj, pgoff_t first, pgoff_t nr,
		      u64 *cleaned)
{
	struct wpf_found f = { .first = first };
	int err;

	err = wpf_written_collect(obj, first, nr, &f);
	*cleaned = f.dirty;
	wpf_count(obj, WPFAULT_STAT_PAGES_CLEANED, f.dirty);
	trace_wpfault_clean(obj->id, first, nr, 0, f.dirty, err);
	if (!err && obj->type->collected)
		obj->type->collected(obj, first, nr, f.dirty, f.runs);
	return err;
}

/* Zeroes a user buffer of any size, a slice at a time, killably. */
static int wpf_clear_user(u64 __user *buf, size_t bytes)
{
	const size_t slice = SZ_64K;
	char __user *p = (char __user *)buf;
	int err;

	while (bytes) {
		size_t n = min(bytes, slice);

		if (clear_user(p, n))
			return -EFAULT;
		p += n;
		bytes -= n;
		err = wpf_walk_step();
		if (err)
			return err;
	}
	return 0;
}

/*
 * A word of the bitmap that could not be stored loses no write: its pages,
 * collected, are recorded again for the next call.
 */
static void wpf_written_restore(struct wpf_object *obj, pgoff_t base,
				u64 word)
{
	while (word) {
		wpf_written_keep(obj, base + __ffs64(word));
		word &= word - 1;
	}
}

/* DIRTY_BITMAP: the recorded pages of the range, changing nothing. */
static int wpf_written_report(struct wpf_object *obj, pgoff_t first,
			      pgoff_t nr, struct wpf_found *f)
{
	unsigned long index;
	void *entry;
	int err;

	if (obj->type->harvest) {
		err = obj->type->harvest(obj, first, nr, NULL);
		if (err)
			return err;
	}
	xa_for_each_range(&obj->written, index, entry, first, first + nr - 1) {
		err = wpf_found_add(f, index);
		if (!err)
			err = wpf_walk_step();
		if (err)
			return err;
	}
	return 0;
}

/**
 * wpf_written_bitmap - WPFAULT_IOC_DIRTY_BITMAP and WPFAULT_IOC_COLLECT
 * @obj: the object
 * @first: the first page of the range
 * @nr: its pages, within the object
 * @bitmap: user memory with room for a bit per page, in 64-bit words
 * @collect: clean each page as it is reported (COLLECT)
 * @dirty_pages: out: the bits set
 *
 * Walks only the pages written since the last clean, not the whole range.
 * Without @collect it changes nothing.  With @collect the caller gets, for
 * each page, what CLEAN gives (see wpf_written_clean()), and a write is
 * either in this bitmap or recorded for the next call: none is lost
 * between the report and the clean, as it can be between DIRTY_BITMAP and
 * a later CLEAN.  The whole bitmap is checked writable before anything is
 * cleaned; a page whose bit still cannot be stored is recorded again.
 *
 * Return: 0; -EFAULT for a bitmap that cannot be written; -EINTR on a
 * fatal signal between two pages, or two runs of pages with @collect.
 */
int wpf_written_bitmap(struct wpf_object *obj, pgoff_t first, pgoff_t nr,
		       u64 __user *bitmap, bool collect, u64 *dirty_pages)
{
	struct wpf_found f = { .bitmap = bitmap, .first = first };
	int err;

	/* Writable, before anything is cleaned. */
	err = wpf_clear_user(bitmap, DIV_ROUND_UP(nr, 64) * sizeof(u64));
	if (err)
		return err;
	if (collect) {
		wpf_count(obj, WPFAULT_STAT_COLLECTIONS, 1);
		err = wpf_written_collect(obj, first, nr, &f);
	} else {
		err = wpf_written_report(obj, first, nr, &f);
	}
	/* The last word, or one that failed: stored again, or restored. */
	if (f.word && put_user(f.word, bitmap + f.word_index)) {
		if (collect)
			wpf_written_restore(obj, first + f.word_index * 64,
					    f.word);
		f.dirty -= hweight64(f.word);
		err = -EFAULT;
	}
	if (collect) {
		wpf_count(obj, WPFAULT_STAT_COLLECT_VISITS, f.visits);
		wpf_count(obj, WPFAULT_STAT_PAGES_CLEANED, f.dirty);
		trace_wpfault_clean(obj->id, first, nr, 1, f.dirty, err);
		if (!err && obj->type->collected)
			obj->type->collected(obj, first, nr, f.dirty, f.runs);
	}
	*dirty_pages = f.dirty;
	return err;
}
