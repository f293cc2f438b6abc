/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place that knows kernel versions: each helper gives the rest of
 * the module one interface across every supported kernel.
 */
#ifndef _WPFAULT_COMPAT_H
#define _WPFAULT_COMPAT_H

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/version.h>

/* Locked, referenced folio at @index, created if absent; ERR_PTR on error. */
static inline struct folio *wpf_grab_folio(struct address_space *mapping,
					   pgoff_t index)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
	/* Before 6.3 __filemap_get_folio() returned NULL on failure. */
	struct folio *folio;

	folio = __filemap_get_folio(mapping, index,
				    FGP_LOCK | FGP_ACCESSED | FGP_CREAT,
				    mapping_gfp_mask(mapping));
	return folio ?: ERR_PTR(-ENOMEM);
#else
	return filemap_grab_folio(mapping, index);
#endif
}

/* Page table entries mapping a small folio, in every mm. */
static inline int wpf_folio_mapcount(struct folio *folio)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	/* 6.1's folio_mapcount() is out of line and not exported. */
	return page_mapcount(&folio->page);
#else
	return folio_mapcount(folio);
#endif
}

#endif /* _WPFAULT_COMPAT_H */
