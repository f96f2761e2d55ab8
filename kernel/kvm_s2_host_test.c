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
 *
 * With guest snapshots (CONFIG_KVM_S2_GUEST_SNAPSHOT), the same for the guest
 * hypercall, which names a VM by its pKVM handle and host struct kvm:
 *
 *   guest_vms        read: one line per VM with a handle,
 *                    "handle=0x<h> kvm=0x<k> protected=<0|1>"
 *   guest_call       write "<handle> <kvm> <buf> <size> <ipa>" (hex): one
 *                    guest call; the write fails with the call's error
 *   guest_bad_calls  read: as bad_calls, against the first VM that is not
 *                    protected (and the first protected one), with bad
 *                    handles besides: 0, unknown, another struct kvm;
 *                    and a whole walk whose entries show no address
 *   hammer           also takes "<seconds> <handle> <kvm>": the hammer
 *                    then makes guest calls
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

/*
 * Whose stage-2 a test call copies: the host's, or, with @guest, the VM that
 * @handle and @kvm name (which need not exist: the calls attack EL2).
 */
struct s2_test_target {
	u64	handle;
	u64	kvm;
	bool	guest;
};

static const struct s2_test_target s2_test_host;

static int s2_test_call(const struct s2_test_target *t, phys_addr_t buf,
			u64 size, u64 ipa)
{
	if (t->guest)
		return kvm_s2_host_test_guest_call(t->handle, t->kvm, buf, size,
						   ipa);
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

/* A write's text, as a string in @kbuf of @size bytes. */
static int s2_test_copy_args(char *kbuf, size_t size, const char __user *ubuf,
			     size_t len)
{
	if (len >= size)
		return -EINVAL;
	if (copy_from_user(kbuf, ubuf, len))
		return -EFAULT;
	kbuf[len] = '\0';
	return 0;
}

static ssize_t s2_test_call_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	u64 buf, size, ipa;
	char kbuf[64];
	int ret;

	ret = s2_test_copy_args(kbuf, sizeof(kbuf), ubuf, len);
	if (ret)
		return ret;
	if (sscanf(kbuf, "%llx %llx %llx", &buf, &size, &ipa) != 3)
		return -EINVAL;

	ret = s2_test_call(&s2_test_host, buf, size, ipa);
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
static void s2_test_run_case(struct seq_file *m, const struct s2_test_target *t,
			     const struct s2_test_case *c)
{
	const char *contents = "-";
	bool ok, kept;
	int ret;

	if (c->page)
		memset(c->page, S2_TEST_PATTERN, PAGE_SIZE);
	ret = s2_test_call(t, c->buf, c->size, c->ipa);
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

/* The first VM with a handle that is (not) @protected, referenced, or NULL. */
static struct kvm *s2_test_get_vm(bool protected)
{
	struct kvm *kvm, *found = NULL;

	mutex_lock(&kvm_lock);
	list_for_each_entry(kvm, &vm_list, vm_list) {
		if (READ_ONCE(kvm->arch.pkvm.handle) &&
		    kvm_vm_is_protected(kvm) == protected &&
		    kvm_get_kvm_safe(kvm)) {
			found = kvm;
			break;
		}
	}
	mutex_unlock(&kvm_lock);
	return found;
}

/*
 * A page EL2 uses for something else: the struct kvm of a VM that has run,
 * which EL2 keeps pinned while the VM exists. Returns its physical address
 * with the VM referenced, or 0 when no VM has run.
 */
static phys_addr_t s2_test_vm_page(struct kvm **kvmp)
{
	*kvmp = s2_test_get_vm(false) ?: s2_test_get_vm(true);
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
			s2_test_run_case(m, &s2_test_host, &cases[i]);
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
	ret = s2_test_call(&s2_test_host, virt_to_phys(shared), PAGE_SIZE, 0);
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

/* guest_vms, guest_call, guest_bad_calls */

static int s2_test_guest_vms_show(struct seq_file *m, void *v)
{
	struct kvm *kvm;

	mutex_lock(&kvm_lock);
	list_for_each_entry(kvm, &vm_list, vm_list) {
		if (!READ_ONCE(kvm->arch.pkvm.handle))
			continue;
		seq_printf(m, "handle=0x%x kvm=0x%llx protected=%d\n",
			   kvm->arch.pkvm.handle, (u64)kvm,
			   kvm_vm_is_protected(kvm));
	}
	mutex_unlock(&kvm_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(s2_test_guest_vms);

static ssize_t s2_test_guest_call_write(struct file *file,
					const char __user *ubuf, size_t len,
					loff_t *ppos)
{
	struct s2_test_target t = { .guest = true };
	u64 buf, size, ipa;
	char kbuf[128];
	int ret;

	ret = s2_test_copy_args(kbuf, sizeof(kbuf), ubuf, len);
	if (ret)
		return ret;
	if (sscanf(kbuf, "%llx %llx %llx %llx %llx", &t.handle, &t.kvm, &buf,
		   &size, &ipa) != 5)
		return -EINVAL;

	ret = s2_test_call(&t, buf, size, ipa);
	return ret ? ret : len;
}

static const struct file_operations s2_test_guest_call_fops = {
	.open	= simple_open,
	.write	= s2_test_guest_call_write,
	.llseek	= noop_llseek,
};

static struct s2_test_target s2_test_vm_target(struct kvm *kvm)
{
	return (struct s2_test_target) {
		.handle	= kvm ? kvm->arch.pkvm.handle : 0,
		.kvm	= (u64)kvm,
		.guest	= true,
	};
}

/*
 * A whole walk of good calls over the VM @t names: no entry shows a physical
 * address (a leaf's output address bits are clear, a table's entry is 0).
 */
static void s2_test_guest_no_address(struct seq_file *m,
				     const struct s2_test_target *t,
				     struct kvm_s2_snapshot *snap)
{
	kvm_pte_t oa = kvm_phys_to_pte(GENMASK_ULL(51, 0));
	u32 i, nr, leaves = 0, with_address = 0;
	const struct kvm_s2_snapshot_entry *e;
	u64 ipa = 0, top = U64_MAX;
	int ret = 0;

	while (!ret && ipa < top) {
		ret = s2_test_call(t, virt_to_phys(snap), PAGE_SIZE, ipa);
		nr = min_t(u32, snap->nr, KVM_S2_SNAPSHOT_MAX_ENTRIES);
		for (i = 0; !ret && i < nr; i++) {
			e = &snap->entries[i];
			if (e->flags & KVM_S2_SNAPSHOT_TABLE)
				with_address += !!e->pte;
			else if (kvm_pte_valid(e->pte))
				with_address += !!(e->pte & oa);
			leaves += !(e->flags & KVM_S2_SNAPSHOT_TABLE) &&
				  kvm_pte_valid(e->pte);
		}
		top = BIT_ULL(snap->ia_bits);
		if (!ret && snap->next <= ipa)
			ret = -EIO;
		ipa = snap->next;
	}
	seq_printf(m, "entries-show-no-address ret=%d leaves=%u with-address=%u %s\n",
		   ret, leaves, with_address,
		   !ret && leaves && !with_address ? "ok" : "FAIL");
}

/*
 * Bad calls against @kvm, which is not protected: its handle with bad
 * buffers and IPAs, then bad handles; @pvm, protected, may be NULL.
 */
static void s2_test_guest_bad_calls(struct seq_file *m, void *shared,
				    void *own, struct kvm *kvm, struct kvm *pvm)
{
	const struct s2_test_target vm = s2_test_vm_target(kvm);
	const struct s2_test_target handle_0 = { 0, vm.kvm, true };
	const struct s2_test_target unknown = {
		get_random_u32() | BIT(31), vm.kvm, true
	};
	const struct s2_test_target other_kvm = {
		vm.handle, vm.kvm + PAGE_SIZE, true
	};
	const struct s2_test_target protected = s2_test_vm_target(pvm);
	phys_addr_t good = virt_to_phys(shared);
	u64 top = BIT_ULL(VTCR_EL2_IPA(kvm->arch.mmu.vtcr));
	const struct s2_test_case cases[] = {
		{ "misaligned-buffer", good + SZ_64, PAGE_SIZE - SZ_64, 0,
		  -EINVAL, shared },
		{ "misaligned-ipa", good, PAGE_SIZE, SZ_64, -EINVAL, shared },
		{ "ipa-at-the-top", good, PAGE_SIZE, top, -ERANGE, shared },
		{ "host-page-not-shared", virt_to_phys(own), PAGE_SIZE, 0,
		  -EPERM, own },
		{ "page-el2-pins-for-a-vm",
		  ALIGN_DOWN(virt_to_phys(kvm), PAGE_SIZE), PAGE_SIZE, 0,
		  -EBUSY, NULL },
		{ "good-call", good, PAGE_SIZE, 0, 0, shared },
	};
	const struct s2_test_case bad_vm = {
		"", good, PAGE_SIZE, 0, -ENOENT, shared
	};
	struct s2_test_case c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		s2_test_run_case(m, &vm, &cases[i]);
	s2_test_guest_no_address(m, &vm, shared);

	c = bad_vm;
	c.name = "handle-0";
	s2_test_run_case(m, &handle_0, &c);
	c.name = "unknown-handle";
	s2_test_run_case(m, &unknown, &c);
	c.name = "another-struct-kvm";
	s2_test_run_case(m, &other_kvm, &c);
	c.name = "protected-vm";
	c.want = -EACCES;
	if (pvm)
		s2_test_run_case(m, &protected, &c);
	else
		seq_printf(m, "%s skipped\n", c.name);
}

static int s2_test_guest_bad_calls_show(struct seq_file *m, void *v)
{
	struct kvm *kvm, *pvm;
	void *shared, *own;
	int ret = -ENOMEM;

	kvm = s2_test_get_vm(false);
	if (!kvm)
		return -ENOENT;
	pvm = s2_test_get_vm(true);

	shared = s2_test_shared_page();
	if (!shared)
		goto out_put_vms;
	own = (void *)get_zeroed_page(GFP_KERNEL);
	if (!own)
		goto out_free_shared;

	s2_test_guest_bad_calls(m, shared, own, kvm, pvm);
	ret = 0;

	free_page((unsigned long)own);
out_free_shared:
	s2_test_free_shared_page(shared);
out_put_vms:
	if (pvm)
		kvm_put_kvm(pvm);
	kvm_put_kvm(kvm);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(s2_test_guest_bad_calls);

/* hammer */

/**
 * struct s2_test_hammer - one hammer run, shared by its two threads
 * @page:	the buffer, shared with EL2
 * @random_from: jiffies at which the scribbler turns from all-ones to random
 * @calls:	calls made, written by the caller thread only
 * @target:	whose stage-2 the calls copy
 */
struct s2_test_hammer {
	void		*page;
	struct s2_test_target target;
	unsigned long	random_from;
	unsigned long	calls;
};

/* Calls with the page as buffer until stopped; returns the failed calls. */
static int s2_test_hammer_call_fn(void *data)
{
	struct s2_test_hammer *h = data;
	int failed = 0;

	while (!kthread_should_stop()) {
		if (s2_test_call(&h->target, virt_to_phys(h->page), PAGE_SIZE, 0))
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
	struct s2_test_hammer h = {};
	char kbuf[64];
	int failed, ret, n;

	ret = s2_test_copy_args(kbuf, sizeof(kbuf), ubuf, len);
	if (ret)
		return ret;
	n = sscanf(kbuf, "%u %llx %llx", &seconds, &h.target.handle,
		   &h.target.kvm);
	if (n != 1 && n != 3)
		return -EINVAL;
	h.target.guest = n == 3;
	if (!seconds || seconds > S2_TEST_HAMMER_MAX_S)
		return -EINVAL;
	if (num_online_cpus() < 2)
		return -ENODEV;

	h.page = s2_test_shared_page();
	if (!h.page)
		return -ENOMEM;
	h.random_from = jiffies + seconds * HZ / 2;

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

/* The hooks of the guest snapshot hypercall, in @dir. */
static void s2_test_guest_init(struct dentry *dir)
{
	debugfs_create_file("guest_vms", 0400, dir, NULL,
			    &s2_test_guest_vms_fops);
	debugfs_create_file("guest_call", 0200, dir, NULL,
			    &s2_test_guest_call_fops);
	debugfs_create_file("guest_bad_calls", 0400, dir, NULL,
			    &s2_test_guest_bad_calls_fops);
}

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
	if (IS_ENABLED(CONFIG_KVM_S2_GUEST_SNAPSHOT))
		s2_test_guest_init(dir);
	dput(kvm_dir);
}
