// SPDX-License-Identifier: GPL-2.0
/*
 * Objects: each one is an inode on a private pseudo filesystem, with its own
 * address_space (and so its own i_mmap tree for rmap walks), handed to
 * userspace as a file.  The filesystem is mounted while any object lives;
 * the mount holds the module, so rmmod is refused until the last object,
 * including one kept only by a mapping, is gone.
 */
#include <linux/file.h>
#include <linux/fs_context.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "wpfault.h"

#define WPFAULT_FS_MAGIC	0x77706674	/* "wpft" */

static struct vfsmount *wpf_mnt;
static int wpf_mnt_count;
static atomic64_t wpf_last_id;

static const struct wpf_object_type *const wpf_types[WPFAULT_TYPE_NR] = {
	[WPFAULT_TYPE_PAGECACHE] = &wpf_pagecache_type,
};

static void wpf_evict_inode(struct inode *inode)
{
	struct wpf_object *obj = wpf_object_of(inode);

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	/* The filesystem's root inode is no object. */
	if (!obj)
		return;
	wpf_stats_object_del(obj);
	kfree(obj);
}

static const struct super_operations wpf_super_ops = {
	.statfs = simple_statfs,
	.evict_inode = wpf_evict_inode,
};

static int wpf_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, WPFAULT_FS_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->ops = &wpf_super_ops;
	return 0;
}

static struct file_system_type wpf_fs_type = {
	.owner = THIS_MODULE,
	.name = "wpfault",
	.init_fs_context = wpf_init_fs_context,
	.kill_sb = kill_anon_super,
};

/*
 * Validates a page-aligned byte range of @obj and converts it to pages.
 * The range may cover the partial page that holds end of file.
 */
int wpf_object_range(struct wpf_object *obj, const struct wpfault_range *r,
		     pgoff_t *first, pgoff_t *nr_pages)
{
	u64 end;

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

static int wpf_object_mmap(struct file *file, struct vm_area_struct *vma)
{
	return wpf_object_of(file_inode(file))->type->mmap(file, vma);
}

static long wpf_object_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct wpf_object *obj = wpf_object_of(file_inode(file));
	void __user *uarg = (void __user *)arg;

	if (cmd == WPFAULT_IOC_STATS)
		return wpf_stats_ioctl(obj, uarg);
	return obj->type->ioctl(obj, cmd, uarg);
}

static int wpf_object_release(struct inode *inode, struct file *file)
{
	/* The file's own reference keeps the mount until the inode is gone. */
	simple_release_fs(&wpf_mnt, &wpf_mnt_count);
	return 0;
}

static const struct file_operations wpf_object_fops = {
	.owner = THIS_MODULE,
	.mmap = wpf_object_mmap,
	.unlocked_ioctl = wpf_object_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = wpf_object_release,
};

/* Returns the new object's file, or ERR_PTR; unpins the mount on error. */
static struct file *wpf_object_file(const struct wpfault_create *arg)
{
	struct wpf_object *obj;
	struct inode *inode;
	struct file *file;
	int err;

	err = simple_pin_fs(&wpf_fs_type, &wpf_mnt, &wpf_mnt_count);
	if (err)
		return ERR_PTR(err);
	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj) {
		err = -ENOMEM;
		goto unpin;
	}
	inode = alloc_anon_inode(wpf_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		kfree(obj);
		err = PTR_ERR(inode);
		goto unpin;
	}
	obj->id = atomic64_inc_return(&wpf_last_id);
	obj->inode = inode;
	obj->type = wpf_types[arg->type];
	inode->i_private = obj;
	/* A regular file, so that ftruncate() and fstat() work as usual. */
	inode->i_mode |= S_IFREG;
	i_size_write(inode, arg->size);
	obj->type->init(obj);
	wpf_stats_object_add(obj);

	/*
	 * The file drops a module reference when it is released, but
	 * alloc_file_pseudo() does not take one; the caller's open
	 * /dev/wpfault guarantees the module is alive here.
	 */
	__module_get(THIS_MODULE);
	/* O_LARGEFILE as open() gives it, or ftruncate() stops at 2 GiB. */
	file = alloc_file_pseudo(inode, wpf_mnt, "wpfault",
				 O_RDWR | O_LARGEFILE, &wpf_object_fops);
	if (!IS_ERR(file))
		return file;
	module_put(THIS_MODULE);
	iput(inode);	/* evicts and frees the object */
	err = PTR_ERR(file);
unpin:
	simple_release_fs(&wpf_mnt, &wpf_mnt_count);
	return ERR_PTR(err);
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
	file = wpf_object_file(&arg);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	arg.fd = fd;
	arg.id = wpf_object_of(file_inode(file))->id;
	if (copy_to_user(uarg, &arg, sizeof(arg))) {
		put_unused_fd(fd);
		fput(file);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}
