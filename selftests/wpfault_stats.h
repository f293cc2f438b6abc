/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CHECK_STATS(fd, [R] = 1, [MK] = 2, ...) asserts every counter of an
 * object at once: counters not named must be 0 (objects_alive must be 1).
 * All but mtime_updates, which depends on how often the clock ticks,
 * vma_locked_faults, which depends on the kernel, and mapping_walks, a
 * cost the benchmark reads: the tests that need them check them
 * themselves.
 */
#ifndef WPFAULT_STATS_H
#define WPFAULT_STATS_H

#include "kselftest_harness.h"
#include "wpfault_util.h"

enum {
	R = WPFAULT_STAT_READ_FAULTS,
	W = WPFAULT_STAT_WRITE_FAULTS,
	COW = WPFAULT_STAT_COW_FAULTS,
	SB = WPFAULT_STAT_SIGBUS_FAULTS,
	FA = WPFAULT_STAT_FAULTAROUND_PAGES,
	MK = WPFAULT_STAT_MKWRITE_CALLS,
	DI = WPFAULT_STAT_PAGES_DIRTIED,
	CL = WPFAULT_STAT_PAGES_CLEANED,
	AL = WPFAULT_STAT_PAGES_ALLOCATED,
	RS = WPFAULT_STAT_PAGES_RESIDENT,
	AC = WPFAULT_STAT_PAGES_ACCOUNTED,
	WB = WPFAULT_STAT_WRITEBACK_CALLS,
	WR = WPFAULT_STAT_PAGES_WRITTEN_BACK,
	RD = WPFAULT_STAT_PAGES_READ,
	RC = WPFAULT_STAT_PAGES_RECLAIMED,
	TR = WPFAULT_STAT_TRUNCATIONS,
	PT = WPFAULT_STAT_PAGES_TRUNCATED,
	BL = WPFAULT_STAT_DISK_BLOCKS,
	PM = WPFAULT_STAT_PFN_MKWRITE_CALLS,
	ZP = WPFAULT_STAT_ZERO_PAGE_MAPS,
	HU = WPFAULT_STAT_HOLE_UPGRADES,
	BA = WPFAULT_STAT_BLOCKS_ALLOCATED,
	BF = WPFAULT_STAT_BLOCKS_FREED,
	CO = WPFAULT_STAT_COLLECTIONS,
	CV = WPFAULT_STAT_COLLECT_VISITS,
	PD = WPFAULT_STAT_PTES_DIRTY,
	PW = WPFAULT_STAT_PTES_WRPROTECTED,
	MS = WPFAULT_STAT_METHOD_SWITCHES,
	CU = WPFAULT_STAT_CORE_UPGRADES,
	UU = WPFAULT_STAT_UPGRADES_UNMAPPED,
};

static inline void check_stats(struct __test_metadata *_metadata, int fd,
			       int64_t *want, int line)
{
	uint64_t got[WPFAULT_STAT_NR];
	int i, wrong = 0;

	want[WPFAULT_STAT_OBJECTS_ALIVE] = 1;
	ASSERT_EQ(0, wpf_stats(fd, got));
	for (i = 0; i < WPFAULT_STAT_NR; i++) {
		if ((int64_t)got[i] == want[i] ||
		    i == WPFAULT_STAT_MTIME_UPDATES ||
		    i == WPFAULT_STAT_VMA_LOCKED_FAULTS ||
		    i == WPFAULT_STAT_MAPPING_WALKS)
			continue;
		TH_LOG("line %d: %s is %llu, expected %lld", line,
		       wpf_stat_name(i), (unsigned long long)got[i],
		       (long long)want[i]);
		wrong++;
	}
	ASSERT_EQ(0, wrong);
}

#define CHECK_STATS(fd, ...) do {					\
	int64_t __want[WPFAULT_STAT_NR] = { __VA_ARGS__ };		\
	check_stats(_metadata, fd, __want, __LINE__);			\
} while (0)

#endif /* WPFAULT_STATS_H */
