// SPDX-License-Identifier: GPL-2.0
/*
 * The object core: what every object is and does, whatever its type.
 * An object is a regular file of the wpfault filesystem (fs.c) with its
 * own address_space (so its own i_mmap tree for rmap walks), a written
 * set (written.c), a disk (disk.c) and counters (stats.c).  Here are its
 * life, the file operations every type shares, the ioctls with their one
 * argument validator, and its debugfs directory.  What differs by type is
 * reached only through struct wpf_object_type, whose table main.c hands
 * over at load.
 */
#include <linux/backing-dev.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
/* falloc.h uses the types fs.h brings in. */
#include <linux/falloc.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "wpfault.h"

static const struct wpf_object_type *const *wpf_types;
/*
 * Every live object, for the module-wide pages_resident: ->free_folio
 * cannot count the pages that leave the page cache, as the kernel drops
 * the pages of a split large folio past end of file without it
 * (__filemap_remove_folio() in the split).
 */
static LIST_HEAD(wpf_live_objects);
static DEFINE_SPINLOCK(wpf_live_lock);

static const struct inode_operations wpf_object_iops;
static void wpf_object_debugfs(struct wpf_object *obj);

/*
 * A new object of @type: its inode has @mode and the owner that creation
 * in @dir gives (@dir is NULL on the internal mount).
 */
static struct inode *wpf_object_new(struct super_block *sb,
				    const struct wpf_object_type *type,
				    struct wpf_idmap *idmap, struct inode *dir,
				    umode_t mode, loff_t size)
{
	struct wpf_object *obj;
	struct inode *inode;

	obj = kzalloc_obj(*obj, GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	if (wpf_counters_init(&obj->stats))
		goto free_obj;
	inode = wpf_fs_new_inode(sb, idmap, dir, mode);
	if (!inode)
		goto free_counters;
	obj->id = inode->i_ino;
	obj->inode = inode;
	obj->type = type;
	xa_init(&obj->written);
	wpf_disk_init(obj);
	inode->i_op = &wpf_object_iops;
	inode->i_fop = type->fops;
	inode->i_private = obj;
	i_size_write(inode, size);
	type->init(obj);
	/* The flusher only writes back hashed inodes. */
	insert_inode_hash(inode);
	wpf_object_debugfs(obj);
	wpf_count_global(WPFAULT_STAT_OBJECTS_ALIVE, 1);
	spin_lock(&wpf_live_lock);
	list_add(&obj->live, &wpf_live_objects);
	spin_unlock(&wpf_live_lock);
	return inode;

free_counters:
	wpf_counters_free(&obj->stats);
free_obj:
	kfree(obj);
	return ERR_PTR(-ENOMEM);
}

/*
 * Lets the page cache of @obj, a new page-cache object that nothing has
 * mapped or cached yet, hold large folios, none smaller than
 * 2^@min_order pages; the kernel serves them (wpf_fs_check_folio_orders()).
 */
static void wpf_object_large_folios(struct wpf_object *obj,
				    unsigned int min_order)
{
	obj->folio_order = wpf_large_folio_order();
	obj->min_folio_order = min_order;
	wpf_set_folio_orders(obj->inode->i_mapping, min_order,
			     obj->folio_order);
}

/*
 * open(O_CREAT) in a wpfault mount: a page-cache object, with the large
 * folios the mount's options ask for.
 */
static struct inode *wpf_object_create_file(struct super_block *sb,
					    struct wpf_idmap *idmap,
					    struct inode *dir, umode_t mode)
{
	struct inode *inode;
	unsigned int min_order;

	inode = wpf_object_new(sb, wpf_types[WPFAULT_TYPE_PAGECACHE], idmap,
			       dir, mode, 0);
	if (!IS_ERR(inode) && wpf_fs_large_folios(sb, &min_order))
		wpf_object_large_folios(wpf_object_of(inode), min_order);
	return inode;
}

static void wpf_object_evict(struct inode *inode)
{
	struct wpf_object *obj = wpf_object_of(inode);
	unsigned long pages = inode->i_data.nrpages;

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	wpf_count(obj, WPFAULT_STAT_PAGES_TRUNCATED, pages);
	spin_lock(&wpf_live_lock);
	list_del(&obj->live);
	spin_unlock(&wpf_live_lock);
	if (obj->type->destroy)
		obj->type->destroy(obj);
	wpf_disk_destroy(obj);
	xa_destroy(&obj->written);
	/* Waits for readers of the object's files to finish. */
	debugfs_remove(obj->debugfs_dir);
	wpf_count_global(WPFAULT_STAT_OBJECTS_ALIVE, -1);
	/* Not the mount's last reference: the dying file holds one. */
	if (obj->pins_mount)
		wpf_fs_internal_put();
	wpf_counters_free(&obj->stats);
	kfree(obj);
}

/*
 * Removes every pte of pages [@first, @first + @nr) of @obj (all from
 * @first on for 0), in every mapping, counted as one walk.
 */
void wpf_unmap_pages(struct wpf_object *obj, pgoff_t first, pgoff_t nr)
{
	wpf_count(obj, WPFAULT_STAT_MAPPING_WALKS, 1);
	unmap_mapping_pages(obj->inode->i_mapping, first, nr, false);
}

/*
 * ->map_pages of the types whose pages fault-around cannot map (pfn and
 * copy-on-write objects): it maps nothing.  The core calls ->fault,
 * ->page_mkwrite and ->pfn_mkwrite under the per-VMA lock only in vmas
 * that have a ->map_pages (vmf_can_call_fault()); in the others every
 * fault is tried under that lock, given up, and taken again under
 * mmap_lock.  The types' handlers need neither lock: they take the
 * object's own, and touch no vma but the fault's.
 */
vm_fault_t wpf_map_no_pages(struct vm_fault *vmf, pgoff_t first,
			    pgoff_t last)
{
	return 0;
}

static const struct wpf_fs_ops wpf_object_fs_ops = {
	.create = wpf_object_create_file,
	.evict = wpf_object_evict,
};

/*
 * Size changes exclude faults that map pages: see the types' fault
 * handlers.  Bytes past the old end of file read as zeroes when the file
 * grows, however they were written.
 */
static int wpf_object_setattr(struct wpf_idmap *idmap, struct dentry *dentry,
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
		obj->type->zero_tail(obj, old_size);
		i_size_write(inode, attr->ia_size);
	} else {
		i_size_write(inode, attr->ia_size);
		obj->type->truncate(obj, attr->ia_size, LLONG_MAX, false);
		wpf_written_forget(obj, DIV_ROUND_UP(attr->ia_size, PAGE_SIZE));
	}
	filemap_invalidate_unlock(inode->i_mapping);
	/* The rest of simple_setattr(), whose checks already passed. */
	setattr_copy(idmap, inode, attr);
	mark_inode_dirty(inode);
	return 0;
}

static const struct inode_operations wpf_object_iops = {
	.setattr = wpf_object_setattr,
};

/*
 * As on a filesystem, times move on the first write after a clean, a
 * writeback or a flush: later writes find the pte writable and do not
 * fault.  The caller is in sb_start_pagefault().
 */
void wpf_write_fault_time(struct wpf_object *obj, struct file *file)
{
	struct timespec64 before = inode_get_ctime(obj->inode), after;

	file_update_time(file);
	after = inode_get_ctime(obj->inode);
	if (!timespec64_equal(&before, &after))
		wpf_count(obj, WPFAULT_STAT_MTIME_UPDATES, 1);
}

/*
 * Whether page @index holds data: a block on the disk, or a page cached
 * dirty, not written back yet.  Anything else is a hole.
 */
static bool wpf_page_has_data(struct wpf_object *obj, pgoff_t index)
{
	return xa_load(&obj->disk, index) ||
	       xa_get_mark(&obj->inode->i_mapping->i_pages, index,
			   PAGECACHE_TAG_DIRTY);
}

/* The first page of [@index, @last] that holds data, or @last + 1. */
static pgoff_t wpf_next_data(struct wpf_object *obj, pgoff_t index,
			     pgoff_t last)
{
	unsigned long block = index, dirty = index;

	if (!xa_find(&obj->disk, &block, last, XA_PRESENT))
		block = last + 1;
	if (!xa_find(&obj->inode->i_mapping->i_pages, &dirty, last,
		     PAGECACHE_TAG_DIRTY))
		dirty = last + 1;
	return min(block, dirty);
}

/*
 * lseek(2), with SEEK_DATA and SEEK_HOLE at page granularity: data is
 * what wpf_page_has_data() says.  Finding a hole costs one lookup per
 * page of data before it: the disk keeps no extents.
 */
loff_t wpf_object_llseek(struct file *file, loff_t offset, int whence)
{
	struct inode *inode = file_inode(file);
	struct wpf_object *obj = wpf_object_of(inode);
	pgoff_t index, last;
	loff_t size, pos;

	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return generic_file_llseek(file, offset, whence);
	inode_lock_shared(inode);
	size = i_size_read(inode);
	if (offset < 0 || offset >= size) {
		inode_unlock_shared(inode);
		return -ENXIO;
	}
	index = offset >> PAGE_SHIFT;
	last = (size - 1) >> PAGE_SHIFT;
	if (whence == SEEK_DATA) {
		index = wpf_next_data(obj, index, last);
	} else {
		while (index <= last && wpf_page_has_data(obj, index)) {
			index++;
			cond_resched();
		}
	}
	inode_unlock_shared(inode);
	if (index > last)
		return whence == SEEK_DATA ? -ENXIO :
		       vfs_setpos(file, size, inode->i_sb->s_maxbytes);
	pos = max_t(loff_t, offset, (loff_t)index << PAGE_SHIFT);
	return vfs_setpos(file, pos, inode->i_sb->s_maxbytes);
}

#define WPF_FALLOC_MODES \
	(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)

/*
 * Allocates blocks for [@start, @end) (mode 0, KEEP_SIZE), zeroes it and
 * allocates (ZERO_RANGE) or frees it (PUNCH_HOLE), as a filesystem whose
 * disk is memory.  Without KEEP_SIZE the file may grow, and the old
 * end-of-file page's tail reads zeroes, as after any growth.  A hole
 * punch or a zeroing is no clean: the written set keeps its records.
 * The VFS has checked the range and the combination of flags; a range the
 * disk has no room for is refused before anything changes.
 */
long wpf_object_fallocate(struct file *file, int mode, loff_t offset,
			  loff_t len)
{
	struct inode *inode = file_inode(file);
	struct wpf_object *obj = wpf_object_of(inode);
	loff_t end = offset + len, size, zero_end;
	pgoff_t first = offset >> PAGE_SHIFT, last = (end - 1) >> PAGE_SHIFT;
	bool allocate = !(mode & FALLOC_FL_PUNCH_HOLE), grow;
	int err = 0;

	if (mode & ~WPF_FALLOC_MODES)
		return -EOPNOTSUPP;
	if (allocate && !wpf_disk_has_room(first, last))
		return -ENOSPC;
	inode_lock(inode);
	filemap_invalidate_lock(inode->i_mapping);
	size = i_size_read(inode);
	grow = !(mode & FALLOC_FL_KEEP_SIZE) && end > size;
	if (grow)
		err = inode_newsize_ok(inode, end);
	if (err)
		goto out;
	zero_end = min(end, size);
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE) &&
	    offset < zero_end)
		obj->type->truncate(obj, offset, zero_end, true);
	if (allocate)
		err = wpf_disk_allocate(obj, first, last);
	if (!err && grow) {
		obj->type->zero_tail(obj, size);
		i_size_write(inode, end);
		wpf_inode_touch(inode, false);
		mark_inode_dirty(inode);
	}
out:
	filemap_invalidate_unlock(inode->i_mapping);
	inode_unlock(inode);
	return err;
}

/*
 * The one validator of the ioctls' range arguments: the reserved field
 * first, then the page-aligned byte range, converted to pages.  The range
 * may cover the partial page that holds end of file.
 */
static int wpf_object_range(struct wpf_object *obj,
			    const struct wpfault_range *r, u64 reserved,
			    pgoff_t *first, pgoff_t *nr_pages)
{
	u64 end;

	if (reserved)
		return -EINVAL;
	if (!r->length || !PAGE_ALIGNED(r->offset) || !PAGE_ALIGNED(r->length))
		return -EINVAL;
	if (check_add_overflow(r->offset, r->length, &end))
		return -EOVERFLOW;
	if (end > round_up((u64)i_size_read(obj->inode), PAGE_SIZE))
		return -ENXIO;
	*first = r->offset >> PAGE_SHIFT;
	*nr_pages = r->length >> PAGE_SHIFT;
	return 0;
}

static long wpf_ioctl_clean(struct wpf_object *obj,
			    struct wpfault_clean __user *uarg)
{
	struct wpfault_clean arg;
	pgoff_t first, nr;
	u64 cleaned;
	int err;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	err = wpf_object_range(obj, &arg.range, arg.reserved, &first, &nr);
	if (!err)
		err = wpf_written_clean(obj, first, nr, &cleaned);
	return err ?: put_user(cleaned, &uarg->pages_cleaned);
}

/* DIRTY_BITMAP, and with @collect, COLLECT. */
static long wpf_ioctl_dirty_bitmap(struct wpf_object *obj,
				   struct wpfault_dirty_bitmap __user *uarg,
				   bool collect)
{
	struct wpfault_dirty_bitmap arg;
	pgoff_t first, nr;
	u64 dirty;
	int err;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	err = wpf_object_range(obj, &arg.range, arg.reserved, &first, &nr);
	if (err)
		return err;
	if (arg.bitmap_size < DIV_ROUND_UP(nr, 64) * sizeof(u64))
		return -ERANGE;
	err = wpf_written_bitmap(obj, first, nr, u64_to_user_ptr(arg.bitmap),
				 collect, &dirty);
	return err ?: put_user(dirty, &uarg->dirty_pages);
}

static long wpf_ioctl_read_disk(struct wpf_object *obj,
				struct wpfault_disk_read __user *uarg)
{
	struct wpfault_disk_read arg;
	pgoff_t first, nr;
	u64 blocks;
	int err;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	err = wpf_object_range(obj, &arg.range, arg.reserved, &first, &nr);
	if (err)
		return err;
	if (arg.buf_size < arg.range.length)
		return -ERANGE;
	err = wpf_disk_read_user(obj, first, nr, u64_to_user_ptr(arg.buf),
				 &blocks);
	return err ?: put_user(blocks, &uarg->blocks);
}

/* SET_METHOD (@set) and GET_METHOD: the type's, or mkwrite alone. */
static long wpf_ioctl_method(struct wpf_object *obj,
			     struct wpfault_tracking __user *uarg, bool set)
{
	struct wpfault_tracking arg;
	int err = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.reserved || (set && arg.method >= WPFAULT_METHOD_NR))
		return -EINVAL;
	if (obj->type->method) {
		err = obj->type->method(obj, &arg, set);
	} else if (set && arg.method != WPFAULT_METHOD_MKWRITE) {
		err = -EOPNOTSUPP;
	} else {
		arg.method = WPFAULT_METHOD_MKWRITE;
		arg.mode = WPFAULT_MODE_MKWRITE;
		arg.flags = 0;
	}
	if (err)
		return err;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/*
 * The counters of @obj, with the gauges that only the object knows:
 * pages leave the cache, and sharing ends, without telling it.
 */
static void wpf_object_stats(struct wpf_object *obj, u64 *values)
{
	wpf_stats_read(&obj->stats, values);
	values[WPFAULT_STAT_PAGES_RESIDENT] = obj->inode->i_mapping->nrpages;
	values[WPFAULT_STAT_OBJECTS_ALIVE] = 1;
	if (obj->type->flags & WPF_TYPE_SHARES_BLOCKS)
		values[WPFAULT_STAT_BLOCKS_SHARED] =
			wpf_disk_shared_blocks(obj);
	wpf_stats_derive(values);
}

/* The module-wide counters, with the gauge only the live objects know. */
static void wpf_objects_stats(u64 *values)
{
	struct wpf_object *obj;
	u64 resident = 0;

	wpf_stats_read_module(values);
	spin_lock(&wpf_live_lock);
	list_for_each_entry(obj, &wpf_live_objects, live)
		resident += READ_ONCE(obj->inode->i_mapping->nrpages);
	spin_unlock(&wpf_live_lock);
	values[WPFAULT_STAT_PAGES_RESIDENT] = resident;
	wpf_stats_derive(values);
}

/* WPFAULT_IOC_STATS on /dev/wpfault: the module-wide counters. */
long wpf_objects_stats_ioctl(struct wpfault_stats __user *uarg)
{
	u64 values[WPFAULT_STAT_NR];

	wpf_objects_stats(values);
	return wpf_stats_copy_out(uarg, values);
}

/* debugfs wpfault/stats */
static int wpf_module_stats_show(struct seq_file *m, void *unused)
{
	u64 values[WPFAULT_STAT_NR];

	wpf_objects_stats(values);
	wpf_stats_show_values(m, values);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wpf_module_stats);

static long wpf_ioctl_stats(struct wpf_object *obj,
			    struct wpfault_stats __user *uarg)
{
	u64 values[WPFAULT_STAT_NR];

	wpf_object_stats(obj, values);
	return wpf_stats_copy_out(uarg, values);
}

/* The ioctls of an object's file, on every type. */
long wpf_object_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct wpf_object *obj = wpf_object_of(file_inode(file));
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case WPFAULT_IOC_STATS:
		return wpf_ioctl_stats(obj, uarg);
	case WPFAULT_IOC_CLEAN:
		return wpf_ioctl_clean(obj, uarg);
	case WPFAULT_IOC_DIRTY_BITMAP:
		return wpf_ioctl_dirty_bitmap(obj, uarg, false);
	case WPFAULT_IOC_COLLECT:
		return wpf_ioctl_dirty_bitmap(obj, uarg, true);
	case WPFAULT_IOC_READ_DISK:
		return wpf_ioctl_read_disk(obj, uarg);
	case WPFAULT_IOC_SET_METHOD:
		return wpf_ioctl_method(obj, uarg, true);
	case WPFAULT_IOC_GET_METHOD:
		return wpf_ioctl_method(obj, uarg, false);
	case WPFAULT_IOC_SNAPSHOT:
	case WPFAULT_IOC_SET_POLICY:
	case WPFAULT_IOC_GET_POLICY:
		if (!obj->type->ioctl)
			return -EOPNOTSUPP;
		return obj->type->ioctl(obj, cmd, uarg);
	default:
		return -ENOTTY;
	}
}

/* Returns a new object's file, or ERR_PTR. */
struct file *wpf_object_file(enum wpfault_type type, loff_t size)
{
	struct vfsmount *mnt = wpf_fs_internal_get();
	struct inode *inode;
	struct file *file;

	if (IS_ERR(mnt))
		return ERR_CAST(mnt);
	inode = wpf_object_new(mnt->mnt_sb, wpf_types[type], WPF_NOP_IDMAP,
			       NULL, S_IFREG | 0600, size);
	if (IS_ERR(inode)) {
		wpf_fs_internal_put();
		return ERR_CAST(inode);
	}
	wpf_object_of(inode)->pins_mount = true;

	/*
	 * The file drops a module reference when it is released, but
	 * alloc_file_pseudo() does not take one; the caller's open
	 * /dev/wpfault guarantees the module is alive here.
	 */
	__module_get(THIS_MODULE);
	/* O_LARGEFILE as open() gives it, or ftruncate() stops at 2 GiB. */
	file = alloc_file_pseudo(inode, mnt, "wpfault", O_RDWR | O_LARGEFILE,
				 inode->i_fop);
	if (IS_ERR(file)) {
		module_put(THIS_MODULE);
		iput(inode);	/* evicts: frees the object, unpins */
		return file;
	}
	/* pread() and pwrite(), which open() allows on a regular file. */
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE;
	return file;
}

/*
 * Copies @arg, which names the reserved descriptor @fd, out to @uarg, and
 * only then installs @file there: a caller that cannot read the result
 * gets no descriptor.  On failure the descriptor and the file go.
 */
int wpf_publish_fd(struct file *file, int fd, void __user *uarg,
		   const void *arg, size_t size)
{
	if (copy_to_user(uarg, arg, size)) {
		put_unused_fd(fd);
		fput(file);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}

long wpf_object_create(struct wpfault_create __user *uarg)
{
	struct wpfault_create arg;
	struct wpf_object *obj;
	struct file *file;
	u32 insert;
	bool large;
	int fd, err;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!arg.size || arg.flags & ~WPFAULT_CREATE_FLAGS ||
	    arg.type >= WPFAULT_TYPE_NR)
		return -EINVAL;
	if (arg.flags & WPFAULT_CREATE_PMD &&
	    !(wpf_types[arg.type]->flags & WPF_TYPE_PMD))
		return -EINVAL;
	large = arg.flags & (WPFAULT_CREATE_LARGE_FOLIOS |
			     WPFAULT_CREATE_MIN_FOLIO_ORDER);
	if (large && !(wpf_types[arg.type]->flags & WPF_TYPE_LARGE_FOLIOS))
		return -EINVAL;
	insert = arg.flags & (WPFAULT_CREATE_READONLY_INSERT |
			      WPFAULT_CREATE_MKWRITE_INSERT);
	if (insert && !(wpf_types[arg.type]->flags & WPF_TYPE_WRITE_INSERTS))
		return -EINVAL;
	if (insert == (WPFAULT_CREATE_READONLY_INSERT |
		       WPFAULT_CREATE_MKWRITE_INSERT))
		return -EINVAL;
	if (!(arg.flags & WPFAULT_CREATE_MIN_FOLIO_ORDER) !=
	    !arg.min_folio_order)
		return -EINVAL;
	if (arg.size > MAX_LFS_FILESIZE)
		return -EFBIG;
	if (arg.flags & WPFAULT_CREATE_PMD && !wpf_have_pmd_pfnmap())
		return -EOPNOTSUPP;
	if (insert & WPFAULT_CREATE_MKWRITE_INSERT &&
	    !wpf_have_mkwrite_insert())
		return -EOPNOTSUPP;
	if (large) {
		err = wpf_fs_check_folio_orders(arg.min_folio_order);
		if (err)
			return err;
	}

	fd = get_unused_fd_flags(arg.flags & WPFAULT_CREATE_CLOEXEC ?
				 O_CLOEXEC : 0);
	if (fd < 0)
		return fd;
	file = wpf_object_file(arg.type, arg.size);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	/* Before the descriptor is installed: nothing maps or caches it. */
	obj = wpf_object_of(file_inode(file));
	obj->pmd = arg.flags & WPFAULT_CREATE_PMD;
	if (insert & WPFAULT_CREATE_READONLY_INSERT)
		obj->write_insert = WPF_INSERT_READONLY;
	else if (insert & WPFAULT_CREATE_MKWRITE_INSERT)
		obj->write_insert = WPF_INSERT_MKWRITE;
	if (large)
		wpf_object_large_folios(obj, arg.min_folio_order);
	arg.fd = fd;
	arg.id = obj->id;
	return wpf_publish_fd(file, fd, uarg, &arg, sizeof(arg));
}

static int wpf_object_stats_show(struct seq_file *m, void *unused)
{
	u64 values[WPFAULT_STAT_NR];

	wpf_object_stats(m->private, values);
	wpf_stats_show_values(m, values);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wpf_object_stats);

static int wpf_bdi_show(struct seq_file *m, void *unused)
{
	struct wpf_object *obj = m->private;

	seq_printf(m, "%s\n", bdi_dev_name(obj->inode->i_sb->s_bdi));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wpf_bdi);

/*
 * debugfs wpfault/<id>/: every object's stats, bdi (the name of its BDI,
 * whose own statistics are in bdi/<name>/), folio_order and
 * min_folio_order (the largest folio its page cache asks for, and the
 * smallest it may hold) and blocks (disk.c), and the files of its type.
 */
static void wpf_object_debugfs(struct wpf_object *obj)
{
	char name[24];

	snprintf(name, sizeof(name), "%llu", obj->id);
	obj->debugfs_dir = debugfs_create_dir(name, wpf_debugfs_root());
	debugfs_create_file("stats", 0400, obj->debugfs_dir, obj,
			    &wpf_object_stats_fops);
	debugfs_create_file("bdi", 0400, obj->debugfs_dir, obj,
			    &wpf_bdi_fops);
	debugfs_create_u8("folio_order", 0400, obj->debugfs_dir,
			  &obj->folio_order);
	debugfs_create_u8("min_folio_order", 0400, obj->debugfs_dir,
			  &obj->min_folio_order);
	wpf_disk_debugfs(obj);
	if (obj->type->debugfs)
		obj->type->debugfs(obj);
}

/* @types: one for each enum wpfault_type, kept until wpf_objects_exit(). */
int wpf_objects_init(const struct wpf_object_type *const *types)
{
	wpf_types = types;
	debugfs_create_file("stats", 0400, wpf_debugfs_root(), NULL,
			    &wpf_module_stats_fops);
	return wpf_fs_register(&wpf_object_fs_ops);
}

void wpf_objects_exit(void)
{
	wpf_fs_unregister();
}
