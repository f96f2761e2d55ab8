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
 * How a range is found: a view's piece function visits entries from a
 * cursor (for a VM, with the KVM walker under the read lock) and only
 * forwards (addr, level, pte) to kvm_s2_note(), the single place that
 * decides whether the entry extends the current run or ends it (the leaves
 * of a table go through s2_note_ptes(), which compares the entries that
 * extend the run in a tight loop). A piece stops when the run ends, after
 * S2_WALK_BUDGET entries or, for a VM, after a table's leaves; the lock is
 * dropped between pieces and the walk resumes at the cursor. The seq_file
 * position is the IPA where the next range starts (as task_mmu.c keeps an
 * address), so a retried or resumed read recomputes exactly that range.
 * The last range, up to the top of the IPA space, is emitted like any other.
 */

#include <linux/atomic.h>
#include <linux/kvm_host.h>
#include <linux/slab.h>

#include <asm/kvm_mmu.h>

#include "kvm_s2_compat.h"
#include "kvm_s2_sysfs.h"

/* Leaf entries visited per hold of kvm->mmu_lock: one table's worth. */
#define S2_WALK_BUDGET		PTRS_PER_PTE

#define S2_SIZE_UNITS		"BKMGTP"
#define S2_SIZE_UNIT_SHIFT	10

/*
 * /sys/kernel/kvm, the parent of every vmN and of host: a kset, so that the
 * uevents of vmN (KOBJ_ADD when the VM is created, KOBJ_REMOVE when it goes)
 * reach udev and the uevent helper, with SUBSYSTEM=kvm.
 */
static struct kset *kvm_s2_kset;
struct kobject *kvm_s2_root;

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

/*
 * Bits that tell runs of valid entries apart. The type bit is the same for
 * all leaves of a level, and sets a table entry apart from them.
 */
#define S2_VALID_KEY_MASK	(KVM_PTE_VALID | KVM_PTE_TYPE | \
				 KVM_PTE_LEAF_ATTR_S2_PERMS | \
				 KVM_PTE_LEAF_ATTR_LO_S2_MEMATTR | \
				 KVM_PTE_LEAF_ATTR_LO_S2_AF | \
				 KVM_PTE_LEAF_ATTR_HI_SW)

/* Invalid entries differ only by the annotation pKVM keeps in them. */
#define S2_INVALID_KEY_MASK	KVM_S2_INVALID_ANNOT_MASK

static bool s2_pte_is_table(kvm_pte_t pte, s8 level)
{
	return level < KVM_PGTABLE_LAST_LEVEL && kvm_pte_valid(pte) &&
	       FIELD_GET(KVM_PTE_TYPE, pte) == KVM_PTE_TYPE_TABLE;
}

static u64 s2_entry_end(const struct kvm_s2_walk *w, u64 addr, s8 level)
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

static bool s2_run_extends(const struct kvm_s2_range *run, u64 addr, s8 level,
			   kvm_pte_t pte)
{
	return run->end == addr && run->level == level &&
	       s2_key(run->pte) == s2_key(pte);
}

/*
 * Counting: a table or a block is counted only when the walk enters it at its
 * first address. A piece that resumes inside an entry has seen it before. The
 * view counts every part [@addr, @end) of an entry it is given.
 */
static void s2_count(struct kvm_s2_walk *w, u64 addr, u64 end, s8 level,
		     kvm_pte_t pte)
{
	struct kvm_s2_stats *stats = w->stats;
	u64 granule = kvm_granule_size(level);

	if (w->ops->count)
		w->ops->count(stats->view, pte, end - addr);
	if (!IS_ALIGNED(addr, granule))
		return;
	if (!kvm_pte_valid(pte) || WARN_ON_ONCE(level < 0))
		return;

	stats->leaves[level]++;
	stats->mapped_bytes += granule;
}

/**
 * kvm_s2_note_table() - count a table entry the walk entered
 * @w:		the walk, in counting mode
 * @addr:	IPA at which the walk visited the entry
 * @level:	level of the entry
 */
void kvm_s2_note_table(struct kvm_s2_walk *w, u64 addr, s8 level)
{
	if (w->stats && IS_ALIGNED(addr, kvm_granule_size(level)))
		w->stats->table_pages++;
}

/**
 * kvm_s2_note_part() - the merge point: every leaf entry a view visits, or
 *			part of one, comes here
 * @w:		the walk
 * @addr:	first IPA of the part
 * @end:	IPA just past the part, at most the end of the entry
 * @level:	level of the entry
 * @pte:	the entry
 *
 * Counting, the entry is counted (once, from its first address) and the part
 * is counted by the view; otherwise the part starts, extends or ends the run
 * being built.
 *
 * Return: 0 to go on, KVM_S2_WALK_STOP to end this piece of the walk (the
 * run ended, or the piece's budget is spent).
 */
int kvm_s2_note_part(struct kvm_s2_walk *w, u64 addr, u64 end, s8 level,
		     kvm_pte_t pte)
{
	struct kvm_s2_range *run = &w->run;

	if (w->stats) {
		s2_count(w, addr, end, level, pte);
	} else if (run->end == run->start) {
		*run = (struct kvm_s2_range) {
			.start = addr, .end = addr, .level = level, .pte = pte,
		};
	} else if (!s2_run_extends(run, addr, level, pte)) {
		w->done = true;
		return KVM_S2_WALK_STOP;
	}

	w->cursor = min(end, w->limit);
	run->end = w->cursor;
	if (--w->budget == 0)
		return KVM_S2_WALK_STOP;
	return 0;
}

/**
 * kvm_s2_note() - note a whole leaf entry (see kvm_s2_note_part())
 * @w:		the walk
 * @addr:	IPA at which the walk visited the entry
 * @level:	level of the entry
 * @pte:	the entry
 *
 * Return: as kvm_s2_note_part().
 */
int kvm_s2_note(struct kvm_s2_walk *w, u64 addr, s8 level, kvm_pte_t pte)
{
	return kvm_s2_note_part(w, addr, s2_entry_end(w, addr, level), level,
				pte);
}

/*
 * Note @n consecutive entries of one table, the first at @addr, up to the
 * first that points to a table: the same as kvm_s2_note() on each leaf in
 * turn, but the entries that only extend the run are compared in a tight
 * loop, with no call per entry.
 */
static int s2_note_ptes(struct kvm_s2_walk *w, u64 addr, s8 level,
			const kvm_pte_t *ptes, unsigned int n)
{
	u64 size = kvm_granule_size(level);
	unsigned int i = 0, j, last;
	kvm_pte_t key, pte;
	int ret;

	while (i < n) {
		pte = READ_ONCE(ptes[i]);
		if (s2_pte_is_table(pte, level))
			return 0;
		ret = kvm_s2_note(w, addr + i * size, level, pte);
		if (ret)
			return ret;
		i++;
		if (w->stats)
			continue;

		/* The run goes on at this level to entry i: extend it. */
		key = s2_key(w->run.pte);
		last = min(n, i + w->budget);
		for (j = i; j < last && s2_key(READ_ONCE(ptes[j])) == key; j++)
			;
		w->budget -= j - i;
		i = j;
		w->cursor = addr + i * size;
		w->run.end = w->cursor;
		if (!w->budget)
			return KVM_S2_WALK_STOP;
	}
	return 0;
}

/**
 * kvm_s2_walk() - walk piece by piece
 * @w:		the walk, with its view, source, cursor and limit set
 *
 * Goes on until the run is complete (or, counting, until the top of the IPA
 * space). Nothing is held between pieces, so that vCPU faults go on; a
 * reader that is killed stops early.
 *
 * Return: 0, -EINTR when killed, or the error of a piece.
 */
int kvm_s2_walk(struct kvm_s2_walk *w)
{
	u64 from;
	int ret;

	while (!w->done && w->cursor < w->limit) {
		from = w->cursor;
		w->budget = S2_WALK_BUDGET;
		ret = w->ops->piece(w);
		if (ret)
			return ret;
		if (WARN_ON_ONCE(w->cursor == from && !w->done))
			return -EIO;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/*
 * Find the range that starts at @start. When the tables are gone (a VM being
 * torn down), the rest of the IPA space is reported as one invalid range at
 * the start level: the file stays complete.
 */
static int s2_next_range(struct kvm_s2_ranges_file *f, u64 start)
{
	struct kvm_s2_walk w = {
		.ops	= f->ops,
		.src	= f->src,
		.cursor	= start,
		.limit	= f->limit,
		.run	= { .start = start, .end = start },
	};
	int ret;

	ret = kvm_s2_walk(&w);
	if (ret == -ENOENT) {
		/* What was walked before the tables went away still stands. */
		if (w.run.end == w.run.start)
			w.run = (struct kvm_s2_range) {
				.start = start, .end = f->limit,
				.level = f->start_level,
			};
		ret = 0;
	}
	if (ret)
		return ret;

	f->cur = w.run;
	return 0;
}

/**
 * kvm_s2_get_stats() - sum up the counters of a stage-2
 * @ops:	the view
 * @src:	its source
 * @stats:	ipa_bits, start_level and the pages of the top-level table
 *		set by the caller; the rest is summed up here
 *
 * One walk, in pieces, over the whole IPA space.
 *
 * Return: 0, -ENOENT when the tables are gone, -EINTR when killed.
 */
int kvm_s2_get_stats(const struct kvm_s2_view_ops *ops, void *src,
		     struct kvm_s2_stats *stats)
{
	struct kvm_s2_walk w = {
		.ops	= ops,
		.src	= src,
		.limit	= BIT_ULL(stats->ipa_bits),
		.stats	= stats,
	};

	return kvm_s2_walk(&w);
}

/* Formatting */

/**
 * kvm_s2_show_span() - print the address and size fields of a line
 * @m:		the seq_file
 * @start:	first address
 * @end:	address just past the last one, exclusive
 *
 * "<start>-<end> <size>": both addresses as 0x and 16 hex digits, the size
 * in the largest unit (K, M, G, T, P; B below 1K) that divides it exactly.
 * The ranges and memslots files share this form.
 */
void kvm_s2_show_span(struct seq_file *m, u64 start, u64 end)
{
	u64 bytes = end - start;
	unsigned int unit = 0;

	while (unit < strlen(S2_SIZE_UNITS) - 1 && bytes &&
	       !(bytes & (BIT_ULL(S2_SIZE_UNIT_SHIFT) - 1))) {
		bytes >>= S2_SIZE_UNIT_SHIFT;
		unit++;
	}
	seq_printf(m, "0x%016llx-0x%016llx %llu%c", start, end, bytes,
		   S2_SIZE_UNITS[unit]);
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
 */
static void s2_show_range(struct seq_file *m, const struct kvm_s2_ranges_file *f)
{
	const struct kvm_s2_range *range = &f->cur;
	char perms[sizeof("rwx")];

	s2_fmt_perms(perms, range->pte);
	kvm_s2_show_span(m, range->start, range->end);
	seq_printf(m, " %d %s %s", range->level,
		   s2_type(range->pte, range->level), perms);
	s2_show_memattr(m, range->pte, f->fwb);
	if (kvm_pte_valid(range->pte))
		seq_printf(m, " af=%d",
			   !!(range->pte & KVM_PTE_LEAF_ATTR_LO_S2_AF));
	f->ops->show_extra(m, range->pte);
	seq_putc(m, '\n');
}

/* The ranges file: a seq_file whose position is the IPA of the next range */

static struct kvm_s2_range *s2_ranges_at(struct kvm_s2_ranges_file *f,
					 loff_t pos)
{
	int ret;

	if (pos < 0 || pos >= f->limit)
		return NULL;
	if (f->cur.start == pos && f->cur.end > f->cur.start)
		return &f->cur;

	ret = s2_next_range(f, pos);
	if (ret) {
		f->cur.end = f->cur.start;
		return ERR_PTR(ret);
	}
	return &f->cur;
}

/**
 * kvm_s2_ranges_start() - seq_file start of a ranges file
 * @m:		the seq_file
 * @pos:	IPA of the range to show first
 *
 * Return: the range, NULL at the end of the IPA space, or an ERR_PTR().
 */
void *kvm_s2_ranges_start(struct seq_file *m, loff_t *pos)
{
	struct kernfs_open_file *of = m->private;
	struct kvm_s2_ranges_file *f = of->priv;

	/*
	 * A read from the start (a new read, an lseek() or a pread()) sees
	 * the tables as they are now, not the range kept from before.
	 */
	if (!*pos) {
		f->cur.end = f->cur.start;
		if (f->ops->rewind)
			f->ops->rewind(f->src);
	}
	return s2_ranges_at(f, *pos);
}

/**
 * kvm_s2_ranges_next() - seq_file next of a ranges file
 * @m:		the seq_file
 * @v:		the range just shown
 * @pos:	set to the IPA of the next range: the end of @v
 *
 * Return: the next range, NULL at the end of the IPA space, or an ERR_PTR().
 */
void *kvm_s2_ranges_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct kernfs_open_file *of = m->private;
	struct kvm_s2_range *range = v;

	*pos = range->end;
	return s2_ranges_at(of->priv, *pos);
}

/**
 * kvm_s2_ranges_stop() - seq_file stop of a ranges file
 * @m:		the seq_file
 * @v:		the last range, unused
 *
 * Nothing is held between seq_file operations: each piece of walk locks.
 */
void kvm_s2_ranges_stop(struct seq_file *m, void *v)
{
}

/**
 * kvm_s2_ranges_show() - print one range of a ranges file
 * @m:		the seq_file
 * @v:		the range
 *
 * Return: 0.
 */
int kvm_s2_ranges_show(struct seq_file *m, void *v)
{
	struct kernfs_open_file *of = m->private;

	s2_show_range(m, of->priv);
	return 0;
}

static void s2_ranges_release_fn(struct work_struct *work)
{
	struct kvm_s2_ranges_file *f =
		container_of(work, struct kvm_s2_ranges_file, release_work);

	f->ops->release(f->src);
	kfree(f);
}

/**
 * kvm_s2_ranges_release() - release an open ranges file
 * @of:		the kernfs open file; of->priv is a struct kvm_s2_ranges_file
 *
 * The source may hold the last reference to a VM: dropping it destroys the
 * VM, which removes this very file, and kernfs removal waits for the open
 * files of the node under the mutex that release runs with. So a source to
 * release is released from a work item, after release has returned.
 */
void kvm_s2_ranges_release(struct kernfs_open_file *of)
{
	struct kvm_s2_ranges_file *f = of->priv;

	if (!f->ops->release) {
		kfree(f);
		return;
	}
	INIT_WORK(&f->release_work, s2_ranges_release_fn);
	schedule_work(&f->release_work);
}

/**
 * kvm_s2_add_ranges() - create a "ranges" file in a group directory
 * @kobj:	the kobject owning the directory
 * @group:	name of the group directory ("s2")
 * @ops:	kernfs operations of the file (KVM_S2_RANGES_KFOPS())
 * @priv:	private data of the node, of->kn->priv in open
 *
 * A sysfs attribute is limited to one page: "ranges" is a kernfs file with
 * its own seq_file iterator, as cgroup's large files are. It goes away with
 * the kobject's directory.
 *
 * Return: 0 or -errno.
 */
int kvm_s2_add_ranges(struct kobject *kobj, const char *group,
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
 * kvm_s2_stat_show() - show one counter file of a view
 * @kobj:	the view's directory, in a struct kvm_s2_dir
 * @attr:	the counter, in a struct kvm_s2_stat_attr
 * @buf:	the sysfs buffer
 *
 * Return: bytes written, or -errno from the view's get_stats().
 */
ssize_t kvm_s2_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct kvm_s2_stat_attr *sa = container_of(attr, struct kvm_s2_stat_attr,
						   attr);
	struct kvm_s2_dir *dir = to_kvm_s2_dir(kobj);
	struct kvm_s2_stats stats = {};
	int ret;

	ret = dir->get_stats(dir, &stats, sa->counts);
	if (ret)
		return ret;
	return sysfs_emit(buf, "%llu\n",
			  *(const u64 *)((const u8 *)&stats + sa->offset));
}

KVM_S2_FIXED_ATTR(kvm_s2, ipa_bits, ipa_bits);
KVM_S2_FIXED_ATTR(kvm_s2, start_level, start_level);
KVM_S2_STAT_ATTR(kvm_s2, blocks_l1, leaves[1]);
KVM_S2_STAT_ATTR(kvm_s2, blocks_l2, leaves[2]);
KVM_S2_STAT_ATTR(kvm_s2, pages_l3, leaves[KVM_PGTABLE_LAST_LEVEL]);
KVM_S2_STAT_ATTR(kvm_s2, table_pages, table_pages);
KVM_S2_STAT_ATTR(kvm_s2, mapped_bytes, mapped_bytes);

static struct attribute *kvm_s2_stat_attrs[] = {
	&kvm_s2_ipa_bits.attr.attr,
	&kvm_s2_start_level.attr.attr,
	&kvm_s2_blocks_l1.attr.attr,
	&kvm_s2_blocks_l2.attr.attr,
	&kvm_s2_pages_l3.attr.attr,
	&kvm_s2_table_pages.attr.attr,
	&kvm_s2_mapped_bytes.attr.attr,
	NULL
};

/* The counters every view has: the s2/ directory of vmN and of host. */
const struct attribute_group kvm_s2_stat_group = {
	.name	= "s2",
	.attrs	= kvm_s2_stat_attrs,
};

/* The view of a VM */

/*
 * Entries of one table, from the cursor on: rather than a walker callback per
 * entry, its leaves (pages, blocks, invalid entries: nearly all the entries
 * of a VM, the empty IPA space among them) are read here, in one loop
 * (s2_note_ptes()), up to the first entry that is itself a table. This is not
 * a second walker: the KVM walker found the table, in shared mode, under RCU,
 * as the fault handler does, and only this one table it hands over is read,
 * each entry once with READ_ONCE(); the walker alone descends. The piece ends
 * after the leaves read, so that the walker does not visit them again; at a
 * table entry, it goes on into that table.
 */
static int s2_vm_note_table(struct kvm_s2_walk *w, u64 addr, s8 level,
			    const kvm_pte_t *ptes, u64 end)
{
	u64 from = w->cursor;

	s2_note_ptes(w, addr, level, ptes,
		     (min(end, w->limit) - addr) >> kvm_granule_shift(level));
	/* A table first: let the walker descend into it. */
	if (w->cursor == from && !w->done && w->budget)
		return 0;
	return KVM_S2_WALK_STOP;
}

/* A table the walker is about to enter: its entries from the cursor on. */
static int s2_vm_visit_table(struct kvm_s2_walk *w,
			     const struct kvm_pgtable_visit_ctx *ctx)
{
	s8 level = ctx->level + 1;
	u64 size = kvm_granule_size(ctx->level);
	const kvm_pte_t *ptes;

	ptes = ctx->mm_ops->phys_to_virt(kvm_pte_to_phys(ctx->old));
	ptes += (ctx->addr >> kvm_granule_shift(level)) & (PTRS_PER_PTE - 1);
	return s2_vm_note_table(w, ctx->addr, level, ptes,
				ALIGN_DOWN(ctx->addr, size) + size);
}

/*
 * A leaf: it and the entries after it in its table (the top level's
 * concatenated tables count as one, up to a boundary of the level above).
 */
static int s2_vm_visit_leaf(struct kvm_s2_walk *w,
			    const struct kvm_pgtable_visit_ctx *ctx)
{
	u64 size = kvm_granule_size(ctx->level - 1);

	if (!IS_ALIGNED(ctx->addr, kvm_granule_size(ctx->level)))
		return kvm_s2_note(w, ctx->addr, ctx->level, ctx->old);
	return s2_vm_note_table(w, ctx->addr, ctx->level, ctx->ptep,
				ALIGN_DOWN(ctx->addr, size) + size);
}

static int s2_vm_visit(const struct kvm_pgtable_visit_ctx *ctx,
		       enum kvm_pgtable_walk_flags visit)
{
	struct kvm_s2_walk *w = ctx->arg;

	if (visit == KVM_PGTABLE_WALK_TABLE_PRE)
		return s2_vm_visit_table(w, ctx);
	return s2_vm_visit_leaf(w, ctx);
}

/*
 * The kvm_s2_mmu's page table is freed under the write lock (when the VM's mm
 * goes away, or the VM is destroyed), so it is looked up again under the read
 * lock for every piece. Walkers in shared mode are what the fault handler
 * uses: tables freed under them are freed after an RCU grace period.
 */
static int s2_vm_piece(struct kvm_s2_walk *w)
{
	struct kvm_pgtable_walker walker = {
		.cb	= s2_vm_visit,
		.arg	= w,
		.flags	= KVM_PGTABLE_WALK_LEAF | KVM_PGTABLE_WALK_TABLE_PRE |
			  KVM_PGTABLE_WALK_SHARED,
	};
	struct kvm *kvm = w->src;
	struct kvm_pgtable *pgt;
	int ret = -ENOENT;

	read_lock(&kvm->mmu_lock);
	pgt = kvm->arch.mmu.pgt;
	if (pgt)
		ret = kvm_pgtable_walk(pgt, w->cursor, w->limit - w->cursor,
				       &walker);
	read_unlock(&kvm->mmu_lock);

	return ret == KVM_S2_WALK_STOP ? 0 : ret;
}

/**
 * kvm_s2_vm_show_extra() - print the VM view's own fields of a range
 * @m:		the seq_file
 * @pte:	an entry of the range
 *
 * " sw=0x<n>" for valid entries with software bits set (on Linux 6.14 and
 * later under pKVM, the guest's page state that EL2 keeps in them).
 */
void kvm_s2_vm_show_extra(struct seq_file *m, kvm_pte_t pte)
{
	u64 sw = FIELD_GET(KVM_PTE_LEAF_ATTR_HI_SW, pte);

	if (kvm_pte_valid(pte) && sw)
		seq_printf(m, " sw=0x%llx", sw);
}

static void s2_vm_release(void *src)
{
	kvm_put_kvm(src);
}

static const struct kvm_s2_view_ops s2_vm_ops = {
	.piece		= s2_vm_piece,
	.show_extra	= kvm_s2_vm_show_extra,
	.release	= s2_vm_release,
};

/*
 * Where the host reads a VM's stage-2 from. Since Linux 6.14, under pKVM,
 * EL2 keeps the stage-2 of every VM: the host kernel's struct kvm_pgtable of
 * a VM then holds only the record of what it asked EL2 to map.
 */
enum s2_vm_tables {
	S2_VM_TABLES_HOST,	/* the host kernel's, walked */
	S2_VM_TABLES_EL2,	/* EL2's, copied by the guest snapshot hypercall */
	S2_VM_TABLES_PROTECTED,	/* EL2's, of a protected VM: not shown */
	S2_VM_TABLES_NONE,	/* EL2's, and no hypercall to copy them */
};

static enum s2_vm_tables s2_vm_tables(struct kvm *kvm)
{
	if (kvm_s2_host_has_vm_tables())
		return S2_VM_TABLES_HOST;
	if (!IS_ENABLED(CONFIG_KVM_S2_GUEST_SNAPSHOT))
		return S2_VM_TABLES_NONE;
	if (kvm_vm_is_protected(kvm))
		return S2_VM_TABLES_PROTECTED;
	return S2_VM_TABLES_EL2;
}

/* Why a VM's tables cannot be read: 0 when they can. */
static int s2_vm_tables_error(enum s2_vm_tables tables)
{
	switch (tables) {
	case S2_VM_TABLES_PROTECTED:
		return -EACCES;
	case S2_VM_TABLES_NONE:
		return -EOPNOTSUPP;
	default:
		return 0;
	}
}

/**
 * struct kvm_s2_sysfs - /sys/kernel/kvm/vmN of one VM
 * @dir:	vmN; its s2/ group holds the counters and "ranges"
 * @kvm:	the VM. Valid inside every file operation of the directory:
 *		kvm_arch_pre_destroy_vm() removes the directory before the VM
 *		is freed, and kernfs removal waits for the readers inside a
 *		file operation. An open "ranges" also holds a reference, so
 *		that a dump that has started ends complete even if the VM's
 *		last other user goes; it is dropped only from a work item
 *		after release (kvm_s2_ranges_release()), never inside a file
 *		operation, whose file the VM's destruction would wait for.
 * @pid:	pid of the process that created the VM
 * @ipa_bits:	size of the IPA space, fixed at VM creation
 * @start_level: level of the top-level tables, fixed at VM creation
 * @fwb:	memory-type encoding of the tables, fixed at VM creation
 * @tables:	where the host reads the VM's tables from, fixed at VM
 *		creation
 */
struct kvm_s2_sysfs {
	struct kvm_s2_dir	dir;
	struct kvm		*kvm;
	pid_t		pid;
	u32		ipa_bits;
	s8		start_level;
	bool		fwb;
	enum s2_vm_tables	tables;
};

#define to_s2_sysfs(k)	container_of(k, struct kvm_s2_sysfs, dir.kobj)

/*
 * Nothing can fail once the VM is pinned: dropping the reference here could
 * destroy the VM, which would wait for this very open. A VM whose tables are
 * gone (its VMM exited) reads as one invalid range over the IPA space.
 */
static int s2_vm_open(struct kvm_s2_ranges_file *f, struct kvm *kvm)
{
	if (!kvm_get_kvm_safe(kvm))
		return -ENOENT;

	f->ops = &s2_vm_ops;
	f->src = kvm;
	return 0;
}

static int s2_vm_ranges_open(struct kernfs_open_file *of)
{
	struct kvm_s2_sysfs *dir = of->kn->priv;
	struct kvm_s2_ranges_file *f;
	int ret;

	ret = s2_vm_tables_error(dir->tables);
	if (ret)
		return ret;

	f = kzalloc_obj(*f, GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;

	if (IS_ENABLED(CONFIG_KVM_S2_GUEST_SNAPSHOT) &&
	    dir->tables == S2_VM_TABLES_EL2)
		ret = kvm_s2_guest_open(f, dir->kvm);
	else
		ret = s2_vm_open(f, dir->kvm);
	if (ret) {
		kfree(f);
		return ret;
	}

	f->limit = BIT_ULL(dir->ipa_bits);
	f->start_level = dir->start_level;
	f->fwb = dir->fwb;
	of->priv = f;
	return 0;
}

static const struct kernfs_ops s2_vm_ranges_kfops =
	KVM_S2_RANGES_KFOPS(s2_vm_ranges_open);

/*
 * Counters: the geometry is fixed at VM creation; the rest is what KVM keeps
 * in the VM's stats as it changes the stage-2 (struct kvm_pgtable_stats), read
 * without a walk or a lock: a few atomic reads, whatever the VM's size. EL2
 * keeps them for the VMs whose tables it has, as it changes those.
 */
static int s2_vm_get_stats(struct kvm_s2_dir *kdir, struct kvm_s2_stats *stats,
			   bool counts)
{
	struct kvm_s2_sysfs *dir = container_of(kdir, struct kvm_s2_sysfs, dir);
	const struct kvm_pgtable_stats *s2 = &dir->kvm->stat.stage2;
	int i, ret;

	stats->ipa_bits = dir->ipa_bits;
	stats->start_level = dir->start_level;
	if (!counts)
		return 0;
	ret = s2_vm_tables_error(dir->tables);
	if (ret)
		return ret;

	for (i = 0; i < KVM_PGTABLE_STATS_LEVELS; i++)
		stats->leaves[KVM_PGTABLE_STATS_FIRST_LEVEL + i] =
			atomic64_read(&s2->leaves[i]);
	stats->table_pages = atomic64_read(&s2->table_pages);
	stats->mapped_bytes = atomic64_read(&s2->mapped_bytes);
	return 0;
}

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

static void s2_vm_dir_release(struct kobject *kobj)
{
	kfree(to_s2_sysfs(kobj));
}

static const struct kobj_type s2_vm_ktype = {
	.release	= s2_vm_dir_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= s2_vm_groups,
};

/*
 * The stage-2's fixed geometry, from VTCR_EL2 as the page-table code derives
 * it: the VM's tables may be EL2's (enum s2_vm_tables), whose
 * geometry the host chose all the same. Its tables exist from VM creation on.
 */
static int s2_vm_geometry(struct kvm_s2_sysfs *dir, struct kvm *kvm)
{
	struct kvm_s2_mmu *mmu = &kvm->arch.mmu;

	if (!mmu->pgt)
		return -ENOENT;
	dir->ipa_bits = VTCR_EL2_IPA(mmu->vtcr);
	dir->start_level = VTCR_EL2_TGRAN_SL0_BASE -
			   FIELD_GET(VTCR_EL2_SL0_MASK, mmu->vtcr);
	dir->tables = s2_vm_tables(kvm);
	/* EL2 makes a VM's tables with FWB whenever the CPUs have it. */
	if (dir->tables == S2_VM_TABLES_HOST)
		dir->fwb = kvm_pgtable_stage2_has_fwb(mmu->pgt);
	else
		dir->fwb = cpus_have_final_cap(ARM64_HAS_STAGE2_FWB);
	return 0;
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

	dir = kzalloc_obj(*dir, GFP_KERNEL_ACCOUNT);
	if (!dir) {
		ret = -ENOMEM;
		goto err_log;
	}
	ret = s2_vm_geometry(dir, kvm);
	if (ret) {
		kfree(dir);
		goto err_log;
	}
	dir->kvm = kvm;
	dir->pid = task_tgid_nr(current);
	id = atomic_inc_return(&kvm_s2_vm_seq);

	dir->dir.get_stats = s2_vm_get_stats;
	dir->dir.kobj.kset = kvm_s2_kset;
	ret = kobject_init_and_add(&dir->dir.kobj, &s2_vm_ktype, kvm_s2_root,
				   "vm%d", id);
	if (ret)
		goto err_put_kobj;

	ret = sysfs_create_group(&dir->dir.kobj, &kvm_s2_stat_group);
	if (ret)
		goto err_del_kobj;

	ret = kvm_s2_add_ranges(&dir->dir.kobj, kvm_s2_stat_group.name,
				&s2_vm_ranges_kfops, dir);
	if (ret)
		goto err_del_kobj;

	ret = kvm_memslots_sysfs_add(&dir->dir.kobj, kvm);
	if (ret)
		goto err_del_kobj;

	kvm->arch.s2_sysfs = dir;
	kobject_uevent(&dir->dir.kobj, KOBJ_ADD);
	return;

err_del_kobj:
	kobject_del(&dir->dir.kobj);
err_put_kobj:
	kobject_put(&dir->dir.kobj);
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
	kobject_del(&dir->dir.kobj);
	kobject_put(&dir->dir.kobj);
}

/**
 * kvm_s2_sysfs_init() - create /sys/kernel/kvm
 *
 * Called once KVM is initialised. Without it there is no view, and KVM works
 * as before.
 */
void kvm_s2_sysfs_init(void)
{
	kvm_s2_kset = kset_create_and_add("kvm", NULL, kernel_kobj);
	if (!kvm_s2_kset) {
		pr_warn("kvm: no /sys/kernel/kvm, no stage-2 sysfs view\n");
		return;
	}
	kvm_s2_root = &kvm_s2_kset->kobj;
}
