// SPDX-License-Identifier: GPL-2.0
/*
 * Page-cache objects: files whose shared writable mappings are
 * write-notify, so the first write to a clean page faults into
 * ->page_mkwrite, the path a file system uses to learn a page is about to
 * be dirtied.  The kernel writes their dirty pages back to a disk in
 * memory (writeback.c, disk.c) and may reclaim clean ones.  Their
 * tracking methods are in pagecache_tracking.c.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/uio.h>
#include <linux/xarray.h>

#include "compat.h"
#include "trace.h"
#include "wpfault.h"

static vm_fault_t wpf_fault_folio(struct vm_fault *vmf,
				  struct wpf_object *obj)
{
	struct inode *inode = obj->inode;
	struct address_space *mapping = inode->i_mapping;
	struct folio *folio;

	/*
	 * Truncation holds the invalidate lock from the size change until
	 * the page cache past the new end of file is gone.  Checking the
	 * size and creating the folio under it means no folio is ever
	 * created past EOF; once the folio is locked, a later truncation
	 * waits for it and then unmaps and drops it.
	 */
	filemap_invalidate_lock_shared(mapping);
	if (vmf->pgoff >= wpf_object_pages(inode)) {
		filemap_invalidate_unlock_shared(mapping);
		goto sigbus;
	}
	folio = wpf_pagecache_grab(obj, vmf->pgoff);
	filemap_invalidate_unlock_shared(mapping);
	if (IS_ERR(folio))
		return vmf_error(PTR_ERR(folio));
	/* A poisoned block leaves the folio not uptodate: read(2) sees EIO. */
	if (!folio_test_uptodate(folio) && wpf_fill_folio(obj, folio)) {
		folio_unlock(folio);
		folio_put(folio);
		return wpf_poisoned_fault(obj);
	}
	vmf->page = folio_file_page(folio, vmf->pgoff);
	return VM_FAULT_LOCKED;

sigbus:
	wpf_count(obj, WPFAULT_STAT_SIGBUS_FAULTS, 1);
	return VM_FAULT_SIGBUS;
}

static vm_fault_t wpf_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct wpf_object *obj = wpf_object_of(file_inode(vma->vm_file));
	enum wpfault_stat kind;
	vm_fault_t ret;

	if (!(vmf->flags & FAULT_FLAG_WRITE))
		kind = WPFAULT_STAT_READ_FAULTS;
	else if (vma->vm_flags & VM_SHARED)
		kind = WPFAULT_STAT_WRITE_FAULTS;
	else
		kind = WPFAULT_STAT_COW_FAULTS;
	wpf_count(obj, kind, 1);
	wpf_count(obj, WPFAULT_STAT_VMA_LOCKED_FAULTS,
		  wpf_fault_vma_locked(vmf));
	ret = wpf_fault_folio(vmf, obj);
	trace_wpfault_fault(obj->id, vmf->pgoff, kind,
			    (__force unsigned int)ret);
	return ret;
}

/* Sum of the mapcounts of the cached pages in [first, last]. */
static unsigned long wpf_window_mapcount(struct address_space *mapping,
					 pgoff_t first, pgoff_t last)
{
	XA_STATE(xas, &mapping->i_pages, first);
	unsigned long sum = 0;
	struct folio *folio;

	rcu_read_lock();
	xas_for_each(&xas, folio, last) {
		if (xas_retry(&xas, folio) || xa_is_value(folio))
			continue;
		sum += wpf_folio_mapcount(folio);
	}
	rcu_read_unlock();
	return sum;
}

/*
 * Fault-around: the core maps cached, uptodate, unlocked pages near the
 * fault read-only, without taking their locks (see filemap_map_pages()).
 * The number it mapped is the growth of the window's mapcount; that is
 * exact unless another task maps or unmaps these pages at the same time.
 */
static vm_fault_t wpf_map_pages(struct vm_fault *vmf, pgoff_t first,
				pgoff_t last)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct wpf_object *obj = wpf_object_of(inode);
	unsigned long before, after, mapped;
	vm_fault_t ret;

	before = wpf_window_mapcount(inode->i_mapping, first, last);
	ret = filemap_map_pages(vmf, first, last);
	after = wpf_window_mapcount(inode->i_mapping, first, last);
	mapped = after > before ? after - before : 0;
	wpf_count(obj, WPFAULT_STAT_FAULTAROUND_PAGES, mapped);
	trace_wpfault_map_pages(obj->id, first, last, mapped);
	return ret;
}

static vm_fault_t wpf_page_mkwrite(struct vm_fault *vmf)
{
	struct file *file = vmf->vma->vm_file;
	struct inode *inode = file_inode(file);
	struct wpf_object *obj = wpf_object_of(inode);
	struct folio *folio = page_folio(vmf->page);
	vm_fault_t ret = VM_FAULT_LOCKED;

	wpf_count(obj, WPFAULT_STAT_MKWRITE_CALLS, 1);
	sb_start_pagefault(inode->i_sb);
	wpf_write_fault_time(obj, file);
	folio_lock(folio);
	/*
	 * Truncation unmaps a page before it frees it; if it got here first,
	 * the retried fault finds no pte and sees the new end of file.  A
	 * large folio it could not split stays cached across end of file:
	 * the page written must be within it.
	 */
	if (folio->mapping != inode->i_mapping ||
	    (loff_t)vmf->pgoff << PAGE_SHIFT >= i_size_read(inode)) {
		folio_unlock(folio);
		ret = VM_FAULT_NOPAGE;
		goto out;
	}
	/*
	 * Record the write and dirty the folio before the pte becomes
	 * writable, and keep it locked until the core has made it so:
	 * writeback and clean take the same lock, so they see either a
	 * read-only pte or all of it done.  The core may map every page of
	 * a large folio writable at once (finish_fault()): all are recorded.
	 */
	if (!wpf_written_has_folio(obj, folio)) {
		if (wpf_written_reserve(obj, folio, GFP_KERNEL)) {
			folio_unlock(folio);
			ret = VM_FAULT_OOM;
			goto out;
		}
		wpf_written_commit(obj, folio, true);
	}
	folio_mark_dirty(folio);
out:
	trace_wpfault_page_mkwrite(obj->id, vmf->pgoff, false,
				   (__force unsigned int)ret);
	sb_end_pagefault(inode->i_sb);
	return ret;
}

/* fork, split and mremap copy a vma; the tracking counts some. */
static void wpf_pagecache_vma_open(struct vm_area_struct *vma)
{
	wpf_pagecache_tracking_vma(wpf_object_of(file_inode(vma->vm_file)),
				   vma, 1);
}

static void wpf_pagecache_vma_close(struct vm_area_struct *vma)
{
	wpf_pagecache_tracking_vma(wpf_object_of(file_inode(vma->vm_file)),
				   vma, -1);
}

static const struct vm_operations_struct wpf_pagecache_vm_ops = {
	.open = wpf_pagecache_vma_open,
	.close = wpf_pagecache_vma_close,
	.fault = wpf_fault,
	.map_pages = wpf_map_pages,
	.page_mkwrite = wpf_page_mkwrite,
};

/*
 * A dirty bit a clean took from a pte of a locked folio means data the
 * disk lacks: it goes to the folio, the kernel's dirty state.  The write
 * it stands for went through ->page_mkwrite and is recorded, so this
 * skips ->dirty_folio, which would record again every page of a large
 * folio that a clean left reserved, those this clean just cleaned among
 * them.
 */
static void wpf_folio_redirty(struct wpf_object *obj, struct folio *folio)
{
	if (filemap_dirty_folio(folio->mapping, folio))
		wpf_count(obj, WPFAULT_STAT_PAGES_ACCOUNTED,
			  folio_nr_pages(folio));
}

/*
 * Write-protects a locked folio, every page of it.  Returns whether a pte
 * was dirty or writable (shared mappings make a pte writable and dirty
 * at once).
 */
static bool wpf_folio_wrprotect(struct wpf_object *obj, struct folio *folio)
{
	wpf_count(obj, WPFAULT_STAT_MAPPING_WALKS, 1);
	if (!folio_mkclean(folio))
		return false;
	wpf_folio_redirty(obj, folio);
	return true;
}

/* How many pages of [@first, @first + @nr) @folio holds from @first on. */
static pgoff_t wpf_folio_pages_from(struct folio *folio, pgoff_t first,
				    pgoff_t nr)
{
	return min(folio_next_index(folio) - first, nr);
}

/*
 * Locks the folios of [@first, @first + @nr) in order, waiting for the
 * first and only trying the others, as a task that holds one of them may
 * wait for another: stops at a page with no folio or one locked
 * elsewhere.  Returns how many pages of the range the folios it locked
 * hold, each folio with a reference.
 */
static pgoff_t wpf_lock_folio_run(struct address_space *mapping,
				  pgoff_t first, pgoff_t nr)
{
	struct folio *folio = wpf_lock_folio(mapping, first);
	pgoff_t locked;

	if (!folio)
		return 0;
	locked = wpf_folio_pages_from(folio, first, nr);
	/* The pages before first + locked are in folios this task holds. */
	while (locked < nr) {
		folio = wpf_trylock_folio(mapping, first + locked);
		if (!folio)
			break;
		locked = wpf_folio_pages_from(folio, first, nr);
	}
	return locked;
}

/* A folio this task holds locked, and so in the page cache. */
static struct folio *wpf_held_folio(struct address_space *mapping,
				    pgoff_t index)
{
	struct folio *folio;

	rcu_read_lock();
	folio = xa_load(&mapping->i_pages, index);
	rcu_read_unlock();
	return folio;
}

/*
 * Cleans [@first, @first + @nr), whose folios this task holds locked:
 * ->page_mkwrite waits for the lock, so none is halfway, and each page
 * either has no writable pte or is recorded.  In MKWRITE mode the ptes
 * are write-protected, by the run where the helpers can
 * (wpf_pagecache_tracking_clean_run()) and else by folio_mkclean(), which
 * takes every page of a large folio, those outside the range too: they
 * stay recorded, so their next write faults and finds them so.  In
 * PAGETABLE mode they stay writable, their dirty bits harvested before.
 * Bit @bit + i of @cleaned says whether page @first + i was set.
 */
static void wpf_clean_locked(struct wpf_object *obj, pgoff_t first,
			     pgoff_t nr, unsigned long *cleaned, pgoff_t bit)
{
	struct address_space *mapping = obj->inode->i_mapping;
	DECLARE_BITMAP(dirty, WPF_CLEAN_RUN);
	bool by_run, writable, was_set;
	struct folio *folio;
	pgoff_t i, end;

	mutex_lock(&obj->disk_lock);
	by_run = wpf_pagecache_tracking_clean_run(obj, first, nr, dirty);
	for (i = 0; i < nr; i = end) {
		folio = wpf_held_folio(mapping, first + i);
		end = i + wpf_folio_pages_from(folio, first + i, nr - i);
		if (obj->tracking.mode == WPFAULT_MODE_PAGETABLE) {
			writable = folio_mapped(folio);
		} else if (by_run) {
			/* A pte the run cleaned was writable and dirty. */
			writable = find_next_bit(dirty, end, i) < end;
			if (writable)
				wpf_folio_redirty(obj, folio);
		} else {
			writable = wpf_folio_wrprotect(obj, folio);
		}
		for (; i < end; i++) {
			was_set = wpf_written_clean_unless_pinned(obj,
								  first + i,
								  folio,
								  writable);
			__assign_bit(bit + i, cleaned, was_set);
		}
		folio_unlock(folio);
		folio_put(folio);
	}
	mutex_unlock(&obj->disk_lock);
}

/* A page whose folio is not cached: written back and reclaimed. */
static bool wpf_clean_uncached(struct wpf_object *obj, pgoff_t index)
{
	struct address_space *mapping = obj->inode->i_mapping;
	struct folio *folio;
	bool was_set;

	/* No pte can map the page. */
	was_set = wpf_written_clear(obj, index);
	/*
	 * Unless a fault brought it back since the lookup; then a write may
	 * have set the entry and used the pte before it was cleared.  It
	 * came after this clean began, so keep it.
	 */
	folio = wpf_lock_folio(mapping, index);
	if (folio) {
		if (wpf_folio_wrprotect(obj, folio))
			wpf_written_keep(obj, index);
		folio_unlock(folio);
		folio_put(folio);
	}
	return was_set;
}

/* The type's clean_run hook: runs of cached folios, locked together. */
static void wpf_pagecache_clean_run(struct wpf_object *obj, pgoff_t first,
				    pgoff_t nr, unsigned long *cleaned)
{
	struct address_space *mapping = obj->inode->i_mapping;
	pgoff_t i = 0, locked;

	while (i < nr) {
		locked = wpf_lock_folio_run(mapping, first + i, nr - i);
		if (locked) {
			wpf_clean_locked(obj, first + i, locked, cleaned, i);
			i += locked;
		} else {
			__assign_bit(i, cleaned,
				     wpf_clean_uncached(obj, first + i));
			i++;
		}
		cond_resched();
	}
}

/*
 * Zeroes [@from, @to), inside one page, in the cache and on the disk
 * together under the folio lock.  Writeback copies a folio under that
 * lock, so it cannot slip in between: had it stored a write that landed
 * after the cache was zeroed, zeroing the disk next would lose that write
 * from the disk while the folio stayed clean.  If no folio is cached, none
 * can appear: the caller holds the invalidate lock.
 */
static void wpf_zero_in_page(struct wpf_object *obj, loff_t from, loff_t to)
{
	struct folio *folio;

	lockdep_assert_held_write(&obj->inode->i_mapping->invalidate_lock);
	if (from >= to)
		return;
	folio = wpf_lock_folio(obj->inode->i_mapping, from >> PAGE_SHIFT);
	if (folio)
		folio_zero_range(folio, offset_in_folio(folio, from),
				 to - from);
	wpf_disk_zero(obj, from, to);
	if (folio) {
		folio_unlock(folio);
		folio_put(folio);
	}
}

/*
 * Growing: what lies past the old end of file in the folio that holds it
 * is no file data, and reads zeroes from now on.  That is the old last
 * page's tail and, in a large folio that a truncation could not split
 * (or not below the minimum order), whole pages past it, which writes
 * through a mapping may have reached before the truncation unmapped them.
 * Those are zeroed in the cache only: writeback writes no page past end
 * of file, so their blocks, if any, were zeroed when the file shrank, or
 * allocated zeroed since.
 */
static void wpf_pagecache_zero_tail(struct wpf_object *obj, loff_t from)
{
	loff_t first = round_up(from, PAGE_SIZE), end;
	struct folio *folio;

	wpf_zero_in_page(obj, from, first);
	folio = wpf_lock_folio(obj->inode->i_mapping, from >> PAGE_SHIFT);
	if (!folio)
		return;
	end = folio_pos(folio) + folio_size(folio);
	if (first < end)
		folio_zero_range(folio, offset_in_folio(folio, first),
				 end - first);
	folio_unlock(folio);
	folio_put(folio);
}

/*
 * Zeroes [@start, @end) as a size change (@end is LLONG_MAX) or a hole
 * punch does: partial pages are zeroed in place, whole pages leave the
 * page cache and the disk.  Counts it.  The caller holds the inode lock
 * and the invalidate lock, so no folio is created meanwhile.
 */
static void wpf_pagecache_truncate(struct wpf_object *obj, loff_t start,
				   loff_t end, bool punch)
{
	struct inode *inode = obj->inode;
	unsigned long before = inode->i_mapping->nrpages;
	loff_t first = round_up(start, PAGE_SIZE);
	loff_t last = punch ? round_down(end, PAGE_SIZE) : end;

	lockdep_assert_held_write(&inode->i_rwsem);
	lockdep_assert_held_write(&inode->i_mapping->invalidate_lock);
	if (last < first) {
		wpf_zero_in_page(obj, start, end);
	} else {
		wpf_zero_in_page(obj, start, first);
		if (punch) {
			wpf_zero_in_page(obj, last, end);
			if (first < last)
				truncate_pagecache_range(inode, first,
							 last - 1);
		} else {
			truncate_pagecache(inode, first);
		}
		wpf_disk_zero(obj, first, last);
	}
	wpf_count(obj, WPFAULT_STAT_TRUNCATIONS, 1);
	trace_wpfault_truncate(obj->id, start, end, punch);
	wpf_count(obj, WPFAULT_STAT_PAGES_TRUNCATED,
		  before - inode->i_mapping->nrpages);
}

/*
 * A write(2), and splice or copy_file_range, which end in it.  Bytes that
 * a mapping stored past end of file, in the folio that holds it, are no
 * file data: a write that extends the file zeroes them first, as
 * filesystems do (xfstests generic/363 checks it), as truncation does in
 * setattr.  The folio lock and the invalidate lock keep writeback and
 * faults from copying them to or from the disk meanwhile.
 */
static ssize_t wpf_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct wpf_object *obj = wpf_object_of(inode);
	loff_t size;
	ssize_t ret;

	inode_lock(inode);
	ret = generic_write_checks(iocb, from);
	size = i_size_read(inode);
	if (ret > 0 && iocb->ki_pos + ret > size) {
		filemap_invalidate_lock(inode->i_mapping);
		wpf_pagecache_zero_tail(obj, size);
		filemap_invalidate_unlock(inode->i_mapping);
	}
	if (ret > 0)
		ret = __generic_file_write_iter(iocb, from);
	inode_unlock(inode);
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}

static void wpf_pagecache_init(struct wpf_object *obj)
{
	obj->inode->i_mapping->a_ops = &wpf_pagecache_aops;
	wpf_tracking_init(obj, &wpf_pagecache_tracking_ops);
}

/*
 * A mapping may reach past end of file, as on any file system: an access
 * past the page that holds it gets SIGBUS (sigbus_faults).
 */
static int wpf_pagecache_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &wpf_pagecache_vm_ops;
	wpf_pagecache_tracking_vma(wpf_object_of(file_inode(file)), vma, 1);
	return 0;
}

/* Regular file operations, all through the page cache. */
static const struct file_operations wpf_pagecache_fops = {
	.owner = THIS_MODULE,
	.open = generic_file_open,
	.llseek = wpf_object_llseek,
	.read_iter = generic_file_read_iter,
	.write_iter = wpf_write_iter,
	.splice_read = wpf_splice_read,
	.splice_write = iter_file_splice_write,
	.fsync = wpf_fsync,
	.fallocate = wpf_object_fallocate,
	.mmap = wpf_pagecache_mmap,
	.unlocked_ioctl = wpf_object_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

const struct wpf_object_type wpf_pagecache_type = {
	.flags = WPF_TYPE_LARGE_FOLIOS,
	.init = wpf_pagecache_init,
	.fops = &wpf_pagecache_fops,
	.clean_run = wpf_pagecache_clean_run,
	.zero_tail = wpf_pagecache_zero_tail,
	.truncate = wpf_pagecache_truncate,
	.harvest = wpf_pagecache_tracking_harvest,
	.harvest_next = wpf_pagecache_tracking_harvest_next,
	.collected = wpf_tracking_collected,
	.method = wpf_tracking_method,
	.debugfs = wpf_tracking_debugfs,
};
