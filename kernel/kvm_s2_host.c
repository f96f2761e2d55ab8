// SPDX-License-Identifier: GPL-2.0-only
/*
 * pKVM host stage-2 view in sysfs: /sys/kernel/kvm/host/s2/.
 *
 * Under kvm-arm.mode=protected the host's own stage-2 (an identity map that
 * EL2 fills on demand and annotates with owners and page states) belongs to
 * EL2. Its entries come here through the __pkvm_host_s2_snapshot hypercall
 * (hyp/nvhe/hyp_snapshot.c), one page of entries per call, copied out and
 * kept by the reader until the walk goes past them (struct kvm_s2_snap_page):
 * a call serves every line its entries cover. The ranges and counters are
 * those of the VM views (kvm_s2_sysfs.c), with owner=<name> on annotated
 * invalid entries and state=<name> on valid ones.
 *
 * The same reader serves the VMs whose stage-2 EL2 keeps (since Linux 6.14),
 * through the guest snapshot hypercall (kvm_s2_guest.c): both use the one
 * buffer page, in turn.
 */

#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include <asm/kvm_mmu.h>
#include <asm/kvm_s2_snapshot.h>

#include "kvm_s2_host.h"
#include "kvm_s2_sysfs.h"

/*
 * Owner ids of invalid entries (KVM_S2_SNAPSHOT_OWNER_*, as EL2 decodes them)
 * that have a name; others are shown as numbers. The host's id, 0, marks
 * memory it has not faulted in: no owner= is shown.
 */
#define S2_HOST_NR_OWNERS	(KVM_S2_SNAPSHOT_OWNER_GUEST + 1)

static const char *const s2_host_owner_names[S2_HOST_NR_OWNERS] = {
	[KVM_S2_SNAPSHOT_OWNER_HOST]	= "host",
	[KVM_S2_SNAPSHOT_OWNER_HYP]	= "hyp",
	[KVM_S2_SNAPSHOT_OWNER_FFA]	= "ffa",
	[KVM_S2_SNAPSHOT_OWNER_GUEST]	= "guest",
};

/*
 * A valid entry whose pages are in different states, on a line: a software
 * bit next to the state (KVM_S2_SNAPSHOT_STATE_MASK) that EL2 never sets, so
 * that it ends runs as the state does.
 */
#define S2_HOST_STATE_MIXED	BIT_ULL(57)
static_assert(S2_HOST_STATE_MIXED & KVM_PTE_LEAF_ATTR_HI_SW);
static_assert(!(S2_HOST_STATE_MIXED & KVM_S2_SNAPSHOT_STATE_MASK));

/* Page states of valid entries (KVM_S2_SNAPSHOT_STATE_*, from EL2). */
#define S2_HOST_NR_STATES	(KVM_S2_SNAPSHOT_STATE_RESERVED + 1)

static const char *const s2_host_state_names[S2_HOST_NR_STATES] = {
	[KVM_S2_SNAPSHOT_STATE_OWNED]		= "owned",
	[KVM_S2_SNAPSHOT_STATE_SHARED_OWNED]	= "shared-owned",
	[KVM_S2_SNAPSHOT_STATE_SHARED_BORROWED]	= "shared-borrowed",
	[KVM_S2_SNAPSHOT_STATE_RESERVED]	= "reserved",
};

/* The host view's own counters, in struct kvm_s2_stats.view. */
enum s2_host_stat {
	S2_HOST_OWNER_HOST_BYTES,	/* valid, state owned or shared-owned */
	S2_HOST_OWNER_HYP_BYTES,	/* invalid, owner=hyp */
	S2_HOST_OWNER_FFA_BYTES,	/* invalid, owner=ffa */
	S2_HOST_SHARED_OWNED_BYTES,	/* valid, state shared-owned */
	S2_HOST_SHARED_BORROWED_BYTES,	/* valid, state shared-borrowed */
	S2_HOST_OWNER_GUEST_BYTES,	/* invalid, owner=guest */
	S2_HOST_NR_STATS
};

static_assert(S2_HOST_NR_STATS <= KVM_S2_VIEW_STATS);

static u64 s2_host_owner(kvm_pte_t pte)
{
	return FIELD_GET(KVM_S2_SNAPSHOT_OWNER_MASK, pte);
}

static u64 s2_host_state(kvm_pte_t pte)
{
	return FIELD_GET(KVM_S2_SNAPSHOT_STATE_MASK, pte);
}

/* /sys/kernel/kvm/host; its s2/ group holds the counters and "ranges". */
static struct kvm_s2_dir *s2_host_dir;

/*
 * The one page the host shares with EL2 for the hypercall, shared once at
 * first use and never unshared, so that reading the view never changes the host
 * stage-2 (sharing a page may split the block that maps it). EL2 writes it
 * during a call; s2_host_lock is held from the call until its entries have
 * been read, so one reader at a time uses it.
 */
static struct kvm_s2_snapshot *s2_host_buf;
static DEFINE_MUTEX(s2_host_lock);

/* Geometry of the host stage-2, fixed at boot: read by the first call. */
static struct kvm_s2_snapshot s2_host_geometry;

/* The host stage-2 snapshot hypercall, into @buf. */
static int s2_host_call(phys_addr_t buf, u64 size, u64 ipa)
{
	return kvm_call_hyp_nvhe(__pkvm_host_s2_snapshot, buf, size, ipa);
}

static int s2_host_snapshot(u64 ipa)
{
	lockdep_assert_held(&s2_host_lock);
	return s2_host_call(virt_to_phys(s2_host_buf), PAGE_SIZE, ipa);
}

/* The stage-2 of @kvm, which EL2 keeps (kvm_s2_guest.c), into the buffer. */
static int s2_guest_snapshot(struct kvm *kvm, u64 ipa)
{
	lockdep_assert_held(&s2_host_lock);
	if (!IS_ENABLED(CONFIG_KVM_S2_GUEST_SNAPSHOT))
		return -EOPNOTSUPP;
	return kvm_s2_guest_call(kvm, virt_to_phys(s2_host_buf), PAGE_SIZE, ipa);
}

/*
 * Shares the buffer page with EL2, for good, and reads the geometry of the
 * host stage-2 with a first call. Done by the first reader rather than at
 * init, which runs before pKVM is finalised.
 */
static int s2_host_buf_init(void)
{
	int ret;

	lockdep_assert_held(&s2_host_lock);
	s2_host_buf = (void *)get_zeroed_page(GFP_KERNEL);
	if (!s2_host_buf)
		return -ENOMEM;

	ret = kvm_share_hyp(s2_host_buf, (void *)s2_host_buf + PAGE_SIZE);
	if (ret)
		goto err_free;

	ret = s2_host_snapshot(0);
	if (ret)
		goto err_unshare;
	s2_host_geometry = *s2_host_buf;
	return 0;

err_unshare:
	kvm_unshare_hyp(s2_host_buf, (void *)s2_host_buf + PAGE_SIZE);
err_free:
	free_page((unsigned long)s2_host_buf);
	s2_host_buf = NULL;
	return ret;
}

/**
 * kvm_s2_snap_prepare() - set up what every snapshot reader needs
 *
 * The first reader shares the buffer page with EL2 and reads the geometry of
 * the host stage-2; later ones find them set.
 *
 * Return: 0, or the error of the setup (the next reader tries again).
 */
int kvm_s2_snap_prepare(void)
{
	int ret = 0;

	mutex_lock(&s2_host_lock);
	if (!s2_host_buf)
		ret = s2_host_buf_init();
	mutex_unlock(&s2_host_lock);
	return ret;
}

/*
 * Hypercalls the view made, and entries it took from them, since boot: for
 * the test hooks (kvm_s2_host_calls()).
 */
static atomic64_t s2_host_nr_calls;
static atomic64_t s2_host_nr_entries;

/* One hypercall from @ipa, its entries copied into @p. */
static int s2_host_fetch(struct kvm_s2_snap_page *p, u64 ipa)
{
	struct kvm_s2_snapshot *snap = s2_host_buf;
	int ret;

	p->nr = 0;
	mutex_lock(&s2_host_lock);
	if (p->kvm)
		ret = s2_guest_snapshot(p->kvm, ipa);
	else
		ret = s2_host_snapshot(ipa);
	if (!ret && WARN_ON_ONCE(snap->nr > KVM_S2_SNAPSHOT_MAX_ENTRIES))
		ret = -EIO;
	if (!ret) {
		memcpy(p->entries, snap->entries, snap->nr * sizeof(*snap->entries));
		p->from = ipa;
		p->next = snap->next;
		p->nr = snap->nr;
	}
	mutex_unlock(&s2_host_lock);

	if (!ret) {
		atomic64_inc(&s2_host_nr_calls);
		atomic64_add(p->nr, &s2_host_nr_entries);
	}
	return ret;
}

/*
 * A line shows whole entries. A valid leaf whose pages are in several states
 * comes from EL2 as parts, one per run of pages in one state: the counters add
 * them up, a line shows the entry once, with S2_HOST_STATE_MIXED when its
 * parts differ. Sets @pte to the merged entry and returns the index of the
 * last part of the entry at @i; -EAGAIN when its parts go on past the page
 * and the call did not start at the entry: a call from there gets them all
 * (EL2 bounds a call's page states by the largest block of 4K pages).
 */
static int s2_host_merge_parts(const struct kvm_s2_snap_page *p, u32 i, u64 base,
			       u64 end, kvm_pte_t *pte)
{
	const struct kvm_s2_snapshot_entry *e = &p->entries[i];
	u32 j;

	*pte = e->pte;
	for (j = i; p->entries[j].end < end; j++) {
		if (j + 1 == p->nr)
			return p->from == base ? j : -EAGAIN;
		e = &p->entries[j + 1];
		if (s2_host_state(e->pte) != s2_host_state(*pte))
			*pte |= S2_HOST_STATE_MIXED;
	}
	return j;
}

/*
 * A leaf from the entry at *@i on (its parts merged when building lines);
 * returns kvm_s2_note_part()'s value, or -EAGAIN when @p was fetched again
 * from the start of the entry, or the error of that call.
 */
static int s2_host_leaf(struct kvm_s2_walk *w, struct kvm_s2_snap_page *p, u32 *i)
{
	const struct kvm_s2_snapshot_entry *e = &p->entries[*i];
	u64 granule = kvm_granule_size(e->level);
	u64 base = ALIGN_DOWN(e->addr, granule);
	kvm_pte_t pte = e->pte;
	int last;

	if (w->stats || !kvm_pte_valid(pte) ||
	    (e->addr == base && e->end == base + granule))
		return kvm_s2_note_part(w, max(e->addr, w->cursor), e->end,
					e->level, pte);

	last = s2_host_merge_parts(p, *i, base, base + granule, &pte);
	if (last == -EAGAIN)
		return s2_host_fetch(p, base) ?: -EAGAIN;
	*i = last;
	return kvm_s2_note_part(w, max(base, w->cursor), base + granule,
				e->level, pte);
}

/**
 * kvm_s2_snap_piece() - a piece of a walk over snapshot entries
 * @w:		the walk; @w->src is a struct kvm_s2_snap_page
 *
 * The entries of the page that holds the cursor, from the cursor on (a new
 * hypercall when no page holds it). EL2 bounds a call to a page of entries.
 *
 * Return: 0, -ENOENT when the tables are gone, or the error of a call.
 */
int kvm_s2_snap_piece(struct kvm_s2_walk *w)
{
	struct kvm_s2_snap_page *p = w->src;
	struct kvm_s2_snapshot_entry *e;
	u32 i;
	int ret;

	if (!p->nr || w->cursor < p->from || w->cursor >= p->next) {
		ret = s2_host_fetch(p, w->cursor);
		if (ret)
			return ret;
	}

again:
	w->budget = p->nr + 1;
	for (i = 0; i < p->nr; i++) {
		e = &p->entries[i];
		if (e->end <= w->cursor)
			continue;
		if (e->flags & KVM_S2_SNAPSHOT_TABLE) {
			kvm_s2_note_table(w, e->addr, e->level);
			continue;
		}
		ret = s2_host_leaf(w, p, &i);
		if (ret == -EAGAIN)
			goto again;
		if (ret == KVM_S2_WALK_STOP)
			return 0;
		if (ret)
			return ret;
	}
	/* All entries taken: the next piece starts where EL2 stopped. */
	if (WARN_ON_ONCE(w->cursor < p->next))
		return -EIO;
	return 0;
}

static void s2_host_show_extra(struct seq_file *m, kvm_pte_t pte)
{
	u64 owner = s2_host_owner(pte);

	if (kvm_pte_valid(pte) && (pte & S2_HOST_STATE_MIXED))
		seq_puts(m, " state=mixed");
	else if (kvm_pte_valid(pte))
		seq_printf(m, " state=%s", s2_host_state_names[s2_host_state(pte)]);
	else if (owner < S2_HOST_NR_OWNERS && owner)
		seq_printf(m, " owner=%s", s2_host_owner_names[owner]);
	else if (owner)
		seq_printf(m, " owner=%llu", owner);
}

static void s2_host_count(u64 *view, kvm_pte_t pte, u64 bytes)
{
	if (!kvm_pte_valid(pte)) {
		switch (s2_host_owner(pte)) {
		case KVM_S2_SNAPSHOT_OWNER_HYP:
			view[S2_HOST_OWNER_HYP_BYTES] += bytes;
			break;
		case KVM_S2_SNAPSHOT_OWNER_FFA:
			view[S2_HOST_OWNER_FFA_BYTES] += bytes;
			break;
		case KVM_S2_SNAPSHOT_OWNER_GUEST:
			view[S2_HOST_OWNER_GUEST_BYTES] += bytes;
			break;
		}
		return;
	}

	switch (s2_host_state(pte)) {
	case KVM_S2_SNAPSHOT_STATE_OWNED:
		view[S2_HOST_OWNER_HOST_BYTES] += bytes;
		break;
	case KVM_S2_SNAPSHOT_STATE_SHARED_OWNED:
		view[S2_HOST_OWNER_HOST_BYTES] += bytes;
		view[S2_HOST_SHARED_OWNED_BYTES] += bytes;
		break;
	case KVM_S2_SNAPSHOT_STATE_SHARED_BORROWED:
		view[S2_HOST_SHARED_BORROWED_BYTES] += bytes;
		break;
	}
}

/**
 * kvm_s2_snap_rewind() - forget the entries a reader holds
 * @src:	its struct kvm_s2_snap_page
 *
 * A read from offset 0 then starts with a new call.
 */
void kvm_s2_snap_rewind(void *src)
{
	struct kvm_s2_snap_page *p = src;

	p->nr = 0;
}

static void s2_host_release(void *src)
{
	kfree(src);
}

static const struct kvm_s2_view_ops s2_host_ops = {
	.piece		= kvm_s2_snap_piece,
	.show_extra	= s2_host_show_extra,
	.count		= s2_host_count,
	.rewind		= kvm_s2_snap_rewind,
	.release	= s2_host_release,
};

static int s2_host_ranges_open(struct kernfs_open_file *of)
{
	struct kvm_s2_ranges_file *f;
	struct kvm_s2_snap_page *p;
	int ret;

	ret = kvm_s2_snap_prepare();
	if (ret)
		return ret;

	f = kzalloc_obj(*f, GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;

	p = kzalloc_obj(*p, GFP_KERNEL_ACCOUNT);
	if (!p) {
		kfree(f);
		return -ENOMEM;
	}

	f->ops = &s2_host_ops;
	f->src = p;
	f->limit = BIT_ULL(s2_host_geometry.ia_bits);
	f->start_level = s2_host_geometry.start_level;
	f->fwb = s2_host_geometry.flags & KVM_S2_SNAPSHOT_FWB;
	of->priv = f;
	return 0;
}

static const struct kernfs_ops s2_host_ranges_kfops =
	KVM_S2_RANGES_KFOPS(s2_host_ranges_open);

/*
 * Counters: the geometry is read by the first call; the rest is a walk, as
 * EL2 owns the tables: the same hypercalls as a full read of "ranges".
 */
static int s2_host_get_stats(struct kvm_s2_dir *dir, struct kvm_s2_stats *stats,
			     bool counts)
{
	struct kvm_s2_snap_page *p;
	int ret;

	ret = kvm_s2_snap_prepare();
	if (ret)
		return ret;

	stats->ipa_bits = s2_host_geometry.ia_bits;
	stats->start_level = s2_host_geometry.start_level;
	stats->table_pages = s2_host_geometry.pgd_pages;
	if (!counts)
		return 0;

	p = kzalloc_obj(*p, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ret = kvm_s2_get_stats(&s2_host_ops, p, stats);
	kfree(p);
	return ret;
}

/* pKVM's own counters, merged into s2/ beside those of every view. */
#define S2_HOST_STAT(_name, _field) KVM_S2_STAT_ATTR(s2_host, _name, _field)

S2_HOST_STAT(owner_host_bytes, view[S2_HOST_OWNER_HOST_BYTES]);
S2_HOST_STAT(owner_hyp_bytes, view[S2_HOST_OWNER_HYP_BYTES]);
S2_HOST_STAT(owner_ffa_bytes, view[S2_HOST_OWNER_FFA_BYTES]);
S2_HOST_STAT(owner_guest_bytes, view[S2_HOST_OWNER_GUEST_BYTES]);
S2_HOST_STAT(state_shared_owned_bytes, view[S2_HOST_SHARED_OWNED_BYTES]);
S2_HOST_STAT(state_shared_borrowed_bytes,
	     view[S2_HOST_SHARED_BORROWED_BYTES]);

static struct attribute *s2_host_stat_attrs[] = {
	&s2_host_owner_host_bytes.attr.attr,
	&s2_host_owner_hyp_bytes.attr.attr,
	&s2_host_owner_ffa_bytes.attr.attr,
	&s2_host_owner_guest_bytes.attr.attr,
	&s2_host_state_shared_owned_bytes.attr.attr,
	&s2_host_state_shared_borrowed_bytes.attr.attr,
	NULL
};

static const struct attribute_group s2_host_stat_group = {
	.name	= "s2",
	.attrs	= s2_host_stat_attrs,
};

static void s2_host_dir_release(struct kobject *kobj)
{
	kfree(to_kvm_s2_dir(kobj));
}

static const struct kobj_type s2_host_ktype = {
	.release	= s2_host_dir_release,
	.sysfs_ops	= &kobj_sysfs_ops,
};

/**
 * kvm_s2_host_buf_phys() - physical address of the page shared with EL2
 *
 * For the tests of the hypercall, which check that the page keeps its state.
 *
 * Return: the address, or 0 when it cannot be set up.
 */
phys_addr_t kvm_s2_host_buf_phys(void)
{
	return kvm_s2_snap_prepare() ? 0 : virt_to_phys(s2_host_buf);
}

/**
 * kvm_s2_host_test_call() - a raw snapshot hypercall, for the test hooks
 * @buf:	physical address of the buffer
 * @size:	bytes of it to fill
 * @ipa:	IPA to start at
 *
 * Taken in turn with the view's readers (s2_host_lock): a call that names
 * the view's own page must not overwrite entries a reader has not copied
 * out yet.
 *
 * Return: the hypercall's.
 */
int kvm_s2_host_test_call(phys_addr_t buf, u64 size, u64 ipa)
{
	int ret;

	mutex_lock(&s2_host_lock);
	ret = s2_host_call(buf, size, ipa);
	mutex_unlock(&s2_host_lock);
	return ret;
}

/**
 * kvm_s2_host_test_guest_call() - a raw guest snapshot hypercall, for the
 *				   test hooks
 * @handle:	the pKVM handle to name
 * @kvm:	the host struct kvm to name, as a number
 * @buf:	physical address of the buffer
 * @size:	bytes of it to fill
 * @ipa:	IPA to start at
 *
 * Taken in turn with the views' readers, as kvm_s2_host_test_call().
 *
 * Return: the hypercall's, or -EOPNOTSUPP without guest snapshots.
 */
int kvm_s2_host_test_guest_call(u64 handle, u64 kvm, phys_addr_t buf, u64 size,
				u64 ipa)
{
	int ret;

	if (!IS_ENABLED(CONFIG_KVM_S2_GUEST_SNAPSHOT))
		return -EOPNOTSUPP;

	mutex_lock(&s2_host_lock);
	ret = kvm_s2_guest_raw_call(handle, kvm, buf, size, ipa);
	mutex_unlock(&s2_host_lock);
	return ret;
}

/**
 * kvm_s2_host_calls() - what the view asked of EL2 since boot
 * @entries:	set to the entries the calls returned
 *
 * For the test hooks: how many entries each call is used for.
 *
 * Return: the number of snapshot hypercalls the view made.
 */
u64 kvm_s2_host_calls(u64 *entries)
{
	*entries = atomic64_read(&s2_host_nr_entries);
	return atomic64_read(&s2_host_nr_calls);
}

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

	s2_host_dir = kzalloc_obj(*s2_host_dir, GFP_KERNEL);
	if (!s2_host_dir) {
		ret = -ENOMEM;
		goto err_log;
	}
	s2_host_dir->get_stats = s2_host_get_stats;
	ret = kobject_init_and_add(&s2_host_dir->kobj, &s2_host_ktype,
				   kvm_s2_root, "host");
	if (ret)
		goto err_put_kobj;

	ret = sysfs_create_group(&s2_host_dir->kobj, &kvm_s2_stat_group);
	if (ret)
		goto err_put_kobj;

	ret = sysfs_merge_group(&s2_host_dir->kobj, &s2_host_stat_group);
	if (ret)
		goto err_put_kobj;

	ret = kvm_s2_add_ranges(&s2_host_dir->kobj, kvm_s2_stat_group.name,
				&s2_host_ranges_kfops, NULL);
	if (ret)
		goto err_put_kobj;

	kvm_s2_host_test_init();
	return;

err_put_kobj:
	kobject_put(&s2_host_dir->kobj);
	s2_host_dir = NULL;
err_log:
	pr_warn("kvm: no host stage-2 sysfs view: %d\n", ret);
}
