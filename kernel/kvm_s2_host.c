// SPDX-License-Identifier: GPL-2.0-only
/*
 * pKVM host stage-2 view in sysfs: /sys/kernel/kvm/host/s2/.
 *
 * Under kvm-arm.mode=protected the host's own stage-2 (an identity map that
 * EL2 fills on demand and annotates with owners and page states) belongs to
 * EL2. Its entries come here through the __pkvm_host_s2_snapshot hypercall
 * (hyp/nvhe/hyp_snapshot.c), one page of entries per call; each call is a
 * piece of the walk, and the ranges and counters are those of the VM views
 * (kvm_s2_sysfs.c), with owner=<name> on annotated invalid entries and
 * state=<name> on valid ones.
 */

#include <linux/debugfs.h>
#include <linux/kvm_host.h>
#include <linux/memblock.h>
#include <linux/slab.h>

#include <asm/kvm_mmu.h>
#include <asm/kvm_s2_snapshot.h>

#include "kvm_s2_sysfs.h"

/* Names of the owner ids of annotated invalid entries; others are numbers. */
static const char *const s2_host_owner_names[KVM_S2_NR_OWNERS] = {
	[KVM_S2_SNAPSHOT_OWNER_HOST]	= "host",
	[KVM_S2_SNAPSHOT_OWNER_HYP]	= "hyp",
	[KVM_S2_SNAPSHOT_OWNER_FFA]	= "ffa",
};

/* Names of the page states of valid entries, by software bits 0-1. */
static const char *const s2_host_state_names[KVM_S2_NR_STATES] = {
	"owned", "shared-owned", "shared-borrowed", "reserved",
};

/* /sys/kernel/kvm/host; its s2/ group holds the counters and "ranges". */
static struct kobject *s2_host_kobj;

static int s2_host_snapshot(struct kvm_s2_snapshot *snap, u64 ipa)
{
	return kvm_call_hyp_nvhe(__pkvm_host_s2_snapshot, virt_to_phys(snap),
				 PAGE_SIZE, ipa);
}

/* One hypercall is one piece: EL2 bounds it to a page of entries. */
static int s2_host_piece(struct kvm_s2_walk *w)
{
	struct kvm_s2_snapshot *snap = w->src;
	struct kvm_s2_snapshot_entry *e;
	u32 i;
	int ret;

	ret = s2_host_snapshot(snap, w->cursor);
	if (ret)
		return ret;

	w->budget = snap->nr + 1;
	for (i = 0; i < snap->nr; i++) {
		e = &snap->entries[i];
		if (e->flags & KVM_S2_SNAPSHOT_TABLE)
			kvm_s2_note_table(w, e->addr, e->level);
		else if (kvm_s2_note(w, e->addr, e->level, e->pte))
			break;
	}
	return 0;
}

static void s2_host_show_extra(struct seq_file *m, kvm_pte_t pte)
{
	u64 owner = FIELD_GET(KVM_INVALID_PTE_OWNER_MASK, pte);
	u64 state;

	if (kvm_pte_valid(pte)) {
		state = (kvm_pgtable_stage2_pte_prot(pte) & KVM_S2_STATE_MASK) >>
			__bf_shf(KVM_S2_STATE_MASK);
		seq_printf(m, " state=%s", s2_host_state_names[state]);
	} else if (owner < KVM_S2_NR_OWNERS && owner) {
		seq_printf(m, " owner=%s", s2_host_owner_names[owner]);
	} else if (owner) {
		seq_printf(m, " owner=%llu", owner);
	}
}

static void s2_host_release(void *src)
{
	free_page((unsigned long)src);
}

static const struct kvm_s2_view_ops s2_host_ops = {
	.piece		= s2_host_piece,
	.show_extra	= s2_host_show_extra,
	.release	= s2_host_release,
};

/* A snapshot page, with the header of the call at IPA 0 read. */
static struct kvm_s2_snapshot *s2_host_snapshot_page(void)
{
	struct kvm_s2_snapshot *snap;
	int ret;

	snap = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!snap)
		return ERR_PTR(-ENOMEM);

	ret = s2_host_snapshot(snap, 0);
	if (ret) {
		free_page((unsigned long)snap);
		return ERR_PTR(ret);
	}
	return snap;
}

static int s2_host_ranges_open(struct kernfs_open_file *of)
{
	struct kvm_s2_ranges_file *f;
	struct kvm_s2_snapshot *snap;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;

	snap = s2_host_snapshot_page();
	if (IS_ERR(snap)) {
		kfree(f);
		return PTR_ERR(snap);
	}

	f->ops = &s2_host_ops;
	f->src = snap;
	f->limit = BIT_ULL(snap->ia_bits);
	f->start_level = snap->start_level;
	f->fwb = snap->flags & KVM_S2_SNAPSHOT_FWB;
	of->priv = f;
	return 0;
}

static const struct kernfs_ops s2_host_ranges_kfops =
	KVM_S2_RANGES_KFOPS(s2_host_ranges_open);

static ssize_t s2_host_stat_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct kvm_s2_stat_attr *sa = container_of(attr, struct kvm_s2_stat_attr,
						   attr);
	struct kvm_s2_stats stats = {};
	struct kvm_s2_snapshot *snap;
	int ret;

	snap = s2_host_snapshot_page();
	if (IS_ERR(snap))
		return PTR_ERR(snap);

	stats.ipa_bits = snap->ia_bits;
	stats.start_level = snap->start_level;
	stats.table_pages = snap->pgd_pages;
	ret = kvm_s2_get_stats(&s2_host_ops, snap, &stats);
	free_page((unsigned long)snap);
	if (ret)
		return ret;
	return kvm_s2_stat_emit(buf, &stats, sa->offset);
}

#define S2_HOST_STAT(_name, _field) \
	KVM_S2_STAT_ATTR(s2_host, _name, _field, s2_host_stat_show)

S2_HOST_STAT(ipa_bits, ipa_bits);
S2_HOST_STAT(start_level, start_level);
S2_HOST_STAT(blocks_l1, leaves[1]);
S2_HOST_STAT(blocks_l2, leaves[2]);
S2_HOST_STAT(pages_l3, leaves[KVM_PGTABLE_LAST_LEVEL]);
S2_HOST_STAT(table_pages, table_pages);
S2_HOST_STAT(mapped_bytes, mapped_bytes);
S2_HOST_STAT(owner_host_bytes, owner_bytes[KVM_S2_OWNER_HOST]);
S2_HOST_STAT(owner_hyp_bytes, owner_bytes[KVM_S2_SNAPSHOT_OWNER_HYP]);
S2_HOST_STAT(owner_ffa_bytes, owner_bytes[KVM_S2_SNAPSHOT_OWNER_FFA]);
S2_HOST_STAT(state_shared_owned_bytes, state_bytes[KVM_S2_STATE_SHARED_OWNED]);
S2_HOST_STAT(state_shared_borrowed_bytes,
	     state_bytes[KVM_S2_STATE_SHARED_BORROWED]);

static struct attribute *s2_host_stat_attrs[] = {
	&s2_host_ipa_bits.attr.attr,
	&s2_host_start_level.attr.attr,
	&s2_host_blocks_l1.attr.attr,
	&s2_host_blocks_l2.attr.attr,
	&s2_host_pages_l3.attr.attr,
	&s2_host_table_pages.attr.attr,
	&s2_host_mapped_bytes.attr.attr,
	&s2_host_owner_host_bytes.attr.attr,
	&s2_host_owner_hyp_bytes.attr.attr,
	&s2_host_owner_ffa_bytes.attr.attr,
	&s2_host_state_shared_owned_bytes.attr.attr,
	&s2_host_state_shared_borrowed_bytes.attr.attr,
	NULL
};

static const struct attribute_group s2_host_stat_group = {
	.name	= "s2",
	.attrs	= s2_host_stat_attrs,
};

#ifdef CONFIG_DEBUG_FS
/*
 * A debug-only trigger for the hypercall's checks: writing anything to
 * /sys/kernel/debug/kvm/s2_host_snapshot_test makes bad calls (bad buffers,
 * bad IPAs), each of which must fail with its error code and leave the host
 * stage-2 entry of its buffer as it was. Each case is logged; the write
 * fails with EIO if any case did not behave.
 */

/* The attributes of a host stage-2 entry that say who owns the page. */
#define S2_HOST_OWNERSHIP_MASK	(KVM_PTE_VALID | KVM_PTE_LEAF_ATTR_HI_SW | \
				 KVM_INVALID_PTE_OWNER_MASK)

/* Who owns the page at @phys, as the host stage-2 says, or -errno. */
static s64 s2_host_ownership(struct kvm_s2_snapshot *snap, phys_addr_t phys)
{
	u32 i;
	int ret;

	ret = s2_host_snapshot(snap, ALIGN_DOWN(phys, PAGE_SIZE));
	if (ret)
		return ret;
	for (i = 0; i < snap->nr; i++)
		if (!(snap->entries[i].flags & KVM_S2_SNAPSHOT_TABLE))
			return snap->entries[i].pte & S2_HOST_OWNERSHIP_MASK;
	return -ENOENT;
}

struct s2_host_bad_call {
	const char	*name;
	phys_addr_t	buf;
	u64		size;
	u64		ipa;
	int		want;
};

static bool s2_host_try_bad_call(struct kvm_s2_snapshot *probe,
				 const struct s2_host_bad_call *c)
{
	s64 before, after;
	int ret;

	before = s2_host_ownership(probe, c->buf);
	ret = kvm_call_hyp_nvhe(__pkvm_host_s2_snapshot, c->buf, c->size,
				c->ipa);
	after = s2_host_ownership(probe, c->buf);

	pr_info("s2 host snapshot test: %s: returned %d (want %d), owner %s\n",
		c->name, ret, c->want, before == after ? "unchanged" : "CHANGED");
	return ret == c->want && before == after && before >= 0;
}

/* Returns how many cases did not behave. */
static int s2_host_bad_calls(struct kvm_s2_snapshot *probe, void *buf,
			     void *shared)
{
	u64 top = BIT_ULL(probe->ia_bits);
	const struct s2_host_bad_call calls[] = {
		{ "misaligned buffer", virt_to_phys(buf) + SZ_64,
		  PAGE_SIZE - SZ_64, 0, -EINVAL },
		{ "buffer smaller than a chain of entries", virt_to_phys(buf),
		  KVM_S2_SNAPSHOT_MIN_SIZE - 1, 0, -EINVAL },
		{ "size larger than a page", virt_to_phys(buf),
		  PAGE_SIZE + 1, 0, -EINVAL },
		{ "buffer owned by the hypervisor", hyp_mem_base,
		  PAGE_SIZE, 0, -EPERM },
		{ "buffer shared with the hypervisor", virt_to_phys(shared),
		  PAGE_SIZE, 0, -EPERM },
		{ "buffer outside memory", PFN_PHYS(max_pfn),
		  PAGE_SIZE, 0, -EPERM },
		{ "IPA past the host IPA space", virt_to_phys(buf),
		  PAGE_SIZE, top, -ERANGE },
		{ "IPA far past the host IPA space", virt_to_phys(buf),
		  PAGE_SIZE, PAGE_MASK, -ERANGE },
		{ "misaligned IPA", virt_to_phys(buf), PAGE_SIZE, SZ_64,
		  -EINVAL },
		{ "good call", virt_to_phys(buf), PAGE_SIZE, 0, 0 },
	};
	int failed = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(calls); i++)
		failed += !s2_host_try_bad_call(probe, &calls[i]);
	return failed;
}

static ssize_t s2_host_test_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	void *probe, *buf, *shared;
	ssize_t ret = len;
	int failed;

	probe = (void *)get_zeroed_page(GFP_KERNEL);
	buf = (void *)get_zeroed_page(GFP_KERNEL);
	shared = (void *)get_zeroed_page(GFP_KERNEL);
	if (!probe || !buf || !shared) {
		ret = -ENOMEM;
		goto out_free;
	}
	if (s2_host_snapshot(probe, 0)) {
		ret = -EIO;
		goto out_free;
	}
	ret = kvm_share_hyp(shared, shared + PAGE_SIZE);
	if (ret)
		goto out_free;

	failed = s2_host_bad_calls(probe, buf, shared);
	/* WARNs unless the page is still shared with EL2, as it was. */
	kvm_unshare_hyp(shared, shared + PAGE_SIZE);
	if (failed) {
		pr_err("s2 host snapshot test: %d cases failed\n", failed);
		ret = -EIO;
	} else {
		ret = len;
	}

out_free:
	free_page((unsigned long)shared);
	free_page((unsigned long)buf);
	free_page((unsigned long)probe);
	return ret;
}

static const struct file_operations s2_host_test_fops = {
	.write	= s2_host_test_write,
	.llseek	= noop_llseek,
};

static void s2_host_create_test(void)
{
	/* KVM's debugfs directory, or the top when there is none. */
	struct dentry *kvm_dir = debugfs_lookup("kvm", NULL);

	debugfs_create_file("s2_host_snapshot_test", 0200, kvm_dir, NULL,
			    &s2_host_test_fops);
	dput(kvm_dir);
}
#else
static void s2_host_create_test(void) {}
#endif /* CONFIG_DEBUG_FS */

/**
 * kvm_s2_host_sysfs_init() - create /sys/kernel/kvm/host under pKVM
 *
 * Only in protected mode, where the host has a stage-2; elsewhere there is
 * no host directory at all. A failure is logged and leaves no host view.
 */
void kvm_s2_host_sysfs_init(void)
{
	int ret;

	if (!is_protected_kvm_enabled() || !kvm_s2_root)
		return;

	s2_host_kobj = kobject_create_and_add("host", kvm_s2_root);
	if (!s2_host_kobj) {
		ret = -ENOMEM;
		goto err_log;
	}

	ret = sysfs_create_group(s2_host_kobj, &s2_host_stat_group);
	if (ret)
		goto err_put_kobj;

	ret = kvm_s2_add_ranges(s2_host_kobj, s2_host_stat_group.name,
				&s2_host_ranges_kfops, NULL);
	if (ret)
		goto err_put_kobj;

	s2_host_create_test();
	return;

err_put_kobj:
	kobject_put(s2_host_kobj);
	s2_host_kobj = NULL;
err_log:
	pr_warn("kvm: no host stage-2 sysfs view: %d\n", ret);
}
