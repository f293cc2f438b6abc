// SPDX-License-Identifier: GPL-2.0
/*
 * Counters: every event is counted twice, in its object and module-wide.
 * The STATS ioctl copies them out, and debugfs shows them as plain
 * "name value" lines: wpfault/stats module-wide, wpfault/<id>/stats for
 * one live object (object.c adds the gauges only objects know, and makes
 * both files).
 */
#include <linux/debugfs.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "wpfault.h"

static const char *const wpf_stat_names[WPFAULT_STAT_NR] =
	WPFAULT_STAT_NAMES;

static DEFINE_PER_CPU(struct wpf_counter_set, wpf_global_set);
static struct wpf_counters wpf_global = { .cpu = &wpf_global_set };
static struct dentry *wpf_debugfs_dir;

/* An object's counters, all 0; -ENOMEM. */
int wpf_counters_init(struct wpf_counters *c)
{
	c->cpu = alloc_percpu(struct wpf_counter_set);
	return c->cpu ? 0 : -ENOMEM;
}

void wpf_counters_free(struct wpf_counters *c)
{
	free_percpu(c->cpu);
}

void wpf_count_global(enum wpfault_stat stat, s64 n)
{
	if (n)
		this_cpu_add(wpf_global.cpu->v[stat], n);
}

void wpf_count(struct wpf_object *obj, enum wpfault_stat stat, s64 n)
{
	if (!n)
		return;
	this_cpu_add(obj->stats.cpu->v[stat], n);
	wpf_count_global(stat, n);
}

/* Gauges go down as well as up: a CPU's share may wrap, the sum does not. */
void wpf_stats_read(const struct wpf_counters *c, u64 *values)
{
	int cpu, i;

	memset(values, 0, WPFAULT_STAT_NR * sizeof(*values));
	for_each_possible_cpu(cpu) {
		const struct wpf_counter_set *set = per_cpu_ptr(c->cpu, cpu);

		for (i = 0; i < WPFAULT_STAT_NR; i++)
			values[i] += READ_ONCE(set->v[i]);
	}
}

/*
 * Reclaim does not say whose page it drops (->free_folio has no mapping
 * left): what left other than by truncation was reclaimed.  A page being
 * added or truncated right now can skew it, below 0.
 */
void wpf_stats_derive(u64 *values)
{
	s64 gone = values[WPFAULT_STAT_PAGES_ALLOCATED] -
		   values[WPFAULT_STAT_PAGES_RESIDENT] -
		   values[WPFAULT_STAT_PAGES_TRUNCATED];

	values[WPFAULT_STAT_PAGES_RECLAIMED] = max(gone, 0LL);
}

/* The STATS ioctl's answer: as many of @values as the caller has room for. */
long wpf_stats_copy_out(struct wpfault_stats __user *uarg, const u64 *values)
{
	struct wpfault_stats arg;
	u32 n;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.reserved)
		return -EINVAL;
	n = min_t(u32, arg.nr_stats, WPFAULT_STAT_NR);
	if (copy_to_user(u64_to_user_ptr(arg.values), values,
			 n * sizeof(values[0])))
		return -EFAULT;
	if (put_user(n, &uarg->nr_stats))
		return -EFAULT;
	return 0;
}

/* The module-wide counters, without the gauges only objects know. */
void wpf_stats_read_module(u64 *values)
{
	wpf_stats_read(&wpf_global, values);
}

void wpf_stats_show_values(struct seq_file *m, const u64 *values)
{
	int i;

	for (i = 0; i < WPFAULT_STAT_NR; i++)
		seq_printf(m, "%s %llu\n", wpf_stat_names[i], values[i]);
}

/* The module's debugfs directory, which holds the objects' own. */
struct dentry *wpf_debugfs_root(void)
{
	return wpf_debugfs_dir;
}

void wpf_stats_init(void)
{
	wpf_debugfs_dir = debugfs_create_dir("wpfault", NULL);
}

void wpf_stats_exit(void)
{
	debugfs_remove(wpf_debugfs_dir);
}
