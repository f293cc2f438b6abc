/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the files of the wpfault module. */
#ifndef _WPFAULT_INTERNAL_H
#define _WPFAULT_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/wpfault.h>
#include <linux/xarray.h>

#include "compat.h"

/*
 * Counters, one set per CPU, summed when read: the fault paths add to
 * their own CPU's without an atomic or a shared cache line.  A read is
 * exact while nothing counts, which is when the tests read them.
 */
struct wpf_counter_set {
	u64 v[WPFAULT_STAT_NR];
};

struct wpf_counters {
	struct wpf_counter_set __percpu *cpu;
};

struct wpf_object;

/* The most pages a type cleans in one run (struct wpf_object_type). */
#define WPF_CLEAN_RUN		(BITS_PER_LONG * 8)

/* Capabilities of a type, for the object core (struct wpf_object_type). */
/* Its blocks may be shared with other objects: blocks_shared is a gauge. */
#define WPF_TYPE_SHARES_BLOCKS	BIT(0)
/* It can map PMD-sized blocks with huge entries (WPFAULT_CREATE_PMD). */
#define WPF_TYPE_PMD		BIT(1)
/* Its page cache can hold large folios (WPFAULT_CREATE_LARGE_FOLIOS). */
#define WPF_TYPE_LARGE_FOLIOS	BIT(2)
/* Its write faults insert entries a chosen way (WPFAULT_CREATE_*_INSERT). */
#define WPF_TYPE_WRITE_INSERTS	BIT(3)

/* How a write fault maps a pfn block with a small entry ("Write inserts"). */
enum wpf_write_insert {
	WPF_INSERT_WRITABLE,
	WPF_INSERT_READONLY,
	WPF_INSERT_MKWRITE,
};

/*
 * What differs between kinds of backing store (enum wpfault_type).  The
 * object core (object.c) and the layers below it reach a type only
 * through this table: adding a type is adding a file that fills one in,
 * and an entry in main.c's list.
 */
struct wpf_object_type {
	/* WPF_TYPE_* */
	unsigned int flags;
	/* Sets up the new object's inode and mapping; its disk is ready. */
	void (*init)(struct wpf_object *obj);
	/*
	 * Frees what init and later use set up; the page cache is gone and
	 * the object core frees the disk next.  May be NULL.
	 */
	void (*destroy)(struct wpf_object *obj);
	/* The object's files, from the ioctl and from the filesystem. */
	const struct file_operations *fops;
	/*
	 * Clears page @index in the written set and write-protects it, so
	 * that the next write records it again, atomically against writes;
	 * true if it was set.  Or, where clean_run is set, the same for a
	 * run of pages [@first, @first + @nr), each recorded when the run
	 * was made, @nr at most WPF_CLEAN_RUN, in fewer walks of the
	 * mappings: bit i of @cleaned says whether page @first + i was set.
	 */
	bool (*clean_page)(struct wpf_object *obj, pgoff_t index);
	void (*clean_run)(struct wpf_object *obj, pgoff_t first, pgoff_t nr,
			  unsigned long *cleaned);
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
	 * Writes the written set has not seen (dirty bits of ptes) in
	 * [@first, @first + @nr).  With @found NULL, before a call reads
	 * the written set: records them in it; -EINTR on a fatal signal.
	 * With @found, in PAGETABLE mode, for a CLEAN or COLLECT that
	 * reports and cleans them at once (written.c), @nr at most
	 * WPFAULT_ADAPTIVE_WINDOW: sets bit i of @found for page @first + i
	 * instead, records only what must outlive the call, returns 0.  NULL
	 * where every write enters the module.
	 */
	int (*harvest)(struct wpf_object *obj, pgoff_t first, pgoff_t nr,
		       unsigned long *found);
	/*
	 * In PAGETABLE mode, the first page at or after *@index, up to
	 * @last, that harvest must visit, in *@index; false if none, or
	 * in another mode.  Set where harvest is.
	 */
	bool (*harvest_next)(struct wpf_object *obj, unsigned long *index,
			     pgoff_t last);
	/*
	 * fallocate() gave page @index a new, zeroed block; under disk_lock.
	 * NULL where nothing maps a hole.
	 */
	void (*allocated)(struct wpf_object *obj, pgoff_t index);
	/*
	 * fallocate() of [@index, @last], @index a hole: gives @index and
	 * the holes after it one run of blocks where the type maps such a
	 * run with one huge entry, and returns the pages it gave; 0 to have
	 * blocks given one at a time.  Under disk_lock.  NULL: always 0.
	 */
	pgoff_t (*allocate_run)(struct wpf_object *obj, pgoff_t index,
				pgoff_t last);
	/*
	 * After a clean or collect of [@first, @first + @nr) found @dirty
	 * pages written, in @runs runs of neighbours.
	 */
	void (*collected)(struct wpf_object *obj, pgoff_t first, pgoff_t nr,
			  u64 dirty, u64 runs);
	/*
	 * WPFAULT_IOC_SET_METHOD (@set) and GET_METHOD, on an argument the
	 * object core checked: applies @arg->method if @set, then fills in
	 * @arg.  NULL: the type has the mkwrite method only.
	 */
	int (*method)(struct wpf_object *obj, struct wpfault_tracking *arg,
		      bool set);
	/*
	 * The commands that only some types implement (the uapi header says
	 * which).  NULL: -EOPNOTSUPP for each.
	 */
	long (*ioctl)(struct wpf_object *obj, unsigned int cmd,
		      void __user *uarg);
	/* Adds the type's files to the object's debugfs directory. */
	void (*debugfs)(struct wpf_object *obj);
};

/* What a switch of tracking mode does to a type's ptes (tracking.c). */
struct wpf_tracking_ops {
	/* The mode in effect while the kernel's helpers cannot serve. */
	enum wpfault_mode fallback;
	/*
	 * Under disk_lock, before the mode leaves or enters PAGETABLE, on an
	 * object of @pages pages (not 0).
	 */
	void (*leave_pagetable)(struct wpf_object *obj, pgoff_t pages);
	void (*enter_pagetable)(struct wpf_object *obj, pgoff_t pages);
};

/* An object's dirty tracking (tracking.c), under disk_lock. */
struct wpf_tracking {
	const struct wpf_tracking_ops *ops;
	enum wpfault_method method;
	/* The mode the method asks for now: MKWRITE or PAGETABLE. */
	enum wpfault_mode want;
	/* In effect: want, or UNMAP where the helpers cannot serve. */
	enum wpfault_mode mode;
	/* Adaptive: the modelled costs of the last collection, in each mode. */
	u64 cost_mkwrite, cost_pagetable;
	/*
	 * Mappings the kernel's helpers cannot walk past, or whose zaps the
	 * module cannot watch.
	 */
	unsigned long unwalkable;
	/* Every vma, from ->mmap or ->open to ->close (struct wpf_vma). */
	struct list_head vmas;
	/*
	 * The pages of a harvest window whose ptes were dirty: a bit per
	 * page of WPFAULT_ADAPTIVE_WINDOW, too many for the stack.
	 */
	DECLARE_BITMAP(harvested, WPFAULT_ADAPTIVE_WINDOW);
	/*
	 * A PAGETABLE CLEAN or COLLECT's window: what it found there, held
	 * across the copy to the user's bitmap, under collect_lock.
	 */
	struct mutex collect_lock;
	DECLARE_BITMAP(window, WPFAULT_ADAPTIVE_WINDOW);
	/* A test's hold on ->pfn_mkwrite's window (pfn.c): WPF_STALL_*. */
	atomic_t stall;
	wait_queue_head_t stall_wait;
};

enum { WPF_STALL_IDLE, WPF_STALL_ARMED, WPF_STALL_HELD };

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

/*
 * Locking.  Outermost first; a lock may be taken while holding those
 * above it, never the other way round.
 *
 *  collect_lock  per object (struct wpf_tracking), a mutex: one PAGETABLE
 *                CLEAN or COLLECT at a time, across its copies to user
 *                memory, which may fault.
 *  mmap_lock (or the vma lock)  the core's, around faults and ->mmap,
 *                ->open, ->close.
 *  sb_start_pagefault()  write faults, ->page_mkwrite, ->pfn_mkwrite.
 *  inode lock    size changes (setattr), fallocate(), write(2), lseek's
 *                SEEK_DATA/SEEK_HOLE (shared) and snapshots.
 *  invalidate_lock  exclusive: whatever changes which pages exist or what
 *                they hold under a mapping (size changes, punches,
 *                zeroing a tail, snapshots); shared: the faults that map
 *                a page.  So no entry is made past end of file or to a
 *                block being freed.
 *  folio lock (page cache), page lock (a copy-on-write block)
 *                held by ->page_mkwrite until the core has made the pte
 *                writable, and by cleaning, writeback and partial
 *                zeroing, so that each sees a write either not begun or
 *                recorded with its pte writable.
 *  disk_lock     per object (struct wpf_object), a mutex.  Protects the
 *                disk's blocks and their marks (WPF_*), struct
 *                wpf_tracking (a page-cache clean reads the mode under it,
 *                inside the folio lock), a pfn object's vma list, and the
 *                ptes the module itself makes and removes for pfn
 *                objects; it
 *                orders the copy-on-write decisions, writeback's copy,
 *                read-back, READ_DISK and direct I/O against each other,
 *                so that none sees half a block.  Held across
 *                unmap_mapping_pages() and the dirty helpers, so the
 *                rmap locks (i_mmap_rwsem, page table locks) nest inside.
 *  xa_lock       of the written set and of the disk, the xarrays' own;
 *                the pfn vmas' interval notifiers take only this one, so
 *                that they can run where the module removes ptes itself.
 *  wpf_share_lock  holder counts of shared blocks (disk.c); innermost.
 *
 * A pin's lock (pin.c) orders WPFAULT_IOC_UNPIN with reads of the pin;
 * nothing above is taken under it but the folio locks of unpinning and
 * the mmap_lock of a fault on the reader's buffer.
 */
struct wpf_object {
	u64 id;
	struct inode *inode;
	const struct wpf_object_type *type;
	struct wpf_counters stats;
	struct dentry *debugfs_dir;
	/* On the list of live objects (object.c). */
	struct list_head live;
	/* Made by WPFAULT_IOC_CREATE: holds a pin on the internal mount. */
	bool pins_mount;
	/* Maps PMD-sized blocks with huge entries (WPFAULT_CREATE_PMD). */
	bool pmd;
	/* An &enum wpf_write_insert, from the WPFAULT_CREATE_*_INSERT flags. */
	u8 write_insert;
	/*
	 * The largest folio order its page cache asks for: 0, or more with
	 * WPFAULT_CREATE_LARGE_FOLIOS; and the smallest it may hold.
	 */
	u8 folio_order, min_folio_order;
	/*
	 * The written set (written.c): a value entry for each page written
	 * since a clean, a reserved slot for one cleaned since.
	 */
	struct xarray written;
	/* See "Locking" above. */
	struct mutex disk_lock;
	/*
	 * The disk (disk.c): one page of memory for each block written
	 * back, or, for pfn and copy-on-write objects, each block written.
	 */
	struct xarray disk;
	struct wpf_tracking tracking;
	/*
	 * A copy-on-write object's enum wpfault_policy: read once per
	 * decision and set without a lock (READ_ONCE/WRITE_ONCE).
	 */
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

/* Pages that hold the object's bytes, the last one maybe in part. */
static inline pgoff_t wpf_object_pages(struct inode *inode)
{
	return DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
}

/*
 * The files' calls into each other, bottom layer first: a file calls
 * only files listed before it (scripts/callgraph.sh checks it).
 */

struct seq_file;

/* stats.c */
void wpf_count(struct wpf_object *obj, enum wpfault_stat stat, s64 n);
void wpf_count_global(enum wpfault_stat stat, s64 n);
int wpf_counters_init(struct wpf_counters *c);
void wpf_counters_free(struct wpf_counters *c);
void wpf_stats_read(const struct wpf_counters *c, u64 *values);
void wpf_stats_derive(u64 *values);
long wpf_stats_copy_out(struct wpfault_stats __user *uarg, const u64 *values);
void wpf_stats_show_values(struct seq_file *m, const u64 *values);
void wpf_stats_read_module(u64 *values);
struct dentry *wpf_debugfs_root(void);
void wpf_stats_init(void);
void wpf_stats_exit(void);

/* fs.c */
/* What the files of a wpfault filesystem are: objects (object.c). */
struct wpf_fs_ops {
	/* A new regular file in @dir, by open(O_CREAT); or ERR_PTR. */
	struct inode *(*create)(struct super_block *sb, struct wpf_idmap *idmap,
				struct inode *dir, umode_t mode);
	/* The last reference to a regular file's inode went. */
	void (*evict)(struct inode *inode);
};

int wpf_fs_register(const struct wpf_fs_ops *ops);
void wpf_fs_unregister(void);
struct inode *wpf_fs_new_inode(struct super_block *sb, struct wpf_idmap *idmap,
			       struct inode *dir, umode_t mode);
struct vfsmount *wpf_fs_internal_get(void);
void wpf_fs_internal_put(void);
void wpf_fs_blocks_add(struct super_block *sb, long n);
int wpf_fs_check_folio_orders(unsigned int min_order);
bool wpf_fs_large_folios(struct super_block *sb, unsigned int *min_order);

/* written.c */
bool wpf_written_has_folio(struct wpf_object *obj, struct folio *folio);
int wpf_written_reserve(struct wpf_object *obj, struct folio *folio,
			gfp_t gfp);
void wpf_written_commit(struct wpf_object *obj, struct folio *folio,
			bool written);
void wpf_written_forget(struct wpf_object *obj, pgoff_t first);
int wpf_written_set(struct wpf_object *obj, pgoff_t index);
void wpf_written_add(struct wpf_object *obj, pgoff_t index);
void wpf_written_keep(struct wpf_object *obj, pgoff_t index);
bool wpf_written_clear(struct wpf_object *obj, pgoff_t index);
void wpf_written_mark_upgrade(struct wpf_object *obj, pgoff_t index);
bool wpf_written_clear_upgrade(struct wpf_object *obj, pgoff_t index);
bool wpf_written_find_upgrade(struct wpf_object *obj, unsigned long *index,
			      pgoff_t last);
void wpf_written_dirtied(struct wpf_object *obj, pgoff_t index);
bool wpf_written_clean_unless_pinned(struct wpf_object *obj, pgoff_t index,
				     struct folio *folio, bool writable);
int wpf_written_clean(struct wpf_object *obj, pgoff_t first, pgoff_t nr,
		      u64 *cleaned);
int wpf_written_bitmap(struct wpf_object *obj, pgoff_t first, pgoff_t nr,
		       u64 __user *bitmap, bool collect, u64 *dirty_pages);

/* disk.c */
void wpf_disk_init(struct wpf_object *obj);
void wpf_disk_blocks_add(struct wpf_object *obj, long n);
int wpf_disk_write(struct wpf_object *obj, struct folio *folio,
		   loff_t i_size);
int wpf_disk_read(struct wpf_object *obj, struct folio *folio);
vm_fault_t wpf_poisoned_fault(struct wpf_object *obj);
long wpf_disk_zero(struct wpf_object *obj, loff_t start, loff_t end);
struct page *wpf_disk_block(struct wpf_object *obj, pgoff_t index);
struct page *wpf_disk_contiguous(struct wpf_object *obj, pgoff_t first,
				 unsigned int order);
bool wpf_disk_has_room(pgoff_t first, pgoff_t last);
int wpf_disk_allocate(struct wpf_object *obj, pgoff_t first, pgoff_t last);
ssize_t wpf_disk_direct_io(struct wpf_object *obj, loff_t pos,
			   struct iov_iter *iter, bool write, loff_t i_size);
void wpf_disk_free(struct wpf_object *obj);
void wpf_disk_destroy(struct wpf_object *obj);
unsigned long wpf_block_holders(struct page *block);
void wpf_block_share(struct page *block);
void wpf_block_release(struct page *block);
u64 wpf_disk_shared_blocks(struct wpf_object *obj);
void wpf_disk_mark_new(struct wpf_object *obj, pgoff_t index);
bool wpf_disk_replace(struct wpf_object *obj, pgoff_t index,
		      struct page *block, struct page *copy);
int wpf_disk_read_user(struct wpf_object *obj, pgoff_t first, pgoff_t nr,
		       char __user *buf, u64 *blocks);
void wpf_disk_debugfs(struct wpf_object *obj);

/* object.c */
int wpf_objects_init(const struct wpf_object_type *const *types);
long wpf_objects_stats_ioctl(struct wpfault_stats __user *uarg);
void wpf_objects_exit(void);
long wpf_object_create(struct wpfault_create __user *uarg);
struct file *wpf_object_file(enum wpfault_type type, loff_t size);
int wpf_publish_fd(struct file *file, int fd, void __user *uarg,
		   const void *arg, size_t size);
long wpf_object_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
long wpf_object_fallocate(struct file *file, int mode, loff_t offset,
			  loff_t len);
loff_t wpf_object_llseek(struct file *file, loff_t offset, int whence);
void wpf_write_fault_time(struct wpf_object *obj, struct file *file);
vm_fault_t wpf_map_no_pages(struct vm_fault *vmf, pgoff_t first,
			    pgoff_t last);
void wpf_unmap_pages(struct wpf_object *obj, pgoff_t first, pgoff_t nr);

/* tracking.c */
void wpf_tracking_init(struct wpf_object *obj,
		       const struct wpf_tracking_ops *ops);
void wpf_count_ptes(struct wpf_object *obj, enum wpfault_stat stat,
		    pgoff_t first, pgoff_t nr, unsigned long changed);
void wpf_tracking_wrprotect(struct wpf_object *obj, pgoff_t first, pgoff_t nr);
void wpf_tracking_clean_dirty(struct wpf_object *obj, pgoff_t first,
			      pgoff_t nr, unsigned long *bitmap);
int wpf_tracking_harvest_windows(struct wpf_object *obj, struct xarray *xa,
				 xa_mark_t mark, pgoff_t first, pgoff_t last,
				 void (*found)(struct wpf_object *obj,
					       pgoff_t index),
				 bool killable);
bool wpf_tracking_harvest_next(struct wpf_object *obj, struct xarray *xa,
			       xa_mark_t mark, unsigned long *index,
			       pgoff_t last);
bool wpf_tracking_walkable(struct wpf_object *obj);
void wpf_tracking_update(struct wpf_object *obj);
void wpf_tracking_unwalkable(struct wpf_object *obj, long delta);
void wpf_tracking_collected(struct wpf_object *obj, pgoff_t first, pgoff_t nr,
			    u64 dirty, u64 runs);
int wpf_tracking_method(struct wpf_object *obj, struct wpfault_tracking *arg,
			bool set);
void wpf_tracking_debugfs(struct wpf_object *obj);

/* pfn_tracking.c */
extern const struct wpf_tracking_ops wpf_pfn_tracking_ops;
int wpf_pfn_tracking_harvest(struct wpf_object *obj, pgoff_t first,
			     pgoff_t nr, unsigned long *found);
bool wpf_pfn_tracking_harvest_next(struct wpf_object *obj,
				   unsigned long *index, pgoff_t last);
bool wpf_pfn_tracking_flush(struct wpf_object *obj, pgoff_t first,
			    pgoff_t last);
void wpf_pfn_tracking_punch(struct wpf_object *obj, pgoff_t first,
			    pgoff_t nr);
void wpf_pfn_tracking_clean_run(struct wpf_object *obj, pgoff_t first,
				pgoff_t nr);
int wpf_pfn_tracking_vma_add(struct wpf_object *obj,
			     struct vm_area_struct *vma, bool from_mmap);
void wpf_pfn_tracking_vma_close(struct wpf_object *obj,
				struct vm_area_struct *vma);
int wpf_pfn_tracking_mprotect(struct wpf_object *obj,
			      struct vm_area_struct *vma, unsigned long start,
			      unsigned long end, unsigned long newflags);

/* pfn_pmd.c: empty where the kernel has no special huge pfn entries. */
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
vm_fault_t wpf_pmd_fault(struct vm_fault *vmf, unsigned int order);
bool wpf_pmd_mapped(struct vm_fault *vmf);
pgoff_t wpf_pmd_allocate_run(struct wpf_object *obj, pgoff_t index,
			     pgoff_t last);
#else
static inline bool wpf_pmd_mapped(struct vm_fault *vmf)
{
	return false;
}
#endif

/* pagecache_tracking.c */
extern const struct wpf_tracking_ops wpf_pagecache_tracking_ops;
int wpf_pagecache_tracking_harvest(struct wpf_object *obj, pgoff_t first,
				   pgoff_t nr, unsigned long *found);
bool wpf_pagecache_tracking_harvest_next(struct wpf_object *obj,
					 unsigned long *index, pgoff_t last);
void wpf_pagecache_tracking_writeback(struct wpf_object *obj);
bool wpf_pagecache_tracking_clean_run(struct wpf_object *obj, pgoff_t first,
				      pgoff_t nr, unsigned long *dirty);
void wpf_pagecache_tracking_vma(struct wpf_object *obj,
				struct vm_area_struct *vma, long delta);

/* writeback.c */
extern const struct address_space_operations wpf_pagecache_aops;
int wpf_fill_folio(struct wpf_object *obj, struct folio *folio);
struct folio *wpf_pagecache_grab(struct wpf_object *obj, pgoff_t index);
int wpf_fsync(struct file *file, loff_t start, loff_t end, int datasync);

/* The types: pagecache.c, pfn.c, cow.c */
extern const struct wpf_object_type wpf_pagecache_type;
extern const struct wpf_object_type wpf_pfn_type;
extern const struct wpf_object_type wpf_cow_type;

/* pin.c */
long wpf_pin_create(struct wpfault_pin __user *uarg);

#endif /* _WPFAULT_INTERNAL_H */
