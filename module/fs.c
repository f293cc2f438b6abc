// SPDX-License-Identifier: GPL-2.0
/*
 * The wpfault file system.  Each object is an inode with its own
 * address_space (and so its own i_mmap tree for rmap walks), on a
 * superblock with a BDI of its own that the kernel's flusher writes back.
 * Objects come two ways, one code path behind both:
 *  - WPFAULT_IOC_CREATE on /dev/wpfault makes an unnamed file on an
 *    internal mount, which each such object pins;
 *  - "mount -t wpfault none DIR" gives a tree of directories in which
 *    open(O_CREAT) makes a page-cache object.
 * A superblock holds the module, so rmmod is refused while a mount or an
 * object (even one kept only by a mapping) exists.  An object's inode
 * number is its id, the name of its debugfs directory.
 */
#include <linux/backing-dev.h>
#include <linux/file.h>
#include <linux/fs.h>
/* falloc.h uses the types fs.h brings in. */
#include <linux/falloc.h>
#include <linux/fs_context.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "wpfault.h"

#define WPFAULT_FS_MAGIC	0x77706674	/* "wpft" */
#define WPFAULT_ROOT_INO	1

static struct vfsmount *wpf_mnt;
static int wpf_mnt_count;
/* Object ids, and inode numbers: the root directory has the first. */
static atomic64_t wpf_last_id = ATOMIC64_INIT(WPFAULT_ROOT_INO);

static const struct inode_operations wpf_object_iops;

static const struct wpf_object_type *const wpf_types[WPFAULT_TYPE_NR] = {
	[WPFAULT_TYPE_PAGECACHE] = &wpf_pagecache_type,
	[WPFAULT_TYPE_PFN] = &wpf_pfn_type,
	[WPFAULT_TYPE_COW] = &wpf_cow_type,
};

static void wpf_evict_inode(struct inode *inode)
{
	struct wpf_object *obj = wpf_object_of(inode);
	unsigned long pages = inode->i_data.nrpages;

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	/* Directories are no objects. */
	if (!obj)
		return;
	wpf_count(obj, WPFAULT_STAT_PAGES_TRUNCATED, pages);
	obj->type->destroy(obj);
	xa_destroy(&obj->written);
	wpf_stats_object_del(obj);
	/* Not the mount's last reference: the dying file holds one. */
	if (obj->pins_mount)
		simple_release_fs(&wpf_mnt, &wpf_mnt_count);
	kfree(obj);
}

/* A superblock's disk: the blocks its objects hold. */
struct wpf_fs_info {
	atomic_long_t blocks;
};

void wpf_fs_blocks_add(struct super_block *sb, long n)
{
	struct wpf_fs_info *info = sb->s_fs_info;

	atomic_long_add(n, &info->blocks);
}

/*
 * The disk is memory: its size is the RAM, and its used blocks are those
 * its objects hold (page-cache pages not yet written back hold none).
 */
static int wpf_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct wpf_fs_info *info = dentry->d_sb->s_fs_info;
	long used = atomic_long_read(&info->blocks);
	int err = simple_statfs(dentry, buf);

	if (err)
		return err;
	buf->f_blocks = totalram_pages();
	buf->f_bfree = buf->f_blocks > used ? buf->f_blocks - used : 0;
	buf->f_bavail = buf->f_bfree;
	return 0;
}

static const struct super_operations wpf_super_ops = {
	.statfs = wpf_statfs,
	/* An unused inode has nothing to keep: the disk goes with it. */
	.drop_inode = wpf_drop_inode,
	.evict_inode = wpf_evict_inode,
};

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

	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	inode = new_inode(sb);
	if (!inode) {
		kfree(obj);
		return ERR_PTR(-ENOMEM);
	}
	obj->id = atomic64_inc_return(&wpf_last_id);
	obj->inode = inode;
	obj->type = type;
	xa_init(&obj->written);
	inode->i_ino = obj->id;
	inode_init_owner(idmap, inode, dir, mode);
	inode->i_op = &wpf_object_iops;
	inode->i_fop = type->fops;
	inode->i_private = obj;
	wpf_inode_touch(inode, true);
	i_size_write(inode, size);
	type->init(obj);
	/* The flusher only writes back hashed inodes. */
	insert_inode_hash(inode);
	wpf_stats_object_add(obj);
	return inode;
}

static int wpf_create(struct wpf_idmap *idmap, struct inode *dir,
		      struct dentry *dentry, umode_t mode, bool excl)
{
	struct inode *inode;

	inode = wpf_object_new(dir->i_sb, &wpf_pagecache_type, idmap, dir,
			       mode, 0);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	wpf_d_pin(dentry, inode);
	wpf_inode_touch(dir, false);
	return 0;
}

static const struct inode_operations wpf_dir_iops;

/* Directories hold no data: what tools need to arrange their files. */
static WPF_MKDIR_RET wpf_mkdir(struct wpf_idmap *idmap, struct inode *dir,
			       struct dentry *dentry, umode_t mode)
{
	struct inode *inode = new_inode(dir->i_sb);

	if (!inode)
		return wpf_mkdir_ret(-ENOMEM);
	/* Inode numbers stay unique: directories take one from the ids. */
	inode->i_ino = atomic64_inc_return(&wpf_last_id);
	inode_init_owner(idmap, inode, dir, S_IFDIR | mode);
	inode->i_op = &wpf_dir_iops;
	inode->i_fop = &simple_dir_operations;
	wpf_inode_touch(inode, true);
	inc_nlink(inode);	/* "." */
	inc_nlink(dir);		/* ".." */
	wpf_d_pin(dentry, inode);
	wpf_inode_touch(dir, false);
	return wpf_mkdir_ret(0);
}

/* Regular files and directories; no links, device nodes or sockets. */
static const struct inode_operations wpf_dir_iops = {
	.create = wpf_create,
	.lookup = simple_lookup,
	.unlink = simple_unlink,
	.rename = simple_rename,
	.mkdir = wpf_mkdir,
	.rmdir = simple_rmdir,
};

static int wpf_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct wpf_fs_info *info;
	struct inode *root;
	int err;

	/* kill_sb frees it, whatever fails after. */
	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	sb->s_fs_info = info;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = WPFAULT_FS_MAGIC;
	sb->s_op = &wpf_super_ops;
	sb->s_time_gran = 1;
	err = super_setup_bdi(sb);
	if (err)
		return err;
	/* No readahead: a fault or read(2) brings in the page it needs. */
	sb->s_bdi->ra_pages = 0;
	sb->s_bdi->io_pages = 0;

	root = new_inode(sb);
	if (!root)
		return -ENOMEM;
	root->i_ino = WPFAULT_ROOT_INO;
	inode_init_owner(WPF_NOP_IDMAP, root, NULL, S_IFDIR | 0755);
	root->i_op = &wpf_dir_iops;
	root->i_fop = &simple_dir_operations;
	set_nlink(root, 2);
	wpf_inode_touch(root, true);
	sb->s_root = d_make_root(root);
	return sb->s_root ? 0 : -ENOMEM;
}

/* The objects go first, and their blocks with them. */
static void wpf_kill_super(struct super_block *sb)
{
	struct wpf_fs_info *info = sb->s_fs_info;

	wpf_kill_sb(sb);
	kfree(info);
}

static int wpf_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, wpf_fill_super);
}

static const struct fs_context_operations wpf_context_ops = {
	.get_tree = wpf_get_tree,
};

static int wpf_init_fs_context(struct fs_context *fc)
{
	fc->ops = &wpf_context_ops;
	return 0;
}

/* No FS_USERNS_MOUNT: only the initial user namespace may mount it. */
static struct file_system_type wpf_fs_type = {
	.owner = THIS_MODULE,
	.name = "wpfault",
	.init_fs_context = wpf_init_fs_context,
	.kill_sb = wpf_kill_super,
};

/*
 * Like a file system's: times move on the first write after a clean, a
 * writeback or a flush (later writes find the pte writable and never
 * fault).  The caller is in sb_start_pagefault().
 */
void wpf_write_fault_time(struct wpf_object *obj, struct file *file)
{
	struct timespec64 before = inode_get_ctime(obj->inode), after;

	file_update_time(file);
	after = inode_get_ctime(obj->inode);
	if (!timespec64_equal(&before, &after))
		wpf_count(obj, WPFAULT_STAT_MTIME_UPDATES, 1);
}

int wpf_fs_register(void)
{
	return register_filesystem(&wpf_fs_type);
}

void wpf_fs_unregister(void)
{
	unregister_filesystem(&wpf_fs_type);
}

/*
 * Validates the range argument of an object ioctl, its reserved field
 * first, and converts the page-aligned byte range to pages.  The range
 * may cover the partial page that holds end of file.
 */
int wpf_object_range(struct wpf_object *obj, const struct wpfault_range *r,
		     u64 reserved, pgoff_t *first, pgoff_t *nr_pages)
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

/* The object ioctls, on every type. */
long wpf_object_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct wpf_object *obj = wpf_object_of(file_inode(file));
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case WPFAULT_IOC_STATS:
		return wpf_stats_ioctl(obj, uarg);
	case WPFAULT_IOC_CLEAN:
		return wpf_ioctl_clean(obj, uarg);
	case WPFAULT_IOC_DIRTY_BITMAP:
		return wpf_ioctl_dirty_bitmap(obj, uarg, false);
	case WPFAULT_IOC_COLLECT:
		return wpf_ioctl_dirty_bitmap(obj, uarg, true);
	case WPFAULT_IOC_READ_DISK:
		return wpf_ioctl_read_disk(obj, uarg);
	case WPFAULT_IOC_SET_METHOD:
		return wpf_ioctl_tracking(obj, uarg, true);
	case WPFAULT_IOC_GET_METHOD:
		return wpf_ioctl_tracking(obj, uarg, false);
	case WPFAULT_IOC_SNAPSHOT:
	case WPFAULT_IOC_SET_POLICY:
	case WPFAULT_IOC_GET_POLICY:
		return wpf_cow_ioctl(obj, cmd, uarg);
	default:
		return -ENOTTY;
	}
}

/* Pages that hold the object's bytes, the last one maybe in part. */
pgoff_t wpf_object_pages(struct inode *inode)
{
	return DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
}

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
		wpf_track_forget(obj, DIV_ROUND_UP(attr->ia_size, PAGE_SIZE));
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
 * what wpf_page_has_data() says.  A hole takes a page's time to find per
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
 * allocates (ZERO_RANGE) or frees it (PUNCH_HOLE), as a file system whose
 * disk is memory.  Without KEEP_SIZE the file may grow, and the old
 * end-of-file page's tail reads zeroes, as after any growth.  A hole
 * punch or a zeroing is no clean: the tracker keeps its records.  The VFS
 * has checked the range and the combination of flags.
 */
long wpf_object_fallocate(struct file *file, int mode, loff_t offset,
			  loff_t len)
{
	struct inode *inode = file_inode(file);
	struct wpf_object *obj = wpf_object_of(inode);
	loff_t end = offset + len, size, zero_end;
	bool grow;
	int err = 0;

	if (mode & ~WPF_FALLOC_MODES)
		return -EOPNOTSUPP;
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
	if (!(mode & FALLOC_FL_PUNCH_HOLE))
		err = wpf_disk_allocate(obj, offset >> PAGE_SHIFT,
					(end - 1) >> PAGE_SHIFT);
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

/* Returns a new object's file, or ERR_PTR. */
struct file *wpf_object_file(enum wpfault_type type, loff_t size)
{
	struct inode *inode;
	struct file *file;
	int err;

	err = simple_pin_fs(&wpf_fs_type, &wpf_mnt, &wpf_mnt_count);
	if (err)
		return ERR_PTR(err);
	inode = wpf_object_new(wpf_mnt->mnt_sb, wpf_types[type],
			       WPF_NOP_IDMAP, NULL, S_IFREG | 0600, size);
	if (IS_ERR(inode)) {
		simple_release_fs(&wpf_mnt, &wpf_mnt_count);
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
	file = alloc_file_pseudo(inode, wpf_mnt, "wpfault",
				 O_RDWR | O_LARGEFILE, inode->i_fop);
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
	struct file *file;
	int fd;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!arg.size || arg.flags & ~WPFAULT_CREATE_FLAGS ||
	    arg.type >= WPFAULT_TYPE_NR || arg.reserved)
		return -EINVAL;
	if (arg.size > MAX_LFS_FILESIZE)
		return -EFBIG;

	fd = get_unused_fd_flags(arg.flags & WPFAULT_CREATE_CLOEXEC ?
				 O_CLOEXEC : 0);
	if (fd < 0)
		return fd;
	file = wpf_object_file(arg.type, arg.size);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	arg.fd = fd;
	arg.id = wpf_object_of(file_inode(file))->id;
	return wpf_publish_fd(file, fd, uarg, &arg, sizeof(arg));
}
