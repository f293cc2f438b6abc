// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer of wpfault mounts: mounts stacked on one directory, files
 * created, renamed, unlinked and closed, directories, refused links and
 * umount, with objects_alive checked against a model after each call.
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
	/* Asks for large folios: EOPNOTSUPP before err where none. */
	bool large;
} mount_data[] = {
	{ "", 0, false, false },
	{ "ro", 0, true, false },	/* the VFS's own superblock flags */
	{ "rw", 0, false, false },
	{ "size=1", EINVAL, false, false },	/* not a wpfault option */
	{ "nonsense", EINVAL, false, false },
	{ "source=x", EINVAL, false, false }, /* mount(2) gave one already */
	{ "large_folios", 0, false, true },
	{ "min_folio_order=1", 0, false, true },
	{ "min_folio_order=0", EINVAL, false, false },	/* refused parsing */
	{ "min_folio_order=99", EINVAL, false, true },
	{ "large_folios=1", EINVAL, false, false },	/* a flag, no value */
};

/* @name in the mount directory, in @buf of PATH_MAX bytes. */
static char *in_mount(struct fuzz *f, const char *name, char *buf)
{
	snprintf(buf, PATH_MAX, "%s/%s", f->mnt_dir, name);
	return buf;
}

void expect_alive(struct fuzz *f)
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
	int exp, got;

	if (!rnd(f, 4))
		flags |= MS_RDONLY;
	if (rnd(f, 2))
		flags |= MS_NOSUID | MS_NODEV | MS_NOEXEC;
	describe(f, "mount -o '%s' (flags %#lx) on %d mounts",
		 mount_data[i].data, flags, f->mounts);
	if (f->mounts == MAX_MOUNTS)
		return 0;
	exp = mount_data[i].large && !f->folio_order ? EOPNOTSUPP :
	      mount_data[i].err;
	got = mount("none", f->mnt_dir, "wpfault", flags, mount_data[i].data) ?
	      errno : 0;
	if (!expect(f, exp, got) || got)
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

int fuzz_mount(struct fuzz *f)
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
void mount_tear_down(struct fuzz *f)
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
