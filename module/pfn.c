// SPDX-License-Identifier: GPL-2.0
/*
 * pfn objects: storage mapped by page frame number, not through the page
 * cache, as DAX maps persistent memory.  Each block is a page of module
 * memory (the object's disk, disk.c), allocated by the first write to it;
 * until then a read maps the shared zero page.  A write to a read-only
 * entry goes to ->pfn_mkwrite: with no struct page behind the entry for
 * the core to use, ->page_mkwrite is never called.
 *
 * The vmas are VM_PFNMAP rather than VM_MIXEDMAP.  vmf_insert_pfn() maps
 * the zero page into a shared writable vma on every supported kernel, where
 * vmf_insert_mixed() refuses it from 6.12 on; every entry is special, so
 * it holds no reference, sits on no LRU and cannot be pinned (GUP refuses
 * the vma), like DAX's.  The price: vmf_insert_pfn() BUGs on a COW
 * mapping, so MAP_PRIVATE mappings are refused.
 *
 * Entries are made under disk_lock, by plain inserts, which leave a
 * present entry alone, or, for objects that ask, by the kernel's "mkwrite"
 * insert, which updates a present entry of the same pfn (see "Write
 * inserts" in the uapi header).  Only the hole's upgrade changes a pfn:
 * the zero page goes from every mapping (unmap_mapping_pages()) before the
 * block is mapped.  So no insert can find another pfn at its address and
 * act on it: the pfn mismatch that a WARN caught in "mm: add
 * vm_insert_mixed_mkwrite()" (Ross Zwisler, Jan Kara, July 2017).  A
 * write to a read-only block is recorded by ->pfn_mkwrite and made
 * writable in place by the core (finish_mkwrite_fault()), as vmwgfx's
 * are, or by the mkwrite insert.  Truncation holds the
 * invalidate lock exclusively and the fault paths hold it shared, so no
 * entry is made past end of file, or to a block being freed; the core's
 * upgrade makes none, and fails on an entry truncation removed.
 *
 * Two dirty states, as for page-cache objects: the written set's (written
 * since the last WPFAULT_IOC_CLEAN) and the flush state, a mark on the
 * block that fsync clears, as dax_writeback_mapping_range() clears DAX's
 * dirty tag.  A write that enters the module sets both as it makes the
 * entry writable; how the next write is found after a clean depends on
 * the tracking method (pfn_tracking.c).  fsync unmaps what it flushes,
 * so the next write faults and marks the block again, except in
 * pagetable mode, where the next harvest marks it.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/seq_file.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "compat.h"
#include "trace.h"
#include "wpfault.h"

/*
 * The block of the fault's page, allocated if it was a hole.  Then the
 * zero page may be mapped there in any mapping: it goes from all of them.
 */
static struct page *wpf_pfn_fill(struct vm_fault *vmf, struct wpf_object *obj)
{
	struct page *block;

	lockdep_assert_held(&obj->disk_lock);
	block = xa_load(&obj->disk, vmf->pgoff);
	if (block)
		return block;
	block = wpf_disk_block(obj, vmf->pgoff);
	if (!IS_ERR(block))
		wpf_unmap_pages(obj, vmf->pgoff, 1);
	return block;
}

/* A hole filled by fallocate(): the zero page may map it anywhere. */
static void wpf_pfn_allocated(struct wpf_object *obj, pgoff_t index)
{
	wpf_unmap_pages(obj, index, 1);
}

/*
 * Maps @block writable (and clean) at the fault's address, marked as
 * possibly mapped writable for the harvests.
 */
static vm_fault_t wpf_pfn_map_writable(struct vm_fault *vmf,
				       struct wpf_object *obj,
				       struct page *block)
{
	struct vm_area_struct *vma = vmf->vma;

	lockdep_assert_held(&obj->disk_lock);
	xa_set_mark(&obj->disk, vmf->pgoff, WPF_WRITABLE);
	/* vm_page_prot is read-only: the vma is write-notify. */
	return vmf_insert_pfn_prot(vma, vmf->address, page_to_pfn(block),
				   vm_get_page_prot(vma->vm_flags));
}

/* Records a write to page @index in both dirty states; -errno. */
static int wpf_pfn_record(struct wpf_object *obj, pgoff_t index)
{
	int err;

	lockdep_assert_held(&obj->disk_lock);
	err = wpf_written_set(obj, index);
	if (!err)
		xa_set_mark(&obj->disk, index, WPF_FLUSH_DIRTY);
	return err;
}

/*
 * A read of a block.  In PAGETABLE mode its entry is writable but clean,
 * so that a write sets the dirty bit without a fault; elsewhere read-only,
 * so that a write faults and is recorded.
 */
static vm_fault_t wpf_pfn_map_read(struct vm_fault *vmf,
				   struct wpf_object *obj, struct page *block)
{
	struct vm_area_struct *vma = vmf->vma;

	lockdep_assert_held(&obj->disk_lock);
	if (obj->tracking.mode != WPFAULT_MODE_PAGETABLE ||
	    !(vma->vm_flags & VM_WRITE))
		return vmf_insert_pfn(vma, vmf->address, page_to_pfn(block));
	return wpf_pfn_map_writable(vmf, obj, block);
}

/*
 * The kernel's mkwrite insert: a new entry of @block, or the read-only
 * one there, made writable and dirty.  Under disk_lock, like the cleans:
 * none can write-protect the entry between the record and the insert.
 */
static vm_fault_t wpf_pfn_insert_mkwrite(struct vm_fault *vmf,
					 struct wpf_object *obj,
					 struct page *block)
{
	vm_fault_t ret;

	lockdep_assert_held(&obj->disk_lock);
	xa_set_mark(&obj->disk, vmf->pgoff, WPF_WRITABLE);
	ret = wpf_insert_pfn_mkwrite(vmf->vma, vmf->address,
				     page_to_pfn(block));
	wpf_count(obj, WPFAULT_STAT_MKWRITE_INSERTS, ret == VM_FAULT_NOPAGE);
	trace_wpfault_mkwrite_insert(obj->id, vmf->pgoff,
				     (__force unsigned int)ret);
	return ret;
}

/*
 * A write to the fault's page, which has no entry: @block is mapped the
 * object's way (see "Write inserts" in the uapi header), the write
 * recorded unless the entry is read-only.  If the pte is not empty any
 * more (another thread's fault filled it), a plain insert maps nothing
 * and the retried write goes to ->pfn_mkwrite.
 */
static vm_fault_t wpf_pfn_map_written(struct vm_fault *vmf,
				      struct wpf_object *obj,
				      struct page *block)
{
	int err;

	if (obj->write_insert == WPF_INSERT_READONLY)
		return wpf_pfn_map_read(vmf, obj, block);
	err = wpf_pfn_record(obj, vmf->pgoff);
	if (err)
		return vmf_error(err);
	if (obj->write_insert == WPF_INSERT_MKWRITE)
		return wpf_pfn_insert_mkwrite(vmf, obj, block);
	return wpf_pfn_map_writable(vmf, obj, block);
}

/* A fault on an empty pte: map the block, or the zero page for a hole. */
static vm_fault_t wpf_pfn_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct wpf_object *obj = wpf_object_of(inode);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	struct page *block;
	vm_fault_t ret;

	wpf_count(obj, write ? WPFAULT_STAT_WRITE_FAULTS :
		  WPFAULT_STAT_READ_FAULTS, 1);
	wpf_count(obj, WPFAULT_STAT_VMA_LOCKED_FAULTS,
		  wpf_fault_vma_locked(vmf));
	if (write) {
		sb_start_pagefault(inode->i_sb);
		wpf_write_fault_time(obj, vmf->vma->vm_file);
	}
	filemap_invalidate_lock_shared(inode->i_mapping);
	if (vmf->pgoff >= wpf_object_pages(inode)) {
		wpf_count(obj, WPFAULT_STAT_SIGBUS_FAULTS, 1);
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	mutex_lock(&obj->disk_lock);
	block = xa_load(&obj->disk, vmf->pgoff);
	if (obj->pmd && wpf_pmd_mapped(vmf)) {
		ret = VM_FAULT_NOPAGE;
	} else if (block && PageHWPoison(block)) {
		ret = wpf_poisoned_fault(obj);
	} else if (write) {
		block = wpf_pfn_fill(vmf, obj);
		ret = IS_ERR(block) ? vmf_error(PTR_ERR(block)) :
		      wpf_pfn_map_written(vmf, obj, block);
	} else if (block) {
		ret = wpf_pfn_map_read(vmf, obj, block);
	} else {
		ret = vmf_insert_pfn(vmf->vma, vmf->address,
				     page_to_pfn(ZERO_PAGE(vmf->address)));
		wpf_count(obj, WPFAULT_STAT_ZERO_PAGE_MAPS, 1);
	}
	mutex_unlock(&obj->disk_lock);
out:
	filemap_invalidate_unlock_shared(inode->i_mapping);
	if (write)
		sb_end_pagefault(inode->i_sb);
	trace_wpfault_fault(obj->id, vmf->pgoff,
			    write ? WPFAULT_STAT_WRITE_FAULTS :
			    WPFAULT_STAT_READ_FAULTS,
			    (__force unsigned int)ret);
	return ret;
}

/*
 * A test's hold on the window that wpf_pfn_mkwrite_block() opens: armed
 * through debugfs (<id>/stall_pfn_mkwrite), the next ->pfn_mkwrite that
 * returns 0 waits here, before the core's upgrade, until released.  So a
 * test can clean the page in the window and see the upgrade fail.  The
 * wait is bounded and killable: a test that dies releases nothing.
 */
#define WPF_STALL_MAX	(10 * HZ)

static void wpf_pfn_stall(struct wpf_object *obj)
{
	struct wpf_tracking *t = &obj->tracking;

	if (likely(atomic_read(&t->stall) != WPF_STALL_ARMED) ||
	    atomic_cmpxchg(&t->stall, WPF_STALL_ARMED, WPF_STALL_HELD) !=
	    WPF_STALL_ARMED)
		return;
	wait_event_killable_timeout(t->stall_wait,
				    atomic_read(&t->stall) != WPF_STALL_HELD,
				    WPF_STALL_MAX);
	atomic_cmpxchg(&t->stall, WPF_STALL_HELD, WPF_STALL_IDLE);
}

/*
 * A read-only block: the write is recorded, and the core makes the entry
 * writable when this returns 0 (finish_mkwrite_fault()), with no lock of
 * ours held.  A clean that runs in between must not miss the write the
 * upgrade then lets through: the page is marked, and the clean removes
 * the entries of a marked page instead of write-protecting them
 * (wpf_pfn_tracking_clean_run()), so the upgrade fails its pte_same() check
 * and the fault is retried.  With the mkwrite insert, the upgrade is made
 * here, under disk_lock, and there is no such window.
 */
static vm_fault_t wpf_pfn_mkwrite_block(struct vm_fault *vmf,
					struct wpf_object *obj,
					struct page *block)
{
	int err = wpf_pfn_record(obj, vmf->pgoff);

	if (err)
		return vmf_error(err);
	if (obj->write_insert == WPF_INSERT_MKWRITE)
		return wpf_pfn_insert_mkwrite(vmf, obj, block);
	wpf_written_mark_upgrade(obj, vmf->pgoff);
	xa_set_mark(&obj->disk, vmf->pgoff, WPF_WRITABLE);
	wpf_count(obj, WPFAULT_STAT_CORE_UPGRADES, 1);
	return 0;
}

/*
 * A write to a read-only entry: the zero page of a hole, which a new block
 * replaces in every mapping, or a block.  Another thread may have changed
 * the entry since the fault read it: a hole's block is then mapped if the
 * entry is empty, and the core's upgrade of a block fails if it is not
 * the entry it read.
 */
static vm_fault_t wpf_pfn_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	bool hole = is_zero_pfn(pte_pfn(vmf->orig_pte));
	struct wpf_object *obj = wpf_object_of(inode);
	bool upgraded = false;
	struct page *block;
	vm_fault_t ret;

	wpf_count(obj, WPFAULT_STAT_PFN_MKWRITE_CALLS, 1);
	wpf_count(obj, WPFAULT_STAT_VMA_LOCKED_FAULTS,
		  wpf_fault_vma_locked(vmf));
	sb_start_pagefault(inode->i_sb);
	wpf_write_fault_time(obj, vmf->vma->vm_file);
	filemap_invalidate_lock_shared(inode->i_mapping);
	mutex_lock(&obj->disk_lock);
	if (vmf->pgoff >= wpf_object_pages(inode)) {
		/* Truncated meanwhile: the retried fault gets SIGBUS. */
		ret = VM_FAULT_NOPAGE;
		goto out;
	}
	block = wpf_pfn_fill(vmf, obj);
	if (IS_ERR(block)) {
		ret = vmf_error(PTR_ERR(block));
		goto out;
	}
	if (PageHWPoison(block)) {
		ret = wpf_poisoned_fault(obj);
		goto out;
	}
	if (!hole) {
		ret = wpf_pfn_mkwrite_block(vmf, obj, block);
		goto out;
	}
	ret = wpf_pfn_map_written(vmf, obj, block);
	upgraded = !(ret & VM_FAULT_ERROR);
	wpf_count(obj, WPFAULT_STAT_HOLE_UPGRADES, upgraded);
out:
	trace_wpfault_pfn_mkwrite(obj->id, vmf->pgoff, upgraded,
				  (__force unsigned int)ret);
	mutex_unlock(&obj->disk_lock);
	filemap_invalidate_unlock_shared(inode->i_mapping);
	sb_end_pagefault(inode->i_sb);
	if (!ret)
		wpf_pfn_stall(obj);
	return ret;
}

static const char *const wpf_stall_names[] = {
	[WPF_STALL_IDLE] = "idle",
	[WPF_STALL_ARMED] = "armed",
	[WPF_STALL_HELD] = "held",
};

static int wpf_stall_show(struct seq_file *m, void *unused)
{
	struct wpf_object *obj = m->private;

	seq_printf(m, "%s\n",
		   wpf_stall_names[atomic_read(&obj->tracking.stall)]);
	return 0;
}

static int wpf_stall_open(struct inode *inode, struct file *file)
{
	return single_open(file, wpf_stall_show, inode->i_private);
}

/* "1" arms (-EBUSY unless idle), "0" disarms or releases. */
static ssize_t wpf_stall_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct wpf_object *obj = m->private;
	struct wpf_tracking *t = &obj->tracking;
	bool arm;
	int err;

	err = kstrtobool_from_user(buf, count, &arm);
	if (err)
		return err;
	if (arm) {
		if (atomic_cmpxchg(&t->stall, WPF_STALL_IDLE,
				   WPF_STALL_ARMED) != WPF_STALL_IDLE)
			return -EBUSY;
	} else {
		atomic_set(&t->stall, WPF_STALL_IDLE);
		wake_up_all(&t->stall_wait);
	}
	return count;
}

static const struct file_operations wpf_stall_fops = {
	.owner = THIS_MODULE,
	.open = wpf_stall_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = wpf_stall_write,
	.release = single_release,
};

static const char *const wpf_insert_names[] = {
	[WPF_INSERT_WRITABLE] = "plain",
	[WPF_INSERT_READONLY] = "readonly",
	[WPF_INSERT_MKWRITE] = "mkwrite",
};

static int wpf_write_insert_show(struct seq_file *m, void *unused)
{
	struct wpf_object *obj = m->private;

	seq_printf(m, "%s\n", wpf_insert_names[obj->write_insert]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wpf_write_insert);

/* stall_pfn_mkwrite (above), and write_insert: the object's way. */
static void wpf_pfn_debugfs(struct wpf_object *obj)
{
	wpf_tracking_debugfs(obj);
	debugfs_create_file("write_insert", 0400, obj->debugfs_dir, obj,
			    &wpf_write_insert_fops);
	debugfs_create_file("stall_pfn_mkwrite", 0600, obj->debugfs_dir, obj,
			    &wpf_stall_fops);
}

/* fork, split and mremap copy a vma: the tracking lists each. */
static void wpf_pfn_vma_open(struct vm_area_struct *vma)
{
	struct wpf_object *obj = wpf_object_of(file_inode(vma->vm_file));

	wpf_pfn_tracking_vma_add(obj, vma, false);
}

static void wpf_pfn_vma_close(struct vm_area_struct *vma)
{
	struct wpf_object *obj = wpf_object_of(file_inode(vma->vm_file));

	wpf_pfn_tracking_vma_close(obj, vma);
}

static int wpf_pfn_mprotect(struct vm_area_struct *vma, unsigned long start,
			    unsigned long end, unsigned long newflags)
{
	struct wpf_object *obj = wpf_object_of(file_inode(vma->vm_file));

	return wpf_pfn_tracking_mprotect(obj, vma, start, end, newflags);
}

static const struct vm_operations_struct wpf_pfn_vm_ops = {
	.open = wpf_pfn_vma_open,
	.close = wpf_pfn_vma_close,
	.mprotect = wpf_pfn_mprotect,
	.fault = wpf_pfn_fault,
	.map_pages = wpf_map_no_pages,
	.pfn_mkwrite = wpf_pfn_mkwrite,
};

#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
/* WPFAULT_CREATE_PMD objects' (pfn_pmd.c): only they have ->huge_fault. */
static const struct vm_operations_struct wpf_pfn_pmd_vm_ops = {
	.open = wpf_pfn_vma_open,
	.close = wpf_pfn_vma_close,
	.mprotect = wpf_pfn_mprotect,
	.fault = wpf_pfn_fault,
	.huge_fault = wpf_pmd_fault,
	.map_pages = wpf_map_no_pages,
	.pfn_mkwrite = wpf_pfn_mkwrite,
};
#endif

/*
 * The pages are write-protected (or their dirty bits harvested) before
 * their written-set entries go, under disk_lock: a write that used an old
 * entry is reported now, a later one faults and waits, or sets a dirty
 * bit, and is reported by the next clean.
 */
static void wpf_pfn_clean_run(struct wpf_object *obj, pgoff_t first,
			      pgoff_t nr, unsigned long *cleaned)
{
	pgoff_t i;

	mutex_lock(&obj->disk_lock);
	wpf_pfn_tracking_clean_run(obj, first, nr);
	for (i = 0; i < nr; i++)
		__assign_bit(i, cleaned, wpf_written_clear(obj, first + i));
	mutex_unlock(&obj->disk_lock);
}

/*
 * fsync "writes back" as DAX does: the blocks already hold the data, so a
 * flush clears the flush state of each block written since the last one
 * and, unless the tracking method harvests dirty bits, unmaps it, so that
 * the next write faults and marks it again.
 */
static int wpf_pfn_fsync(struct file *file, loff_t start, loff_t end,
			 int datasync)
{
	struct wpf_object *obj = wpf_object_of(file_inode(file));
	unsigned long index = start >> PAGE_SHIFT;
	pgoff_t last = end >> PAGE_SHIFT;
	long flushed = 0;
	struct page *block;
	bool unmap;

	wpf_count(obj, WPFAULT_STAT_WRITEBACK_CALLS, 1);
	trace_wpfault_writeback_call(obj->id);
	mutex_lock(&obj->disk_lock);
	unmap = wpf_pfn_tracking_flush(obj, index, last);
	for (block = xa_find(&obj->disk, &index, last, WPF_FLUSH_DIRTY); block;
	     block = xa_find_after(&obj->disk, &index, last, WPF_FLUSH_DIRTY)) {
		if (unmap) {
			wpf_unmap_pages(obj, index, 1);
			xa_clear_mark(&obj->disk, index, WPF_WRITABLE);
		}
		xa_clear_mark(&obj->disk, index, WPF_FLUSH_DIRTY);
		trace_wpfault_writeback(obj->id, index, 1);
		flushed++;
		cond_resched();
	}
	/* Under the lock: a racing fsync that found nothing sees it. */
	wpf_count(obj, WPFAULT_STAT_PAGES_WRITTEN_BACK, flushed);
	mutex_unlock(&obj->disk_lock);
	return 0;
}

/* Growing: the old last block's tail reads zeroes. */
static void wpf_pfn_zero_tail(struct wpf_object *obj, loff_t from)
{
	wpf_disk_zero(obj, from, round_up(from, PAGE_SIZE));
}

/*
 * Zeroes [@start, @end) as a size change (@end is LLONG_MAX) or a hole
 * punch does: the entries of whole pages go from every mapping, then their
 * blocks, which leaves holes (reads map the zero page again); partial
 * pages are zeroed in place.  The caller holds the invalidate lock: no
 * fault maps a page meanwhile.
 */
static void wpf_pfn_truncate(struct wpf_object *obj, loff_t start,
			     loff_t end, bool punch)
{
	pgoff_t first = DIV_ROUND_UP(start, PAGE_SIZE);
	/* 0 pages: all from @first on. */
	pgoff_t nr = punch ? (end >> PAGE_SHIFT) - first : 0;

	lockdep_assert_held_write(&obj->inode->i_mapping->invalidate_lock);
	/* A punch is no clean: the writes stay recorded. */
	if (punch && first < end >> PAGE_SHIFT)
		wpf_pfn_tracking_punch(obj, first, nr);
	else if (!punch)
		wpf_unmap_pages(obj, first, nr);
	wpf_count(obj, WPFAULT_STAT_BLOCKS_FREED,
		  wpf_disk_zero(obj, start, end));
	wpf_count(obj, WPFAULT_STAT_TRUNCATIONS, 1);
	trace_wpfault_truncate(obj->id, start, end, punch);
}

/* Past end of file too: an access there gets SIGBUS, as in pagecache.c. */
static int wpf_pfn_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* See the top of the file: no COW mappings of VM_PFNMAP. */
	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;
	wpf_vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND);
	vma->vm_ops = &wpf_pfn_vm_ops;
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	if (wpf_object_of(file_inode(file))->pmd)
		vma->vm_ops = &wpf_pfn_pmd_vm_ops;
#endif
	return wpf_pfn_tracking_vma_add(wpf_object_of(file_inode(file)), vma,
				    true);
}

static void wpf_pfn_init(struct wpf_object *obj)
{
	wpf_tracking_init(obj, &wpf_pfn_tracking_ops);
	atomic_set(&obj->tracking.stall, WPF_STALL_IDLE);
	init_waitqueue_head(&obj->tracking.stall_wait);
}

/*
 * No read(2) or write(2): the data is reached through mappings.  A
 * mapping of a PMD or more starts where a huge entry can map its pieces,
 * as on a DAX file system (thp_get_unmapped_area()).
 */
static const struct file_operations wpf_pfn_fops = {
	.owner = THIS_MODULE,
	.open = generic_file_open,
	.llseek = wpf_object_llseek,
	.fsync = wpf_pfn_fsync,
	.fallocate = wpf_object_fallocate,
	.mmap = wpf_pfn_mmap,
	.get_unmapped_area = thp_get_unmapped_area,
	.unlocked_ioctl = wpf_object_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

const struct wpf_object_type wpf_pfn_type = {
	.flags = WPF_TYPE_PMD | WPF_TYPE_WRITE_INSERTS,
	.init = wpf_pfn_init,
	/* No vma maps the object any more: the blocks can go. */
	.destroy = wpf_disk_free,
	.fops = &wpf_pfn_fops,
	.clean_run = wpf_pfn_clean_run,
	.zero_tail = wpf_pfn_zero_tail,
	.truncate = wpf_pfn_truncate,
	.harvest = wpf_pfn_tracking_harvest,
	.harvest_next = wpf_pfn_tracking_harvest_next,
	.allocated = wpf_pfn_allocated,
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	.allocate_run = wpf_pmd_allocate_run,
#endif
	.collected = wpf_tracking_collected,
	.method = wpf_tracking_method,
	.debugfs = wpf_pfn_debugfs,
};
