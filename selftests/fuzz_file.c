// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzers of an object's file: mmap, ftruncate, writes through the
 * mapping, and pwrite, pread, fsync and fallocate, against the model.
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

int fuzz_mmap(struct fuzz *f)
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
	/*
	 * A pfn vma's ptes go unseen: what it may have had writable counts.
	 * A private one of a page-cache object is one the kernel's helpers
	 * cannot walk past: pagetable mode falls back to mkwrite while it
	 * exists.  It had no ptes: nothing else changes.
	 */
	if (!got && f->type == WPFAULT_TYPE_PFN &&
	    f->mode == WPFAULT_MODE_PAGETABLE && pgoff < f->pages)
		model_record(f, f->writable &
			     page_mask(pgoff, min_u64((len + page_size - 1) /
						      page_size,
						      f->pages - pgoff)));
	if (!got && f->type == WPFAULT_TYPE_PAGECACHE && !shared &&
	    f->mode == WPFAULT_MODE_PAGETABLE) {
		model_set_mode(f, WPFAULT_MODE_MKWRITE);
		model_set_mode(f, WPFAULT_MODE_PAGETABLE);
	}
	return got;
}

int fuzz_ftruncate(struct fuzz *f)
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
	/*
	 * Pages wholly past the new end of file go, and their dirt.  A
	 * page-cache pte that goes passes its dirty bit to the folio, and
	 * that records a cleaned page before the written set forgets it.
	 */
	if ((__u64)len < f->size) {
		keep = page_mask(0, (len + page_size - 1) / page_size);
		if (f->type == WPFAULT_TYPE_PAGECACHE)
			f->dirtied += __builtin_popcountll(f->pte_dirty &
							   ~keep & ~f->dirty);
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

int fuzz_write(struct fuzz *f)
{
	__u64 page = rnd(f, f->pages), bit = 1ULL << page;
	bool pagetable = f->mode == WPFAULT_MODE_PAGETABLE;

	f->map[page * page_size] = next_rand(f);
	if (pagetable)
		f->pte_dirty |= bit;
	/* A writable pte: the module does not see the write. */
	if (f->type != WPFAULT_TYPE_COW && (f->writable & bit))
		return 0;
	if (!(f->dirty & bit))
		f->dirtied++;
	f->dirty |= bit;
	if (f->type != WPFAULT_TYPE_COW)
		f->writable |= bit;
	if (f->type == WPFAULT_TYPE_PFN)
		f->flush |= bit;
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
 * mode, where it only harvests.  A page-cache object's writes back: in
 * pagetable mode ->writepages write-protects and harvests every page
 * first.  It runs if a folio is dirty, as one is while a pte maps it
 * writable; with none writable there is nothing to do.
 */
static void model_fsync(struct fuzz *f)
{
	if (f->type == WPFAULT_TYPE_PAGECACHE &&
	    f->mode == WPFAULT_MODE_PAGETABLE && f->writable) {
		model_harvest(f, page_mask(0, f->pages));
		f->writable = 0;
	}
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

	if (f->type == WPFAULT_TYPE_COW || first >= end / page_size)
		return;
	mask = page_mask(first, end / page_size - first);
	/* A page-cache pte that goes passes its dirty bit on (truncate). */
	model_harvest(f, mask);
	f->writable &= ~mask;
	f->flush &= ~mask;
}

int fuzz_file_io(struct fuzz *f)
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
