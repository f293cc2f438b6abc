// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty-tracking methods and modes of enum wpfault_method (uapi
 * header), for the types that offer more than mkwrite (pfn objects,
 * pfn_tracking.c; page-cache objects, pagecache_tracking.c): which mode
 * is in effect, switching between modes, the adaptive method's cost
 * model, the method ioctls and debugfs.  What a switch does to the ptes
 * is the type's (struct wpf_tracking_ops).
 *
 * In PAGETABLE mode ptes stay writable after a clean, and a harvest
 * moves their dirty bits into the written set before DIRTY_BITMAP reads
 * it, or straight into what a CLEAN or COLLECT reports (written.c).
 * The kernel's helpers that do it walk the mappings with
 * walk_page_mapping(), which ends the whole walk at the first vma the
 * helpers reject, instead of skipping it (patches/debug-kernel/ fixes
 * that in the debug kernels).  They reject a mapping without
 * VM_SHARED|VM_MAYWRITE: a MAP_PRIVATE mapping, or a MAP_SHARED one of a
 * read-only file, hides every vma after it in the i_mmap tree.  So while
 * such a mapping exists the type's fallback mode is in effect, whose
 * cleans visit every vma.
 *
 * struct wpf_tracking is protected by disk_lock.
 */
#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>

#include "compat.h"
#include "trace.h"
#include "wpfault.h"

/*
 * For testing kernels that fix walk_page_mapping(): use the helpers even
 * while unwalkable mappings exist.  Wrong on every other kernel, which
 * wpfault_tracking shows.  Writable at run time, and read whenever the
 * mode is decided again (at the next mapping, unmapping or method
 * change) and by each page-cache clean of a run.
 */
static bool trust_mapping_walk;
module_param(trust_mapping_walk, bool, 0644);
MODULE_PARM_DESC(trust_mapping_walk,
		 "use the dirty helpers despite private or read-only shared mappings (kernels with the walk_page_mapping() fix only)");

static const char *const wpf_method_names[] = WPFAULT_METHOD_NAMES;
static const char *const wpf_mode_names[] = WPFAULT_MODE_NAMES;

void wpf_tracking_init(struct wpf_object *obj,
		       const struct wpf_tracking_ops *ops)
{
	struct wpf_tracking *t = &obj->tracking;

	t->ops = ops;
	INIT_LIST_HEAD(&t->vmas);
	mutex_init(&t->collect_lock);
	t->method = WPFAULT_METHOD_MKWRITE;
	t->want = WPFAULT_MODE_MKWRITE;
	t->mode = wpf_have_dirty_helpers() ? WPFAULT_MODE_MKWRITE :
		  ops->fallback;
}

/* What the module did to the ptes of [@first, @first + @nr). */
void wpf_count_ptes(struct wpf_object *obj, enum wpfault_stat stat,
		    pgoff_t first, pgoff_t nr, unsigned long changed)
{
	if (!changed)
		return;
	wpf_count(obj, stat, changed);
	trace_wpfault_ptes(obj->id, first, nr, stat, changed);
}

/* Write-protects [@first, @first + @nr) in every mapping. */
void wpf_tracking_wrprotect(struct wpf_object *obj, pgoff_t first, pgoff_t nr)
{
	wpf_count(obj, WPFAULT_STAT_MAPPING_WALKS, 1);
	wpf_count_ptes(obj, WPFAULT_STAT_PTES_WRPROTECTED, first, nr,
		       wpf_wrprotect_range(obj->inode->i_mapping, first, nr));
}

/*
 * Cleans the dirty bits of [@first, @first + @nr) in every mapping,
 * setting the bit of each page found dirty in @bitmap.
 */
void wpf_tracking_clean_dirty(struct wpf_object *obj, pgoff_t first,
			      pgoff_t nr, unsigned long *bitmap)
{
	wpf_count(obj, WPFAULT_STAT_MAPPING_WALKS, 1);
	wpf_count_ptes(obj, WPFAULT_STAT_PTES_DIRTY, first, nr,
		       wpf_clean_range(obj->inode->i_mapping, first, nr,
				       bitmap));
}

/**
 * wpf_tracking_harvest_windows - clean pte dirty bits, a window at a time
 * @obj: the object, its disk_lock held
 * @xa: the xarray whose entries say which windows to visit
 * @mark: the mark an entry of @xa needs (XA_PRESENT: any entry)
 * @first: the first page of the range
 * @last: its last page
 * @found: called for each page whose pte was dirty, or NULL
 * @killable: stop on a fatal signal between two windows
 *
 * Walks every mapping of each window of WPFAULT_ADAPTIVE_WINDOW pages
 * within [@first, @last] that holds such an entry, clearing the dirty
 * bits of its ptes; windows without one are skipped, so the cost follows
 * what may be mapped, not the size of the range.
 *
 * Return: 0, or -EINTR with @killable: the windows before are done.
 */
int wpf_tracking_harvest_windows(struct wpf_object *obj, struct xarray *xa,
				 xa_mark_t mark, pgoff_t first, pgoff_t last,
				 void (*found)(struct wpf_object *obj,
					       pgoff_t index),
				 bool killable)
{
	unsigned long *bitmap = obj->tracking.harvested;
	unsigned long index = first, bit;

	lockdep_assert_held(&obj->disk_lock);
	while (xa_find(xa, &index, last, mark)) {
		pgoff_t window = round_down(index, WPFAULT_ADAPTIVE_WINDOW);
		pgoff_t start = max(first, window);
		pgoff_t end = min(last, window + WPFAULT_ADAPTIVE_WINDOW - 1);
		pgoff_t nr = end - start + 1;

		bitmap_zero(bitmap, nr);
		wpf_tracking_clean_dirty(obj, start, nr, bitmap);
		if (found)
			for_each_set_bit(bit, bitmap, nr)
				found(obj, start + bit);
		if (end == last)
			break;
		index = end + 1;
		cond_resched();
		if (killable && fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/*
 * A type's harvest_next hook, for harvests that visit the windows of
 * [*@index, @last] holding an entry of @xa with @mark
 * (wpf_tracking_harvest_windows()): the first such entry in PAGETABLE
 * mode, in *@index; false if none, or in another mode.
 */
bool wpf_tracking_harvest_next(struct wpf_object *obj, struct xarray *xa,
			       xa_mark_t mark, unsigned long *index,
			       pgoff_t last)
{
	bool found = false;

	mutex_lock(&obj->disk_lock);
	if (obj->tracking.mode == WPFAULT_MODE_PAGETABLE)
		found = xa_find(xa, index, last, mark);
	mutex_unlock(&obj->disk_lock);
	return found;
}

/* Whether the kernel's helpers reach every mapping of the object now. */
bool wpf_tracking_walkable(struct wpf_object *obj)
{
	lockdep_assert_held(&obj->disk_lock);
	return wpf_have_dirty_helpers() &&
	       (!obj->tracking.unwalkable || READ_ONCE(trust_mapping_walk));
}

static enum wpfault_mode wpf_mode_wanted(struct wpf_object *obj)
{
	struct wpf_tracking *t = &obj->tracking;

	return wpf_tracking_walkable(obj) ? t->want : t->ops->fallback;
}

/*
 * Puts the mode that the method and the mappings ask for in effect, the
 * type making the ptes fit it first: the new mode is published only
 * when they do.
 */
void wpf_tracking_update(struct wpf_object *obj)
{
	enum wpfault_mode mode = wpf_mode_wanted(obj);
	struct wpf_tracking *t = &obj->tracking;
	pgoff_t pages = wpf_object_pages(obj->inode);

	lockdep_assert_held(&obj->disk_lock);
	if (mode == t->mode)
		return;
	if (t->mode == WPFAULT_MODE_PAGETABLE && pages)
		t->ops->leave_pagetable(obj, pages);
	else if (mode == WPFAULT_MODE_PAGETABLE && pages)
		t->ops->enter_pagetable(obj, pages);
	trace_wpfault_method_switch(obj->id, t->mode, mode);
	t->mode = mode;
	wpf_count(obj, WPFAULT_STAT_METHOD_SWITCHES, 1);
}

/*
 * A mapping the kernel's helpers cannot walk past came (@delta 1) or
 * went (-1); under disk_lock.
 */
void wpf_tracking_unwalkable(struct wpf_object *obj, long delta)
{
	lockdep_assert_held(&obj->disk_lock);
	obj->tracking.unwalkable += delta;
	wpf_tracking_update(obj);
}

/*
 * The adaptive method's choice after a clean or collect of [@first,
 * @first + @nr) found @dirty pages written in @runs runs: the mode whose
 * modelled cost for what it found is lower, by the rule and the
 * constants of the uapi header.  vmwgfx switches on a density and a
 * streak of collections; a model of both modes' work switches at the
 * first collection that shows the other cheaper, and prices the walks
 * that a sparse MKWRITE clean and a sparse harvest make, which a density
 * does not see.  A PAGETABLE harvest of a pfn object walks only the
 * windows holding a writable block: the model's window count is an
 * upper bound.
 */
void wpf_tracking_collected(struct wpf_object *obj, pgoff_t first,
			    pgoff_t nr, u64 dirty, u64 runs)
{
	u64 windows = (first + nr - 1) / WPFAULT_ADAPTIVE_WINDOW -
		      first / WPFAULT_ADAPTIVE_WINDOW + 1;
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
 * than mkwrite need the kernel's helpers, and objects that map huge
 * entries (pfn_pmd.c) or hold large folios track by mkwrite alone.
 */
int wpf_tracking_method(struct wpf_object *obj, struct wpfault_tracking *arg,
			bool set)
{
	struct wpf_tracking *t = &obj->tracking;

	if (set && arg->method != WPFAULT_METHOD_MKWRITE &&
	    (!wpf_have_dirty_helpers() || obj->pmd || obj->folio_order))
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
		   wpf_have_dirty_helpers() ? "yes" : "no");
	mutex_unlock(&obj->disk_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wpf_tracking);

void wpf_tracking_debugfs(struct wpf_object *obj)
{
	debugfs_create_file("tracking", 0400, obj->debugfs_dir, obj,
			    &wpf_tracking_fops);
}
