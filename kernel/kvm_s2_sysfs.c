// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stage-2 page-table view in sysfs.
 *
 * /sys/kernel/kvm/vmN/s2/ shows the stage-2 (guest IPA -> host PA) tables of
 * every VM as text: "ranges", one line per maximal run of contiguous entries
 * with identical attributes over the whole IPA space, and one-value-per-file
 * counters. Unlike the debugfs dump (ptdump.c) it exists on production
 * kernels, streams any size of output and never holds kvm->mmu_lock for
 * writing or for more than one bounded piece of the walk.
 *
 * How a range is found: the KVM walker visits leaf entries from a cursor and
 * only forwards (addr, level, pte) to s2_note(), the single place that
 * decides whether the entry extends the current run or ends it. A piece of
 * the walk stops when the run ends or after S2_WALK_BUDGET entries; the lock
 * is dropped between pieces and the walk resumes at the cursor. The seq_file
 * position is the IPA where the next range starts (as task_mmu.c keeps an
 * address), so a retried or resumed read recomputes exactly that range.
 * The last range, up to the top of the IPA space, is emitted like any other.
 */

#include <linux/atomic.h>
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/kvm_host.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include <asm/kvm_mmu.h>
#include <asm/kvm_pgtable.h>

/* Leaf entries visited per hold of kvm->mmu_lock: one table's worth. */
#define S2_WALK_BUDGET		PTRS_PER_PTE

/* Internal return code of a visitor: this piece of the walk is over. */
#define S2_WALK_STOP		(-ENOSPC)

#define S2_SIZE_UNITS		"BKMGTP"
#define S2_SIZE_UNIT_SHIFT	10
#define S2_SIZE_LEN		24

/* /sys/kernel/kvm, the parent of every vmN and of host. */
static struct kobject *kvm_s2_root;

/* VM numbers count up from 1 per boot and are never reused. */
static atomic_t kvm_s2_vm_seq = ATOMIC_INIT(0);

/*
 * Attribute tables. A run continues while the entries' attribute bits (the
 * key masks below) stay the same; how those bits are named is data: adding
 * a memory type is adding a row.
 */
struct s2_attr {
	kvm_pte_t	val;
	const char	*name;
};

/* Memory types, from the stage-2 MemAttr field; FWB changes the encoding. */
static const struct s2_attr s2_memattr_fwb[] = {
	{ PTE_S2_MEMATTR(MT_S2_FWB_NORMAL),		"normal" },
	{ PTE_S2_MEMATTR(MT_S2_FWB_NORMAL_NC),		"normal-nc" },
	{ PTE_S2_MEMATTR(MT_S2_FWB_DEVICE_nGnRE),	"device" },
};

static const struct s2_attr s2_memattr_nofwb[] = {
	{ PTE_S2_MEMATTR(MT_S2_NORMAL),			"normal" },
	{ PTE_S2_MEMATTR(MT_S2_NORMAL_NC),		"normal-nc" },
	{ PTE_S2_MEMATTR(MT_S2_DEVICE_nGnRE),		"device" },
};

/* Bits that tell runs of valid entries apart, beyond those of the tables. */
#define S2_VALID_KEY_MASK	(KVM_PTE_VALID | KVM_PTE_LEAF_ATTR_S2_PERMS | \
				 KVM_PTE_LEAF_ATTR_LO_S2_MEMATTR | \
				 KVM_PTE_LEAF_ATTR_LO_S2_AF | \
				 KVM_PTE_LEAF_ATTR_HI_SW)

/* Invalid entries differ only by the owner annotation pKVM keeps in them. */
#define S2_INVALID_KEY_MASK	KVM_INVALID_PTE_OWNER_MASK

/**
 * struct kvm_s2_stats - counters of one stage-2, as in the s2/ files
 * @ipa_bits:		size of the IPA space, in bits
 * @start_level:	level of the top-level tables
 * @leaves:		valid leaf entries (blocks, pages) per level
 * @table_pages:	pages of the tables themselves, top level included
 * @mapped_bytes:	bytes mapped by valid leaf entries
 */
struct kvm_s2_stats {
	u64	ipa_bits;
	u64	start_level;
	u64	leaves[KVM_PGTABLE_LAST_LEVEL + 1];
	u64	table_pages;
	u64	mapped_bytes;
};

/**
 * struct s2_range - one line of "ranges": a run of entries
 * @start:	IPA of the first entry (or of the cursor, inside a block)
 * @end:	IPA just past the last entry, exclusive
 * @level:	level of the entries
 * @pte:	first entry of the run; its attributes are those of the run
 */
struct s2_range {
	u64		start;
	u64		end;
	s8		level;
	kvm_pte_t	pte;
};

/**
 * struct s2_walk - one walk over a stage-2, done in bounded pieces
 * @cursor:	next IPA to visit; a piece starts here
 * @limit:	top of the IPA space, exclusive
 * @budget:	entries this piece may still visit
 * @run:	the range being built (ranges mode)
 * @stats:	the counters being summed (counting mode), or NULL
 * @done:	the run ended at @cursor, which starts the next one
 */
struct s2_walk {
	u64			cursor;
	u64			limit;
	unsigned int		budget;
	struct s2_range		run;
	struct kvm_s2_stats	*stats;
	bool			done;
};

static u64 s2_entry_end(const struct s2_walk *w, u64 addr, s8 level)
{
	u64 granule = kvm_granule_size(level);

	return min(ALIGN_DOWN(addr, granule) + granule, w->limit);
}

static kvm_pte_t s2_key(kvm_pte_t pte)
{
	if (kvm_pte_valid(pte))
		return pte & S2_VALID_KEY_MASK;
	return pte & S2_INVALID_KEY_MASK;
}

static bool s2_run_extends(const struct s2_range *run, u64 addr, s8 level,
			   kvm_pte_t pte)
{
	return run->end == addr && run->level == level &&
	       s2_key(run->pte) == s2_key(pte);
}

/*
 * Counting: a table or a block is counted only when the walk enters it at its
 * first address. A piece that resumes inside an entry has seen it before.
 */
static void s2_count(struct kvm_s2_stats *stats, u64 addr, s8 level,
		     kvm_pte_t pte, bool table)
{
	u64 granule = kvm_granule_size(level);

	if (!IS_ALIGNED(addr, granule))
		return;

	if (table) {
		stats->table_pages++;
		return;
	}
	if (!kvm_pte_valid(pte) || WARN_ON_ONCE(level < 0))
		return;

	stats->leaves[level]++;
	stats->mapped_bytes += granule;
}

/*
 * s2_note() - the merge point: every entry the walker visits comes here.
 * Returns 0 to go on, S2_WALK_STOP to end this piece of the walk.
 */
static int s2_note(struct s2_walk *w, u64 addr, s8 level, kvm_pte_t pte)
{
	struct s2_range *run = &w->run;

	if (w->stats) {
		s2_count(w->stats, addr, level, pte, false);
	} else if (run->end == run->start) {
		*run = (struct s2_range) {
			.start = addr, .end = addr, .level = level, .pte = pte,
		};
	} else if (!s2_run_extends(run, addr, level, pte)) {
		w->done = true;
		return S2_WALK_STOP;
	}

	w->cursor = s2_entry_end(w, addr, level);
	run->end = w->cursor;
	if (--w->budget == 0)
		return S2_WALK_STOP;
	return 0;
}

static int s2_visit(const struct kvm_pgtable_visit_ctx *ctx,
		    enum kvm_pgtable_walk_flags visit)
{
	struct s2_walk *w = ctx->arg;

	if (visit == KVM_PGTABLE_WALK_TABLE_PRE) {
		s2_count(w->stats, ctx->addr, ctx->level, ctx->old, true);
		return 0;
	}
	return s2_note(w, ctx->addr, ctx->level, ctx->old);
}

/*
 * The kvm_s2_mmu's page table is freed under the write lock (when the VM's mm
 * goes away, or the VM is destroyed), so it is looked up again under the read
 * lock for every piece. Walkers in shared mode are what the fault handler
 * uses: tables freed under them are freed after an RCU grace period.
 */
static int s2_walk_piece(struct kvm *kvm, struct s2_walk *w)
{
	struct kvm_pgtable_walker walker = {
		.cb	= s2_visit,
		.arg	= w,
		.flags	= KVM_PGTABLE_WALK_LEAF | KVM_PGTABLE_WALK_SHARED |
			  (w->stats ? KVM_PGTABLE_WALK_TABLE_PRE : 0),
	};
	struct kvm_pgtable *pgt;
	int ret = -ENOENT;

	w->budget = S2_WALK_BUDGET;

	read_lock(&kvm->mmu_lock);
	pgt = kvm->arch.mmu.pgt;
	if (pgt)
		ret = kvm_pgtable_walk(pgt, w->cursor, w->limit - w->cursor,
				       &walker);
	read_unlock(&kvm->mmu_lock);

	return ret == S2_WALK_STOP ? 0 : ret;
}

/*
 * Walk piece by piece until the run is complete (or, counting, until the top
 * of the IPA space). The lock is dropped between pieces so that vCPU faults
 * go on; a reader that is killed stops early.
 */
static int s2_walk(struct kvm *kvm, struct s2_walk *w)
{
	int ret;

	while (!w->done && w->cursor < w->limit) {
		ret = s2_walk_piece(kvm, w);
		if (ret)
			return ret;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/*
 * Find the range of a VM's stage-2 that starts at @start. When the stage-2
 * tables are gone (the VM is being torn down), the rest of the IPA space is
 * reported as one invalid range at @start_level: the file stays complete.
 * Returns 0, or -EINTR when the reader was killed.
 */
static int kvm_s2_next_range(struct kvm *kvm, u64 start, u64 limit,
			     s8 start_level, struct s2_range *range)
{
	struct s2_walk w = {
		.cursor	= start,
		.limit	= limit,
		.run	= { .start = start, .end = start },
	};
	int ret;

	ret = s2_walk(kvm, &w);
	if (ret == -ENOENT) {
		/* What was walked before the tables went away still stands. */
		if (w.run.end == w.run.start)
			w.run = (struct s2_range) {
				.start = start, .end = limit, .level = start_level,
			};
		ret = 0;
	}
	if (ret)
		return ret;

	*range = w.run;
	return 0;
}

/*
 * Sum up a VM's stage-2 counters: one walk, in pieces, over the whole IPA
 * space. Returns -ENOENT when the VM has no stage-2 tables any more.
 */
static int kvm_s2_get_stats(struct kvm *kvm, struct kvm_s2_stats *stats)
{
	struct s2_walk w = { .stats = stats };
	struct kvm_pgtable *pgt;
	u64 vtcr;

	memset(stats, 0, sizeof(*stats));

	read_lock(&kvm->mmu_lock);
	pgt = kvm->arch.mmu.pgt;
	if (pgt) {
		stats->ipa_bits = pgt->ia_bits;
		stats->start_level = pgt->start_level;
		vtcr = kvm->arch.mmu.vtcr;
	}
	read_unlock(&kvm->mmu_lock);
	if (!pgt)
		return -ENOENT;

	stats->table_pages = kvm_pgtable_stage2_pgd_size(vtcr) >> PAGE_SHIFT;
	w.limit = BIT_ULL(stats->ipa_bits);
	w.run.start = w.run.end = 0;
	return s2_walk(kvm, &w);
}

/* Formatting */

static void s2_fmt_size(char *buf, size_t len, u64 bytes)
{
	unsigned int unit = 0;

	while (unit < strlen(S2_SIZE_UNITS) - 1 && bytes &&
	       !(bytes & (BIT_ULL(S2_SIZE_UNIT_SHIFT) - 1))) {
		bytes >>= S2_SIZE_UNIT_SHIFT;
		unit++;
	}
	snprintf(buf, len, "%llu%c", bytes, S2_SIZE_UNITS[unit]);
}

static const char *s2_type(kvm_pte_t pte, s8 level)
{
	if (!kvm_pte_valid(pte))
		return "invalid";
	return level == KVM_PGTABLE_LAST_LEVEL ? "page" : "block";
}

static void s2_fmt_perms(char *buf, kvm_pte_t pte)
{
	enum kvm_pgtable_prot prot = kvm_pgtable_stage2_pte_prot(pte);

	buf[0] = (prot & KVM_PGTABLE_PROT_R) ? 'r' : '-';
	buf[1] = (prot & KVM_PGTABLE_PROT_W) ? 'w' : '-';
	buf[2] = (prot & KVM_PGTABLE_PROT_X) ? 'x' : '-';
	buf[3] = '\0';
}

static void s2_show_memattr(struct seq_file *m, kvm_pte_t pte, bool fwb)
{
	const struct s2_attr *tbl = fwb ? s2_memattr_fwb : s2_memattr_nofwb;
	size_t i, n = fwb ? ARRAY_SIZE(s2_memattr_fwb) :
			    ARRAY_SIZE(s2_memattr_nofwb);
	kvm_pte_t memattr = pte & KVM_PTE_LEAF_ATTR_LO_S2_MEMATTR;

	if (!kvm_pte_valid(pte)) {
		seq_puts(m, " -");
		return;
	}
	for (i = 0; i < n; i++) {
		if (memattr == tbl[i].val) {
			seq_printf(m, " %s", tbl[i].name);
			return;
		}
	}
	/* Not one KVM creates: show the raw MemAttr field, still one word. */
	seq_printf(m, " memattr-0x%llx",
		   memattr >> __bf_shf(KVM_PTE_LEAF_ATTR_LO_S2_MEMATTR));
}

/*
 * One line of a "ranges" file: six fields always, then key=value fields,
 * <start>-<end> <size> <level> <type> <perms> <memattr> [key=value ...]
 * @show_extra prints the view's own key=value fields.
 */
static void kvm_s2_show_range(struct seq_file *m, const struct s2_range *range,
		       bool fwb, void (*show_extra)(struct seq_file *m,
						    kvm_pte_t pte))
{
	char size[S2_SIZE_LEN];
	char perms[sizeof("rwx")];

	s2_fmt_size(size, sizeof(size), range->end - range->start);
	s2_fmt_perms(perms, range->pte);
	seq_printf(m, "0x%016llx-0x%016llx %s %d %s %s", range->start,
		   range->end, size, range->level,
		   s2_type(range->pte, range->level), perms);
	s2_show_memattr(m, range->pte, fwb);
	if (kvm_pte_valid(range->pte))
		seq_printf(m, " af=%d",
			   !!(range->pte & KVM_PTE_LEAF_ATTR_LO_S2_AF));
	if (show_extra)
		show_extra(m, range->pte);
	seq_putc(m, '\n');
}

static void s2_show_vm_extra(struct seq_file *m, kvm_pte_t pte)
{
	u64 sw = FIELD_GET(KVM_PTE_LEAF_ATTR_HI_SW, pte);

	if (kvm_pte_valid(pte) && sw)
		seq_printf(m, " sw=0x%llx", sw);
}

static bool s2_has_fwb(struct kvm_pgtable *pgt)
{
	return cpus_have_final_cap(ARM64_HAS_STAGE2_FWB) &&
	       !(pgt->flags & KVM_PGTABLE_S2_NOFWB);
}

/* Per-VM directory */

/**
 * struct kvm_s2_sysfs - /sys/kernel/kvm/vmN of one VM
 * @kobj:	vmN; its s2/ group holds the counters and "ranges"
 * @kvm:	the VM. Valid while the directory exists: the directory is
 *		removed (which waits for every reader inside a file operation)
 *		before the VM is freed. "ranges" pins the VM while open.
 * @pid:	pid of the process that created the VM
 */
struct kvm_s2_sysfs {
	struct kobject	kobj;
	struct kvm	*kvm;
	pid_t		pid;
};

#define to_s2_sysfs(k)	container_of(k, struct kvm_s2_sysfs, kobj)

/**
 * struct s2_ranges_file - per-open state of a VM's "ranges"
 * @kvm:	the VM, pinned from open to release
 * @limit:	top of the IPA space, fixed at open
 * @start_level: start level of the tables, fixed at open
 * @fwb:	memory-type encoding of the tables
 * @cur:	the range at the seq_file position, if @cur.end > @cur.start
 * @put_work:	drops the pin after release, see s2_ranges_release()
 *
 * Only the reader of this open file uses it (kernfs serialises the seq_file
 * operations of an open file with its mutex).
 */
struct s2_ranges_file {
	struct kvm		*kvm;
	u64			limit;
	s8			start_level;
	bool			fwb;
	struct s2_range		cur;
	struct work_struct	put_work;
};

static struct s2_range *s2_ranges_at(struct s2_ranges_file *f, loff_t pos)
{
	int ret;

	if (pos < 0 || pos >= f->limit)
		return NULL;
	if (f->cur.start == pos && f->cur.end > f->cur.start)
		return &f->cur;

	ret = kvm_s2_next_range(f->kvm, pos, f->limit, f->start_level,
				&f->cur);
	if (ret) {
		f->cur.end = f->cur.start;
		return ERR_PTR(ret);
	}
	return &f->cur;
}

static void *s2_ranges_start(struct seq_file *m, loff_t *pos)
{
	struct kernfs_open_file *of = m->private;

	return s2_ranges_at(of->priv, *pos);
}

static void *s2_ranges_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct kernfs_open_file *of = m->private;
	struct s2_range *range = v;

	*pos = range->end;
	return s2_ranges_at(of->priv, *pos);
}

static void s2_ranges_stop(struct seq_file *m, void *v)
{
	/* Nothing is held between seq_file operations: each piece locks. */
}

static int s2_ranges_show(struct seq_file *m, void *v)
{
	struct kernfs_open_file *of = m->private;
	struct s2_ranges_file *f = of->priv;

	kvm_s2_show_range(m, v, f->fwb, s2_show_vm_extra);
	return 0;
}

static int s2_ranges_open(struct kernfs_open_file *of)
{
	struct kvm_s2_sysfs *dir = of->kn->priv;
	struct kvm *kvm = dir->kvm;
	struct s2_ranges_file *f;
	struct kvm_pgtable *pgt;
	int ret = -ENOENT;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;

	if (!kvm_get_kvm_safe(kvm))
		goto err_free;

	read_lock(&kvm->mmu_lock);
	pgt = kvm->arch.mmu.pgt;
	if (pgt) {
		f->limit = BIT_ULL(pgt->ia_bits);
		f->start_level = pgt->start_level;
		f->fwb = s2_has_fwb(pgt);
	}
	read_unlock(&kvm->mmu_lock);
	if (!pgt)
		goto err_put_kvm;

	f->kvm = kvm;
	of->priv = f;
	return 0;

err_put_kvm:
	kvm_put_kvm(kvm);
err_free:
	kfree(f);
	return ret;
}

static void s2_ranges_put_fn(struct work_struct *work)
{
	struct s2_ranges_file *f = container_of(work, struct s2_ranges_file,
						put_work);

	kvm_put_kvm(f->kvm);
	kfree(f);
}

/*
 * The last reference to the VM may be this file's: dropping it destroys the
 * VM, which removes this very file, and kernfs removal waits for the open
 * files of the node under the mutex that release runs with. So the pin is
 * dropped from a work item, after release has returned.
 */
static void s2_ranges_release(struct kernfs_open_file *of)
{
	struct s2_ranges_file *f = of->priv;

	INIT_WORK(&f->put_work, s2_ranges_put_fn);
	schedule_work(&f->put_work);
}

static const struct kernfs_ops s2_ranges_kfops = {
	.open		= s2_ranges_open,
	.release	= s2_ranges_release,
	.seq_start	= s2_ranges_start,
	.seq_next	= s2_ranges_next,
	.seq_stop	= s2_ranges_stop,
	.seq_show	= s2_ranges_show,
};

/* Counters: one value per file, each read is one walk. */

struct s2_stat_attr {
	struct kobj_attribute	attr;
	size_t			offset;
};

static ssize_t s2_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct s2_stat_attr *sa = container_of(attr, struct s2_stat_attr, attr);
	struct kvm_s2_sysfs *dir = to_s2_sysfs(kobj);
	struct kvm_s2_stats stats;
	int ret;

	ret = kvm_s2_get_stats(dir->kvm, &stats);
	if (ret)
		return ret;
	return sysfs_emit(buf, "%llu\n", *(u64 *)((u8 *)&stats + sa->offset));
}

#define S2_STAT_ATTR(_name, _field)					\
	static struct s2_stat_attr s2_stat_##_name = {			\
		.attr	= __ATTR(_name, 0400, s2_stat_show, NULL),	\
		.offset	= offsetof(struct kvm_s2_stats, _field),	\
	}

S2_STAT_ATTR(ipa_bits, ipa_bits);
S2_STAT_ATTR(start_level, start_level);
S2_STAT_ATTR(blocks_l1, leaves[1]);
S2_STAT_ATTR(blocks_l2, leaves[2]);
S2_STAT_ATTR(pages_l3, leaves[KVM_PGTABLE_LAST_LEVEL]);
S2_STAT_ATTR(table_pages, table_pages);
S2_STAT_ATTR(mapped_bytes, mapped_bytes);

static struct attribute *s2_stat_attrs[] = {
	&s2_stat_ipa_bits.attr.attr,
	&s2_stat_start_level.attr.attr,
	&s2_stat_blocks_l1.attr.attr,
	&s2_stat_blocks_l2.attr.attr,
	&s2_stat_pages_l3.attr.attr,
	&s2_stat_table_pages.attr.attr,
	&s2_stat_mapped_bytes.attr.attr,
	NULL
};

static const struct attribute_group s2_stat_group = {
	.name	= "s2",
	.attrs	= s2_stat_attrs,
};

static ssize_t pid_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%d\n", to_s2_sysfs(kobj)->pid);
}

static struct kobj_attribute s2_pid_attr = __ATTR(pid, 0400, pid_show, NULL);

static struct attribute *s2_vm_attrs[] = {
	&s2_pid_attr.attr,
	NULL
};
ATTRIBUTE_GROUPS(s2_vm);

static void s2_vm_release(struct kobject *kobj)
{
	kfree(to_s2_sysfs(kobj));
}

static const struct kobj_type s2_vm_ktype = {
	.release	= s2_vm_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= s2_vm_groups,
};

/*
 * A sysfs attribute is limited to one page: "ranges" is a kernfs file with
 * its own seq_file iterator, as cgroup's large files are, created in the
 * group directory @group of @kobj. It goes away with the kobject's directory.
 */
static int kvm_s2_sysfs_add_ranges(struct kobject *kobj, const char *group,
			    const struct kernfs_ops *ops, void *priv)
{
	struct kernfs_node *parent, *kn;

	parent = kernfs_find_and_get(kobj->sd, group);
	if (!parent)
		return -ENOENT;

	kn = __kernfs_create_file(parent, "ranges", S_IFREG | 0400,
				  GLOBAL_ROOT_UID, GLOBAL_ROOT_GID, 0, ops,
				  priv, NULL, NULL);
	kernfs_put(parent);
	return PTR_ERR_OR_ZERO(kn);
}

/**
 * kvm_s2_sysfs_create_vm() - create /sys/kernel/kvm/vmN for a new VM
 * @kvm:	the VM, fully initialised
 *
 * A failure is logged and leaves the VM without a view: it never fails VM
 * creation.
 */
void kvm_s2_sysfs_create_vm(struct kvm *kvm)
{
	struct kvm_s2_sysfs *dir;
	int id, ret;

	if (!kvm_s2_root)
		return;

	dir = kzalloc(sizeof(*dir), GFP_KERNEL_ACCOUNT);
	if (!dir) {
		ret = -ENOMEM;
		goto err_log;
	}
	dir->kvm = kvm;
	dir->pid = task_tgid_nr(current);
	id = atomic_inc_return(&kvm_s2_vm_seq);

	ret = kobject_init_and_add(&dir->kobj, &s2_vm_ktype, kvm_s2_root,
				   "vm%d", id);
	if (ret)
		goto err_put_kobj;

	ret = sysfs_create_group(&dir->kobj, &s2_stat_group);
	if (ret)
		goto err_del_kobj;

	ret = kvm_s2_sysfs_add_ranges(&dir->kobj, s2_stat_group.name,
				      &s2_ranges_kfops, dir);
	if (ret)
		goto err_del_kobj;

	kvm->arch.s2_sysfs = dir;
	kobject_uevent(&dir->kobj, KOBJ_ADD);
	return;

err_del_kobj:
	kobject_del(&dir->kobj);
err_put_kobj:
	kobject_put(&dir->kobj);
err_log:
	pr_warn_ratelimited("kvm: no stage-2 sysfs view for this VM: %d\n",
			    ret);
}

/**
 * kvm_s2_sysfs_remove_vm() - remove /sys/kernel/kvm/vmN of a VM
 * @kvm:	the VM, about to be destroyed
 *
 * Waits for the readers inside a file operation to leave; files still open
 * are released. After this no file of the directory touches @kvm.
 */
void kvm_s2_sysfs_remove_vm(struct kvm *kvm)
{
	struct kvm_s2_sysfs *dir = kvm->arch.s2_sysfs;

	if (!dir)
		return;

	kvm->arch.s2_sysfs = NULL;
	kobject_del(&dir->kobj);
	kobject_put(&dir->kobj);
}

/**
 * kvm_s2_sysfs_init() - create /sys/kernel/kvm
 *
 * Called once KVM is initialised. Without it there is no view, and KVM works
 * as before.
 */
void kvm_s2_sysfs_init(void)
{
	kvm_s2_root = kobject_create_and_add("kvm", kernel_kobj);
	if (!kvm_s2_root)
		pr_warn("kvm: no /sys/kernel/kvm, no stage-2 sysfs view\n");
}
