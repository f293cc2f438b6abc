/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the files of the wpfault module. */
#ifndef _WPFAULT_INTERNAL_H
#define _WPFAULT_INTERNAL_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/wpfault.h>
#include <linux/xarray.h>

struct wpf_counters {
	atomic64_t v[WPFAULT_STAT_NR];
};

struct wpf_object;

/* What differs between kinds of backing store (enum wpfault_type). */
struct wpf_object_type {
	/* Sets up the new object's inode and mapping. */
	void (*init)(struct wpf_object *obj);
	/* Frees what init and later use set up; the page cache is gone. */
	void (*destroy)(struct wpf_object *obj);
	/* The object's files, from the ioctl and from the filesystem. */
	const struct file_operations *fops;
	/*
	 * Clears page @index in the tracker and write-protects it, so that
	 * the next write records it again, atomically against writes; true
	 * if it was set.
	 */
	bool (*clean_page)(struct wpf_object *obj, pgoff_t index);
	/*
	 * Size changes and hole punches, under the inode lock and the
	 * invalidate lock (no fault maps a page meanwhile).  zero_tail()
	 * zeroes from @from to the end of its page, as a file grows: a
	 * mapping may have written past the old end of file.  truncate()
	 * removes [@start, @end) as a hole punch or, with @end LLONG_MAX, a
	 * shrink does, and counts it.
	 */
	void (*zero_tail)(struct wpf_object *obj, loff_t from);
	void (*truncate)(struct wpf_object *obj, loff_t start, loff_t end,
			 bool punch);
	/*
	 * Before a call reads the tracker for [@first, @first + @nr): moves
	 * writes it has not seen (dirty bits of ptes) into it; -EINTR on a
	 * fatal signal.  NULL where every write enters the module.
	 */
	int (*harvest)(struct wpf_object *obj, pgoff_t first, pgoff_t nr);
	/*
	 * fallocate() gave page @index a new, zeroed block; under disk_lock.
	 * NULL where nothing maps a hole.
	 */
	void (*allocated)(struct wpf_object *obj, pgoff_t index);
	/* After a clean or collect of @nr pages found @dirty written. */
	void (*collected)(struct wpf_object *obj, pgoff_t nr, u64 dirty);
};

/* A pfn object's dirty tracking (tracking.c), under disk_lock. */
struct wpf_tracking {
	enum wpfault_method method;
	/* The mode the method asks for now: MKWRITE or PAGETABLE. */
	enum wpfault_mode want;
	/* In effect: want, or UNMAP where the helpers cannot serve. */
	enum wpfault_mode mode;
	/* Adaptive: collections in a row that argued for the other mode. */
	unsigned int streak;
	/*
	 * Mappings the kernel's helpers cannot walk past, or whose zaps the
	 * module cannot watch.
	 */
	unsigned long unwalkable;
	/* Every vma, from ->mmap or ->open to ->close (struct wpf_vma). */
	struct list_head vmas;
};

/* Marks on a pfn object's blocks (struct wpf_object.disk). */
/* A pte that may have mapped it writable went, dirty bit and all. */
#define WPF_ZAPPED	XA_MARK_0
#define WPF_FLUSH_DIRTY	XA_MARK_1	/* written since the last fsync */
/* Some pte may map it writable (copy-on-write objects too). */
#define WPF_WRITABLE	XA_MARK_2
/* Marks on a copy-on-write object's blocks (cow.c). */
#define WPF_EXCLUSIVE	XA_MARK_0	/* known to be this object's alone */
#define WPF_FRESH	XA_MARK_1	/* new: never mapped yet */

/* Why a copy-on-write object reused or copied a block (cow.c). */
enum wpf_cow_reason {
	WPF_COW_EXCLUSIVE,	/* reuse: marked exclusive */
	WPF_COW_SOLE_REFERENCE,	/* reuse: only the references expected */
	WPF_COW_SOLE_HOLDER,	/* reuse: no other object holds it */
	WPF_COW_LAST_REUSE = WPF_COW_SOLE_HOLDER,
	WPF_COW_SHARED,		/* copy: another object holds it */
	WPF_COW_REFERENCED,	/* copy: a reference not accounted for */
	WPF_COW_ALWAYS,		/* copy: the copy policy */
};

struct wpf_object {
	u64 id;
	struct inode *inode;
	const struct wpf_object_type *type;
	struct wpf_counters stats;
	struct dentry *debugfs_dir;
	/* Made by WPFAULT_IOC_CREATE: holds a pin on the internal mount. */
	bool pins_mount;
	/* The tracker: a value entry for each page written since a clean. */
	struct xarray written;
	/*
	 * The disk: one page of memory for each block written back, or, for
	 * a pfn object, each block written.
	 */
	struct mutex disk_lock;
	struct xarray disk;
	struct wpf_tracking tracking;
	/* A copy-on-write object's enum wpfault_policy. */
	u32 cow_policy;
};

/* In a walk under the xarray's lock: lets the CPU go now and then. */
static inline void wpf_xas_resched(struct xa_state *xas)
{
	if (need_resched()) {
		xas_pause(xas);
		xas_unlock(xas);
		cond_resched();
		xas_lock(xas);
	}
}

static inline struct wpf_object *wpf_object_of(struct inode *inode)
{
	return inode->i_private;
}

/* fs.c */
long wpf_object_create(struct wpfault_create __user *uarg);
struct file *wpf_object_file(enum wpfault_type type, loff_t size);
int wpf_publish_fd(struct file *file, int fd, void __user *uarg,
		   const void *arg, size_t size);
int wpf_fs_register(void);
void wpf_fs_unregister(void);
int wpf_object_range(struct wpf_object *obj, const struct wpfault_range *r,
		     u64 reserved, pgoff_t *first, pgoff_t *nr_pages);
long wpf_object_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
pgoff_t wpf_object_pages(struct inode *inode);
long wpf_object_fallocate(struct file *file, int mode, loff_t offset,
			  loff_t len);
loff_t wpf_object_llseek(struct file *file, loff_t offset, int whence);
void wpf_write_fault_time(struct wpf_object *obj, struct file *file);
void wpf_fs_blocks_add(struct super_block *sb, long n);

/* pagecache.c */
extern const struct wpf_object_type wpf_pagecache_type;

/* pfn.c */
extern const struct wpf_object_type wpf_pfn_type;

/* cow.c */
extern const struct wpf_object_type wpf_cow_type;
long wpf_cow_ioctl(struct wpf_object *obj, unsigned int cmd,
		   void __user *uarg);
void wpf_cow_debugfs(struct wpf_object *obj);

/* pin.c */
long wpf_pin_create(struct wpfault_pin __user *uarg);

/* writeback.c */
extern const struct address_space_operations wpf_pagecache_aops;
int wpf_fill_folio(struct wpf_object *obj, struct folio *folio);
int wpf_fsync(struct file *file, loff_t start, loff_t end, int datasync);

/* disk.c */
void wpf_disk_blocks_add(struct wpf_object *obj, long n);
int wpf_disk_write(struct wpf_object *obj, struct folio *folio,
		   loff_t i_size);
int wpf_disk_read(struct wpf_object *obj, struct folio *folio);
vm_fault_t wpf_poisoned_fault(struct wpf_object *obj);
long wpf_disk_zero(struct wpf_object *obj, loff_t start, loff_t end);
struct page *wpf_disk_block(struct wpf_object *obj, pgoff_t index);
int wpf_disk_allocate(struct wpf_object *obj, pgoff_t first, pgoff_t last);
ssize_t wpf_disk_direct_io(struct wpf_object *obj, loff_t pos,
			   struct iov_iter *iter, bool write, loff_t i_size);
void wpf_disk_destroy(struct wpf_object *obj);
unsigned long wpf_block_holders(struct page *block);
void wpf_block_share(struct page *block);
void wpf_block_release(struct page *block);
u64 wpf_disk_shared_blocks(struct wpf_object *obj);
void wpf_disk_mark_new(struct wpf_object *obj, pgoff_t index);
bool wpf_disk_replace(struct wpf_object *obj, pgoff_t index,
		      struct page *block, struct page *copy);
long wpf_ioctl_read_disk(struct wpf_object *obj,
			 struct wpfault_disk_read __user *uarg);
void wpf_disk_debugfs(struct wpf_object *obj);

/* tracker.c */
int wpf_track_reserve(struct wpf_object *obj, pgoff_t index, gfp_t gfp);
void wpf_track_commit(struct wpf_object *obj, pgoff_t index, bool written);
void wpf_track_forget(struct wpf_object *obj, pgoff_t first);
int wpf_track_set(struct wpf_object *obj, pgoff_t index);
void wpf_track_add(struct wpf_object *obj, pgoff_t index);
bool wpf_track_clear(struct wpf_object *obj, pgoff_t index);
void wpf_track_dirtied(struct wpf_object *obj, pgoff_t index);
bool wpf_track_clean_unless_pinned(struct wpf_object *obj, pgoff_t index,
				   struct folio *folio, bool writable);
bool wpf_pagecache_clean_page(struct wpf_object *obj, pgoff_t index);
long wpf_ioctl_clean(struct wpf_object *obj,
		     struct wpfault_clean __user *uarg);
long wpf_ioctl_dirty_bitmap(struct wpf_object *obj,
			    struct wpfault_dirty_bitmap __user *uarg,
			    bool collect);

/* tracking.c */
void wpf_tracking_init(struct wpf_object *obj);
int wpf_tracking_harvest(struct wpf_object *obj, pgoff_t first, pgoff_t nr);
bool wpf_tracking_flush(struct wpf_object *obj, pgoff_t first, pgoff_t last);
void wpf_tracking_punch(struct wpf_object *obj, pgoff_t first, pgoff_t nr);
void wpf_tracking_clean_page(struct wpf_object *obj, pgoff_t index);
void wpf_tracking_collected(struct wpf_object *obj, pgoff_t nr, u64 dirty);
long wpf_ioctl_tracking(struct wpf_object *obj,
			struct wpfault_tracking __user *uarg, bool set);
int wpf_tracking_vma_add(struct wpf_object *obj, struct vm_area_struct *vma,
			 bool from_mmap);
void wpf_tracking_vma_close(struct wpf_object *obj,
			    struct vm_area_struct *vma);
void wpf_tracking_debugfs(struct wpf_object *obj);

/* stats.c */
void wpf_count(struct wpf_object *obj, enum wpfault_stat stat, s64 n);
void wpf_count_global(enum wpfault_stat stat, s64 n);
long wpf_stats_ioctl(struct wpf_object *obj, struct wpfault_stats __user *uarg);
void wpf_stats_object_add(struct wpf_object *obj);
void wpf_stats_object_del(struct wpf_object *obj);
void wpf_stats_init(void);
void wpf_stats_exit(void);

#endif /* _WPFAULT_INTERNAL_H */
