/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wpfault_fuzz's parts: the state of a run and the helpers its fuzzers
 * share.  fuzz_core.c holds the random values, the pointers and the
 * expectations, and the model of an object's dirty pages; fuzz_ioctl.c,
 * fuzz_file.c and fuzz_mount.c the fuzzers of each kind of call;
 * fuzz_pmd.c the fuzzer of huge pfn entries, with its own object and
 * model; wpfault_fuzz.c the call table and the driver.
 */
#ifndef WPFAULT_FUZZ_H
#define WPFAULT_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	CALL_FILE_IO, CALL_MOUNT, CALL_METHOD, CALL_COW, CALL_PIN, CALL_PMD,
	NR_CALLS
};

/* The results counted per kind of call, and "other". */
#define NR_RESULTS	16

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
	bool no_helpers;
	/* The kernel has special huge pfn entries: WPFAULT_CREATE_PMD works. */
	bool pmd_objects;
	/* Its own object with huge entries, and its model (fuzz_pmd.c). */
	struct fuzz_pmd *pmd;
	/* The kernel exports it: WPFAULT_CREATE_MKWRITE_INSERT works. */
	bool mkwrite_insert;
	/*
	 * The largest folio order of an object with large folios; 0 where
	 * the kernel refuses them.
	 */
	unsigned int folio_order;
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

/* fuzz_core.c */
extern const char *const type_names[WPFAULT_TYPE_NR];
/* Valid argument and data buffers, with guard bytes. */
extern __u64 arg_buf[BUF_SIZE / 8], data_buf[BUF_SIZE / 8];
__u64 next_rand(struct fuzz *f);
__u64 rnd(struct fuzz *f, __u64 n);
__u64 round_up_page(__u64 v);
__u64 page_mask(__u64 first, __u64 nr);
__u64 min_u64(__u64 a, __u64 b);
const char *err_name(int err);
__printf(2, 3) void describe(struct fuzz *f, const char *fmt, ...);
void field(struct fuzz *f, const char *name, __u64 value);
__printf(2, 3) void mismatch(struct fuzz *f, const char *fmt, ...);
bool expect(struct fuzz *f, int exp, int got);
__u64 pick_u64(struct fuzz *f);
__u32 pick_u32(struct fuzz *f);
__u64 pick_reserved(struct fuzz *f);
__u64 pick_range(struct fuzz *f);
char *unmapped_page(void);
void make_ptr(struct fuzz *f, struct uptr *u, void *valid, int tail,
	      size_t ro_off, const void *src, size_t len);
bool can_read(const struct uptr *u, size_t off, size_t len);
bool can_write(const struct uptr *u, size_t off, size_t len);
bool guard_intact(const struct uptr *u, size_t from);
void check_arg(struct fuzz *f, const struct uptr *arg,
	       const void *want, size_t len);
__u64 stat_of(int fd, enum wpfault_stat stat);
__u64 module_alive(struct fuzz *f);
int model_range(struct fuzz *f, const struct uptr *arg, size_t len,
		__u64 reserved, const struct wpfault_range *r,
		__u64 *first, __u64 *nr);
void describe_object(struct fuzz *f);
void model_record(struct fuzz *f, __u64 mask);
void model_harvest(struct fuzz *f, __u64 mask);
void model_set_mode(struct fuzz *f, enum wpfault_mode mode);
void model_clean(struct fuzz *f, __u64 mask);
void model_collected(struct fuzz *f, __u64 first, __u64 nr, __u64 found);

/* fuzz_ioctl.c */
int fuzz_create(struct fuzz *f);
int fuzz_clean(struct fuzz *f);
int fuzz_bitmap(struct fuzz *f);
int fuzz_read_disk(struct fuzz *f);
int fuzz_stats(struct fuzz *f);
int fuzz_wrong_fd(struct fuzz *f);
int fuzz_unknown(struct fuzz *f);
int fuzz_method(struct fuzz *f);
int fuzz_cow(struct fuzz *f);
int fuzz_pin(struct fuzz *f);

/* fuzz_file.c */
int fuzz_mmap(struct fuzz *f);
int fuzz_ftruncate(struct fuzz *f);
int fuzz_write(struct fuzz *f);
int fuzz_file_io(struct fuzz *f);

/* fuzz_pmd.c */
void fuzz_pmd_start(struct fuzz *f);
int fuzz_pmd(struct fuzz *f);
void fuzz_pmd_end(struct fuzz *f);

/* fuzz_mount.c */
void expect_alive(struct fuzz *f);
int fuzz_mount(struct fuzz *f);
void mount_tear_down(struct fuzz *f);

#endif /* WPFAULT_FUZZ_H */
