// SPDX-License-Identifier: GPL-2.0
/*
 * WPFAULT_IOC_COLLECT, on page-cache and pfn objects with each tracking
 * method: the dirty bitmap and a clean in one call, atomic per
 * page.  It reports exactly the pages written since the last collect,
 * looks at no other page, loses no write that races with it or whose
 * writer is exiting, and ends promptly on SIGKILL however large its range:
 *  - random sets of written pages at five densities, collected from
 *    random sub-ranges, come back exactly, with the data intact and the
 *    counters exact;
 *  - a collect over a million pages with three written visits three;
 *  - a writer process and a writer thread stamp pages while a collector
 *    loops (each waits for a collection every ten writes): no write is
 *    lost, as tickets prove, where DIRTY_BITMAP followed by CLEAN loses
 *    some (reported, not asserted); the same on a pfn object's huge
 *    entry, which each collect removes;
 *  - a collect while a writer process exits (its ptes zapped, its vmas
 *    not yet closed) reports every page it wrote, in each of eight rounds;
 *  - DIRTY_BITMAP and COLLECT over 2^37 pages, with a 16 GiB bitmap made
 *    of one memfd mapped 1,024 times, return within a second of SIGKILL,
 *    and the task is gone (the mm's teardown, the kernel's, is only
 *    logged);
 *  - in pagetable mode, where a pte's dirty bit is the only record of a
 *    write, the next collect reports a write whose pte went first
 *    (munmap(), mmap(MAP_FIXED) over it, mremap() onto it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define NPAGES		256
#define WORDS		(NPAGES / 64)

FIXTURE(collect) {
	struct wpf_obj o;
	char *p;
};

FIXTURE_VARIANT(collect) {
	enum wpfault_type type;
	enum wpfault_method method;
};

FIXTURE_VARIANT_ADD(collect, pagecache) { .type = WPFAULT_TYPE_PAGECACHE };
FIXTURE_VARIANT_ADD(collect, pagecache_pagetable) {
	.type = WPFAULT_TYPE_PAGECACHE, .method = WPFAULT_METHOD_PAGETABLE,
};

FIXTURE_VARIANT_ADD(collect, pagecache_adaptive) {
	.type = WPFAULT_TYPE_PAGECACHE, .method = WPFAULT_METHOD_ADAPTIVE,
};

FIXTURE_VARIANT_ADD(collect, pfn) { .type = WPFAULT_TYPE_PFN };
FIXTURE_VARIANT_ADD(collect, pfn_pagetable) {
	.type = WPFAULT_TYPE_PFN, .method = WPFAULT_METHOD_PAGETABLE,
};

FIXTURE_VARIANT_ADD(collect, pfn_adaptive) {
	.type = WPFAULT_TYPE_PFN, .method = WPFAULT_METHOD_ADAPTIVE,
};

/* An object tracked by @method, mapped; -errno on failure. */
static int create_mapped(enum wpfault_type type, enum wpfault_method method,
			 struct wpf_obj *o, size_t pages, char **map)
{
	int err = wpf_create_type_mapped(o, type, pages, map);

	if (err || method == WPFAULT_METHOD_MKWRITE)
		return err;
	err = wpf_set_method(o->fd, method);
	return err < 0 ? err : 0;
}

FIXTURE_SETUP(collect)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	err = create_mapped(variant->type, variant->method, &self->o, NPAGES,
			    &self->p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	if (err == -EOPNOTSUPP)
		SKIP(return, "no MAPPING_DIRTY_HELPERS in this kernel: %s",
		     "mkwrite tracking only");
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(collect)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, NPAGES * page_size);
	wpf_destroy(&self->o);
}

/*
 * Random sets of several densities, in random sub-ranges: each collect
 * returns exactly the pages written in its range and leaves the others;
 * the data is intact in a fresh mapping.
 */
TEST_F(collect, reports_exactly_the_written_pages)
{
	static const unsigned int per_mille[] = { 1, 20, 100, 500, 1000 };
	uint64_t written[WORDS] = { 0 }, got[WORDS], rng = 42;
	uint64_t collected = 0, rounds = 0, visits = 0;
	unsigned char model[NPAGES] = { 0 };
	char *fresh;
	size_t d, i, r;

	for (d = 0; d < ARRAY_SIZE(per_mille); d++) {
		for (r = 0; r < 4; r++) {
			size_t first = wpf_rand(&rng) % NPAGES;
			size_t nr = 1 + wpf_rand(&rng) % (NPAGES - first);
			uint64_t want = 0, words = (nr + 63) / 64, w;
			uint64_t bits[WORDS] = { 0 };

			for (i = 0; i < NPAGES; i++) {
				if (wpf_rand(&rng) % 1000 >= per_mille[d])
					continue;
				model[i] = 1 + wpf_rand(&rng) % 255;
				PAGE(self->p, i)[i % page_size] = model[i];
				written[i / 64] |= 1ULL << (i % 64);
			}
			/* The written pages inside [first, first + nr). */
			memset(got, 0, sizeof(got));
			for (i = first; i < first + nr; i++)
				if (written[i / 64] & (1ULL << (i % 64)))
					got[(i - first) / 64] |=
						1ULL << ((i - first) % 64);
			for (w = 0; w < words; w++)
				want += __builtin_popcountll(got[w]);
			visits += want;
			ASSERT_EQ(want, wpf_collect(self->o.fd, first, nr,
						    bits));
			ASSERT_EQ(0, memcmp(bits, got, words * 8));
			for (i = first; i < first + nr; i++)
				written[i / 64] &= ~(1ULL << (i % 64));
			collected += want;
			rounds++;
			/* What is left is what the bitmap still shows. */
			memset(bits, 0, sizeof(bits));
			want = 0;
			for (w = 0; w < WORDS; w++)
				want += __builtin_popcountll(written[w]);
			ASSERT_EQ(want, wpf_dirty_bitmap(self->o.fd, 0, NPAGES,
							 bits));
			ASSERT_EQ(0, memcmp(bits, written, sizeof(bits)));
		}
	}
	fresh = wpf_map(self->o.fd, NPAGES, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, fresh);
	for (i = 0; i < NPAGES; i++)
		ASSERT_EQ(model[i], (unsigned char)fresh[i * page_size +
							 i % page_size]);
	munmap(fresh, NPAGES * page_size);
	ASSERT_EQ(rounds, wpf_stat(self->o.fd, WPFAULT_STAT_COLLECTIONS));
	ASSERT_EQ(visits, wpf_stat(self->o.fd, WPFAULT_STAT_COLLECT_VISITS));
	ASSERT_EQ(collected, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_CLEANED));
}

/* A collected page is write-protected: its next write is recorded. */
TEST_F(collect, the_next_write_is_recorded_again)
{
	uint64_t bits[WORDS];
	int round;

	for (round = 0; round < 3; round++) {
		PAGE(self->p, 5)[0] = round;
		memset(bits, 0, sizeof(bits));
		ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, bits));
		ASSERT_EQ(1ULL << 5, bits[0]);
	}
	ASSERT_EQ(0, wpf_collect(self->o.fd, 0, NPAGES, bits));
	ASSERT_EQ(4, wpf_stat(self->o.fd, WPFAULT_STAT_COLLECTIONS));
	ASSERT_EQ(3, wpf_stat(self->o.fd, WPFAULT_STAT_PAGES_DIRTIED));
}

/* Its work follows the written pages, not the range: 3 in a million. */
TEST_F(collect, visits_only_written_pages)
{
	const size_t big = 1 << 20;
	uint64_t *bits = calloc(big / 64, sizeof(uint64_t));
	struct wpf_obj o = WPF_OBJ_INIT;
	char *map;

	ASSERT_NE(NULL, bits);
	ASSERT_EQ(0, create_mapped(variant->type, variant->method, &o, big,
				   &map));
	PAGE(map, 0)[0] = 1;
	PAGE(map, big / 2)[0] = 2;
	PAGE(map, big - 1)[0] = 3;
	ASSERT_EQ(3, wpf_collect(o.fd, 0, big, bits));
	ASSERT_EQ(1, bits[0]);
	ASSERT_EQ(1, bits[big / 2 / 64]);
	ASSERT_EQ(1ULL << 63, bits[big / 64 - 1]);
	ASSERT_EQ(3, wpf_stat(o.fd, WPFAULT_STAT_COLLECT_VISITS));
	munmap(map, big * page_size);
	wpf_destroy(&o);
	free(bits);
}

/*
 * Writers, a forked process and a thread, stamp their own pages while a
 * collector collects in a loop; tickets from one counter order every
 * write and collection.  A write is lost if no collection that ended
 * after the write began, up to the first one that began after it ended,
 * reports its page.  Run with COLLECT
 * (asserted: none lost) and with DIRTY_BITMAP then CLEAN (reported only:
 * what the atomic call is for).
 */
#define RACE_PAGES	64
#define RACE_WRITERS	2
#define RACE_WRITES	3000
#define MAX_COLLECTIONS	32768
/* A writer waits for a collection every RACE_PACE writes. */
#define RACE_PACE	10

struct race_write {
	uint64_t start, end;
	unsigned int page;
};

struct race_collection {
	uint64_t start, end, bits;
};

struct race {
	int fd;
	volatile char *map;
	bool atomic;
	uint64_t ticket;
	int writers_left;
	struct race_write writes[RACE_WRITERS][RACE_WRITES];
	struct race_collection *collections;
	size_t nr_collections;
	int error;
};

struct race_writer {
	struct race *race;
	int id;
};

static uint64_t take_ticket(struct race *race)
{
	return __atomic_add_fetch(&race->ticket, 1, __ATOMIC_SEQ_CST);
}

static void *race_writer(void *arg)
{
	struct race_writer *rw = arg;
	struct race *race = rw->race;
	uint64_t rng = rw->id + 1;
	int i;

	for (i = 0; i < RACE_WRITES; i++) {
		struct race_write *w = &race->writes[rw->id][i];

		/*
		 * Else writers that need no fault can finish before a slow
		 * collector's first call ends, and nothing races.
		 */
		while (__atomic_load_n(&race->nr_collections,
				       __ATOMIC_ACQUIRE) < i / RACE_PACE)
			sched_yield();

		/* Writer id owns the pages whose index % RACE_WRITERS is id. */
		w->page = wpf_rand(&rng) % (RACE_PAGES / RACE_WRITERS) *
			  RACE_WRITERS + rw->id;
		w->start = take_ticket(race);
		*(volatile uint64_t *)PAGE(race->map, w->page) = w->start;
		w->end = take_ticket(race);
	}
	__atomic_sub_fetch(&race->writers_left, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void race_collect_once(struct race *race)
{
	struct race_collection *c = &race->collections[race->nr_collections];
	int64_t n;

	c->bits = 0;
	c->start = take_ticket(race);
	if (race->atomic) {
		n = wpf_collect(race->fd, 0, RACE_PAGES, &c->bits);
	} else {
		n = wpf_dirty_bitmap(race->fd, 0, RACE_PAGES, &c->bits);
		if (n >= 0)
			n = wpf_clean(race->fd, 0, RACE_PAGES);
	}
	c->end = take_ticket(race);
	if (n < 0)
		race->error = -n;
	__atomic_store_n(&race->nr_collections, race->nr_collections + 1,
			 __ATOMIC_RELEASE);
}

/* Writes no collection reported; see above. */
static size_t race_lost(struct race *race)
{
	size_t lost = 0, lo, hi;
	long j;
	int t, i;

	for (t = 0; t < RACE_WRITERS; t++) {
		for (i = 0; i < RACE_WRITES; i++) {
			struct race_write *w = &race->writes[t][i];
			bool found = false;

			/* The first collection that began after the write. */
			lo = 0;
			hi = race->nr_collections - 1;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (race->collections[mid].start > w->end)
					hi = mid;
				else
					lo = mid + 1;
			}
			for (j = lo; j >= 0 && !found; j--) {
				struct race_collection *c =
					&race->collections[j];

				if (c->end < w->start)
					break;
				found = c->bits & (1ULL << w->page);
			}
			lost += !found;
		}
	}
	return lost;
}

/*
 * Writer 0 is a forked process, the others threads of this one: their
 * records and the ticket counter live in shared memory.
 */
static size_t race_run(struct __test_metadata *_metadata, int fd,
		       volatile char *map, bool atomic)
{
	size_t size = sizeof(struct race) +
		      MAX_COLLECTIONS * sizeof(struct race_collection);
	struct race *race = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct race_writer writers[RACE_WRITERS];
	pthread_t tids[RACE_WRITERS];
	uint64_t bits = 0;
	int t, status;
	size_t lost;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, race);
	race->collections = (struct race_collection *)(race + 1);
	race->fd = fd;
	race->map = map;
	race->atomic = atomic;
	race->writers_left = RACE_WRITERS;
	ASSERT_LE(0, wpf_collect(fd, 0, RACE_PAGES, &bits));
	for (t = 0; t < RACE_WRITERS; t++) {
		writers[t].race = race;
		writers[t].id = t;
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		race_writer(&writers[0]);
		_exit(0);
	}
	for (t = 1; t < RACE_WRITERS; t++)
		ASSERT_EQ(0, pthread_create(&tids[t], NULL, race_writer,
					    &writers[t]));
	while (__atomic_load_n(&race->writers_left, __ATOMIC_SEQ_CST) &&
	       race->nr_collections < MAX_COLLECTIONS - 1)
		race_collect_once(race);
	for (t = 1; t < RACE_WRITERS; t++)
		pthread_join(tids[t], NULL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	/* After every write: the one that must report what is left. */
	race_collect_once(race);
	ASSERT_EQ(0, race->error);
	lost = race_lost(race);
	TH_LOG("%s: %zu collections, %zu of %d writes lost",
	       atomic ? "COLLECT" : "DIRTY_BITMAP then CLEAN",
	       race->nr_collections, lost, RACE_WRITERS * RACE_WRITES);
	/* Every page holds its last stamp. */
	for (t = 0; t < RACE_WRITERS; t++) {
		uint64_t last[RACE_PAGES] = { 0 };
		int i;

		for (i = 0; i < RACE_WRITES; i++)
			last[race->writes[t][i].page] =
				race->writes[t][i].start;
		for (i = t; i < RACE_PAGES; i += RACE_WRITERS)
			if (last[i])
				ASSERT_EQ(last[i],
					  *(volatile uint64_t *)PAGE(map, i));
	}
	munmap(race, size);
	return lost;
}

TEST_F(collect, no_write_is_lost_to_a_concurrent_collect)
{
	ASSERT_EQ(0, race_run(_metadata, self->o.fd, self->p, true));
	/* The two-call way, for comparison: not asserted. */
	race_run(_metadata, self->o.fd, self->p, false);
}

/*
 * The same race on a pfn object's huge entry (WPFAULT_CREATE_PMD): a
 * write fault records the whole piece and maps it writable, so later
 * writes take no fault, and each collect removes the entry.  Every
 * write is reported by a collection that overlapped it or came after.
 */
TEST(pmd_no_write_is_lost_to_a_concurrent_collect)
{
	size_t size = wpf_pmd_size();
	struct wpf_obj o = WPF_OBJ_INIT;
	char *p;
	int err;

	err = wpf_create_pmd_mapped(&o, size ?: page_size, size ?: page_size,
				    &p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	if (err == 1)
		SKIP(return, WPF_NO_PMD_OBJECTS);
	ASSERT_EQ(0, err);
	ASSERT_NE(0, size);
	ASSERT_EQ(0, race_run(_metadata, o.fd, p, true));
	ASSERT_LE(1, wpf_stat(o.fd, WPFAULT_STAT_PMD_MAPS));
	ASSERT_EQ(0, wpf_stat(o.fd, WPFAULT_STAT_PMD_FALLBACKS));
	munmap(p, size);
	wpf_destroy(&o);
}

/*
 * A process writes, then exits.  Its ptes go (in pagetable mode, with
 * the only record of the write: a dirty bit) before its vma's ->close,
 * and a collect may come in between: it must still report every page.
 * The child maps the object just below a large populated anonymous
 * region, which the exit tears down after the object's ptes (in address
 * order), to hold that window open; the parent collects once the child's
 * mm is gone from /proc.
 * The child writes twice: the first write of each page faults, the
 * second, after a collect, may not (pagetable mode).
 */
#define EXIT_PAGES	16
#define EXIT_ROUNDS	8
#define EXIT_BALLAST	(64UL << 20)

static void exit_writer(int fd, int sock)
{
	size_t size = EXIT_PAGES * page_size;
	char *area, *map, c;
	size_t i;

	/* One reservation: the object at its start, the ballast above. */
	area = mmap(NULL, size + EXIT_BALLAST, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		_exit(10);
	map = mmap(area, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		   fd, 0);
	if (map == MAP_FAILED)
		_exit(11);
	if (mmap(area + size, EXIT_BALLAST, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE,
		 -1, 0) == MAP_FAILED)
		_exit(12);
	for (i = 0; i < EXIT_PAGES; i++)
		PAGE(map, i)[0] = 1;
	/* The parent collects the first writes. */
	if (write(sock, "", 1) != 1 || read(sock, &c, 1) != 1)
		_exit(13);
	for (i = 0; i < EXIT_PAGES; i++)
		PAGE(map, i)[0] = 2;
	if (write(sock, "", 1) != 1)
		_exit(14);
	_exit(0);
}

/* Polls /proc/<pid>/statm until its first field (total pages) is 0. */
static int wait_mm_gone(pid_t pid)
{
	char path[64], buf[128];
	int fd, tries;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	for (tries = 0; tries < 100000; tries++) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

		if (n <= 0 || (buf[0] == '0' && buf[1] == ' '))
			break;
	}
	close(fd);
	return 0;
}

TEST_F(collect, a_write_is_reported_while_its_writer_exits)
{
	const uint64_t all = (1ULL << EXIT_PAGES) - 1;
	int round, sock[2], status;
	uint64_t bits[WORDS];
	char c;
	pid_t pid;

	for (round = 0; round < EXIT_ROUNDS; round++) {
		ASSERT_LE(0, wpf_collect(self->o.fd, 0, NPAGES, bits));
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sock));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			exit_writer(self->o.fd, sock[1]);
		close(sock[1]);
		if (read(sock[0], &c, 1) != 1) {
			waitpid(pid, &status, 0);
			ASSERT_EQ(0, status)
				TH_LOG("the writer died before writing");
		}
		memset(bits, 0, sizeof(bits));
		ASSERT_EQ(EXIT_PAGES, wpf_collect(self->o.fd, 0, NPAGES, bits));
		ASSERT_EQ(all, bits[0]);
		ASSERT_EQ(1, write(sock[0], "", 1));
		ASSERT_EQ(1, read(sock[0], &c, 1));
		close(sock[0]);
		ASSERT_EQ(0, wait_mm_gone(pid));
		memset(bits, 0, sizeof(bits));
		EXPECT_EQ(EXIT_PAGES, wpf_collect(self->o.fd, 0, NPAGES, bits))
			TH_LOG("round %d: pages reported %#llx", round,
			       (unsigned long long)bits[0]);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_EQ(0, status);
		ASSERT_EQ(all, bits[0]);
	}
}

/*
 * DIRTY_BITMAP over 2^37 pages wants a 16 GiB bitmap: one 16 MiB memfd
 * mapped over and over.  Zeroing it takes long; SIGKILL must end the call
 * at once, not after it.
 */
#define HUGE_PAGES	137438953472ULL	/* 2^37 */
#define CHUNK		(16UL << 20)

/* Shares the caller's mm and keeps it, doing nothing else. */
static int hold_mm(void *unused)
{
	for (;;)
		pause();
	return 0;
}

/*
 * Makes the huge bitmap, starts a process that shares this mm
 * (hold_mm()), sends its pid on @ready and makes the call.
 */
static void huge_bitmap_child(enum wpfault_type type,
			      enum wpfault_method method, unsigned long cmd,
			      int ready)
{
	static char holder_stack[64 << 10] __attribute__((aligned(16)));
	size_t bytes = HUGE_PAGES / 8, off;
	struct wpfault_dirty_bitmap arg = {
		.range = { 0, HUGE_PAGES * page_size },
		.bitmap_size = bytes,
	};
	struct wpf_obj o;
	pid_t holder;
	char *buf;
	int mfd;

	if (wpf_create_type(&o, HUGE_PAGES * page_size, type))
		_exit(1);
	if (method && wpf_set_method(o.fd, method) < 0)
		_exit(1);
	mfd = memfd_create("wpfault-bitmap", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, CHUNK))
		_exit(2);
	buf = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		   MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED)
		_exit(3);
	for (off = 0; off < bytes; off += CHUNK)
		if (mmap(buf + off, CHUNK, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, mfd, 0) == MAP_FAILED)
			_exit(4);
	arg.bitmap = (uintptr_t)buf;
	holder = clone(hold_mm, holder_stack + sizeof(holder_stack),
		       CLONE_VM | SIGCHLD, NULL);
	if (holder < 0 ||
	    write(ready, &holder, sizeof(holder)) != sizeof(holder))
		_exit(5);
	ioctl(o.fd, cmd, &arg);
	_exit(6);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Prints task @pid's kernel stack (root, CONFIG_STACKTRACE) as comments. */
static void show_stack(pid_t pid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	ksft_print_msg("still not gone, in the kernel at:\n");
	while (fgets(line, sizeof(line), f))
		ksft_print_msg("  %s", line);
	fclose(f);
}

/*
 * The call must end within a second of SIGKILL, and with it the task.
 * The task's exit would also tear down the bitmap's mappings, as many
 * pages as the call faulted in, which takes the 7.x debug kernels under
 * TCG a second or more: a process that shares the mm keeps it, so the
 * exit timed is the call's end and do_exit() without exit_mmap(), and
 * the teardown comes after, when that process is killed.  (Looking for
 * PF_EXITING in /proc/PID/stat instead does not work: reading it takes a
 * reference to the mm, and a reader whose reference is the last one runs
 * exit_mmap() itself, inside read().)
 */
static void check_killable(struct __test_metadata *_metadata,
			   enum wpfault_type type, enum wpfault_method method,
			   unsigned long cmd)
{
	double killed, gone;
	int pipefd[2], status;
	bool shown = false;
	pid_t pid, holder;

	/* The holder outlives its parent: it comes to us, to be reaped. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		huge_bitmap_child(type, method, cmd, pipefd[1]);
	close(pipefd[1]);
	ASSERT_EQ(sizeof(holder), read(pipefd[0], &holder, sizeof(holder)));
	close(pipefd[0]);
	usleep(300 * 1000);
	/* Still in the call: it would have run on for a long while. */
	ASSERT_EQ(0, waitpid(pid, &status, WNOHANG));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	killed = now();
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (!shown && now() - killed > 0.5) {
			show_stack(pid);
			shown = true;
		}
		usleep(1000);
	}
	gone = now() - killed;
	ASSERT_EQ(0, kill(holder, SIGKILL));
	ASSERT_EQ(holder, waitpid(holder, NULL, 0));
	TH_LOG("gone %.3f s after SIGKILL, the mm torn down %.3f s after",
	       gone, now() - killed);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ASSERT_GT(1.0, gone);
}

/* Each teardown takes seconds under TCG: more than the default 30 s. */
TEST_F_TIMEOUT(collect, huge_ranges_are_killable, 120)
{
	check_killable(_metadata, variant->type, variant->method,
		       WPFAULT_IOC_DIRTY_BITMAP);
	check_killable(_metadata, variant->type, variant->method,
		       WPFAULT_IOC_COLLECT);
}

/*
 * A write whose pte goes before the next COLLECT: that COLLECT must
 * report it, whatever removes the pte.  In pagetable mode the pte's dirty
 * bit is the only record of the write, and the kernel removes ptes before
 * it tells the vma (->close): munmap(), mmap(MAP_FIXED) over the mapping,
 * mremap() onto it.  The zapper thread maps page ZAP_PAGE, reads it (a
 * writable, clean pte in pagetable mode), writes a stamp through it, says
 * so, and removes the mapping one of these ways, for ZAP_ROUNDS rounds or
 * ZAP_SECONDS, while
 * this thread collects and keeps a mirror of the page: after a COLLECT
 * that reports the page it reads the stamp.  A COLLECT that began after a
 * write was done and does not report the page must find the mirror at
 * that stamp already.  A third thread takes the mm's lock for writing
 * over and over, so that munmap() finds writers queued; a growing-down
 * vma just above the mapping keeps munmap() (6.1) from ever dropping to
 * the read lock.
 */
#define ZAP_PAGE	5
#define ZAP_ROUNDS	100
/* Seconds a shape may take: the debug kernels are slow. */
#define ZAP_SECONDS	4

enum zap_shape { ZAP_MUNMAP, ZAP_MUNMAP_GROWSDOWN, ZAP_MAP_FIXED,
		 ZAP_MREMAP, ZAP_SHAPES };

static const char *const zap_names[ZAP_SHAPES] = {
	"munmap", "munmap below a growing-down vma", "mmap(MAP_FIXED) over",
	"mremap onto",
};

struct zapper {
	int fd;
	enum zap_shape shape;
	uint64_t rounds;	/* done */
	/* The queuer's page, made first: it must not take the zapper's. */
	char *queuer_page;
	uint64_t done;		/* the stamp last written */
	bool go, stop;
	int error;
};

/* One round: map, read, write @stamp, say so, remove the mapping. */
static int zap_round(struct zapper *z, char *area, uint64_t stamp)
{
	off_t off = ZAP_PAGE * page_size;
	char *m, *other;

	m = mmap(area, page_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, z->fd, off);
	if (m == MAP_FAILED)
		return 1;
	(void)*(volatile uint64_t *)m;
	*(volatile uint64_t *)m = stamp;
	__atomic_store_n(&z->done, stamp, __ATOMIC_RELEASE);
	switch (z->shape) {
	case ZAP_MUNMAP:
	case ZAP_MUNMAP_GROWSDOWN:
		return munmap(m, page_size) ? 2 : 0;
	case ZAP_MAP_FIXED:
		other = mmap(m, page_size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		return other == m ? 0 : 3;
	default:
		other = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (other == MAP_FAILED)
			return 4;
		return mremap(other, page_size, page_size,
			      MREMAP_MAYMOVE | MREMAP_FIXED, m) == m ? 0 : 5;
	}
}

/*
 * The mapping's place: page 1 of a reservation of four, with a growing-down
 * vma on page 2 for that shape.  Pages 0 and 3 stay reserved, so that the
 * hole a round leaves is never part of a larger free range, where another
 * mapping (a thread's stack) could be placed and then clobbered.
 */
static void *zapper_run(void *arg)
{
	struct zapper *z = arg;
	double deadline;
	char *area;
	uint64_t r;

	area = mmap(NULL, 4 * page_size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		z->error = 10;
		return NULL;
	}
	if (z->shape == ZAP_MUNMAP_GROWSDOWN &&
	    mmap(area + 2 * page_size, page_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN,
		 -1, 0) == MAP_FAILED) {
		z->error = 11;
		return NULL;
	}
	/* Every thread is running: no stack is being placed any more. */
	while (!__atomic_load_n(&z->go, __ATOMIC_ACQUIRE))
		sched_yield();
	deadline = now() + ZAP_SECONDS;
	for (r = 1; r <= ZAP_ROUNDS && !z->error && now() < deadline; r++)
		z->error = zap_round(z, area + page_size, r);
	z->rounds = r - 1;
	munmap(area, 4 * page_size);
	__atomic_store_n(&z->stop, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Takes the mm's lock for writing, over and over. */
static void *lock_queuer(void *arg)
{
	struct zapper *z = arg;
	int prot = PROT_READ;

	while (!__atomic_load_n(&z->stop, __ATOMIC_ACQUIRE)) {
		prot ^= PROT_WRITE;
		mprotect(z->queuer_page, page_size, prot);
	}
	return NULL;
}

/* Returns the COLLECTs that reported the page late; *@nr counts them all. */
static long zap_collect(struct __test_metadata *_metadata, int fd,
			enum zap_shape shape, long *nr)
{
	struct zapper z = { .fd = fd, .shape = shape };
	pthread_t zt, qt;
	uint64_t mirror = 0, bits[WORDS];
	volatile uint64_t *r;
	long late = 0;
	bool last = false;

	/* This thread's own view of the page, read only after collects. */
	r = mmap(NULL, NPAGES * page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	ASSERT_NE(MAP_FAILED, r) TH_LOG("mmap: %s", strerror(errno));
	r = (volatile uint64_t *)PAGE(r, ZAP_PAGE);
	*nr = 0;
	z.queuer_page = mmap(NULL, page_size, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, z.queuer_page);
	ASSERT_LE(0, wpf_collect(fd, 0, NPAGES, bits));
	ASSERT_EQ(0, pthread_create(&zt, NULL, zapper_run, &z));
	ASSERT_EQ(0, pthread_create(&qt, NULL, lock_queuer, &z));
	__atomic_store_n(&z.go, true, __ATOMIC_RELEASE);
	while (!last) {
		uint64_t done;

		last = __atomic_load_n(&z.stop, __ATOMIC_ACQUIRE);
		done = __atomic_load_n(&z.done, __ATOMIC_ACQUIRE);
		ASSERT_LE(0, wpf_collect(fd, 0, NPAGES, bits))
			TH_LOG("COLLECT: %s", strerror(errno));
		++*nr;
		if (bits[ZAP_PAGE / 64] & (1ULL << (ZAP_PAGE % 64)))
			mirror = *r;
		else if (done > mirror)
			late++;
	}
	pthread_join(zt, NULL);
	pthread_join(qt, NULL);
	munmap(z.queuer_page, page_size);
	munmap((void *)(r - ZAP_PAGE * page_size / sizeof(*r)),
	       NPAGES * page_size);
	ASSERT_EQ(0, z.error) TH_LOG("%s: step %d failed: %s",
				     zap_names[shape], z.error,
				     strerror(errno));
	ASSERT_EQ(z.rounds, mirror);
	TH_LOG("%s: %llu rounds", zap_names[shape],
	       (unsigned long long)z.rounds);
	return late;
}

/*
 * Only the pagetable method leaves a write's record in a pte alone: the
 * others record every write as it faults.
 */
TEST(a_pagetable_write_is_reported_when_its_pte_goes)
{
	enum zap_shape shape;
	struct wpf_obj o;
	long late, nr;
	char *map;
	int err;

	err = create_mapped(WPFAULT_TYPE_PFN, WPFAULT_METHOD_PAGETABLE, &o,
			    NPAGES, &map);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	if (err == -EOPNOTSUPP)
		SKIP(return, "no MAPPING_DIRTY_HELPERS or MMU_NOTIFIER: %s",
		     "pfn objects track by unmapping only");
	ASSERT_EQ(0, err);
	munmap(map, NPAGES * page_size);
	for (shape = 0; shape < ZAP_SHAPES; shape++) {
		late = zap_collect(_metadata, o.fd, shape, &nr);
		TH_LOG("%s: %ld of %ld collects reported the page late",
		       zap_names[shape], late, nr);
		EXPECT_EQ(0, late);
	}
	wpf_destroy(&o);
}

TEST_HARNESS_MAIN
