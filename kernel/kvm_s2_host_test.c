// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test hooks of the pKVM host stage-2 snapshot hypercall, built only with
 * CONFIG_KVM_S2_HOST_SNAPSHOT_TEST: the host attacks EL2 through them, as a
 * compromised host kernel could. In /sys/kernel/debug/kvm/s2_host_snapshot/:
 *
 *   buffer     the physical address of the page the host view shares with
 *              EL2, to check that it keeps one state however often it is used
 *   call       write "<buf> <size> <ipa>" (numbers in hex): one call with
 *              those arguments; the write fails with the call's error
 *   bad_calls  read: one call per bad argument, with the buffer filled with
 *              a pattern first; one line per case,
 *              "<case> pa=0x<buf> ret=<r> want=<w> contents=<c> <ok|FAIL>",
 *              <c> "kept", "written" (the good call) or "-" (not readable)
 *   hammer     write "<seconds>": for that long, one CPU calls the hypercall
 *              in a loop while another overwrites its buffer with all-ones,
 *              then random bytes, without pause; the write fails with EIO
 *              if any call did not return 0
 *   view_calls read: "calls=<n> entries=<n>", the hypercalls the host view
 *              made since boot and the entries they returned
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/kvm_host.h>
#include <linux/random.h>
#include <linux/seq_file.h>

#include <asm/kvm_mmu.h>
#include <asm/kvm_s2_snapshot.h>

#include "kvm_s2_host.h"

/* The byte the buffers are filled with before a bad call. */
#define S2_TEST_PATTERN		0x5a

/* The longest hammer run a write may ask for, in seconds. */
#define S2_TEST_HAMMER_MAX_S	600

static int s2_test_call(phys_addr_t buf, u64 size, u64 ipa)
{
	return kvm_s2_host_test_call(buf, size, ipa);
}

/* A zeroed page shared with EL2, or NULL. */
static void *s2_test_shared_page(void)
{
	void *page = (void *)get_zeroed_page(GFP_KERNEL);

	if (page && kvm_share_hyp(page, page + PAGE_SIZE)) {
		free_page((unsigned long)page);
		return NULL;
	}
	return page;
}

static void s2_test_free_shared_page(void *page)
{
	kvm_unshare_hyp(page, page + PAGE_SIZE);
	free_page((unsigned long)page);
}

/* buffer */

static int s2_test_buffer_show(struct seq_file *m, void *v)
{
	phys_addr_t phys = kvm_s2_host_buf_phys();

	if (!phys)
		return -ENODEV;
	seq_printf(m, "0x%llx\n", (u64)phys);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(s2_test_buffer);

/* view_calls: "calls=<n> entries=<n>", the view's hypercalls since boot */

static int s2_test_view_calls_show(struct seq_file *m, void *v)
{
	u64 entries, calls = kvm_s2_host_calls(&entries);

	seq_printf(m, "calls=%llu entries=%llu\n", calls, entries);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(s2_test_view_calls);

/* call */

static ssize_t s2_test_call_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	u64 buf, size, ipa;
	char kbuf[64];
	int ret;

	if (len >= sizeof(kbuf))
		return -EINVAL;
	if (copy_from_user(kbuf, ubuf, len))
		return -EFAULT;
	kbuf[len] = '\0';
	if (sscanf(kbuf, "%llx %llx %llx", &buf, &size, &ipa) != 3)
		return -EINVAL;

	ret = s2_test_call(buf, size, ipa);
	return ret ? ret : len;
}

static const struct file_operations s2_test_call_fops = {
	.open	= simple_open,
	.write	= s2_test_call_write,
	.llseek	= noop_llseek,
};

/* bad_calls */

struct s2_test_case {
	const char	*name;
	phys_addr_t	buf;
	u64		size;
	u64		ipa;
	int		want;
	/* the page at @buf, filled with the pattern; NULL: not readable */
	u8		*page;
};

static bool s2_test_page_kept(const u8 *page)
{
	return !memchr_inv(page, S2_TEST_PATTERN, PAGE_SIZE);
}

/* A failed call leaves the page as it was; the good call writes it. */
static void s2_test_run_case(struct seq_file *m, const struct s2_test_case *c)
{
	const char *contents = "-";
	bool ok, kept;
	int ret;

	if (c->page)
		memset(c->page, S2_TEST_PATTERN, PAGE_SIZE);
	ret = s2_test_call(c->buf, c->size, c->ipa);
	ok = ret == c->want;
	if (c->page) {
		kept = s2_test_page_kept(c->page);
		contents = kept ? "kept" : c->want ? "changed" : "written";
		ok = ok && kept == !!c->want;
	}

	seq_printf(m, "%s pa=0x%llx ret=%d want=%d contents=%s %s\n", c->name,
		   (u64)ALIGN_DOWN(c->buf, PAGE_SIZE), ret, c->want, contents,
		   ok ? "ok" : "FAIL");
}

/*
 * A page EL2 uses for something else: the struct kvm of a VM that has run,
 * which EL2 keeps pinned while the VM exists. Returns its physical address
 * with the VM referenced, or 0 when no VM has run.
 */
static phys_addr_t s2_test_vm_page(struct kvm **kvmp)
{
	struct kvm *kvm;

	*kvmp = NULL;
	mutex_lock(&kvm_lock);
	list_for_each_entry(kvm, &vm_list, vm_list) {
		if (READ_ONCE(kvm->arch.pkvm.handle) && kvm_get_kvm_safe(kvm)) {
			*kvmp = kvm;
			break;
		}
	}
	mutex_unlock(&kvm_lock);
	return *kvmp ? ALIGN_DOWN(virt_to_phys(*kvmp), PAGE_SIZE) : 0;
}

static void s2_test_bad_calls(struct seq_file *m, void *shared, void *own,
			      phys_addr_t vm_page, u64 top)
{
	phys_addr_t good = virt_to_phys(shared);
	const struct s2_test_case cases[] = {
		{ "misaligned-buffer", good + SZ_64, PAGE_SIZE - SZ_64, 0,
		  -EINVAL, shared },
		{ "size-0", good, 0, 0, -EINVAL, shared },
		{ "size-below-a-chain-of-entries", good,
		  KVM_S2_SNAPSHOT_MIN_SIZE - 1, 0, -EINVAL, shared },
		{ "size-above-a-page", good, PAGE_SIZE + 1, 0, -EINVAL, shared },
		{ "misaligned-ipa", good, PAGE_SIZE, SZ_64, -EINVAL, shared },
		{ "ipa-at-the-top", good, PAGE_SIZE, top, -ERANGE, shared },
		{ "ipa-past-the-top", good, PAGE_SIZE, top + PAGE_SIZE, -ERANGE,
		  shared },
		{ "ipa-far-past-the-top", good, PAGE_SIZE, PAGE_MASK, -ERANGE,
		  shared },
		{ "host-page-not-shared", virt_to_phys(own), PAGE_SIZE, 0,
		  -EPERM, own },
		{ "hyp-owned-page", hyp_mem_base, PAGE_SIZE, 0, -EPERM, NULL },
		{ "page-el2-pins-for-a-vm", vm_page, PAGE_SIZE, 0, -EBUSY,
		  NULL },
		{ "good-call", good, PAGE_SIZE, 0, 0, shared },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (!cases[i].buf)
			seq_printf(m, "%s skipped\n", cases[i].name);
		else
			s2_test_run_case(m, &cases[i]);
	}
}

static int s2_test_bad_calls_show(struct seq_file *m, void *v)
{
	phys_addr_t vm_page;
	void *shared, *own;
	struct kvm *kvm;
	int ret = -ENOMEM;
	u64 top;

	shared = s2_test_shared_page();
	if (!shared)
		return -ENOMEM;
	own = (void *)get_zeroed_page(GFP_KERNEL);
	if (!own)
		goto out_free_shared;

	/* A good call first, for the size of the host IPA space. */
	ret = s2_test_call(virt_to_phys(shared), PAGE_SIZE, 0);
	if (ret)
		goto out_free_own;
	top = BIT_ULL(((struct kvm_s2_snapshot *)shared)->ia_bits);

	vm_page = s2_test_vm_page(&kvm);
	s2_test_bad_calls(m, shared, own, vm_page, top);
	if (kvm)
		kvm_put_kvm(kvm);

out_free_own:
	free_page((unsigned long)own);
out_free_shared:
	s2_test_free_shared_page(shared);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(s2_test_bad_calls);

/* hammer */

/**
 * struct s2_test_hammer - one hammer run, shared by its two threads
 * @page:	the buffer, shared with EL2
 * @random_from: jiffies at which the scribbler turns from all-ones to random
 * @calls:	calls made, written by the caller thread only
 */
struct s2_test_hammer {
	void		*page;
	unsigned long	random_from;
	unsigned long	calls;
};

/* Calls with the page as buffer until stopped; returns the failed calls. */
static int s2_test_hammer_call_fn(void *data)
{
	struct s2_test_hammer *h = data;
	int failed = 0;

	while (!kthread_should_stop()) {
		if (s2_test_call(virt_to_phys(h->page), PAGE_SIZE, 0))
			failed++;
		h->calls++;
		cond_resched();
	}
	return failed;
}

/* Overwrites the page until stopped, without pause. */
static int s2_test_hammer_scribble_fn(void *data)
{
	struct s2_test_hammer *h = data;

	while (!kthread_should_stop()) {
		if (time_before(jiffies, h->random_from))
			memset(h->page, 0xff, PAGE_SIZE);
		else
			get_random_bytes(h->page, PAGE_SIZE);
		cond_resched();
	}
	return 0;
}

static ssize_t s2_test_hammer_write(struct file *file, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct task_struct *caller, *scribbler;
	unsigned int seconds, cpu_call, cpu_scribble;
	struct s2_test_hammer h;
	int failed, ret;

	ret = kstrtouint_from_user(ubuf, len, 0, &seconds);
	if (ret)
		return ret;
	if (!seconds || seconds > S2_TEST_HAMMER_MAX_S)
		return -EINVAL;
	if (num_online_cpus() < 2)
		return -ENODEV;

	h.page = s2_test_shared_page();
	if (!h.page)
		return -ENOMEM;
	h.random_from = jiffies + seconds * HZ / 2;
	h.calls = 0;

	cpu_call = cpumask_first(cpu_online_mask);
	cpu_scribble = cpumask_next(cpu_call, cpu_online_mask);
	scribbler = kthread_create(s2_test_hammer_scribble_fn, &h,
				   "s2-scribble");
	if (IS_ERR(scribbler)) {
		ret = PTR_ERR(scribbler);
		goto out_free_page;
	}
	caller = kthread_create(s2_test_hammer_call_fn, &h, "s2-call");
	if (IS_ERR(caller)) {
		ret = PTR_ERR(caller);
		goto out_stop_scribbler;
	}
	kthread_bind(scribbler, cpu_scribble);
	kthread_bind(caller, cpu_call);
	get_task_struct(scribbler);
	get_task_struct(caller);
	wake_up_process(scribbler);
	wake_up_process(caller);

	msleep_interruptible(seconds * MSEC_PER_SEC);

	failed = kthread_stop_put(caller);
	kthread_stop_put(scribbler);
	pr_info("s2 host snapshot hammer: %lu calls in %u s, %d failed\n",
		h.calls, seconds, failed);
	ret = failed ? -EIO : len;
	goto out_free_page;

out_stop_scribbler:
	kthread_stop(scribbler);
out_free_page:
	s2_test_free_shared_page(h.page);
	return ret;
}

static const struct file_operations s2_test_hammer_fops = {
	.open	= simple_open,
	.write	= s2_test_hammer_write,
	.llseek	= noop_llseek,
};

/**
 * kvm_s2_host_test_init() - create the test hooks of the snapshot hypercall
 *
 * In KVM's debugfs directory; without debugfs there are none.
 */
void kvm_s2_host_test_init(void)
{
	struct dentry *kvm_dir = debugfs_lookup("kvm", NULL);
	struct dentry *dir;

	dir = debugfs_create_dir("s2_host_snapshot", kvm_dir);
	debugfs_create_file("buffer", 0400, dir, NULL, &s2_test_buffer_fops);
	debugfs_create_file("call", 0200, dir, NULL, &s2_test_call_fops);
	debugfs_create_file("bad_calls", 0400, dir, NULL,
			    &s2_test_bad_calls_fops);
	debugfs_create_file("hammer", 0200, dir, NULL, &s2_test_hammer_fops);
	debugfs_create_file("view_calls", 0400, dir, NULL,
			    &s2_test_view_calls_fops);
	dput(kvm_dir);
}
