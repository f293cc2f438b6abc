// SPDX-License-Identifier: GPL-2.0
/*
 * Write inserts of pfn objects: how a write fault maps a block ("Write
 * inserts" in the uapi header).  The three ways are DAX's PTE fault
 * sequences before and after "mm: add vm_insert_mixed_mkwrite()" (Ross
 * Zwisler and Jan Kara, July 2017) and the module's own:
 *
 *  plain     a writable insert, clean: one fault, and one more in the
 *            core where the CPU does not set dirty bits itself;
 *  readonly  a read-only insert, the write retried into ->pfn_mkwrite,
 *            which leaves the upgrade to the core: two faults;
 *  mkwrite   the kernel's mkwrite insert, writable and dirty at once: one
 *            fault, and ->pfn_mkwrite upgrades a read-only entry with it
 *            in place.  Only where the kernel exports it (6.1).
 *
 * Each test runs each way and asserts the faults the core took
 * (getrusage), every counter, the dirty bitmap and the data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wpfault_stats.h"

#define NPAGES	4
#define MI	WPFAULT_STAT_MKWRITE_INSERTS
/* Why a test that cleans skips where cleans unmap instead. */
#define NO_HELPERS	"no MAPPING_DIRTY_HELPERS: cleans unmap pages"

enum insert { PLAIN, READONLY, MKWRITE };

FIXTURE(insert) {
	struct wpf_obj o;
	char *p;
	char *buf;
	/* Faults a write takes that makes an entry writable and clean. */
	long write_faults;
};

FIXTURE_VARIANT(insert) {
	enum insert insert;
	uint32_t flags;
	const char *name;	/* in debugfs <id>/write_insert */
};

FIXTURE_VARIANT_ADD(insert, plain) {
	.insert = PLAIN,
	.name = "plain",
};

FIXTURE_VARIANT_ADD(insert, readonly) {
	.insert = READONLY,
	.flags = WPFAULT_CREATE_READONLY_INSERT,
	.name = "readonly",
};

FIXTURE_VARIANT_ADD(insert, mkwrite) {
	.insert = MKWRITE,
	.flags = WPFAULT_CREATE_MKWRITE_INSERT,
	.name = "mkwrite",
};

FIXTURE_SETUP(insert)
{
	char path[128], name[16];
	int err;

	self->o = (struct wpf_obj)WPF_OBJ_INIT;
	self->p = MAP_FAILED;
	self->buf = malloc(NPAGES * page_size);
	ASSERT_NE(NULL, self->buf);
	err = wpf_create_flags(&self->o, NPAGES * page_size, WPFAULT_TYPE_PFN,
			       variant->flags);
	if (err == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	if (variant->insert == MKWRITE && !wpf_mkwrite_insert_objects()) {
		ASSERT_EQ(-EOPNOTSUPP, err);
		SKIP(return, WPF_NO_MKWRITE_INSERT);
	}
	ASSERT_EQ(0, err);
	snprintf(path, sizeof(path), "%s/wpfault/%llu/write_insert",
		 DEBUGFS_DIR, (unsigned long long)self->o.id);
	ASSERT_LT(0, wpf_read_file(path, name, sizeof(name)));
	ASSERT_STREQ(variant->name, name);
	self->p = wpf_map(self->o.fd, NPAGES, PROT_READ | PROT_WRITE,
			  MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	self->write_faults = wpf_writable_faults();
}

FIXTURE_TEARDOWN(insert)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, NPAGES * page_size);
	free(self->buf);
	wpf_destroy(&self->o);
}

/* The block of page @i of object @fd holds @c, then zeroes. */
static bool block_is(int fd, char *buf, long i, char c)
{
	size_t j;

	if (wpf_read_disk(fd, i, 1, buf) != 1 || buf[0] != c)
		return false;
	for (j = 1; j < page_size; j++)
		if (buf[j])
			return false;
	return true;
}

/* Writes @c to page @i of the mapping at @p; the faults it took. */
static long write_page(char *p, long i, char c)
{
	long faults = wpf_faults(wpf_write_byte, PAGE(p, i));

	PAGE(p, i)[0] = c;
	return faults;
}

/*
 * A write to a page never mapped, a hole: a block is allocated and mapped
 * by the first fault.  Read-only, it takes a second, into ->pfn_mkwrite.
 */
TEST_F(insert, write_to_a_page_with_no_entry)
{
	static const long faults[] = { [READONLY] = 2, [MKWRITE] = 1 };
	uint64_t bits = 0;

	ASSERT_EQ(variant->insert == PLAIN ? self->write_faults :
		  faults[variant->insert], write_page(self->p, 1, 'a'));
	ASSERT_EQ(0, write_page(self->p, 1, 'a'));
	ASSERT_TRUE(block_is(self->o.fd, self->buf, 1, 'a'));
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL << 1, bits);
	switch (variant->insert) {
	case PLAIN:
		CHECK_STATS(self->o.fd, [W] = 1, [BA] = 1, [BL] = 1, [DI] = 1);
		break;
	case READONLY:
		CHECK_STATS(self->o.fd, [W] = 1, [PM] = 1, [CU] = 1, [BA] = 1,
			    [BL] = 1, [DI] = 1);
		break;
	case MKWRITE:
		CHECK_STATS(self->o.fd, [W] = 1, [MI] = 1, [BA] = 1, [BL] = 1,
			    [DI] = 1);
		break;
	}
}

/*
 * A write to a hole a read mapped with the zero page: ->pfn_mkwrite
 * allocates the block, removes the zero page and maps the block as a
 * write fault would.  Read-only, the retried write comes back into
 * ->pfn_mkwrite, which leaves the upgrade to the core.
 */
TEST_F(insert, write_to_the_zero_page)
{
	static const long faults[] = { [READONLY] = 2, [MKWRITE] = 1 };

	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 2)));
	ASSERT_EQ(variant->insert == PLAIN ? self->write_faults :
		  faults[variant->insert], write_page(self->p, 2, 'z'));
	ASSERT_EQ(0, write_page(self->p, 2, 'z'));
	ASSERT_TRUE(block_is(self->o.fd, self->buf, 2, 'z'));
	switch (variant->insert) {
	case PLAIN:
		CHECK_STATS(self->o.fd, [R] = 1, [ZP] = 1, [PM] = 1, [HU] = 1,
			    [BA] = 1, [BL] = 1, [DI] = 1);
		break;
	case READONLY:
		CHECK_STATS(self->o.fd, [R] = 1, [ZP] = 1, [PM] = 2, [HU] = 1,
			    [CU] = 1, [BA] = 1, [BL] = 1, [DI] = 1);
		break;
	case MKWRITE:
		CHECK_STATS(self->o.fd, [R] = 1, [ZP] = 1, [PM] = 1, [HU] = 1,
			    [MI] = 1, [BA] = 1, [BL] = 1, [DI] = 1);
		break;
	}
}

/*
 * A write to a block a read mapped read-only, in a new mapping: one fault
 * into ->pfn_mkwrite in each way.  The core makes the entry writable, or
 * the mkwrite insert does, in place; either sets its dirty bit.
 */
TEST_F(insert, write_to_a_read_only_block)
{
	uint64_t bits = 0;

	if (wpf_mode(self->o.fd) != WPFAULT_MODE_MKWRITE)
		SKIP(return, NO_HELPERS);
	write_page(self->p, 0, 'r');
	ASSERT_EQ(1, wpf_clean(self->o.fd, 0, NPAGES));
	ASSERT_EQ(0, munmap(self->p, NPAGES * page_size));
	self->p = wpf_map(self->o.fd, NPAGES, PROT_READ | PROT_WRITE,
			  MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(self->p, 0)));
	ASSERT_EQ(1, write_page(self->p, 0, 's'));
	ASSERT_EQ(0, write_page(self->p, 0, 's'));
	ASSERT_TRUE(block_is(self->o.fd, self->buf, 0, 's'));
	ASSERT_EQ(1, wpf_dirty_bitmap(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL, bits);
	switch (variant->insert) {
	case PLAIN:
		CHECK_STATS(self->o.fd, [R] = 1, [W] = 1, [PM] = 1, [CU] = 1,
			    [BA] = 1, [BL] = 1, [DI] = 2, [CL] = 1, [PW] = 1);
		break;
	case READONLY:
		CHECK_STATS(self->o.fd, [R] = 1, [W] = 1, [PM] = 2, [CU] = 2,
			    [UU] = 1, [BA] = 1, [BL] = 1, [DI] = 2, [CL] = 1);
		break;
	case MKWRITE:
		CHECK_STATS(self->o.fd, [R] = 1, [W] = 1, [PM] = 1, [MI] = 2,
			    [BA] = 1, [BL] = 1, [DI] = 2, [CL] = 1, [PW] = 1);
		break;
	}
}

/*
 * Collections of a page written again and again: each collection reports
 * the page, and the next write faults again.  A page the core upgraded is
 * unmapped by the collection (upgrades_unmapped), so its next write
 * starts from no entry; the others are write-protected, and their next
 * write goes to ->pfn_mkwrite.
 */
TEST_F(insert, each_write_after_a_collection_is_reported)
{
	const long wf = self->write_faults;
	const long faults[][3] = {
		[PLAIN] = { wf, 1, wf },
		[READONLY] = { 2, 2, 2 },
		[MKWRITE] = { 1, 1, 1 },
	};
	uint64_t bits;
	long round;

	if (wpf_mode(self->o.fd) != WPFAULT_MODE_MKWRITE)
		SKIP(return, NO_HELPERS);
	for (round = 0; round < 3; round++) {
		ASSERT_EQ(faults[variant->insert][round],
			  write_page(self->p, 3, 'c' + round));
		bits = 0;
		ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
		ASSERT_EQ(1ULL << 3, bits);
		ASSERT_TRUE(block_is(self->o.fd, self->buf, 3, 'c' + round));
	}
	switch (variant->insert) {
	case PLAIN:
		CHECK_STATS(self->o.fd, [W] = 2, [PM] = 1, [CU] = 1, [UU] = 1,
			    [BA] = 1, [BL] = 1, [DI] = 3, [CL] = 3, [CO] = 3,
			    [CV] = 3, [PW] = 2);
		break;
	case READONLY:
		CHECK_STATS(self->o.fd, [W] = 3, [PM] = 3, [CU] = 3, [UU] = 3,
			    [BA] = 1, [BL] = 1, [DI] = 3, [CL] = 3, [CO] = 3,
			    [CV] = 3);
		break;
	case MKWRITE:
		CHECK_STATS(self->o.fd, [W] = 1, [PM] = 2, [MI] = 3, [BA] = 1,
			    [BL] = 1, [DI] = 3, [CL] = 3, [CO] = 3, [CV] = 3,
			    [PW] = 3);
		break;
	}
}

/*
 * In PAGETABLE mode reads map blocks writable: a read-only insert is the
 * read's, writable and clean, and the write is found by its dirty bit, not
 * recorded by a fault.  The mkwrite insert records it and sets the bit.
 */
TEST_F(insert, pagetable_mode_finds_each_write)
{
	uint64_t bits = 0;

	if (wpf_set_method(self->o.fd, WPFAULT_METHOD_PAGETABLE) !=
	    WPFAULT_MODE_PAGETABLE)
		SKIP(return, "no pagetable mode: no MAPPING_DIRTY_HELPERS");
	ASSERT_EQ(variant->insert == MKWRITE ? 1 : self->write_faults,
		  write_page(self->p, 0, 'p'));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL, bits);
	ASSERT_TRUE(block_is(self->o.fd, self->buf, 0, 'p'));
	/* Harvested: still writable, and the next write sets the bit again. */
	ASSERT_EQ(self->write_faults - 1, write_page(self->p, 0, 'q'));
	ASSERT_EQ(1, wpf_collect(self->o.fd, 0, NPAGES, &bits));
	ASSERT_EQ(1ULL, bits);
	ASSERT_TRUE(block_is(self->o.fd, self->buf, 0, 'q'));
}

/*
 * PMD entries are made by the mkwrite insert of huge entries whichever
 * way small ones are: a piece's first write maps it writable and dirty
 * in one fault.  A page of a piece that falls back (a read of a hole
 * maps the small zero page) is then written the object's way.
 */
TEST_F(insert, huge_entries_take_the_mkwrite_insert)
{
	static const long faults[] = { [READONLY] = 2, [MKWRITE] = 1 };
	struct wpf_obj o = WPF_OBJ_INIT;
	size_t pmd = wpf_pmd_size(), n = pmd / page_size;
	char *p;
	int err;

	if (!wpf_pmd_objects())
		SKIP(return, WPF_NO_PMD_OBJECTS);
	err = wpf_create_flags(&o, 2 * pmd, WPFAULT_TYPE_PFN,
			       WPFAULT_CREATE_PMD | variant->flags);
	ASSERT_EQ(0, err);
	p = mmap(NULL, 2 * pmd, PROT_READ | PROT_WRITE, MAP_SHARED, o.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(1, wpf_faults(wpf_write_byte, PAGE(p, 0)));
	ASSERT_EQ(0, wpf_faults(wpf_write_byte, PAGE(p, n - 1)));
	ASSERT_EQ(1, wpf_faults(wpf_read_byte, PAGE(p, n)));
	ASSERT_EQ(variant->insert == PLAIN ? self->write_faults :
		  faults[variant->insert],
		  wpf_faults(wpf_write_byte, PAGE(p, n)));
	switch (variant->insert) {
	case PLAIN:
		CHECK_STATS(o.fd, [WPFAULT_STAT_PMD_MAPS] = 1,
			    [WPFAULT_STAT_PMD_FALLBACKS] = 1, [R] = 1,
			    [ZP] = 1, [PM] = 1, [HU] = 1, [BA] = n + 1,
			    [BL] = n + 1, [DI] = n + 1);
		break;
	case READONLY:
		CHECK_STATS(o.fd, [WPFAULT_STAT_PMD_MAPS] = 1,
			    [WPFAULT_STAT_PMD_FALLBACKS] = 1, [R] = 1,
			    [ZP] = 1, [PM] = 2, [HU] = 1, [CU] = 1,
			    [BA] = n + 1, [BL] = n + 1, [DI] = n + 1);
		break;
	case MKWRITE:
		break;	/* no huge pfn entries where this insert is exported */
	}
	munmap(p, 2 * pmd);
	wpf_destroy(&o);
}

/*
 * The flags: pfn objects only, one at a time, and the mkwrite insert only
 * where the kernel exports it.  Each refusal leaves no object behind.
 */
TEST(flag_rules)
{
	static const uint32_t flags[] = {
		WPFAULT_CREATE_READONLY_INSERT, WPFAULT_CREATE_MKWRITE_INSERT,
	};
	struct wpf_obj o = WPF_OBJ_INIT;
	uint64_t alive;
	size_t i;
	int dev;

	dev = wpf_open_dev();
	if (dev == -ENOENT)
		SKIP(return, WPF_UNLOADED);
	ASSERT_LE(0, dev);
	alive = wpf_stat(dev, WPFAULT_STAT_OBJECTS_ALIVE);
	ASSERT_EQ(0, wpf_create_flags(&o, page_size, WPFAULT_TYPE_PFN,
				      flags[0]));
	wpf_destroy(&o);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		ASSERT_EQ(-EINVAL, wpf_create_flags(&o, page_size,
						    WPFAULT_TYPE_PAGECACHE,
						    flags[i]));
		ASSERT_EQ(-EINVAL, wpf_create_flags(&o, page_size,
						    WPFAULT_TYPE_COW,
						    flags[i]));
	}
	ASSERT_EQ(-EINVAL, wpf_create_flags(&o, page_size, WPFAULT_TYPE_PFN,
					    flags[0] | flags[1]));
	ASSERT_EQ(wpf_mkwrite_insert_objects() ? 0 : -EOPNOTSUPP,
		  wpf_create_flags(&o, page_size, WPFAULT_TYPE_PFN, flags[1]));
	wpf_destroy(&o);
	ASSERT_EQ(alive, wpf_stat(dev, WPFAULT_STAT_OBJECTS_ALIVE));
	close(dev);
}

TEST_HARNESS_MAIN
