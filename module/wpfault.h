/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the files of the wpfault module. */
#ifndef _WPFAULT_INTERNAL_H
#define _WPFAULT_INTERNAL_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/wpfault.h>

struct wpf_counters {
	atomic64_t v[WPFAULT_STAT_NR];
};

struct wpf_object;

/* What differs between kinds of backing store (enum wpfault_type). */
struct wpf_object_type {
	/* Sets up the new object's inode and mapping. */
	void (*init)(struct wpf_object *obj);
	int (*mmap)(struct file *file, struct vm_area_struct *vma);
	/* Type-specific object ioctls; -ENOTTY for unknown commands. */
	long (*ioctl)(struct wpf_object *obj, unsigned int cmd,
		      void __user *arg);
};

struct wpf_object {
	u64 id;
	struct inode *inode;
	const struct wpf_object_type *type;
	struct wpf_counters stats;
	struct dentry *debugfs_dir;
};

static inline struct wpf_object *wpf_object_of(struct inode *inode)
{
	return inode->i_private;
}

/* fs.c */
long wpf_object_create(struct wpfault_create __user *uarg);
int wpf_object_range(struct wpf_object *obj, const struct wpfault_range *r,
		     pgoff_t *first, pgoff_t *nr_pages);

/* pagecache.c */
extern const struct wpf_object_type wpf_pagecache_type;

/* stats.c */
void wpf_count(struct wpf_object *obj, enum wpfault_stat stat, s64 n);
void wpf_count_global(enum wpfault_stat stat, s64 n);
long wpf_stats_ioctl(struct wpf_object *obj, struct wpfault_stats __user *uarg);
void wpf_stats_object_add(struct wpf_object *obj);
void wpf_stats_object_del(struct wpf_object *obj);
void wpf_stats_init(void);
void wpf_stats_exit(void);

#endif /* _WPFAULT_INTERNAL_H */
