/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place that knows kernel API differences: each helper gives the
 * rest of the module one interface on every supported kernel.  The
 * WPF_HAVE_* macros come from Kbuild, which looks for the feature in the
 * kernel's headers rather than trusting version numbers (distributions
 * backport).
 */
#ifndef _WPFAULT_COMPAT_H
#define _WPFAULT_COMPAT_H

#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/splice.h>
#include <linux/writeback.h>
#if !defined(WPF_HAVE_INSERT_PFN_PMD_ULONG) || defined(WPF_HAVE_MIXED_MKWRITE)
#include <linux/pfn_t.h>
#endif
/* struct folio_batch moved out of pagevec.h in 7.x. */
#ifdef WPF_HAVE_FOLIO_BATCH_H
#include <linux/folio_batch.h>
#else
#include <linux/pagevec.h>
#endif

/* 7.x's kmalloc_obj() and kzalloc_obj(), for the kernels before them. */
#ifndef WPF_HAVE_KMALLOC_OBJ
#define kmalloc_obj(var, gfp) kmalloc(sizeof(var), gfp)
#define kzalloc_obj(var, gfp) kzalloc(sizeof(var), gfp)
#endif

/* Whether a fault runs under the per-VMA lock (6.4 on), not mmap_lock. */
static inline bool wpf_fault_vma_locked(const struct vm_fault *vmf)
{
#ifdef WPF_HAVE_FAULT_FLAG_VMA_LOCK
	return vmf->flags & FAULT_FLAG_VMA_LOCK;
#else
	return false;
#endif
}

/* Removes the ptes of a VM_PFNMAP vma's range; renamed in 7.x. */
static inline void wpf_zap_pfn_range(struct vm_area_struct *vma,
				     unsigned long start, unsigned long size)
{
#ifdef WPF_HAVE_ZAP_SPECIAL_VMA_RANGE
	zap_special_vma_range(vma, start, size);
#else
	zap_vma_ptes(vma, start, size);
#endif
}

/*
 * Special huge pfn entries, which the kernel's walkers leave alone as they
 * do special small ones (CONFIG_ARCH_SUPPORTS_PMD_PFNMAP, 6.12 on).
 */
static inline bool wpf_have_pmd_pfnmap(void)
{
	return IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP);
}

#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
/* Maps @pfn with a huge entry; pfn_t went in 6.17. */
static inline vm_fault_t wpf_insert_pfn_pmd(struct vm_fault *vmf,
					    unsigned long pfn, bool write)
{
#ifdef WPF_HAVE_INSERT_PFN_PMD_ULONG
	return vmf_insert_pfn_pmd(vmf, pfn, write);
#else
	return vmf_insert_pfn_pmd(vmf, pfn_to_pfn_t(pfn), write);
#endif
}
#endif

/*
 * The kernel's mkwrite insert of a small pfn entry: exported by 6.1, kept
 * for the built-in DAX code from 6.12 on (Kbuild reads Module.symvers).
 */
static inline bool wpf_have_mkwrite_insert(void)
{
#ifdef WPF_HAVE_MIXED_MKWRITE
	return true;
#else
	return false;
#endif
}

/*
 * Maps @pfn at @addr writable, dirty and young, or makes the read-only
 * entry of @pfn there so.  PFN_SPECIAL: a VM_PFNMAP vma takes no other
 * pfn through this call (vm_mixed_ok()).
 */
static inline vm_fault_t wpf_insert_pfn_mkwrite(struct vm_area_struct *vma,
						unsigned long addr,
						unsigned long pfn)
{
#ifdef WPF_HAVE_MIXED_MKWRITE
	return vmf_insert_mixed_mkwrite(vma, addr,
					__pfn_to_pfn_t(pfn, PFN_SPECIAL));
#else
	return VM_FAULT_SIGBUS;	/* no object asks: creation refused it */
#endif
}

/* Inode operations took the mount's user namespace until 6.3. */
#ifdef WPF_HAVE_MNT_IDMAP
#define wpf_idmap mnt_idmap
#define WPF_NOP_IDMAP (&nop_mnt_idmap)
#else
#define wpf_idmap user_namespace
#define WPF_NOP_IDMAP (&init_user_ns)
#endif

/* Locked, referenced folio at @index, created if absent; ERR_PTR on error. */
static inline struct folio *wpf_grab_folio(struct address_space *mapping,
					   pgoff_t index)
{
#ifdef WPF_HAVE_FILEMAP_GRAB_FOLIO
	return filemap_grab_folio(mapping, index);
#else
	/* Until 6.3 __filemap_get_folio() returned NULL on failure. */
	struct folio *folio;

	folio = __filemap_get_folio(mapping, index,
				    FGP_LOCK | FGP_ACCESSED | FGP_CREAT,
				    mapping_gfp_mask(mapping));
	return folio ?: ERR_PTR(-ENOMEM);
#endif
}

/*
 * The largest folio order an object with large folios asks for: one below
 * the PMD order, so that no folio of it can be mapped by one huge entry,
 * and within the page cache's limit.  0 where the order cannot be capped
 * so (no mapping_set_folio_order_range(): 6.1) or the page cache has no
 * large folios (no transparent huge pages).
 */
static inline unsigned int wpf_large_folio_order(void)
{
#ifdef WPF_HAVE_FOLIO_ORDER_RANGE
	/* Without them the page cache ignores the order it is given. */
	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		return 0;
	return min_t(unsigned int, PMD_SHIFT - PAGE_SHIFT - 1,
		     MAX_PAGECACHE_ORDER);
#else
	return 0;
#endif
}

/* Lets @mapping hold folios of 2^@min to 2^@max pages only. */
static inline void wpf_set_folio_orders(struct address_space *mapping,
					unsigned int min, unsigned int max)
{
#ifdef WPF_HAVE_FOLIO_ORDER_RANGE
	mapping_set_folio_order_range(mapping, min, max);
#endif
}

/*
 * Locked, referenced folio at @index, created with 2^@order pages if none
 * is cached there, or fewer where part of that range is cached or memory
 * is short; ERR_PTR on error.  @index is a multiple of 2^@order.
 */
static inline struct folio *wpf_grab_folio_order(struct address_space *mapping,
						 pgoff_t index,
						 unsigned int order)
{
#ifdef WPF_HAVE_FOLIO_ORDER_RANGE
	return __filemap_get_folio(mapping, index,
				   FGP_LOCK | FGP_ACCESSED | FGP_CREAT |
				   fgf_set_order(PAGE_SIZE << order),
				   mapping_gfp_mask(mapping));
#else
	return wpf_grab_folio(mapping, index);
#endif
}

/* Locked, referenced folio at @index, or NULL if none is cached. */
static inline struct folio *wpf_lock_folio(struct address_space *mapping,
					   pgoff_t index)
{
	struct folio *folio = filemap_lock_folio(mapping, index);

#ifdef WPF_HAVE_FILEMAP_GRAB_FOLIO
	/* Since 6.3 (with filemap_grab_folio()) absence is ERR_PTR(-ENOENT). */
	if (IS_ERR(folio))
		return NULL;
#endif
	return folio;
}

/*
 * Locked, referenced folio at @index, or NULL if none is cached or
 * another task holds it locked.
 */
static inline struct folio *wpf_trylock_folio(struct address_space *mapping,
					      pgoff_t index)
{
	struct folio *folio = __filemap_get_folio(mapping, index,
						  FGP_LOCK | FGP_NOWAIT, 0);

#ifdef WPF_HAVE_FILEMAP_GRAB_FOLIO
	if (IS_ERR(folio))
		return NULL;
#endif
	return folio;
}

/* Page table entries mapping a small folio, in every mm. */
static inline int wpf_folio_mapcount(struct folio *folio)
{
#ifdef WPF_HAVE_INLINE_FOLIO_MAPCOUNT
	return folio_mapcount(folio);
#else
	/* 6.1's folio_mapcount() is out of line and not exported. */
	return page_mapcount(&folio->page);
#endif
}

/*
 * ->write_begin and ->write_end: 6.1 passes pages, 6.12 folios, 7.x
 * folios and the kiocb instead of the file.  struct wpf_write_page is
 * what they pass; the functions below convert it.
 */
#ifdef WPF_HAVE_WRITE_BEGIN_KIOCB
#define WPF_WRITE_CTX const struct kiocb *
#else
#define WPF_WRITE_CTX struct file *
#endif
#ifdef WPF_HAVE_WRITE_BEGIN_FOLIO
#define wpf_write_page folio

static inline struct folio *wpf_handle_folio(struct wpf_write_page *handle)
{
	return handle;
}

static inline struct wpf_write_page *wpf_folio_handle(struct folio *folio)
{
	return folio;
}
#else
#define wpf_write_page page

static inline struct folio *wpf_handle_folio(struct wpf_write_page *handle)
{
	return page_folio(handle);
}

static inline struct wpf_write_page *wpf_folio_handle(struct folio *folio)
{
	return &folio->page;
}
#endif

/*
 * Writes back the dirty folios @wbc asks for, calling @write_folio on each
 * (locked, dirty flag cleared for I/O); the first error or 0.
 */
typedef int (*wpf_write_folio_t)(struct folio *folio,
				 struct writeback_control *wbc, void *data);
#ifdef WPF_HAVE_WRITEBACK_ITER
static inline int wpf_write_cache(struct address_space *mapping,
				  struct writeback_control *wbc,
				  wpf_write_folio_t write_folio, void *data)
{
	struct folio *folio = NULL;
	int err = 0;

	while ((folio = writeback_iter(mapping, wbc, folio, &err)))
		err = write_folio(folio, wbc, data);
	return err;
}
#else
/* 6.1's write_cache_pages() calls back with pages. */
struct wpf_write_cache_ctx {
	wpf_write_folio_t write_folio;
	void *data;
};

static inline int wpf_write_cache_page(struct page *page,
				       struct writeback_control *wbc,
				       void *data)
{
	struct wpf_write_cache_ctx *ctx = data;

	return ctx->write_folio(page_folio(page), wbc, ctx->data);
}

static inline int wpf_write_cache(struct address_space *mapping,
				  struct writeback_control *wbc,
				  wpf_write_folio_t write_folio, void *data)
{
	struct wpf_write_cache_ctx ctx = { write_folio, data };

	return write_cache_pages(mapping, wbc, wpf_write_cache_page, &ctx);
}
#endif

/* Memory failure removes a poisoned page-cache page this way. */
#ifdef WPF_HAVE_ERROR_REMOVE_FOLIO
#define WPF_AOPS_ERROR_REMOVE .error_remove_folio = generic_error_remove_folio
#else
#define WPF_AOPS_ERROR_REMOVE .error_remove_page = generic_error_remove_page
#endif

#ifdef WPF_HAVE_FILEMAP_SPLICE_READ
#define wpf_splice_read filemap_splice_read
#else
#define wpf_splice_read generic_file_splice_read
#endif

/* Evict an inode on its last iput(), linked or not: renamed in 7.x. */
#ifdef WPF_HAVE_INODE_JUST_DROP
#define wpf_drop_inode inode_just_drop
#else
#define wpf_drop_inode generic_delete_inode
#endif

/*
 * A file system without a disk pins the dentries of its files.  7.x marks
 * them persistent and kill_anon_super() drops them; before, they held an
 * extra reference that kill_litter_super() dropped.
 */
#ifdef WPF_HAVE_D_MAKE_PERSISTENT
static inline void wpf_d_pin(struct dentry *dentry, struct inode *inode)
{
	d_make_persistent(dentry, inode);
}

#define wpf_kill_sb kill_anon_super
#else
static inline void wpf_d_pin(struct dentry *dentry, struct inode *inode)
{
	d_instantiate(dentry, inode);
	dget(dentry);
}

#define wpf_kill_sb kill_litter_super
#endif

/* ->mkdir returns the dentry it used from 7.x on: NULL for the given one. */
#ifdef WPF_HAVE_MKDIR_DENTRY
#define WPF_MKDIR_RET struct dentry *
#define wpf_mkdir_ret(err) ERR_PTR(err)
#else
#define WPF_MKDIR_RET int
#define wpf_mkdir_ret(err) (err)
#endif

/* Sets mtime and ctime (and atime, for a new inode) to now. */
static inline void wpf_inode_touch(struct inode *inode, bool new)
{
#ifdef WPF_HAVE_INODE_SET_MTIME
	struct timespec64 now = inode_set_ctime_current(inode);

	inode_set_mtime_to_ts(inode, now);
	if (new)
		inode_set_atime_to_ts(inode, now);
#else
	inode->i_mtime = inode_set_ctime_current(inode);
	if (new)
		inode->i_atime = inode->i_mtime;
#endif
}

/* vma->vm_flags became read-only with the per-vma lock, in 6.3. */
static inline void wpf_vm_flags_set(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
#ifdef WPF_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * The kernel's pte walkers for dirty tracking exist only where something
 * selects CONFIG_MAPPING_DIRTY_HELPERS (Debian's kernels have them), and
 * the notice of a zap before it happens only with CONFIG_MMU_NOTIFIER
 * (selected by KVM, among others).  Without both, pfn objects never leave
 * WPFAULT_MODE_UNMAP (pfn_tracking.c), so the stand-ins below must never run.
 */
#if IS_ENABLED(CONFIG_MAPPING_DIRTY_HELPERS) && IS_ENABLED(CONFIG_MMU_NOTIFIER)
#define wpf_have_dirty_helpers() true

/*
 * Calls @ops->invalidate before the kernel changes or removes a pte of
 * [@start, @start + @length) in @mm, which is locked for writing.
 */
static inline int wpf_watch_range(struct mmu_interval_notifier *sub,
				  struct mm_struct *mm, unsigned long start,
				  unsigned long length,
				  const struct mmu_interval_notifier_ops *ops)
{
	return mmu_interval_notifier_insert_locked(sub, mm, start, length,
						   ops);
}

static inline void wpf_unwatch_range(struct mmu_interval_notifier *sub)
{
	mmu_interval_notifier_remove(sub);
}

/* Write-protects the writable ptes of the range; returns how many. */
static inline unsigned long wpf_wrprotect_range(struct address_space *mapping,
						pgoff_t first, pgoff_t nr)
{
	return wp_shared_mapping_range(mapping, first, nr);
}

/*
 * Cleans the dirty ptes of the range, setting bit (page - @first) of
 * @bitmap for each; returns how many ptes.
 */
static inline unsigned long wpf_clean_range(struct address_space *mapping,
					    pgoff_t first, pgoff_t nr,
					    unsigned long *bitmap)
{
	pgoff_t start = nr, end = 0;	/* no bit set yet */

	return clean_record_shared_mapping_range(mapping, first, nr, first,
						 bitmap, &start, &end);
}
#else
#define wpf_have_dirty_helpers() false

static inline int wpf_watch_range(struct mmu_interval_notifier *sub,
				  struct mm_struct *mm, unsigned long start,
				  unsigned long length,
				  const struct mmu_interval_notifier_ops *ops)
{
	return -EOPNOTSUPP;
}

static inline void wpf_unwatch_range(struct mmu_interval_notifier *sub)
{
	WARN_ON_ONCE(1);
}

static inline unsigned long wpf_wrprotect_range(struct address_space *mapping,
						pgoff_t first, pgoff_t nr)
{
	WARN_ON_ONCE(1);
	return 0;
}

static inline unsigned long wpf_clean_range(struct address_space *mapping,
					    pgoff_t first, pgoff_t nr,
					    unsigned long *bitmap)
{
	WARN_ON_ONCE(1);
	return 0;
}
#endif

#endif /* _WPFAULT_COMPAT_H */
