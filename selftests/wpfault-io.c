// SPDX-License-Identifier: GPL-2.0
/*
 * wpfault-io: runs a sequence of commands on a wpfault object, in the
 * spirit of xfs_io, so that a scenario can be reproduced from a shell:
 *
 *   wpfault-io -c 'create -t pfn 16' -c 'mmap' -c 'mwrite 0 4' \
 *              -c 'collect 0 16' -c stat
 *
 * Up to MAX_FILES objects (or files) are open, each with at most one
 * mapping; commands act on the current one.  create and open replace it,
 * snapshot opens one more, file switches.  Page numbers are the object's.
 * "fork" runs the commands up to the matching "wait" in a child process,
 * which then exits (its mappings and pins go with it);
 * the parent skips them and, at "wait", waits for the child.  The first
 * failing command prints its errno's name and ends the run with status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wpfault_util.h"

#define MAX_ARGS	16
#define MAX_FILES	8
#define MAX_PINS	8
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const type_names[] = WPFAULT_TYPE_NAMES;
static const char *const method_names[] = WPFAULT_METHOD_NAMES;
static const char *const mode_names[] = WPFAULT_MODE_NAMES;
static const char *const stat_names[] = WPFAULT_STAT_NAMES;
static const char *const policy_names[] = WPFAULT_POLICY_NAMES;

/* An open object or file, and its mapping. */
struct io_file {
	struct wpf_obj obj;		/* obj.fd: -1 when the slot is free */
	char *map;
	uint64_t map_pgoff, map_pages;
	uint64_t last[WPFAULT_STAT_NR];	/* at the previous stat */
};

struct io_state {
	struct io_file files[MAX_FILES];
	struct io_file *cur;	/* the one commands act on */
	int dev;		/* /dev/wpfault once a pin needs it, or -1 */
	int pins[MAX_PINS];	/* pin fds, or -1 */
	pid_t child;		/* the parent's, between fork and wait */
};

struct io_cmd {
	const char *name;
	const char *usage;
	int (*run)(struct io_state *s, int argc, char **argv);
};

/* A number of pages, or a page number: decimal, or 0x hexadecimal. */
static int parse_u64(const char *arg, uint64_t *value)
{
	char *end;

	errno = 0;
	*value = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-') {
		fprintf(stderr, "wpfault-io: '%s' is not a number\n", arg);
		return -EINVAL;
	}
	return 0;
}

/* The index of @name in @names, or -1 after saying it is no @what. */
static int find_name(const char *const *names, int nr, const char *name,
		     const char *what)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(name, names[i]))
			return i;
	fprintf(stderr, "wpfault-io: no %s '%s'\n", what, name);
	return -1;
}

/* A command's only arguments FIRST NR. */
static int parse_range(int argc, char **argv, uint64_t *first, uint64_t *nr)
{
	if (argc != 2 || parse_u64(argv[0], first) || parse_u64(argv[1], nr))
		return -EINVAL;
	return 0;
}

/* FIRST NR, checked against the current mapping. */
static int parse_mapped_range(struct io_state *s, int argc, char **argv,
			      uint64_t *first, uint64_t *nr)
{
	if (parse_range(argc, argv, first, nr))
		return -EINVAL;
	if (!s->cur->map) {
		fprintf(stderr, "wpfault-io: nothing is mapped (mmap first)\n");
		return -EINVAL;
	}
	if (*first < s->cur->map_pgoff || *nr > s->cur->map_pages ||
	    *first - s->cur->map_pgoff > s->cur->map_pages - *nr) {
		fprintf(stderr, "wpfault-io: pages %llu+%llu %s %llu+%llu\n",
			(unsigned long long)*first, (unsigned long long)*nr,
			"are not all in the mapping of pages",
			(unsigned long long)s->cur->map_pgoff,
			(unsigned long long)s->cur->map_pages);
		return -ERANGE;
	}
	return 0;
}

static char *page_at(struct io_state *s, uint64_t index)
{
	return s->cur->map + (index - s->cur->map_pgoff) * page_size;
}

static int need_object(struct io_state *s)
{
	if (s->cur->obj.fd >= 0)
		return 0;
	fprintf(stderr, "wpfault-io: no object (create or open first)\n");
	return -EINVAL;
}

static void drop_file(struct io_file *f)
{
	if (f->map)
		munmap(f->map, f->map_pages * page_size);
	f->map = NULL;
	if (f->obj.fd >= 0)
		close(f->obj.fd);
	f->obj.fd = -1;
	f->obj.id = 0;
	memset(f->last, 0, sizeof(f->last));
}

/* The way of -i: readonly or mkwrite (see "Write inserts"). */
static const char *const insert_names[] = { "readonly", "mkwrite" };
static const uint32_t insert_flags[] = {
	WPFAULT_CREATE_READONLY_INSERT, WPFAULT_CREATE_MKWRITE_INSERT,
};

static int cmd_create(struct io_state *s, int argc, char **argv)
{
	int type = WPFAULT_TYPE_PAGECACHE, insert;
	uint64_t pages, min_order = 0;
	uint32_t flags = 0;
	int err;

	for (; argc > 1 && argv[0][0] == '-'; argc--, argv++) {
		if (!strcmp(argv[0], "-P")) {
			flags |= WPFAULT_CREATE_PMD;
		} else if (!strcmp(argv[0], "-F")) {
			flags |= WPFAULT_CREATE_LARGE_FOLIOS;
		} else if (argc < 3) {
			return -EINVAL;	/* an option with a value, and PAGES */
		} else if (!strcmp(argv[0], "-t")) {
			type = find_name(type_names, WPFAULT_TYPE_NR, argv[1],
					 "object type");
			if (type < 0)
				return -EINVAL;
			argc--, argv++;
		} else if (!strcmp(argv[0], "-m")) {
			flags |= WPFAULT_CREATE_MIN_FOLIO_ORDER;
			if (parse_u64(argv[1], &min_order) ||
			    min_order > UINT32_MAX)
				return -EINVAL;
			argc--, argv++;
		} else if (!strcmp(argv[0], "-i")) {
			insert = find_name(insert_names,
					   ARRAY_SIZE(insert_names), argv[1],
					   "write insert");
			if (insert < 0)
				return -EINVAL;
			flags |= insert_flags[insert];
			argc--, argv++;
		} else {
			return -EINVAL;
		}
	}
	if (argc != 1 || parse_u64(argv[0], &pages))
		return -EINVAL;
	drop_file(s->cur);
	err = wpf_create_flags_order(&s->cur->obj, pages * page_size, type,
				     flags, min_order);
	if (err == -ENOENT)
		fprintf(stderr, "wpfault-io: no %s: wpfault.ko is not loaded\n",
			WPFAULT_DEVICE);
	if (err)
		return err;
	/* The object lives as long as its fd or a mapping. */
	close(s->cur->obj.dev);
	s->cur->obj.dev = -1;
	printf("object %llu: %s, %llu pages of %zu bytes\n",
	       (unsigned long long)s->cur->obj.id, type_names[type],
	       (unsigned long long)pages, page_size);
	return 0;
}

static int cmd_open(struct io_state *s, int argc, char **argv)
{
	int fd;

	if (argc != 1)
		return -EINVAL;
	fd = open(argv[0], O_RDWR);
	if (fd < 0)
		return -errno;
	drop_file(s->cur);
	s->cur->obj.fd = fd;
	printf("opened %s\n", argv[0]);
	return 0;
}

/* mmap [-r] [PGOFF PAGES]: shared, writable unless -r; all by default. */
static int cmd_mmap(struct io_state *s, int argc, char **argv)
{
	int prot = PROT_READ | PROT_WRITE;
	uint64_t pgoff = 0, pages;
	struct stat st;
	void *map;

	if (need_object(s))
		return -EINVAL;
	if (argc && !strcmp(argv[0], "-r")) {
		prot = PROT_READ;
		argv++;
		argc--;
	}
	if (argc == 2) {
		if (parse_u64(argv[0], &pgoff) || parse_u64(argv[1], &pages))
			return -EINVAL;
	} else if (argc == 0) {
		if (fstat(s->cur->obj.fd, &st))
			return -errno;
		pages = st.st_size / page_size;
	} else {
		return -EINVAL;
	}
	map = wpf_map(s->cur->obj.fd, pages, prot, MAP_SHARED, pgoff);
	if (map == MAP_FAILED)
		return -errno;
	if (s->cur->map)
		munmap(s->cur->map, s->cur->map_pages * page_size);
	s->cur->map = map;
	s->cur->map_pgoff = pgoff;
	s->cur->map_pages = pages;
	printf("mapped pages %llu+%llu %s\n", (unsigned long long)pgoff,
	       (unsigned long long)pages, prot & PROT_WRITE ? "rw" : "r");
	return 0;
}

static int cmd_munmap(struct io_state *s, int argc, char **argv)
{
	if (argc || !s->cur->map)
		return -EINVAL;
	if (munmap(s->cur->map, s->cur->map_pages * page_size))
		return -errno;
	s->cur->map = NULL;
	printf("unmapped\n");
	return 0;
}

/* An optional "-p BYTE" before the range: the pattern. */
static int parse_pattern(int *argc, char ***argv, const char *flag,
			 unsigned int *byte)
{
	uint64_t value;

	if (*argc < 2 || strcmp((*argv)[0], flag))
		return 0;
	if (parse_u64((*argv)[1], &value) || value > 0xff)
		return -EINVAL;
	*byte = value;
	*argv += 2;
	*argc -= 2;
	return 1;
}

/* mwrite [-p BYTE] FIRST NR: fills whole pages (0xcd by default). */
static int cmd_mwrite(struct io_state *s, int argc, char **argv)
{
	unsigned int byte = 0xcd;
	uint64_t first, nr, i;

	int err;

	if (parse_pattern(&argc, &argv, "-p", &byte) < 0)
		return -EINVAL;
	err = parse_mapped_range(s, argc, argv, &first, &nr);
	if (err)
		return err;
	for (i = first; i < first + nr; i++)
		memset(page_at(s, i), byte, page_size);
	printf("wrote pages %llu+%llu with 0x%02x\n",
	       (unsigned long long)first, (unsigned long long)nr, byte);
	return 0;
}

static int mismatch(uint64_t page, size_t offset, unsigned int got,
		    unsigned int want)
{
	fprintf(stderr, "wpfault-io: page %llu byte %zu: 0x%02x, want 0x%02x\n",
		(unsigned long long)page, offset, got, want);
	return -EIO;
}

/* mread [-v BYTE] FIRST NR: reads every byte, checking them with -v. */
static int cmd_mread(struct io_state *s, int argc, char **argv)
{
	uint64_t first, nr, i;
	unsigned int byte = 0;
	int verify, err;
	size_t b;

	verify = parse_pattern(&argc, &argv, "-v", &byte);
	if (verify < 0)
		return -EINVAL;
	err = parse_mapped_range(s, argc, argv, &first, &nr);
	if (err)
		return err;
	for (i = first; i < first + nr; i++) {
		volatile unsigned char *p = (unsigned char *)page_at(s, i);

		for (b = 0; b < page_size; b++) {
			unsigned char c = p[b];

			if (verify && c != byte)
				return mismatch(i, b, c, byte);
		}
	}
	printf("read pages %llu+%llu%s\n", (unsigned long long)first,
	       (unsigned long long)nr, verify ? ", verified" : "");
	return 0;
}

/* Prints the set bits of @words as page ranges: "0-3,7". */
static void print_pages(const uint64_t *words, uint64_t first, uint64_t nr)
{
	const char *sep = "";
	uint64_t i = 0;

	while (i < nr) {
		uint64_t start;

		if (!(words[i / 64] & (1ULL << (i % 64)))) {
			i++;
			continue;
		}
		start = i;
		while (i < nr && (words[i / 64] & (1ULL << (i % 64))))
			i++;
		if (i - start == 1)
			printf("%s%llu", sep,
			       (unsigned long long)(first + start));
		else
			printf("%s%llu-%llu", sep,
			       (unsigned long long)(first + start),
			       (unsigned long long)(first + i - 1));
		sep = ",";
	}
	printf("\n");
}

/* bitmap and collect FIRST NR: the pages written since the last clean. */
static int report_pages(struct io_state *s, int argc, char **argv,
			bool collect)
{
	uint64_t first, nr, *words;
	int64_t n;

	if (need_object(s) || parse_range(argc, argv, &first, &nr))
		return -EINVAL;
	words = calloc(nr / 64 + 1, sizeof(*words));
	if (!words)
		return -ENOMEM;
	n = collect ? wpf_collect(s->cur->obj.fd, first, nr, words) :
		      wpf_dirty_bitmap(s->cur->obj.fd, first, nr, words);
	if (n >= 0) {
		printf("%s %lld pages:%s", collect ? "collected" : "dirty",
		       (long long)n, n ? " " : "");
		print_pages(words, first, nr);
	}
	free(words);
	return n < 0 ? n : 0;
}

static int cmd_bitmap(struct io_state *s, int argc, char **argv)
{
	return report_pages(s, argc, argv, false);
}

static int cmd_collect(struct io_state *s, int argc, char **argv)
{
	return report_pages(s, argc, argv, true);
}

static int cmd_clean(struct io_state *s, int argc, char **argv)
{
	uint64_t first, nr;
	int64_t n;

	if (need_object(s) || parse_range(argc, argv, &first, &nr))
		return -EINVAL;
	n = wpf_clean(s->cur->obj.fd, first, nr);
	if (n < 0)
		return n;
	printf("cleaned %lld pages\n", (long long)n);
	return 0;
}

/*
 * stat [NAME...]: the object's counters, each with its change since the
 * previous stat; without names, those that are not 0 or changed.
 */
static int cmd_stat(struct io_state *s, int argc, char **argv)
{
	uint64_t values[WPFAULT_STAT_NR];
	int stat, i, err;

	if (need_object(s))
		return -EINVAL;
	for (i = 0; i < argc; i++)
		if (find_name(stat_names, WPFAULT_STAT_NR, argv[i],
			      "counter") < 0)
			return -EINVAL;
	err = wpf_stats(s->cur->obj.fd, values);
	if (err)
		return err;
	for (stat = 0; stat < WPFAULT_STAT_NR; stat++) {
		const char *name = stat_names[stat];
		bool wanted = !argc && (values[stat] || s->cur->last[stat]);

		for (i = 0; i < argc && !wanted; i++)
			wanted = !strcmp(argv[i], name);
		if (wanted)
			printf("%-24s %12llu %+lld\n", name,
			       (unsigned long long)values[stat],
			       (long long)(values[stat] - s->cur->last[stat]));
	}
	memcpy(s->cur->last, values, sizeof(values));
	return 0;
}

static int cmd_truncate(struct io_state *s, int argc, char **argv)
{
	uint64_t pages;

	if (need_object(s) || argc != 1 || parse_u64(argv[0], &pages))
		return -EINVAL;
	if (ftruncate(s->cur->obj.fd, pages * page_size))
		return -errno;
	printf("truncated to %llu pages\n", (unsigned long long)pages);
	return 0;
}

static int cmd_fsync(struct io_state *s, int argc, char **argv)
{
	if (need_object(s) || argc)
		return -EINVAL;
	if (fsync(s->cur->obj.fd))
		return -errno;
	printf("synced\n");
	return 0;
}

/* method [NAME]: sets the tracking method; prints it and the mode. */
static int cmd_method(struct io_state *s, int argc, char **argv)
{
	struct wpfault_tracking t;
	int method, err;

	if (need_object(s) || argc > 1)
		return -EINVAL;
	if (argc) {
		method = find_name(method_names, WPFAULT_METHOD_NR, argv[0],
				   "tracking method");
		if (method < 0)
			return -EINVAL;
		err = wpf_set_method(s->cur->obj.fd, method);
		if (err < 0)
			return err;
	}
	err = wpf_tracking(s->cur->obj.fd, &t);
	if (err)
		return err;
	printf("method %s, mode %s\n", method_names[t.method],
	       mode_names[t.mode]);
	return 0;
}

/* file [N]: lists the open objects, or makes slot N the current one. */
static int cmd_file(struct io_state *s, int argc, char **argv)
{
	uint64_t n;
	int i;

	if (argc > 1 || (argc && parse_u64(argv[0], &n)))
		return -EINVAL;
	if (argc) {
		if (n >= MAX_FILES)
			return -ERANGE;
		s->cur = &s->files[n];
	}
	for (i = 0; i < MAX_FILES; i++) {
		struct io_file *f = &s->files[i];

		if (f->obj.fd < 0 && f != s->cur)
			continue;
		printf("%c[%d] ", f == s->cur ? '*' : ' ', i);
		if (f->obj.fd < 0)
			printf("empty\n");
		else if (f->obj.id)
			printf("object %llu\n", (unsigned long long)f->obj.id);
		else
			printf("file\n");
	}
	return 0;
}

/* close: closes the current object and its mapping. */
static int cmd_close(struct io_state *s, int argc, char **argv)
{
	if (need_object(s) || argc)
		return -EINVAL;
	drop_file(s->cur);
	printf("closed\n");
	return 0;
}

/* snapshot: of the current object, opened in the first free slot. */
static int cmd_snapshot(struct io_state *s, int argc, char **argv)
{
	struct wpfault_snapshot arg = { 0 };
	struct io_file *f;
	int i;

	if (need_object(s) || argc)
		return -EINVAL;
	for (i = 0; i < MAX_FILES && s->files[i].obj.fd >= 0; i++)
		;
	if (i == MAX_FILES)
		return -EMFILE;
	if (ioctl(s->cur->obj.fd, WPFAULT_IOC_SNAPSHOT, &arg))
		return -errno;
	f = &s->files[i];
	f->obj.fd = arg.fd;
	f->obj.id = arg.id;
	printf("snapshot of object %llu: object %llu in [%d], ",
	       (unsigned long long)s->cur->obj.id, (unsigned long long)arg.id,
	       i);
	printf("%llu blocks copied\n", (unsigned long long)arg.eager_copies);
	return 0;
}

/* policy [NAME]: sets the copy-on-write policy; prints it. */
static int cmd_policy(struct io_state *s, int argc, char **argv)
{
	struct wpfault_policy_arg arg = { 0 };
	unsigned long cmd = WPFAULT_IOC_GET_POLICY;
	int policy;

	if (need_object(s) || argc > 1)
		return -EINVAL;
	if (argc) {
		policy = find_name(policy_names, WPFAULT_POLICY_NR, argv[0],
				   "policy");
		if (policy < 0)
			return -EINVAL;
		arg.policy = policy;
		cmd = WPFAULT_IOC_SET_POLICY;
	}
	if (ioctl(s->cur->obj.fd, cmd, &arg))
		return -errno;
	printf("policy %s\n", policy_names[arg.policy]);
	return 0;
}

/* pin [-w] FIRST NR: pins mapped pages, as a device driver would. */
static int cmd_pin(struct io_state *s, int argc, char **argv)
{
	struct wpfault_pin arg = { 0 };
	uint64_t first, nr;
	int i, err;

	if (argc && !strcmp(argv[0], "-w")) {
		arg.flags = WPFAULT_PIN_WRITE;
		argv++;
		argc--;
	}
	err = parse_mapped_range(s, argc, argv, &first, &nr);
	if (err)
		return err;
	for (i = 0; i < MAX_PINS && s->pins[i] >= 0; i++)
		;
	if (i == MAX_PINS)
		return -EMFILE;
	if (s->dev < 0) {
		s->dev = wpf_open_dev();
		if (s->dev < 0)
			return s->dev;
	}
	arg.addr = (uintptr_t)page_at(s, first);
	arg.length = nr * page_size;
	if (ioctl(s->dev, WPFAULT_IOC_PIN, &arg))
		return -errno;
	s->pins[i] = arg.fd;
	printf("pin %d: pages %llu+%llu%s\n", i, (unsigned long long)first,
	       (unsigned long long)nr, arg.flags ? ", writable" : "");
	return 0;
}

/* The pin fd of PIN, or -1 after saying there is none. */
static int find_pin(struct io_state *s, const char *arg)
{
	uint64_t n;

	if (parse_u64(arg, &n))
		return -1;
	if (n < MAX_PINS && s->pins[n] >= 0)
		return n;
	fprintf(stderr, "wpfault-io: no pin %s\n", arg);
	return -1;
}

/*
 * pinned [-v BYTE] PIN FIRST NR: reads pages FIRST..FIRST+NR-1 of the pin
 * (numbered from its first page) as they are now, checking with -v.
 */
static int cmd_pinned(struct io_state *s, int argc, char **argv)
{
	unsigned int byte = 0;
	uint64_t first, nr, i;
	int verify, pin, err = 0;
	unsigned char *buf;
	size_t b;

	verify = parse_pattern(&argc, &argv, "-v", &byte);
	if (verify < 0 || argc != 3)
		return -EINVAL;
	pin = find_pin(s, argv[0]);
	if (pin < 0 || parse_range(2, argv + 1, &first, &nr))
		return -EINVAL;
	buf = malloc(page_size);
	if (!buf)
		return -ENOMEM;
	for (i = first; i < first + nr && !err; i++) {
		if (pread(s->pins[pin], buf, page_size, i * page_size) !=
		    (ssize_t)page_size) {
			err = -ERANGE;
			break;
		}
		for (b = 0; b < page_size && !err; b++)
			if (verify && buf[b] != byte)
				err = mismatch(i, b, buf[b], byte);
	}
	free(buf);
	if (!err)
		printf("pin %d: read pages %llu+%llu%s\n", pin,
		       (unsigned long long)first, (unsigned long long)nr,
		       verify ? ", verified" : "");
	return err;
}

/* unpin PIN: releases the pages and closes the pin. */
static int cmd_unpin(struct io_state *s, int argc, char **argv)
{
	int pin = argc == 1 ? find_pin(s, argv[0]) : -1;
	int err = 0;

	if (pin < 0)
		return -EINVAL;
	if (ioctl(s->pins[pin], WPFAULT_IOC_UNPIN))
		err = -errno;
	close(s->pins[pin]);
	s->pins[pin] = -1;
	if (!err)
		printf("unpinned %d\n", pin);
	return err;
}

static const struct io_cmd commands[] = {
	{ "create",
	  "[-t pagecache|pfn|cow] [-P] [-F] [-m ORDER] [-i readonly|mkwrite] PAGES",
	  cmd_create },
	{ "open", "PATH", cmd_open },
	{ "mmap", "[-r] [PGOFF PAGES]", cmd_mmap },
	{ "munmap", "", cmd_munmap },
	{ "mwrite", "[-p BYTE] FIRST NR", cmd_mwrite },
	{ "mread", "[-v BYTE] FIRST NR", cmd_mread },
	{ "bitmap", "FIRST NR", cmd_bitmap },
	{ "collect", "FIRST NR", cmd_collect },
	{ "clean", "FIRST NR", cmd_clean },
	{ "stat", "[COUNTER...]", cmd_stat },
	{ "truncate", "PAGES", cmd_truncate },
	{ "fsync", "", cmd_fsync },
	{ "method", "[mkwrite|pagetable|adaptive]", cmd_method },
	{ "file", "[N]", cmd_file },
	{ "close", "", cmd_close },
	{ "snapshot", "", cmd_snapshot },
	{ "policy", "[refcount|mapcount|exclusive|copy]", cmd_policy },
	{ "pin", "[-w] FIRST NR", cmd_pin },
	{ "pinned", "[-v BYTE] PIN FIRST NR", cmd_pinned },
	{ "unpin", "PIN", cmd_unpin },
};

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: wpfault-io -c COMMAND [-c COMMAND...]\n"
		"Runs the commands in order on the current object and its mapping;\n"
		"up to 8 objects are open (file lists them, file N switches).\n"
		"Page numbers are the object's; BYTE and numbers take 0x for hexadecimal.\n"
		"Commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %s%s%s\n", commands[i].name,
			*commands[i].usage ? " " : "", commands[i].usage);
	fprintf(f, "  fork    run the commands up to \"wait\" in a child\n"
		"  wait    in the parent: wait for the child\n"
		"The first error prints its errno name; the exit status is 1.\n");
}

/* Splits @line at blanks into @argv; the count, or -1 if too many. */
static int split(char *line, char **argv)
{
	int argc = 0;
	char *tok;

	for (tok = strtok(line, " \t"); tok; tok = strtok(NULL, " \t")) {
		if (argc == MAX_ARGS)
			return -1;
		argv[argc++] = tok;
	}
	return argc;
}

/* Runs one command line; 0 or -errno. */
static int run_command(struct io_state *s, char *line)
{
	char *argv[MAX_ARGS];
	int argc = split(line, argv);
	size_t i;

	if (argc <= 0)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[0], commands[i].name))
			return commands[i].run(s, argc - 1, argv + 1);
	fprintf(stderr, "wpfault-io: no command '%s' (-h lists them)\n",
		argv[0]);
	return -EINVAL;
}

static int fail(const char *cmd, int err)
{
	fprintf(stderr, "wpfault-io: %s: %s (%s)\n", cmd, strerrorname_np(-err),
		strerror(-err));
	return 1;
}

int main(int argc, char **argv)
{
	struct io_state s = { .dev = -1 };
	int opt, i, ncmds = 0, status;
	char **cmds = calloc(argc, sizeof(*cmds));

	if (!cmds)
		return 1;
	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		switch (opt) {
		case 'c':
			cmds[ncmds++] = optarg;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !ncmds) {
		print_usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < MAX_FILES; i++) {
		s.files[i].obj.fd = -1;
		s.files[i].obj.dev = -1;
	}
	for (i = 0; i < MAX_PINS; i++)
		s.pins[i] = -1;
	s.cur = &s.files[0];
	for (i = 0; i < ncmds; i++) {
		char line[256];
		pid_t pid;
		int err;

		if (!strcmp(cmds[i], "fork")) {
			if (s.child)
				return fail(cmds[i], -EBUSY);
			printf("> fork\n");
			pid = fork();
			if (pid < 0)
				return fail(cmds[i], -errno);
			/* The parent goes on at the matching wait. */
			if (pid) {
				s.child = pid;
				while (i + 1 < ncmds &&
				       strcmp(cmds[i + 1], "wait"))
					i++;
			}
			continue;
		}
		if (!strcmp(cmds[i], "wait")) {
			if (!s.child)	/* the child, at the end of its part */
				exit(0);
			printf("> wait\n");
			if (waitpid(s.child, &status, 0) != s.child)
				return fail(cmds[i], -errno);
			s.child = 0;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				fprintf(stderr,
					"wpfault-io: wait: %s (status %#x)\n",
					"the child failed", status);
				return 1;
			}
			continue;
		}
		printf("> %s\n", cmds[i]);
		snprintf(line, sizeof(line), "%s", cmds[i]);
		err = run_command(&s, line);
		if (err)
			return fail(cmds[i], err);
	}
	if (s.child)
		return fail("fork", -ECHILD);
	for (i = 0; i < MAX_FILES; i++)
		drop_file(&s.files[i]);
	for (i = 0; i < MAX_PINS; i++)
		if (s.pins[i] >= 0)
			close(s.pins[i]);
	if (s.dev >= 0)
		close(s.dev);
	free(cmds);
	return 0;
}
