// SPDX-License-Identifier: GPL-2.0
/*
 * How page-cache objects find their writes in each tracking mode
 * (tracking.c).  MKWRITE: a clean write-protects the pages, and the next
 * write faults into ->page_mkwrite, which records it (pagecache.c).  A
 * run of pages takes two walks of the mappings
 * (wpf_pagecache_tracking_clean_run()); a short run, or any while the
 * kernel's helpers cannot walk every mapping, a folio_mkclean() per page,
 * which visits every vma.
 *
 * PAGETABLE: a clean leaves the ptes writable, and a harvest moves their
 * dirty bits into the written set before DIRTY_BITMAP reads it, or
 * straight into what a CLEAN or COLLECT reports (written.c), so a write
 * through a writable pte never enters the module.  No write is lost:
 *  - A pte becomes writable only through ->page_mkwrite, which records
 *    the page and dirties its folio first, and writeback write-protects
 *    the ptes before it cleans the folio.  So the folio is dirty while a
 *    pte maps it writable, and clearing the pte's dirty bit, which the
 *    kernel's helper does without passing it on, takes nothing from the
 *    kernel's dirty state.
 *  - A pte the kernel removes (munmap, truncation, reclaim, migration)
 *    passes its dirty bit to the folio first (folio_mark_dirty()), and
 *    ->dirty_folio records a cleaned page again (wpf_written_dirtied()).
 *  - Writeback's folio_mkclean() clears dirty bits no harvest has seen,
 *    and may do so between a write and a COLLECT that must report it.
 *    So ->writepages first write-protects and harvests every page
 *    (wpf_pagecache_tracking_writeback()); a write after that faults
 *    and is recorded.
 * A write that overlaps a clean of its page may be reported by this
 * collection and by the next: ->page_mkwrite records it and dirties the
 * pte, the clean reports it, and the next harvest finds the dirty bit.
 *
 * What no harvest can see is a write the kernel makes through a page GUP
 * took while its pte was writable: GUP sets no dirty bit, and it and
 * unpin_user_pages_dirty_lock() dirty only a clean folio, which a folio
 * mapped writable is not.  The uapi header states it as the exception to
 * the mode's rule; only MKWRITE's read-only ptes make GUP fault.
 *
 * The cleans read the mode under disk_lock, which they take inside the
 * folio lock; a switch holds it while it makes the ptes fit the mode.
 */
#include <linux/mm.h>
#include <linux/pagemap.h>

#include "compat.h"
#include "wpfault.h"

/*
 * Cleans the dirty bits of the ptes of [@first, @last], a window of
 * cached pages at a time, and with @record records their pages as
 * written.  With @killable, -EINTR on a fatal signal between two windows:
 * what was harvested stays recorded.
 */
static int wpf_pc_harvest(struct wpf_object *obj, pgoff_t first,
			  pgoff_t last, bool record, bool killable)
{
	struct address_space *mapping = obj->inode->i_mapping;

	return wpf_tracking_harvest_windows(obj, &mapping->i_pages, XA_PRESENT,
					    first, last,
					    record ? wpf_written_add : NULL,
					    killable);
}

/*
 * A harvest straight into a collection's window, [@first, @first + @nr).
 * A page whose folio may be pinned is recorded instead, for the clean
 * that follows to keep it recorded (wpf_written_clean_unless_pinned()):
 * its pte was writable.  The folio is looked at without a reference, as
 * the pin it is asked about may come or go at any time anyway.
 */
static void wpf_pc_harvest_window(struct wpf_object *obj, pgoff_t first,
				  pgoff_t nr, unsigned long *found)
{
	struct address_space *mapping = obj->inode->i_mapping;
	unsigned long index = first, bit;
	struct folio *folio;
	bool pinned;

	if (!xa_find(&mapping->i_pages, &index, first + nr - 1, XA_PRESENT))
		return;
	wpf_tracking_clean_dirty(obj, first, nr, found);
	for_each_set_bit(bit, found, nr) {
		rcu_read_lock();
		folio = xa_load(&mapping->i_pages, first + bit);
		pinned = folio && !xa_is_value(folio) &&
			 folio_maybe_dma_pinned(folio);
		rcu_read_unlock();
		if (pinned) {
			__clear_bit(bit, found);
			wpf_written_add(obj, first + bit);
		}
	}
}

/* The type's harvest hook (see struct wpf_object_type). */
int wpf_pagecache_tracking_harvest(struct wpf_object *obj, pgoff_t first,
				   pgoff_t nr, unsigned long *found)
{
	int err = 0;

	mutex_lock(&obj->disk_lock);
	if (obj->tracking.mode == WPFAULT_MODE_PAGETABLE && found)
		wpf_pc_harvest_window(obj, first, nr, found);
	else if (obj->tracking.mode == WPFAULT_MODE_PAGETABLE)
		err = wpf_pc_harvest(obj, first, first + nr - 1, true, true);
	mutex_unlock(&obj->disk_lock);
	return err;
}

/* The type's harvest_next hook: a harvest visits the cached pages. */
bool wpf_pagecache_tracking_harvest_next(struct wpf_object *obj,
					 unsigned long *index, pgoff_t last)
{
	return wpf_tracking_harvest_next(obj, &obj->inode->i_mapping->i_pages,
					 XA_PRESENT, index, last);
}

/*
 * Before ->writepages cleans folios: in PAGETABLE mode, every pte is
 * write-protected and then harvested, so that the dirty bits
 * folio_mkclean() will clear are recorded first, and a write after the
 * write-protection faults into ->page_mkwrite.
 */
void wpf_pagecache_tracking_writeback(struct wpf_object *obj)
{
	pgoff_t pages = wpf_object_pages(obj->inode);

	mutex_lock(&obj->disk_lock);
	if (obj->tracking.mode == WPFAULT_MODE_PAGETABLE && pages) {
		wpf_tracking_wrprotect(obj, 0, pages);
		wpf_pc_harvest(obj, 0, pages - 1, true, false);
	}
	mutex_unlock(&obj->disk_lock);
}

/*
 * Leaving PAGETABLE: every pte is write-protected, then harvested.  A
 * write after the write-protection faults into ->page_mkwrite, which
 * records it whatever the mode; one whose ->page_mkwrite ran before
 * stays recorded until a clean, which in MKWRITE mode write-protects.
 */
static void wpf_pc_leave_pagetable(struct wpf_object *obj, pgoff_t pages)
{
	wpf_tracking_wrprotect(obj, 0, pages);
	wpf_pc_harvest(obj, 0, pages - 1, true, false);
}

/*
 * Entering PAGETABLE: a dirty pte is a write ->page_mkwrite recorded
 * since the page's last clean (a MKWRITE clean clears the bit).  A
 * harvest would report it again: the bits go first, unread.
 */
static void wpf_pc_enter_pagetable(struct wpf_object *obj, pgoff_t pages)
{
	wpf_pc_harvest(obj, 0, pages - 1, false, false);
}

/*
 * From this many pages on, two walks of the mappings for a run cost less
 * than a folio_mkclean() (an rmap walk and a TLB flush) for each page.
 */
#define WPF_PC_RUN_MIN	3

/*
 * A MKWRITE clean of [@first, @first + @nr), whose folios the caller
 * holds locked, by the run: the ptes are write-protected in one walk of
 * the mappings, then their dirty bits cleared in another, each page whose
 * pte was dirty setting its bit of @dirty.  Returns false, having done
 * nothing, in another mode, for a shorter run, or where the helpers
 * cannot walk every mapping; the caller then cleans folio by folio.
 *
 * No write is lost: a write fault waits for the folio lock in
 * ->page_mkwrite, so after the first walk no pte of the run can become
 * writable, and the dirty bits the second clears belong to writes made
 * before, already recorded.  Their folios are dirty: a pte became
 * writable and dirty through ->page_mkwrite, which dirtied the folio, and
 * writeback cleans ptes before it cleans a folio.  The dirty bits must
 * go: mprotect() and NUMA hinting make a read-only shared pte writable
 * without a fault when it is dirty (can_change_pte_writable()).
 */
bool wpf_pagecache_tracking_clean_run(struct wpf_object *obj, pgoff_t first,
				      pgoff_t nr, unsigned long *dirty)
{
	struct address_space *mapping = obj->inode->i_mapping;

	lockdep_assert_held(&obj->disk_lock);
	if (obj->tracking.mode != WPFAULT_MODE_MKWRITE || nr < WPF_PC_RUN_MIN ||
	    !wpf_tracking_walkable(obj))
		return false;
	wpf_count(obj, WPFAULT_STAT_MAPPING_WALKS, 2);
	wpf_wrprotect_range(mapping, first, nr);
	bitmap_zero(dirty, nr);
	wpf_clean_range(mapping, first, nr, dirty);
	return true;
}

const struct wpf_tracking_ops wpf_pagecache_tracking_ops = {
	.fallback = WPFAULT_MODE_MKWRITE,
	.leave_pagetable = wpf_pc_leave_pagetable,
	.enter_pagetable = wpf_pc_enter_pagetable,
};

/*
 * A vma came (@delta 1: ->mmap, ->open) or went (-1: ->close).  A private
 * or read-only one is one the kernel's helpers cannot walk past
 * (tracking.c).  Its flags that decide it never change.
 */
void wpf_pagecache_tracking_vma(struct wpf_object *obj,
				struct vm_area_struct *vma, long delta)
{
	if ((vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) ==
	    (VM_SHARED | VM_MAYWRITE))
		return;
	mutex_lock(&obj->disk_lock);
	wpf_tracking_unwalkable(obj, delta);
	mutex_unlock(&obj->disk_lock);
}
