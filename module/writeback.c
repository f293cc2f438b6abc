// SPDX-License-Identifier: GPL-2.0
/*
 * Writeback: the address_space operations of page-cache objects.  Their
 * superblock has a BDI of its own, so the kernel accounts, throttles and
 * writes back their dirty pages as for any file system: ->writepages
 * copies them to the disk (disk.c) with the kernel's protocol, and
 * ->read_folio brings back a page that reclaim dropped; the faults and
 * ->write_begin make new folios with wpf_pagecache_grab(), which picks
 * their size.  Folios carry no private data, so the kernel never asks to
 * invalidate or release one.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/uio.h>
#include <linux/writeback.h>

#include "compat.h"
#include "trace.h"
#include "wpfault.h"

/*
 * Makes a new, locked folio uptodate from the disk (zeroes where none);
 * -EIO, with the folio left not uptodate, if a block of it is poisoned.
 */
int wpf_fill_folio(struct wpf_object *obj, struct folio *folio)
{
	long nr = folio_nr_pages(folio);
	int found = wpf_disk_read(obj, folio);

	if (found < 0)
		return found;
	if (found)
		wpf_count(obj, WPFAULT_STAT_PAGES_READ, nr);
	if (nr > 1)
		wpf_count(obj, WPFAULT_STAT_LARGE_FOLIOS, 1);
	folio_mark_uptodate(folio);
	wpf_count(obj, WPFAULT_STAT_PAGES_ALLOCATED, nr);
	return 0;
}

/*
 * Locked, referenced folio holding page @index, created if none does: in
 * an object with large folios, the largest one of at most 2^folio_order
 * pages that is aligned to its size and ends within end of file, or else
 * of 2^min_folio_order pages; or the smaller one the kernel makes where
 * part of that range is cached.
 */
struct folio *wpf_pagecache_grab(struct wpf_object *obj, pgoff_t index)
{
	struct address_space *mapping = obj->inode->i_mapping;
	pgoff_t pages = wpf_object_pages(obj->inode);
	unsigned int order = obj->folio_order;
	struct folio *folio;
	pgoff_t first;

	if (!order)
		return wpf_grab_folio(mapping, index);
	folio = wpf_lock_folio(mapping, index);
	if (folio)
		return folio;
	for (;; order--) {
		first = round_down(index, 1UL << order);
		if (order <= obj->min_folio_order ||
		    first + (1UL << order) <= pages)
			break;
	}
	folio = wpf_grab_folio_order(mapping, first, order);
	if (IS_ERR(folio) || folio_contains(folio, index))
		return folio;
	/*
	 * A folio at @first that does not hold @index: one already there, or
	 * a smaller one the kernel fell back to (a page of the range was
	 * cached, or the allocation failed).  A new one is filled now, as
	 * readahead would.  Taking it out again is not reliable: invalidation
	 * skips a folio another task holds a reference to (fault-around and
	 * mincore() look at folios without the lock), and an empty folio left
	 * cached is in nrpages but never read.  A poisoned block leaves it
	 * not uptodate, as a fault on that block does.
	 */
	if (!folio_test_uptodate(folio))
		wpf_fill_folio(obj, folio);
	folio_unlock(folio);
	folio_put(folio);
	return wpf_grab_folio(mapping, index);
}

static int wpf_read_folio(struct file *file, struct folio *folio)
{
	int err = wpf_fill_folio(wpf_object_of(folio->mapping->host), folio);

	folio_unlock(folio);
	return err;
}

/*
 * The kernel's dirty state: counted where it is accounted (nr_dirtied).
 * Every dirtying is a write the written set must have seen; the one the
 * kernel makes through a page it got with GUP may not have been
 * (wpf_written_dirtied()).
 */
static bool wpf_dirty_folio(struct address_space *mapping, struct folio *folio)
{
	struct wpf_object *obj = wpf_object_of(mapping->host);
	long i, nr = folio_nr_pages(folio);

	for (i = 0; i < nr; i++)
		wpf_written_dirtied(obj, folio->index + i);
	if (!filemap_dirty_folio(mapping, folio))
		return false;
	wpf_count(obj, WPFAULT_STAT_PAGES_ACCOUNTED, nr);
	return true;
}

/*
 * One folio of ->writepages: locked, its dirty flag cleared and its ptes
 * write-protected by folio_clear_dirty_for_io(), so the next write through
 * a mapping faults into ->page_mkwrite again.  The written set is left alone.
 */
static int wpf_writeback_folio(struct folio *folio,
			       struct writeback_control *wbc, void *data)
{
	struct wpf_object *obj = data;
	loff_t i_size = i_size_read(obj->inode);
	int err;

	/* Wholly past EOF: a truncation is about to drop it. */
	if (folio_pos(folio) >= i_size) {
		folio_unlock(folio);
		return 0;
	}
	/* The lock keeps the data still: writers need it to dirty again. */
	err = wpf_disk_write(obj, folio, i_size);
	if (err) {
		/* The disk lacks the data: it must stay dirty. */
		folio_redirty_for_writepage(wbc, folio);
		folio_unlock(folio);
		return err;
	}
	/*
	 * Counted before the end of writeback wakes an fsync() waiting on
	 * it: once that returns, the counters hold every page it wrote.
	 */
	wpf_count(obj, WPFAULT_STAT_PAGES_WRITTEN_BACK, folio_nr_pages(folio));
	trace_wpfault_writeback(obj->id, folio->index, folio_nr_pages(folio));
	folio_start_writeback(folio);
	folio_unlock(folio);
	folio_end_writeback(folio);
	return 0;
}

static int wpf_writepages(struct address_space *mapping,
			  struct writeback_control *wbc)
{
	struct wpf_object *obj = wpf_object_of(mapping->host);

	wpf_count(obj, WPFAULT_STAT_WRITEBACK_CALLS, 1);
	trace_wpfault_writeback_call(obj->id);
	wpf_pagecache_tracking_writeback(obj);
	return wpf_write_cache(mapping, wbc, wpf_writeback_folio, obj);
}

/* write(2) and friends, under the inode lock: no truncation meanwhile. */
static int wpf_write_begin(WPF_WRITE_CTX ctx, struct address_space *mapping,
			   loff_t pos, unsigned int len,
			   struct wpf_write_page **handle, void **fsdata)
{
	struct wpf_object *obj = wpf_object_of(mapping->host);
	pgoff_t index = pos >> PAGE_SHIFT;
	struct folio *folio;
	int err = 0;

	folio = wpf_pagecache_grab(obj, index);
	if (IS_ERR(folio))
		return PTR_ERR(folio);
	if (!folio_test_uptodate(folio))
		err = wpf_fill_folio(obj, folio);
	if (!err)
		err = wpf_written_reserve(obj, folio, GFP_KERNEL);
	if (err) {
		folio_unlock(folio);
		folio_put(folio);
		return err;
	}
	*handle = wpf_folio_handle(folio);
	return 0;
}

static int wpf_write_end(WPF_WRITE_CTX ctx, struct address_space *mapping,
			 loff_t pos, unsigned int len, unsigned int copied,
			 struct wpf_write_page *handle, void *fsdata)
{
	struct folio *folio = wpf_handle_folio(handle);
	struct inode *inode = mapping->host;

	/* The new size first: the write records the pages within it. */
	if (copied && pos + copied > inode->i_size)
		i_size_write(inode, pos + copied);
	wpf_written_commit(wpf_object_of(inode), folio, copied);
	if (copied)
		folio_mark_dirty(folio);
	folio_unlock(folio);
	folio_put(folio);
	return copied;
}

/*
 * O_DIRECT reads and writes go to the disk (wpf_disk_direct_io()); the
 * kernel writes the page cache back before and, for writes, invalidates
 * it around the call, unmapping what it drops, so that the cache and the
 * mappings see the new data.
 */
static ssize_t wpf_direct_io(struct kiocb *iocb, struct iov_iter *iter)
{
	struct inode *inode = file_inode(iocb->ki_filp);

	return wpf_disk_direct_io(wpf_object_of(inode), iocb->ki_pos, iter,
				  iov_iter_rw(iter) == WRITE,
				  i_size_read(inode));
}

const struct address_space_operations wpf_pagecache_aops = {
	.dirty_folio = wpf_dirty_folio,
	.read_folio = wpf_read_folio,
	.writepages = wpf_writepages,
	.write_begin = wpf_write_begin,
	.write_end = wpf_write_end,
	.direct_IO = wpf_direct_io,
	.migrate_folio = filemap_migrate_folio,
	WPF_AOPS_ERROR_REMOVE,
};

/* The disk is memory: data written back is as safe as it gets. */
int wpf_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	return file_write_and_wait_range(file, start, end);
}
