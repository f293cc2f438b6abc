// SPDX-License-Identifier: GPL-2.0
/*
 * Page-cache objects: files whose shared writable mappings are
 * write-notify, so the first write to a clean page faults into
 * ->page_mkwrite, the path a file system uses to learn a page is about to
 * be dirtied.  The kernel writes their dirty pages back to a disk in
 * memory (writeback.c, disk.c) and may reclaim clean ones.
 */
#include <linux/fs.h>
/* falloc.h uses the types fs.h brings in. */
#include <linux/falloc.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/uio.h>
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
	if (!folio_test_uptodate(folio))
		wpf_fill_folio(obj, folio);
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
	 * the retried fault finds no pte and sees the new end of file.
	 */
	if (folio->mapping != inode->i_mapping ||
	    folio_pos(folio) >= i_size_read(inode)) {
		folio_unlock(folio);
		ret = VM_FAULT_NOPAGE;
		goto out;
	}
	if (wpf_track_reserve(obj, folio->index, GFP_KERNEL)) {
		folio_unlock(folio);
		ret = VM_FAULT_OOM;
		goto out;
	}
	/*
	 * Record the write and dirty the folio before the pte becomes
	 * writable, and keep it locked until the core has made it so:
	 * writeback and clean take the same lock, so they see either a
	 * read-only pte or all of it done.
	 */
	wpf_track_commit(obj, folio->index, true);
	folio_mark_dirty(folio);
out:
	sb_end_pagefault(inode->i_sb);
	return ret;
}

static const struct vm_operations_struct wpf_pagecache_vm_ops = {
	.fault = wpf_fault,
	.map_pages = wpf_map_pages,
	.page_mkwrite = wpf_page_mkwrite,
};

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
 * Zeroes [@start, @end) as a size change (@end is LLONG_MAX) or a hole
 * punch does: partial pages are zeroed in place, whole pages leave the
 * page cache and the disk.  Counts it.  The caller holds the inode lock
 * and the invalidate lock, so no folio is created meanwhile.
 */
static void wpf_truncate_range(struct wpf_object *obj, loff_t start,
			       loff_t end, bool punch)
{
	struct inode *inode = obj->inode;
	unsigned long before = inode->i_mapping->nrpages;
	loff_t first = round_up(start, PAGE_SIZE);
	loff_t last = punch ? round_down(end, PAGE_SIZE) : end;

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
	wpf_count(obj, WPFAULT_STAT_PAGES_TRUNCATED,
		  before - inode->i_mapping->nrpages);
}

/*
 * Size changes exclude the creation of folios: see wpf_fault().  Bytes
 * past the old end of file read as zeroes when the file grows, however
 * they were written (a mapping may write past EOF in the last page).
 */
static int wpf_setattr(struct wpf_idmap *idmap, struct dentry *dentry,
		       struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	struct wpf_object *obj = wpf_object_of(inode);
	loff_t old_size = i_size_read(inode);
	int err;

	if (!(attr->ia_valid & ATTR_SIZE) || attr->ia_size == old_size)
		return simple_setattr(idmap, dentry, attr);

	err = setattr_prepare(idmap, dentry, attr);
	if (err)
		return err;
	filemap_invalidate_lock(inode->i_mapping);
	if (attr->ia_size > old_size) {
		wpf_zero_in_page(obj, old_size,
				 round_up(old_size, PAGE_SIZE));
		i_size_write(inode, attr->ia_size);
	} else {
		i_size_write(inode, attr->ia_size);
		wpf_truncate_range(obj, attr->ia_size, LLONG_MAX, false);
		wpf_track_forget(obj, DIV_ROUND_UP(attr->ia_size, PAGE_SIZE));
	}
	filemap_invalidate_unlock(inode->i_mapping);
	/* The rest of simple_setattr(), whose checks already passed. */
	setattr_copy(idmap, inode, attr);
	mark_inode_dirty(inode);
	return 0;
}

static const struct inode_operations wpf_pagecache_iops = {
	.setattr = wpf_setattr,
};

/* Only hole punching: the disk has no notion of preallocation. */
static long wpf_fallocate(struct file *file, int mode, loff_t offset,
			  loff_t len)
{
	struct inode *inode = file_inode(file);
	loff_t end;

	if (mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	inode_lock(inode);
	filemap_invalidate_lock(inode->i_mapping);
	end = min(offset + len, i_size_read(inode));
	if (offset < end)
		wpf_truncate_range(wpf_object_of(inode), offset, end, true);
	filemap_invalidate_unlock(inode->i_mapping);
	inode_unlock(inode);
	return 0;
}

static void wpf_pagecache_init(struct wpf_object *obj)
{
	mutex_init(&obj->disk_lock);
	xa_init(&obj->disk);
	obj->inode->i_op = &wpf_pagecache_iops;
	obj->inode->i_mapping->a_ops = &wpf_pagecache_aops;
}

static void wpf_pagecache_destroy(struct wpf_object *obj)
{
	wpf_disk_destroy(obj);
}

static int wpf_pagecache_mmap(struct file *file, struct vm_area_struct *vma)
{
	pgoff_t size = wpf_size_in_pages(file_inode(file));

	if (vma->vm_pgoff >= size || vma_pages(vma) > size - vma->vm_pgoff)
		return -EINVAL;
	vma->vm_ops = &wpf_pagecache_vm_ops;
	return 0;
}

static long wpf_pagecache_ioctl(struct wpf_object *obj, unsigned int cmd,
				void __user *uarg)
{
	switch (cmd) {
	case WPFAULT_IOC_CLEAN:
		return wpf_ioctl_clean(obj, uarg);
	case WPFAULT_IOC_DIRTY_BITMAP:
		return wpf_ioctl_dirty_bitmap(obj, uarg, false);
	case WPFAULT_IOC_COLLECT:
		return wpf_ioctl_dirty_bitmap(obj, uarg, true);
	case WPFAULT_IOC_READ_DISK:
		return wpf_ioctl_read_disk(obj, uarg);
	default:
		return -ENOTTY;
	}
}

/* Regular file operations, all through the page cache. */
static const struct file_operations wpf_pagecache_fops = {
	.owner = THIS_MODULE,
	.open = generic_file_open,
	.llseek = generic_file_llseek,
	.read_iter = generic_file_read_iter,
	.write_iter = generic_file_write_iter,
	.splice_read = wpf_splice_read,
	.splice_write = iter_file_splice_write,
	.fsync = wpf_fsync,
	.fallocate = wpf_fallocate,
	.mmap = wpf_pagecache_mmap,
	.unlocked_ioctl = wpf_object_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

const struct wpf_object_type wpf_pagecache_type = {
	.init = wpf_pagecache_init,
	.destroy = wpf_pagecache_destroy,
	.fops = &wpf_pagecache_fops,
	.clean_page = wpf_pagecache_clean_page,
	.ioctl = wpf_pagecache_ioctl,
};
