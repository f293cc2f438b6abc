// SPDX-License-Identifier: GPL-2.0
/*
 * Pins: what a driver does to give a device memory for DMA.
 * WPFAULT_IOC_PIN pins a user range with pin_user_pages(FOLL_LONGTERM)
 * and returns a file that holds the pin: pread(2) reads what the pinned
 * pages hold now, and WPFAULT_IOC_UNPIN or the file's release lets them
 * go.  The copy-on-write tests pin pages through wpfault mappings to see
 * which policy keeps a pin coherent with the object.
 *
 * Pinned pages are charged to the pinning process's mm->locked_vm against
 * RLIMIT_MEMLOCK, as VFIO charges them (account_locked_vm(), which lets
 * CAP_IPC_LOCK through).  The file keeps the mm to give the charge back;
 * if the process is gone by then, so is the count.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "wpfault.h"

/* Pages pinned per call, between two checks for a fatal signal. */
#define WPF_PIN_BATCH	512UL

struct wpf_pin {
	struct mutex lock;	/* orders WPFAULT_IOC_UNPIN with reads */
	struct page **pages;
	unsigned long nr;	/* pinned now: 0 once unpinned */
	bool writable;
	struct mm_struct *mm;	/* charged for the pages */
};

/* Lets the pages go and gives back their charge. */
static void wpf_pin_put(struct wpf_pin *pin)
{
	unpin_user_pages_dirty_lock(pin->pages, pin->nr, pin->writable);
	if (mmget_not_zero(pin->mm)) {
		account_locked_vm(pin->mm, pin->nr, false);
		mmput(pin->mm);
	}
	wpf_count_global(WPFAULT_STAT_PAGES_PINNED, -(s64)pin->nr);
	wpf_count_global(WPFAULT_STAT_PINS_HELD, -1);
	pin->nr = 0;
}

static ssize_t wpf_pin_read(struct kiocb *iocb, struct iov_iter *to)
{
	struct wpf_pin *pin = iocb->ki_filp->private_data;
	loff_t pos = iocb->ki_pos;
	ssize_t done = 0;

	mutex_lock(&pin->lock);
	while (iov_iter_count(to) && pos < (loff_t)pin->nr << PAGE_SHIFT) {
		size_t off = offset_in_page(pos);
		size_t n = min_t(size_t, PAGE_SIZE - off, iov_iter_count(to));
		struct page *page = pin->pages[pos >> PAGE_SHIFT];
		size_t copied;

		/* Poisoned since it was pinned: its data is lost. */
		if (PageHWPoison(page)) {
			done = done ?: -EIO;
			break;
		}
		copied = copy_page_to_iter(page, off, n, to);
		done += copied;
		pos += copied;
		if (copied < n) {
			done = done ?: -EFAULT;
			break;
		}
	}
	mutex_unlock(&pin->lock);
	iocb->ki_pos = pos;
	return done;
}

static long wpf_pin_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct wpf_pin *pin = file->private_data;
	long err = 0;

	if (cmd != WPFAULT_IOC_UNPIN)
		return -ENOTTY;
	mutex_lock(&pin->lock);
	if (pin->nr)
		wpf_pin_put(pin);
	else
		err = -EINVAL;
	mutex_unlock(&pin->lock);
	return err;
}

static void wpf_pin_free(struct wpf_pin *pin)
{
	if (pin->nr)
		wpf_pin_put(pin);
	mmdrop(pin->mm);
	kvfree(pin->pages);
	kfree(pin);
}

static int wpf_pin_release(struct inode *inode, struct file *file)
{
	wpf_pin_free(file->private_data);
	return 0;
}

static const struct file_operations wpf_pin_fops = {
	.owner = THIS_MODULE,
	.read_iter = wpf_pin_read,
	.llseek = generic_file_llseek,
	.unlocked_ioctl = wpf_pin_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = wpf_pin_release,
};

/*
 * A page a memory error hit while still mapped (wpfault's own blocks stay
 * mapped: the kernel cannot unmap them), which GUP pins without looking.
 */
static bool wpf_pages_poisoned(struct page **pages, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (PageHWPoison(pages[i]))
			return true;
	return false;
}

/*
 * Pins @nr pages from @addr into pin->pages, a batch at a time; on
 * failure, nothing stays pinned.  -EHWPOISON if a page is poisoned.
 */
static int wpf_pin_pages(struct wpf_pin *pin, unsigned long addr,
			 unsigned long nr)
{
	unsigned int gup_flags = FOLL_LONGTERM |
				 (pin->writable ? FOLL_WRITE : 0);
	unsigned long done = 0;
	long got;

	while (done < nr) {
		if (fatal_signal_pending(current)) {
			got = -EINTR;
			break;
		}
		/* 6.1's pin_user_pages_unlocked() refuses FOLL_LONGTERM. */
		got = pin_user_pages_fast(addr + done * PAGE_SIZE,
					  min(nr - done, WPF_PIN_BATCH),
					  gup_flags, pin->pages + done);
		if (got <= 0) {
			got = got ?: -EFAULT;
			break;
		}
		done += got;
		cond_resched();
	}
	if (done == nr && !wpf_pages_poisoned(pin->pages, nr))
		return 0;
	unpin_user_pages(pin->pages, done);
	return done == nr ? -EHWPOISON : got;
}

/* A pin with its pages charged and pinned, or ERR_PTR. */
static struct wpf_pin *wpf_pin_new(const struct wpfault_pin *arg)
{
	unsigned long nr = arg->length >> PAGE_SHIFT;
	struct wpf_pin *pin;
	int err = -ENOMEM;

	pin = kzalloc_obj(*pin, GFP_KERNEL_ACCOUNT);
	if (!pin)
		return ERR_PTR(-ENOMEM);
	pin->pages = kvmalloc_array(nr, sizeof(*pin->pages),
				    GFP_KERNEL_ACCOUNT);
	if (!pin->pages)
		goto free;
	mutex_init(&pin->lock);
	pin->writable = arg->flags & WPFAULT_PIN_WRITE;
	pin->mm = current->mm;
	mmgrab(pin->mm);
	err = account_locked_vm(pin->mm, nr, true);
	if (err)
		goto drop;
	err = wpf_pin_pages(pin, arg->addr, nr);
	if (err)
		goto uncharge;
	pin->nr = nr;
	wpf_count_global(WPFAULT_STAT_PINS_HELD, 1);
	wpf_count_global(WPFAULT_STAT_PAGES_PINNED, nr);
	return pin;

uncharge:
	account_locked_vm(pin->mm, nr, false);
drop:
	mmdrop(pin->mm);
free:
	kvfree(pin->pages);
	kfree(pin);
	return ERR_PTR(err);
}

long wpf_pin_create(struct wpfault_pin __user *uarg)
{
	struct wpfault_pin arg;
	struct wpf_pin *pin;
	struct file *file;
	int fd;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~WPFAULT_PIN_FLAGS || arg.reserved || !arg.length ||
	    !PAGE_ALIGNED(arg.addr) || !PAGE_ALIGNED(arg.length))
		return -EINVAL;
	if (arg.length >> PAGE_SHIFT > WPFAULT_PIN_MAX_PAGES)
		return -E2BIG;

	fd = get_unused_fd_flags(arg.flags & WPFAULT_PIN_CLOEXEC ?
				 O_CLOEXEC : 0);
	if (fd < 0)
		return fd;
	pin = wpf_pin_new(&arg);
	if (IS_ERR(pin)) {
		put_unused_fd(fd);
		return PTR_ERR(pin);
	}
	file = anon_inode_getfile("[wpfault-pin]", &wpf_pin_fops, pin,
				  O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		wpf_pin_free(pin);
		return PTR_ERR(file);
	}
	file->f_mode |= FMODE_PREAD;
	arg.fd = fd;
	return wpf_publish_fd(file, fd, uarg, &arg, sizeof(arg));
}
