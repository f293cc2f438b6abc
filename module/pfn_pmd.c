// SPDX-License-Identifier: GPL-2.0
/*
 * PMD entries of pfn objects made with WPFAULT_CREATE_PMD: one huge
 * entry maps a PMD-sized, aligned piece of the object whose blocks are
 * one aligned, physically contiguous run, as DAX maps a 2 MiB extent.
 * The kernel asks ->huge_fault for such an entry where the pmd is empty
 * (create_huge_pmd()), and again for a write to a read-only one
 * (wp_huge_pmd(), never ->pfn_mkwrite).  The answer is the entry, or
 * VM_FAULT_FALLBACK, after which the kernel faults the page with a small
 * entry (pfn.c).
 *
 * Only special huge entries (CONFIG_ARCH_SUPPORTS_PMD_PFNMAP, 6.12 on)
 * are safe here.  Before them, vmf_insert_pfn_pmd() made a plain huge
 * entry, which walkers such as smaps, mincore, fork and memory failure
 * take for a transparent huge page and look up a folio for; the object's
 * blocks are pages, not folios mapped that way.  Elsewhere the file is
 * empty and objects with the flag are refused.
 *
 * A huge entry is tracked whole.  A write makes it writable and dirty at
 * once, after recording every page of the piece: vmf_insert_pfn_pmd()
 * with write set is the "mkwrite insert" of "mm: add
 * vm_insert_mixed_mkwrite()" (Ross Zwisler, Jan Kara, July 2017), which
 * DAX's PTE faults were made to follow from its PMD faults.  On an entry
 * already present it only updates that entry's flags if the pfn is the
 * same, and WARNs otherwise unless the entry is the huge zero page: the
 * pfn mismatch of that thread.  Here the pfn is the same by construction:
 * blocks change only under the invalidate lock held exclusively, after
 * every entry of them went, and the fault holds it shared.
 *
 * The kernel's dirty helpers WARN on a writable or dirty huge entry and
 * skip it (wp_clean_pmd_entry()), so cleans of these objects remove
 * entries rather than write-protect them (pfn_tracking.c), and only the
 * MKWRITE method tracks them.  Removing a huge pfn entry is all the
 * kernel does to split one (__split_huge_pmd_locked()): the next fault
 * there asks for a huge entry again.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/xarray.h>

#include "compat.h"
#include "trace.h"
#include "wpfault.h"

#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP

/*
 * Whether the fault's pmd is a huge entry now: a huge fault made it after
 * this small fault found the pmd empty.  The small insert would find no
 * page table and fail with VM_FAULT_OOM; the caller returns
 * VM_FAULT_NOPAGE instead, and the retried access uses the huge entry.
 * As dax_iomap_pte_fault() does.  Under disk_lock.
 */
bool wpf_pmd_mapped(struct vm_fault *vmf)
{
	return pmd_trans_huge(pmdp_get_lockless(vmf->pmd));
}

/*
 * A new run of blocks for the piece at @first if it is all holes, or
 * NULL.  The zero page may map those holes, in other mappings too: it
 * goes.
 */
static struct page *wpf_pmd_new_run(struct wpf_object *obj, pgoff_t first)
{
	unsigned long index = first;
	struct page *head;

	lockdep_assert_held(&obj->disk_lock);
	if (xa_find(&obj->disk, &index, first + HPAGE_PMD_NR - 1, XA_PRESENT))
		return NULL;
	head = wpf_disk_contiguous(obj, first, HPAGE_PMD_ORDER);
	if (head)
		wpf_unmap_pages(obj, first, HPAGE_PMD_NR);
	return head;
}

/*
 * The first block of [@first, @first + HPAGE_PMD_NR) if one huge entry
 * can map them: every block present, in one aligned run of pfns, none
 * poisoned.  For a write to a piece that is all holes, a new run.  NULL
 * if small entries must serve.
 */
static struct page *wpf_pmd_run(struct wpf_object *obj, pgoff_t first,
				bool write)
{
	struct page *head = xa_load(&obj->disk, first);
	unsigned long pfn;
	pgoff_t i;

	lockdep_assert_held(&obj->disk_lock);
	/* Holes whose zero page a read mapped go to small entries. */
	if (!head)
		return write ? wpf_pmd_new_run(obj, first) : NULL;
	pfn = page_to_pfn(head);
	if (!IS_ALIGNED(pfn, HPAGE_PMD_NR))
		return NULL;
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		struct page *block = xa_load(&obj->disk, first + i);

		if (!block || page_to_pfn(block) != pfn + i ||
		    PageHWPoison(block))
			return NULL;
	}
	return head;
}

/*
 * A write through the huge entry about to be made writable: each page of
 * the piece, in the written set and the flush state, and marked as
 * mapped writable.  -ENOMEM part way leaves more recorded than written,
 * which a collection may report.
 */
static int wpf_pmd_record(struct wpf_object *obj, pgoff_t first)
{
	pgoff_t i;
	int err;

	for (i = first; i < first + HPAGE_PMD_NR; i++) {
		err = wpf_written_set(obj, i);
		if (err)
			return err;
		xa_set_mark(&obj->disk, i, WPF_FLUSH_DIRTY);
		xa_set_mark(&obj->disk, i, WPF_WRITABLE);
	}
	return 0;
}

/*
 * Maps the fault's piece with one huge entry, or answers
 * VM_FAULT_FALLBACK; *@outcome is the counter to count it in, or
 * WPFAULT_STAT_NR.  A write to a read-only huge entry lands here too, and
 * upgrades it in place.  The pmd is read without its lock: under
 * disk_lock only the kernel's zaps change it, from huge to empty, and the
 * insert then makes a new entry.  Only the module's own small inserts put
 * a page table under it (the core installs none for a pfn fault that
 * returns VM_FAULT_NOPAGE), under disk_lock: a page table seen here
 * stays.
 */
static vm_fault_t wpf_pmd_map(struct vm_fault *vmf, struct wpf_object *obj,
			      pgoff_t first, bool write, int *outcome)
{
	pmd_t pmd = pmdp_get_lockless(vmf->pmd);
	struct page *head;
	int err;

	lockdep_assert_held(&obj->disk_lock);
	*outcome = WPFAULT_STAT_NR;
	if (pmd_trans_huge(pmd) && (!write || pmd_write(pmd)))
		return VM_FAULT_NOPAGE;	/* another fault mapped it */
	*outcome = WPFAULT_STAT_PMD_FALLBACKS;
	if (!pmd_none(pmd) && !pmd_trans_huge(pmd))
		return VM_FAULT_FALLBACK;
	head = wpf_pmd_run(obj, first, write);
	if (!head)
		return VM_FAULT_FALLBACK;
	*outcome = WPFAULT_STAT_NR;
	if (write) {
		err = wpf_pmd_record(obj, first);
		if (err)
			return vmf_error(err);
	}
	*outcome = pmd_trans_huge(pmd) ? WPFAULT_STAT_PMD_UPGRADES :
		   WPFAULT_STAT_PMD_MAPS;
	return wpf_insert_pfn_pmd(vmf, page_to_pfn(head), write);
}

/*
 * fallocate() of a whole piece of holes, in an object with PMD blocks:
 * one run, as a DAX file system allocates an aligned extent, so that the
 * first fault, a read too, maps the piece with one huge entry.  Where
 * memory is too fragmented for one, blocks come one at a time.
 */
pgoff_t wpf_pmd_allocate_run(struct wpf_object *obj, pgoff_t index,
			     pgoff_t last)
{
	if (!obj->pmd || !IS_ALIGNED(index, HPAGE_PMD_NR) ||
	    last - index + 1 < HPAGE_PMD_NR)
		return 0;
	return wpf_pmd_new_run(obj, index) ? HPAGE_PMD_NR : 0;
}

/*
 * ->huge_fault.  Only the PMD level: a PUD-sized request falls back
 * uncounted, to a PMD request.
 */
vm_fault_t wpf_pmd_fault(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct inode *inode = file_inode(vma->vm_file);
	struct wpf_object *obj = wpf_object_of(inode);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	unsigned long start = vmf->address & PMD_MASK;
	pgoff_t first = vmf->pgoff - ((vmf->address - start) >> PAGE_SHIFT);
	int outcome = WPFAULT_STAT_PMD_FALLBACKS;
	vm_fault_t ret = VM_FAULT_FALLBACK;

	if (order != HPAGE_PMD_ORDER)
		return VM_FAULT_FALLBACK;
	if (write) {
		sb_start_pagefault(inode->i_sb);
		wpf_write_fault_time(obj, vma->vm_file);
	}
	filemap_invalidate_lock_shared(inode->i_mapping);
	if (start >= vma->vm_start && start + PMD_SIZE <= vma->vm_end &&
	    IS_ALIGNED(first, HPAGE_PMD_NR) &&
	    first + HPAGE_PMD_NR <= wpf_object_pages(inode)) {
		mutex_lock(&obj->disk_lock);
		ret = wpf_pmd_map(vmf, obj, first, write, &outcome);
		mutex_unlock(&obj->disk_lock);
	}
	filemap_invalidate_unlock_shared(inode->i_mapping);
	if (write)
		sb_end_pagefault(inode->i_sb);
	if (outcome != WPFAULT_STAT_NR)
		wpf_count(obj, outcome, 1);
	trace_wpfault_pmd_fault(obj->id, first, write, outcome,
				(__force unsigned int)ret);
	return ret;
}

#endif /* CONFIG_ARCH_SUPPORTS_PMD_PFNMAP */
