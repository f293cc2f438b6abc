// SPDX-License-Identifier: GPL-2.0
/*
 * Copy-on-write objects: snapshots share blocks, and the object's policy
 * decides whether a write to a block mapped before reuses it or copies
 * it, the decision discussed in "mm/gup: Allow real explicit breaking of
 * COW" and "Trial do_wp_page() simplification" (Linus Torvalds, August
 * 2020).  Each test runs under every policy (the variants) and asserts
 * that policy's exact counts and what every mapping, pin and pipe reads
 * afterwards:
 *  - refcount, exclusive, copy: a snapshot never sees a later write to
 *    its source, nor the source one to the snapshot, with pins, pipes and
 *    fork in play;
 *  - mapcount: the same, except for a page pinned (or spliced) through a
 *    snapshot that is then closed: the source's next write lands in the
 *    pinned page.  That leak is the policy's documented defect; the test
 *    fails if it stops happening.
 *
 * Then pins (pin fds, RLIMIT_MEMLOCK, what each kernel refuses), and the
 * kernel's own COW over MAP_PRIVATE mappings of page-cache objects, with
 * fork, pins and vmsplice, where 6.1 and 6.2+ differ.
 *
 * A write to a block costs, in the module's counters: a block allocated
 * for it (a hole, a copy) one ->page_mkwrite call and no decision; a
 * block mapped before one call and one decision; a copy one more fault
 * and one more call, which map the copy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/falloc.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define NPAGES	4

/* A snapshot: its fd (or -1) and a mapping of all of it (or MAP_FAILED). */
struct snap {
	int fd;
	char *map;
};

FIXTURE(cow) {
	struct wpf_obj o;	/* the source */
	char *p;		/* all of it, shared and writable */
	struct snap t;		/* a snapshot of it */
	int pipe[2];
	char *buf;
};

/*
 * What the policy does with a write to a block mapped before, when no
 * other object holds it:
 *  @reuses_sole        nothing else references the page;
 *  @reuses_referenced  a pipe holds a reference, the block was the
 *                      object's all along (marked exclusive);
 *  @reuses_pinned_orphan  a pin taken through a snapshot that is gone
 *                      holds it: reusing leaks the write into the pin;
 *  @copies_pinned      a snapshot copies the source's pinned blocks at
 *                      once rather than share them.
 */
FIXTURE_VARIANT(cow) {
	enum wpfault_policy policy;
	int copy_stat;
	int reuse_stat;		/* -1: the policy never reuses */
	bool reuses_sole;
	bool reuses_referenced;
	bool reuses_pinned_orphan;
	bool copies_pinned;
};

FIXTURE_VARIANT_ADD(cow, refcount) {
	.policy = WPFAULT_POLICY_REFCOUNT,
	.copy_stat = WPFAULT_STAT_REFCOUNT_COPIES,
	.reuse_stat = WPFAULT_STAT_REFCOUNT_REUSES,
	.reuses_sole = true,
};

FIXTURE_VARIANT_ADD(cow, mapcount) {
	.policy = WPFAULT_POLICY_MAPCOUNT,
	.copy_stat = WPFAULT_STAT_MAPCOUNT_COPIES,
	.reuse_stat = WPFAULT_STAT_MAPCOUNT_REUSES,
	.reuses_sole = true,
	.reuses_referenced = true,
	.reuses_pinned_orphan = true,
};

FIXTURE_VARIANT_ADD(cow, exclusive) {
	.policy = WPFAULT_POLICY_EXCLUSIVE,
	.copy_stat = WPFAULT_STAT_EXCLUSIVE_COPIES,
	.reuse_stat = WPFAULT_STAT_EXCLUSIVE_REUSES,
	.reuses_sole = true,
	.reuses_referenced = true,
	.copies_pinned = true,
};

FIXTURE_VARIANT_ADD(cow, copy) {
	.policy = WPFAULT_POLICY_COPY,
	.copy_stat = WPFAULT_STAT_COPY_COPIES,
	.reuse_stat = -1,
};

/*
 * CHECK_COW(fd, copies, reuses, [stat] = n, ...): CHECK_STATS with the
 * variant's copy and reuse counters at @copies and @reuses.
 */
#define CHECK_COW(fd, copies, reuses, ...) do {				\
	int64_t __want[WPFAULT_STAT_NR] = { __VA_ARGS__ };		\
	int64_t __reuses = (reuses);					\
	__want[variant->copy_stat] = (copies);				\
	if (variant->reuse_stat >= 0)					\
		__want[variant->reuse_stat] = __reuses;			\
	else								\
		ASSERT_EQ(0, __reuses);					\
	check_stats(_metadata, fd, __want, __LINE__);			\
} while (0)

enum {
	SN = WPFAULT_STAT_SNAPSHOTS,
	BS = WPFAULT_STAT_BLOCKS_SHARED,
	EC = WPFAULT_STAT_EAGER_COPIES,
};

static void fill(char *map, long i, char c)
{
	memset(map + i * page_size, c, page_size);
}

/* Page @i of @map holds @c in every byte. */
static bool page_is(const char *map, long i, char c)
{
	size_t j;

	for (j = 0; j < page_size; j++)
		if (map[i * page_size + j] != c)
			return false;
	return true;
}

/* What page @i of a pin holds now, read into @buf, is all @c. */
static bool pinned_is(int pin_fd, char *buf, long i, char c)
{
	if (pread(pin_fd, buf, page_size, i * page_size) != (ssize_t)page_size)
		return false;
	return page_is(buf, 0, c);
}

/* Snapshots @src into @t and maps all of it. */
static int take_snapshot(int src, struct snap *t, uint64_t *eager_copies)
{
	t->fd = wpf_snapshot(src, eager_copies);
	if (t->fd < 0)
		return t->fd;
	t->map = wpf_map(t->fd, NPAGES, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	return t->map == MAP_FAILED ? -errno : 0;
}

/* Unmaps and closes a snapshot: only pins and pipes keep its blocks. */
static void drop_snapshot(struct snap *t)
{
	if (t->map != MAP_FAILED)
		munmap(t->map, NPAGES * page_size);
	if (t->fd >= 0)
		close(t->fd);
	t->map = MAP_FAILED;
	t->fd = -1;
}

FIXTURE_SETUP(cow)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	self->t.map = MAP_FAILED;
	self->t.fd = -1;
	self->pipe[0] = -1;
	self->pipe[1] = -1;
	self->buf = malloc(page_size);
	ASSERT_NE(NULL, self->buf);
	err = wpf_create_type_mapped(&self->o, WPFAULT_TYPE_COW, NPAGES,
				     &self->p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, wpf_set_policy(self->o.fd, variant->policy));
	ASSERT_EQ(0, pipe(self->pipe));
}

FIXTURE_TEARDOWN(cow)
{
	drop_snapshot(&self->t);
	if (self->p != MAP_FAILED)
		munmap(self->p, NPAGES * page_size);
	if (self->pipe[0] >= 0) {
		close(self->pipe[0]);
		close(self->pipe[1]);
	}
	free(self->buf);
	wpf_destroy(&self->o);
}

/* Puts a reference to page @i of @map in the pipe (vmsplice). */
static int splice_page(int pipe_wr, char *map, long i)
{
	struct iovec iov = { map + i * page_size, page_size };

	return vmsplice(pipe_wr, &iov, 1, 0) == (ssize_t)page_size ? 0 : -errno;
}

TEST_F(cow, a_block_allocated_by_its_write_decides_nothing)
{
	long i;

	for (i = 0; i < NPAGES; i++)
		fill(self->p, i, 'a');
	CHECK_COW(self->o.fd, 0, 0, [W] = NPAGES, [MK] = NPAGES,
		  [BA] = NPAGES, [BL] = NPAGES, [DI] = NPAGES);
}

/* A sole owner's block, written again after a clean. */
TEST_F(cow, a_sole_owner_reuses_unless_the_policy_copies)
{
	long i, n = NPAGES;

	for (i = 0; i < n; i++)
		fill(self->p, i, 'a');
	ASSERT_EQ(n, wpf_clean(self->o.fd, 0, n));
	for (i = 0; i < n; i++)
		fill(self->p, i, 'b');
	for (i = 0; i < n; i++)
		ASSERT_TRUE(page_is(self->p, i, 'b'));
	if (variant->reuses_sole)
		CHECK_COW(self->o.fd, 0, n, [W] = 2 * n, [MK] = 2 * n,
			  [BA] = n, [BL] = n, [DI] = 2 * n, [CL] = n);
	else
		CHECK_COW(self->o.fd, n, 0, [W] = 3 * n, [MK] = 3 * n,
			  [BA] = 2 * n, [BF] = n, [BL] = n, [DI] = 2 * n,
			  [CL] = n);
}

/* A read maps the block first: the write then decides. */
TEST_F(cow, a_write_after_a_read_decides)
{
	ASSERT_EQ(0, self->p[0]);
	fill(self->p, 0, 'a');
	ASSERT_TRUE(page_is(self->p, 0, 'a'));
	if (variant->reuses_sole)
		CHECK_COW(self->o.fd, 0, 1, [R] = 1, [MK] = 1, [BA] = 1,
			  [BL] = 1, [DI] = 1);
	else
		CHECK_COW(self->o.fd, 1, 0, [R] = 1, [W] = 1, [MK] = 2,
			  [BA] = 2, [BF] = 1, [BL] = 1, [DI] = 1);
}

/*
 * After a snapshot, each side's writes stay its own.  The source's first
 * writes find every block shared and copy, whatever the policy; the
 * snapshot's then find blocks it alone holds.
 */
TEST_F(cow, a_snapshot_and_its_source_never_see_each_others_writes)
{
	long i, n = NPAGES;
	uint64_t eager = 1;

	for (i = 0; i < n; i++)
		fill(self->p, i, 'a');
	ASSERT_EQ(0, take_snapshot(self->o.fd, &self->t, &eager));
	ASSERT_EQ(0, eager);
	CHECK_COW(self->o.fd, 0, 0, [W] = n, [MK] = n, [BA] = n, [BL] = n,
		  [DI] = n, [SN] = 1, [BS] = n);
	for (i = 0; i < n; i++)
		ASSERT_TRUE(page_is(self->t.map, i, 'a'));
	CHECK_COW(self->t.fd, 0, 0, [R] = n, [BL] = n, [BS] = n);

	for (i = 0; i < n; i++)
		fill(self->p, i, 'b');
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(page_is(self->p, i, 'b'));
		ASSERT_TRUE(page_is(self->t.map, i, 'a'));
	}
	CHECK_COW(self->o.fd, n, 0, [W] = 3 * n, [MK] = 3 * n,
		  [BA] = 2 * n, [BF] = n, [BL] = n, [DI] = n, [SN] = 1);

	for (i = 0; i < n; i++)
		fill(self->t.map, i, 'c');
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(page_is(self->p, i, 'b'));
		ASSERT_TRUE(page_is(self->t.map, i, 'c'));
	}
	if (variant->reuses_sole)
		CHECK_COW(self->t.fd, 0, n, [R] = n, [MK] = n, [BL] = n,
			  [DI] = n);
	else
		CHECK_COW(self->t.fd, n, 0, [R] = n, [W] = n, [MK] = 2 * n,
			  [BA] = n, [BF] = n, [BL] = n, [DI] = n);
}

/*
 * The pin-after-close case of "mm/gup: Allow real explicit breaking of
 * COW": a read-only pin taken through the snapshot, which is then
 * unmapped and closed; the source writes.  The pin must keep
 * the data of the snapshot; mapcount sees one holder and reuses.
 */
TEST_F(cow, a_pin_through_a_closed_snapshot_keeps_its_data)
{
	uint64_t before = wpf_stat(self->o.dev, WPFAULT_STAT_PINS_HELD);
	int pin_fd;

	fill(self->p, 0, 'a');
	ASSERT_EQ(0, take_snapshot(self->o.fd, &self->t, NULL));
	pin_fd = wpf_pin(self->o.dev, self->t.map, 1, 0);
	ASSERT_LE(0, pin_fd);
	ASSERT_EQ(before + 1, wpf_stat(self->o.dev, WPFAULT_STAT_PINS_HELD));
	drop_snapshot(&self->t);
	ASSERT_EQ(0, wpf_stat(self->o.fd, BS));

	fill(self->p, 0, 'b');
	ASSERT_TRUE(page_is(self->p, 0, 'b'));
	if (variant->reuses_pinned_orphan) {
		ASSERT_TRUE(pinned_is(pin_fd, self->buf, 0, 'b'));
		TH_LOG("mapcount leaked the write into the pin, as expected");
		CHECK_COW(self->o.fd, 0, 1, [W] = 2, [MK] = 2, [BA] = 1,
			  [BL] = 1, [DI] = 1, [SN] = 1);
	} else {
		ASSERT_TRUE(pinned_is(pin_fd, self->buf, 0, 'a'));
		CHECK_COW(self->o.fd, 1, 0, [W] = 3, [MK] = 3, [BA] = 2,
			  [BF] = 1, [BL] = 1, [DI] = 1, [SN] = 1);
	}
	ASSERT_EQ(0, close(pin_fd));
	ASSERT_EQ(before, wpf_stat(self->o.dev, WPFAULT_STAT_PINS_HELD));
}

/* The same with a pipe's reference (vmsplice) instead of a pin. */
TEST_F(cow, a_page_spliced_from_a_closed_snapshot_keeps_its_data)
{
	fill(self->p, 0, 'a');
	ASSERT_EQ(0, take_snapshot(self->o.fd, &self->t, NULL));
	ASSERT_EQ(0, splice_page(self->pipe[1], self->t.map, 0));
	drop_snapshot(&self->t);

	fill(self->p, 0, 'b');
	ASSERT_EQ(page_size, read(self->pipe[0], self->buf, page_size));
	if (variant->reuses_pinned_orphan) {
		ASSERT_TRUE(page_is(self->buf, 0, 'b'));
		TH_LOG("mapcount leaked the write into the pipe, as expected");
	} else {
		ASSERT_TRUE(page_is(self->buf, 0, 'a'));
	}
	ASSERT_TRUE(page_is(self->p, 0, 'b'));
}

/*
 * fork() adds mappings, not holders: the child's entries count in the
 * mapcount that the refcount rule expects, so nothing copies for them.
 * The child's writes to the source after a snapshot copy, and neither
 * side sees the other's.
 */
TEST_F(cow, fork_adds_no_copies_and_keeps_snapshots_apart)
{
	long i, n = NPAGES;
	int status;
	pid_t pid;

	for (i = 0; i < n; i++)
		fill(self->p, i, 'a');
	ASSERT_EQ(0, take_snapshot(self->o.fd, &self->t, NULL));
	for (i = 0; i < n; i++)
		ASSERT_TRUE(page_is(self->p, i, 'a'));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (i = 0; i < n; i++)
			fill(self->p, i, 'b');
		_exit(!page_is(self->t.map, 0, 'a'));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(page_is(self->p, i, 'b'));
		ASSERT_TRUE(page_is(self->t.map, i, 'a'));
	}
	/* The parent's reads of the copies, then its writes. */
	ASSERT_EQ(n, wpf_clean(self->o.fd, 0, n));
	for (i = 0; i < n; i++)
		ASSERT_TRUE(page_is(self->p, i, 'b'));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Maps every page in the child too, then waits. */
		for (i = 0; i < n; i++)
			if (!page_is(self->p, i, 'b'))
				_exit(1);
		pause();
		_exit(0);
	}
	/* Until the child has mapped them all: the read faults say. */
	for (i = 0; i < 10000 && wpf_stat(self->o.fd, R) < 4 * n; i++)
		usleep(1000);
	ASSERT_EQ(4 * n, wpf_stat(self->o.fd, R));
	for (i = 0; i < n; i++)
		fill(self->p, i, 'c');
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	for (i = 0; i < n; i++)
		ASSERT_TRUE(page_is(self->t.map, i, 'a'));
	if (variant->reuses_sole)
		CHECK_COW(self->o.fd, n, n, [R] = 4 * n, [W] = 3 * n,
			  [MK] = 4 * n, [BA] = 2 * n, [BF] = n, [BL] = n,
			  [DI] = 2 * n, [CL] = n, [SN] = 1);
	else
		CHECK_COW(self->o.fd, 2 * n, 0, [R] = 4 * n, [W] = 4 * n,
			  [MK] = 5 * n, [BA] = 3 * n, [BF] = 2 * n, [BL] = n,
			  [DI] = 2 * n, [CL] = n, [SN] = 1);
}

/*
 * Pins taken through the source before a snapshot: the exclusive policy
 * copies those blocks for the snapshot at once and keeps reusing them in
 * the source, so the pins follow the source; the other policies share
 * them, and the source's writes copy them away from the pins.
 */
TEST_F(cow, a_snapshot_copies_pinned_blocks_only_under_exclusive)
{
	long i, n = NPAGES, pinned = 2;
	uint64_t eager = ~0ULL;
	int pins[2];

	for (i = 0; i < n; i++)
		fill(self->p, i, 'a');
	pins[0] = wpf_pin(self->o.dev, PAGE(self->p, 0), 1, 0);
	pins[1] = wpf_pin(self->o.dev, PAGE(self->p, 2), 1, 0);
	ASSERT_LE(0, pins[0]);
	ASSERT_LE(0, pins[1]);
	ASSERT_EQ(0, take_snapshot(self->o.fd, &self->t, &eager));
	for (i = 0; i < n; i++)
		fill(self->p, i, 'b');
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(page_is(self->p, i, 'b'));
		ASSERT_TRUE(page_is(self->t.map, i, 'a'));
	}
	if (variant->copies_pinned) {
		ASSERT_EQ(pinned, eager);
		ASSERT_TRUE(pinned_is(pins[0], self->buf, 0, 'b'));
		ASSERT_TRUE(pinned_is(pins[1], self->buf, 0, 'b'));
		CHECK_COW(self->o.fd, n - pinned, pinned, [W] = 3 * n - pinned,
			  [MK] = 3 * n - pinned, [BA] = 2 * n - pinned,
			  [BF] = n - pinned, [BL] = n,
			  [DI] = n, [SN] = 1, [EC] = pinned);
		CHECK_COW(self->t.fd, 0, 0, [R] = n, [BA] = pinned, [BL] = n);
	} else {
		ASSERT_EQ(0, eager);
		ASSERT_TRUE(pinned_is(pins[0], self->buf, 0, 'a'));
		ASSERT_TRUE(pinned_is(pins[1], self->buf, 0, 'a'));
		CHECK_COW(self->o.fd, n, 0, [W] = 3 * n, [MK] = 3 * n,
			  [BA] = 2 * n, [BF] = n, [BL] = n, [DI] = n,
			  [SN] = 1);
		CHECK_COW(self->t.fd, 0, 0, [R] = n, [BL] = n);
	}
	close(pins[0]);
	close(pins[1]);
}

/*
 * A pipe holds a reference to the sole owner's block: refcount cannot
 * tell it from a sharer and copies; exclusive knows the block was the
 * object's all along and reuses, and so does mapcount.  Either way the
 * object reads its write; the pipe reads the block it referenced.
 */
TEST_F(cow, a_transient_reference_copies_only_under_refcount)
{
	fill(self->p, 0, 'a');
	ASSERT_EQ(0, splice_page(self->pipe[1], self->p, 0));
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, 1));
	fill(self->p, 0, 'b');
	ASSERT_TRUE(page_is(self->p, 0, 'b'));
	ASSERT_EQ(page_size, read(self->pipe[0], self->buf, page_size));
	if (variant->reuses_referenced) {
		ASSERT_TRUE(page_is(self->buf, 0, 'b'));
		CHECK_COW(self->o.fd, 0, 1, [W] = 2, [MK] = 2, [BA] = 1,
			  [BL] = 1, [DI] = 2, [CL] = 1);
	} else {
		ASSERT_TRUE(page_is(self->buf, 0, 'a'));
		CHECK_COW(self->o.fd, 1, 0, [W] = 3, [MK] = 3, [BA] = 2,
			  [BF] = 1, [BL] = 1, [DI] = 2, [CL] = 1);
	}
}

/*
 * A pin of the owner's own block, then a clean and a write: reusing keeps
 * the pin coherent with the object; refcount sees the pin as a sharer and
 * copies the block away from it (the pre-2022 "COW breaks the pin").
 */
TEST_F(cow, a_pin_of_the_owners_block_follows_it_unless_copied)
{
	int pin_fd;

	fill(self->p, 0, 'a');
	pin_fd = wpf_pin(self->o.dev, self->p, 1, 0);
	ASSERT_LE(0, pin_fd);
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, 1));
	fill(self->p, 0, 'b');
	ASSERT_TRUE(page_is(self->p, 0, 'b'));
	ASSERT_TRUE(pinned_is(pin_fd, self->buf, 0,
			      variant->reuses_referenced ? 'b' : 'a'));
	ASSERT_EQ(0, close(pin_fd));
}

/* Snapshots of snapshots; each object frees only what it alone held. */
TEST_F(cow, snapshots_of_snapshots_free_only_their_own_blocks)
{
	struct snap u = { -1, MAP_FAILED };

	fill(self->p, 0, 'a');
	fill(self->p, 1, 'a');
	ASSERT_EQ(0, take_snapshot(self->o.fd, &self->t, NULL));
	fill(self->p, 0, 'b');
	ASSERT_EQ(0, take_snapshot(self->t.fd, &u, NULL));
	fill(self->t.map, 1, 'c');
	ASSERT_TRUE(page_is(self->p, 0, 'b'));
	ASSERT_TRUE(page_is(self->p, 1, 'a'));
	ASSERT_TRUE(page_is(self->t.map, 0, 'a'));
	ASSERT_TRUE(page_is(self->t.map, 1, 'c'));
	/* Page 0 is the snapshot's too, page 1 the source's. */
	ASSERT_EQ(2, wpf_stat(u.fd, BS));
	drop_snapshot(&self->t);
	ASSERT_EQ(1, wpf_stat(u.fd, BS));
	ASSERT_TRUE(page_is(u.map, 0, 'a'));
	ASSERT_TRUE(page_is(u.map, 1, 'a'));
	CHECK_COW(u.fd, 0, 0, [R] = 2, [BL] = 2, [BS] = 1);
	drop_snapshot(&u);
	ASSERT_EQ(0, wpf_stat(self->o.fd, BS));
}

/*
 * A hole punched in half a page the source alone holds, but a pin through
 * a closed snapshot references: the zeroes go to a copy, whatever the
 * policy (the wpfault_stress test found the in-place zeroing).
 */
TEST_F(cow, a_punch_leaves_a_pinned_block_alone)
{
	int pin_fd;

	fill(self->p, 0, 'a');
	ASSERT_EQ(0, take_snapshot(self->o.fd, &self->t, NULL));
	pin_fd = wpf_pin(self->o.dev, self->t.map, 1, 0);
	ASSERT_LE(0, pin_fd);
	drop_snapshot(&self->t);
	ASSERT_EQ(0, fallocate(self->o.fd, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, 0, page_size / 2));
	ASSERT_TRUE(pinned_is(pin_fd, self->buf, 0, 'a'));
	ASSERT_EQ(0, self->p[0]);
	ASSERT_EQ('a', self->p[page_size / 2]);
	ASSERT_EQ(0, close(pin_fd));
}

/* Truncating a shared partial page copies it before zeroing its tail. */
TEST_F(cow, truncation_leaves_a_snapshot_alone)
{
	fill(self->p, 0, 'a');
	ASSERT_EQ(0, take_snapshot(self->o.fd, &self->t, NULL));
	ASSERT_EQ(0, ftruncate(self->o.fd, page_size / 2));
	ASSERT_EQ(0, ftruncate(self->o.fd, NPAGES * page_size));
	ASSERT_TRUE(page_is(self->t.map, 0, 'a'));
	ASSERT_EQ('a', self->p[page_size / 2 - 1]);
	ASSERT_EQ(0, self->p[page_size / 2]);
	ASSERT_EQ(0, wpf_stat(self->o.fd, BS));
}

/* Root has CAP_IPC_LOCK, which lifts the limit: the test drops it. */
static int drop_cap_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int i = CAP_TO_INDEX(CAP_IPC_LOCK);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[i].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[i].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

FIXTURE(pin) {
	struct wpf_obj o;
	char *p;
	char *buf;
};

FIXTURE_SETUP(pin)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->buf = malloc(page_size);
	ASSERT_NE(NULL, self->buf);
	err = wpf_create_type_mapped(&self->o, WPFAULT_TYPE_COW, NPAGES,
				     &self->p);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(pin)
{
	if (self->o.fd >= 0)
		munmap(self->p, NPAGES * page_size);
	free(self->buf);
	wpf_destroy(&self->o);
}

TEST_F(pin, reads_what_the_pages_hold_now_until_unpinned)
{
	uint64_t held = wpf_stat(self->o.dev, WPFAULT_STAT_PINS_HELD);
	uint64_t pages = wpf_stat(self->o.dev, WPFAULT_STAT_PAGES_PINNED);
	int fd;

	fill(self->p, 1, 'a');
	fd = wpf_pin(self->o.dev, self->p, NPAGES, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(held + 1, wpf_stat(self->o.dev, WPFAULT_STAT_PINS_HELD));
	ASSERT_EQ(pages + NPAGES,
		  wpf_stat(self->o.dev, WPFAULT_STAT_PAGES_PINNED));
	ASSERT_TRUE(pinned_is(fd, self->buf, 0, 0));
	ASSERT_TRUE(pinned_is(fd, self->buf, 1, 'a'));
	fill(self->p, 1, 'b');
	ASSERT_TRUE(pinned_is(fd, self->buf, 1, 'b'));
	ASSERT_EQ(0, pread(fd, self->buf, page_size, NPAGES * page_size));

	ASSERT_EQ(0, wpf_unpin(fd));
	ASSERT_EQ(held, wpf_stat(self->o.dev, WPFAULT_STAT_PINS_HELD));
	ASSERT_EQ(pages, wpf_stat(self->o.dev, WPFAULT_STAT_PAGES_PINNED));
	ASSERT_EQ(0, pread(fd, self->buf, page_size, 0));
	ASSERT_EQ(-EINVAL, wpf_unpin(fd));
	ASSERT_EQ(0, close(fd));
}

/* A process that dies holding pins releases them. */
TEST_F(pin, pins_go_with_their_process)
{
	uint64_t held = wpf_stat(self->o.dev, WPFAULT_STAT_PINS_HELD);
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(wpf_pin(self->o.dev, self->p, NPAGES, 0) < 0 ||
		      wpf_pin(self->o.dev, self->p, 1, 0) < 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(held, wpf_stat(self->o.dev, WPFAULT_STAT_PINS_HELD));
}

TEST_F(pin, pinned_pages_count_against_rlimit_memlock)
{
	struct rlimit lim = { 2 * page_size, 2 * page_size };
	int fd;

	ASSERT_EQ(0, drop_cap_ipc_lock());
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &lim));
	ASSERT_EQ(-ENOMEM, wpf_pin(self->o.dev, self->p, 3, 0));
	fd = wpf_pin(self->o.dev, self->p, 2, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-ENOMEM, wpf_pin(self->o.dev, self->p, 1, 0));
	ASSERT_EQ(0, wpf_unpin(fd));
	ASSERT_EQ(0, close(fd));
	fd = wpf_pin(self->o.dev, self->p, 2, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
}

/*
 * A writable long-term pin of a shared mapping that needs dirty tracking
 * (it has ->page_mkwrite): 6.1 pins; since 6.5 (writable_file_mapping_
 * allowed() in mm/gup.c) the kernel refuses, as the device's writes
 * would bypass the file system.
 */
TEST_F(pin, writable_pins_of_tracked_mappings_are_refused_since_6_5)
{
	int fd = wpf_pin(self->o.dev, self->p, 1, WPFAULT_PIN_WRITE);

	if (wpf_kernel_version() >= 605) {
		ASSERT_EQ(-EFAULT, fd);
		return;
	}
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, wpf_stat(self->o.fd, DI));
	ASSERT_EQ(0, close(fd));
}

TEST_F(pin, bad_input_pins_nothing)
{
	uint64_t held = wpf_stat(self->o.dev, WPFAULT_STAT_PINS_HELD);
	struct wpfault_pin arg = { .addr = (uintptr_t)self->p };
	struct wpf_obj pfn;
	int lowest = wpf_lowest_free_fd();
	char *q;

	arg.length = page_size / 2;
	ASSERT_EQ(-1, ioctl(self->o.dev, WPFAULT_IOC_PIN, &arg));
	ASSERT_EQ(EINVAL, errno);
	arg.length = 0;
	ASSERT_EQ(-1, ioctl(self->o.dev, WPFAULT_IOC_PIN, &arg));
	ASSERT_EQ(EINVAL, errno);
	arg.length = page_size;
	arg.flags = 1U << 31;
	ASSERT_EQ(-1, ioctl(self->o.dev, WPFAULT_IOC_PIN, &arg));
	ASSERT_EQ(EINVAL, errno);
	arg.flags = 0;
	arg.reserved = 1;
	ASSERT_EQ(-1, ioctl(self->o.dev, WPFAULT_IOC_PIN, &arg));
	ASSERT_EQ(EINVAL, errno);
	arg.reserved = 0;
	arg.length = ((uint64_t)WPFAULT_PIN_MAX_PAGES + 1) * page_size;
	ASSERT_EQ(-1, ioctl(self->o.dev, WPFAULT_IOC_PIN, &arg));
	ASSERT_EQ(E2BIG, errno);
	/* Then PROT_NONE: the mapped part is not left pinned. */
	q = mmap(NULL, 2 * NPAGES * page_size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(q, mmap(q, NPAGES * page_size, PROT_READ, MAP_SHARED |
			  MAP_FIXED, self->o.fd, 0));
	ASSERT_EQ(-EFAULT, wpf_pin(self->o.dev, q, NPAGES + 1, 0));
	munmap(q, 2 * NPAGES * page_size);
	/* pfn objects map no pages that could be pinned. */
	ASSERT_EQ(0, wpf_create_type_mapped(&pfn, WPFAULT_TYPE_PFN, 1, &q));
	ASSERT_EQ(-EFAULT, wpf_pin(self->o.dev, q, 1, 0));
	munmap(q, page_size);
	wpf_destroy(&pfn);
	ASSERT_EQ(-1, ioctl(self->o.dev, WPFAULT_IOC_PIN, NULL));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(held, wpf_stat(self->o.dev, WPFAULT_STAT_PINS_HELD));
	ASSERT_EQ(lowest, wpf_lowest_free_fd());
}

/*
 * The kernel's own COW over MAP_PRIVATE mappings of page-cache objects
 * (do_cow_fault(), wp_page_copy() and do_wp_page()'s anonymous reuse):
 * wpfault only counts the private write faults that reach ->fault
 * (cow_faults) and checks the data.  /proc/vmstat counts no COW copies
 * or reuses (only KSM's cow_ksm), so the data says which happened.
 */
FIXTURE(kernel_cow) {
	struct wpf_obj o;
	char *shared;		/* all of it, MAP_SHARED */
	char *priv;		/* all of it, MAP_PRIVATE */
	int pipe[2];
	char *buf;
};

FIXTURE_SETUP(kernel_cow)
{
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->priv = MAP_FAILED;
	self->buf = malloc(page_size);
	ASSERT_NE(NULL, self->buf);
	err = wpf_create_mapped(&self->o, NPAGES, &self->shared);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_EQ(0, err);
	self->priv = wpf_map(self->o.fd, NPAGES, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, self->priv);
	ASSERT_EQ(0, pipe(self->pipe));
}

FIXTURE_TEARDOWN(kernel_cow)
{
	if (self->priv != MAP_FAILED)
		munmap(self->priv, NPAGES * page_size);
	if (self->o.fd >= 0) {
		munmap(self->shared, NPAGES * page_size);
		close(self->pipe[0]);
		close(self->pipe[1]);
	}
	free(self->buf);
	wpf_destroy(&self->o);
}

TEST_F(kernel_cow, a_private_write_never_reaches_the_object)
{
	fill(self->priv, 0, 'p');
	ASSERT_TRUE(page_is(self->priv, 0, 'p'));
	ASSERT_TRUE(page_is(self->shared, 0, 0));
	ASSERT_EQ(page_size, pread(self->o.fd, self->buf, page_size, 0));
	ASSERT_TRUE(page_is(self->buf, 0, 0));
	ASSERT_EQ(1, wpf_stat(self->o.fd, COW));
	ASSERT_EQ(0, wpf_stat(self->o.fd, MK));
	ASSERT_EQ(0, wpf_stat(self->o.fd, DI));
}

/* After fork, the anonymous copy is shared until either side writes. */
TEST_F(kernel_cow, parent_and_child_never_see_each_others_private_writes)
{
	int status;
	pid_t pid;

	fill(self->priv, 0, 'p');
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		fill(self->priv, 0, 'c');
		_exit(!page_is(self->priv, 0, 'c'));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_TRUE(page_is(self->priv, 0, 'p'));
	fill(self->priv, 0, 'q');
	ASSERT_TRUE(page_is(self->priv, 0, 'q'));
	ASSERT_TRUE(page_is(self->shared, 0, 0));
	ASSERT_EQ(1, wpf_stat(self->o.fd, COW));
}

/*
 * The child pins the private page it shares with its parent: the kernel
 * gives it a copy of its own first (FAULT_FLAG_UNSHARE, since 5.19), so
 * the parent's later write does not reach the pin.  The child checks its
 * pin after the parent wrote, then exits.
 */
TEST_F(kernel_cow, a_childs_pin_does_not_see_the_parents_later_write)
{
	char go;
	int status, done[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(done));
	fill(self->priv, 0, 'p');
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = wpf_pin(self->o.dev, self->priv, 1, 0);

		if (fd < 0 || write(self->pipe[1], "p", 1) != 1 ||
		    read(done[0], &go, 1) != 1)
			_exit(2);
		_exit(!pinned_is(fd, self->buf, 0, 'p'));
	}
	ASSERT_EQ(1, read(self->pipe[0], &go, 1));
	fill(self->priv, 0, 'q');
	ASSERT_EQ(1, write(done[1], "q", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_TRUE(page_is(self->priv, 0, 'q'));
	close(done[0]);
	close(done[1]);
}

/*
 * CVE-2020-29374: the child splices the shared private page into a pipe
 * and exits; the parent then writes.  Its page is not exclusive (fork
 * shared it) and the pipe holds a reference, so the kernel copies: the
 * pipe keeps the old data.
 */
TEST_F(kernel_cow, a_page_spliced_by_a_child_keeps_its_data)
{
	int status;
	pid_t pid;

	fill(self->priv, 0, 'p');
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(splice_page(self->pipe[1], self->priv, 0) != 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	fill(self->priv, 0, 'q');
	ASSERT_EQ(page_size, read(self->pipe[0], self->buf, page_size));
	ASSERT_TRUE(page_is(self->buf, 0, 'p'));
	ASSERT_TRUE(page_is(self->priv, 0, 'q'));
}

/*
 * A read-only long-term pin through a private mapping of a page-cache
 * page that was only read.  Since 6.2 ("mm/gup: reliable R/O long-term
 * pinning in COW mappings") the kernel first replaces it with an
 * anonymous copy and pins that, so the pin stays what the mapping shows
 * and a later write to the object reaches neither.  6.1 pins the
 * page-cache page itself: the object's write shows in the pin and, the
 * page being still mapped, in the private mapping.
 */
TEST_F(kernel_cow, a_read_only_pin_of_a_private_file_page_depends_on_6_2)
{
	bool unshares = wpf_kernel_version() >= 602;
	int fd;

	fill(self->shared, 0, 'a');
	ASSERT_TRUE(page_is(self->priv, 0, 'a'));
	fd = wpf_pin(self->o.dev, self->priv, 1, 0);
	ASSERT_LE(0, fd);
	fill(self->shared, 0, 'b');
	TH_LOG("%s: the pin holds %s", unshares ? "6.2 and later" : "6.1",
	       unshares ? "an anonymous copy" : "the page-cache page");
	ASSERT_TRUE(pinned_is(fd, self->buf, 0, unshares ? 'a' : 'b'));
	ASSERT_TRUE(page_is(self->priv, 0, unshares ? 'a' : 'b'));
	/* The copy is of a mapped page: no private fault reaches ->fault. */
	ASSERT_EQ(0, wpf_stat(self->o.fd, COW));
	ASSERT_EQ(0, close(fd));
}

TEST(cow_bad_input)
{
	struct wpfault_policy_arg policy = { .policy = WPFAULT_POLICY_NR };
	struct wpfault_snapshot snap = { .flags = 1U << 31 };
	struct wpf_obj o = WPF_OBJ_INIT, pc = o;
	int lowest;
	char *p;

	if (wpf_create_type(&o, page_size, WPFAULT_TYPE_COW) == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_LE(0, o.fd);
	lowest = wpf_lowest_free_fd();
	ASSERT_EQ(-1, ioctl(o.fd, WPFAULT_IOC_SET_POLICY, &policy));
	ASSERT_EQ(EINVAL, errno);
	policy.policy = 0;
	policy.reserved = 1;
	ASSERT_EQ(-1, ioctl(o.fd, WPFAULT_IOC_GET_POLICY, &policy));
	ASSERT_EQ(EINVAL, errno);
	policy.reserved = 0;
	ASSERT_EQ(0, ioctl(o.fd, WPFAULT_IOC_GET_POLICY, &policy));
	ASSERT_EQ(WPFAULT_POLICY_EXCLUSIVE, policy.policy);
	ASSERT_EQ(-1, ioctl(o.fd, WPFAULT_IOC_SNAPSHOT, &snap));
	ASSERT_EQ(EINVAL, errno);
	snap.flags = 0;
	snap.reserved = 1;
	ASSERT_EQ(-1, ioctl(o.fd, WPFAULT_IOC_SNAPSHOT, &snap));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(o.fd, WPFAULT_IOC_SNAPSHOT, NULL));
	ASSERT_EQ(EFAULT, errno);
	/* A result that cannot be written back: no descriptor, no count. */
	p = mmap(NULL, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1, ioctl(o.fd, WPFAULT_IOC_SNAPSHOT, p));
	ASSERT_EQ(EFAULT, errno);
	munmap(p, page_size);
	ASSERT_EQ(lowest, wpf_lowest_free_fd());
	ASSERT_EQ(0, wpf_stat(o.fd, SN));

	/* The kernel's COW would hide the module's: no private mappings. */
	p = mmap(NULL, page_size, PROT_READ, MAP_PRIVATE, o.fd, 0);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, read(o.fd, &policy, 1));
	ASSERT_EQ(EINVAL, errno);

	ASSERT_EQ(0, wpf_create(&pc, page_size));
	ASSERT_EQ(-1, ioctl(pc.fd, WPFAULT_IOC_SNAPSHOT, &snap));
	ASSERT_EQ(EOPNOTSUPP, errno);
	ASSERT_EQ(-1, ioctl(pc.fd, WPFAULT_IOC_SET_POLICY, &policy));
	ASSERT_EQ(EOPNOTSUPP, errno);
	wpf_destroy(&pc);
	wpf_destroy(&o);
}

TEST_HARNESS_MAIN
