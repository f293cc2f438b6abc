// SPDX-License-Identifier: GPL-2.0
/*
 * How pfn objects find their writes in each tracking mode (tracking.c):
 * cleaning a run as the mode in effect needs, harvesting, and what a
 * switch does to the ptes.
 *
 * Every write that enters the module is recorded in the written set
 * (pfn.c).  In PAGETABLE mode most writes never enter the module: they
 * set a pte's dirty bit, and a harvest moves those bits into the written
 * set before DIRTY_BITMAP reads it, or straight into what a CLEAN or
 * COLLECT reports (written.c).  A block's WPF_WRITABLE mark says some
 * pte may map it writable: harvests visit only windows holding such
 * blocks, so they cost what is mapped writable, not the size of the
 * range.  The fallback mode, while
 * the helpers cannot serve, is UNMAP: unmap_mapping_pages() visits every
 * vma.
 *
 * A pte the kernel removes takes its dirty bit with it, and ->close comes
 * after; each vma's interval notifier marks what it may take first
 * (wpf_vma_invalidate()), for the next harvest to record.
 *
 * The vma list, like struct wpf_tracking, is protected by disk_lock,
 * which the fault paths hold while they map a page.  The notifier takes
 * nothing but the xarray's lock: it runs where the module removes ptes
 * itself, under disk_lock.
 */
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "compat.h"
#include "trace.h"
#include "wpfault.h"

/*
 * A vma of the object, listed from ->mmap or ->open to ->close.  Its
 * addresses and pages as they were then: a pfn vma can shrink (split,
 * partial munmap) but never grow (VM_DONTEXPAND), and a moved one is a
 * new vma.  @watch hears of every change to its ptes before it happens,
 * unless @watched is false (the kernel lacks the notifiers, or had no
 * memory for a forked vma's).
 */
struct wpf_vma {
	struct list_head node;
	struct wpf_object *obj;
	unsigned long start;
	pgoff_t first, last;
	bool watched;
	struct mmu_interval_notifier watch;
};

/* A write seen by a harvest or assumed at a vma's close. */
static void wpf_tracking_record(struct wpf_object *obj, pgoff_t index)
{
	wpf_written_add(obj, index);
	xa_set_mark(&obj->disk, index, WPF_FLUSH_DIRTY);
}

/*
 * A pte a harvest found dirty: a write, and any upgrade ->pfn_mkwrite
 * left to the core landed.
 */
static void wpf_harvested(struct wpf_object *obj, pgoff_t index)
{
	wpf_tracking_record(obj, index);
	wpf_written_clear_upgrade(obj, index);
}

/*
 * The kernel removes a vma's ptes, dirty bits and all, before ->close
 * (munmap(), exit, mmap() over a mapping, mremap() moving one), and
 * removes or changes ptes for other reasons too.  An interval notifier on
 * each vma hears of it first, with the ptes still there: every block of
 * the range that a pte may map writable is marked WPF_ZAPPED, to be
 * recorded as written by the next reading of the written set
 * (wpf_fold_zapped()).  Marks need neither an allocation nor disk_lock,
 * which the module holds while it removes ptes itself, so this may run
 * anywhere, even where it may not block (the OOM reaper).  More pages
 * than were written may be reported, never fewer: a write that finished
 * before a COLLECT began is reported by it, whatever removed its pte.
 */
static bool wpf_vma_invalidate(struct mmu_interval_notifier *watch,
			       const struct mmu_notifier_range *range,
			       unsigned long cur_seq)
{
	struct wpf_vma *v = container_of(watch, struct wpf_vma, watch);
	unsigned long end = v->start + ((v->last - v->first + 1) << PAGE_SHIFT);
	struct wpf_object *obj = v->obj;
	unsigned long index;
	pgoff_t last;

	mmu_interval_set_seq(watch, cur_seq);
	/* These keep the ptes and their dirty bits. */
	if (range->event == MMU_NOTIFY_PROTECTION_VMA ||
	    range->event == MMU_NOTIFY_PROTECTION_PAGE ||
	    range->event == MMU_NOTIFY_SOFT_DIRTY)
		return true;
	if (range->start >= end || range->end <= v->start)
		return true;
	index = v->first + ((max(range->start, v->start) - v->start) >>
			    PAGE_SHIFT);
	last = v->first + ((min(range->end, end) - 1 - v->start) >>
			   PAGE_SHIFT);
	while (xa_find(&obj->disk, &index, last, WPF_WRITABLE)) {
		xa_set_mark(&obj->disk, index, WPF_ZAPPED);
		if (index++ == last)
			break;
	}
	return true;
}

static const struct mmu_interval_notifier_ops wpf_vma_watch_ops = {
	.invalidate = wpf_vma_invalidate,
};

/*
 * Clears the marks of the blocks of [@first, @last] whose ptes went and,
 * with @record, takes those blocks as written: into the written set or,
 * with @found, as bits of @found (bit i: page @first + i), their flush
 * state set either way.
 */
static void wpf_fold_zapped(struct wpf_object *obj, pgoff_t first,
			    pgoff_t last, bool record, unsigned long *found)
{
	unsigned long index = first;

	lockdep_assert_held(&obj->disk_lock);
	while (xa_find(&obj->disk, &index, last, WPF_ZAPPED)) {
		xa_clear_mark(&obj->disk, index, WPF_ZAPPED);
		if (record && found) {
			xa_set_mark(&obj->disk, index, WPF_FLUSH_DIRTY);
			__set_bit(index - first, found);
		} else if (record) {
			wpf_tracking_record(obj, index);
		}
		if (index++ == last)
			break;
		cond_resched();
	}
}

/*
 * A harvest straight into a collection's window, [@first, @first + @nr)
 * (struct wpf_object_type's harvest with @found): the dirty ptes and the
 * blocks whose ptes went, as wpf_harvest() finds them, set bits of
 * @found instead of entries of the written set.  Their flush state and
 * upgrade marks change as they would for a recorded page.
 */
static void wpf_harvest_window(struct wpf_object *obj, pgoff_t first,
			       pgoff_t nr, unsigned long *found)
{
	unsigned long index = first, bit;
	pgoff_t last = first + nr - 1;

	lockdep_assert_held(&obj->disk_lock);
	if (xa_find(&obj->disk, &index, last, WPF_WRITABLE))
		wpf_tracking_clean_dirty(obj, first, nr, found);
	for_each_set_bit(bit, found, nr) {
		xa_set_mark(&obj->disk, first + bit, WPF_FLUSH_DIRTY);
		wpf_written_clear_upgrade(obj, first + bit);
	}
	wpf_fold_zapped(obj, first, last, true, found);
}

/*
 * Moves the dirty bits of every pte mapping a page of [@first, @last]
 * into the written set and the flush state, clearing them, then the writes
 * whose ptes went (wpf_vma_invalidate()).  After, not before: a pte that
 * goes after the walk took its bit leaves a mark for the next harvest,
 * and one that goes after the marks are read lost no bit the walk did
 * not take, or made since.  With @killable, -EINTR on a fatal signal
 * between two windows: what was harvested stays recorded, and the marks
 * stay for the next call.
 */
static int wpf_harvest(struct wpf_object *obj, pgoff_t first, pgoff_t last,
		       bool killable)
{
	int err = wpf_tracking_harvest_windows(obj, &obj->disk, WPF_WRITABLE,
					       first, last, wpf_harvested,
					       killable);

	if (!err)
		wpf_fold_zapped(obj, first, last, true, NULL);
	return err;
}

/*
 * The object type's harvest hook (see struct wpf_object_type).  In the
 * other modes every write faults and is recorded at once, and leaving
 * PAGETABLE harvested every mark made before: a mark tells nothing.
 */
int wpf_pfn_tracking_harvest(struct wpf_object *obj, pgoff_t first,
			     pgoff_t nr, unsigned long *found)
{
	int err = 0;

	mutex_lock(&obj->disk_lock);
	if (obj->tracking.mode != WPFAULT_MODE_PAGETABLE)
		wpf_fold_zapped(obj, first, first + nr - 1, false, NULL);
	else if (found)
		wpf_harvest_window(obj, first, nr, found);
	else
		err = wpf_harvest(obj, first, first + nr - 1, true);
	mutex_unlock(&obj->disk_lock);
	return err;
}

/*
 * The type's harvest_next hook: a harvest visits the blocks a pte may
 * map writable, which include those whose ptes went since.
 */
bool wpf_pfn_tracking_harvest_next(struct wpf_object *obj,
				   unsigned long *index, pgoff_t last)
{
	return wpf_tracking_harvest_next(obj, &obj->disk, WPF_WRITABLE, index,
					 last);
}

/*
 * Write-protects [@first, @first + @nr), then harvests it: after the
 * write-protection no write can set a dirty bit without faulting (and
 * waiting for disk_lock), so the harvest finds every write so far.  In
 * PAGETABLE mode.
 */
static void wpf_wrprotect_and_harvest(struct wpf_object *obj, pgoff_t first,
				      pgoff_t nr)
{
	wpf_tracking_wrprotect(obj, first, nr);
	wpf_harvest(obj, first, first + nr - 1, false);
}

/*
 * fsync of [@first, @last]: moves what the pte dirty bits know into the
 * written set and the flush state.  Returns whether the flushed pages must
 * be unmapped, so that their next write faults and marks them again.  In
 * PAGETABLE mode they need not (the next harvest marks them) and must
 * not: a write landing between the harvest and the unmap would take its
 * dirty bit with the pte.  Under disk_lock.
 */
bool wpf_pfn_tracking_flush(struct wpf_object *obj, pgoff_t first,
			    pgoff_t last)
{
	lockdep_assert_held(&obj->disk_lock);
	if (obj->tracking.mode != WPFAULT_MODE_PAGETABLE)
		return true;
	wpf_harvest(obj, first, last, false);
	return false;
}

/*
 * A hole punch: unmaps [@first, @first + @nr) and keeps the writes
 * recorded.  In PAGETABLE mode a write can land through a writable pte
 * until the pte is gone, so the range is write-protected (a later write
 * faults and waits for the punch) and harvested before it is unmapped.
 */
void wpf_pfn_tracking_punch(struct wpf_object *obj, pgoff_t first,
			    pgoff_t nr)
{
	mutex_lock(&obj->disk_lock);
	if (obj->tracking.mode == WPFAULT_MODE_PAGETABLE)
		wpf_wrprotect_and_harvest(obj, first, nr);
	wpf_unmap_pages(obj, first, nr);
	mutex_unlock(&obj->disk_lock);
}

/*
 * After every pte was write-protected and harvested: none maps a block
 * writable, and the zaps since lost no dirty bit.
 */
static void wpf_clear_writable(struct wpf_object *obj)
{
	XA_STATE(xas, &obj->disk, 0);
	struct page *block;

	xas_lock(&xas);
	xas_for_each_marked(&xas, block, ULONG_MAX, WPF_WRITABLE) {
		xas_clear_mark(&xas, WPF_WRITABLE);
		xas_clear_mark(&xas, WPF_ZAPPED);
		wpf_xas_resched(&xas);
	}
	xas_unlock(&xas);
}

static void wpf_upgrade_landed(struct wpf_object *obj, pgoff_t index)
{
	wpf_written_clear_upgrade(obj, index);
}

/*
 * Entering PAGETABLE: a mkwrite clean write-protects a pte and leaves its
 * dirty bit, for a write already recorded and reported.  A harvest would
 * report it again: the bits of every pte that maps a block go first,
 * unread, a window of blocks at a time.  Every write they stand for was
 * recorded when its pte became writable.
 */
static void wpf_forget_dirty(struct wpf_object *obj, pgoff_t pages)
{
	wpf_tracking_harvest_windows(obj, &obj->disk, XA_PRESENT, 0, pages - 1,
				     wpf_upgrade_landed, false);
}

/*
 * Leaving PAGETABLE, every writable pte is write-protected and then
 * harvested, as vmwgfx does.  An upgrade that ->pfn_mkwrite left to the
 * core may still be on its way: its pte is read-only and clean, so
 * neither walk touched it, and the core would make it writable after
 * the switch, for a page a PAGETABLE clean may have cleared meanwhile.
 * In PAGETABLE mode a page keeps its upgrade mark until a harvest finds
 * its pte dirty, which means the upgrade landed; the pages still marked
 * lose their ptes, so that their upgrades fail pte_same() and the faults
 * are retried.  The other ptes stay, read-only: their next write takes a
 * ->pfn_mkwrite, not a ->fault after an unmap of the whole object.
 */
static void wpf_pfn_leave_pagetable(struct wpf_object *obj, pgoff_t pages)
{
	unsigned long index = 0;

	wpf_wrprotect_and_harvest(obj, 0, pages);
	while (wpf_written_find_upgrade(obj, &index, pages - 1)) {
		wpf_written_clear_upgrade(obj, index);
		wpf_unmap_pages(obj, index, 1);
		wpf_count_ptes(obj, WPFAULT_STAT_UPGRADES_UNMAPPED, index, 1,
			       1);
		if (index++ == pages - 1)
			break;
		cond_resched();
	}
	wpf_clear_writable(obj);
}

/*
 * Entering PAGETABLE leaves read-only ptes read-only: their next write
 * makes them writable through ->pfn_mkwrite.
 */
const struct wpf_tracking_ops wpf_pfn_tracking_ops = {
	.fallback = WPFAULT_MODE_UNMAP,
	.leave_pagetable = wpf_pfn_leave_pagetable,
	.enter_pagetable = wpf_forget_dirty,
};

/*
 * Write-protects the pages of a run, at most WPF_CLEAN_RUN, for a clean,
 * in the mode in effect, with one walk of the mappings.  In MKWRITE mode,
 * if the core may be about to make a read-only pte of the run writable
 * (->pfn_mkwrite marked its page), write-protection would not stop it:
 * the whole run loses its ptes instead, so that its pte_same() check
 * fails.  Unmapping the run's other pages too costs each of them a
 * ->fault instead of a ->pfn_mkwrite at its next write, one fault either
 * way, and saves a walk and a TLB flush for every stretch of pages whose
 * marks differ.  In UNMAP mode the run loses its ptes anyway; in
 * PAGETABLE mode it keeps them.  Under disk_lock; the caller then clears
 * the written-set entries.
 */
void wpf_pfn_tracking_clean_run(struct wpf_object *obj, pgoff_t first,
				pgoff_t nr)
{
	unsigned long upgrading = 0;
	pgoff_t i;

	lockdep_assert_held(&obj->disk_lock);
	/*
	 * Harvested before the walk; the ptes stay writable.  An upgrade on
	 * its way dirties its pte for the next harvest, which takes the
	 * page's mark; until then leaving PAGETABLE finds it.
	 */
	if (obj->tracking.mode == WPFAULT_MODE_PAGETABLE)
		return;
	for (i = first; i < first + nr; i++)
		upgrading += wpf_written_clear_upgrade(obj, i);
	/* The helpers WARN on a writable huge entry (pfn_pmd.c). */
	if (obj->tracking.mode == WPFAULT_MODE_MKWRITE && !upgrading &&
	    !obj->pmd) {
		/*
		 * The dirty bits stay, already recorded: see
		 * wpf_pfn_tracking_mprotect() for the one way the kernel
		 * would make such a pte writable without a fault.
		 */
		wpf_tracking_wrprotect(obj, first, nr);
	} else {
		wpf_unmap_pages(obj, first, nr);
		wpf_count_ptes(obj, WPFAULT_STAT_UPGRADES_UNMAPPED, first, nr,
			       upgrading);
	}
	/* From here every write faults, and no zap loses one. */
	for (i = first; i < first + nr; i++) {
		xa_clear_mark(&obj->disk, i, WPF_WRITABLE);
		xa_clear_mark(&obj->disk, i, WPF_ZAPPED);
	}
}

/*
 * mprotect() is about to make [@start, @end) of @vma writable.  It would
 * make a read-only pte that is dirty writable at once, without a fault
 * (can_change_pte_writable(), for shared mappings), and a mkwrite clean
 * leaves such ptes: a write through one would go unrecorded.  So, except
 * in PAGETABLE mode, where a dirty bit is a write the next harvest finds,
 * the range loses its ptes first; a write to it then faults.  mprotect()
 * holds the mmap_lock for writing, and no write fault can fill the range
 * before it is writable.  NUMA hinting, the only other caller, never
 * applies to VM_PFNMAP.
 */
int wpf_pfn_tracking_mprotect(struct wpf_object *obj,
			      struct vm_area_struct *vma, unsigned long start,
			      unsigned long end, unsigned long newflags)
{
	if (!(newflags & VM_WRITE) || (vma->vm_flags & VM_WRITE))
		return 0;
	mutex_lock(&obj->disk_lock);
	if (obj->tracking.mode != WPFAULT_MODE_PAGETABLE)
		wpf_zap_pfn_range(vma, start, end - start);
	mutex_unlock(&obj->disk_lock);
	return 0;
}

/*
 * A mapping the kernel's helpers reject (see the top of the file), or one
 * whose zaps the module does not hear of: PAGETABLE would lose its writes.
 */
static bool wpf_vma_unwalkable(struct wpf_vma *v, struct vm_area_struct *vma)
{
	return !v->watched || (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) !=
			      (VM_SHARED | VM_MAYWRITE);
}

/*
 * A new vma, from ->mmap or ->open, whose mm is locked for writing;
 * -ENOMEM only from ->mmap (@from_mmap), where the mapping then fails.
 * ->open copies a vma (fork, split, mremap) and cannot fail: if the
 * notifier of a forked vma's new mm cannot be had, the vma counts as
 * unwalkable.  ->mmap runs before the vma is in the i_mmap tree, so when
 * the first unwalkable one comes, the helpers can still walk every
 * mapping to leave PAGETABLE.  A copy of an unwalkable one finds the
 * count above zero.
 */
int wpf_pfn_tracking_vma_add(struct wpf_object *obj,
			     struct vm_area_struct *vma, bool from_mmap)
{
	struct wpf_vma *v;
	int err;

	v = kmalloc_obj(*v, from_mmap ? GFP_KERNEL : GFP_KERNEL | __GFP_NOFAIL);
	if (!v)
		return -ENOMEM;
	v->obj = obj;
	v->start = vma->vm_start;
	v->first = vma->vm_pgoff;
	v->last = vma->vm_pgoff + vma_pages(vma) - 1;
	v->watched = false;
	if (wpf_have_dirty_helpers()) {
		err = wpf_watch_range(&v->watch, vma->vm_mm, vma->vm_start,
				      vma->vm_end - vma->vm_start,
				      &wpf_vma_watch_ops);
		if (err && from_mmap) {
			kfree(v);
			return err;
		}
		v->watched = !err;
	}
	vma->vm_private_data = v;
	mutex_lock(&obj->disk_lock);
	if (wpf_vma_unwalkable(v, vma))
		wpf_tracking_unwalkable(obj, 1);
	/* After: it has no ptes yet, and no place in its mm for ->mmap. */
	list_add(&v->node, &obj->tracking.vmas);
	mutex_unlock(&obj->disk_lock);
	return 0;
}

/*
 * A vma goes.  Its ptes went before ->close is called, and its notifier
 * marked what they may have taken with them: recorded now, so that the
 * counters show it when munmap() returns, not at the next harvest.
 */
void wpf_pfn_tracking_vma_close(struct wpf_object *obj,
				struct vm_area_struct *vma)
{
	struct wpf_vma *v = vma->vm_private_data;
	struct wpf_tracking *t = &obj->tracking;

	if (v->watched)
		wpf_unwatch_range(&v->watch);
	mutex_lock(&obj->disk_lock);
	wpf_fold_zapped(obj, vma->vm_pgoff, vma->vm_pgoff + vma_pages(vma) - 1,
			t->mode == WPFAULT_MODE_PAGETABLE, NULL);
	list_del(&v->node);
	if (wpf_vma_unwalkable(v, vma))
		wpf_tracking_unwalkable(obj, -1);
	mutex_unlock(&obj->disk_lock);
	kfree(v);
}
