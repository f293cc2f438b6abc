// SPDX-License-Identifier: GPL-2.0
/*
 * Counters: every event is counted twice, in its object and module-wide,
 * and shown in debugfs as plain "name value" lines:
 *   /sys/kernel/debug/wpfault/stats        module-wide
 *   /sys/kernel/debug/wpfault/<id>/stats   one live object
 *   /sys/kernel/debug/wpfault/<id>/bdi     the name of the object's BDI,
 *                                          whose own statistics are in
 *                                          /sys/kernel/debug/bdi/<name>/
 *   /sys/kernel/debug/wpfault/<id>/blocks  the frame of each block of
 *                                          the object's disk (disk.c)
 *   /sys/kernel/debug/wpfault/<id>/tracking  a pfn object's dirty
 *                                          tracking (tracking.c)
 *   /sys/kernel/debug/wpfault/<id>/policy  a copy-on-write object's
 *                                          policy (cow.c)
 */
#include <linux/backing-dev.h>
#include <linux/debugfs.h>
#include <linux/minmax.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "wpfault.h"

static const char *const wpf_stat_names[WPFAULT_STAT_NR] =
	WPFAULT_STAT_NAMES;

static struct wpf_counters wpf_global;
static struct dentry *wpf_debugfs_root;

void wpf_count_global(enum wpfault_stat stat, s64 n)
{
	atomic64_add(n, &wpf_global.v[stat]);
}

void wpf_count(struct wpf_object *obj, enum wpfault_stat stat, s64 n)
{
	atomic64_add(n, &obj->stats.v[stat]);
	wpf_count_global(stat, n);
}

/* @obj NULL reads the module-wide counters. */
static void wpf_stats_read(struct wpf_object *obj, u64 *values)
{
	struct wpf_counters *c = obj ? &obj->stats : &wpf_global;
	s64 gone;
	int i;

	for (i = 0; i < WPFAULT_STAT_NR; i++)
		values[i] = atomic64_read(&c->v[i]);
	if (obj) {
		/* Pages leave the cache without telling the object. */
		values[WPFAULT_STAT_PAGES_RESIDENT] =
			obj->inode->i_mapping->nrpages;
		values[WPFAULT_STAT_OBJECTS_ALIVE] = 1;
		/* Sharing ends when another object lets go. */
		values[WPFAULT_STAT_BLOCKS_SHARED] =
			wpf_disk_shared_blocks(obj);
	}
	/*
	 * Nor does reclaim say whose page it drops (->free_folio has no
	 * mapping left): what left other than by truncation was reclaimed.
	 * A page being added or truncated right now can skew it, below 0.
	 */
	gone = values[WPFAULT_STAT_PAGES_ALLOCATED] -
	       values[WPFAULT_STAT_PAGES_RESIDENT] -
	       values[WPFAULT_STAT_PAGES_TRUNCATED];
	values[WPFAULT_STAT_PAGES_RECLAIMED] = max(gone, 0LL);
}

long wpf_stats_ioctl(struct wpf_object *obj, struct wpfault_stats __user *uarg)
{
	u64 values[WPFAULT_STAT_NR];
	struct wpfault_stats arg;
	u32 n;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.reserved)
		return -EINVAL;
	wpf_stats_read(obj, values);
	n = min_t(u32, arg.nr_stats, WPFAULT_STAT_NR);
	if (copy_to_user(u64_to_user_ptr(arg.values), values,
			 n * sizeof(values[0])))
		return -EFAULT;
	if (put_user(n, &uarg->nr_stats))
		return -EFAULT;
	return 0;
}

static int wpf_stats_show(struct seq_file *m, void *unused)
{
	u64 values[WPFAULT_STAT_NR];
	int i;

	wpf_stats_read(m->private, values);
	for (i = 0; i < WPFAULT_STAT_NR; i++)
		seq_printf(m, "%s %llu\n", wpf_stat_names[i], values[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wpf_stats);

static int wpf_bdi_show(struct seq_file *m, void *unused)
{
	struct wpf_object *obj = m->private;

	seq_printf(m, "%s\n", bdi_dev_name(obj->inode->i_sb->s_bdi));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wpf_bdi);

void wpf_stats_object_add(struct wpf_object *obj)
{
	char name[24];

	snprintf(name, sizeof(name), "%llu", obj->id);
	obj->debugfs_dir = debugfs_create_dir(name, wpf_debugfs_root);
	debugfs_create_file("stats", 0400, obj->debugfs_dir, obj,
			    &wpf_stats_fops);
	debugfs_create_file("bdi", 0400, obj->debugfs_dir, obj,
			    &wpf_bdi_fops);
	wpf_disk_debugfs(obj);
	if (obj->type == &wpf_pfn_type)
		wpf_tracking_debugfs(obj);
	if (obj->type == &wpf_cow_type)
		wpf_cow_debugfs(obj);
	wpf_count_global(WPFAULT_STAT_OBJECTS_ALIVE, 1);
}

void wpf_stats_object_del(struct wpf_object *obj)
{
	/* Waits for readers of the object's files to finish. */
	debugfs_remove(obj->debugfs_dir);
	wpf_count_global(WPFAULT_STAT_OBJECTS_ALIVE, -1);
}

void wpf_stats_init(void)
{
	wpf_debugfs_root = debugfs_create_dir("wpfault", NULL);
	debugfs_create_file("stats", 0400, wpf_debugfs_root, NULL,
			    &wpf_stats_fops);
}

void wpf_stats_exit(void)
{
	debugfs_remove(wpf_debugfs_root);
}
