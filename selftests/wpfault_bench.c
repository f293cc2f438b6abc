// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of dirty tracking, cycle by cycle: wpfault's objects and the
 * kernel's own trackers, side by side in one run.  A cycle writes one byte
 * to each of K random distinct pages of an N-page region, then collects
 * the written set, which also restarts tracking; the time of both is the
 * cycle's cost.  Every collected set is checked: a method that misses a
 * written page is a failure, not a number, and extra pages are counted.
 *
 * Each method runs in a process of its own, so that one's work on the
 * address space (clear_refs write-protects every vma of a process, uffd
 * registrations, a SIGSEGV handler) cannot slow another.  The parent
 * sends every method the same page set for a cycle, method after method,
 * and repetitions go round all methods before the next, so that drift of
 * the machine spreads over all of them.
 *
 *   wpfault_bench [-g] [-n pages,...] [-d per-mille,...] [-r reps]
 *                 [-t threads,...] [-m method,...]
 * A repetition runs the shares written rising, then falling: a method
 * that adapts to the share (the adaptive one) meets each after a smaller
 * and after a larger one, and the lines say which ("up", "down").
 * Without -g, a smoke run for the selftests: 1,024 pages, 1 % and 100 %
 * written, up and down, once, with one kselftest result per method;
 * every method must collect each written page of every cycle.  With -g,
 * the grid (by default 1,000, 10,000 and 100,000 pages; 0.1, 1, 10, 50
 * and 100 %; three repetitions; one writer, and at the middle size also
 * two and one per CPU, where per-VMA locks and the pte lock matter), for
 * scripts/bench.sh.  -t sets the writer counts of every size.
 *
 * Besides the time of the writes and of the collect, a cycle counts what
 * does not depend on the machine's speed, the same in any VM: the faults
 * the writes took (getrusage), the module's walks of every mapping of a
 * range (mapping_walks, wpfault's methods only), and, through perf
 * counters on tracepoints in the method's process, the TLB flushes
 * (tlb:tlb_flush, x86 only) and the kernel's allocations (kmem:kmalloc,
 * kmem:kmem_cache_alloc, kmem:mm_page_alloc).  -1 where one cannot be
 * counted, and always in the smoke run: enabling a tracepoint patches
 * kernel text, and under TCG a vCPU has been seen to execute the patch's
 * int3 after the patching ended ("Oops: int3" in flush_tlb_func).  With
 * -g the parent enables them once, before any method runs, and keeps
 * them enabled until all have exited.
 *
 * Each measurement is a line (behind "# " in the smoke run):
 *   cycle,METHOD,PAGES,PER_MILLE,THREADS,REP,DIRTIED,NS,EXTRA,
 *         WRITE_NS,COLLECT_NS,FAULTS,WALKS,FLUSHES,ALLOCS,RUNS,ORDER
 * RUNS is the number of runs of neighbouring pages in the written set,
 * against which the flushes of a collect are read; ORDER is "up" while
 * the shares rise, "down" while they fall.
 *   na,METHOD,REASON           a method this kernel or machine lacks
 * Exit status 1 when a method missed a page or failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "wpfault_util.h"

/* PAGEMAP_SCAN (6.7) and asynchronous uffd-wp, for older libc headers. */
#ifndef PAGEMAP_SCAN
struct page_region {
	__u64 start;
	__u64 end;
	__u64 categories;
};

struct pm_scan_arg {
	__u64 size;
	__u64 flags;
	__u64 start;
	__u64 end;
	__u64 walk_end;
	__u64 vec;
	__u64 vec_len;
	__u64 max_pages;
	__u64 category_inverted;
	__u64 category_mask;
	__u64 category_anyof_mask;
	__u64 return_mask;
};

#define PAGEMAP_SCAN		_IOWR('f', 16, struct pm_scan_arg)
#define PM_SCAN_WP_MATCHING	0x1
#define PAGE_IS_WRITTEN		0x2
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_UNPOPULATED	0x2000
#define UFFD_FEATURE_WP_ASYNC		0x8000
#endif

#define MAX_THREADS	16
/* pagemap entries read at once */
#define PAGEMAP_BATCH	4096

enum method_id {
	M_UNTRACKED, M_PAGECACHE_MKWRITE, M_PAGECACHE_PAGETABLE,
	M_PAGECACHE_ADAPTIVE, M_PFN_MKWRITE, M_PFN_PAGETABLE, M_PFN_ADAPTIVE,
	M_UFFD_ANON, M_UFFD_MEMFD, M_SOFT_DIRTY, M_MPROTECT, NR_METHODS
};

static const char *const method_names[NR_METHODS] = {
	"untracked", "wpfault-pagecache-mkwrite",
	"wpfault-pagecache-pagetable", "wpfault-pagecache-adaptive",
	"wpfault-pfn-mkwrite", "wpfault-pfn-pagetable", "wpfault-pfn-adaptive",
	"uffd-wp-anon", "uffd-wp-memfd", "soft-dirty", "mprotect",
};

/* wpfault's methods: the object type and the tracking method. */
static const struct {
	enum wpfault_type type;
	enum wpfault_method method;
} wpf_methods[NR_METHODS] = {
	[M_PAGECACHE_MKWRITE] = { WPFAULT_TYPE_PAGECACHE,
				  WPFAULT_METHOD_MKWRITE },
	[M_PAGECACHE_PAGETABLE] = { WPFAULT_TYPE_PAGECACHE,
				    WPFAULT_METHOD_PAGETABLE },
	[M_PAGECACHE_ADAPTIVE] = { WPFAULT_TYPE_PAGECACHE,
				   WPFAULT_METHOD_ADAPTIVE },
	[M_PFN_MKWRITE] = { WPFAULT_TYPE_PFN, WPFAULT_METHOD_MKWRITE },
	[M_PFN_PAGETABLE] = { WPFAULT_TYPE_PFN, WPFAULT_METHOD_PAGETABLE },
	[M_PFN_ADAPTIVE] = { WPFAULT_TYPE_PFN, WPFAULT_METHOD_ADAPTIVE },
};

/* One method's region, in its own process. */
struct region {
	enum method_id id;
	char *map;
	size_t pages;
	struct wpf_obj obj;
	int pagemap_fd;
	struct page_region *vec;
	uint64_t *bits;
	char na[128];		/* why the method cannot run, or "" */
};

/* What the parent asks of a method process, and what it answers. */
struct request {
	size_t pages;		/* 0: quit */
	size_t dirtied;
	unsigned int threads;
	uint64_t seed;		/* of the page set */
};

/* What a cycle costs besides time; -1 where it cannot be counted. */
struct counts {
	int64_t faults, walks, flushes, allocs;
};

struct answer {
	int64_t ns;		/* < 0: -errno of a failure */
	int64_t write_ns, collect_ns;
	struct counts counts;
	uint64_t extra;		/* collected but not written */
	uint64_t missed;	/* written but not collected */
	uint64_t runs;		/* of neighbouring pages written */
	char na[128];
};

/* Perf counters on tracepoints, in this process and its threads. */
enum { TP_TLB_FLUSH, TP_KMALLOC, TP_CACHE_ALLOC, TP_PAGE_ALLOC, NR_TPS };

/*
 * tlb:tlb_flush is defined everywhere but emitted by x86 alone: elsewhere
 * it would count 0 flushes, not "unknown".
 */
static const char *const tracepoints[NR_TPS] = {
#ifdef __x86_64__
	[TP_TLB_FLUSH] = "tlb/tlb_flush",
#endif
	[TP_KMALLOC] = "kmem/kmalloc",
	[TP_CACHE_ALLOC] = "kmem/kmem_cache_alloc",
	[TP_PAGE_ALLOC] = "kmem/mm_page_alloc",
};

static int tp_fds[NR_TPS] = { -1, -1, -1, -1 };

/* Opens a counting perf event on tracepoint @event ("sys/name"), or -1. */
static int tracepoint_counter(const char *event)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing/events", DEBUGFS_DIR "/tracing/events",
	};
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		/* The writer threads, started later, count too. */
		.inherit = 1,
	};
	char path[256], id[32];
	size_t i;

	if (!event)
		return -1;
	for (i = 0; i < ARRAY_SIZE(roots); i++) {
		snprintf(path, sizeof(path), "%s/%s/id", roots[i], event);
		if (wpf_read_file(path, id, sizeof(id)) > 0)
			break;
	}
	if (i == ARRAY_SIZE(roots))
		return -1;
	attr.config = strtoull(id, NULL, 10);
	return syscall(SYS_perf_event_open, &attr, 0, -1, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

static int64_t tracepoint_count(int tp)
{
	uint64_t v;

	if (tp_fds[tp] < 0 || read(tp_fds[tp], &v, sizeof(v)) != sizeof(v))
		return -1;
	return v;
}

/* The counts so far, to subtract: faults and walks, flushes, allocs. */
static void counts_read(const struct region *r, struct counts *c)
{
	struct rusage ru;
	int64_t k = 0;
	int tp;

	c->faults = getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_minflt;
	c->walks = r->obj.fd >= 0 ?
		   (int64_t)wpf_stat(r->obj.fd, WPFAULT_STAT_MAPPING_WALKS) :
		   -1;
	c->flushes = tracepoint_count(TP_TLB_FLUSH);
	for (tp = TP_KMALLOC; tp < NR_TPS && k >= 0; tp++) {
		int64_t n = tracepoint_count(tp);

		k = n < 0 ? -1 : k + n;
	}
	c->allocs = k;
}

/* @c becomes the counts since @before; -1 stays -1. */
static void counts_since(struct counts *c, const struct counts *before)
{
	const int64_t *b = &before->faults;
	int64_t *v = &c->faults;
	size_t i;

	for (i = 0; i < sizeof(*c) / sizeof(*v); i++)
		v[i] = v[i] < 0 || b[i] < 0 ? -1 : v[i] - b[i];
}

static struct region *segv_region;

/* mprotect tracking: the first write to a read-only page lands here. */
static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	struct region *r = segv_region;
	char *addr = si->si_addr;
	size_t page;

	if (!r || addr < r->map || addr >= r->map + r->pages * page_size) {
		signal(SIGSEGV, SIG_DFL);
		return;
	}
	page = (addr - r->map) / page_size;
	__atomic_or_fetch(&r->bits[page / 64], 1ULL << (page % 64),
			  __ATOMIC_RELAXED);
	mprotect(r->map + page * page_size, page_size, PROT_READ | PROT_WRITE);
}

static int uffd_wp_register(struct region *r)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_WP_ASYNC |
			    UFFD_FEATURE_WP_UNPOPULATED,
	};
	struct uffdio_register reg = {
		.range = { (uintptr_t)r->map, r->pages * page_size },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (uffd < 0) {
		snprintf(r->na, sizeof(r->na), "userfaultfd: %s",
			 strerror(errno));
		return -1;
	}
	if (ioctl(uffd, UFFDIO_API, &api)) {
		snprintf(r->na, sizeof(r->na),
			 "no asynchronous uffd-wp (6.7 and later)");
		return -1;
	}
	if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		snprintf(r->na, sizeof(r->na), "UFFDIO_REGISTER wp: %s",
			 strerror(errno));
		return -1;
	}
	/* Left open: the registration lives as long as the process. */
	return 0;
}

/*
 * Collects and restarts: the written set into r->bits, returns how many
 * pages or -errno.
 */
static int64_t pagemap_scan(struct region *r)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.flags = PM_SCAN_WP_MATCHING,
		.start = (uintptr_t)r->map,
		.end = (uintptr_t)r->map + r->pages * page_size,
		.vec = (uintptr_t)r->vec,
		.vec_len = r->pages,
		.category_mask = PAGE_IS_WRITTEN,
		.return_mask = PAGE_IS_WRITTEN,
	};
	uint64_t n = 0;
	long i, regions;
	size_t p;

	regions = ioctl(r->pagemap_fd, PAGEMAP_SCAN, &arg);
	if (regions < 0)
		return -errno;
	for (i = 0; i < regions; i++) {
		for (p = (r->vec[i].start - (uintptr_t)r->map) / page_size;
		     p < (r->vec[i].end - (uintptr_t)r->map) / page_size;
		     p++, n++)
			r->bits[p / 64] |= 1ULL << (p % 64);
	}
	return n;
}

static int64_t soft_dirty_scan(struct region *r)
{
	size_t chunk = PAGEMAP_BATCH, p, i, n = 0;
	uint64_t entries[PAGEMAP_BATCH];
	off_t base = (uintptr_t)r->map / page_size * sizeof(uint64_t);

	for (p = 0; p < r->pages; p += chunk) {
		size_t nr = r->pages - p < chunk ? r->pages - p : chunk;

		if (pread(r->pagemap_fd, entries, nr * 8, base + p * 8) !=
		    (ssize_t)(nr * 8))
			return -EIO;
		for (i = 0; i < nr; i++) {
			if (entries[i] & WPF_PM_SOFT_DIRTY) {
				r->bits[(p + i) / 64] |= 1ULL << ((p + i) % 64);
				n++;
			}
		}
	}
	return wpf_clear_soft_dirty() ?: (int64_t)n;
}

/* The collect of each method: the written set into r->bits, restarted. */
static int64_t collect(struct region *r)
{
	size_t words = (r->pages + 63) / 64, w;
	int64_t n = 0;

	memset(r->bits, 0, words * 8);
	switch (r->id) {
	case M_UNTRACKED:
		return 0;
	case M_PAGECACHE_MKWRITE ... M_PFN_ADAPTIVE:
		return wpf_collect(r->obj.fd, 0, r->pages, r->bits);
	case M_UFFD_ANON:
	case M_UFFD_MEMFD:
		return pagemap_scan(r);
	case M_SOFT_DIRTY:
		return soft_dirty_scan(r);
	case M_MPROTECT:
		break;
	default:
		return -EINVAL;
	}
	/* mprotect: the handler set the bits; write-protect those pages. */
	memcpy(r->bits, segv_region->bits, words * 8);
	memset(segv_region->bits, 0, words * 8);
	for (w = 0; w < words; w++) {
		uint64_t word = r->bits[w];

		while (word) {
			size_t page = w * 64 + __builtin_ctzll(word);

			if (mprotect(r->map + page * page_size, page_size,
				     PROT_READ))
				return -errno;
			word &= word - 1;
			n++;
		}
	}
	return n;
}

/* Sets up the region; on failure says why in r->na. */
static int set_up(struct region *r, size_t pages)
{
	size_t len = pages * page_size, i;
	struct sigaction sa = {
		.sa_sigaction = segv_handler,
		.sa_flags = SA_SIGINFO | SA_NODEFER,
	};
	int fd, err;

	r->pages = pages;
	r->bits = calloc((pages + 63) / 64, 8);
	r->vec = calloc(pages, sizeof(*r->vec));
	r->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (!r->bits || !r->vec) {
		snprintf(r->na, sizeof(r->na), "out of memory");
		return -1;
	}
	switch (r->id) {
	case M_PAGECACHE_MKWRITE ... M_PFN_ADAPTIVE:
		err = wpf_create_type_mapped(&r->obj, wpf_methods[r->id].type,
					     pages, &r->map);
		if (!err)
			err = wpf_set_method(r->obj.fd,
					     wpf_methods[r->id].method);
		if (err < 0) {
			snprintf(r->na, sizeof(r->na), "wpfault: %s",
				 err == -ENOENT ? "wpfault.ko is not loaded" :
				 strerror(-err));
			return -1;
		}
		break;
	case M_UFFD_MEMFD:
		fd = memfd_create("wpfault-bench", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, len)) {
			snprintf(r->na, sizeof(r->na), "memfd: %s",
				 strerror(errno));
			return -1;
		}
		r->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			      fd, 0);
		close(fd);
		break;
	default:
		r->map = mmap(NULL, len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	}
	if (r->map == MAP_FAILED) {
		snprintf(r->na, sizeof(r->na), "mmap: %s", strerror(errno));
		return -1;
	}
	/*
	 * Page by page, as wpfault's objects are: a huge page would make
	 * soft-dirty and uffd-wp track 2 MiB at a time.
	 */
	madvise(r->map, len, MADV_NOHUGEPAGE);
	/* Steady state: every page exists before tracking starts. */
	for (i = 0; i < pages; i++)
		r->map[i * page_size] = 1;
	switch (r->id) {
	case M_UFFD_ANON:
	case M_UFFD_MEMFD:
		if (uffd_wp_register(r))
			return -1;
		break;
	case M_SOFT_DIRTY:
		if (r->pagemap_fd < 0 || wpf_clear_soft_dirty()) {
			snprintf(r->na, sizeof(r->na),
				 "no clear_refs or pagemap");
			return -1;
		}
		r->map[0] = 2;
		if (soft_dirty_scan(r) != 1) {
			snprintf(r->na, sizeof(r->na),
				 "no soft-dirty (x86-64 with CONFIG_MEM_SOFT_DIRTY)");
			return -1;
		}
		break;
	case M_MPROTECT:
		segv_region = calloc(1, sizeof(*segv_region));
		if (!segv_region)
			return -1;
		*segv_region = *r;
		segv_region->bits = calloc((pages + 63) / 64, 8);
		sigemptyset(&sa.sa_mask);
		if (!segv_region->bits || sigaction(SIGSEGV, &sa, NULL) ||
		    mprotect(r->map, len, PROT_READ))
			return -1;
		break;
	default:
		break;
	}
	if (r->id != M_MPROTECT) {
		int64_t n = collect(r);

		if (n < 0) {
			snprintf(r->na, sizeof(r->na), "first collect: %s",
				 strerror(-n));
			return -1;
		}
	}
	return 0;
}

static void tear_down(struct region *r)
{
	if (r->map && r->map != MAP_FAILED)
		munmap(r->map, r->pages * page_size);
	if (r->obj.fd > 0)
		wpf_destroy(&r->obj);
	if (r->pagemap_fd >= 0)
		close(r->pagemap_fd);
	free(r->bits);
	free(r->vec);
	if (segv_region) {
		free(segv_region->bits);
		free(segv_region);
		segv_region = NULL;
	}
	memset(r, 0, sizeof(*r));
}

/* The writers of a cycle: thread t writes pages t, t + T, ... of the set. */
struct writers {
	pthread_barrier_t start, done;
	pthread_t tids[MAX_THREADS];
	unsigned int threads;
	char *map;
	size_t *set, nr;
	bool quit;
};

static struct writers wr;

static void write_share(unsigned int t)
{
	size_t i;

	for (i = t; i < wr.nr; i += wr.threads)
		*(volatile char *)(wr.map + wr.set[i] * page_size) = (char)i;
}

static void *writer_main(void *arg)
{
	unsigned int t = (uintptr_t)arg;

	for (;;) {
		pthread_barrier_wait(&wr.start);
		if (wr.quit)
			return NULL;
		write_share(t);
		pthread_barrier_wait(&wr.done);
	}
}

static void writers_start(unsigned int threads)
{
	unsigned int t;

	wr.threads = threads;
	wr.quit = false;
	if (threads == 1)
		return;
	pthread_barrier_init(&wr.start, NULL, threads);
	pthread_barrier_init(&wr.done, NULL, threads);
	for (t = 1; t < threads; t++)
		pthread_create(&wr.tids[t], NULL, writer_main,
			       (void *)(uintptr_t)t);
}

static void writers_stop(void)
{
	unsigned int t;

	wr.quit = true;
	pthread_barrier_wait(&wr.start);
	for (t = 1; t < wr.threads; t++)
		pthread_join(wr.tids[t], NULL);
	pthread_barrier_destroy(&wr.start);
	pthread_barrier_destroy(&wr.done);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* @nr distinct random pages of @pages, from @seed (a partial shuffle). */
static void pick_pages(size_t *set, size_t *all, size_t pages, size_t nr,
		       uint64_t seed)
{
	size_t i;

	for (i = 0; i < pages; i++)
		all[i] = i;
	for (i = 0; i < nr; i++) {
		size_t j = i + wpf_rand(&seed) % (pages - i), tmp = all[i];

		all[i] = all[j];
		all[j] = tmp;
		set[i] = all[i];
	}
}

static void run_cycle(struct region *r, const struct request *q,
		      struct answer *a, size_t *set, size_t *all)
{
	uint64_t *written = calloc((q->pages + 63) / 64, 8);
	struct rusage after_writes;
	struct counts before;
	int64_t start, wrote, collecting, n;
	size_t i, w;

	pick_pages(set, all, q->pages, q->dirtied, q->seed);
	wr.map = r->map;
	wr.set = set;
	wr.nr = q->dirtied;
	counts_read(r, &before);
	start = now_ns();
	if (wr.threads > 1)
		pthread_barrier_wait(&wr.start);
	write_share(0);
	if (wr.threads > 1)
		pthread_barrier_wait(&wr.done);
	wrote = now_ns();
	/* The writes' faults only: the collect's own may touch its buffers. */
	getrusage(RUSAGE_SELF, &after_writes);
	/* Neither phase's time holds the counting between them. */
	collecting = now_ns();
	n = collect(r);
	a->write_ns = wrote - start;
	a->collect_ns = now_ns() - collecting;
	a->ns = n < 0 ? n : a->write_ns + a->collect_ns;
	counts_read(r, &a->counts);
	counts_since(&a->counts, &before);
	a->counts.faults = before.faults < 0 ? -1 :
			   after_writes.ru_minflt - before.faults;
	if (n < 0 || r->id == M_UNTRACKED || !written)
		goto out;
	for (i = 0; i < q->dirtied; i++)
		written[set[i] / 64] |= 1ULL << (set[i] % 64);
	for (w = 0; w < (q->pages + 63) / 64; w++) {
		/* A run starts at a written page after one not written. */
		uint64_t carry = w ? written[w - 1] >> 63 : 0;
		uint64_t after = written[w] << 1 | carry;

		a->missed += __builtin_popcountll(written[w] & ~r->bits[w]);
		a->extra += __builtin_popcountll(r->bits[w] & ~written[w]);
		a->runs += __builtin_popcountll(written[w] & ~after);
	}
out:
	free(written);
}

/* A method's process: sets up per size, runs cycles until told to quit. */
static void method_main(enum method_id id, int in, int out)
{
	struct region r = { .id = id, .pagemap_fd = -1, .obj.fd = -1 };
	size_t *set = NULL, *all = NULL;
	struct request q;
	struct answer a;
	unsigned int threads = 0;
	int tp;

	/* Our own counters, where the parent enabled the tracepoints. */
	for (tp = 0; tp < NR_TPS; tp++) {
		if (tp_fds[tp] >= 0) {
			close(tp_fds[tp]);
			tp_fds[tp] = tracepoint_counter(tracepoints[tp]);
		}
	}

	while (read(in, &q, sizeof(q)) == sizeof(q) && q.pages) {
		memset(&a, 0, sizeof(a));
		if (r.pages != q.pages) {
			tear_down(&r);
			r.id = id;
			r.pagemap_fd = -1;
			r.obj.fd = -1;
			free(set);
			free(all);
			set = calloc(q.pages, sizeof(*set));
			all = calloc(q.pages, sizeof(*all));
			if (set_up(&r, q.pages) || !set || !all)
				snprintf(a.na, sizeof(a.na), "%s",
					 r.na[0] ? r.na : "set-up failed");
		}
		if (!a.na[0] && r.na[0])
			snprintf(a.na, sizeof(a.na), "%s", r.na);
		if (!a.na[0]) {
			if (threads != q.threads) {
				if (threads > 1)
					writers_stop();
				threads = q.threads;
				writers_start(threads);
			}
			run_cycle(&r, &q, &a, set, all);
		}
		if (write(out, &a, sizeof(a)) != sizeof(a))
			break;
	}
	_exit(0);
}

struct child {
	pid_t pid;
	int to, from;
	char na[128];
	unsigned int cycles;
	uint64_t extra;
	bool failed;
};

static const char usage[] =
	"usage: %s [-g] [-n pages,...] [-d per-mille,...] [-r reps]\n"
	"          [-t threads,...] [-m method,...]\n";

/* Parses "a,b,c" into @v (at most @max); returns the count. */
static int parse_list(const char *s, long *v, int max)
{
	int n = 0;

	while (*s && n < max) {
		v[n++] = strtol(s, (char **)&s, 10);
		if (*s == ',')
			s++;
	}
	return n;
}

/*
 * One cycle of every method, on the same page set; prints a line for
 * each.  Returns 1 when a method failed or missed a page.
 */
static int measure_all(struct child *ch, bool *use, struct request *q,
		       long per_mille, int rep, const char *order,
		       const char *line)
{
	int m, failed = 0;

	q->dirtied = q->pages * per_mille / 1000;
	if (!q->dirtied)
		q->dirtied = 1;
	for (m = 0; m < NR_METHODS; m++) {
		struct answer a;

		if (!use[m])
			continue;
		if (write(ch[m].to, q, sizeof(*q)) != sizeof(*q) ||
		    read(ch[m].from, &a, sizeof(a)) != sizeof(a)) {
			printf("# %s died\n", method_names[m]);
			use[m] = false;
			ch[m].failed = true;
			failed = 1;
			continue;
		}
		if (a.na[0]) {
			if (!ch[m].na[0])
				printf("%sna,%s,%s\n", line, method_names[m],
				       a.na);
			snprintf(ch[m].na, sizeof(ch[m].na), "%s", a.na);
			continue;
		}
		if (a.ns < 0 || a.missed) {
			printf("# FAIL %s, %zu pages, %zu written: ",
			       method_names[m], q->pages, q->dirtied);
			printf("%s, %llu missed\n",
			       a.ns < 0 ? strerror(-a.ns) : "no error",
			       (unsigned long long)a.missed);
			ch[m].failed = true;
			failed = 1;
			continue;
		}
		ch[m].cycles++;
		ch[m].extra += a.extra;
		printf("%scycle,%s,%zu,%ld,%u,%d,%zu,%lld,%llu,", line,
		       method_names[m], q->pages, per_mille, q->threads, rep,
		       q->dirtied, (long long)a.ns,
		       (unsigned long long)a.extra);
		printf("%lld,%lld,%lld,%lld,%lld,%lld,%llu,%s\n",
		       (long long)a.write_ns, (long long)a.collect_ns,
		       (long long)a.counts.faults, (long long)a.counts.walks,
		       (long long)a.counts.flushes, (long long)a.counts.allocs,
		       (unsigned long long)a.runs, order);
	}
	return failed;
}

/* The smoke run's verdict, one kselftest result per method. */
static void report_smoke(const struct child *ch, const bool *use)
{
	int m, n = 0;

	for (m = 0; m < NR_METHODS; m++)
		n += use[m] || ch[m].pid;
	ksft_set_plan(n);
	for (m = 0; m < NR_METHODS; m++) {
		if (!ch[m].pid)
			continue;
		if (ch[m].na[0])
			ksft_test_result_skip("%s: %s\n", method_names[m],
					      ch[m].na);
		else if (m == M_UNTRACKED)
			ksft_test_result(!ch[m].failed,
					 "%s: %u cycles (the floor)\n",
					 method_names[m], ch[m].cycles);
		else
			ksft_test_result(!ch[m].failed,
					 "%s: %u cycles, no page missed, %llu extra\n",
					 method_names[m], ch[m].cycles,
					 (unsigned long long)ch[m].extra);
	}
	ksft_finished();
}

/* The measurements to take: the command line's grid. */
struct grid {
	long sizes[8], ratios[8], threads[4];
	int nsizes, nratios, nthreads, reps;
	/* "# " for the smoke run's KTAP comments, "" for -g's CSV */
	const char *line;
	long mid;		/* -g: the size that varies the writers */
	bool use[NR_METHODS];
};

/* -g: the full grid of the benchmark. */
static void full_grid(struct grid *g)
{
	static const long sizes[] = { 1000, 10000, 100000 };
	static const long ratios[] = { 1, 10, 100, 500, 1000 };

	memcpy(g->sizes, sizes, sizeof(sizes));
	g->nsizes = 3;
	memcpy(g->ratios, ratios, sizeof(ratios));
	g->nratios = 5;
	g->reps = 3;
	g->line = "";
	g->threads[1] = 2;
	g->threads[2] = sysconf(_SC_NPROCESSORS_ONLN);
	g->nthreads = g->threads[2] > 2 ? 3 : 2;
	if (g->threads[2] > MAX_THREADS)
		g->threads[2] = MAX_THREADS;
	g->mid = sizes[1];
}

static void parse_args(int argc, char **argv, struct grid *g)
{
	int opt, m, ti;

	while ((opt = getopt(argc, argv, "gn:d:r:t:m:")) != -1) {
		switch (opt) {
		case 'g':
			full_grid(g);
			break;
		case 'n':
			g->nsizes = parse_list(optarg, g->sizes, 8);
			break;
		case 'd':
			g->nratios = parse_list(optarg, g->ratios, 8);
			break;
		case 'r':
			g->reps = atoi(optarg);
			break;
		case 't':
			g->nthreads = parse_list(optarg, g->threads, 4);
			g->mid = 0;
			break;
		case 'm':
			for (m = 0; m < NR_METHODS; m++)
				g->use[m] = strstr(optarg, method_names[m]);
			break;
		default:
			fprintf(stderr, usage, argv[0]);
			exit(2);
		}
	}
	for (ti = 0; ti < g->nthreads; ti++) {
		if (g->threads[ti] < 1 || g->threads[ti] > MAX_THREADS) {
			fprintf(stderr, "1 to %d threads\n", MAX_THREADS);
			exit(2);
		}
	}
}

/* One process per method in use, each talking through two pipes. */
static void start_methods(const struct grid *g, struct child *ch)
{
	int m;

	for (m = 0; m < NR_METHODS; m++) {
		int to[2], from[2];

		if (!g->use[m])
			continue;
		if (pipe(to) || pipe(from))
			exit(1);
		ch[m].pid = fork();
		if (!ch[m].pid) {
			close(to[1]);
			close(from[0]);
			method_main(m, to[0], from[1]);
		}
		close(to[0]);
		close(from[1]);
		ch[m].to = to[1];
		ch[m].from = from[0];
	}
}

/*
 * Every point of the grid; a repetition goes round every ratio, up and
 * then down, first.
 */
static int run_grid(struct grid *g, struct child *ch)
{
	int si, ri, ti, rep, step, failed = 0;

	for (si = 0; si < g->nsizes; si++) {
		for (ti = 0; ti < g->nthreads; ti++) {
			if (g->mid && g->threads[ti] > 1 &&
			    g->sizes[si] != g->mid)
				continue;
			for (rep = 0; rep < g->reps; rep++) {
				for (step = 0; step < 2 * g->nratios; step++) {
					bool up = step < g->nratios;
					const char *order = up ? "up" : "down";
					struct request q = {
						.pages = g->sizes[si],
						.threads = g->threads[ti],
						.seed = (si * 1000ULL + rep) *
							1000 + step,
					};

					ri = up ? step :
					     2 * g->nratios - 1 - step;
					failed |= measure_all(ch, g->use, &q,
							      g->ratios[ri],
							      rep, order,
							      g->line);
				}
			}
		}
	}
	return failed;
}

static int stop_methods(struct child *ch)
{
	int m, failed = 0;

	for (m = 0; m < NR_METHODS; m++) {
		struct request quit = { 0 };

		if (!ch[m].pid)
			continue;
		if (write(ch[m].to, &quit, sizeof(quit)) < 0)
			failed = 1;
		waitpid(ch[m].pid, NULL, 0);
	}
	return failed;
}

int main(int argc, char **argv)
{
	struct grid g = {
		.sizes = { 1024 }, .ratios = { 10, 1000 }, .threads = { 1 },
		.nsizes = 1, .nratios = 2, .nthreads = 1, .reps = 1,
		.line = "# ",
	};
	struct child ch[NR_METHODS] = { 0 };
	int m, failed;

	for (m = 0; m < NR_METHODS; m++)
		g.use[m] = true;
	parse_args(argc, argv, &g);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (*g.line)
		ksft_print_header();
	else
		for (m = 0; m < NR_TPS; m++)
			tp_fds[m] = tracepoint_counter(tracepoints[m]);
	printf("# page size %zu, %ld CPUs\n", page_size,
	       sysconf(_SC_NPROCESSORS_ONLN));
	start_methods(&g, ch);
	failed = run_grid(&g, ch);
	failed |= stop_methods(ch);
	if (*g.line)
		report_smoke(ch, g.use);
	return failed;
}
