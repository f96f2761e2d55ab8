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
 *
 *   fuzz       write "<calls> <seed>" (decimal): that many calls with random
 *              and boundary arguments from a PRNG seeded with <seed>: buffers
 *              at page edges, unshared, EL2's own, pinned by EL2, MMIO, past
 *              DRAM and anywhere, the view's own page and a shared one;
 *              sizes around the minimum and a page; IPAs around the top of
 *              the IPA space; with guest snapshots, every other call names
 *              a VM, a bad handle, another struct kvm or a protected VM.
 *              Each call must return what its arguments call for (or, for
 *              a buffer that is not memory, -EPERM or -EINVAL), leave a
 *              page of ours as it was when it fails, and fill a good header
 *              when it succeeds; the write fails with EIO if one did not
 *              read: the last run, "calls=<n> bad=<n>" then "<errno>=<n>"
 *              per return value, on one line
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/kvm_host.h>
#include <linux/memblock.h>
#include <linux/prandom.h>
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

/*
 * The top of the host IPA space, from a good call into @shared (a page
 * shared with EL2): the calls that attack the IPA bounds need it.
 */
static int s2_test_host_top(void *shared, u64 *top)
{
	int ret = s2_test_call(&s2_test_host, virt_to_phys(shared), PAGE_SIZE, 0);

	if (!ret)
		*top = BIT_ULL(((struct kvm_s2_snapshot *)shared)->ia_bits);
	return ret;
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

	ret = s2_test_host_top(shared, &top);
	if (ret)
		goto out_free_own;

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

/* fuzz */

/* The longest fuzz run a write may ask for, in calls. */
#define S2_FUZZ_MAX_CALLS	100000000UL

/* The buffers a fuzzed call names. */
enum s2_fuzz_buf {
	S2_FUZZ_SHARED,		/* a page of ours shared with EL2 */
	S2_FUZZ_VIEW,		/* the host view's own page, shared with EL2 */
	S2_FUZZ_OWN,		/* a page of ours, not shared: -EPERM */
	S2_FUZZ_EDGE,		/* the unshared page just below the shared one */
	S2_FUZZ_HYP,		/* a page of EL2's own memory: -EPERM */
	S2_FUZZ_PINNED,		/* a page EL2 pins for a VM: -EBUSY */
	S2_FUZZ_MMIO,		/* below DRAM, not memory */
	S2_FUZZ_WILD,		/* past DRAM, the top of the PA space, anywhere */
	S2_FUZZ_NR_BUFS
};

/* Whose stage-2 a fuzzed guest call names. */
enum s2_fuzz_target {
	S2_FUZZ_HOST,		/* the host's: the host call */
	S2_FUZZ_VM,		/* a VM that is not protected */
	S2_FUZZ_HANDLE_0,	/* handle 0, the host's own: -ENOENT */
	S2_FUZZ_HANDLE_RANDOM,	/* any handle: -ENOENT (or a VM's) */
	S2_FUZZ_OTHER_KVM,	/* the VM's handle, another struct kvm: -ENOENT */
	S2_FUZZ_PROTECTED,	/* a protected VM: -EACCES */
	S2_FUZZ_NR_TARGETS
};

/* The return values a run counts, in the order its summary shows them. */
static const int s2_fuzz_errnos[] = {
	0, -EINVAL, -ERANGE, -EPERM, -EBUSY, -ENOENT, -EIDRM, -EACCES,
};

/**
 * struct s2_fuzz - one fuzz run
 * @rnd:	its PRNG
 * @pages:	two pages of ours: the first not shared, the second shared
 *		with EL2 (S2_FUZZ_EDGE, S2_FUZZ_SHARED)
 * @own:	a page of ours, not shared (S2_FUZZ_OWN)
 * @view:	the view's own page (S2_FUZZ_VIEW)
 * @vm:		a VM that is not protected, referenced, or NULL
 * @pvm:	a protected VM, referenced, or NULL
 * @host_top:	the top of the host IPA space
 * @calls:	calls made
 * @bad:	calls whose outcome broke a rule
 * @counts:	calls per entry of s2_fuzz_errnos; the rest count as @bad
 */
struct s2_fuzz {
	struct rnd_state rnd;
	u8		*pages;
	u8		*own;
	phys_addr_t	view;
	struct kvm	*vm;
	struct kvm	*pvm;
	u64		host_top;
	unsigned long	calls;
	unsigned long	bad;
	unsigned long	counts[ARRAY_SIZE(s2_fuzz_errnos)];
};

/* One fuzzed call: its arguments and what it must return. */
struct s2_fuzz_call {
	struct s2_test_target target;
	enum s2_fuzz_buf buf_kind;
	phys_addr_t	buf;
	u64		size;
	u64		ipa;
	u64		top;	/* of the target's IPA space */
	int		target_err; /* a target EL2 must refuse, or 0 */
	u8		*page;	/* our page at @buf, or NULL */
};

/*
 * The summary of the last run, for a read of the file; s2_fuzz_lock also
 * keeps runs from overlapping.
 */
static DEFINE_MUTEX(s2_fuzz_lock);
static char s2_fuzz_summary[256];

static u64 s2_fuzz_pick(struct s2_fuzz *f, const u64 *values, size_t n)
{
	return values[prandom_u32_state(&f->rnd) % n];
}

static u64 s2_fuzz_u64(struct s2_fuzz *f)
{
	return (u64)prandom_u32_state(&f->rnd) << 32 |
	       prandom_u32_state(&f->rnd);
}

/* An offset into a buffer's page: mostly none, else an edge or anywhere. */
static u64 s2_fuzz_offset(struct s2_fuzz *f)
{
	const u64 offsets[] = { 0, 0, 0, 0, 0, 0, 1, sizeof(u64), SZ_64,
				PAGE_SIZE - sizeof(u64), PAGE_SIZE - 1,
				prandom_u32_state(&f->rnd) % PAGE_SIZE };

	return s2_fuzz_pick(f, offsets, ARRAY_SIZE(offsets));
}

/* A page of a kind, or 0 when this run has none. */
static phys_addr_t s2_fuzz_page(struct s2_fuzz *f, enum s2_fuzz_buf kind)
{
	u64 below_dram = memblock_start_of_DRAM() >> PAGE_SHIFT;
	u64 top_pa = BIT_ULL(PHYS_MASK_SHIFT);

	switch (kind) {
	case S2_FUZZ_SHARED:
		return virt_to_phys(f->pages + PAGE_SIZE);
	case S2_FUZZ_VIEW:
		return f->view;
	case S2_FUZZ_OWN:
		return virt_to_phys(f->own);
	case S2_FUZZ_EDGE:
		return virt_to_phys(f->pages);
	case S2_FUZZ_HYP:
		return hyp_mem_base + PAGE_SIZE *
		       (prandom_u32_state(&f->rnd) % (hyp_mem_size >> PAGE_SHIFT));
	case S2_FUZZ_PINNED:
		return f->vm ? ALIGN_DOWN(virt_to_phys(f->vm), PAGE_SIZE) : 0;
	case S2_FUZZ_MMIO:
		return below_dram ? PAGE_SIZE *
		       (prandom_u32_state(&f->rnd) % below_dram) : 0;
	default: {
		const u64 wild[] = {
			memblock_end_of_DRAM(), top_pa - PAGE_SIZE, top_pa,
			PAGE_MASK, s2_fuzz_u64(f) & PAGE_MASK,
			memblock_end_of_DRAM() + (s2_fuzz_u64(f) & PAGE_MASK &
						  (top_pa - 1)),
		};

		return s2_fuzz_pick(f, wild, ARRAY_SIZE(wild));
	}
	}
}

/* Our page at @pa, which a failed call must leave as it was, or NULL. */
static u8 *s2_fuzz_our_page(struct s2_fuzz *f, phys_addr_t pa)
{
	if (pa == virt_to_phys(f->pages))
		return f->pages;
	if (pa == virt_to_phys(f->pages + PAGE_SIZE))
		return f->pages + PAGE_SIZE;
	if (pa == virt_to_phys(f->own))
		return f->own;
	return NULL;
}

/*
 * Picks the target of a call: sets @c's target and the top of its IPA space,
 * or, for a target EL2 must refuse whatever the other arguments, the error.
 */
static void s2_fuzz_target(struct s2_fuzz *f, struct s2_fuzz_call *c)
{
	enum s2_fuzz_target kind = S2_FUZZ_HOST;

	if (IS_ENABLED(CONFIG_KVM_S2_GUEST_SNAPSHOT) && f->vm &&
	    prandom_u32_state(&f->rnd) % 2)
		kind = S2_FUZZ_VM + prandom_u32_state(&f->rnd) %
		       (S2_FUZZ_NR_TARGETS - S2_FUZZ_VM);

	c->target = s2_test_vm_target(f->vm);
	c->target_err = -ENOENT;
	switch (kind) {
	case S2_FUZZ_HOST:
		c->target = s2_test_host;
		c->top = f->host_top;
		c->target_err = 0;
		break;
	case S2_FUZZ_VM:
		c->top = BIT_ULL(VTCR_EL2_IPA(f->vm->arch.mmu.vtcr));
		c->target_err = 0;
		break;
	case S2_FUZZ_HANDLE_0:
		c->target.handle = 0;
		break;
	case S2_FUZZ_HANDLE_RANDOM:
		/* (a VM's handle by chance: but never its struct kvm) */
		c->target.handle = prandom_u32_state(&f->rnd);
		c->target.kvm = s2_fuzz_u64(f);
		break;
	case S2_FUZZ_OTHER_KVM:
		c->target.kvm += PAGE_SIZE * (1 + prandom_u32_state(&f->rnd) % 16);
		break;
	default:
		if (f->pvm) {
			c->target = s2_test_vm_target(f->pvm);
			c->target_err = -EACCES;
		} else {
			c->target.handle = 0;
		}
		break;
	}
}

/*
 * What a call must return: 0 or an errno, in the order EL2 checks; for a
 * buffer that is not memory, S2_FUZZ_NOT_MEMORY: -EPERM or -EINVAL.
 */
#define S2_FUZZ_NOT_MEMORY	1

static int s2_fuzz_want(const struct s2_fuzz_call *c)
{
	if (c->target_err)
		return c->target_err;
	if (!PAGE_ALIGNED(c->buf) || !PAGE_ALIGNED(c->ipa))
		return -EINVAL;
	if (c->size < KVM_S2_SNAPSHOT_MIN_SIZE || c->size > PAGE_SIZE)
		return -EINVAL;
	if (c->ipa >= c->top)
		return -ERANGE;
	switch (c->buf_kind) {
	case S2_FUZZ_SHARED:
	case S2_FUZZ_VIEW:
		return 0;
	case S2_FUZZ_OWN:
	case S2_FUZZ_EDGE:
	case S2_FUZZ_HYP:
		return -EPERM;
	case S2_FUZZ_PINNED:
		return -EBUSY;
	default:
		return S2_FUZZ_NOT_MEMORY;
	}
}

/* An IPA: mostly around the top of the IPA space @top, else anywhere. */
static u64 s2_fuzz_ipa(struct s2_fuzz *f, u64 top)
{
	const u64 ipas[] = {
		0, 0, top - PAGE_SIZE, top, top + PAGE_SIZE, PAGE_MASK,
		s2_fuzz_u64(f), s2_fuzz_u64(f) % (top + 1) & PAGE_MASK,
		s2_fuzz_u64(f) % (top + 1),
	};

	return s2_fuzz_pick(f, ipas, ARRAY_SIZE(ipas));
}

/*
 * Makes up the arguments of a call; false for a kind of buffer this run has
 * none of.
 */
static bool s2_fuzz_args(struct s2_fuzz *f, struct s2_fuzz_call *c)
{
	const u64 sizes[] = {
		0, 1, KVM_S2_SNAPSHOT_MIN_SIZE - 1, KVM_S2_SNAPSHOT_MIN_SIZE,
		KVM_S2_SNAPSHOT_MIN_SIZE + 1, PAGE_SIZE - 1, PAGE_SIZE,
		PAGE_SIZE, PAGE_SIZE, PAGE_SIZE + 1, 2 * PAGE_SIZE, U64_MAX,
		prandom_u32_state(&f->rnd) % (PAGE_SIZE + 1), s2_fuzz_u64(f),
	};
	phys_addr_t page;

	c->buf_kind = prandom_u32_state(&f->rnd) % S2_FUZZ_NR_BUFS;
	page = s2_fuzz_page(f, c->buf_kind);
	if (!page && c->buf_kind != S2_FUZZ_MMIO)
		return false;
	/* (a wild address in memory by chance could be a page someone shares) */
	if (c->buf_kind == S2_FUZZ_WILD && memblock_is_memory(page))
		return false;
	s2_fuzz_target(f, c);
	c->buf = page + s2_fuzz_offset(f);
	c->page = s2_fuzz_our_page(f, c->buf);
	c->size = s2_fuzz_pick(f, sizes, ARRAY_SIZE(sizes));
	c->ipa = s2_fuzz_ipa(f, c->top);
	return true;
}

/* Whether a return value is one of s2_fuzz_errnos; counts it. */
static bool s2_fuzz_count(struct s2_fuzz *f, int ret)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(s2_fuzz_errnos); i++) {
		if (ret == s2_fuzz_errnos[i]) {
			f->counts[i]++;
			return true;
		}
	}
	return false;
}

/* Whether a good call filled a header that fits its arguments. */
static bool s2_fuzz_header_ok(const struct s2_fuzz_call *c,
			      const struct kvm_s2_snapshot *snap)
{
	u64 max = (c->size - sizeof(*snap)) / sizeof(snap->entries[0]);

	return BIT_ULL(snap->ia_bits) == c->top && snap->next > c->ipa &&
	       snap->next <= c->top && snap->nr <= max &&
	       snap->nr <= KVM_S2_SNAPSHOT_MAX_ENTRIES;
}

/* One call: whether its outcome keeps every rule. */
static bool s2_fuzz_one(struct s2_fuzz *f, const struct s2_fuzz_call *c)
{
	int want = s2_fuzz_want(c);
	bool ok;
	int ret;

	if (c->page)
		memset(c->page, S2_TEST_PATTERN, PAGE_SIZE);
	ret = s2_test_call(&c->target, c->buf, c->size, c->ipa);
	ok = s2_fuzz_count(f, ret);
	if (want == S2_FUZZ_NOT_MEMORY)
		ok = ok && (ret == -EPERM || ret == -EINVAL);
	else
		ok = ok && ret == want;
	if (c->page && ret)
		ok = ok && s2_test_page_kept(c->page);
	if (c->page && !ret)
		ok = ok && s2_fuzz_header_ok(c, (void *)c->page);

	if (!ok)
		pr_warn_ratelimited("s2 host snapshot fuzz: call %lu: handle=0x%llx kvm=0x%llx buf=0x%llx size=0x%llx ipa=0x%llx: ret=%d want=%d\n",
				    f->calls, c->target.handle, c->target.kvm,
				    (u64)c->buf, c->size, c->ipa, ret, want);
	return ok;
}

static void s2_fuzz_run(struct s2_fuzz *f, unsigned long calls)
{
	struct s2_fuzz_call c;

	while (f->calls < calls && !fatal_signal_pending(current)) {
		memset(&c, 0, sizeof(c));
		if (!s2_fuzz_args(f, &c))
			continue;
		f->bad += !s2_fuzz_one(f, &c);
		f->calls++;
		cond_resched();
	}
}

static void s2_fuzz_summarise(const struct s2_fuzz *f)
{
	size_t i, len;

	len = scnprintf(s2_fuzz_summary, sizeof(s2_fuzz_summary),
			"calls=%lu bad=%lu", f->calls, f->bad);
	for (i = 0; i < ARRAY_SIZE(s2_fuzz_errnos); i++)
		len += scnprintf(s2_fuzz_summary + len,
				 sizeof(s2_fuzz_summary) - len, " %d=%lu",
				 s2_fuzz_errnos[i], f->counts[i]);
	scnprintf(s2_fuzz_summary + len, sizeof(s2_fuzz_summary) - len, "\n");
}

/* Sets up a run's pages and VMs; the run frees them (s2_fuzz_free()). */
static int s2_fuzz_init(struct s2_fuzz *f, u64 seed)
{
	int ret;

	prandom_seed_state(&f->rnd, seed);
	f->view = kvm_s2_host_buf_phys();
	if (!f->view)
		return -ENODEV;
	f->pages = (u8 *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, 1);
	if (!f->pages)
		return -ENOMEM;
	ret = kvm_share_hyp(f->pages + PAGE_SIZE, f->pages + 2 * PAGE_SIZE);
	if (ret)
		goto err_free_pages;
	f->own = (u8 *)get_zeroed_page(GFP_KERNEL);
	if (!f->own) {
		ret = -ENOMEM;
		goto err_unshare;
	}

	ret = s2_test_host_top(f->pages + PAGE_SIZE, &f->host_top);
	if (ret)
		goto err_free_own;
	f->vm = s2_test_get_vm(false);
	f->pvm = s2_test_get_vm(true);
	return 0;

err_free_own:
	free_page((unsigned long)f->own);
err_unshare:
	kvm_unshare_hyp(f->pages + PAGE_SIZE, f->pages + 2 * PAGE_SIZE);
err_free_pages:
	free_pages((unsigned long)f->pages, 1);
	return ret;
}

static void s2_fuzz_free(struct s2_fuzz *f)
{
	if (f->pvm)
		kvm_put_kvm(f->pvm);
	if (f->vm)
		kvm_put_kvm(f->vm);
	free_page((unsigned long)f->own);
	kvm_unshare_hyp(f->pages + PAGE_SIZE, f->pages + 2 * PAGE_SIZE);
	free_pages((unsigned long)f->pages, 1);
}

static ssize_t s2_test_fuzz_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	unsigned long calls;
	struct s2_fuzz *f;
	char kbuf[64];
	u64 seed;
	int ret;

	ret = s2_test_copy_args(kbuf, sizeof(kbuf), ubuf, len);
	if (ret)
		return ret;
	if (sscanf(kbuf, "%lu %llu", &calls, &seed) != 2 || !calls ||
	    calls > S2_FUZZ_MAX_CALLS)
		return -EINVAL;

	f = kzalloc_obj(*f, GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_lock(&s2_fuzz_lock);
	ret = s2_fuzz_init(f, seed);
	if (ret)
		goto out_unlock;

	s2_fuzz_run(f, calls);
	s2_fuzz_summarise(f);
	pr_info("s2 host snapshot fuzz: seed %llu: %s", seed, s2_fuzz_summary);
	ret = f->bad || f->calls < calls ? -EIO : len;
	s2_fuzz_free(f);

out_unlock:
	mutex_unlock(&s2_fuzz_lock);
	kfree(f);
	return ret;
}

static ssize_t s2_test_fuzz_read(struct file *file, char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&s2_fuzz_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, s2_fuzz_summary,
				      strlen(s2_fuzz_summary));
	mutex_unlock(&s2_fuzz_lock);
	return ret;
}

static const struct file_operations s2_test_fuzz_fops = {
	.open	= simple_open,
	.read	= s2_test_fuzz_read,
	.write	= s2_test_fuzz_write,
	.llseek	= default_llseek,
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
	debugfs_create_file("fuzz", 0600, dir, NULL, &s2_test_fuzz_fops);
	if (IS_ENABLED(CONFIG_KVM_S2_GUEST_SNAPSHOT))
		s2_test_guest_init(dir);
	dput(kvm_dir);
}
