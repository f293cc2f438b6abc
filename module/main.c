// SPDX-License-Identifier: GPL-2.0
/*
 * wpfault: exercise and count the kernel's write-fault paths.
 *
 * /dev/wpfault creates objects (WPFAULT_IOC_CREATE returns a new fd) and
 * pins (WPFAULT_IOC_PIN, pin.c), and reports the module-wide counters;
 * everything else is done on objects (object.c), which a wpfault mount
 * also makes (fs.c).  This file is the top of the module: it alone knows
 * every object type.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "wpfault.h"

static const struct wpf_object_type *const wpf_types[WPFAULT_TYPE_NR] = {
	[WPFAULT_TYPE_PAGECACHE] = &wpf_pagecache_type,
	[WPFAULT_TYPE_PFN] = &wpf_pfn_type,
	[WPFAULT_TYPE_COW] = &wpf_cow_type,
};

static long wpf_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case WPFAULT_IOC_CREATE:
		return wpf_object_create(uarg);
	case WPFAULT_IOC_STATS:
		return wpf_objects_stats_ioctl(uarg);
	case WPFAULT_IOC_PIN:
		return wpf_pin_create(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations wpf_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = wpf_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice wpf_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "wpfault",
	.fops = &wpf_dev_fops,
	.mode = 0600,
};

static int __init wpf_init(void)
{
	int err;

	wpf_stats_init();
	err = wpf_objects_init(wpf_types);
	if (err)
		goto stats;
	err = misc_register(&wpf_misc);
	if (err)
		goto objects;
	return 0;

objects:
	wpf_objects_exit();
stats:
	wpf_stats_exit();
	return err;
}

static void __exit wpf_exit(void)
{
	misc_deregister(&wpf_misc);
	wpf_objects_exit();
	wpf_stats_exit();
}

module_init(wpf_init);
module_exit(wpf_exit);
MODULE_DESCRIPTION("Exercise and count the kernel's write-fault paths");
MODULE_LICENSE("GPL");
