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

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
/* struct folio_batch moved out of pagevec.h in 7.x. */
#ifdef WPF_HAVE_FOLIO_BATCH_H
#include <linux/folio_batch.h>
#else
#include <linux/pagevec.h>
#endif

/* Inode operations took the mount's user namespace until 6.3. */
#ifdef WPF_HAVE_MNT_IDMAP
#define wpf_idmap mnt_idmap
#else
#define wpf_idmap user_namespace
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

#endif /* _WPFAULT_COMPAT_H */
