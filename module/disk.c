// SPDX-License-Identifier: GPL-2.0
/*
 * The disk: each page-cache object's backing store, memory the page cache
 * does not manage, so that reclaim may drop a clean page and read it back.
 * A block is one page, allocated when writeback first reaches it and freed
 * when truncation or a hole punch removes it; a missing block reads as
 * zeroes.  disk_lock orders writeback, read-back, truncation, direct I/O
 * and WPFAULT_IOC_READ_DISK, so none of them sees half a block (the
 * lock's other jobs are in wpfault.h).
 *
 * pfn and copy-on-write objects use the same store for their memory.  A
 * copy-on-write snapshot makes blocks shared: each object that holds a
 * block holds a page reference, and page_private() counts the holders
 * beyond the first (0 for a block one object holds, as every new page
 * starts), so a block is freed when its last holder, mapping and pin let
 * go of it.
 *
 * A memory error can poison a block (PageHWPoison) at any time, and the
 * kernel cannot take it away: it is no page-cache or LRU page.  Its data
 * is lost.  Nothing reads, copies or hands out a poisoned block: faults
 * on it get VM_FAULT_HWPOISON (SIGBUS), WPFAULT_IOC_READ_DISK and the
 * page cache's read-back get -EIO.  Writeback replaces it with a new
 * block, as a disk remaps a bad sector, since it writes whole blocks;
 * truncation and hole punches free it.  The allocator never reuses a
 * freed poisoned page.
 */
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "wpfault.h"

void wpf_disk_init(struct wpf_object *obj)
{
	mutex_init(&obj->disk_lock);
	xa_init(&obj->disk);
}

/*
 * The object's disk holds @n more blocks (or fewer): its counter, the
 * inode's st_blocks and the file system's used blocks (statfs) follow.
 */
void wpf_disk_blocks_add(struct wpf_object *obj, long n)
{
	wpf_count(obj, WPFAULT_STAT_DISK_BLOCKS, n);
	if (n > 0)
		inode_add_bytes(obj->inode, (loff_t)n << PAGE_SHIFT);
	else
		inode_sub_bytes(obj->inode, (loff_t)-n << PAGE_SHIFT);
	wpf_fs_blocks_add(obj->inode->i_sb, n);
}

/* Orders changes of the holder counts of shared blocks. */
static DEFINE_SPINLOCK(wpf_share_lock);

/* Objects holding @block; one that lets go meanwhile makes it stale. */
unsigned long wpf_block_holders(struct page *block)
{
	return READ_ONCE(block->private) + 1;
}

/* One more object holds @block. */
void wpf_block_share(struct page *block)
{
	spin_lock(&wpf_share_lock);
	if (!page_private(block))
		wpf_count_global(WPFAULT_STAT_BLOCKS_SHARED, 1);
	set_page_private(block, page_private(block) + 1);
	spin_unlock(&wpf_share_lock);
	get_page(block);
}

/* An object lets go of @block. */
void wpf_block_release(struct page *block)
{
	spin_lock(&wpf_share_lock);
	if (page_private(block)) {
		set_page_private(block, page_private(block) - 1);
		if (!page_private(block))
			wpf_count_global(WPFAULT_STAT_BLOCKS_SHARED, -1);
	}
	spin_unlock(&wpf_share_lock);
	put_page(block);
}

/*
 * The block at @index, made the object's own to change in place: one that
 * another object shares, or that a pin or a pipe references (through a
 * snapshot since closed, say), is replaced by a copy.  No pte of the
 * object may map it, so a block held by the object alone has one
 * reference.  Under disk_lock, where a failure cannot be returned:
 * truncation.
 */
static struct page *wpf_disk_own(struct wpf_object *obj, pgoff_t index,
				 struct page *block)
{
	struct page *copy;

	lockdep_assert_held(&obj->disk_lock);
	if (wpf_block_holders(block) == 1 && page_ref_count(block) == 1)
		return block;
	copy = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	copy_highpage(copy, block);
	if (WARN_ON_ONCE(!wpf_disk_replace(obj, index, block, copy))) {
		__free_page(copy);
		return block;
	}
	return copy;
}

/* A block made for this object alone and not mapped yet (cow.c). */
void wpf_disk_mark_new(struct wpf_object *obj, pgoff_t index)
{
	xa_set_mark(&obj->disk, index, WPF_EXCLUSIVE);
	xa_set_mark(&obj->disk, index, WPF_FRESH);
}

/*
 * Puts @copy, made from @block for this object alone, in @block's place
 * at @index and lets go of @block; false, with nothing changed, if
 * @block is not there.
 */
bool wpf_disk_replace(struct wpf_object *obj, pgoff_t index,
		      struct page *block, struct page *copy)
{
	lockdep_assert_held(&obj->disk_lock);
	/* Replacing an entry allocates nothing. */
	if (xa_cmpxchg(&obj->disk, index, block, copy, GFP_NOWAIT) != block)
		return false;
	wpf_disk_mark_new(obj, index);
	wpf_block_release(block);
	wpf_count(obj, WPFAULT_STAT_BLOCKS_ALLOCATED, 1);
	wpf_count(obj, WPFAULT_STAT_BLOCKS_FREED, 1);
	return true;
}

/* Blocks of the object that another object also holds. */
u64 wpf_disk_shared_blocks(struct wpf_object *obj)
{
	unsigned long index;
	struct page *block;
	u64 shared = 0;

	mutex_lock(&obj->disk_lock);
	xa_for_each(&obj->disk, index, block) {
		shared += wpf_block_holders(block) > 1;
		cond_resched();
	}
	mutex_unlock(&obj->disk_lock);
	return shared;
}

/*
 * A new, zeroed block at @index, allocated with @gfp, in place of @bad, a
 * poisoned one, or of none; ERR_PTR(-ENOMEM).
 */
static struct page *wpf_disk_new_block(struct wpf_object *obj, pgoff_t index,
				       struct page *bad, gfp_t gfp)
{
	struct page *block;
	int err;

	lockdep_assert_held(&obj->disk_lock);
	block = alloc_page(gfp | __GFP_ZERO);
	if (!block)
		return ERR_PTR(-ENOMEM);
	err = xa_err(xa_store(&obj->disk, index, block, gfp));
	if (err) {
		__free_page(block);
		return ERR_PTR(err);
	}
	if (bad)
		wpf_block_release(bad);
	else
		wpf_disk_blocks_add(obj, 1);
	return block;
}

/*
 * Copies a locked folio to its blocks.  Bytes past @i_size are not file
 * data: the disk keeps zeroes there, as a file system does, so a file
 * extended later reads zeroes.
 */
int wpf_disk_write(struct wpf_object *obj, struct folio *folio, loff_t i_size)
{
	long i, nr = folio_nr_pages(folio);
	int err = 0;

	mutex_lock(&obj->disk_lock);
	for (i = 0; i < nr; i++) {
		pgoff_t index = folio->index + i;
		loff_t pos = (loff_t)index << PAGE_SHIFT;
		struct page *block = xa_load(&obj->disk, index);
		size_t valid;
		void *src, *dst;

		if (pos >= i_size)
			break;
		if (!block || PageHWPoison(block)) {
			/* Writeback may run for reclaim: no fs recursion. */
			block = wpf_disk_new_block(obj, index, block, GFP_NOFS);
			if (IS_ERR(block)) {
				err = PTR_ERR(block);
				break;
			}
		}
		valid = min_t(loff_t, PAGE_SIZE, i_size - pos);
		src = kmap_local_folio(folio, i * PAGE_SIZE);
		dst = kmap_local_page(block);
		memcpy(dst, src, valid);
		memset(dst + valid, 0, PAGE_SIZE - valid);
		kunmap_local(dst);
		kunmap_local(src);
	}
	mutex_unlock(&obj->disk_lock);
	return err;
}

/*
 * Fills a locked folio from its blocks: returns how many blocks existed,
 * or -EIO if one is poisoned.
 */
int wpf_disk_read(struct wpf_object *obj, struct folio *folio)
{
	long i, nr = folio_nr_pages(folio);
	int found = 0;

	mutex_lock(&obj->disk_lock);
	for (i = 0; i < nr; i++) {
		struct page *block = xa_load(&obj->disk, folio->index + i);
		void *dst;

		if (block && PageHWPoison(block)) {
			found = -EIO;
			break;
		}
		dst = kmap_local_folio(folio, i * PAGE_SIZE);
		if (block) {
			void *src = kmap_local_page(block);

			memcpy(dst, src, PAGE_SIZE);
			kunmap_local(src);
			found++;
		} else {
			memset(dst, 0, PAGE_SIZE);
		}
		kunmap_local(dst);
	}
	mutex_unlock(&obj->disk_lock);
	return found;
}

/* A fault refused because its block is poisoned. */
vm_fault_t wpf_poisoned_fault(struct wpf_object *obj)
{
	wpf_count(obj, WPFAULT_STAT_POISONED_FAULTS, 1);
	return VM_FAULT_HWPOISON;
}

/*
 * Makes bytes [@start, @end) of the disk read as zeroes: whole blocks are
 * freed, the others zeroed in part.  Returns the blocks freed.
 */
long wpf_disk_zero(struct wpf_object *obj, loff_t start, loff_t end)
{
	pgoff_t index;
	struct page *block;
	long freed = 0;

	if (start >= end)
		return 0;
	mutex_lock(&obj->disk_lock);
	xa_for_each_range(&obj->disk, index, block, start >> PAGE_SHIFT,
			  (end - 1) >> PAGE_SHIFT) {
		loff_t pos = (loff_t)index << PAGE_SHIFT;
		size_t from = max(start, pos) - pos;
		size_t to = min_t(loff_t, end - pos, PAGE_SIZE);

		if (from == 0 && to == PAGE_SIZE) {
			xa_erase(&obj->disk, index);
			wpf_block_release(block);
			wpf_disk_blocks_add(obj, -1);
			freed++;
		} else if (!PageHWPoison(block)) {
			void *dst = kmap_local_page(wpf_disk_own(obj, index,
								 block));

			memset(dst + from, 0, to - from);
			kunmap_local(dst);
		}
	}
	mutex_unlock(&obj->disk_lock);
	return freed;
}

/*
 * The block at @index, allocated zeroed if missing (faults of pfn and
 * copy-on-write objects, fallocate), or ERR_PTR(-ENOMEM).  Userspace maps
 * the memory of pfn and copy-on-write objects, and may pin it: never
 * __GFP_MOVABLE.
 */
struct page *wpf_disk_block(struct wpf_object *obj, pgoff_t index)
{
	struct page *block = xa_load(&obj->disk, index);

	lockdep_assert_held(&obj->disk_lock);
	if (block)
		return block;
	block = wpf_disk_new_block(obj, index, NULL, GFP_KERNEL_ACCOUNT);
	if (!IS_ERR(block))
		wpf_count(obj, WPFAULT_STAT_BLOCKS_ALLOCATED, 1);
	return block;
}

/*
 * New, zeroed blocks for [@first, @first + 2^@order), all holes: one
 * aligned, physically contiguous run (pfn_pmd.c maps it with one huge
 * entry), split into pages that come and go one by one like any other
 * block.  NULL if memory is too fragmented for one: the caller uses small
 * blocks.  The allocator may compact for it, since whoever asked for PMD
 * blocks wants them, but fails rather than invoke the OOM killer.
 */
struct page *wpf_disk_contiguous(struct wpf_object *obj, pgoff_t first,
				 unsigned int order)
{
	unsigned long i, nr = 1UL << order;
	struct page *run;

	lockdep_assert_held(&obj->disk_lock);
	run = alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN |
			  __GFP_RETRY_MAYFAIL, order);
	if (!run)
		return NULL;
	split_page(run, order);
	for (i = 0; i < nr; i++) {
		if (xa_err(xa_store(&obj->disk, first + i, run + i,
				    GFP_KERNEL_ACCOUNT)))
			break;
	}
	if (i < nr) {
		while (i--)
			xa_erase(&obj->disk, first + i);
		for (i = 0; i < nr; i++)
			__free_page(run + i);
		return NULL;
	}
	wpf_disk_blocks_add(obj, nr);
	wpf_count(obj, WPFAULT_STAT_BLOCKS_ALLOCATED, nr);
	return run;
}

/*
 * Whether the disk, which is memory, may give blocks to [@first, @last]:
 * not to more pages than half the memory available.
 */
bool wpf_disk_has_room(pgoff_t first, pgoff_t last)
{
	return last - first < si_mem_available() / 2;
}

/*
 * Gives every page of [@first, @last] a block, zeroed where it had none,
 * as fallocate() does, after wpf_disk_has_room() said yes.  -ENOMEM, or
 * -EINTR on a fatal signal, part way.  The type's allocate_run hook may
 * give runs of holes their blocks at once; its allocated hook sees each
 * other new block.
 */
int wpf_disk_allocate(struct wpf_object *obj, pgoff_t first, pgoff_t last)
{
	pgoff_t index, run;

	lockdep_assert_held_write(&obj->inode->i_mapping->invalidate_lock);
	for (index = first; index <= last; index += run ?: 1) {
		struct page *block;

		run = 0;
		mutex_lock(&obj->disk_lock);
		block = xa_load(&obj->disk, index);
		if (!block && obj->type->allocate_run)
			run = obj->type->allocate_run(obj, index, last);
		if (!block && !run) {
			block = wpf_disk_block(obj, index);
			if (!IS_ERR(block) && obj->type->allocated)
				obj->type->allocated(obj, index);
		}
		mutex_unlock(&obj->disk_lock);
		if (IS_ERR(block))
			return PTR_ERR(block);
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/*
 * Direct I/O: copies between @iter and the disk at @pos, a block at a
 * time through a bounce page, so that no user fault (which may be on a
 * mapping of this very object) comes under disk_lock.  A write stores
 * into the block, allocated if missing, and records its pages; a read of
 * a missing block gives zeroes and stops at @i_size.  The page cache was
 * written back and, for writes, invalidated around the call (the
 * kernel's direct I/O protocol).  Returns the bytes copied, or an error
 * if none were.
 */
ssize_t wpf_disk_direct_io(struct wpf_object *obj, loff_t pos,
			   struct iov_iter *iter, bool write, loff_t i_size)
{
	ssize_t done = 0;
	void *bounce;
	int err = 0;

	bounce = (void *)__get_free_page(GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	while (iov_iter_count(iter) && (write || pos < i_size)) {
		pgoff_t index = pos >> PAGE_SHIFT;
		size_t off = offset_in_page(pos);
		size_t n = min_t(size_t, PAGE_SIZE - off, iov_iter_count(iter));
		struct page *block;

		if (!write)
			n = min_t(loff_t, n, i_size - pos);
		if (write && copy_from_iter(bounce, n, iter) != n) {
			err = -EFAULT;
			break;
		}
		mutex_lock(&obj->disk_lock);
		block = xa_load(&obj->disk, index);
		/* Only a whole new block may replace a poisoned one. */
		if (block && PageHWPoison(block))
			block = write && n == PAGE_SIZE ?
				wpf_disk_new_block(obj, index, block,
						   GFP_NOFS) :
				ERR_PTR(-EIO);
		else if (!block && write)
			block = wpf_disk_new_block(obj, index, NULL, GFP_NOFS);
		if (IS_ERR(block)) {
			err = PTR_ERR(block);
		} else if (write) {
			memcpy_to_page(block, off, bounce, n);
			err = wpf_written_set(obj, index);
		} else if (block) {
			memcpy_from_page(bounce, block, off, n);
		} else {
			memset(bounce, 0, n);
		}
		mutex_unlock(&obj->disk_lock);
		if (err)
			break;
		if (!write && copy_to_iter(bounce, n, iter) != n) {
			err = -EFAULT;
			break;
		}
		pos += n;
		done += n;
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	free_page((unsigned long)bounce);
	return done ?: err;
}

/* Frees every block, counted as blocks_freed: the object's memory goes. */
void wpf_disk_free(struct wpf_object *obj)
{
	wpf_count(obj, WPFAULT_STAT_BLOCKS_FREED,
		  wpf_disk_zero(obj, 0, LLONG_MAX));
}

/* No mapping is left; blocks another object shares stay with it. */
void wpf_disk_destroy(struct wpf_object *obj)
{
	wpf_disk_zero(obj, 0, LLONG_MAX);
	xa_destroy(&obj->disk);
	mutex_destroy(&obj->disk_lock);
}

/*
 * READ_DISK: copies the blocks of [@first, @first + @nr) to @buf, which has
 * room for them, zeroes for a missing block; @blocks says how many
 * existed.  -EIO at a poisoned block.
 */
int wpf_disk_read_user(struct wpf_object *obj, pgoff_t first, pgoff_t nr,
		       char __user *buf, u64 *blocks)
{
	void *bounce;
	pgoff_t i;
	int err = 0;

	bounce = (void *)__get_free_page(GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;

	/* Copy out through a bounce page: no user fault under disk_lock. */
	*blocks = 0;
	for (i = 0; i < nr; i++, buf += PAGE_SIZE) {
		struct page *block;

		mutex_lock(&obj->disk_lock);
		block = xa_load(&obj->disk, first + i);
		if (block && PageHWPoison(block))
			err = -EIO;
		else if (block)
			memcpy_from_page(bounce, block, 0, PAGE_SIZE);
		mutex_unlock(&obj->disk_lock);
		if (err)
			break;
		if (block ? copy_to_user(buf, bounce, PAGE_SIZE) :
			    clear_user(buf, PAGE_SIZE)) {
			err = -EFAULT;
			break;
		}
		*blocks += !!block;
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	free_page((unsigned long)bounce);
	return err;
}

/*
 * debugfs <id>/blocks: "index pfn" for each block of the disk, and
 * "poisoned" after the pfn of one a memory error hit, so that a test can
 * aim a memory error (hwpoison-inject, soft offline) at a block.  The
 * position is the index of the next block to show.
 */
static void *wpf_blocks_find(struct seq_file *m, loff_t *pos)
{
	struct wpf_object *obj = m->private;
	unsigned long index = *pos;
	struct page *block;

	if (*pos > ULONG_MAX)
		return NULL;
	block = xa_find(&obj->disk, &index, ULONG_MAX, XA_PRESENT);
	*pos = index;
	return block;
}

static void *wpf_blocks_start(struct seq_file *m, loff_t *pos)
{
	struct wpf_object *obj = m->private;

	mutex_lock(&obj->disk_lock);
	return wpf_blocks_find(m, pos);
}

static void *wpf_blocks_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return wpf_blocks_find(m, pos);
}

static void wpf_blocks_stop(struct seq_file *m, void *v)
{
	struct wpf_object *obj = m->private;

	mutex_unlock(&obj->disk_lock);
}

static int wpf_blocks_show(struct seq_file *m, void *v)
{
	struct page *block = v;

	seq_printf(m, "%llu %#lx%s\n", (unsigned long long)m->index,
		   page_to_pfn(block), PageHWPoison(block) ? " poisoned" : "");
	return 0;
}

static const struct seq_operations wpf_blocks_sops = {
	.start = wpf_blocks_start,
	.next = wpf_blocks_next,
	.stop = wpf_blocks_stop,
	.show = wpf_blocks_show,
};

static int wpf_blocks_open(struct inode *inode, struct file *file)
{
	int err = seq_open(file, &wpf_blocks_sops);

	if (!err)
		((struct seq_file *)file->private_data)->private =
			inode->i_private;
	return err;
}

static const struct file_operations wpf_blocks_fops = {
	.owner = THIS_MODULE,
	.open = wpf_blocks_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release,
};

void wpf_disk_debugfs(struct wpf_object *obj)
{
	debugfs_create_file("blocks", 0400, obj->debugfs_dir, obj,
			    &wpf_blocks_fops);
}
