// SPDX-License-Identifier: GPL-2.0
/*
 * One round of a module's life, for load/unload cycles: wpfault.sh -c N
 * runs N rounds of insmod, this program and rmmod, and where kmemleak is
 * enabled a scan at the end must report nothing.  A round creates
 * objects, maps them, writes, reads back through a second mapping, checks
 * the dirty bitmap, cleans and closes.  Also a quick check on its own.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest.h"
#include "wpfault_util.h"

#define NR_OBJECTS	2
#define PAGES		3

static bool round_trip(void)
{
	volatile char *a[NR_OBJECTS], *b[NR_OBJECTS];
	struct wpf_obj o[NR_OBJECTS];
	uint64_t words[1];
	bool ok = true;
	int i, pg;

	for (i = 0; i < NR_OBJECTS; i++) {
		int err = wpf_create(&o[i], PAGES * page_size);

		if (err == -ENOENT)
			ksft_exit_skip("%s missing: wpfault.ko is not loaded\n",
				       WPFAULT_DEVICE);
		if (err)
			ksft_exit_fail_msg("create: %s\n", strerror(-err));
		a[i] = wpf_map(o[i].fd, PAGES, PROT_READ | PROT_WRITE,
			       MAP_SHARED, 0);
		b[i] = wpf_map(o[i].fd, PAGES, PROT_READ, MAP_SHARED, 0);
		if (a[i] == MAP_FAILED || b[i] == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		for (pg = 0; pg < PAGES; pg++)
			a[i][pg * page_size] = wpf_pattern(pg, i);
	}
	for (i = 0; i < NR_OBJECTS; i++) {
		for (pg = 0; pg < PAGES; pg++)
			ok &= b[i][pg * page_size] == wpf_pattern(pg, i);
		ok &= wpf_dirty_bitmap(o[i].fd, 0, PAGES, words) == PAGES;
		ok &= wpf_clean(o[i].fd, 0, PAGES) == PAGES;
		munmap((void *)a[i], PAGES * page_size);
		munmap((void *)b[i], PAGES * page_size);
		wpf_destroy(&o[i]);
	}
	return ok;
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(1);
	ksft_test_result(round_trip(), "objects written, read back, cleaned\n");
	ksft_finished();
}
