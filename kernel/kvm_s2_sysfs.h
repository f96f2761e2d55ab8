/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stage-2 views in sysfs: the part shared by the VM views (kvm_s2_sysfs.c)
 * and the pKVM host view (kvm_s2_host.c). A view is a source of stage-2
 * entries, visited in bounded pieces from a cursor, and fed one by one to
 * kvm_s2_note(); the rest (runs, counters, the ranges file, formatting) is
 * common.
 */
#ifndef __ARM64_KVM_S2_SYSFS_H__
#define __ARM64_KVM_S2_SYSFS_H__

#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/seq_file.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include <asm/kvm_pgtable.h>

/* Internal return code of a piece of walk: stop here, all is well. */
#define KVM_S2_WALK_STOP	(-ENOSPC)

/* Room for the counters a view keeps itself, in struct kvm_s2_stats. */
#define KVM_S2_VIEW_STATS	8

/**
 * struct kvm_s2_stats - counters of one stage-2, as in the s2/ files
 * @ipa_bits:		size of the IPA space, in bits
 * @start_level:	level of the top-level tables
 * @leaves:		valid leaf entries (blocks, pages) per level
 * @table_pages:	pages of the tables themselves, top level included
 * @mapped_bytes:	bytes mapped by valid leaf entries
 * @view:		the view's own counters, summed up by its ops->count
 */
struct kvm_s2_stats {
	u64	ipa_bits;
	u64	start_level;
	u64	leaves[KVM_PGTABLE_LAST_LEVEL + 1];
	u64	table_pages;
	u64	mapped_bytes;
	u64	view[KVM_S2_VIEW_STATS];
};

/**
 * struct kvm_s2_range - one line of "ranges": a run of entries
 * @start:	IPA of the first entry (or of the cursor, inside a block)
 * @end:	IPA just past the last entry, exclusive
 * @level:	level of the entries
 * @pte:	first entry of the run; its attributes are those of the run
 */
struct kvm_s2_range {
	u64		start;
	u64		end;
	s8		level;
	kvm_pte_t	pte;
};

struct kvm_s2_walk;

/**
 * struct kvm_s2_view_ops - what a view provides
 * @piece:	visit a bounded number of entries from @w->cursor on, feeding
 *		each to kvm_s2_note() (tables to kvm_s2_note_table() when
 *		counting) until it returns KVM_S2_WALK_STOP or the IPA space
 *		ends. Returns 0, or -ENOENT when the tables are gone, or -errno.
 * @show_extra:	print the view's own key=value fields of a range
 * @count:	add an entry, valid or not, to the view's own counters
 *		(@view of struct kvm_s2_stats, @bytes its size); may be NULL
 * @rewind:	a read starts again from offset 0: drop what the source keeps
 *		of the tables (may be NULL)
 * @release:	drop what an open ranges file holds of the source (may be
 *		NULL); called from a work item, see kvm_s2_ranges_release()
 */
struct kvm_s2_view_ops {
	int	(*piece)(struct kvm_s2_walk *w);
	void	(*show_extra)(struct seq_file *m, kvm_pte_t pte);
	void	(*count)(u64 *view, kvm_pte_t pte, u64 bytes);
	void	(*rewind)(void *src);
	void	(*release)(void *src);
};

/**
 * struct kvm_s2_walk - one walk over a stage-2, done in bounded pieces
 * @ops:	the view
 * @src:	the view's source (the VM, the host's page of entries)
 * @cursor:	next IPA to visit; a piece starts here
 * @limit:	top of the IPA space, exclusive
 * @budget:	entries this piece may still visit
 * @run:	the range being built (ranges mode)
 * @stats:	the counters being summed (counting mode), or NULL
 * @done:	the run ended at @cursor, which starts the next one
 */
struct kvm_s2_walk {
	const struct kvm_s2_view_ops	*ops;
	void				*src;
	u64				cursor;
	u64				limit;
	unsigned int			budget;
	struct kvm_s2_range		run;
	struct kvm_s2_stats		*stats;
	bool				done;
};

/**
 * struct kvm_s2_ranges_file - per-open state of a "ranges" file
 * @ops:	the view
 * @src:	the view's source (the VM, pinned; for the host, the page of
 *		entries of its last hypercall)
 * @limit:	top of the IPA space, fixed at open
 * @start_level: start level of the tables, fixed at open
 * @fwb:	memory-type encoding of the tables
 * @cur:	the range at the seq_file position, if @cur.end > @cur.start
 * @release_work: releases @src after the file is released
 *
 * Only the reader of this open file uses it (kernfs serialises the seq_file
 * operations of an open file with its mutex).
 */
struct kvm_s2_ranges_file {
	const struct kvm_s2_view_ops	*ops;
	void				*src;
	u64				limit;
	s8				start_level;
	bool				fwb;
	struct kvm_s2_range		cur;
	struct work_struct		release_work;
};

/**
 * struct kvm_s2_dir - the directory of a view (vmN, host)
 * @kobj:	the directory; its s2/ group holds the counters and "ranges"
 * @get_stats:	fill @stats for a counter file: the geometry always, the
 *		counters when @counts (the VM view reads the stats KVM keeps,
 *		the host view walks). Returns 0 or -errno.
 */
struct kvm_s2_dir {
	struct kobject	kobj;
	int		(*get_stats)(struct kvm_s2_dir *dir,
				     struct kvm_s2_stats *stats, bool counts);
};

#define to_kvm_s2_dir(k)	container_of(k, struct kvm_s2_dir, kobj)

extern struct kobject *kvm_s2_root;
extern const struct attribute_group kvm_s2_stat_group;

int kvm_s2_note(struct kvm_s2_walk *w, u64 addr, s8 level, kvm_pte_t pte);
int kvm_s2_note_part(struct kvm_s2_walk *w, u64 addr, u64 end, s8 level,
		     kvm_pte_t pte);
void kvm_s2_note_table(struct kvm_s2_walk *w, u64 addr, s8 level);
int kvm_s2_walk(struct kvm_s2_walk *w);
int kvm_s2_get_stats(const struct kvm_s2_view_ops *ops, void *src,
		     struct kvm_s2_stats *stats);
void kvm_s2_ranges_release(struct kernfs_open_file *of);
int kvm_s2_add_ranges(struct kobject *kobj, const char *group,
		      const struct kernfs_ops *ops, void *priv);
ssize_t kvm_s2_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf);
void kvm_s2_show_span(struct seq_file *m, u64 start, u64 end);
void kvm_s2_vm_show_extra(struct seq_file *m, kvm_pte_t pte);
int kvm_s2_guest_open(struct kvm_s2_ranges_file *f, struct kvm *kvm);

struct kvm;
int kvm_memslots_sysfs_add(struct kobject *kobj, struct kvm *kvm);

void *kvm_s2_ranges_start(struct seq_file *m, loff_t *pos);
void *kvm_s2_ranges_next(struct seq_file *m, void *v, loff_t *pos);
void kvm_s2_ranges_stop(struct seq_file *m, void *v);
int kvm_s2_ranges_show(struct seq_file *m, void *v);

/* The kernfs operations of a ranges file; @_open sets of->priv up. */
#define KVM_S2_RANGES_KFOPS(_open) {					\
	.open		= _open,					\
	.release	= kvm_s2_ranges_release,			\
	.seq_start	= kvm_s2_ranges_start,				\
	.seq_next	= kvm_s2_ranges_next,				\
	.seq_stop	= kvm_s2_ranges_stop,				\
	.seq_show	= kvm_s2_ranges_show,				\
}

/*
 * A counter file: the offset of its u64 in struct kvm_s2_stats, and whether
 * it counts entries (@counts) or is fixed when the stage-2 is made (the
 * geometry: ipa_bits, start_level). Its .show is kvm_s2_stat_show(), which
 * asks the directory's view for the stats. The counters every view has are
 * kvm_s2_stat_group's; a view with its own merges them into s2/.
 */
struct kvm_s2_stat_attr {
	struct kobj_attribute	attr;
	size_t			offset;
	bool			counts;
};

#define __KVM_S2_STAT_ATTR(_prefix, _name, _field, _counts)		\
	static struct kvm_s2_stat_attr _prefix##_##_name = {		\
		.attr	= __ATTR(_name, 0400, kvm_s2_stat_show, NULL),	\
		.offset	= offsetof(struct kvm_s2_stats, _field),	\
		.counts	= _counts,					\
	}

#define KVM_S2_STAT_ATTR(_prefix, _name, _field)			\
	__KVM_S2_STAT_ATTR(_prefix, _name, _field, true)
#define KVM_S2_FIXED_ATTR(_prefix, _name, _field)			\
	__KVM_S2_STAT_ATTR(_prefix, _name, _field, false)

#endif /* __ARM64_KVM_S2_SYSFS_H__ */
