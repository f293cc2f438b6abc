// SPDX-License-Identifier: GPL-2.0
/*
 * The wpfault filesystem: a superblock with a BDI of its own, which the
 * kernel's flusher writes back, directories, and regular files that are
 * objects.  What an object is, this file does not know: the object core
 * (object.c) makes and ends them through struct wpf_fs_ops.
 *
 * Files come two ways:
 *  - WPFAULT_IOC_CREATE on /dev/wpfault makes an unnamed file on an
 *    internal mount (wpf_fs_internal_get());
 *  - "mount -t wpfault none DIR" gives a tree of directories in which
 *    open(O_CREAT) makes a page-cache object; the options large_folios
 *    and min_folio_order=N give every such object what
 *    WPFAULT_CREATE_LARGE_FOLIOS and WPFAULT_CREATE_MIN_FOLIO_ORDER give
 *    one.
 * A superblock holds the module, so rmmod is refused while a mount or an
 * object (even one kept only by a mapping) exists.  Every inode number,
 * but the roots', comes from one module-wide sequence: an object's is its
 * id, the name of its debugfs directory.
 */
#include <linux/backing-dev.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>

#include "wpfault.h"

#define WPFAULT_FS_MAGIC	0x77706674	/* "wpft" */
#define WPFAULT_ROOT_INO	1

static const struct wpf_fs_ops *wpf_fs_ops;
static struct vfsmount *wpf_mnt;
static int wpf_mnt_count;
static atomic64_t wpf_last_ino = ATOMIC64_INIT(WPFAULT_ROOT_INO);

/* A mount's folio options; all 0 for none. */
struct wpf_fs_folios {
	bool large;
	u32 min_order;
};

/* A superblock's disk, the blocks its objects hold, and its options. */
struct wpf_fs_info {
	atomic_long_t blocks;
	struct wpf_fs_folios folios;
};

/*
 * Whether this kernel serves large folios with a smallest order of
 * @min_order (0: any): -EOPNOTSUPP where it has none that can be capped
 * below a PMD, -EINVAL for an order above the largest, else 0.
 */
int wpf_fs_check_folio_orders(unsigned int min_order)
{
	if (!wpf_large_folio_order())
		return -EOPNOTSUPP;
	return min_order > wpf_large_folio_order() ? -EINVAL : 0;
}

/*
 * The folio options of the mount holding @sb: whether its new files have
 * large folios, and their smallest order.
 */
bool wpf_fs_large_folios(struct super_block *sb, unsigned int *min_order)
{
	struct wpf_fs_info *info = sb->s_fs_info;

	*min_order = info->folios.min_order;
	return info->folios.large;
}

void wpf_fs_blocks_add(struct super_block *sb, long n)
{
	struct wpf_fs_info *info = sb->s_fs_info;

	atomic_long_add(n, &info->blocks);
}

static const struct inode_operations wpf_dir_iops;

static struct inode *wpf_get_inode(struct super_block *sb,
				   struct wpf_idmap *idmap, struct inode *dir,
				   umode_t mode, unsigned long ino)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_ino = ino;
	inode_init_owner(idmap, inode, dir, mode);
	wpf_inode_touch(inode, true);
	if (S_ISDIR(mode)) {
		inode->i_op = &wpf_dir_iops;
		inode->i_fop = &simple_dir_operations;
		inc_nlink(inode);	/* "." */
	}
	return inode;
}

/*
 * A new inode of @mode, owned as creation in @dir makes it (@dir NULL: on
 * the internal mount), with the next inode number; NULL without memory.
 * A regular file's operations are the caller's to set.
 */
struct inode *wpf_fs_new_inode(struct super_block *sb, struct wpf_idmap *idmap,
			       struct inode *dir, umode_t mode)
{
	return wpf_get_inode(sb, idmap, dir, mode,
			     atomic64_inc_return(&wpf_last_ino));
}

static int wpf_create(struct wpf_idmap *idmap, struct inode *dir,
		      struct dentry *dentry, umode_t mode, bool excl)
{
	struct inode *inode = wpf_fs_ops->create(dir->i_sb, idmap, dir, mode);

	if (IS_ERR(inode))
		return PTR_ERR(inode);
	wpf_d_pin(dentry, inode);
	wpf_inode_touch(dir, false);
	return 0;
}

/* Directories hold no data: what tools need to arrange their files. */
static WPF_MKDIR_RET wpf_mkdir(struct wpf_idmap *idmap, struct inode *dir,
			       struct dentry *dentry, umode_t mode)
{
	struct inode *inode = wpf_fs_new_inode(dir->i_sb, idmap, dir,
					       S_IFDIR | mode);

	if (!inode)
		return wpf_mkdir_ret(-ENOMEM);
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

static void wpf_evict_inode(struct inode *inode)
{
	/* Directories are no objects. */
	if (inode->i_private) {
		wpf_fs_ops->evict(inode);
		return;
	}
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
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

static int wpf_show_options(struct seq_file *m, struct dentry *root)
{
	struct wpf_fs_info *info = root->d_sb->s_fs_info;

	if (info->folios.min_order)
		seq_printf(m, ",min_folio_order=%u", info->folios.min_order);
	else if (info->folios.large)
		seq_puts(m, ",large_folios");
	return 0;
}

static const struct super_operations wpf_super_ops = {
	.statfs = wpf_statfs,
	.show_options = wpf_show_options,
	/* An unused inode has nothing to keep: the disk goes with it. */
	.drop_inode = wpf_drop_inode,
	.evict_inode = wpf_evict_inode,
};

static int wpf_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct wpf_fs_info *info;
	struct inode *root;
	int err;

	/* kill_sb frees it, whatever fails after. */
	info = kzalloc_obj(*info, GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	sb->s_fs_info = info;
	info->folios = *(struct wpf_fs_folios *)fc->fs_private;
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

	root = wpf_get_inode(sb, WPF_NOP_IDMAP, NULL, S_IFDIR | 0755,
			     WPFAULT_ROOT_INO);
	if (!root)
		return -ENOMEM;
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

enum { WPF_OPT_LARGE_FOLIOS, WPF_OPT_MIN_FOLIO_ORDER };

static const struct fs_parameter_spec wpf_fs_params[] = {
	fsparam_flag("large_folios", WPF_OPT_LARGE_FOLIOS),
	fsparam_u32("min_folio_order", WPF_OPT_MIN_FOLIO_ORDER),
	{}
};

static int wpf_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct wpf_fs_folios *folios = fc->fs_private;
	struct fs_parse_result result;
	int opt = fs_parse(fc, wpf_fs_params, param, &result);

	if (opt < 0)
		return opt;
	if (opt == WPF_OPT_MIN_FOLIO_ORDER) {
		if (!result.uint_32)
			return invalfc(fc, "min_folio_order must be above 0");
		folios->min_order = result.uint_32;
	}
	folios->large = true;
	return 0;
}

/* The options are checked as WPFAULT_IOC_CREATE checks its flags. */
static int wpf_get_tree(struct fs_context *fc)
{
	struct wpf_fs_folios *folios = fc->fs_private;
	int err;

	if (folios->large) {
		err = wpf_fs_check_folio_orders(folios->min_order);
		if (err)
			return err;
	}
	return get_tree_nodev(fc, wpf_fill_super);
}

static void wpf_free_fs_context(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations wpf_context_ops = {
	.parse_param = wpf_parse_param,
	.get_tree = wpf_get_tree,
	.free = wpf_free_fs_context,
};

static int wpf_init_fs_context(struct fs_context *fc)
{
	struct wpf_fs_folios *folios = kzalloc_obj(*folios, GFP_KERNEL);

	if (!folios)
		return -ENOMEM;
	fc->fs_private = folios;
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

/* "mount -t wpfault" loads the module. */
MODULE_ALIAS_FS("wpfault");

/*
 * The internal mount, made on first use; each call holds it until
 * wpf_fs_internal_put().  ERR_PTR on failure.
 */
struct vfsmount *wpf_fs_internal_get(void)
{
	int err = simple_pin_fs(&wpf_fs_type, &wpf_mnt, &wpf_mnt_count);

	return err ? ERR_PTR(err) : wpf_mnt;
}

void wpf_fs_internal_put(void)
{
	simple_release_fs(&wpf_mnt, &wpf_mnt_count);
}

int wpf_fs_register(const struct wpf_fs_ops *ops)
{
	wpf_fs_ops = ops;
	return register_filesystem(&wpf_fs_type);
}

void wpf_fs_unregister(void)
{
	unregister_filesystem(&wpf_fs_type);
}
