// SPDX-License-Identifier: GPL-2.0
/*
 * Copy-on-write objects: module memory (the disk, disk.c) mapped as
 * normal pages, with snapshots that share blocks and a policy that decides
 * whether a write reuses a block in place or copies it, the decision of
 * "mm/gup: Allow real explicit breaking of COW" (Linus Torvalds, August
 * 2020); the policies are described in the uapi header.
 *
 * Why a type beside pfn objects, on the same store: the pfn type's entries
 * are special (vmf_insert_pfn(), like vmf_insert_mixed()), so GUP refuses
 * them and they hold no page reference: there would be neither pins nor
 * the reference counts the policies read.  Here ->fault returns the
 * block's page, which the core maps with a reference and a mapcount like
 * a page-cache page, and a write to such an entry goes to ->page_mkwrite.
 * The pages have no ->mapping, so ->page_mkwrite returns them locked
 * (VM_FAULT_LOCKED) or returns VM_FAULT_NOPAGE, never 0, on which the
 * core would retry forever.  No hole maps the zero page (6.12 refuses it
 * in a shared writable vma): the first access allocates the block.
 *
 * Locks, outermost first: the invalidate lock (shared in the faults,
 * exclusive in size changes and snapshots), the page lock of a block,
 * disk_lock.  The core maps the page ->fault returned, and makes a pte
 * writable after ->page_mkwrite, with the page still locked and after
 * these functions dropped the invalidate lock.  So whatever removes
 * entries first waits for each block's page lock (wpf_cow_unmap()): a
 * fault is then either done, and its pte is removed, or not yet begun,
 * and it will see the new state.  Entries are removed, never only
 * write-protected, so that a fault caught in between finds its pte
 * changed and retries.
 *
 * A copy replaces the block in the object's disk and removes its entries
 * from the object's own mappings (each object has its own address_space);
 * other holders keep the old block.  The core cannot switch pages under
 * ->page_mkwrite, so the retried fault maps the copy, which is FRESH:
 * that second ->page_mkwrite call is no decision.
 */
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "compat.h"
#include "trace.h"
#include "wpfault.h"

/*
 * The reproducer of the __do_fault() fix in patches/debug-kernel/: hand a
 * poisoned block to the core like any other and let the core refuse it.
 * The core then unmaps the block through its ->mapping, which is NULL:
 * only kernels with that fix survive it.
 */
static bool fault_poisoned_blocks;
module_param(fault_poisoned_blocks, bool, 0644);
MODULE_PARM_DESC(fault_poisoned_blocks,
		 "let the core refuse poisoned copy-on-write blocks (kernels with the __do_fault() fix only)");

/* A new object's policy: the kernel's own rule since 2022. */
#define WPF_COW_DEFAULT_POLICY	WPFAULT_POLICY_EXCLUSIVE

static const char *const wpf_policy_names[WPFAULT_POLICY_NR] =
	WPFAULT_POLICY_NAMES;

static const enum wpfault_stat wpf_copy_stats[WPFAULT_POLICY_NR] = {
	[WPFAULT_POLICY_REFCOUNT] = WPFAULT_STAT_REFCOUNT_COPIES,
	[WPFAULT_POLICY_MAPCOUNT] = WPFAULT_STAT_MAPCOUNT_COPIES,
	[WPFAULT_POLICY_EXCLUSIVE] = WPFAULT_STAT_EXCLUSIVE_COPIES,
	[WPFAULT_POLICY_COPY] = WPFAULT_STAT_COPY_COPIES,
};

/* The copy policy never reuses. */
static const enum wpfault_stat wpf_reuse_stats[WPFAULT_POLICY_COPY] = {
	[WPFAULT_POLICY_REFCOUNT] = WPFAULT_STAT_REFCOUNT_REUSES,
	[WPFAULT_POLICY_MAPCOUNT] = WPFAULT_STAT_MAPCOUNT_REUSES,
	[WPFAULT_POLICY_EXCLUSIVE] = WPFAULT_STAT_EXCLUSIVE_REUSES,
};

/*
 * Removes the object's entries for [@first, @first + @nr) (0: to the end)
 * after the faults that are mapping those blocks are done.  The caller
 * holds the invalidate lock exclusively: no new fault begins.
 */
static void wpf_cow_unmap(struct wpf_object *obj, pgoff_t first, pgoff_t nr)
{
	pgoff_t last = nr ? first + nr - 1 : ULONG_MAX;
	unsigned long index;
	struct page *block;

	lockdep_assert_held_write(&obj->inode->i_mapping->invalidate_lock);
	xa_for_each_range(&obj->disk, index, block, first, last) {
		lock_page(block);
		unlock_page(block);
		xa_clear_mark(&obj->disk, index, WPF_WRITABLE);
		cond_resched();
	}
	wpf_unmap_pages(obj, first, nr);
}

/* The fault's block, allocated if it was a hole, with a reference. */
static struct page *wpf_cow_get_block(struct wpf_object *obj, pgoff_t index)
{
	struct page *block;

	mutex_lock(&obj->disk_lock);
	block = xa_load(&obj->disk, index);
	if (!block) {
		block = wpf_disk_block(obj, index);
		if (!IS_ERR(block))
			wpf_disk_mark_new(obj, index);
	}
	if (!IS_ERR(block))
		get_page(block);
	mutex_unlock(&obj->disk_lock);
	return block;
}

/* Returns the block locked, as the core maps it, unless a copy replaced it. */
static vm_fault_t wpf_cow_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct wpf_object *obj = wpf_object_of(inode);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	enum wpfault_stat kind = write ? WPFAULT_STAT_WRITE_FAULTS :
				 WPFAULT_STAT_READ_FAULTS;
	vm_fault_t ret = VM_FAULT_LOCKED;
	struct page *block;

	wpf_count(obj, kind, 1);
	wpf_count(obj, WPFAULT_STAT_VMA_LOCKED_FAULTS,
		  wpf_fault_vma_locked(vmf));
	filemap_invalidate_lock_shared(inode->i_mapping);
	if (vmf->pgoff >= wpf_object_pages(inode)) {
		wpf_count(obj, WPFAULT_STAT_SIGBUS_FAULTS, 1);
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	block = wpf_cow_get_block(obj, vmf->pgoff);
	if (IS_ERR(block)) {
		ret = vmf_error(PTR_ERR(block));
		goto out;
	}
	lock_page(block);
	mutex_lock(&obj->disk_lock);
	if (xa_load(&obj->disk, vmf->pgoff) != block)
		ret = VM_FAULT_NOPAGE;	/* the retried fault maps the copy */
	else if (PageHWPoison(block) && !fault_poisoned_blocks)
		ret = wpf_poisoned_fault(obj);
	else if (!write)
		/* Mapped from now on: the next write to it decides. */
		xa_clear_mark(&obj->disk, vmf->pgoff, WPF_FRESH);
	mutex_unlock(&obj->disk_lock);
	if (ret == VM_FAULT_LOCKED) {
		vmf->page = block;
	} else {
		unlock_page(block);
		put_page(block);
	}
out:
	filemap_invalidate_unlock_shared(inode->i_mapping);
	trace_wpfault_fault(obj->id, vmf->pgoff, kind,
			    (__force unsigned int)ret);
	return ret;
}

/*
 * Whether nothing but the object and its page table entries hold the
 * block: one reference for the object, one for each entry, one for the
 * fault (the core's, from ->fault or do_wp_page()).
 */
static bool wpf_cow_sole(struct page *block)
{
	struct folio *folio = page_folio(block);

	return wpf_block_holders(block) == 1 &&
	       folio_ref_count(folio) == wpf_folio_mapcount(folio) + 2;
}

/* The policy's answer for a write to a block mapped before. */
static enum wpf_cow_reason wpf_cow_decide(struct wpf_object *obj,
					  pgoff_t index, struct page *block,
					  u32 policy)
{
	bool exclusive = xa_get_mark(&obj->disk, index, WPF_EXCLUSIVE);

	if (policy == WPFAULT_POLICY_COPY)
		return WPF_COW_ALWAYS;
	if (wpf_block_holders(block) > 1)
		return WPF_COW_SHARED;
	if (policy == WPFAULT_POLICY_MAPCOUNT)
		return WPF_COW_SOLE_HOLDER;
	if (policy == WPFAULT_POLICY_EXCLUSIVE && exclusive)
		return WPF_COW_EXCLUSIVE;
	if (!wpf_cow_sole(block))
		return WPF_COW_REFERENCED;
	xa_set_mark(&obj->disk, index, WPF_EXCLUSIVE);
	return WPF_COW_SOLE_REFERENCE;
}

/*
 * Copies @block for the object and takes its entries out of the object's
 * mappings first, so that no write lands in the old block after the copy.
 * The retried fault maps the copy.
 */
static vm_fault_t wpf_cow_copy(struct wpf_object *obj, pgoff_t index,
			       struct page *block)
{
	struct page *copy = alloc_page(GFP_KERNEL_ACCOUNT);

	if (!copy)
		return VM_FAULT_OOM;
	wpf_unmap_pages(obj, index, 1);
	xa_clear_mark(&obj->disk, index, WPF_WRITABLE);
	copy_highpage(copy, block);
	if (WARN_ON_ONCE(!wpf_disk_replace(obj, index, block, copy))) {
		__free_page(copy);
		return VM_FAULT_OOM;
	}
	return VM_FAULT_NOPAGE;
}

/*
 * A write to the object's current @block, locked, under disk_lock: record
 * it, then map the block writable (VM_FAULT_LOCKED, with the page still
 * locked, marked WPF_WRITABLE until its entries go) or copy it.
 */
static vm_fault_t wpf_cow_write(struct wpf_object *obj, pgoff_t index,
				struct page *block)
{
	u32 policy = READ_ONCE(obj->cow_policy);
	enum wpf_cow_reason reason;
	vm_fault_t ret;
	int err;

	lockdep_assert_held(&obj->disk_lock);
	err = wpf_written_set(obj, index);
	if (err)
		return vmf_error(err);
	if (xa_get_mark(&obj->disk, index, WPF_FRESH)) {
		xa_clear_mark(&obj->disk, index, WPF_FRESH);
		xa_set_mark(&obj->disk, index, WPF_WRITABLE);
		return VM_FAULT_LOCKED;
	}
	reason = wpf_cow_decide(obj, index, block, policy);
	if (reason <= WPF_COW_LAST_REUSE) {
		ret = VM_FAULT_LOCKED;
		xa_set_mark(&obj->disk, index, WPF_WRITABLE);
		wpf_count(obj, wpf_reuse_stats[policy], 1);
	} else {
		ret = wpf_cow_copy(obj, index, block);
		if (ret == VM_FAULT_NOPAGE)
			wpf_count(obj, wpf_copy_stats[policy], 1);
	}
	trace_wpfault_cow(obj->id, index, policy, reason,
			  (__force unsigned int)ret);
	return ret;
}

static vm_fault_t wpf_cow_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct wpf_object *obj = wpf_object_of(inode);
	struct page *block = vmf->page;
	vm_fault_t ret;

	wpf_count(obj, WPFAULT_STAT_MKWRITE_CALLS, 1);
	sb_start_pagefault(inode->i_sb);
	wpf_write_fault_time(obj, vmf->vma->vm_file);
	filemap_invalidate_lock_shared(inode->i_mapping);
	lock_page(block);
	mutex_lock(&obj->disk_lock);
	/* Copied or truncated since: the retried fault sees what is now. */
	if (xa_load(&obj->disk, vmf->pgoff) != block)
		ret = VM_FAULT_NOPAGE;
	else if (PageHWPoison(block))
		ret = wpf_poisoned_fault(obj);
	else
		ret = wpf_cow_write(obj, vmf->pgoff, block);
	mutex_unlock(&obj->disk_lock);
	if (ret != VM_FAULT_LOCKED)
		unlock_page(block);
	filemap_invalidate_unlock_shared(inode->i_mapping);
	sb_end_pagefault(inode->i_sb);
	trace_wpfault_page_mkwrite(obj->id, vmf->pgoff, false,
				   (__force unsigned int)ret);
	return ret;
}

static const struct vm_operations_struct wpf_cow_vm_ops = {
	.fault = wpf_cow_fault,
	.map_pages = wpf_map_no_pages,
	.page_mkwrite = wpf_cow_mkwrite,
};

/*
 * Entries go rather than become read-only (see the top of the file); the
 * block's page lock orders the clean with a fault that is making one
 * writable.  The lookup is repeated if a copy replaced the block meanwhile.
 */
static bool wpf_cow_clean_page(struct wpf_object *obj, pgoff_t index)
{
	bool was_set, writable;
	struct page *block;

	for (;;) {
		mutex_lock(&obj->disk_lock);
		block = xa_load(&obj->disk, index);
		if (!block)
			break;
		get_page(block);
		mutex_unlock(&obj->disk_lock);
		lock_page(block);
		mutex_lock(&obj->disk_lock);
		if (xa_load(&obj->disk, index) == block)
			break;
		mutex_unlock(&obj->disk_lock);
		unlock_page(block);
		put_page(block);
	}
	writable = block && xa_get_mark(&obj->disk, index, WPF_WRITABLE);
	wpf_unmap_pages(obj, index, 1);
	xa_clear_mark(&obj->disk, index, WPF_WRITABLE);
	was_set = block ? wpf_written_clean_unless_pinned(obj, index,
							page_folio(block),
							writable) :
			  wpf_written_clear(obj, index);
	mutex_unlock(&obj->disk_lock);
	if (block) {
		unlock_page(block);
		put_page(block);
	}
	return was_set;
}

/* Growing: the old last block's tail reads zeroes. */
static void wpf_cow_zero_tail(struct wpf_object *obj, loff_t from)
{
	if (!PAGE_ALIGNED(from))
		wpf_cow_unmap(obj, from >> PAGE_SHIFT, 1);
	wpf_disk_zero(obj, from, round_up(from, PAGE_SIZE));
}

/*
 * As for pfn objects, but a partial page loses its entries too: a shared
 * block is copied before it is zeroed (wpf_disk_zero()).
 */
static void wpf_cow_truncate(struct wpf_object *obj, loff_t start,
			     loff_t end, bool punch)
{
	pgoff_t first = start >> PAGE_SHIFT;
	pgoff_t nr = punch ? DIV_ROUND_UP(end, PAGE_SIZE) - first : 0;

	wpf_cow_unmap(obj, first, nr);
	wpf_count(obj, WPFAULT_STAT_BLOCKS_FREED,
		  wpf_disk_zero(obj, start, end));
	wpf_count(obj, WPFAULT_STAT_TRUNCATIONS, 1);
	trace_wpfault_truncate(obj->id, start, end, punch);
}

/*
 * Gives the snapshot @dst, which nobody else sees yet, @src's @block at
 * @index: shared, or with @copy a copy of its own.
 */
static int wpf_cow_give(struct wpf_object *dst, pgoff_t index,
			struct page *block, bool copy)
{
	struct page *page = block;
	int err;

	if (copy) {
		page = alloc_page(GFP_KERNEL_ACCOUNT);
		if (!page)
			return -ENOMEM;
		copy_highpage(page, block);
	}
	err = xa_err(xa_store(&dst->disk, index, page, GFP_KERNEL_ACCOUNT));
	if (err) {
		if (copy)
			__free_page(page);
		return err;
	}
	if (copy) {
		wpf_disk_mark_new(dst, index);
		wpf_count(dst, WPFAULT_STAT_BLOCKS_ALLOCATED, 1);
	} else {
		wpf_block_share(block);
	}
	wpf_disk_blocks_add(dst, 1);
	return 0;
}

/*
 * Gives @dst every block of @src, with @src's invalidate lock held.  The
 * writable entries of @src go first (wpf_cow_unmap()), so that the next
 * write through @src decides.  Under the exclusive policy a pinned block
 * is copied for @dst instead, as fork() copies a pinned anonymous page:
 * the pin keeps seeing @src's block, which stays exclusive.  Returns the
 * number of such copies, or -ENOMEM; @dst then holds part of the blocks,
 * which its release gives back.
 */
static long wpf_cow_share(struct wpf_object *src, struct wpf_object *dst)
{
	bool copy_pinned = READ_ONCE(src->cow_policy) ==
			   WPFAULT_POLICY_EXCLUSIVE;
	unsigned long index;
	struct page *block;
	long copies = 0;
	int err = 0;

	wpf_cow_unmap(src, 0, 0);
	mutex_lock(&src->disk_lock);
	xa_for_each(&src->disk, index, block) {
		/* A copy would read a poisoned block: it is shared instead. */
		bool copy = copy_pinned && !PageHWPoison(block) &&
			    folio_maybe_dma_pinned(page_folio(block));

		err = wpf_cow_give(dst, index, block, copy);
		if (err)
			break;
		if (copy) {
			copies++;
		} else {
			xa_clear_mark(&src->disk, index, WPF_EXCLUSIVE);
			xa_clear_mark(&src->disk, index, WPF_FRESH);
		}
		cond_resched();
	}
	mutex_unlock(&src->disk_lock);
	return err ?: copies;
}

static long wpf_cow_snapshot(struct wpf_object *src,
			     struct wpfault_snapshot __user *uarg)
{
	struct inode *inode = src->inode;
	struct wpfault_snapshot arg;
	struct wpf_object *dst;
	struct file *file;
	long copies;
	int fd, err;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~WPFAULT_SNAPSHOT_CLOEXEC || arg.reserved)
		return -EINVAL;
	fd = get_unused_fd_flags(arg.flags & WPFAULT_SNAPSHOT_CLOEXEC ?
				 O_CLOEXEC : 0);
	if (fd < 0)
		return fd;

	/* No size change, fault or other snapshot meanwhile. */
	inode_lock(inode);
	filemap_invalidate_lock(inode->i_mapping);
	file = wpf_object_file(WPFAULT_TYPE_COW, i_size_read(inode));
	if (IS_ERR(file)) {
		copies = PTR_ERR(file);
	} else {
		dst = wpf_object_of(file_inode(file));
		dst->cow_policy = READ_ONCE(src->cow_policy);
		copies = wpf_cow_share(src, dst);
	}
	filemap_invalidate_unlock(inode->i_mapping);
	inode_unlock(inode);
	if (copies < 0) {
		if (!IS_ERR(file))
			fput(file);
		put_unused_fd(fd);
		return copies;
	}
	arg.fd = fd;
	arg.id = dst->id;
	arg.eager_copies = copies;
	err = wpf_publish_fd(file, fd, uarg, &arg, sizeof(arg));
	if (err)
		return err;
	wpf_count(src, WPFAULT_STAT_SNAPSHOTS, 1);
	wpf_count(src, WPFAULT_STAT_EAGER_COPIES, copies);
	return 0;
}

static long wpf_cow_policy(struct wpf_object *obj,
			   struct wpfault_policy_arg __user *uarg, bool set)
{
	struct wpfault_policy_arg arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.reserved || (set && arg.policy >= WPFAULT_POLICY_NR))
		return -EINVAL;
	if (set)
		WRITE_ONCE(obj->cow_policy, arg.policy);
	arg.policy = READ_ONCE(obj->cow_policy);
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/* The type's ioctl hook: snapshots and policies. */
static long wpf_cow_ioctl(struct wpf_object *obj, unsigned int cmd,
			  void __user *uarg)
{
	switch (cmd) {
	case WPFAULT_IOC_SNAPSHOT:
		return wpf_cow_snapshot(obj, uarg);
	case WPFAULT_IOC_SET_POLICY:
		return wpf_cow_policy(obj, uarg, true);
	default:
		return wpf_cow_policy(obj, uarg, false);
	}
}

static int wpf_policy_show(struct seq_file *m, void *unused)
{
	struct wpf_object *obj = m->private;

	seq_printf(m, "%s\n", wpf_policy_names[READ_ONCE(obj->cow_policy)]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wpf_policy);

static void wpf_cow_debugfs(struct wpf_object *obj)
{
	debugfs_create_file("policy", 0400, obj->debugfs_dir, obj,
			    &wpf_policy_fops);
}

/* The kernel's own COW (anonymous copies) would hide the module's. */
static int wpf_cow_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;
	wpf_vm_flags_set(vma, VM_DONTEXPAND);
	vma->vm_ops = &wpf_cow_vm_ops;
	return 0;
}

static void wpf_cow_init(struct wpf_object *obj)
{
	obj->cow_policy = WPF_COW_DEFAULT_POLICY;
}

/* No read(2) or write(2): the data is reached through mappings. */
static const struct file_operations wpf_cow_fops = {
	.owner = THIS_MODULE,
	.open = generic_file_open,
	.llseek = wpf_object_llseek,
	.fsync = noop_fsync,
	.fallocate = wpf_object_fallocate,
	.mmap = wpf_cow_mmap,
	.unlocked_ioctl = wpf_object_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

const struct wpf_object_type wpf_cow_type = {
	.flags = WPF_TYPE_SHARES_BLOCKS,
	.init = wpf_cow_init,
	/* No mapping is left; blocks another object shares stay with it. */
	.destroy = wpf_disk_free,
	.fops = &wpf_cow_fops,
	.clean_page = wpf_cow_clean_page,
	.zero_tail = wpf_cow_zero_tail,
	.truncate = wpf_cow_truncate,
	.allocated = wpf_disk_mark_new,
	.ioctl = wpf_cow_ioctl,
	.debugfs = wpf_cow_debugfs,
};
