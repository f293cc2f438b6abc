/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wpfault:* trace events, one at each decision a counter counts, so that
 * a trace of a workload adds up to the counters exactly (wpfault_trace
 * checks it).  Each carries the object id (debugfs <id>/), the page
 * offset and the outcome.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM wpfault

#if !defined(_WPFAULT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _WPFAULT_TRACE_H

#include <linux/tracepoint.h>
#include <linux/wpfault.h>

#include "wpfault.h"

/* What a ->fault was for. */
#define wpf_show_fault_kind(kind)					\
	__print_symbolic(kind, { WPFAULT_STAT_READ_FAULTS, "read" },	\
			 { WPFAULT_STAT_WRITE_FAULTS, "write" },	\
			 { WPFAULT_STAT_COW_FAULTS, "cow" })

/* What a PMD-level fault did: the counter it counted in, if any. */
#define wpf_show_pmd_outcome(outcome)					\
	__print_symbolic(outcome, { WPFAULT_STAT_PMD_MAPS, "map" },	\
			 { WPFAULT_STAT_PMD_UPGRADES, "upgrade" },	\
			 { WPFAULT_STAT_PMD_FALLBACKS, "fallback" },	\
			 { WPFAULT_STAT_NR, "none" })

/* Which call cleaned or reported pages. */
#define wpf_show_cleaner(collect)					\
	__print_symbolic(collect, { 0, "clean" }, { 1, "collect" })

#define wpf_show_mode(mode)						\
	__print_symbolic(mode, { WPFAULT_MODE_MKWRITE, "mkwrite" },	\
			 { WPFAULT_MODE_PAGETABLE, "pagetable" },	\
			 { WPFAULT_MODE_UNMAP, "unmap" })

/* Which helper of mm/mapping_dirty_helpers.c changed ptes. */
#define wpf_show_pte_op(op)						\
	__print_symbolic(op,						\
			 { WPFAULT_STAT_PTES_DIRTY, "clean" },		\
			 { WPFAULT_STAT_PTES_WRPROTECTED, "wrprotect" }, \
			 { WPFAULT_STAT_UPGRADES_UNMAPPED, "unmap" })

#define wpf_show_policy(policy)						\
	__print_symbolic(policy,					\
			 { WPFAULT_POLICY_REFCOUNT, "refcount" },	\
			 { WPFAULT_POLICY_MAPCOUNT, "mapcount" },	\
			 { WPFAULT_POLICY_EXCLUSIVE, "exclusive" },	\
			 { WPFAULT_POLICY_COPY, "copy" })

#define wpf_show_cow_reason(reason)					\
	__print_symbolic(reason,					\
			 { WPF_COW_EXCLUSIVE, "reuse:exclusive" },	\
			 { WPF_COW_SOLE_REFERENCE, "reuse:sole-reference" }, \
			 { WPF_COW_SOLE_HOLDER, "reuse:sole-holder" },	\
			 { WPF_COW_SHARED, "copy:shared" },		\
			 { WPF_COW_REFERENCED, "copy:referenced" },	\
			 { WPF_COW_ALWAYS, "copy:always" })

TRACE_EVENT(wpfault_fault,
	TP_PROTO(u64 id, unsigned long pgoff, int kind, unsigned int ret),
	TP_ARGS(id, pgoff, kind, ret),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(unsigned long, pgoff)
		__field(int, kind)
		__field(unsigned int, ret)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->pgoff = pgoff;
		__entry->kind = kind;
		__entry->ret = ret;
	),
	TP_printk("id=%llu pgoff=%lu kind=%s ret=%#x", __entry->id,
		  __entry->pgoff,
		  wpf_show_fault_kind(__entry->kind),
		  __entry->ret)
);

/* A PMD-level fault (pfn_pmd.c); @first is the piece's first page. */
TRACE_EVENT(wpfault_pmd_fault,
	TP_PROTO(u64 id, unsigned long first, bool write, int outcome,
		 unsigned int ret),
	TP_ARGS(id, first, write, outcome, ret),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(unsigned long, first)
		__field(bool, write)
		__field(int, outcome)
		__field(unsigned int, ret)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->first = first;
		__entry->write = write;
		__entry->outcome = outcome;
		__entry->ret = ret;
	),
	TP_printk("id=%llu first=%lu write=%d outcome=%s ret=%#x",
		  __entry->id, __entry->first, __entry->write,
		  wpf_show_pmd_outcome(__entry->outcome), __entry->ret)
);

TRACE_EVENT(wpfault_map_pages,
	TP_PROTO(u64 id, unsigned long first, unsigned long last,
		 unsigned long mapped),
	TP_ARGS(id, first, last, mapped),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(unsigned long, first)
		__field(unsigned long, last)
		__field(unsigned long, mapped)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->first = first;
		__entry->last = last;
		__entry->mapped = mapped;
	),
	TP_printk("id=%llu first=%lu last=%lu mapped=%lu", __entry->id,
		  __entry->first, __entry->last, __entry->mapped)
);

DECLARE_EVENT_CLASS(wpfault_mkwrite,
	TP_PROTO(u64 id, unsigned long pgoff, bool upgrade, unsigned int ret),
	TP_ARGS(id, pgoff, upgrade, ret),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(unsigned long, pgoff)
		__field(bool, upgrade)
		__field(unsigned int, ret)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->pgoff = pgoff;
		__entry->upgrade = upgrade;
		__entry->ret = ret;
	),
	TP_printk("id=%llu pgoff=%lu upgrade=%d ret=%#x", __entry->id,
		  __entry->pgoff, __entry->upgrade, __entry->ret)
);

/* upgrade: never, for page-cache objects. */
DEFINE_EVENT(wpfault_mkwrite, wpfault_page_mkwrite,
	TP_PROTO(u64 id, unsigned long pgoff, bool upgrade, unsigned int ret),
	TP_ARGS(id, pgoff, upgrade, ret));

/* upgrade: the zero page was replaced by a new block. */
DEFINE_EVENT(wpfault_mkwrite, wpfault_pfn_mkwrite,
	TP_PROTO(u64 id, unsigned long pgoff, bool upgrade, unsigned int ret),
	TP_ARGS(id, pgoff, upgrade, ret));

/* The kernel's mkwrite insert of a block (WPFAULT_CREATE_MKWRITE_INSERT). */
TRACE_EVENT(wpfault_mkwrite_insert,
	TP_PROTO(u64 id, unsigned long pgoff, unsigned int ret),
	TP_ARGS(id, pgoff, ret),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(unsigned long, pgoff)
		__field(unsigned int, ret)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->pgoff = pgoff;
		__entry->ret = ret;
	),
	TP_printk("id=%llu pgoff=%lu ret=%#x", __entry->id, __entry->pgoff,
		  __entry->ret)
);

TRACE_EVENT(wpfault_clean,
	TP_PROTO(u64 id, unsigned long first, unsigned long nr, int collect,
		 u64 cleaned, int err),
	TP_ARGS(id, first, nr, collect, cleaned, err),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(unsigned long, first)
		__field(unsigned long, nr)
		__field(int, collect)
		__field(u64, cleaned)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->first = first;
		__entry->nr = nr;
		__entry->collect = collect;
		__entry->cleaned = cleaned;
		__entry->err = err;
	),
	TP_printk("id=%llu first=%lu nr=%lu call=%s cleaned=%llu err=%d",
		  __entry->id, __entry->first, __entry->nr,
		  wpf_show_cleaner(__entry->collect),
		  __entry->cleaned, __entry->err)
);

TRACE_EVENT(wpfault_writeback,
	TP_PROTO(u64 id, unsigned long pgoff, unsigned long pages),
	TP_ARGS(id, pgoff, pages),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(unsigned long, pgoff)
		__field(unsigned long, pages)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->pgoff = pgoff;
		__entry->pages = pages;
	),
	TP_printk("id=%llu pgoff=%lu pages=%lu", __entry->id, __entry->pgoff,
		  __entry->pages)
);

/* One per ->writepages call (page cache) or fsync (pfn). */
TRACE_EVENT(wpfault_writeback_call,
	TP_PROTO(u64 id),
	TP_ARGS(id),
	TP_STRUCT__entry(
		__field(u64, id)
	),
	TP_fast_assign(
		__entry->id = id;
	),
	TP_printk("id=%llu", __entry->id)
);

TRACE_EVENT(wpfault_truncate,
	TP_PROTO(u64 id, loff_t start, loff_t end, bool punch),
	TP_ARGS(id, start, end, punch),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(loff_t, start)
		__field(loff_t, end)
		__field(bool, punch)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->start = start;
		__entry->end = end;
		__entry->punch = punch;
	),
	TP_printk("id=%llu start=%lld end=%lld punch=%d", __entry->id,
		  __entry->start, __entry->end, __entry->punch)
);

TRACE_EVENT(wpfault_ptes,
	TP_PROTO(u64 id, unsigned long first, unsigned long nr, int op,
		 unsigned long changed),
	TP_ARGS(id, first, nr, op, changed),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(unsigned long, first)
		__field(unsigned long, nr)
		__field(int, op)
		__field(unsigned long, changed)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->first = first;
		__entry->nr = nr;
		__entry->op = op;
		__entry->changed = changed;
	),
	TP_printk("id=%llu first=%lu nr=%lu op=%s changed=%lu", __entry->id,
		  __entry->first, __entry->nr,
		  wpf_show_pte_op(__entry->op),
		  __entry->changed)
);

TRACE_EVENT(wpfault_method_switch,
	TP_PROTO(u64 id, int from, int to),
	TP_ARGS(id, from, to),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(int, from)
		__field(int, to)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->from = from;
		__entry->to = to;
	),
	TP_printk("id=%llu from=%s to=%s", __entry->id,
		  wpf_show_mode(__entry->from),
		  wpf_show_mode(__entry->to))
);

/* A copy-on-write decision; ret is the fault's (a copy retries it). */
TRACE_EVENT(wpfault_cow,
	TP_PROTO(u64 id, unsigned long pgoff, u32 policy, int reason,
		 unsigned int ret),
	TP_ARGS(id, pgoff, policy, reason, ret),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(unsigned long, pgoff)
		__field(u32, policy)
		__field(int, reason)
		__field(unsigned int, ret)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->pgoff = pgoff;
		__entry->policy = policy;
		__entry->reason = reason;
		__entry->ret = ret;
	),
	TP_printk("id=%llu pgoff=%lu policy=%s decision=%s ret=%#x",
		  __entry->id, __entry->pgoff,
		  wpf_show_policy(__entry->policy),
		  wpf_show_cow_reason(__entry->reason), __entry->ret)
);

#endif /* _WPFAULT_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
