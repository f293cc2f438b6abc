// SPDX-License-Identifier: GPL-2.0
/*
 * The wpfault file system, mounted: "mount -t wpfault none DIR" gives a
 * directory tree in which open(O_CREAT) makes page-cache objects, the same
 * objects /dev/wpfault makes (counters, ioctls, writeback, debugfs by
 * inode number), with the inode number as the object's id.  Rename and
 * unlink work, and the last close of an unlinked file frees its object;
 * readdir lists the files; directories work and hold no object, links and
 * special files are refused.  A mount holds the module: rmmod is refused
 * while it is mounted, and it is busy while a file is open or mapped.
 * The usual permission checks apply (to user nobody), a user namespace
 * cannot mount it, and mount options are refused.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define WPFAULT_FS_MAGIC	0x77706674
#define NOBODY		65534

FIXTURE(mnt) {
	char dir[64];
	int dev;
	bool mounted;
};

FIXTURE_SETUP(mnt)
{
	self->mounted = false;
	self->dir[0] = 0;
	self->dev = wpf_open_dev();
	if (self->dev == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_LE(0, self->dev);
	snprintf(self->dir, sizeof(self->dir), "/tmp/wpfault-mnt-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, mount("none", self->dir, "wpfault", 0, NULL));
	self->mounted = true;
}

FIXTURE_TEARDOWN(mnt)
{
	if (self->mounted)
		umount(self->dir);
	if (self->dir[0])
		rmdir(self->dir);
	if (self->dev >= 0)
		close(self->dev);
}

/* @dir/@name, in one of a few rotating buffers. */
static const char *path_of(const char *dir, const char *name)
{
	static char paths[4][96];
	static int next;
	char *path = paths[next++ % 4];

	snprintf(path, sizeof(paths[0]), "%s/%s", dir, name);
	return path;
}

/* A file is an object: same counters, ioctls, debugfs and writeback. */
TEST_F(mnt, files_are_objects)
{
	uint64_t alive = wpf_stat(self->dev, WPFAULT_STAT_OBJECTS_ALIVE);
	char dbg[64], *p, *disk;
	uint64_t bits[1];
	struct statfs sfs;
	struct stat st;
	int fd;

	ASSERT_EQ(0, statfs(self->dir, &sfs));
	ASSERT_EQ(WPFAULT_FS_MAGIC, sfs.f_type);
	fd = open(path_of(self->dir, "a"), O_CREAT | O_EXCL | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(alive + 1, wpf_stat(self->dev, WPFAULT_STAT_OBJECTS_ALIVE));
	ASSERT_EQ(0, fstat(fd, &st));
	ASSERT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ(0, st.st_size);
	ASSERT_EQ(0600, st.st_mode & 0777);
	/* The inode number names the object's debugfs directory. */
	snprintf(dbg, sizeof(dbg), DEBUGFS_DIR "/wpfault/%llu/stats",
		 (unsigned long long)st.st_ino);
	if (!access(DEBUGFS_DIR "/wpfault", F_OK))
		ASSERT_EQ(0, access(dbg, F_OK));

	ASSERT_EQ(0, ftruncate(fd, 4 * page_size));
	p = wpf_map(fd, 4, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	PAGE(p, 1)[0] = 'a';
	PAGE(p, 3)[0] = 'b';
	CHECK_STATS(fd, [W] = 2, [MK] = 2, [DI] = 2, [AC] = 2, [AL] = 2,
		    [RS] = 2);
	ASSERT_EQ(2, wpf_dirty_bitmap(fd, 0, 4, bits));
	ASSERT_EQ(0, munmap(p, 4 * page_size));
	ASSERT_EQ(0, fsync(fd));
	disk = calloc(4, page_size);
	ASSERT_NE(NULL, disk);
	ASSERT_EQ(2, wpf_read_disk(fd, 0, 4, disk));
	ASSERT_EQ('a', disk[page_size]);
	ASSERT_EQ('b', disk[3 * page_size]);
	free(disk);
	ASSERT_EQ(0, close(fd));

	/* Closed, the file and its object stay, as a reopen shows. */
	ASSERT_EQ(alive + 1, wpf_stat(self->dev, WPFAULT_STAT_OBJECTS_ALIVE));
	fd = open(path_of(self->dir, "a"), O_RDONLY);
	ASSERT_LE(0, fd);
	CHECK_STATS(fd, [W] = 2, [MK] = 2, [DI] = 2, [AC] = 2, [AL] = 2,
		    [RS] = 2, [WB] = 1, [WR] = 2, [BL] = 2);
	close(fd);
}

/* rename() and unlink() work; the last close of an unlinked file frees it. */
TEST_F(mnt, rename_and_unlink)
{
	uint64_t alive = wpf_stat(self->dev, WPFAULT_STAT_OBJECTS_ALIVE);
	const char *other = path_of(self->dir, "b");
	struct stat a, b;
	int fd;

	fd = open(path_of(self->dir, "a"), O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(5, write(fd, "hello", 5));
	ASSERT_EQ(0, fstat(fd, &a));
	ASSERT_EQ(0, rename(path_of(self->dir, "a"), other));
	ASSERT_EQ(-1, access(path_of(self->dir, "a"), F_OK));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(0, stat(other, &b));
	ASSERT_EQ(a.st_ino, b.st_ino);
	ASSERT_EQ(5, b.st_size);

	ASSERT_EQ(0, unlink(other));
	/* Still open: the object lives on, nameless. */
	ASSERT_EQ(alive + 1, wpf_stat(self->dev, WPFAULT_STAT_OBJECTS_ALIVE));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(alive, wpf_stat(self->dev, WPFAULT_STAT_OBJECTS_ALIVE));
}

/* readdir() lists what was created, and only that. */
TEST_F(mnt, readdir_lists_files)
{
	const char *const names[] = { "x", "y", "z" };
	int i, fd, seen = 0;
	struct dirent *de;
	DIR *d;

	for (i = 0; i < 3; i++) {
		fd = open(path_of(self->dir, names[i]), O_CREAT | O_WRONLY,
			  0644);
		ASSERT_LE(0, fd);
		close(fd);
	}
	d = opendir(self->dir);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ASSERT_EQ(DT_REG, de->d_type);
		ASSERT_EQ(1, strlen(de->d_name));
		ASSERT_LE('x', de->d_name[0]);
		ASSERT_GE('z', de->d_name[0]);
		seen++;
	}
	closedir(d);
	ASSERT_EQ(3, seen);
}

/* Regular files in directories; no special files, no links. */
TEST_F(mnt, files_and_directories_only)
{
	uint64_t alive = wpf_stat(self->dev, WPFAULT_STAT_OBJECTS_ALIVE);
	struct stat st;
	int fd;

	ASSERT_EQ(0, mkdir(path_of(self->dir, "d"), 0700));
	ASSERT_EQ(0, stat(path_of(self->dir, "d"), &st));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_EQ(0700, st.st_mode & 0777);
	fd = open(path_of(self->dir, "d/f"), O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	/* A directory is no object; the file in it is. */
	ASSERT_EQ(alive + 1, wpf_stat(self->dev, WPFAULT_STAT_OBJECTS_ALIVE));
	ASSERT_EQ(-1, rmdir(path_of(self->dir, "d")));
	ASSERT_EQ(ENOTEMPTY, errno);
	ASSERT_EQ(0, rename(path_of(self->dir, "d/f"),
			    path_of(self->dir, "f")));
	ASSERT_EQ(0, rmdir(path_of(self->dir, "d")));

	ASSERT_EQ(-1, link(path_of(self->dir, "f"), path_of(self->dir, "l")));
	ASSERT_EQ(EPERM, errno);
	ASSERT_EQ(-1, mknod(path_of(self->dir, "p"), S_IFIFO | 0600, 0));
	ASSERT_EQ(EPERM, errno);
	ASSERT_EQ(-1, symlink("f", path_of(self->dir, "s")));
	ASSERT_EQ(EPERM, errno);
}

/* A busy mount is EBUSY, be it held by an fd or only by a mapping. */
TEST_F(mnt, busy_until_the_last_user)
{
	int fd = open(path_of(self->dir, "m"), O_CREAT | O_RDWR, 0600);
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, page_size));
	ASSERT_EQ(-1, umount(self->dir));
	ASSERT_EQ(EBUSY, errno);
	p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	p[0] = 1;
	ASSERT_EQ(-1, umount(self->dir));
	ASSERT_EQ(EBUSY, errno);
	ASSERT_EQ(0, munmap(p, page_size));
	ASSERT_EQ(0, umount(self->dir));
	self->mounted = false;
}

/* rmmod is refused while a wpfault file system is mounted. */
TEST_F(mnt, unload_while_mounted)
{
	ASSERT_EQ(-1, syscall(__NR_delete_module, "wpfault", O_NONBLOCK));
	ASSERT_EQ(EWOULDBLOCK, errno);
	/* Not for lack of users of /dev/wpfault: */
	close(self->dev);
	self->dev = -1;
	ASSERT_EQ(-1, syscall(__NR_delete_module, "wpfault", O_NONBLOCK));
	ASSERT_EQ(EWOULDBLOCK, errno);
}

/* Runs @fn in a child as user nobody; returns its exit status. */
static int as_nobody(int (*fn)(const char *dir), const char *dir)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(100);
		_exit(fn(dir));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Exit codes: 0 if what was refused was refused, and what not, not. */
static int nobody_opens(const char *dir)
{
	int fd;

	if (open(path_of(dir, "secret"), O_RDONLY) >= 0 || errno != EACCES)
		return 1;
	if (open(path_of(dir, "shared"), O_RDWR) >= 0 || errno != EACCES)
		return 2;
	fd = open(path_of(dir, "shared"), O_RDONLY);
	if (fd < 0)
		return 3;
	close(fd);
	if (open(path_of(dir, "new"), O_CREAT | O_RDWR, 0600) >= 0 ||
	    errno != EACCES)
		return 4;
	return 0;
}

/* Files and the directory obey the usual permission checks. */
TEST_F(mnt, permissions_apply)
{
	int fd;

	fd = open(path_of(self->dir, "secret"), O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	fd = open(path_of(self->dir, "shared"), O_CREAT | O_RDWR, 0644);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, chmod(self->dir, 0755));
	ASSERT_EQ(0, as_nobody(nobody_opens, self->dir));
}

/* Not mountable from a user namespace: no FS_USERNS_MOUNT. */
TEST_F(mnt, no_mount_in_a_user_namespace)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			_exit(errno == EINVAL ? 4 : 3);
		if (!mount("none", self->dir, "wpfault", 0, NULL))
			_exit(1);
		_exit(errno == EPERM ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 4)
		SKIP(return, "no user namespaces (CONFIG_USER_NS)");
	ASSERT_EQ(0, WEXITSTATUS(status));
}

/* Options other than the folio ones are refused. */
TEST_F(mnt, other_options_are_refused)
{
	ASSERT_EQ(-1, mount("none", self->dir, "wpfault", 0, "size=1m"));
	ASSERT_EQ(EINVAL, errno);
}

/* Whether /proc/self/mounts shows @opt among the options of @dir. */
static bool mount_shows(const char *dir, const char *opt)
{
	char line[512], want[160];
	bool found = false;
	FILE *f = fopen("/proc/self/mounts", "r");

	if (!f)
		return false;
	snprintf(want, sizeof(want), " %s wpfault ", dir);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) && strstr(line, opt);
	fclose(f);
	return found;
}

/*
 * A file made in a mount with @options: its folio orders in debugfs, and
 * the pages its first write brings in (one folio).
 */
static void check_file_folios(struct __test_metadata *_metadata,
			      const char *dir, bool *mounted,
			      const char *options, size_t pages, int order,
			      int min_order, size_t folio_pages)
{
	struct wpf_obj o = WPF_OBJ_INIT;
	struct stat st;
	char *p;
	int fd;

	ASSERT_EQ(0, mount("none", dir, "wpfault", 0, options));
	*mounted = true;
	ASSERT_TRUE(mount_shows(dir, options));
	fd = open(path_of(dir, "f"), O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, pages * page_size));
	ASSERT_EQ(0, fstat(fd, &st));
	o.id = st.st_ino;
	ASSERT_EQ(order, wpf_object_u8(&o, "folio_order"));
	ASSERT_EQ(min_order, wpf_object_u8(&o, "min_folio_order"));
	p = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	ASSERT_EQ(folio_pages, wpf_stat(fd, WPFAULT_STAT_PAGES_ALLOCATED));
	ASSERT_EQ(1, wpf_stat(fd, WPFAULT_STAT_LARGE_FOLIOS));
	munmap(p, pages * page_size);
	close(fd);
	ASSERT_EQ(0, unlink(path_of(dir, "f")));
	ASSERT_EQ(0, umount(dir));
	*mounted = false;
}

/*
 * large_folios and min_folio_order=N give the mount's files what the
 * create flags give an object, with the same errors; and show in
 * /proc/mounts.
 */
TEST_F(mnt, folio_options)
{
	int limit = wpf_folio_order_limit();
	const char *dir = self->dir;
	char opt[32];

	ASSERT_LE(0, limit);
	/* The fixture's mount has no options: mount again, with some. */
	ASSERT_EQ(0, umount(dir));
	self->mounted = false;
	if (!limit) {
		ASSERT_EQ(-1, mount("none", dir, "wpfault", 0, "large_folios"));
		ASSERT_EQ(EOPNOTSUPP, errno);
		ASSERT_EQ(-1, mount("none", dir, "wpfault", 0,
				    "min_folio_order=1"));
		ASSERT_EQ(EOPNOTSUPP, errno);
		SKIP(return, WPF_NO_LARGE_FOLIO_OBJECTS);
	}
	ASSERT_EQ(-1, mount("none", dir, "wpfault", 0, "min_folio_order=0"));
	ASSERT_EQ(EINVAL, errno);
	snprintf(opt, sizeof(opt), "min_folio_order=%d", limit + 1);
	ASSERT_EQ(-1, mount("none", dir, "wpfault", 0, opt));
	ASSERT_EQ(EINVAL, errno);
	check_file_folios(_metadata, dir, &self->mounted, "large_folios",
			  1UL << limit, limit, 0, 1UL << limit);
	/* One page of file: the folio is the smallest, past end of file. */
	check_file_folios(_metadata, dir, &self->mounted,
			  "min_folio_order=1", 1, limit, 1, 2);
}

TEST_HARNESS_MAIN
