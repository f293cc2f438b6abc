// SPDX-License-Identifier: GPL-2.0
/*
 * The wpfault:* trace events add up to the counters exactly.  A known
 * workload runs on a page-cache object, a pfn object and a copy-on-write
 * object with the events enabled through tracefs; then, for each object,
 * the events with its id are counted (and their fields summed) and
 * compared with its counters, one event kind to one counter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define NPAGES		8
/* Room for the first line of each event kind. */
#define SAMPLE_BYTES	4096

static const char *tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", DEBUGFS_DIR "/tracing",
	};
	struct stat st;
	size_t i;

	if (stat("/sys/kernel/tracing/events", &st))
		mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		char path[128];

		snprintf(path, sizeof(path), "%s/events", dirs[i]);
		if (!stat(path, &st))
			return dirs[i];
	}
	return NULL;
}

static int tracefs_write(const char *dir, const char *file, const char *s)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/* What the events of one object add up to, by counter. */
struct sums {
	uint64_t v[WPFAULT_STAT_NR];
	long events;
};

/* The value of "@key=" in @line, or 0. */
static uint64_t field(const char *line, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	return p ? strtoull(p + strlen(pat), NULL, 0) : 0;
}

/*
 * A copy-on-write decision: the policy's reuse counter, or its copy
 * counter if the copy was made (ret=0x100, VM_FAULT_NOPAGE: the fault is
 * retried to map it).
 */
static void add_cow_event(struct sums *s, const char *line)
{
	static const char *const policies[] = WPFAULT_POLICY_NAMES;
	static const int copies[] = {
		WPFAULT_STAT_REFCOUNT_COPIES, WPFAULT_STAT_MAPCOUNT_COPIES,
		WPFAULT_STAT_EXCLUSIVE_COPIES, WPFAULT_STAT_COPY_COPIES,
	};
	char name[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(policies); i++) {
		snprintf(name, sizeof(name), " policy=%s ", policies[i]);
		if (!strstr(line, name))
			continue;
		if (strstr(line, " decision=reuse:"))
			s->v[copies[i] + 1]++;
		else if (field(line, "ret") == 0x100)
			s->v[copies[i]]++;
	}
}

static void add_event(struct sums *s, const char *event, const char *line)
{
	s->events++;
	if (!strcmp(event, "wpfault_fault")) {
		if (strstr(line, " kind=read "))
			s->v[R]++;
		else if (strstr(line, " kind=write "))
			s->v[W]++;
		else
			s->v[COW]++;
	} else if (!strcmp(event, "wpfault_pmd_fault")) {
		if (strstr(line, " outcome=map "))
			s->v[WPFAULT_STAT_PMD_MAPS]++;
		else if (strstr(line, " outcome=upgrade "))
			s->v[WPFAULT_STAT_PMD_UPGRADES]++;
		else if (strstr(line, " outcome=fallback "))
			s->v[WPFAULT_STAT_PMD_FALLBACKS]++;
	} else if (!strcmp(event, "wpfault_map_pages")) {
		s->v[FA] += field(line, "mapped");
	} else if (!strcmp(event, "wpfault_page_mkwrite")) {
		s->v[MK]++;
	} else if (!strcmp(event, "wpfault_pfn_mkwrite")) {
		s->v[PM]++;
		s->v[HU] += field(line, "upgrade");
		s->v[CU] += field(line, "ret") == 0;
	} else if (!strcmp(event, "wpfault_mkwrite_insert")) {
		s->v[WPFAULT_STAT_MKWRITE_INSERTS] +=
			field(line, "ret") == 0x100;
	} else if (!strcmp(event, "wpfault_clean")) {
		s->v[CL] += field(line, "cleaned");
		s->v[CO] += !!strstr(line, " call=collect ");
	} else if (!strcmp(event, "wpfault_writeback")) {
		s->v[WR] += field(line, "pages");
	} else if (!strcmp(event, "wpfault_writeback_call")) {
		s->v[WB]++;
	} else if (!strcmp(event, "wpfault_truncate")) {
		s->v[TR]++;
	} else if (!strcmp(event, "wpfault_ptes")) {
		s->v[strstr(line, " op=clean ") ? PD :
		     strstr(line, " op=unmap ") ? UU : PW] +=
			field(line, "changed");
	} else if (!strcmp(event, "wpfault_method_switch")) {
		s->v[MS]++;
	} else if (!strcmp(event, "wpfault_cow")) {
		add_cow_event(s, line);
	}
}

/*
 * Reads the trace, summing the events of the @n objects @ids into @sums;
 * @sample gets the first line of each event kind.
 */
static int read_trace(const char *dir, const uint64_t *ids, struct sums *sums,
		      int n, char *sample, size_t sample_len)
{
	char path[256], line[512], event[66];
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* After the timestamp; the task may be wpfault_trace. */
		const char *p = strstr(line, ": wpfault_");
		uint64_t id;
		int i;

		if (line[0] == '#' || !p ||
		    sscanf(p + 2, "%63[a-z_]:", event) != 1)
			continue;
		p++;
		id = field(p, "id");
		for (i = 0; i < n; i++)
			if (id == ids[i])
				add_event(&sums[i], event, p);
		/* The first event of each kind, to show. */
		strcat(event, ":");
		if (!strstr(sample, event) &&
		    strlen(sample) + strlen(line) < sample_len)
			strcat(sample, line);
	}
	fclose(f);
	return 0;
}

/* Faults, mkwrites, fault-around, clean, collect, fsync and truncation. */
static void workload(struct __test_metadata *_metadata, struct wpf_obj *o,
		     char *p, bool pfn)
{
	uint64_t bits = 0;
	int i;

	for (i = 0; i < 4; i++)
		PAGE(p, i)[0] = 1;
	for (i = 4; i < NPAGES; i++)
		ASSERT_EQ(0, PAGE(p, i)[0]);
	ASSERT_LE(0, wpf_clean(o->fd, 0, NPAGES));
	PAGE(p, 0)[0] = 2;
	PAGE(p, 5)[0] = 2;
	if (pfn)
		ASSERT_EQ(WPFAULT_MODE_PAGETABLE,
			  wpf_set_method(o->fd, WPFAULT_METHOD_PAGETABLE));
	PAGE(p, 1)[0] = 3;
	ASSERT_LE(0, wpf_collect(o->fd, 0, NPAGES, &bits));
	PAGE(p, 2)[0] = 3;
	if (pfn)
		ASSERT_EQ(WPFAULT_MODE_MKWRITE,
			  wpf_set_method(o->fd, WPFAULT_METHOD_MKWRITE));
	ASSERT_EQ(0, fsync(o->fd));
	ASSERT_EQ(0, ftruncate(o->fd, 6 * page_size));
	ASSERT_EQ(0, ftruncate(o->fd, NPAGES * page_size));
	ASSERT_EQ(0, fallocate(o->fd, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, page_size, page_size));
	/* pfn: read-only again, then upgraded by the core and unmapped. */
	ASSERT_EQ(1, PAGE(p, 3)[0]);
	PAGE(p, 3)[0] = 5;
	ASSERT_LE(0, wpf_collect(o->fd, 0, NPAGES, &bits));
}

/*
 * Copy-on-write: a snapshot, then writes that copy, reuse by the
 * exclusive mark and by the refcount rule, and copy by policy.
 */
static void workload_cow(struct __test_metadata *_metadata,
			 struct wpf_obj *o, char *p)
{
	int i, snap;

	for (i = 0; i < 4; i++)
		PAGE(p, i)[0] = 1;
	snap = wpf_snapshot(o->fd, NULL);
	ASSERT_LE(0, snap);
	PAGE(p, 0)[0] = 2;
	PAGE(p, 1)[0] = 2;
	ASSERT_EQ(0, close(snap));
	ASSERT_LE(0, wpf_clean(o->fd, 0, NPAGES));
	PAGE(p, 0)[0] = 3;
	PAGE(p, 2)[0] = 3;
	ASSERT_EQ(0, wpf_set_policy(o->fd, WPFAULT_POLICY_REFCOUNT));
	PAGE(p, 3)[0] = 3;
	ASSERT_LE(0, wpf_clean(o->fd, 0, NPAGES));
	ASSERT_EQ(0, wpf_set_policy(o->fd, WPFAULT_POLICY_COPY));
	PAGE(p, 0)[0] = 4;
	ASSERT_EQ(0, ftruncate(o->fd, 6 * page_size));
}

/* The counters' growth since @before equals what the events add up to. */
static void check_sums(struct __test_metadata *_metadata, int fd,
		       const uint64_t *before, const struct sums *s,
		       const char *what)
{
	static const int compared[] = {
		R, W, COW, FA, MK, PM, HU, CL, CO, WB, WR, TR, PD, PW, MS,
		CU, UU, WPFAULT_STAT_PMD_MAPS, WPFAULT_STAT_PMD_UPGRADES,
		WPFAULT_STAT_PMD_FALLBACKS, WPFAULT_STAT_MKWRITE_INSERTS,
		WPFAULT_STAT_REFCOUNT_COPIES,
		WPFAULT_STAT_REFCOUNT_REUSES,
		WPFAULT_STAT_MAPCOUNT_COPIES, WPFAULT_STAT_MAPCOUNT_REUSES,
		WPFAULT_STAT_EXCLUSIVE_COPIES, WPFAULT_STAT_EXCLUSIVE_REUSES,
		WPFAULT_STAT_COPY_COPIES,
	};
	uint64_t v[WPFAULT_STAT_NR];
	size_t i;
	int wrong = 0;

	ASSERT_EQ(0, wpf_stats(fd, v));
	for (i = 0; i < ARRAY_SIZE(compared); i++) {
		int c = compared[i];

		if (v[c] - before[c] == s->v[c])
			continue;
		TH_LOG("%s: events add up to %llu %s, the counter grew by %llu",
		       what, (unsigned long long)s->v[c], wpf_stat_name(c),
		       (unsigned long long)(v[c] - before[c]));
		wrong++;
	}
	TH_LOG("%s: %ld events", what, s->events);
	ASSERT_EQ(0, wrong);
}

/*
 * Tracing of wpfault's events from an empty buffer, with the counters of
 * object @fd read into @before first.
 */
static void trace_one_begin(struct __test_metadata *_metadata,
			    const char *dir, int fd, uint64_t *before)
{
	ASSERT_EQ(0, tracefs_write(dir, "tracing_on", "0"));
	ASSERT_EQ(0, tracefs_write(dir, "trace", ""));
	ASSERT_EQ(0, tracefs_write(dir, "events/wpfault/enable", "1"));
	ASSERT_EQ(0, wpf_stats(fd, before));
	ASSERT_EQ(0, tracefs_write(dir, "tracing_on", "1"));
}

/*
 * The end of it: the events of object @o added up into @sums and checked
 * against its counters' growth since @before.
 */
static void trace_one_end(struct __test_metadata *_metadata, const char *dir,
			  struct wpf_obj *o, const uint64_t *before,
			  struct sums *sums, char *sample, const char *what)
{
	ASSERT_EQ(0, tracefs_write(dir, "events/wpfault/enable", "0"));
	ASSERT_EQ(0, read_trace(dir, &o->id, sums, 1, sample, SAMPLE_BYTES));
	ASSERT_EQ(0, tracefs_write(dir, "trace", ""));
	TH_LOG("the first event of each kind:\n%s", sample);
	check_sums(_metadata, o->fd, before, sums, what);
}

TEST(events_add_up_to_the_counters)
{
	static const char *const what[] = { "page cache", "pfn", "cow" };
	struct wpf_obj o[3] = {
		WPF_OBJ_INIT, WPF_OBJ_INIT,
		WPF_OBJ_INIT,
	};
	uint64_t before[3][WPFAULT_STAT_NR], ids[3];
	struct sums sums[3] = { 0 };
	char *sample = calloc(1, SAMPLE_BYTES);
	const char *dir = tracefs();
	char *map[3];
	int err, i;

	ASSERT_NE(NULL, sample);
	if (!dir)
		SKIP(return, "no tracefs: the kernel has no CONFIG_TRACING");
	err = wpf_create_type_mapped(&o[0], WPFAULT_TYPE_PAGECACHE, NPAGES,
				     &map[0]);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, wpf_create_type_mapped(&o[1], WPFAULT_TYPE_PFN, NPAGES,
					    &map[1]));
	ASSERT_EQ(0, wpf_create_type_mapped(&o[2], WPFAULT_TYPE_COW, NPAGES,
					    &map[2]));
	if (wpf_set_method(o[1].fd, WPFAULT_METHOD_PAGETABLE) == -EOPNOTSUPP)
		SKIP(return, "no MAPPING_DIRTY_HELPERS in this kernel");
	ASSERT_EQ(WPFAULT_MODE_MKWRITE,
		  wpf_set_method(o[1].fd, WPFAULT_METHOD_MKWRITE));
	ASSERT_EQ(0, tracefs_write(dir, "tracing_on", "0"));
	ASSERT_EQ(0, tracefs_write(dir, "buffer_size_kb", "2048"));
	ASSERT_EQ(0, tracefs_write(dir, "trace", ""));
	ASSERT_EQ(0, tracefs_write(dir, "events/wpfault/enable", "1"));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, wpf_stats(o[i].fd, before[i]));
		ids[i] = o[i].id;
	}
	ASSERT_EQ(0, tracefs_write(dir, "tracing_on", "1"));

	workload(_metadata, &o[0], map[0], false);
	workload(_metadata, &o[1], map[1], true);
	workload_cow(_metadata, &o[2], map[2]);
	for (i = 0; i < 3; i++)
		munmap(map[i], NPAGES * page_size);

	ASSERT_EQ(0, tracefs_write(dir, "events/wpfault/enable", "0"));
	ASSERT_EQ(0, read_trace(dir, ids, sums, 3, sample, SAMPLE_BYTES));
	ASSERT_EQ(0, tracefs_write(dir, "trace", ""));
	TH_LOG("the first event of each kind:\n%s", sample);
	for (i = 0; i < 3; i++)
		check_sums(_metadata, o[i].fd, before[i], &sums[i], what[i]);
	/* The workload reaches every event kind of each type. */
	ASSERT_NE(0, sums[0].v[MK] * sums[0].v[CO] * sums[0].v[WB] *
		  sums[0].v[TR]);
	ASSERT_NE(0, sums[1].v[PM] * sums[1].v[HU] * sums[1].v[PD] *
		  sums[1].v[PW] * sums[1].v[MS] * sums[1].v[CU] *
		  sums[1].v[UU]);
	ASSERT_EQ(2, sums[2].v[WPFAULT_STAT_EXCLUSIVE_COPIES]);
	ASSERT_EQ(2, sums[2].v[WPFAULT_STAT_EXCLUSIVE_REUSES]);
	ASSERT_EQ(1, sums[2].v[WPFAULT_STAT_REFCOUNT_REUSES]);
	ASSERT_EQ(1, sums[2].v[WPFAULT_STAT_COPY_COPIES]);
	for (i = 0; i < 3; i++)
		wpf_destroy(&o[i]);
	free(sample);
}

/*
 * A pfn object's huge entries (WPFAULT_CREATE_PMD, 6.12 on): a map, an
 * in-place upgrade and a fallback, each an event.
 */
TEST(pmd_events_add_up_to_the_counters)
{
	size_t size = wpf_pmd_size(), n = size / page_size;
	struct wpf_obj o = WPF_OBJ_INIT;
	char *sample = calloc(1, SAMPLE_BYTES);
	const char *dir = tracefs();
	uint64_t before[WPFAULT_STAT_NR];
	struct sums sums = { 0 };
	char *p;
	int err;

	ASSERT_NE(NULL, sample);
	if (!dir)
		SKIP(return, "no tracefs: the kernel has no CONFIG_TRACING");
	err = wpf_create_pmd_mapped(&o, size ? 2 * size : page_size,
				    size ? 2 * size : page_size, &p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	if (err == 1)
		SKIP(return, WPF_NO_PMD_OBJECTS);
	ASSERT_EQ(0, err);
	ASSERT_NE(0, size);
	trace_one_begin(_metadata, dir, o.fd, before);

	PAGE(p, 0)[0] = 1;
	ASSERT_EQ((int64_t)n, wpf_clean(o.fd, 0, n));
	ASSERT_EQ(1, PAGE(p, 0)[0]);
	PAGE(p, 1)[0] = 2;
	ASSERT_EQ(0, PAGE(p, n)[0]);
	munmap(p, 2 * size);

	trace_one_end(_metadata, dir, &o, before, &sums, sample, "pmd");
	ASSERT_EQ(2, sums.v[WPFAULT_STAT_PMD_MAPS]);
	ASSERT_EQ(1, sums.v[WPFAULT_STAT_PMD_UPGRADES]);
	ASSERT_EQ(1, sums.v[WPFAULT_STAT_PMD_FALLBACKS]);
	free(sample);
	wpf_destroy(&o);
}

/*
 * A pfn object's mkwrite inserts (WPFAULT_CREATE_MKWRITE_INSERT, where
 * the kernel exports it): a new entry, and a read-only one upgraded in
 * place, each an event.
 */
TEST(mkwrite_insert_events_add_up_to_the_counters)
{
	struct wpf_obj o = WPF_OBJ_INIT;
	char *sample = calloc(1, SAMPLE_BYTES);
	const char *dir = tracefs();
	uint64_t before[WPFAULT_STAT_NR];
	struct sums sums = { 0 };
	char *p;
	int err;

	ASSERT_NE(NULL, sample);
	if (!dir)
		SKIP(return, "no tracefs: the kernel has no CONFIG_TRACING");
	err = wpf_create_flags(&o, 2 * page_size, WPFAULT_TYPE_PFN,
			       WPFAULT_CREATE_MKWRITE_INSERT);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	if (!wpf_mkwrite_insert_objects()) {
		ASSERT_EQ(-EOPNOTSUPP, err);
		SKIP(return, WPF_NO_MKWRITE_INSERT);
	}
	ASSERT_EQ(0, err);
	p = wpf_map(o.fd, 2, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	trace_one_begin(_metadata, dir, o.fd, before);

	PAGE(p, 0)[0] = 1;
	ASSERT_EQ(1, wpf_clean(o.fd, 0, 2));
	PAGE(p, 0)[0] = 2;
	munmap(p, 2 * page_size);

	trace_one_end(_metadata, dir, &o, before, &sums, sample,
		      "mkwrite insert");
	ASSERT_EQ(2, sums.v[WPFAULT_STAT_MKWRITE_INSERTS]);
	ASSERT_EQ(1, sums.v[PM]);
	ASSERT_EQ(0, sums.v[CU]);
	free(sample);
	wpf_destroy(&o);
}

TEST_HARNESS_MAIN
