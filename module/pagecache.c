// SPDX-License-Identifier: GPL-2.0
/*
 * Page-cache objects: memory-only files whose shared writable mappings are
 * write-notify, so the first write to a clean page faults into
 * ->page_mkwrite, the path a filesystem uses to learn a page is about to be
 * dirtied.  Pages live in the object's page cache and nowhere else, so they
 * are kept unevictable: a clean page dropped by reclaim would lose data.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/writeback.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "compat.h"
#include "wpfault.h"

static pgoff_t wpf_size_in_pages(struct inode *inode)
{
	return DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
}

static vm_fault_t wpf_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct inode *inode = file_inode(vma->vm_file);
	struct address_space *mapping = inode->i_mapping;
	struct wpf_object *obj = wpf_object_of(inode);
	struct folio *folio;

	if (!(vmf->flags & FAULT_FLAG_WRITE))
		wpf_count(obj, WPFAULT_STAT_READ_FAULTS, 1);
	else if (vma->vm_flags & VM_SHARED)
		wpf_count(obj, WPFAULT_STAT_WRITE_FAULTS, 1);
	else
		wpf_count(obj, WPFAULT_STAT_COW_FAULTS, 1);

	/*
	 * Truncation holds the invalidate lock from the size change until
	 * the page cache past the new end of file is gone.  Checking the
	 * size and creating the folio under it means no folio is ever
	 * created past EOF; once the folio is locked, a later truncation
	 * waits for it and then unmaps and drops it.
	 */
	filemap_invalidate_lock_shared(mapping);
	if (vmf->pgoff >= wpf_size_in_pages(inode)) {
		filemap_invalidate_unlock_shared(mapping);
		goto sigbus;
	}
	folio = wpf_grab_folio(mapping, vmf->pgoff);
	filemap_invalidate_unlock_shared(mapping);
	if (IS_ERR(folio))
		return vmf_error(PTR_ERR(folio));
	/* Only this path adds folios; it initialises them under the lock. */
	if (!folio_test_uptodate(folio)) {
		folio_zero_range(folio, 0, folio_size(folio));
		folio_mark_uptodate(folio);
		wpf_count(obj, WPFAULT_STAT_PAGES_ALLOCATED, 1);
		wpf_count_global(WPFAULT_STAT_PAGES_RESIDENT, 1);
	}
	vmf->page = folio_file_page(folio, vmf->pgoff);
	return VM_FAULT_LOCKED;

sigbus:
	wpf_count(obj, WPFAULT_STAT_SIGBUS_FAULTS, 1);
	return VM_FAULT_SIGBUS;
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
	unsigned long before, after;
	vm_fault_t ret;

	before = wpf_window_mapcount(inode->i_mapping, first, last);
	ret = filemap_map_pages(vmf, first, last);
	after = wpf_window_mapcount(inode->i_mapping, first, last);
	if (after > before)
		wpf_count(wpf_object_of(inode), WPFAULT_STAT_FAULTAROUND_PAGES,
			  after - before);
	return ret;
}

static vm_fault_t wpf_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct wpf_object *obj = wpf_object_of(inode);
	struct folio *folio = page_folio(vmf->page);

	wpf_count(obj, WPFAULT_STAT_MKWRITE_CALLS, 1);
	folio_lock(folio);
	/*
	 * Truncation unmaps a page before it frees it; if it got here first,
	 * the retried fault finds no pte and sees the new end of file.
	 */
	if (folio->mapping != inode->i_mapping ||
	    folio_pos(folio) >= i_size_read(inode)) {
		folio_unlock(folio);
		return VM_FAULT_NOPAGE;
	}
	/*
	 * Dirty the folio before the pte becomes writable, and keep it locked
	 * until the core has made it so: a clean takes the same lock, so it
	 * sees either a clean page with a read-only pte or both dirty.
	 */
	if (folio_mark_dirty(folio))
		wpf_count(obj, WPFAULT_STAT_PAGES_DIRTIED, 1);
	return VM_FAULT_LOCKED;
}

static const struct vm_operations_struct wpf_pagecache_vm_ops = {
	.fault = wpf_fault,
	.map_pages = wpf_map_pages,
	.page_mkwrite = wpf_page_mkwrite,
};

static void wpf_free_folio(struct folio *folio)
{
	wpf_count_global(WPFAULT_STAT_PAGES_RESIDENT, -1);
}

static const struct address_space_operations wpf_pagecache_aops = {
	.dirty_folio = filemap_dirty_folio,
	.migrate_folio = filemap_migrate_folio,
	.free_folio = wpf_free_folio,
};

/* Size changes exclude the creation of folios: see wpf_fault(). */
static int wpf_setattr(struct wpf_idmap *idmap, struct dentry *dentry,
		       struct iattr *attr)
{
	struct address_space *mapping = d_inode(dentry)->i_mapping;
	int err;

	filemap_invalidate_lock(mapping);
	err = simple_setattr(idmap, dentry, attr);
	filemap_invalidate_unlock(mapping);
	return err;
}

static const struct inode_operations wpf_pagecache_iops = {
	.setattr = wpf_setattr,
};

static void wpf_pagecache_init(struct wpf_object *obj)
{
	struct address_space *mapping = obj->inode->i_mapping;

	obj->inode->i_op = &wpf_pagecache_iops;
	mapping->a_ops = &wpf_pagecache_aops;
	mapping_set_unevictable(mapping);
}

static int wpf_pagecache_mmap(struct file *file, struct vm_area_struct *vma)
{
	pgoff_t size = wpf_size_in_pages(file_inode(file));

	if (vma->vm_pgoff >= size || vma_pages(vma) > size - vma->vm_pgoff)
		return -EINVAL;
	vma->vm_ops = &wpf_pagecache_vm_ops;
	return 0;
}

/* Write-protects every mapping of a locked folio and makes it clean. */
static bool wpf_folio_clean(struct address_space *mapping, struct folio *folio)
{
	/* Fold dirty ptes into the folio first, as writeback would. */
	if (folio_mkclean(folio))
		folio_mark_dirty(folio);
	if (!folio_test_clear_dirty(folio))
		return false;
	xa_lock_irq(&mapping->i_pages);
	__xa_clear_mark(&mapping->i_pages, folio->index, PAGECACHE_TAG_DIRTY);
	xa_unlock_irq(&mapping->i_pages);
	return true;
}

static long wpf_ioctl_clean(struct wpf_object *obj,
			    struct wpfault_clean __user *uarg)
{
	struct address_space *mapping = obj->inode->i_mapping;
	struct folio_batch fbatch;
	struct wpfault_clean arg;
	pgoff_t index, last, nr;
	u64 cleaned = 0;
	unsigned int i;
	int err;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.reserved)
		return -EINVAL;
	err = wpf_object_range(obj, &arg.range, &index, &nr);
	if (err)
		return err;
	last = index + nr - 1;

	folio_batch_init(&fbatch);
	while (filemap_get_folios(mapping, &index, last, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			struct folio *folio = fbatch.folios[i];

			folio_lock(folio);
			if (folio->mapping == mapping &&
			    wpf_folio_clean(mapping, folio))
				cleaned++;
			folio_unlock(folio);
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
	wpf_count(obj, WPFAULT_STAT_PAGES_CLEANED, cleaned);
	return put_user(cleaned, &uarg->pages_cleaned);
}

static long wpf_ioctl_dirty_bitmap(struct wpf_object *obj,
				   struct wpfault_dirty_bitmap __user *uarg)
{
	struct address_space *mapping = obj->inode->i_mapping;
	u64 word = 0, word_index = 0, dirty = 0;
	struct wpfault_dirty_bitmap arg;
	struct folio_batch fbatch;
	pgoff_t first, index, last, nr;
	u64 __user *bitmap;
	unsigned int i;
	size_t bytes;
	int err;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.reserved)
		return -EINVAL;
	err = wpf_object_range(obj, &arg.range, &first, &nr);
	if (err)
		return err;
	bytes = DIV_ROUND_UP(nr, 64) * sizeof(u64);
	if (arg.bitmap_size < bytes)
		return -ERANGE;
	bitmap = u64_to_user_ptr(arg.bitmap);
	if (clear_user(bitmap, bytes))
		return -EFAULT;

	/* Folios come in index order: build one word at a time. */
	index = first;
	last = first + nr - 1;
	folio_batch_init(&fbatch);
	while (filemap_get_folios(mapping, &index, last, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			pgoff_t bit = fbatch.folios[i]->index - first;

			if (!folio_test_dirty(fbatch.folios[i]))
				continue;
			if (bit / 64 != word_index) {
				if (word && put_user(word, bitmap + word_index))
					goto fault;
				word_index = bit / 64;
				word = 0;
			}
			word |= 1ULL << (bit % 64);
			dirty++;
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
	if (word && put_user(word, bitmap + word_index))
		return -EFAULT;
	return put_user(dirty, &uarg->dirty_pages);

fault:
	folio_batch_release(&fbatch);
	return -EFAULT;
}

static long wpf_pagecache_ioctl(struct wpf_object *obj, unsigned int cmd,
				void __user *uarg)
{
	switch (cmd) {
	case WPFAULT_IOC_CLEAN:
		return wpf_ioctl_clean(obj, uarg);
	case WPFAULT_IOC_DIRTY_BITMAP:
		return wpf_ioctl_dirty_bitmap(obj, uarg);
	default:
		return -ENOTTY;
	}
}

const struct wpf_object_type wpf_pagecache_type = {
	.init = wpf_pagecache_init,
	.mmap = wpf_pagecache_mmap,
	.ioctl = wpf_pagecache_ioctl,
};
