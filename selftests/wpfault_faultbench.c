// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of one fault, per page, on each path that makes a page
 * writable (a write to a page whose entry does not allow it) or readable,
 * side by side in one run: wpfault's ->page_mkwrite (on small folios and
 * on large ones, where each records its whole folio), ->pfn_mkwrite, hole
 * upgrade, the three write inserts of a pfn block with no entry and the
 * huge one of a PMD (one fault for all its pages), and copy-on-write
 * reuse; tmpfs, which has no ->page_mkwrite
 * (its first write after the entry went is a ->fault); ext4 on a RAM
 * disk, the kernel's own file system path (ext4_page_mkwrite() after
 * writeback write-protected the pages), where the VM has one; and read
 * faults on a page-cache object with fault-around off and on.
 *
 * Each run of a method sets up N pages in the state before the fault
 * (untimed), times one access to each, and checks that the accesses took
 * exactly the faults and reached exactly the handler the method names
 * (getrusage() and the module's counters): a method that measured another
 * path is a failure, not a number.  Repetitions go round all methods
 * before the next.
 *
 *   wpfault_faultbench [-g] [-n pages] [-r reps]
 * Without -g, a smoke run for the selftests: 64 pages, once, with one
 * kselftest result per method.  With -g, 16 MiB of pages and nine
 * repetitions, for scripts/bench.sh.  WPFAULT_EXT4_DIR names a directory
 * on ext4 (the test VM mounts one on /dev/ram0 when it has the modules).
 *
 * Each measurement is a line (behind "# " in the smoke run):
 *   fault,METHOD,PAGES,REP,NS        NS for all PAGES accesses
 *   na,METHOD,REASON                 a path this VM lacks
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "wpfault_util.h"

enum method {
	F_PAGECACHE_MKWRITE, F_LARGE_FOLIO_MKWRITE, F_PFN_MKWRITE, F_PFN_HOLE,
	F_PFN_INSERT, F_PFN_READONLY_INSERT, F_PFN_MKWRITE_INSERT,
	F_PMD_INSERT, F_COW_REUSE, F_TMPFS_WRITE, F_EXT4_MKWRITE, F_READ,
	F_READ_AROUND, NR_METHODS
};

static const char *const method_names[NR_METHODS] = {
	"wpfault-pagecache-mkwrite", "wpfault-large-folio-mkwrite",
	"wpfault-pfn-mkwrite", "wpfault-pfn-hole", "wpfault-pfn-insert",
	"wpfault-pfn-readonly-insert", "wpfault-pfn-mkwrite-insert",
	"wpfault-pmd-insert", "wpfault-cow-reuse", "tmpfs-write",
	"ext4-mkwrite", "read", "read-faultaround",
};

/* One run of a method: its pages, and what it must have counted. */
struct run {
	enum method m;
	size_t pages;
	struct wpf_obj o;
	int fd;			/* the file mapped (o.fd for an object) */
	volatile char *p;
	uint64_t before[WPFAULT_STAT_NR];
	char na[96];		/* why the method cannot run here */
};

static const char *ext4_dir;
static long fault_around_default;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Writes @bytes to debugfs fault_around_bytes; -errno on failure. */
static int set_fault_around(long bytes)
{
	char s[32];

	snprintf(s, sizeof(s), "%ld", bytes);
	return wpf_write_file(DEBUGFS_DIR "/fault_around_bytes", s);
}

static void map_all(struct run *r, int prot)
{
	r->p = wpf_map(r->fd, r->pages, prot, MAP_SHARED, 0);
	if (r->p == MAP_FAILED)
		ksft_exit_fail_msg("%s: mmap: %s\n", method_names[r->m],
				   strerror(errno));
}

static void write_all(struct run *r, int round)
{
	size_t i;

	for (i = 0; i < r->pages; i++)
		r->p[i * page_size] = wpf_pattern(i, round);
}

/* A wpfault object of @type, created with @flags, mapped, written. */
static void object_written(struct run *r, enum wpfault_type type,
			   uint32_t flags)
{
	int err = wpf_create_flags(&r->o, r->pages * page_size, type, flags);

	if (err)
		ksft_exit_fail_msg("create: %s\n", strerror(-err));
	r->fd = r->o.fd;
	map_all(r, PROT_READ | PROT_WRITE);
	write_all(r, 0);
}

/* The same, and cleaned. */
static void object_cleaned(struct run *r, enum wpfault_type type,
			   uint32_t flags)
{
	object_written(r, type, flags);
	if (wpf_clean(r->fd, 0, r->pages) != (int64_t)r->pages)
		ksft_exit_fail_msg("clean: %s\n", strerror(errno));
}

/*
 * A pfn object created with @flags, its pages written and flushed: fsync
 * removes the entries of what it flushes.
 */
static void pfn_flushed(struct run *r, uint32_t flags)
{
	object_written(r, WPFAULT_TYPE_PFN, flags);
	if (fsync(r->fd))
		ksft_exit_fail_msg("fsync: %s\n", strerror(errno));
}

/* The pages a run of @m uses: whole PMDs for huge entries. */
static size_t method_pages(enum method m, size_t pages)
{
	size_t n = wpf_pmd_size() / page_size;

	return m == F_PMD_INSERT && n ? (pages + n - 1) / n * n : pages;
}

/* A file of the run's pages in @dir, written, synced, mapped. */
static void file_synced(struct run *r, const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/wpfault-faultbench", dir);
	r->fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (r->fd < 0 || unlink(path) ||
	    ftruncate(r->fd, r->pages * page_size))
		ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));
	map_all(r, PROT_READ | PROT_WRITE);
	write_all(r, 0);
	/* Writeback write-protects the pages it writes. */
	if (fsync(r->fd))
		ksft_exit_fail_msg("fsync: %s\n", strerror(errno));
}

/* Puts @r's pages in the state before the timed accesses. */
static void set_up(struct run *r)
{
	size_t i;

	switch (r->m) {
	case F_PAGECACHE_MKWRITE:
		object_cleaned(r, WPFAULT_TYPE_PAGECACHE, 0);
		break;
	case F_LARGE_FOLIO_MKWRITE:
		object_cleaned(r, WPFAULT_TYPE_PAGECACHE,
			       WPFAULT_CREATE_LARGE_FOLIOS);
		break;
	case F_PFN_MKWRITE:
		object_cleaned(r, WPFAULT_TYPE_PFN, 0);
		break;
	case F_PFN_INSERT:
		pfn_flushed(r, 0);
		break;
	case F_PFN_READONLY_INSERT:
		pfn_flushed(r, WPFAULT_CREATE_READONLY_INSERT);
		break;
	case F_PFN_MKWRITE_INSERT:
		pfn_flushed(r, WPFAULT_CREATE_MKWRITE_INSERT);
		break;
	case F_PMD_INSERT:
		pfn_flushed(r, WPFAULT_CREATE_PMD);
		break;
	case F_COW_REUSE:
		object_cleaned(r, WPFAULT_TYPE_COW, 0);
		break;
	case F_PFN_HOLE:
		if (wpf_create_type(&r->o, r->pages * page_size,
				    WPFAULT_TYPE_PFN))
			ksft_exit_fail_msg("create: %s\n", strerror(errno));
		r->fd = r->o.fd;
		map_all(r, PROT_READ | PROT_WRITE);
		for (i = 0; i < r->pages; i++)
			wpf_read_byte(r->p + i * page_size);
		break;
	case F_TMPFS_WRITE:
		r->fd = memfd_create("wpfault-faultbench", MFD_CLOEXEC);
		if (r->fd < 0 || ftruncate(r->fd, r->pages * page_size))
			ksft_exit_fail_msg("memfd: %s\n", strerror(errno));
		map_all(r, PROT_READ | PROT_WRITE);
		write_all(r, 0);
		/* The pages stay in the file; their entries go. */
		if (madvise((void *)r->p, r->pages * page_size,
			    MADV_DONTNEED))
			ksft_exit_fail_msg("madvise: %s\n", strerror(errno));
		break;
	case F_EXT4_MKWRITE:
		file_synced(r, ext4_dir);
		break;
	case F_READ:
	case F_READ_AROUND:
		if (wpf_create_type(&r->o, r->pages * page_size,
				    WPFAULT_TYPE_PAGECACHE))
			ksft_exit_fail_msg("create: %s\n", strerror(errno));
		r->fd = r->o.fd;
		map_all(r, PROT_READ | PROT_WRITE);
		write_all(r, 0);
		munmap((void *)r->p, r->pages * page_size);
		map_all(r, PROT_READ);
		if (set_fault_around(r->m == F_READ ? (long)page_size :
				     fault_around_default))
			ksft_exit_fail_msg("fault_around_bytes: %s\n",
					   strerror(errno));
		break;
	default:
		break;
	}
	if (r->o.fd >= 0 && wpf_stats(r->o.fd, r->before))
		ksft_exit_fail_msg("stats: %s\n", strerror(errno));
}

/*
 * The counter @stat of the run's object grew by @n, or the module
 * predates it (an older build under bench/compare).
 */
static bool grew(struct run *r, int stat, uint64_t n)
{
	uint64_t v[WPFAULT_STAT_NR];

	return !wpf_stats(r->o.fd, v) &&
	       (v[stat] == UINT64_MAX || v[stat] - r->before[stat] == n);
}

/*
 * The accesses took @faults faults and reached the method's path.  A
 * hole's upgrade maps the block writable and clean: without hardware
 * dirty bits the write then faults once more, in the core, as after the
 * plain insert of a block.  A block's ->pfn_mkwrite leaves the pte to the
 * core, which makes it writable and dirty at once, as does the mkwrite
 * insert; after a read-only insert that is the second fault.  One huge
 * entry maps a PMD's pages.
 */
static bool took_its_path(struct run *r, long faults)
{
	const uint64_t n = r->pages, pmds = n * page_size / wpf_pmd_size();
	long window;

	switch (r->m) {
	case F_PAGECACHE_MKWRITE:
	case F_LARGE_FOLIO_MKWRITE:
		return faults == (long)n &&
		       grew(r, WPFAULT_STAT_MKWRITE_CALLS, n);
	case F_PFN_MKWRITE:
		return faults == (long)n &&
		       grew(r, WPFAULT_STAT_PFN_MKWRITE_CALLS, n) &&
		       grew(r, WPFAULT_STAT_CORE_UPGRADES, n);
	case F_PFN_HOLE:
		return faults == (long)n * wpf_writable_faults() &&
		       grew(r, WPFAULT_STAT_HOLE_UPGRADES, n);
	case F_PFN_INSERT:
		return faults == (long)n * wpf_writable_faults() &&
		       grew(r, WPFAULT_STAT_WRITE_FAULTS, n) &&
		       grew(r, WPFAULT_STAT_PFN_MKWRITE_CALLS, 0);
	case F_PFN_READONLY_INSERT:
		return faults == 2 * (long)n &&
		       grew(r, WPFAULT_STAT_WRITE_FAULTS, n) &&
		       grew(r, WPFAULT_STAT_CORE_UPGRADES, n);
	case F_PFN_MKWRITE_INSERT:
		return faults == (long)n &&
		       grew(r, WPFAULT_STAT_WRITE_FAULTS, n) &&
		       grew(r, WPFAULT_STAT_MKWRITE_INSERTS, n);
	case F_PMD_INSERT:
		return faults == (long)pmds &&
		       grew(r, WPFAULT_STAT_PMD_MAPS, pmds) &&
		       grew(r, WPFAULT_STAT_WRITE_FAULTS, 0);
	case F_COW_REUSE:
		return faults == (long)n &&
		       grew(r, WPFAULT_STAT_EXCLUSIVE_REUSES, n);
	case F_TMPFS_WRITE:
	case F_EXT4_MKWRITE:
		return faults == (long)n;
	case F_READ:
		return faults == (long)n &&
		       grew(r, WPFAULT_STAT_READ_FAULTS, n);
	default:
		/* Fault-around maps aligned windows; the mapping is aligned. */
		window = fault_around_default / page_size;
		if (window < 1)
			window = 1;
		return faults == (long)((n + window - 1) / window);
	}
}

/* The data each access saw or left is what the method wrote. */
static bool data_intact(struct run *r, int round)
{
	size_t i;

	for (i = 0; i < r->pages; i++)
		if (r->p[i * page_size] != wpf_pattern(i, round))
			return false;
	return true;
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0 || syncfs(fd))
		ksft_print_msg("syncfs %s: %s\n", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void tear_down(struct run *r)
{
	if (r->p != MAP_FAILED)
		munmap((void *)r->p, r->pages * page_size);
	if (r->o.fd >= 0)
		wpf_destroy(&r->o);
	else if (r->fd >= 0)
		close(r->fd);
}

/* Runs @m once on @pages pages: the time, or -1 after saying why not. */
static int64_t measure(enum method m, size_t pages, char *na, size_t na_len)
{
	struct run r = {
		.m = m, .pages = pages, .o = WPF_OBJ_INIT,
		.fd = -1, .p = MAP_FAILED,
	};
	bool read = m == F_READ || m == F_READ_AROUND, ok;
	long faults;
	int64_t t;
	size_t i;

	if (m == F_EXT4_MKWRITE && !ext4_dir) {
		snprintf(na, na_len, "no ext4 in this VM (WPFAULT_EXT4_DIR)");
		return -1;
	}
	if (m == F_LARGE_FOLIO_MKWRITE && !wpf_large_folio_objects()) {
		snprintf(na, na_len, "%s", WPF_NO_LARGE_FOLIO_OBJECTS);
		return -1;
	}
	if (m == F_PFN_MKWRITE_INSERT && !wpf_mkwrite_insert_objects()) {
		snprintf(na, na_len, "%s", WPF_NO_MKWRITE_INSERT);
		return -1;
	}
	if (m == F_PMD_INSERT && !wpf_pmd_objects()) {
		snprintf(na, na_len, "%s", WPF_NO_PMD_OBJECTS);
		return -1;
	}
	if (read && fault_around_default < 0) {
		snprintf(na, na_len, "no debugfs fault_around_bytes");
		return -1;
	}
	set_up(&r);
	faults = wpf_minflt();
	t = now_ns();
	if (read)
		for (i = 0; i < pages; i++)
			(void)r.p[i * page_size];
	else
		for (i = 0; i < pages; i++)
			r.p[i * page_size] = wpf_pattern(i, 1);
	t = now_ns() - t;
	faults = wpf_minflt() - faults;
	ok = took_its_path(&r, faults) && data_intact(&r, read ? 0 : 1);
	if (!ok)
		ksft_print_msg("FAIL %s, %zu pages: %ld faults, %s\n",
			       method_names[m], pages, faults,
			       "or another path, or wrong data");
	if (read)
		set_fault_around(fault_around_default);
	tear_down(&r);
	return ok ? t : -2;
}

int main(int argc, char **argv)
{
	bool grid = false, failed[NR_METHODS] = { 0 };
	char na[NR_METHODS][96] = { { 0 } };
	int reps = 1, opt, rep, m, nfailed = 0;
	const char *line = "# ";
	size_t pages = 64;

	while ((opt = getopt(argc, argv, "gn:r:")) != -1) {
		switch (opt) {
		case 'g':
			grid = true;
			pages = (16 << 20) / page_size;
			reps = 9;
			line = "";
			break;
		case 'n':
			pages = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-g] [-n pages] [-r reps]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!grid)
		ksft_print_header();
	if (access(WPFAULT_DEVICE, F_OK))
		ksft_exit_skip("%s missing: wpfault.ko is not loaded\n",
			       WPFAULT_DEVICE);
	ext4_dir = getenv("WPFAULT_EXT4_DIR");
	if (ext4_dir && !*ext4_dir)
		ext4_dir = NULL;
	fault_around_default = wpf_faultaround_pages();
	if (fault_around_default >= 0)
		fault_around_default *= page_size;
	printf("# page size %zu, fault_around_bytes %ld\n", page_size,
	       fault_around_default);
	/* The clock's first read may fault (vDSO data): not in a timing. */
	now_ns();

	for (rep = 0; rep < reps; rep++) {
		for (m = 0; m < NR_METHODS; m++) {
			int64_t t;

			if (failed[m] || na[m][0])
				continue;
			t = measure(m, method_pages(m, pages), na[m],
				    sizeof(na[m]));
			if (t == -1)
				printf("%sna,%s,%s\n", line, method_names[m],
				       na[m]);
			else if (t < 0)
				failed[m] = true;
			else
				printf("%sfault,%s,%zu,%d,%lld\n", line,
				       method_names[m], method_pages(m, pages),
				       rep, (long long)t);
		}
	}
	/*
	 * Leave ext4 clean: its journal commits and writeback would otherwise
	 * move the global dirty counters under later tests.
	 */
	if (ext4_dir)
		sync_dir(ext4_dir);
	for (m = 0; m < NR_METHODS; m++)
		nfailed += failed[m];
	if (grid)
		return nfailed ? 1 : 0;
	ksft_set_plan(NR_METHODS);
	for (m = 0; m < NR_METHODS; m++) {
		if (na[m][0])
			ksft_test_result_skip("%s: %s\n", method_names[m],
					      na[m]);
		else
			ksft_test_result(!failed[m], "%s: %d x %zu pages, %s\n",
					 method_names[m], reps,
					 method_pages(m, pages),
					 "each on its path");
	}
	ksft_finished();
}
