// SPDX-License-Identifier: GPL-2.0
/*
 * Edge and random values for every field and pointer of every ioctl
 * (CREATE, CLEAN, DIRTY_BITMAP, STATS, READ_DISK, SET_METHOD, GET_METHOD,
 * SNAPSHOT, SET_POLICY, GET_POLICY, PIN, UNPIN and unknown commands), and
 * for mmap, ftruncate, pwrite, pread, fsync and fallocate, on
 * /dev/wpfault, on an object (each seed runs once with a page-cache
 * object, once with a pfn object and once with a copy-on-write object)
 * and on fds that are neither; pins; and mount, umount and the directory
 * calls on a wpfault mount.  Pointers are valid, NULL, unmapped,
 * read-only, misaligned, straddle a page or point into the kernel; sizes
 * include 2 GiB, 4 GiB and the largest 64-bit values.
 *
 * A model of the validation order of the module and of the VFS
 * (documented in <linux/wpfault.h>) predicts each result,
 * including which error wins when several apply.  Calls that succeed
 * are checked further against a model of the object's dirty pages:
 * returned fields, bitmap words and counters.  On a pfn object the model
 * follows the tracking method too (module/pfn_tracking.c): which ptes are
 * writable and which hold dirty bits no harvest has seen, so that it
 * knows when a write enters the module, when a harvest or a closing vma
 * records it, and when the adaptive method switches.  A snapshot must
 * return the next fd, an id above the last, no eager copies (nothing of
 * the object is pinned then) and a disk equal to the object's; a policy
 * reads back as last set, even when the write-back of a SET failed; a pin
 * of the object's mapping (refused on a pfn object), of anonymous memory
 * or of nothing mapped must read what its pages hold, unpin once, and
 * leave nothing pinned when it fails.
 *
 * On the mount side: up to three wpfault mounts stacked on one directory,
 * with options the VFS takes or refuses; files created, renamed, unlinked
 * and closed; directories; refused links; and umount, EBUSY with a file
 * open unless lazy.  objects_alive is checked against a model after each
 * call.
 *
 * Guard bytes around the buffers catch stores past what a call returns,
 * and stores by calls that fail before their write-back.  At the end no
 * object, page, fd or module reference may remain.
 *
 *   wpfault_fuzz [-s seed] [-n iterations per seed]
 * Without -s it runs seeds 1, 2 and 3, as make check does, or only
 * WPFAULT_FUZZ_SEED if set (a number, or "random" for one from the
 * clock).  Each seed prints a command line that reruns it.
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

#include "kselftest.h"
#include "wpfault_util.h"

#define DEFAULT_ITERATIONS	3000
#define MAX_PAGES		8	/* of the object: one bitmap word */
#define MAX_LFS_FILESIZE	((__u64)INT64_MAX)	/* 64-bit kernels */
#define KERNEL_ADDR		0xffff800000000000UL
#define BUF_SIZE		512	/* valid buffers, guard bytes too */
#define GUARD			0xa5	/* bytes nobody may write */
#define MAX_MOUNTS		3	/* stacked on one directory */

/* Where a user pointer of a call points. */
enum ptr_kind {
	PTR_VALID,
	PTR_MISALIGNED,	/* 1 to 7 bytes into a valid buffer */
	PTR_TAIL,	/* the last bytes before an inaccessible page */
	PTR_RDONLY,	/* readable, so only the write-back fails */
	PTR_NULL,
	PTR_ONE,
	PTR_UNMAPPED,	/* mapped, then unmapped */
	PTR_KERNEL,
	NR_PTR_KINDS
};

static const char *const ptr_names[NR_PTR_KINDS] = {
	"valid", "misaligned", "tail", "read-only", "NULL", "1", "unmapped",
	"kernel",
};

struct uptr {
	enum ptr_kind kind;
	char *p;
	size_t room;		/* bytes from p the kernel can access */
	bool writable;
	char name[48];
};

/* Pages behind the tail and read-only pointers. */
enum {
	ARENA_ARG_TAIL, ARENA_ARG_GUARD, ARENA_DATA_TAIL, ARENA_DATA_GUARD,
	ARENA_RDONLY, ARENA_PAGES
};

enum call {
	CALL_CREATE, CALL_CLEAN, CALL_BITMAP, CALL_STATS, CALL_WRONG_FD,
	CALL_UNKNOWN, CALL_MMAP, CALL_FTRUNCATE, CALL_WRITE, CALL_READ_DISK,
	CALL_FILE_IO, CALL_MOUNT, CALL_METHOD, CALL_COW, CALL_PIN, NR_CALLS
};

static const char *const call_names[NR_CALLS] = {
	"create", "clean", "bitmap_collect", "stats", "command_on_wrong_fd",
	"unknown_command", "mmap", "ftruncate", "page_write", "read_disk",
	"file_io", "mount", "tracking_method", "snapshot_policy", "pin",
};

static const char *const type_names[WPFAULT_TYPE_NR] = {
	[WPFAULT_TYPE_PAGECACHE] = "page-cache",
	[WPFAULT_TYPE_PFN] = "pfn",
	[WPFAULT_TYPE_COW] = "copy-on-write",
};

/* Relative frequencies. */
static const unsigned int call_weights[NR_CALLS] = {
	12, 16, 16, 10, 6, 6, 14, 5, 15, 10, 12, 10, 10, 8, 8,
};

/* Results counted per kind of call, to show what the seeds reached. */
static const int counted[] = {
	0, EFAULT, EINVAL, EFBIG, EOVERFLOW, ENXIO, ERANGE, ENOTTY,
	EOPNOTSUPP, EBUSY, EROFS, EPERM, ENOENT, E2BIG, ENOSPC,
};

#define NR_RESULTS	(ARRAY_SIZE(counted) + 1)	/* and "other" */

struct fuzz {
	uint64_t rng;
	int dev, null_fd;
	struct wpf_obj obj;
	enum wpfault_type type;	/* of obj */
	__u64 size, pages;	/* the object's size, and pages holding it */
	volatile char *map;	/* all its pages, shared and writable */
	/* Model: bit i set when page i is dirty, and the object's counters. */
	__u64 dirty, dirtied, cleaned;
	/*
	 * pfn objects: blocks marked writable (only map's ptes exist), those
	 * written since the last fsync, and pagetable-mode writes that only
	 * a pte's dirty bit knows of; the tracking method and its state.
	 */
	__u64 writable, flush, pte_dirty;
	enum wpfault_method method;
	enum wpfault_mode mode;
	unsigned int streak;
	bool no_helpers;
	enum wpfault_policy policy;	/* copy-on-write objects */
	__u64 alive;		/* objects_alive module-wide, ours included */
	__u64 last_id;
	char *arena;
	char *disk_buf;		/* MAX_PAGES pages, then an unmapped one */
	__u64 results[NR_CALLS][NR_RESULTS];
	__u64 mismatches;
	bool resync;		/* after a mismatch: adopt the kernel's state */
	/* wpfault mounts stacked on mnt_dir, and their linked files. */
	char mnt_dir[64];
	int mounts;
	__u64 mnt_files[MAX_MOUNTS];
	bool mnt_rdonly[MAX_MOUNTS];
	/* One file kept open, in mount mnt_fd_level, and its name. */
	int mnt_fd, mnt_fd_level;
	bool mnt_fd_linked;
	/* Its mount was detached: the files that go when it is closed. */
	bool mnt_fd_detached;
	__u64 mnt_fd_detached_files;
	char mnt_fd_name[32];
	unsigned int mnt_names;	/* for fresh names */
	char desc[320];		/* the current call, for mismatch reports */
};

static __u64 arg_buf[BUF_SIZE / 8], data_buf[BUF_SIZE / 8];

static __u64 next_rand(struct fuzz *f)
{
	return wpf_rand(&f->rng);
}

static __u64 rnd(struct fuzz *f, __u64 n)
{
	return next_rand(f) % n;
}

static __u64 round_up_page(__u64 v)
{
	return (v + page_size - 1) & ~((__u64)page_size - 1);
}

static __u64 page_mask(__u64 first, __u64 nr)
{
	return ((1ULL << nr) - 1) << first;
}

static __u64 min_u64(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

static const char *err_name(int err)
{
	static const char *const names[] = {
		[0] = "success", [EPERM] = "EPERM", [ENXIO] = "ENXIO",
		[EBADF] = "EBADF", [ENOMEM] = "ENOMEM", [EACCES] = "EACCES",
		[EFAULT] = "EFAULT", [ENODEV] = "ENODEV", [EINVAL] = "EINVAL",
		[EMFILE] = "EMFILE", [ENOTTY] = "ENOTTY", [EFBIG] = "EFBIG",
		[ERANGE] = "ERANGE", [EOVERFLOW] = "EOVERFLOW",
		[EOPNOTSUPP] = "EOPNOTSUPP", [E2BIG] = "E2BIG",
		[ENOSPC] = "ENOSPC",
	};

	if (err >= 0 && err < (int)ARRAY_SIZE(names) && names[err])
		return names[err];
	return strerror(err);
}

/* Starts the description of the current call... */
static __printf(2, 3) void describe(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->desc, sizeof(f->desc), fmt, ap);
	va_end(ap);
}

/* ...and adds one of its values. */
static void field(struct fuzz *f, const char *name, __u64 value)
{
	size_t len = strlen(f->desc);

	snprintf(f->desc + len, sizeof(f->desc) - len, " %s %#llx", name,
		 value);
}

static __printf(2, 3) void mismatch(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	f->mismatches++;
	f->resync = true;
	printf("# MISMATCH %s: ", f->desc);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static bool expect(struct fuzz *f, int exp, int got)
{
	if (exp != got)
		mismatch(f, "expected %s, got %s", err_name(exp),
			 err_name(got));
	return exp == got;
}

/* Edge values for a 64-bit field, around the page and the object size. */
static __u64 pick_u64(struct fuzz *f)
{
	const __u64 ps = page_size, size = f->size;
	const __u64 edges[] = {
		0, 1, ps - 1, ps, ps + 1, 2 * ps, 3 * ps, MAX_PAGES * ps,
		size - 1, size, size + 1, round_up_page(size), 1ULL << 31,
		1ULL << 32, INT64_MAX, (__u64)INT64_MAX + 1, UINT64_MAX,
		UINT64_MAX - ps + 1,	/* -page_size */
	};
	__u64 i = rnd(f, ARRAY_SIZE(edges) + 2);

	if (i < ARRAY_SIZE(edges))
		return edges[i];
	/* Uniformly random, or a random multiple of the page size. */
	if (i == ARRAY_SIZE(edges))
		return next_rand(f);
	return next_rand(f) & ~(ps - 1);
}

static __u32 pick_u32(struct fuzz *f)
{
	switch (rnd(f, 5)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return 1U << rnd(f, 32);
	case 3:
		return UINT32_MAX;
	default:
		return next_rand(f);
	}
}

/* Reserved fields are mostly 0, so that the checks after them run. */
static __u64 pick_reserved(struct fuzz *f)
{
	return rnd(f, 4) ? 0 : pick_u64(f);
}

/* Mostly a page multiple near the object, so that some ranges are valid. */
static __u64 pick_range(struct fuzz *f)
{
	if (rnd(f, 4))
		return rnd(f, f->pages + 2) * page_size;
	return pick_u64(f);
}

/* A page that was mapped and no longer is. */
static char *unmapped_page(void)
{
	char *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || munmap(p, page_size))
		ksft_exit_fail_perror("mmap/munmap");
	return p;
}

/*
 * Points @u at a copy of @len bytes of @src (GUARD bytes if @src is NULL),
 * in a place of a random kind.  @valid is a BUF_SIZE buffer, @tail the
 * arena page for tails, @ro_off the place in the read-only page.
 */
static void make_ptr(struct fuzz *f, struct uptr *u, void *valid, int tail,
		     size_t ro_off, const void *src, size_t len)
{
	char *ro = f->arena + ARENA_RDONLY * page_size;
	size_t skip = 0;

	u->kind = rnd(f, 2) ? PTR_VALID : rnd(f, NR_PTR_KINDS);
	u->room = 0;
	u->writable = true;
	switch (u->kind) {
	case PTR_VALID:
	case PTR_MISALIGNED:
		skip = u->kind == PTR_MISALIGNED ? 1 + rnd(f, 7) : 0;
		u->p = (char *)valid + skip;
		u->room = BUF_SIZE - skip;
		break;
	case PTR_TAIL:
		u->room = rnd(f, len + 1);
		u->p = f->arena + (tail + 1) * page_size - u->room;
		break;
	case PTR_RDONLY:
		u->p = ro + ro_off;
		u->room = page_size - ro_off;
		u->writable = false;
		if (mprotect(ro, page_size, PROT_READ | PROT_WRITE))
			ksft_exit_fail_perror("mprotect");
		break;
	case PTR_NULL:
		u->p = NULL;
		break;
	case PTR_ONE:
		u->p = (char *)1;
		break;
	case PTR_UNMAPPED:
		u->p = unmapped_page();
		break;
	default:
		u->p = (char *)KERNEL_ADDR;
		break;
	}
	if (u->room) {
		memset(u->p, GUARD, u->room < BUF_SIZE ? u->room : BUF_SIZE);
		if (src)
			memcpy(u->p, src, len < u->room ? len : u->room);
	}
	if (u->kind == PTR_RDONLY && mprotect(ro, page_size, PROT_READ))
		ksft_exit_fail_perror("mprotect");
	if (u->kind == PTR_MISALIGNED)
		snprintf(u->name, sizeof(u->name), "valid+%zu", skip);
	else if (u->kind == PTR_TAIL)
		snprintf(u->name, sizeof(u->name), "tail(%zu bytes)", u->room);
	else
		snprintf(u->name, sizeof(u->name), "%s", ptr_names[u->kind]);
}

/* Whether the kernel can read or write @len bytes at @off of @u. */
static bool can_read(const struct uptr *u, size_t off, size_t len)
{
	return !len || off + len <= u->room;
}

static bool can_write(const struct uptr *u, size_t off, size_t len)
{
	return !len || (u->writable && off + len <= u->room);
}

/* Nothing wrote the bytes of @u from @from on. */
static bool guard_intact(const struct uptr *u, size_t from)
{
	size_t i;

	if (!u->writable)
		return true;
	for (i = from; i < u->room && i < BUF_SIZE; i++)
		if ((unsigned char)u->p[i] != GUARD)
			return false;
	return true;
}

/* An argument struct holds @want, and nothing after it was written. */
static void check_arg(struct fuzz *f, const struct uptr *arg,
		      const void *want, size_t len)
{
	if (!arg->writable || arg->room < len)
		return;
	if (memcmp(arg->p, want, len))
		mismatch(f, "the argument struct is not as expected");
	if (!guard_intact(arg, len))
		mismatch(f, "bytes after the argument struct were written");
}

/* One counter of an object, or of the module for /dev/wpfault. */
static __u64 stat_of(int fd, enum wpfault_stat stat)
{
	uint64_t v[WPFAULT_STAT_NR];
	int err = wpf_stats(fd, v);

	if (err)
		ksft_exit_fail_msg("stats: %s\n", strerror(-err));
	return v[stat];
}

static __u64 module_alive(struct fuzz *f)
{
	return stat_of(f->dev, WPFAULT_STAT_OBJECTS_ALIVE);
}

/* The new object's fd is the lowest free one, with the asked flags. */
/* A new object's id is above the last one; its fd has the asked flag. */
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

static int fuzz_create(struct fuzz *f)
{
	struct wpfault_create in, out;
	int exp, got, next_fd;
	struct uptr arg;
	__u64 alive;

	in.size = pick_u64(f);
	in.flags = rnd(f, 4) ? rnd(f, 2) * WPFAULT_CREATE_CLOEXEC :
		   pick_u32(f);
	in.type = rnd(f, 4) ? WPFAULT_TYPE_PAGECACHE : pick_u32(f);
	/* Garbage in the output fields: success must overwrite it. */
	in.id = next_rand(f);
	in.fd = next_rand(f);
	in.reserved = rnd(f, 4) ? 0 : pick_u32(f);
	make_ptr(f, &arg, arg_buf, ARENA_ARG_TAIL, 0, &in, sizeof(in));
	describe(f, "CREATE on /dev/wpfault, arg %s:", arg.name);
	field(f, "size", in.size);
	field(f, "flags", in.flags);
	field(f, "type", in.type);
	field(f, "reserved", in.reserved);

	if (!can_read(&arg, 0, sizeof(in)))
		exp = EFAULT;
	else if (!in.size || in.flags & ~WPFAULT_CREATE_FLAGS ||
		 in.type >= WPFAULT_TYPE_NR || in.reserved)
		exp = EINVAL;
	else if (in.size > MAX_LFS_FILESIZE)
		exp = EFBIG;
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

/*
 * The checks CLEAN, DIRTY_BITMAP and READ_DISK share, in the module's
 * order: reading the argument, then module/fs.c wpf_object_range(), which
 * checks the reserved field first.  Returns minus the expected errno, or
 * 0 with the range in pages.
 */
static int model_range(struct fuzz *f, const struct uptr *arg, size_t len,
		       __u64 reserved, const struct wpfault_range *r,
		       __u64 *first, __u64 *nr)
{
	__u64 end;

	if (!can_read(arg, 0, len))
		return -EFAULT;
	if (reserved)
		return -EINVAL;
	if (!r->length || r->offset % page_size || r->length % page_size)
		return -EINVAL;
	if (__builtin_add_overflow(r->offset, r->length, &end))
		return -EOVERFLOW;
	if (end > round_up_page(f->size))
		return -ENXIO;
	*first = r->offset / page_size;
	*nr = r->length / page_size;
	return 0;
}

static void describe_object(struct fuzz *f)
{
	field(f, "(object size", f->size);
	field(f, "dirty", f->dirty);
	strncat(f->desc, ")", sizeof(f->desc) - strlen(f->desc) - 1);
}

/*
 * Records the pages of @mask a pfn object's pte dirty bits or closing
 * vma show written.
 */
static void model_record(struct fuzz *f, __u64 mask)
{
	f->dirtied += __builtin_popcountll(mask & ~f->dirty);
	f->dirty |= mask;
	f->flush |= mask;
}

/* In pagetable mode, calls that read the written set harvest first. */
static void model_harvest(struct fuzz *f, __u64 mask)
{
	if (f->mode != WPFAULT_MODE_PAGETABLE)
		return;
	model_record(f, f->pte_dirty & mask);
	f->pte_dirty &= ~mask;
}

static void model_set_mode(struct fuzz *f, enum wpfault_mode mode)
{
	/* Leaving pagetable write-protects everything, then harvests. */
	if (f->mode == WPFAULT_MODE_PAGETABLE && mode != f->mode) {
		model_harvest(f, page_mask(0, f->pages));
		f->writable = 0;
	}
	if (mode != f->mode)
		f->streak = 0;
	f->mode = mode;
}

/* The pages of @mask were cleaned, and so write-protected. */
static void model_clean(struct fuzz *f, __u64 mask)
{
	__u64 cleaned = f->dirty & mask;

	f->cleaned += __builtin_popcountll(cleaned);
	f->dirty &= ~mask;
	if (f->mode != WPFAULT_MODE_PAGETABLE)
		f->writable &= ~cleaned;
}

/* The adaptive method, after a clean or collect of @nr pages. */
static void model_collected(struct fuzz *f, __u64 nr, __u64 found)
{
	bool other;

	if (f->type != WPFAULT_TYPE_PFN ||
	    f->method != WPFAULT_METHOD_ADAPTIVE)
		return;
	if (f->mode == WPFAULT_MODE_MKWRITE)
		other = found * WPFAULT_ADAPTIVE_DENSE > nr;
	else
		other = found * WPFAULT_ADAPTIVE_SPARSE < nr;
	f->streak = other ? f->streak + 1 : 0;
	if (f->streak < WPFAULT_ADAPTIVE_STREAK)
		return;
	model_set_mode(f, f->mode == WPFAULT_MODE_MKWRITE ?
		       WPFAULT_MODE_PAGETABLE : WPFAULT_MODE_MKWRITE);
}

static int fuzz_clean(struct fuzz *f)
{
	struct wpfault_clean in, want;
	__u64 first, nr, mask;
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
		model_clean(f, mask);
		model_collected(f, nr, want.pages_cleaned);
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

static int fuzz_bitmap(struct fuzz *f)
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
		model_collected(f, nr, __builtin_popcountll(word));
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
static int fuzz_read_disk(struct fuzz *f)
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

static int fuzz_stats(struct fuzz *f)
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
static int fuzz_wrong_fd(struct fuzz *f)
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
static int fuzz_unknown(struct fuzz *f)
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

/* Up to a few times the object: past that mm can fail first. */
static __u64 pick_mmap_len(struct fuzz *f)
{
	const __u64 ps = page_size, size = f->size;
	const __u64 edges[] = {
		0, 1, ps - 1, ps, ps + 1, size - 1, size, size + 1,
		round_up_page(size), round_up_page(size) + 1,
	};
	__u64 i = rnd(f, ARRAY_SIZE(edges) + 1);

	if (i < ARRAY_SIZE(edges))
		return edges[i];
	return 1 + rnd(f, 3 * round_up_page(size));
}

/*
 * Unaligned offsets of any value; aligned ones stay far below
 * MAX_LFS_FILESIZE, near which mm refuses with EOVERFLOW before ->mmap.
 */
static __u64 pick_mmap_off(struct fuzz *f)
{
	switch (rnd(f, 3)) {
	case 0:
		return rnd(f, f->pages + 2) * page_size;
	case 1:
		return pick_u64(f) | (1 + rnd(f, page_size - 1));
	default:
		return pick_u64(f) & ~((__u64)page_size - 1) &
		       ((1ULL << 40) - 1);
	}
}

static int fuzz_mmap(struct fuzz *f)
{
	static const int prots[] = {
		PROT_READ, PROT_WRITE, PROT_READ | PROT_WRITE,
	};
	__u64 len = pick_mmap_len(f), off = pick_mmap_off(f), pgoff;
	int prot = prots[rnd(f, ARRAY_SIZE(prots))];
	bool shared = rnd(f, 2);
	int exp, got;
	long p;

	describe(f, "mmap %s:", shared ? "MAP_SHARED" : "MAP_PRIVATE");
	field(f, "length", len);
	field(f, "offset", off);
	field(f, "prot", prot);
	describe_object(f);
	pgoff = off / page_size;
	/* Past end of file too: only an access there is refused. */
	if (!len || off % page_size)
		exp = EINVAL;
	else if (!shared && f->type != WPFAULT_TYPE_PAGECACHE)
		exp = EINVAL;	/* pfn and cow objects: shared only */
	else
		exp = 0;
	/* The system call itself: libc may check the offset first. */
	p = syscall(SYS_mmap, NULL, len, prot,
		    shared ? MAP_SHARED : MAP_PRIVATE, f->obj.fd, off);
	got = p == -1 ? errno : 0;
	if (expect(f, exp, got) && !got && p % page_size)
		mismatch(f, "address %#lx not page aligned", p);
	if (!got && munmap((void *)p, len))
		mismatch(f, "munmap: %s", strerror(errno));
	/* Its ptes went unseen: what it may have had writable counts. */
	if (!got && f->mode == WPFAULT_MODE_PAGETABLE && pgoff < f->pages)
		model_record(f, f->writable &
			     page_mask(pgoff, min_u64((len + page_size - 1) /
						      page_size,
						      f->pages - pgoff)));
	return got;
}

static int fuzz_ftruncate(struct fuzz *f)
{
	struct stat st;
	int exp, got;
	__u64 keep;
	__s64 len;

	if (rnd(f, 3))
		len = rnd(f, (f->pages + 3) * page_size + 1);
	else
		len = (__s64)(pick_u64(f) | (1ULL << 63));
	describe(f, "ftruncate to %lld", len);
	describe_object(f);
	exp = len < 0 ? EINVAL : 0;
	got = ftruncate(f->obj.fd, len) ? errno : 0;
	expect(f, exp, got);
	if (got)
		return got;
	/* Pages wholly past the new end of file go, and their dirt. */
	if ((__u64)len < f->size) {
		keep = page_mask(0, (len + page_size - 1) / page_size);
		f->dirty &= keep;
		f->writable &= keep;
		f->flush &= keep;
		f->pte_dirty &= keep;
	}
	if (ftruncate(f->obj.fd, f->size))
		ksft_exit_fail_msg("restoring the size %llu: %s\n", f->size,
				   strerror(errno));
	if (fstat(f->obj.fd, &st) || (__u64)st.st_size != f->size)
		mismatch(f, "the size was not restored");
	return got;
}

static int fuzz_write(struct fuzz *f)
{
	__u64 page = rnd(f, f->pages), bit = 1ULL << page;
	bool pagetable = f->mode == WPFAULT_MODE_PAGETABLE;

	f->map[page * page_size] = next_rand(f);
	if (pagetable)
		f->pte_dirty |= bit;
	/* A writable pte: the module does not see the write. */
	if (f->type == WPFAULT_TYPE_PFN && (f->writable & bit))
		return 0;
	if (!(f->dirty & bit))
		f->dirtied++;
	f->dirty |= bit;
	if (f->type == WPFAULT_TYPE_PFN) {
		f->writable |= bit;
		f->flush |= bit;
	}
	return 0;
}

/* pwrite() of [@off, @off + @len) records its pages in the written set. */
static void model_pwrite(struct fuzz *f, __u64 off, __u64 len)
{
	__u64 page;

	for (page = off / page_size; len && page <= (off + len - 1) / page_size;
	     page++) {
		if (!(f->dirty & (1ULL << page)))
			f->dirtied++;
		f->dirty |= 1ULL << page;
	}
}

/*
 * File calls, inside the object or with a bad offset, length or buffer:
 * pwrite and pread (through the page cache; EINVAL on a pfn object),
 * fsync, fdatasync, and
 * fallocate: allocation (which may grow the file: the size is restored),
 * ZERO_RANGE and PUNCH_HOLE, but no COLLAPSE_RANGE (the VFS checks offset
 * and length first).  Writes record the pages they touch in the written
 * set, and nothing else here changes it.
 */
/*
 * A pfn object's fsync unmaps the blocks it flushes, except in pagetable
 * mode, where it only harvests.
 */
static void model_fsync(struct fuzz *f)
{
	if (f->type != WPFAULT_TYPE_PFN)
		return;
	if (f->mode == WPFAULT_MODE_PAGETABLE)
		model_harvest(f, page_mask(0, f->pages));
	else
		f->writable &= ~f->flush;
	f->flush = 0;
}

/* A hole punch unmaps and frees whole pages; the written set keeps them. */
static void model_punch(struct fuzz *f, __u64 off, __u64 len)
{
	__u64 end = off + len < f->size ? off + len : f->size;
	__u64 first = (off + page_size - 1) / page_size, mask;

	if (f->type != WPFAULT_TYPE_PFN || first >= end / page_size)
		return;
	mask = page_mask(first, end / page_size - first);
	model_harvest(f, mask);
	f->writable &= ~mask;
	f->flush &= ~mask;
}

static int fuzz_file_io(struct fuzz *f)
{
	static const int modes[] = {
		FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
		FALLOC_FL_KEEP_SIZE, FALLOC_FL_ZERO_RANGE,
		FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_COLLAPSE_RANGE,
	};
	struct stat st;
	__u64 pages;
	__s64 off = rnd(f, 4) ? (__s64)rnd(f, f->size) : (__s64)pick_u64(f);
	__u64 room, len;
	void *buf = rnd(f, 5) ? data_buf : NULL;
	int exp = 0, got = 0, mode;
	bool write;
	ssize_t n, want;

	switch (rnd(f, 5)) {
	case 0:
	case 1:
		/* Within the object: growing it is ftruncate's business. */
		if (off >= 0 && (__u64)off >= f->size)
			off = rnd(f, f->size);
		room = off < 0 ? BUF_SIZE : f->size - off;
		len = rnd(f, (room < BUF_SIZE ? room : BUF_SIZE) + 1);
		write = rnd(f, 2);
		describe(f, "%s %llu bytes at %lld, buffer %s",
			 write ? "pwrite" : "pread", len, (long long)off,
			 buf ? "valid" : "NULL");
		describe_object(f);
		/* pfn and cow objects have no read or write method at all. */
		if (off < 0 || f->type != WPFAULT_TYPE_PAGECACHE)
			exp = EINVAL;
		else if (len && !buf)
			exp = EFAULT;
		want = exp ? -1 : (ssize_t)len;
		if (write) {
			n = pwrite(f->obj.fd, buf, len, off);
			if (!exp)
				model_pwrite(f, off, len);
		} else {
			n = pread(f->obj.fd, buf, len, off);
		}
		got = n < 0 ? errno : 0;
		if (expect(f, exp, got) && n != want)
			mismatch(f, "%zd bytes, not %zd", n, want);
		return got;
	case 2:
		describe(f, "fsync");
		got = fsync(f->obj.fd) ? errno : 0;
		model_fsync(f);
		break;
	case 3:
		describe(f, "fdatasync");
		got = fdatasync(f->obj.fd) ? errno : 0;
		model_fsync(f);
		break;
	default:
		mode = modes[rnd(f, ARRAY_SIZE(modes))];
		len = rnd(f, 2) ? rnd(f, f->size + 1) : pick_u64(f);
		describe(f, "fallocate mode %#x, %lld at %lld", mode,
			 (long long)len, (long long)off);
		describe_object(f);
		pages = off < 0 ? 0 : ((__u64)off + len - 1) / page_size -
				      (__u64)off / page_size + 1;
		if (off < 0 || (__s64)len <= 0)
			exp = EINVAL;
		else if ((__u64)off + len > MAX_LFS_FILESIZE)
			exp = EFBIG;
		else if (mode == FALLOC_FL_COLLAPSE_RANGE)
			exp = EOPNOTSUPP;
		/* More than half the memory is ENOSPC; 2^30 pages surely. */
		else if (!(mode & FALLOC_FL_PUNCH_HOLE) && pages >= 1ULL << 30)
			exp = ENOSPC;
		got = fallocate(f->obj.fd, mode, off, len) ? errno : 0;
		/* Between the two, the machine's memory decides. */
		if (!exp && got == ENOSPC &&
		    !(mode & FALLOC_FL_PUNCH_HOLE) && pages > 64)
			exp = ENOSPC;
		if (!exp &&
		    mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
			model_punch(f, off, len);
		expect(f, exp, got);
		/* fallocate() may have grown the file: back to the model's. */
		if (!got && (fstat(f->obj.fd, &st) ||
			     (__u64)st.st_size != f->size) &&
		    ftruncate(f->obj.fd, f->size))
			ksft_exit_fail_msg("restoring the size %llu: %s\n",
					   f->size, strerror(errno));
		return got;
	}
	expect(f, 0, got);
	return got;
}

/*
 * SET_METHOD and GET_METHOD: page-cache objects know only mkwrite; a pfn
 * object takes any method where the kernel has the helpers.  The struct
 * is copied back whole, after the method is set.
 */
static int fuzz_method(struct fuzz *f)
{
	bool set = rnd(f, 4), pfn = f->type == WPFAULT_TYPE_PFN;
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
		 (!pfn || f->no_helpers))
		exp = EOPNOTSUPP;
	if (!exp) {
		if (set && pfn) {
			f->method = in.method;
			f->streak = 0;
			mode = in.method == WPFAULT_METHOD_PAGETABLE ?
			       WPFAULT_MODE_PAGETABLE :
			       in.method == WPFAULT_METHOD_MKWRITE ?
			       WPFAULT_MODE_MKWRITE : f->mode;
			if (!f->no_helpers)
				model_set_mode(f, mode);
		}
		want.method = pfn ? f->method : WPFAULT_METHOD_MKWRITE;
		want.mode = pfn ? f->mode : WPFAULT_MODE_MKWRITE;
		want.flags = pfn && f->no_helpers ?
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
 * The mountable file system: a stack of wpfault mounts on one directory,
 * with files made, renamed, unlinked and closed in it.  Each file is an
 * object, so objects_alive follows a model: a file lives while it is
 * linked or open, and the linked files of a superblock go when its last
 * mount does (at umount, or, for a lazily detached one, at the close of
 * its last open file).  Only the top mount's names are visible.
 */
enum mount_op {
	MNT_OP_MOUNT, MNT_OP_UMOUNT, MNT_OP_CREATE, MNT_OP_UNLINK,
	MNT_OP_RENAME, MNT_OP_CLOSE, MNT_OP_DIR, MNT_OP_NO_LINKS, NR_MNT_OPS
};

static const struct {
	const char *data;
	int err;		/* of mount(2) */
	bool rdonly;
} mount_data[] = {
	{ "", 0, false },
	{ "ro", 0, true },	/* the VFS's own superblock flags */
	{ "rw", 0, false },
	{ "size=1", EINVAL, false },	/* wpfault takes no options */
	{ "nonsense", EINVAL, false },
	{ "source=x", EINVAL, false },	/* mount(2) gave one already */
};

/* @name in the mount directory, in @buf of PATH_MAX bytes. */
static char *in_mount(struct fuzz *f, const char *name, char *buf)
{
	snprintf(buf, PATH_MAX, "%s/%s", f->mnt_dir, name);
	return buf;
}

static void expect_alive(struct fuzz *f)
{
	__u64 alive = module_alive(f);

	if (alive != f->alive)
		mismatch(f, "objects_alive is %llu, not %llu", alive, f->alive);
	f->alive = alive;
}

/* The open file's name resolves to it: linked, in the top mount. */
static bool mount_file_visible(struct fuzz *f)
{
	return f->mnt_fd >= 0 && f->mnt_fd_linked && !f->mnt_fd_detached &&
	       f->mnt_fd_level == f->mounts - 1;
}

/* unlink and rename of its name: a read-only mount refuses them first. */
static int mount_name_change_error(struct fuzz *f)
{
	int err = mount_file_visible(f) ? 0 : ENOENT;

	if (f->mounts && f->mnt_rdonly[f->mounts - 1])
		err = EROFS;
	return err;
}

static int mount_close(struct fuzz *f)
{
	describe(f, "close of the file open in a wpfault mount");
	if (f->mnt_fd < 0)
		return 0;
	close(f->mnt_fd);
	f->mnt_fd = -1;
	f->alive -= !f->mnt_fd_linked;
	if (f->mnt_fd_detached)
		f->alive -= f->mnt_fd_detached_files;
	f->mnt_fd_detached = false;
	expect_alive(f);
	return 0;
}

static int mount_mount(struct fuzz *f)
{
	unsigned int i = rnd(f, ARRAY_SIZE(mount_data));
	unsigned long flags = 0;
	int got;

	if (!rnd(f, 4))
		flags |= MS_RDONLY;
	if (rnd(f, 2))
		flags |= MS_NOSUID | MS_NODEV | MS_NOEXEC;
	describe(f, "mount -o '%s' (flags %#lx) on %d mounts",
		 mount_data[i].data, flags, f->mounts);
	if (f->mounts == MAX_MOUNTS)
		return 0;
	got = mount("none", f->mnt_dir, "wpfault", flags, mount_data[i].data) ?
	      errno : 0;
	if (!expect(f, mount_data[i].err, got) || got)
		return got;
	f->mnt_files[f->mounts] = 0;
	f->mnt_rdonly[f->mounts] = mount_data[i].rdonly || (flags & MS_RDONLY);
	f->mounts++;
	return 0;
}

/* A mount with a file open is busy, unless detached lazily. */
static int mount_umount(struct fuzz *f)
{
	bool busy = f->mnt_fd >= 0 && !f->mnt_fd_detached &&
		    f->mnt_fd_level == f->mounts - 1;
	int lazy = rnd(f, 2) ? MNT_DETACH : 0;
	int exp = 0, got;

	describe(f, "umount%s of %d mounts%s", lazy ? " -l" : "", f->mounts,
		 busy ? ", a file open in the top one" : "");
	if (!f->mounts)
		exp = EINVAL;	/* not a mount point */
	else if (busy && !lazy)
		exp = EBUSY;
	got = umount2(f->mnt_dir, lazy) ? errno : 0;
	if (!expect(f, exp, got) || got)
		return got;
	f->mounts--;
	if (busy) {
		f->mnt_fd_detached = true;
		f->mnt_fd_detached_files = f->mnt_files[f->mounts];
	} else {
		f->alive -= f->mnt_files[f->mounts];
	}
	expect_alive(f);
	return 0;
}

/* A new file is an empty object with a fresh id as its inode number. */
static int mount_create(struct fuzz *f)
{
	static const mode_t modes[] = { 0600, 0644, 0 };
	mode_t mode = modes[rnd(f, ARRAY_SIZE(modes))], mask;
	char path[PATH_MAX];
	struct stat st;
	int fd, exp;

	if (!f->mounts) {
		describe(f, "create with nothing mounted");
		return 0;
	}
	mount_close(f);
	snprintf(f->mnt_fd_name, sizeof(f->mnt_fd_name), "f%u",
		 f->mnt_names++);
	describe(f, "create %s mode %#o", f->mnt_fd_name, mode);
	exp = f->mnt_rdonly[f->mounts - 1] ? EROFS : 0;
	fd = open(in_mount(f, f->mnt_fd_name, path),
		  O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (!expect(f, exp, fd < 0 ? errno : 0) || fd < 0)
		return fd < 0 ? errno : 0;
	f->mnt_fd = fd;
	f->mnt_fd_level = f->mounts - 1;
	f->mnt_fd_linked = true;
	f->mnt_files[f->mnt_fd_level]++;
	f->alive++;
	mask = umask(0);
	umask(mask);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size ||
	    (st.st_mode & 07777) != (mode & ~mask) || st.st_ino <= f->last_id)
		mismatch(f, "fstat: mode %#o, size %lld, ino %llu, id %llu",
			 st.st_mode, (long long)st.st_size,
			 (__u64)st.st_ino, f->last_id);
	f->last_id = st.st_ino;
	if (stat_of(fd, WPFAULT_STAT_PAGES_RESIDENT))
		mismatch(f, "an empty object has pages");
	expect_alive(f);
	return 0;
}

static int mount_unlink(struct fuzz *f)
{
	char path[PATH_MAX];
	int exp = mount_name_change_error(f), got;

	describe(f, "unlink %s", f->mnt_fd_name);
	if (f->mnt_fd < 0)
		return 0;
	got = unlink(in_mount(f, f->mnt_fd_name, path)) ? errno : 0;
	if (!expect(f, exp, got) || got)
		return got;
	f->mnt_fd_linked = false;
	f->mnt_files[f->mnt_fd_level]--;
	expect_alive(f);
	return 0;
}

static int mount_rename(struct fuzz *f)
{
	char from[PATH_MAX], to[PATH_MAX], name[32];
	int exp = mount_name_change_error(f), got;

	snprintf(name, sizeof(name), "r%u", f->mnt_names++);
	describe(f, "rename %s to %s", f->mnt_fd_name, name);
	if (f->mnt_fd < 0)
		return 0;
	got = rename(in_mount(f, f->mnt_fd_name, from),
		     in_mount(f, name, to)) ? errno : 0;
	if (!expect(f, exp, got) || got)
		return got;
	snprintf(f->mnt_fd_name, sizeof(f->mnt_fd_name), "%s", name);
	expect_alive(f);
	return 0;
}

/* mkdir, rename and rmdir: directories are no objects. */
static int mount_dir(struct fuzz *f)
{
	char path[PATH_MAX], to[PATH_MAX], name[32];
	struct stat st;
	int exp, got;

	if (!f->mounts) {
		describe(f, "mkdir with nothing mounted");
		return 0;
	}
	snprintf(name, sizeof(name), "d%u", f->mnt_names++);
	describe(f, "mkdir, rename, rmdir %s", name);
	exp = f->mnt_rdonly[f->mounts - 1] ? EROFS : 0;
	got = mkdir(in_mount(f, name, path), 0755) ? errno : 0;
	if (!expect(f, exp, got) || got)
		return got;
	if (stat(path, &st) || !S_ISDIR(st.st_mode) || st.st_ino <= f->last_id)
		mismatch(f, "the directory's mode or inode number is wrong");
	f->last_id = st.st_ino;
	name[0] = 'e';
	got = rename(path, in_mount(f, name, to)) ? errno : 0;
	if (expect(f, 0, got))
		got = rmdir(to) ? errno : 0;
	expect(f, 0, got);
	expect_alive(f);
	return got;
}

/* No hard links, symbolic links or special files: EPERM, after EROFS. */
static int mount_no_links(struct fuzz *f)
{
	char path[PATH_MAX], target[PATH_MAX], name[32];
	int exp, got;

	if (!f->mounts) {
		describe(f, "link with nothing mounted");
		return 0;
	}
	snprintf(name, sizeof(name), "l%u", f->mnt_names++);
	exp = f->mnt_rdonly[f->mounts - 1] ? EROFS : EPERM;
	in_mount(f, name, path);
	switch (rnd(f, 3)) {
	case 0:
		describe(f, "symlink %s", name);
		got = symlink("target", path) ? errno : 0;
		break;
	case 1:
		describe(f, "mkfifo %s", name);
		got = mknod(path, S_IFIFO | 0600, 0) ? errno : 0;
		break;
	default:
		describe(f, "link %s to %s", f->mnt_fd_name, name);
		if (!mount_file_visible(f))
			return 0;
		got = link(in_mount(f, f->mnt_fd_name, target), path) ?
		      errno : 0;
		break;
	}
	expect(f, exp, got);
	return got;
}

static int fuzz_mount(struct fuzz *f)
{
	static int (*const ops[NR_MNT_OPS])(struct fuzz *f) = {
		mount_mount, mount_umount, mount_create, mount_unlink,
		mount_rename, mount_close, mount_dir, mount_no_links,
	};

	/* Mostly mounted: most calls need a mount to act on. */
	if (!f->mounts && rnd(f, 2))
		return mount_mount(f);
	return ops[rnd(f, NR_MNT_OPS)](f);
}

/* Closes the file and unmounts everything: objects_alive must follow. */
static void mount_tear_down(struct fuzz *f)
{
	mount_close(f);
	while (f->mounts) {
		describe(f, "umount at the end, of %d mounts", f->mounts);
		if (umount(f->mnt_dir))
			ksft_exit_fail_msg("umount %s: %s\n", f->mnt_dir,
					   strerror(errno));
		f->alive -= f->mnt_files[--f->mounts];
		expect_alive(f);
	}
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

static int fuzz_cow(struct fuzz *f)
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
static int fuzz_pin(struct fuzz *f)
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

static int (*const call_fns[NR_CALLS])(struct fuzz *f) = {
	fuzz_create, fuzz_clean, fuzz_bitmap, fuzz_stats, fuzz_wrong_fd,
	fuzz_unknown, fuzz_mmap, fuzz_ftruncate, fuzz_write, fuzz_read_disk,
	fuzz_file_io, fuzz_mount, fuzz_method, fuzz_cow, fuzz_pin,
};

static enum call pick_call(struct fuzz *f)
{
	unsigned int total = 0, r, i;

	for (i = 0; i < NR_CALLS; i++)
		total += call_weights[i];
	r = rnd(f, total);
	for (i = 0; r >= call_weights[i]; i++)
		r -= call_weights[i];
	return i;
}

static void count_result(struct fuzz *f, enum call c, int err)
{
	size_t r;

	for (r = 0; r < ARRAY_SIZE(counted) && counted[r] != err; r++)
		;
	f->results[c][r]++;
}

static void print_results(struct fuzz *f, enum call c)
{
	char line[256];
	__u64 total = 0;
	size_t r, len;

	for (r = 0; r < NR_RESULTS; r++)
		total += f->results[c][r];
	len = snprintf(line, sizeof(line), "%-20s %5llu:", call_names[c],
		       total);
	for (r = 0; r < NR_RESULTS && len < sizeof(line); r++) {
		if (f->results[c][r])
			len += snprintf(line + len, sizeof(line) - len,
					" %s %llu", r < ARRAY_SIZE(counted) ?
					err_name(counted[r]) : "other",
					f->results[c][r]);
	}
	ksft_print_msg("  %s\n", line);
}

/*
 * Compares the object as the kernel sees it with the model, or after a
 * mismatch just takes it as the model, so that one error is reported once.
 */
static void check_object(struct fuzz *f, bool adopt)
{
	__u64 dirtied, cleaned;
	uint64_t word = 0;
	int64_t err;

	/* The bitmap first: it harvests. */
	err = wpf_dirty_bitmap(f->obj.fd, 0, f->pages, &word);
	if (err < 0)
		ksft_exit_fail_msg("dirty bitmap: %s\n", strerror(-err));
	model_harvest(f, page_mask(0, f->pages));
	dirtied = stat_of(f->obj.fd, WPFAULT_STAT_PAGES_DIRTIED);
	cleaned = stat_of(f->obj.fd, WPFAULT_STAT_PAGES_CLEANED);
	describe(f, "object state, model:");
	field(f, "dirtied", f->dirtied);
	field(f, "cleaned", f->cleaned);
	describe_object(f);
	if (!adopt && (word != f->dirty || dirtied != f->dirtied ||
		       cleaned != f->cleaned))
		mismatch(f, "kernel: dirty %#llx dirtied %#llx cleaned %#llx",
			 (__u64)word, dirtied, cleaned);
	f->dirty = word;
	f->dirtied = dirtied;
	f->cleaned = cleaned;
	f->alive = module_alive(f);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool run_seed(struct fuzz *f, __u64 seed, enum wpfault_type type,
		     unsigned long iterations)
{
	struct wpfault_tracking tracking;
	double start = seconds();
	unsigned long i;
	__u64 page;
	int err;

	memset(f->results, 0, sizeof(f->results));
	f->mismatches = 0;
	f->rng = seed;
	f->pages = 1 + rnd(f, MAX_PAGES);
	f->size = f->pages * page_size;
	/* Sometimes end of file falls inside the last page. */
	if (!rnd(f, 3))
		f->size -= 1 + rnd(f, page_size - 1);
	f->type = type;
	err = wpf_create_type(&f->obj, f->size, type);
	if (err)
		ksft_exit_fail_msg("create: %s\n", strerror(-err));
	f->map = mmap(NULL, f->pages * page_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, f->obj.fd, 0);
	if (f->map == MAP_FAILED)
		ksft_exit_fail_perror("mmap");
	f->dirty = 0;
	f->dirtied = 0;
	f->cleaned = 0;
	f->writable = 0;
	f->flush = 0;
	f->pte_dirty = 0;
	f->method = WPFAULT_METHOD_MKWRITE;
	f->streak = 0;
	f->policy = WPFAULT_POLICY_EXCLUSIVE;
	if (wpf_tracking(f->obj.fd, &tracking))
		ksft_exit_fail_perror("GET_METHOD");
	f->mode = tracking.mode;
	f->no_helpers = tracking.flags & WPFAULT_TRACKING_NO_HELPERS;
	f->last_id = f->obj.id;
	f->alive = module_alive(f);
	ksft_print_msg("seed %llu: %s object of %llu bytes (%llu pages)\n",
		       seed, type_names[type], f->size, f->pages);
	/* Some pages dirty from the start, so that cleans have work. */
	for (page = 0; page < f->pages; page++)
		if (rnd(f, 2))
			fuzz_write(f);

	for (i = 0; i < iterations; i++) {
		enum call c = pick_call(f);

		f->resync = false;
		count_result(f, c, call_fns[c](f));
		if (f->resync)
			check_object(f, true);
	}
	mount_tear_down(f);
	check_object(f, false);

	for (i = 0; i < NR_CALLS; i++)
		print_results(f, i);
	ksft_print_msg("seed %llu: %lu calls in %.1f s, %llu mismatches\n",
		       seed, iterations, seconds() - start, f->mismatches);
	munmap((void *)f->map, f->pages * page_size);
	wpf_destroy(&f->obj);
	return !f->mismatches;
}

static void set_up_arena(struct fuzz *f)
{
	f->arena = mmap(NULL, ARENA_PAGES * page_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->arena == MAP_FAILED ||
	    mprotect(f->arena + ARENA_ARG_GUARD * page_size, page_size,
		     PROT_NONE) ||
	    mprotect(f->arena + ARENA_DATA_GUARD * page_size, page_size,
		     PROT_NONE))
		ksft_exit_fail_perror("arena");
	f->disk_buf = mmap(NULL, (MAX_PAGES + 1) * page_size,
			   PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->disk_buf == MAP_FAILED ||
	    munmap(f->disk_buf + MAX_PAGES * page_size, page_size))
		ksft_exit_fail_perror("disk buffer");
}

/* What a leak would change: module-wide gauges, refcnt, lowest free fd. */
struct footprint {
	__u64 alive, resident;
	long refcnt;
	int fd;
};

static void take_footprint(int dev, struct footprint *fp)
{
	fp->alive = stat_of(dev, WPFAULT_STAT_OBJECTS_ALIVE);
	fp->resident = stat_of(dev, WPFAULT_STAT_PAGES_RESIDENT);
	fp->refcnt = wpf_module_refcnt();
}

int main(int argc, char **argv)
{
	unsigned long iterations = DEFAULT_ITERATIONS;
	__u64 seeds[3] = { 1, 2, 3 };
	struct footprint before, after;
	int nr_seeds = 3, opt, i, type;
	struct fuzz f;
	const char *env;
	bool ok;

	env = getenv("WPFAULT_FUZZ_SEED");
	if (env && *env) {
		seeds[0] = wpf_parse_seed(env);
		nr_seeds = 1;
	}
	while ((opt = getopt(argc, argv, "s:n:")) != -1) {
		switch (opt) {
		case 's':
			seeds[0] = wpf_parse_seed(optarg);
			nr_seeds = 1;
			break;
		case 'n':
			iterations = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-s seed] [-n iterations]\n",
				argv[0]);
			return 2;
		}
	}

	ksft_print_header();
	memset(&f, 0, sizeof(f));
	/* A leaked descriptor would take this number. */
	before.fd = wpf_lowest_free_fd();
	f.dev = wpf_open_dev();
	if (f.dev == -ENOENT)
		ksft_exit_skip("%s missing: wpfault.ko is not loaded\n",
			       WPFAULT_DEVICE);
	if (f.dev < 0)
		ksft_exit_fail_msg("open %s: %s\n", WPFAULT_DEVICE,
				   strerror(-f.dev));
	f.mnt_fd = -1;
	snprintf(f.mnt_dir, sizeof(f.mnt_dir), "/tmp/wpfault-fuzz-XXXXXX");
	if (!mkdtemp(f.mnt_dir))
		ksft_exit_fail_perror("mkdtemp");
	f.null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (f.null_fd < 0)
		ksft_exit_fail_perror("/dev/null");
	set_up_arena(&f);
	take_footprint(f.dev, &before);

	ksft_set_plan(nr_seeds * WPFAULT_TYPE_NR + 1);
	for (i = 0; i < nr_seeds; i++) {
		ksft_print_msg("rerun: %s -s %llu -n %lu\n", argv[0], seeds[i],
			       iterations);
		for (type = 0; type < WPFAULT_TYPE_NR; type++) {
			ok = run_seed(&f, seeds[i], type, iterations);
			ksft_test_result(ok, "seed %llu, %s object: %s\n",
					 seeds[i], type_names[type],
					 "every call returned its documented result");
		}
	}

	take_footprint(f.dev, &after);
	munmap(f.arena, ARENA_PAGES * page_size);
	rmdir(f.mnt_dir);
	close(f.null_fd);
	close(f.dev);
	after.fd = wpf_lowest_free_fd();
	ksft_print_msg("objects_alive %llu -> %llu\n", before.alive,
		       after.alive);
	ksft_print_msg("pages_resident %llu -> %llu\n", before.resident,
		       after.resident);
	ksft_print_msg("module refcnt %ld -> %ld, lowest free fd %d -> %d\n",
		       before.refcnt, after.refcnt, before.fd, after.fd);
	ok = before.alive == after.alive &&
	     before.resident == after.resident &&
	     before.refcnt == after.refcnt && before.fd == after.fd;
	ksft_test_result(ok,
			 "no object, page, fd or module reference leaked\n");
	ksft_finished();
}
