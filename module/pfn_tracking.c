// SPDX-License-Identifier: GPL-2.0
/*
 * How pfn objects find their writes: the tracking methods and modes of
 * enum wpfault_method (uapi header), switching between them, and cleaning
 * a page as the mode in effect needs.
 *
 * Every write that enters the module is recorded in the written set
 * (pfn.c), and that set is all the ioctls read.  In PAGETABLE mode most
 * writes never enter the module: they set a pte's dirty bit, and a
 * harvest moves those bits into the written set before an ioctl reads
 * it.  A block's WPF_WRITABLE mark says some pte may map it writable:
 * harvests visit only windows holding such blocks, so they cost what is
 * mapped writable, not the size of the range.
 *
 * The kernel's helpers walk the mappings with walk_page_mapping(), which
 * ends the whole walk at the first vma the helpers reject, instead of
 * skipping it (patches/debug-kernel/ fixes that in the debug kernels).
 * They reject a mapping without VM_SHARED|VM_MAYWRITE: a MAP_SHARED
 * mapping of a read-only file, through which no write can come, hides
 * every vma after it in the i_mmap tree.  So while such a mapping exists
 * cleaning unmaps instead (mode UNMAP), as it does on kernels without the
 * helpers: unmap_mapping_pages() visits every vma.
 *
 * A pte the kernel removes takes its dirty bit with it, and ->close comes
 * after; each vma's interval notifier marks what it may take first
 * (wpf_vma_invalidate()), for the next harvest to record.
 *
 * The state in struct wpf_tracking, and the vma list, are protected by
 * disk_lock, which the fault paths hold while they map a page.  The
 * notifier takes nothing but the xarray's lock: it runs where the module
 * removes ptes itself, under disk_lock.
 */
#include <linux/debugfs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "compat.h"
#include "trace.h"
#include "wpfault.h"

/*
 * For testing kernels that fix walk_page_mapping(): use the helpers even
 * while unwalkable mappings exist.  Wrong on every other kernel, which
 * wpfault_tracking shows.  Writable at run time, and read whenever the
 * mode is decided again: at the next mapping, unmapping or method change.
 */
static bool trust_mapping_walk;
module_param(trust_mapping_walk, bool, 0644);
MODULE_PARM_DESC(trust_mapping_walk,
		 "use the dirty helpers despite read-only shared mappings (kernels with the walk_page_mapping() fix only)");

/*
 * Pages harvested per walk of the mappings: a walk costs a TLB flush and
 * the i_mmap tree whatever its length, so fewer, longer walks cost less.
 */
#define WPF_HARVEST_WINDOW	WPFAULT_ADAPTIVE_WINDOW

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

static const char *const wpf_method_names[] = WPFAULT_METHOD_NAMES;
static const char *const wpf_mode_names[] = WPFAULT_MODE_NAMES;

void wpf_tracking_init(struct wpf_object *obj)
{
	struct wpf_tracking *t = &obj->tracking;

	INIT_LIST_HEAD(&t->vmas);
	t->method = WPFAULT_METHOD_MKWRITE;
	t->want = WPFAULT_MODE_MKWRITE;
	t->mode = wpf_have_dirty_helpers() ? WPFAULT_MODE_MKWRITE :
		  WPFAULT_MODE_UNMAP;
}

/* What the module did to the ptes of [@first, @first + @nr). */
static void wpf_count_ptes(struct wpf_object *obj, enum wpfault_stat stat,
			   pgoff_t first, pgoff_t nr, unsigned long changed)
{
	if (!changed)
		return;
	wpf_count(obj, stat, changed);
	trace_wpfault_ptes(obj->id, first, nr, stat, changed);
}

/* Write-protects [@first, @first + @nr) in every mapping. */
static void wpf_wrprotect(struct wpf_object *obj, pgoff_t first, pgoff_t nr)
{
	wpf_count(obj, WPFAULT_STAT_MAPPING_WALKS, 1);
	wpf_count_ptes(obj, WPFAULT_STAT_PTES_WRPROTECTED, first, nr,
		       wpf_wrprotect_range(obj->inode->i_mapping, first, nr));
}

/*
 * Cleans the dirty bits of [@first, @first + @nr) in every mapping,
 * setting the bit of each page found dirty in @bitmap.
 */
static void wpf_clean_dirty(struct wpf_object *obj, pgoff_t first,
			    pgoff_t nr, unsigned long *bitmap)
{
	wpf_count(obj, WPFAULT_STAT_MAPPING_WALKS, 1);
	wpf_count_ptes(obj, WPFAULT_STAT_PTES_DIRTY, first, nr,
		       wpf_clean_range(obj->inode->i_mapping, first, nr,
				       bitmap));
}

/* A write seen by a harvest or assumed at a vma's close. */
static void wpf_tracking_record(struct wpf_object *obj, pgoff_t index)
{
	wpf_written_add(obj, index);
	xa_set_mark(&obj->disk, index, WPF_FLUSH_DIRTY);
}

static void wpf_harvest_window(struct wpf_object *obj, pgoff_t first,
			       pgoff_t nr)
{
	unsigned long *bitmap = obj->tracking.harvested;
	unsigned long bit;

	lockdep_assert_held(&obj->disk_lock);
	bitmap_zero(bitmap, nr);
	wpf_clean_dirty(obj, first, nr, bitmap);
	for_each_set_bit(bit, bitmap, nr)
		wpf_tracking_record(obj, first + bit);
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
 * with @record, records those blocks as written.
 */
static void wpf_fold_zapped(struct wpf_object *obj, unsigned long index,
			    pgoff_t last, bool record)
{
	lockdep_assert_held(&obj->disk_lock);
	while (xa_find(&obj->disk, &index, last, WPF_ZAPPED)) {
		xa_clear_mark(&obj->disk, index, WPF_ZAPPED);
		if (record)
			wpf_tracking_record(obj, index);
		if (index++ == last)
			break;
		cond_resched();
	}
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
	unsigned long index = first;

	lockdep_assert_held(&obj->disk_lock);
	while (xa_find(&obj->disk, &index, last, WPF_WRITABLE)) {
		pgoff_t window = round_down(index, WPF_HARVEST_WINDOW);
		pgoff_t start = max(first, window);
		pgoff_t end = min(last, window + WPF_HARVEST_WINDOW - 1);

		wpf_harvest_window(obj, start, end - start + 1);
		if (end == last)
			break;
		index = end + 1;
		cond_resched();
		if (killable && fatal_signal_pending(current))
			return -EINTR;
	}
	wpf_fold_zapped(obj, first, last, true);
	return 0;
}

/*
 * The object type's harvest hook (see struct wpf_object_type).  In the
 * other modes every write faults and is recorded at once, and leaving
 * PAGETABLE harvested every mark made before: a mark tells nothing.
 */
int wpf_tracking_harvest(struct wpf_object *obj, pgoff_t first, pgoff_t nr)
{
	int err = 0;

	mutex_lock(&obj->disk_lock);
	if (obj->tracking.mode == WPFAULT_MODE_PAGETABLE)
		err = wpf_harvest(obj, first, first + nr - 1, true);
	else
		wpf_fold_zapped(obj, first, first + nr - 1, false);
	mutex_unlock(&obj->disk_lock);
	return err;
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
	wpf_wrprotect(obj, first, nr);
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
bool wpf_tracking_flush(struct wpf_object *obj, pgoff_t first, pgoff_t last)
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
void wpf_tracking_punch(struct wpf_object *obj, pgoff_t first, pgoff_t nr)
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

static enum wpfault_mode wpf_mode_wanted(struct wpf_object *obj)
{
	struct wpf_tracking *t = &obj->tracking;

	if (!wpf_have_dirty_helpers() ||
	    (t->unwalkable && !READ_ONCE(trust_mapping_walk)))
		return WPFAULT_MODE_UNMAP;
	return t->want;
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
	unsigned long index = 0;

	while (xa_find(&obj->disk, &index, pages - 1, XA_PRESENT)) {
		pgoff_t first = round_down(index, WPF_HARVEST_WINDOW);
		pgoff_t nr = min_t(pgoff_t, pages - first, WPF_HARVEST_WINDOW);

		bitmap_zero(obj->tracking.harvested, nr);
		wpf_clean_dirty(obj, first, nr, obj->tracking.harvested);
		if (first + nr >= pages)
			break;
		index = first + nr;
		cond_resched();
	}
}

/*
 * Puts the mode that the method and the mappings ask for in effect.
 * Leaving PAGETABLE, every writable pte is write-protected and then
 * harvested, as vmwgfx does, and only then removed: a PAGETABLE clean
 * clears a page's upgrade mark and leaves its ptes (see
 * wpf_tracking_clean_run()), so an upgrade that ->pfn_mkwrite left to
 * the core may still be on its way, and it must fail.  Entering PAGETABLE
 * clears the dirty bits that mkwrite cleans left on read-only ptes
 * (wpf_forget_dirty()); a write to a read-only pte makes it writable
 * through ->pfn_mkwrite.
 */
static void wpf_tracking_update(struct wpf_object *obj)
{
	enum wpfault_mode mode = wpf_mode_wanted(obj);
	struct wpf_tracking *t = &obj->tracking;
	pgoff_t pages = wpf_object_pages(obj->inode);

	lockdep_assert_held(&obj->disk_lock);
	if (mode == t->mode)
		return;
	if (t->mode == WPFAULT_MODE_PAGETABLE && pages) {
		wpf_wrprotect_and_harvest(obj, 0, pages);
		wpf_unmap_pages(obj, 0, 0);
		wpf_clear_writable(obj);
	} else if (mode == WPFAULT_MODE_PAGETABLE && pages) {
		wpf_forget_dirty(obj, pages);
	}
	trace_wpfault_method_switch(obj->id, t->mode, mode);
	t->mode = mode;
	wpf_count(obj, WPFAULT_STAT_METHOD_SWITCHES, 1);
}

/*
 * Write-protects the pages of a run, at most WPF_CLEAN_RUN, for a clean,
 * in the mode in effect, with one walk of the mappings.  In MKWRITE mode,
 * if the core may be about to make a read-only pte of the run writable
 * (->pfn_mkwrite marked its page), write-protection would not stop it:
 * the whole run loses its ptes instead, so that its pte_same() check
 * fails.  Unmapping the run's other pages too costs each of them a
 * ->fault instead of a ->pfn_mkwrite at its next write, one fault either
 * way, and saves a walk and a TLB flush for every stretch of pages whose
 * marks differ.  Under disk_lock; the caller then clears the written-set
 * entries.
 */
void wpf_tracking_clean_run(struct wpf_object *obj, pgoff_t first,
			    pgoff_t nr)
{
	unsigned long upgrading = 0;
	pgoff_t i;

	lockdep_assert_held(&obj->disk_lock);
	for (i = first; i < first + nr; i++)
		upgrading += wpf_written_clear_upgrade(obj, i);

	switch (obj->tracking.mode) {
	case WPFAULT_MODE_MKWRITE:
		if (!upgrading) {
			/*
			 * The dirty bits stay, already recorded: see
			 * wpf_tracking_mprotect() for the one way the kernel
			 * would make such a pte writable without a fault.
			 */
			wpf_wrprotect(obj, first, nr);
			break;
		}
		fallthrough;
	case WPFAULT_MODE_UNMAP:
		wpf_unmap_pages(obj, first, nr);
		wpf_count_ptes(obj, WPFAULT_STAT_UPGRADES_UNMAPPED, first, nr,
			       upgrading);
		break;
	case WPFAULT_MODE_PAGETABLE:
		/*
		 * Harvested before the walk; the ptes stay writable.  An
		 * upgrade on its way dirties its pte for the next harvest,
		 * and leaving PAGETABLE removes every pte.
		 */
		return;
	}
	/* From here every write faults, and no zap loses one. */
	for (i = first; i < first + nr; i++) {
		xa_clear_mark(&obj->disk, i, WPF_WRITABLE);
		xa_clear_mark(&obj->disk, i, WPF_ZAPPED);
	}
}

/*
 * The adaptive method's choice after a clean or collect of [@first,
 * @first + @nr) found @dirty pages written in @runs runs: the mode whose
 * modelled cost for what it found is lower, by the rule and the
 * constants of the uapi header.  vmwgfx switches on a density and a
 * streak of collections; a model of both modes' work switches at the
 * first collection that shows the other cheaper, and prices the walks
 * that a sparse MKWRITE clean and a sparse harvest make, which a density
 * does not see.  A PAGETABLE harvest walks only the windows holding a
 * writable block: the model's window count is an upper bound.
 */
void wpf_tracking_collected(struct wpf_object *obj, pgoff_t first,
			    pgoff_t nr, u64 dirty, u64 runs)
{
	u64 windows = (first + nr - 1) / WPF_HARVEST_WINDOW -
		      first / WPF_HARVEST_WINDOW + 1;
	struct wpf_tracking *t = &obj->tracking;
	u64 current_cost, other_cost;

	mutex_lock(&obj->disk_lock);
	if (t->method != WPFAULT_METHOD_ADAPTIVE)
		goto out;
	t->cost_mkwrite = dirty * WPFAULT_ADAPTIVE_COST_FAULT +
			  runs * WPFAULT_ADAPTIVE_COST_WALK;
	t->cost_pagetable = windows * WPFAULT_ADAPTIVE_COST_WALK + nr +
			    dirty * WPFAULT_ADAPTIVE_COST_HARVESTED;
	if (t->want == WPFAULT_MODE_MKWRITE) {
		current_cost = t->cost_mkwrite;
		other_cost = t->cost_pagetable;
	} else {
		current_cost = t->cost_pagetable;
		other_cost = t->cost_mkwrite;
	}
	if (other_cost + other_cost / WPFAULT_ADAPTIVE_MARGIN >= current_cost)
		goto out;
	t->want = t->want == WPFAULT_MODE_MKWRITE ? WPFAULT_MODE_PAGETABLE :
						     WPFAULT_MODE_MKWRITE;
	wpf_tracking_update(obj);
out:
	mutex_unlock(&obj->disk_lock);
}

static void wpf_tracking_get(struct wpf_object *obj,
			     struct wpfault_tracking *arg)
{
	arg->method = obj->tracking.method;
	arg->mode = obj->tracking.mode;
	arg->flags = 0;
	if (!wpf_have_dirty_helpers())
		arg->flags |= WPFAULT_TRACKING_NO_HELPERS;
	if (obj->tracking.unwalkable)
		arg->flags |= WPFAULT_TRACKING_UNWALKABLE;
}

/*
 * The type's method hook (see struct wpf_object_type): the methods other
 * than mkwrite need the kernel's helpers.
 */
int wpf_tracking_method(struct wpf_object *obj, struct wpfault_tracking *arg,
			bool set)
{
	struct wpf_tracking *t = &obj->tracking;

	if (set && arg->method != WPFAULT_METHOD_MKWRITE &&
	    !wpf_have_dirty_helpers())
		return -EOPNOTSUPP;
	mutex_lock(&obj->disk_lock);
	if (set) {
		t->method = arg->method;
		if (arg->method == WPFAULT_METHOD_PAGETABLE)
			t->want = WPFAULT_MODE_PAGETABLE;
		else if (arg->method == WPFAULT_METHOD_MKWRITE)
			t->want = WPFAULT_MODE_MKWRITE;
		wpf_tracking_update(obj);
	}
	wpf_tracking_get(obj, arg);
	mutex_unlock(&obj->disk_lock);
	return 0;
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
int wpf_tracking_mprotect(struct wpf_object *obj, struct vm_area_struct *vma,
			  unsigned long start, unsigned long end,
			  unsigned long newflags)
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
int wpf_tracking_vma_add(struct wpf_object *obj, struct vm_area_struct *vma,
			 bool from_mmap)
{
	struct wpf_vma *v;
	int err;

	v = kmalloc(sizeof(*v), from_mmap ? GFP_KERNEL :
			 GFP_KERNEL | __GFP_NOFAIL);
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
	if (wpf_vma_unwalkable(v, vma)) {
		obj->tracking.unwalkable++;
		wpf_tracking_update(obj);
	}
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
void wpf_tracking_vma_close(struct wpf_object *obj,
			    struct vm_area_struct *vma)
{
	struct wpf_vma *v = vma->vm_private_data;
	struct wpf_tracking *t = &obj->tracking;

	if (v->watched)
		wpf_unwatch_range(&v->watch);
	mutex_lock(&obj->disk_lock);
	wpf_fold_zapped(obj, vma->vm_pgoff, vma->vm_pgoff + vma_pages(vma) - 1,
			t->mode == WPFAULT_MODE_PAGETABLE);
	list_del(&v->node);
	if (wpf_vma_unwalkable(v, vma)) {
		t->unwalkable--;
		wpf_tracking_update(obj);
	}
	mutex_unlock(&obj->disk_lock);
	kfree(v);
}

/* debugfs <id>/tracking, "name value" lines as in stats. */
static int wpf_tracking_show(struct seq_file *m, void *unused)
{
	struct wpf_object *obj = m->private;
	struct wpf_tracking *t = &obj->tracking;

	mutex_lock(&obj->disk_lock);
	seq_printf(m, "method %s\n", wpf_method_names[t->method]);
	seq_printf(m, "mode %s\n", wpf_mode_names[t->mode]);
	seq_printf(m, "adaptive_wants %s\n", wpf_mode_names[t->want]);
	seq_printf(m, "adaptive_cost_mkwrite %llu\n", t->cost_mkwrite);
	seq_printf(m, "adaptive_cost_pagetable %llu\n", t->cost_pagetable);
	seq_printf(m, "unwalkable_mappings %lu\n", t->unwalkable);
	seq_printf(m, "dirty_helpers %s\n",
		   wpf_have_dirty_helpers() ? "yes" : "no (cleaning unmaps)");
	mutex_unlock(&obj->disk_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wpf_tracking);

void wpf_tracking_debugfs(struct wpf_object *obj)
{
	debugfs_create_file("tracking", 0400, obj->debugfs_dir, obj,
			    &wpf_tracking_fops);
}
