// SPDX-License-Identifier: GPL-2.0
/*
 * wpfault: exercise and count the kernel's write-fault paths.
 *
 * /dev/wpfault creates objects (WPFAULT_IOC_CREATE returns a new fd) and
 * pins (WPFAULT_IOC_PIN, pin.c), and reports the module-wide counters;
 * everything else is done on objects, which a wpfault mount also makes
 * (fs.c).
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "wpfault.h"

static long wpf_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case WPFAULT_IOC_CREATE:
		return wpf_object_create(uarg);
	case WPFAULT_IOC_STATS:
		return wpf_stats_ioctl(NULL, uarg);
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
	err = wpf_fs_register();
	if (err)
		goto stats;
	err = misc_register(&wpf_misc);
	if (err)
		goto fs;
	return 0;

fs:
	wpf_fs_unregister();
stats:
	wpf_stats_exit();
	return err;
}

static void __exit wpf_exit(void)
{
	misc_deregister(&wpf_misc);
	wpf_fs_unregister();
	wpf_stats_exit();
}

module_init(wpf_init);
module_exit(wpf_exit);
MODULE_DESCRIPTION("Exercise and count the kernel's write-fault paths");
MODULE_LICENSE("GPL");
