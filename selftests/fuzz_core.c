// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's common parts: random values and edge values, user pointers
 * of every kind with guard bytes around them, expectations and mismatch
 * reports, and the model of the object's dirty pages and counters.
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

static const char *const ptr_names[NR_PTR_KINDS] = {
	"valid", "misaligned", "tail", "read-only", "NULL", "1", "unmapped",
	"kernel",
};

const char *const type_names[WPFAULT_TYPE_NR] = {
	[WPFAULT_TYPE_PAGECACHE] = "page-cache",
	[WPFAULT_TYPE_PFN] = "pfn",
	[WPFAULT_TYPE_COW] = "copy-on-write",
};

__u64 arg_buf[BUF_SIZE / 8], data_buf[BUF_SIZE / 8];

__u64 next_rand(struct fuzz *f)
{
	return wpf_rand(&f->rng);
}

__u64 rnd(struct fuzz *f, __u64 n)
{
	return next_rand(f) % n;
}

__u64 round_up_page(__u64 v)
{
	return (v + page_size - 1) & ~((__u64)page_size - 1);
}

__u64 page_mask(__u64 first, __u64 nr)
{
	return ((1ULL << nr) - 1) << first;
}

__u64 min_u64(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

const char *err_name(int err)
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
__printf(2, 3) void describe(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->desc, sizeof(f->desc), fmt, ap);
	va_end(ap);
}

/* ...and adds one of its values. */
void field(struct fuzz *f, const char *name, __u64 value)
{
	size_t len = strlen(f->desc);

	snprintf(f->desc + len, sizeof(f->desc) - len, " %s %#llx", name,
		 value);
}

__printf(2, 3) void mismatch(struct fuzz *f, const char *fmt, ...)
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

bool expect(struct fuzz *f, int exp, int got)
{
	if (exp != got)
		mismatch(f, "expected %s, got %s", err_name(exp),
			 err_name(got));
	return exp == got;
}

/* Edge values for a 64-bit field, around the page and the object size. */
__u64 pick_u64(struct fuzz *f)
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

__u32 pick_u32(struct fuzz *f)
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
__u64 pick_reserved(struct fuzz *f)
{
	return rnd(f, 4) ? 0 : pick_u64(f);
}

/* Mostly a page multiple near the object, so that some ranges are valid. */
__u64 pick_range(struct fuzz *f)
{
	if (rnd(f, 4))
		return rnd(f, f->pages + 2) * page_size;
	return pick_u64(f);
}

/* A page that was mapped and no longer is. */
char *unmapped_page(void)
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
void make_ptr(struct fuzz *f, struct uptr *u, void *valid, int tail,
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
bool can_read(const struct uptr *u, size_t off, size_t len)
{
	return !len || off + len <= u->room;
}

bool can_write(const struct uptr *u, size_t off, size_t len)
{
	return !len || (u->writable && off + len <= u->room);
}

/* Nothing wrote the bytes of @u from @from on. */
bool guard_intact(const struct uptr *u, size_t from)
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
void check_arg(struct fuzz *f, const struct uptr *arg,
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
__u64 stat_of(int fd, enum wpfault_stat stat)
{
	uint64_t v[WPFAULT_STAT_NR];
	int err = wpf_stats(fd, v);

	if (err)
		ksft_exit_fail_msg("stats: %s\n", strerror(-err));
	return v[stat];
}

__u64 module_alive(struct fuzz *f)
{
	return stat_of(f->dev, WPFAULT_STAT_OBJECTS_ALIVE);
}

/* The new object's fd is the lowest free one, with the asked flags. */
/* A new object's id is above the last one; its fd has the asked flag. */
/*
 * The checks CLEAN, DIRTY_BITMAP and READ_DISK share, in the module's
 * order: reading the argument, then module/fs.c wpf_object_range(), which
 * checks the reserved field first.  Returns minus the expected errno, or
 * 0 with the range in pages.
 */
int model_range(struct fuzz *f, const struct uptr *arg, size_t len,
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

void describe_object(struct fuzz *f)
{
	field(f, "(object size", f->size);
	field(f, "dirty", f->dirty);
	strncat(f->desc, ")", sizeof(f->desc) - strlen(f->desc) - 1);
}

/*
 * Records the pages of @mask a pfn object's pte dirty bits or closing
 * vma show written.
 */
void model_record(struct fuzz *f, __u64 mask)
{
	f->dirtied += __builtin_popcountll(mask & ~f->dirty);
	f->dirty |= mask;
	f->flush |= mask;
}

/* In pagetable mode, calls that read the written set harvest first. */
void model_harvest(struct fuzz *f, __u64 mask)
{
	if (f->mode != WPFAULT_MODE_PAGETABLE)
		return;
	model_record(f, f->pte_dirty & mask);
	f->pte_dirty &= ~mask;
}

void model_set_mode(struct fuzz *f, enum wpfault_mode mode)
{
	/* Leaving pagetable write-protects everything, then harvests. */
	if (f->mode == WPFAULT_MODE_PAGETABLE && mode != f->mode) {
		model_harvest(f, page_mask(0, f->pages));
		f->writable = 0;
	}
	f->mode = mode;
}

/* The pages of @mask were cleaned, and so write-protected. */
void model_clean(struct fuzz *f, __u64 mask)
{
	__u64 cleaned = f->dirty & mask;

	f->cleaned += __builtin_popcountll(cleaned);
	f->dirty &= ~mask;
	if (f->mode != WPFAULT_MODE_PAGETABLE)
		f->writable &= ~cleaned;
}

/*
 * The adaptive method, after a clean or collect of [@first, @first + @nr)
 * found the pages of @found written: the uapi header's cost model.
 */
void model_collected(struct fuzz *f, __u64 first, __u64 nr, __u64 found)
{
	__u64 dirty = __builtin_popcountll(found);
	__u64 runs = __builtin_popcountll(found & ~(found << 1));
	__u64 windows = (first + nr - 1) / WPFAULT_ADAPTIVE_WINDOW -
			first / WPFAULT_ADAPTIVE_WINDOW + 1;
	__u64 mkwrite = dirty * WPFAULT_ADAPTIVE_COST_FAULT +
			runs * WPFAULT_ADAPTIVE_COST_WALK;
	__u64 pagetable = windows * WPFAULT_ADAPTIVE_COST_WALK + nr +
			  dirty * WPFAULT_ADAPTIVE_COST_HARVESTED;
	bool to_pagetable = f->mode == WPFAULT_MODE_MKWRITE;
	__u64 now = to_pagetable ? mkwrite : pagetable;
	__u64 other = to_pagetable ? pagetable : mkwrite;

	if (f->type == WPFAULT_TYPE_COW ||
	    f->method != WPFAULT_METHOD_ADAPTIVE)
		return;
	if (other + other / WPFAULT_ADAPTIVE_MARGIN < now)
		model_set_mode(f, to_pagetable ? WPFAULT_MODE_PAGETABLE :
				  WPFAULT_MODE_MKWRITE);
}
