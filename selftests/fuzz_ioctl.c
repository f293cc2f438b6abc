// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzers of the ioctls: CREATE, CLEAN, DIRTY_BITMAP and COLLECT,
 * READ_DISK, STATS, SET_METHOD and GET_METHOD, SNAPSHOT and the policies,
 * PIN and UNPIN, commands on the wrong fd and unknown commands; each
 * predicts its result from the documented validation order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

static void check_new_object(struct fuzz *f, int fd, __u64 id, bool cloexec)
{
	int fdflags = fcntl(fd, F_GETFD);

	if (id <= f->last_id)
		mismatch(f, "id %llu not above the last one, %llu", id,
			 f->last_id);
	f->last_id = id;
	if (fdflags < 0 || !(fdflags & FD_CLOEXEC) != !cloexec)
		mismatch(f, "fd %d: F_GETFD gives %d", fd, fdflags);
}

static void check_created(struct fuzz *f, const struct wpfault_create *in,
			  const struct wpfault_create *out, int want_fd,
			  __u64 alive)
{
	struct wpfault_create want = *in;
	struct stat st;

	want.fd = want_fd;
	want.id = out->id;
	if (memcmp(out, &want, sizeof(want)))
		mismatch(f, "returned fd %d (expected %d), or changed input",
			 out->fd, want_fd);
	check_new_object(f, out->fd, out->id,
			 in->flags & WPFAULT_CREATE_CLOEXEC);
	if (fstat(out->fd, &st) || !S_ISREG(st.st_mode) ||
	    (__u64)st.st_size != in->size)
		mismatch(f, "fd %d: fstat fails or gives a wrong size or mode",
			 out->fd);
	if (module_alive(f) != alive + 1)
		mismatch(f, "objects_alive did not grow by one");
	if (out->fd >= 0)
		close(out->fd);
}

int fuzz_create(struct fuzz *f)
{
	struct wpfault_create in, out;
	int exp, got, next_fd;
	struct uptr arg;
	__u64 alive;
	__u32 insert;
	bool large;

	in.size = pick_u64(f);
	in.flags = rnd(f, 4) ? rnd(f, 2) * WPFAULT_CREATE_CLOEXEC |
		   rnd(f, 2) * WPFAULT_CREATE_PMD |
		   rnd(f, 2) * WPFAULT_CREATE_LARGE_FOLIOS |
		   rnd(f, 2) * WPFAULT_CREATE_MIN_FOLIO_ORDER |
		   rnd(f, 3) / 2 * WPFAULT_CREATE_READONLY_INSERT |
		   rnd(f, 3) / 2 * WPFAULT_CREATE_MKWRITE_INSERT : pick_u32(f);
	in.type = rnd(f, 4) ? rnd(f, 2) * WPFAULT_TYPE_PFN : pick_u32(f);
	/* Garbage in the output fields: success must overwrite it. */
	in.id = next_rand(f);
	in.fd = next_rand(f);
	/* Mostly 0, and mostly small otherwise: some orders are valid. */
	in.min_folio_order = rnd(f, 2) ? 0 : rnd(f, 4) ? rnd(f, 12) :
			     pick_u32(f);
	make_ptr(f, &arg, arg_buf, ARENA_ARG_TAIL, 0, &in, sizeof(in));
	describe(f, "CREATE on /dev/wpfault, arg %s:", arg.name);
	field(f, "size", in.size);
	field(f, "flags", in.flags);
	field(f, "type", in.type);
	field(f, "min_folio_order", in.min_folio_order);
	large = in.flags & (WPFAULT_CREATE_LARGE_FOLIOS |
			    WPFAULT_CREATE_MIN_FOLIO_ORDER);
	insert = in.flags & (WPFAULT_CREATE_READONLY_INSERT |
			     WPFAULT_CREATE_MKWRITE_INSERT);

	if (!can_read(&arg, 0, sizeof(in)))
		exp = EFAULT;
	else if (!in.size || in.flags & ~WPFAULT_CREATE_FLAGS ||
		 in.type >= WPFAULT_TYPE_NR ||
		 (in.flags & WPFAULT_CREATE_PMD &&
		  in.type != WPFAULT_TYPE_PFN) ||
		 (large && in.type != WPFAULT_TYPE_PAGECACHE) ||
		 (insert && in.type != WPFAULT_TYPE_PFN) ||
		 insert == (WPFAULT_CREATE_READONLY_INSERT |
			    WPFAULT_CREATE_MKWRITE_INSERT) ||
		 !(in.flags & WPFAULT_CREATE_MIN_FOLIO_ORDER) !=
		 !in.min_folio_order)
		exp = EINVAL;
	else if (in.size > MAX_LFS_FILESIZE)
		exp = EFBIG;
	else if (in.flags & WPFAULT_CREATE_PMD && !f->pmd_objects)
		exp = EOPNOTSUPP;
	else if (insert & WPFAULT_CREATE_MKWRITE_INSERT && !f->mkwrite_insert)
		exp = EOPNOTSUPP;
	else if (large && !f->folio_order)
		exp = EOPNOTSUPP;
	else if (in.min_folio_order > f->folio_order)
		exp = EINVAL;
	else if (!can_write(&arg, 0, sizeof(in)))
		exp = EFAULT;	/* and the object is undone */
	else
		exp = 0;

	next_fd = wpf_lowest_free_fd();
	alive = module_alive(f);
	got = ioctl(f->dev, WPFAULT_IOC_CREATE, arg.p) ? errno : 0;
	if (expect(f, exp, got) && got)
		check_arg(f, &arg, &in, sizeof(in));
	if (!got) {
		memcpy(&out, arg.p, sizeof(out));
		check_created(f, &in, &out, next_fd, alive);
		if (!guard_intact(&arg, sizeof(in)))
			mismatch(f, "bytes after the argument were written");
	}
	if (wpf_lowest_free_fd() != next_fd)
		mismatch(f, "an fd leaked: lowest free fd %d, was %d",
			 wpf_lowest_free_fd(), next_fd);
	if (module_alive(f) != alive)
		mismatch(f, "objects_alive %llu, was %llu", module_alive(f),
			 alive);
	return got;
}

int fuzz_clean(struct fuzz *f)
{
	struct wpfault_clean in, want;
	__u64 first, nr, mask, found;
	struct uptr arg;
	int exp, got;

	in.range.offset = pick_range(f);
	in.range.length = pick_range(f);
	in.pages_cleaned = next_rand(f);
	in.reserved = pick_reserved(f);
	make_ptr(f, &arg, arg_buf, ARENA_ARG_TAIL, 0, &in, sizeof(in));
	describe(f, "CLEAN, arg %s:", arg.name);
	field(f, "offset", in.range.offset);
	field(f, "length", in.range.length);
	field(f, "reserved", in.reserved);
	describe_object(f);

	want = in;
	exp = -model_range(f, &arg, sizeof(in), in.reserved, &in.range,
			   &first, &nr);
	if (!exp) {
		/* The pages are cleaned even if the count cannot be stored. */
		mask = page_mask(first, nr);
		model_harvest(f, mask);
		want.pages_cleaned = __builtin_popcountll(f->dirty & mask);
		found = f->dirty & mask;
		model_clean(f, mask);
		model_collected(f, first, nr, found);
		if (!can_write(&arg, offsetof(struct wpfault_clean,
					      pages_cleaned),
			       sizeof(in.pages_cleaned)))
			exp = EFAULT;
	}

	got = ioctl(f->obj.fd, WPFAULT_IOC_CLEAN, arg.p) ? errno : 0;
	if (expect(f, exp, got))
		check_arg(f, &arg, exp ? &in : &want, sizeof(in));
	return got;
}

int fuzz_bitmap(struct fuzz *f)
{
	const size_t out_off = offsetof(struct wpfault_dirty_bitmap,
					dirty_pages);
	struct wpfault_dirty_bitmap in, want;
	__u64 first, nr, words, word = 0, got_word;
	size_t written = 0, touched = 0;
	/* COLLECT validates as DIRTY_BITMAP, then cleans what it reports. */
	bool collect = !rnd(f, 3);
	struct uptr arg, bm;
	int exp, got;

	in.range.offset = pick_range(f);
	in.range.length = pick_range(f);
	/* Often near the one word that up to 64 pages need. */
	in.bitmap_size = rnd(f, 2) ? rnd(f, 17) : pick_u64(f);
	in.dirty_pages = next_rand(f);
	in.reserved = pick_reserved(f);
	make_ptr(f, &bm, data_buf, ARENA_DATA_TAIL, page_size / 2, NULL, 8);
	in.bitmap = (uintptr_t)bm.p;
	make_ptr(f, &arg, arg_buf, ARENA_ARG_TAIL, 0, &in, sizeof(in));
	describe(f, "%s, arg %s, bitmap %s:",
		 collect ? "COLLECT" : "DIRTY_BITMAP", arg.name, bm.name);
	field(f, "offset", in.range.offset);
	field(f, "length", in.range.length);
	field(f, "bitmap_size", in.bitmap_size);
	field(f, "reserved", in.reserved);
	describe_object(f);

	want = in;
	exp = -model_range(f, &arg, sizeof(in), in.reserved, &in.range,
			   &first, &nr);
	if (!exp) {
		words = (nr + 63) / 64;
		if (in.bitmap_size < words * 8) {
			exp = ERANGE;
		} else if (!can_write(&bm, 0, words * 8)) {
			exp = EFAULT;
			/* clear_user() may zero what fits before it faults. */
			touched = bm.room;
		} else {
			written = words * 8;
			touched = written;
			model_harvest(f, page_mask(first, nr));
			word = (f->dirty >> first) & page_mask(0, nr);
			want.dirty_pages = __builtin_popcountll(word);
			if (!can_write(&arg, out_off, sizeof(in.dirty_pages)))
				exp = EFAULT;
		}
	}

	got = ioctl(f->obj.fd, collect ? WPFAULT_IOC_COLLECT :
		    WPFAULT_IOC_DIRTY_BITMAP, arg.p) ? errno : 0;
	/* Collected, even if the count could not be stored. */
	if (collect && written) {
		model_clean(f, word << first);
		model_collected(f, first, nr, word << first);
	}
	if (!expect(f, exp, got))
		return got;
	check_arg(f, &arg, exp ? &in : &want, sizeof(in));
	if (written && bm.writable) {
		memcpy(&got_word, bm.p, sizeof(got_word));
		if (got_word != word)
			mismatch(f, "bitmap word %#llx, expected %#llx",
				 got_word, word);
	}
	if (!guard_intact(&bm, touched))
		mismatch(f, "the bitmap was written past %zu bytes", touched);
	return got;
}

/*
 * READ_DISK into all of the disk buffer, its tail before the unmapped
 * page, or NULL.  What the disk holds depends on whether writeback ran;
 * the model checks the errno, the count's bound and that nothing past
 * the range was written.
 */
int fuzz_read_disk(struct fuzz *f)
{
	const size_t out_off = offsetof(struct wpfault_disk_read, blocks);
	const size_t size = MAX_PAGES * page_size;
	struct wpfault_disk_read in, want;
	size_t room, touched = 0, i;
	__u64 first, nr;
	struct uptr arg;
	char *buf;
	int exp, got;

	in.range.offset = pick_range(f);
	in.range.length = pick_range(f);
	in.buf_size = rnd(f, 2) ? rnd(f, size + 2) : pick_u64(f);
	in.blocks = next_rand(f);
	in.reserved = pick_reserved(f);
	switch (rnd(f, 3)) {
	case 0:
		room = size;
		break;
	case 1:
		room = rnd(f, size + 1);
		break;
	default:
		room = 0;
		break;
	}
	buf = room ? f->disk_buf + size - room : NULL;
	if (room)
		memset(buf, GUARD, room);
	in.buf = (uintptr_t)buf;
	make_ptr(f, &arg, arg_buf, ARENA_ARG_TAIL, 0, &in, sizeof(in));
	describe(f, "READ_DISK, arg %s, buffer of %zu bytes:", arg.name, room);
	field(f, "offset", in.range.offset);
	field(f, "length", in.range.length);
	field(f, "buf_size", in.buf_size);
	field(f, "reserved", in.reserved);
	describe_object(f);

	want = in;
	exp = -model_range(f, &arg, sizeof(in), in.reserved, &in.range,
			   &first, &nr);
	if (!exp) {
		if (in.buf_size < in.range.length) {
			exp = ERANGE;
		} else if (in.range.length > room) {
			exp = EFAULT;
			touched = room;
		} else {
			touched = in.range.length;
			if (!can_write(&arg, out_off, sizeof(in.blocks)))
				exp = EFAULT;
		}
	}

	got = ioctl(f->obj.fd, WPFAULT_IOC_READ_DISK, arg.p) ? errno : 0;
	if (!expect(f, exp, got))
		return got;
	if (!exp) {
		memcpy(&want.blocks, arg.p + out_off, sizeof(want.blocks));
		if (want.blocks > nr)
			mismatch(f, "%llu blocks in %llu pages", want.blocks,
				 nr);
	}
	check_arg(f, &arg, exp ? &in : &want, sizeof(in));
	for (i = touched; i < room; i++) {
		if ((unsigned char)buf[i] != GUARD) {
			mismatch(f, "the buffer was written at %zu, past %zu",
				 i, touched);
			break;
		}
	}
	return got;
}

/* The counters an object's or the module's stats ioctl copied out. */
static void check_values(struct fuzz *f, bool on_dev, const void *p,
			 __u32 n)
{
	__u64 v[WPFAULT_STAT_NR];

	memcpy(v, p, n * sizeof(v[0]));
	if (on_dev) {
		if (n > WPFAULT_STAT_OBJECTS_ALIVE &&
		    v[WPFAULT_STAT_OBJECTS_ALIVE] != f->alive)
			mismatch(f, "module objects_alive %llu, expected %llu",
				 v[WPFAULT_STAT_OBJECTS_ALIVE], f->alive);
		return;
	}
	if (n > WPFAULT_STAT_PAGES_DIRTIED &&
	    v[WPFAULT_STAT_PAGES_DIRTIED] != f->dirtied)
		mismatch(f, "pages_dirtied %llu, expected %llu",
			 v[WPFAULT_STAT_PAGES_DIRTIED], f->dirtied);
	if (n > WPFAULT_STAT_PAGES_CLEANED &&
	    v[WPFAULT_STAT_PAGES_CLEANED] != f->cleaned)
		mismatch(f, "pages_cleaned %llu, expected %llu",
			 v[WPFAULT_STAT_PAGES_CLEANED], f->cleaned);
	if (n > WPFAULT_STAT_PAGES_RESIDENT &&
	    v[WPFAULT_STAT_PAGES_RESIDENT] > f->pages)
		mismatch(f, "pages_resident %llu, more than the object has",
			 v[WPFAULT_STAT_PAGES_RESIDENT]);
	if (n > WPFAULT_STAT_OBJECTS_ALIVE &&
	    v[WPFAULT_STAT_OBJECTS_ALIVE] != 1)
		mismatch(f, "the object's objects_alive is %llu",
			 v[WPFAULT_STAT_OBJECTS_ALIVE]);
}

int fuzz_stats(struct fuzz *f)
{
	const size_t out_off = offsetof(struct wpfault_stats, nr_stats);
	bool on_dev = rnd(f, 2);
	struct wpfault_stats in, want;
	size_t copied = 0, touched = 0;
	struct uptr arg, vals;
	int exp, got;
	__u32 n;

	in.nr_stats = rnd(f, 2) ? rnd(f, WPFAULT_STAT_NR + 2) : pick_u32(f);
	in.reserved = rnd(f, 4) ? 0 : pick_u32(f);
	n = in.nr_stats < WPFAULT_STAT_NR ? in.nr_stats : WPFAULT_STAT_NR;
	make_ptr(f, &vals, data_buf, ARENA_DATA_TAIL, page_size / 2, NULL,
		 n * sizeof(__u64));
	in.values = (uintptr_t)vals.p;
	make_ptr(f, &arg, arg_buf, ARENA_ARG_TAIL, 0, &in, sizeof(in));
	describe(f, "STATS on %s, arg %s, values %s:",
		 on_dev ? "/dev/wpfault" : "the object", arg.name, vals.name);
	field(f, "nr_stats", in.nr_stats);
	field(f, "reserved", in.reserved);

	want = in;
	want.nr_stats = n;
	if (!can_read(&arg, 0, sizeof(in))) {
		exp = EFAULT;
	} else if (in.reserved) {
		exp = EINVAL;
	} else if (!can_write(&vals, 0, n * sizeof(__u64))) {
		exp = EFAULT;
		/* copy_to_user() may store what fits before it faults. */
		touched = vals.room;
	} else {
		/* The values are copied out before nr_stats. */
		copied = n * sizeof(__u64);
		touched = copied;
		exp = can_write(&arg, out_off, sizeof(in.nr_stats)) ? 0 :
		      EFAULT;
	}

	got = ioctl(on_dev ? f->dev : f->obj.fd, WPFAULT_IOC_STATS, arg.p) ?
	      errno : 0;
	if (!expect(f, exp, got))
		return got;
	check_arg(f, &arg, exp ? &in : &want, sizeof(in));
	if (copied && vals.writable)
		check_values(f, on_dev, vals.p, n);
	if (!guard_intact(&vals, touched))
		mismatch(f, "values written past %zu bytes", touched);
	return got;
}

/* A defined command on an fd that does not have it. */
int fuzz_wrong_fd(struct fuzz *f)
{
	static const unsigned long cmds[] = {
		WPFAULT_IOC_CREATE, WPFAULT_IOC_STATS, WPFAULT_IOC_CLEAN,
		WPFAULT_IOC_DIRTY_BITMAP, WPFAULT_IOC_READ_DISK,
		WPFAULT_IOC_COLLECT, WPFAULT_IOC_SET_METHOD,
		WPFAULT_IOC_GET_METHOD, WPFAULT_IOC_PIN, WPFAULT_IOC_SNAPSHOT,
		WPFAULT_IOC_SET_POLICY, WPFAULT_IOC_GET_POLICY,
		WPFAULT_IOC_UNPIN,
	};
	static const char *const cmd_names[] = {
		"CREATE", "STATS", "CLEAN", "DIRTY_BITMAP", "READ_DISK",
		"COLLECT", "SET_METHOD", "GET_METHOD", "PIN", "SNAPSHOT",
		"SET_POLICY", "GET_POLICY", "UNPIN",
	};
	/* Requests that would succeed on the right fd. */
	union {
		struct wpfault_create create;
		struct wpfault_stats stats;
		struct wpfault_clean clean;
		struct wpfault_dirty_bitmap bitmap;
		struct wpfault_disk_read disk;
		struct wpfault_tracking tracking;
		struct wpfault_pin pin;
		struct wpfault_snapshot snapshot;
		struct wpfault_policy_arg policy;
	} in;
	unsigned int c = rnd(f, ARRAY_SIZE(cmds));
	bool null = c == 1 || rnd(f, 2);
	struct uptr arg;
	int fd, got;

	/* The /dev commands go to the object, the others to /dev. */
	if (null)
		fd = f->null_fd;
	else
		fd = c == 0 || c == 8 ? f->obj.fd : f->dev;
	memset(&in, 0, sizeof(in));
	switch (c) {
	case 0:
		in.create.size = page_size;
		break;
	case 1:
		in.stats.nr_stats = WPFAULT_STAT_NR;
		in.stats.values = (uintptr_t)data_buf;
		break;
	case 2:
		in.clean.range.length = page_size;
		break;
	case 3:
	case 5:
		in.bitmap.range.length = page_size;
		in.bitmap.bitmap = (uintptr_t)data_buf;
		in.bitmap.bitmap_size = sizeof(__u64);
		break;
	case 4:
		in.disk.range.length = page_size;
		in.disk.buf = (uintptr_t)f->disk_buf;
		in.disk.buf_size = page_size;
		break;
	case 8:
		in.pin.addr = (uintptr_t)f->map;
		in.pin.length = page_size;
		break;
	default:	/* methods and policies: the first; no snapshot flags */
		break;
	}
	make_ptr(f, &arg, arg_buf, ARENA_ARG_TAIL, 0, &in, sizeof(in));
	describe(f, "%s on %s, arg %s", cmd_names[c],
		 null ? "/dev/null" : fd == f->obj.fd ? "the object" :
		 "/dev/wpfault", arg.name);
	got = ioctl(fd, cmds[c], arg.p) ? errno : 0;
	if (expect(f, ENOTTY, got))
		check_arg(f, &arg, &in, sizeof(in));
	return got;
}

static bool is_defined(unsigned long cmd)
{
	return cmd == WPFAULT_IOC_CREATE || cmd == WPFAULT_IOC_STATS ||
	       cmd == WPFAULT_IOC_CLEAN || cmd == WPFAULT_IOC_DIRTY_BITMAP ||
	       cmd == WPFAULT_IOC_READ_DISK || cmd == WPFAULT_IOC_COLLECT ||
	       cmd == WPFAULT_IOC_SET_METHOD || cmd == WPFAULT_IOC_GET_METHOD ||
	       cmd == WPFAULT_IOC_PIN || cmd == WPFAULT_IOC_SNAPSHOT ||
	       cmd == WPFAULT_IOC_SET_POLICY || cmd == WPFAULT_IOC_GET_POLICY ||
	       cmd == WPFAULT_IOC_UNPIN;
}

/*
 * Only wpfault's magic: the VFS answers some generic numbers itself
 * before the driver sees them.
 */
int fuzz_unknown(struct fuzz *f)
{
	static const unsigned int nrs[] = {
		0x00, 0x01, 0x02, 0x10, 0x11, 0x12, 0x20, 0x21, 0x22, 0x30,
	};
	unsigned int dir, nr, size;
	bool on_dev = rnd(f, 2);
	unsigned long cmd;
	struct uptr arg;
	int got;

	do {
		dir = rnd(f, 4);
		/* Often a defined number with another direction or size. */
		nr = rnd(f, 2) ? nrs[rnd(f, ARRAY_SIZE(nrs))] : rnd(f, 256);
		size = rnd(f, 2) ? rnd(f, 65) : rnd(f, _IOC_SIZEMASK + 1);
		cmd = _IOC(dir, WPFAULT_IOC_MAGIC, nr, size);
	} while (is_defined(cmd));
	make_ptr(f, &arg, arg_buf, ARENA_ARG_TAIL, 0, NULL, 64);
	describe(f, "command %#lx (dir %u nr %#x size %u) on %s, arg %s", cmd,
		 dir, nr, size, on_dev ? "/dev/wpfault" : "the object",
		 arg.name);
	got = ioctl(on_dev ? f->dev : f->obj.fd, cmd, arg.p) ? errno : 0;
	if (expect(f, ENOTTY, got) && !guard_intact(&arg, 0))
		mismatch(f, "the argument was written");
	return got;
}

/*
 * SET_METHOD and GET_METHOD: page-cache objects know only mkwrite; a pfn
 * object takes any method where the kernel has the helpers.  The struct
 * is copied back whole, after the method is set.
 */
int fuzz_method(struct fuzz *f)
{
	bool set = rnd(f, 4), tracked = f->type != WPFAULT_TYPE_COW;
	struct wpfault_tracking in, want;
	enum wpfault_mode mode;
	struct uptr arg;
	int exp = 0, got;

	in.method = rnd(f, 4) ? rnd(f, WPFAULT_METHOD_NR + 1) : pick_u32(f);
	in.mode = next_rand(f);
	in.flags = next_rand(f);
	in.reserved = rnd(f, 4) ? 0 : pick_u32(f);
	make_ptr(f, &arg, arg_buf, ARENA_ARG_TAIL, 0, &in, sizeof(in));
	describe(f, "%s, arg %s:", set ? "SET_METHOD" : "GET_METHOD",
		 arg.name);
	field(f, "method", in.method);
	field(f, "reserved", in.reserved);
	describe_object(f);

	want = in;
	if (!can_read(&arg, 0, sizeof(in)))
		exp = EFAULT;
	else if (in.reserved)
		exp = EINVAL;
	else if (set && in.method >= WPFAULT_METHOD_NR)
		exp = EINVAL;
	else if (set && in.method != WPFAULT_METHOD_MKWRITE &&
		 (!tracked || f->no_helpers))
		exp = EOPNOTSUPP;
	if (!exp) {
		if (set && tracked) {
			f->method = in.method;
			mode = in.method == WPFAULT_METHOD_PAGETABLE ?
			       WPFAULT_MODE_PAGETABLE :
			       in.method == WPFAULT_METHOD_MKWRITE ?
			       WPFAULT_MODE_MKWRITE : f->mode;
			if (!f->no_helpers)
				model_set_mode(f, mode);
		}
		want.method = tracked ? f->method : WPFAULT_METHOD_MKWRITE;
		want.mode = tracked ? f->mode : WPFAULT_MODE_MKWRITE;
		want.flags = tracked && f->no_helpers ?
			     WPFAULT_TRACKING_NO_HELPERS : 0;
		if (!can_write(&arg, 0, sizeof(in)))
			exp = EFAULT;
	}
	got = ioctl(f->obj.fd, set ? WPFAULT_IOC_SET_METHOD :
		    WPFAULT_IOC_GET_METHOD, arg.p) ? errno : 0;
	if (expect(f, exp, got))
		check_arg(f, &arg, exp ? &in : &want, sizeof(in));
	return got;
}

/*
 * SNAPSHOT: EOPNOTSUPP first on an object of another type; then the
 * argument is read, checked, and written back whole, which must succeed
 * for the snapshot to exist.  A snapshot's disk is the object's, nothing
 * is copied eagerly (no page of the object is pinned), and closing it
 * frees it.
 */
static int fuzz_snapshot(struct fuzz *f)
{
	const size_t len = f->pages * page_size;
	struct wpfault_snapshot in, want, out;
	int exp, got, next_fd;
	char *mine, *its;
	struct uptr arg;

	in.flags = rnd(f, 4) ? rnd(f, 2) * WPFAULT_SNAPSHOT_CLOEXEC :
		   pick_u32(f);
	in.fd = next_rand(f);
	in.id = next_rand(f);
	in.eager_copies = next_rand(f);
	in.reserved = pick_reserved(f);
	make_ptr(f, &arg, arg_buf, ARENA_ARG_TAIL, 0, &in, sizeof(in));
	describe(f, "SNAPSHOT, arg %s:", arg.name);
	field(f, "flags", in.flags);
	field(f, "reserved", in.reserved);
	describe_object(f);
	if (f->type != WPFAULT_TYPE_COW)
		exp = EOPNOTSUPP;
	else if (!can_read(&arg, 0, sizeof(in)))
		exp = EFAULT;
	else if (in.flags & ~WPFAULT_SNAPSHOT_CLOEXEC || in.reserved)
		exp = EINVAL;
	else
		exp = can_write(&arg, 0, sizeof(in)) ? 0 : EFAULT;
	next_fd = wpf_lowest_free_fd();
	got = ioctl(f->obj.fd, WPFAULT_IOC_SNAPSHOT, arg.p) ? errno : 0;
	if (!expect(f, exp, got) || got) {
		if (!got)
			close(((struct wpfault_snapshot *)arg.p)->fd);
		else if (arg.kind == PTR_VALID || arg.kind == PTR_MISALIGNED)
			check_arg(f, &arg, &in, sizeof(in));
		expect_alive(f);
		return got;
	}
	memcpy(&out, arg.p, sizeof(out));
	want = in;
	want.fd = next_fd;
	want.id = out.id;
	want.eager_copies = 0;
	if (memcmp(&out, &want, sizeof(want)))
		mismatch(f, "fd %d, not %d; %llu eager copies; or input",
			 out.fd, next_fd, out.eager_copies);
	check_new_object(f, out.fd, out.id,
			 in.flags & WPFAULT_SNAPSHOT_CLOEXEC);
	mine = malloc(2 * len);
	if (!mine)
		ksft_exit_fail_msg("out of memory\n");
	its = mine + len;
	if (wpf_read_disk(f->obj.fd, 0, f->pages, mine) < 0 ||
	    wpf_read_disk(out.fd, 0, f->pages, its) < 0 ||
	    memcmp(mine, its, len))
		mismatch(f, "the snapshot's disk differs from the object's");
	free(mine);
	f->alive++;
	expect_alive(f);
	close(out.fd);
	f->alive--;
	expect_alive(f);
	return got;
}

/* SET_POLICY and GET_POLICY: the struct is written back after a set. */
static int fuzz_policy(struct fuzz *f)
{
	struct wpfault_policy_arg in, want;
	bool set = rnd(f, 2);
	struct uptr arg;
	int exp, got;

	in.policy = rnd(f, 4) ? rnd(f, WPFAULT_POLICY_NR + 1) : pick_u32(f);
	in.reserved = rnd(f, 4) ? 0 : pick_u32(f);
	make_ptr(f, &arg, arg_buf, ARENA_ARG_TAIL, 0, &in, sizeof(in));
	describe(f, "%s, arg %s:", set ? "SET_POLICY" : "GET_POLICY",
		 arg.name);
	field(f, "policy", in.policy);
	field(f, "reserved", in.reserved);
	describe_object(f);
	if (f->type != WPFAULT_TYPE_COW)
		exp = EOPNOTSUPP;
	else if (!can_read(&arg, 0, sizeof(in)))
		exp = EFAULT;
	else if (in.reserved || (set && in.policy >= WPFAULT_POLICY_NR))
		exp = EINVAL;
	else
		exp = can_write(&arg, 0, sizeof(in)) ? 0 : EFAULT;
	if (set && (!exp || exp == EFAULT) && can_read(&arg, 0, sizeof(in)) &&
	    f->type == WPFAULT_TYPE_COW)
		f->policy = in.policy;
	want = in;
	want.policy = f->policy;
	got = ioctl(f->obj.fd, set ? WPFAULT_IOC_SET_POLICY :
		    WPFAULT_IOC_GET_POLICY, arg.p) ? errno : 0;
	if (expect(f, exp, got))
		check_arg(f, &arg, exp ? &in : &want, sizeof(in));
	return got;
}

int fuzz_cow(struct fuzz *f)
{
	return rnd(f, 2) ? fuzz_snapshot(f) : fuzz_policy(f);
}

/* What a pin of @pages pages at @addr holds must be their bytes now. */
static void check_pin(struct fuzz *f, int fd, const char *addr, __u64 pages)
{
	const size_t len = pages * page_size;
	char *now = malloc(len + 1);

	if (!now)
		ksft_exit_fail_msg("out of memory\n");
	if (pread(fd, now, len + 1, 0) != (ssize_t)len ||
	    memcmp(now, addr, len))
		mismatch(f, "the pin does not read what its pages hold");
	free(now);
	if (ioctl(fd, WPFAULT_IOC_UNPIN) ||
	    !ioctl(fd, WPFAULT_IOC_UNPIN) || errno != EINVAL)
		mismatch(f, "UNPIN, then again: not 0, then EINVAL");
	close(fd);
	if (stat_of(f->dev, WPFAULT_STAT_PINS_HELD))
		mismatch(f, "pins_held is not 0 after the pin's close");
}

/*
 * PIN on /dev/wpfault, of the object's mapping (a pfn object's cannot be
 * pinned: EFAULT), of anonymous memory with an unmapped page after it, or
 * of addresses nothing maps.  A writable pin only of anonymous memory:
 * whether the kernel allows one of the object depends on its version
 * (wpfault_cow tests that).  The argument is written back after the pages
 * are pinned; if that fails, they are released.
 */
int fuzz_pin(struct fuzz *f)
{
	const __u64 ps = page_size;
	const __u64 lengths[] = {
		0, 1, ps - 1, ps, ps + 1, 2 * ps, (MAX_PAGES + 1) * ps,
		((__u64)WPFAULT_PIN_MAX_PAGES + 1) * ps, UINT64_MAX - ps + 1,
	};
	unsigned int target = rnd(f, 4);
	struct wpfault_pin in, want;
	char *base = NULL;
	int exp, got, next_fd;
	__u64 pages;
	struct uptr arg;

	switch (target) {
	case 0:
		base = (char *)f->map;
		in.addr = (uintptr_t)base + rnd(f, f->pages) * ps;
		pages = (uintptr_t)base + f->pages * ps - in.addr;
		break;
	case 1:
		base = f->disk_buf;
		in.addr = (uintptr_t)base + rnd(f, MAX_PAGES) * ps;
		pages = (uintptr_t)base + MAX_PAGES * ps - in.addr;
		break;
	case 2:
		in.addr = (uintptr_t)unmapped_page();
		pages = 0;
		break;
	default:
		in.addr = rnd(f, 2) ? 0 : KERNEL_ADDR;
		pages = 0;
		break;
	}
	pages /= ps;
	if (!rnd(f, 8))
		in.addr += 1 + rnd(f, ps - 1);
	/* Past the anonymous buffer is an unmapped page. */
	in.length = rnd(f, 2) ? (1 + rnd(f, pages + 1)) * ps :
		    lengths[rnd(f, ARRAY_SIZE(lengths))];
	/* Past the object's mapping may be anything: stay inside. */
	if (target == 0 && in.length && !(in.length % ps) &&
	    in.length / ps <= WPFAULT_PIN_MAX_PAGES && in.length / ps > pages)
		in.length = pages * ps;
	in.flags = rnd(f, 4) ? rnd(f, 2) * WPFAULT_PIN_CLOEXEC : pick_u32(f);
	if (target == 1 && rnd(f, 2))
		in.flags |= WPFAULT_PIN_WRITE;
	else if (target != 1)
		in.flags &= ~WPFAULT_PIN_WRITE;
	in.fd = next_rand(f);
	in.reserved = pick_reserved(f);
	make_ptr(f, &arg, arg_buf, ARENA_ARG_TAIL, 0, &in, sizeof(in));
	describe(f, "PIN, arg %s, target %u:", arg.name, target);
	field(f, "addr", in.addr);
	field(f, "length", in.length);
	field(f, "flags", in.flags);
	field(f, "reserved", in.reserved);
	describe_object(f);

	if (!can_read(&arg, 0, sizeof(in)))
		exp = EFAULT;
	else if (in.flags & ~WPFAULT_PIN_FLAGS || in.reserved ||
		 !in.length || in.addr % ps || in.length % ps)
		exp = EINVAL;
	else if (in.length / ps > WPFAULT_PIN_MAX_PAGES)
		exp = E2BIG;
	else if (!base || in.length / ps > pages ||
		 (target == 0 && f->type == WPFAULT_TYPE_PFN))
		exp = EFAULT;
	else
		exp = can_write(&arg, 0, sizeof(in)) ? 0 : EFAULT;
	next_fd = wpf_lowest_free_fd();
	got = ioctl(f->dev, WPFAULT_IOC_PIN, arg.p) ? errno : 0;
	if (!expect(f, exp, got))
		return got;
	if (got) {
		if (arg.kind == PTR_VALID || arg.kind == PTR_MISALIGNED)
			check_arg(f, &arg, &in, sizeof(in));
		if (stat_of(f->dev, WPFAULT_STAT_PINS_HELD))
			mismatch(f, "a failed pin left pages pinned");
		return got;
	}
	want = in;
	want.fd = next_fd;
	check_arg(f, &arg, &want, sizeof(want));
	check_pin(f, next_fd, (char *)(uintptr_t)in.addr, in.length / ps);
	return got;
}
