// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memslots of a VM in sysfs: /sys/kernel/kvm/vmN/memslots.
 *
 * One line per memslot of every address space, ascending by guest address:
 *
 *   <start>-<end> <size> slot=<id> as=<as> hva=0x<16 hex> flags=<list|->
 *
 * in the address and size forms of the stage-2 "ranges" file, so that a tool
 * can tell which slot, host address and flags lie behind each stage-2 range
 * (a block needs a slot that is not logging dirty pages, that holds the whole
 * block, and whose host address is congruent to the guest address).
 *
 * Like "ranges" it is a kernfs seq_file of any length. Its position is the
 * sort key of the next slot to show (guest frame number, then address
 * space), and each slot is looked up under kvm->srcu on its own: a slot
 * added or deleted during a read is shown or not, the others are shown once
 * each, in order. Slots being deleted or moved (KVM_MEMSLOT_INVALID) are
 * left out: KVM no longer maps through them.
 */

#include <linux/kvm_host.h>
#include <linux/slab.h>

#include "kvm_s2_compat.h"
#include "kvm_s2_sysfs.h"

/* The flags of a line, in this order; "-" when none applies. */
static const struct {
	u32		flag;
	const char	*name;
} s2_slot_flags[] = {
	{ KVM_MEM_LOG_DIRTY_PAGES,	"dirty-log" },
	{ KVM_MEM_READONLY,		"readonly" },
	{ KVM_MEM_GUEST_MEMFD,		"guest-memfd" },
};

/**
 * struct s2_slot_line - one line of a memslots file, copied out of the slot
 * @start:	guest address of the slot
 * @end:	guest address just past the slot, exclusive
 * @hva:	host (VMM) address of the slot
 * @id:		memslot id
 * @as:		address space
 * @flags:	KVM_MEM_* flags
 */
struct s2_slot_line {
	u64	start;
	u64	end;
	u64	hva;
	u16	id;
	u16	as;
	u32	flags;
};

/*
 * The seq_file position of a slot: slots sort by guest frame, then by
 * address space (slots of one address space never overlap).
 */
static loff_t s2_slot_key(gfn_t gfn, int as)
{
	return gfn * KVM_MAX_NR_ADDRESS_SPACES + as;
}

/* The first valid slot of @slots whose guest frame is @gfn or above. */
static struct kvm_memory_slot *s2_slot_from(struct kvm_memslots *slots,
					    gfn_t gfn)
{
	struct kvm_memslot_iter iter;

	kvm_for_each_memslot_in_gfn_range(&iter, slots, gfn, U64_MAX) {
		struct kvm_memory_slot *slot = iter.slot;

		if (slot->base_gfn >= gfn && !(slot->flags & KVM_MEMSLOT_INVALID))
			return slot;
	}
	return NULL;
}

/*
 * Copy the slot with the smallest key at @pos or above into @line.
 * Returns false when there is none.
 */
static bool s2_slot_at(struct kvm *kvm, loff_t pos, struct s2_slot_line *line)
{
	gfn_t gfn = pos / KVM_MAX_NR_ADDRESS_SPACES;
	int first_as = pos % KVM_MAX_NR_ADDRESS_SPACES;
	struct kvm_memory_slot *slot, *best = NULL;
	int as, best_as = 0, idx;

	idx = srcu_read_lock(&kvm->srcu);
	for (as = 0; as < kvm_arch_nr_memslot_as_ids(kvm); as++) {
		/* An address space below first_as sorts after pos from gfn + 1. */
		slot = s2_slot_from(__kvm_memslots(kvm, as),
				    as < first_as ? gfn + 1 : gfn);
		if (slot && (!best || slot->base_gfn < best->base_gfn)) {
			best = slot;
			best_as = as;
		}
	}
	if (best)
		*line = (struct s2_slot_line) {
			.start	= gfn_to_gpa(best->base_gfn),
			.end	= gfn_to_gpa(best->base_gfn + best->npages),
			.hva	= best->userspace_addr,
			.id	= best->id,
			.as	= best_as,
			.flags	= best->flags,
		};
	srcu_read_unlock(&kvm->srcu, idx);
	return best;
}

static void *s2_memslots_at(struct seq_file *m, loff_t *pos)
{
	struct kernfs_open_file *of = m->private;
	struct s2_slot_line *line = of->priv;

	if (*pos < 0 || !s2_slot_at(of->kn->priv, *pos, line))
		return NULL;
	*pos = s2_slot_key(gpa_to_gfn(line->start), line->as);
	return line;
}

static void *s2_memslots_start(struct seq_file *m, loff_t *pos)
{
	return s2_memslots_at(m, pos);
}

static void *s2_memslots_next(struct seq_file *m, void *v, loff_t *pos)
{
	(*pos)++;
	return s2_memslots_at(m, pos);
}

static void s2_memslots_stop(struct seq_file *m, void *v)
{
}

static int s2_memslots_show(struct seq_file *m, void *v)
{
	const struct s2_slot_line *line = v;
	const char *sep = "";
	int i;

	kvm_s2_show_span(m, line->start, line->end);
	seq_printf(m, " slot=%u as=%u hva=0x%016llx flags=", line->id,
		   line->as, line->hva);
	for (i = 0; i < ARRAY_SIZE(s2_slot_flags); i++) {
		if (line->flags & s2_slot_flags[i].flag) {
			seq_printf(m, "%s%s", sep, s2_slot_flags[i].name);
			sep = ",";
		}
	}
	seq_puts(m, *sep ? "\n" : "-\n");
	return 0;
}

/*
 * The VM is not pinned: kvm_s2_sysfs_remove_vm() removes this file before
 * the VM's memslots are freed, and kernfs waits for every reader inside a
 * seq_file operation first. A read after that ends with -ENODEV.
 */
static int s2_memslots_open(struct kernfs_open_file *of)
{
	struct s2_slot_line *line;

	line = kzalloc_obj(*line, GFP_KERNEL_ACCOUNT);
	if (!line)
		return -ENOMEM;
	of->priv = line;
	return 0;
}

static void s2_memslots_release(struct kernfs_open_file *of)
{
	kfree(of->priv);
}

static const struct kernfs_ops s2_memslots_kfops = {
	.open		= s2_memslots_open,
	.release	= s2_memslots_release,
	.seq_start	= s2_memslots_start,
	.seq_next	= s2_memslots_next,
	.seq_stop	= s2_memslots_stop,
	.seq_show	= s2_memslots_show,
};

/**
 * kvm_memslots_sysfs_add() - create the "memslots" file of a VM
 * @kobj:	the VM's vmN directory
 * @kvm:	the VM; valid inside every file operation (see
 *		s2_memslots_open())
 *
 * It goes away with the directory.
 *
 * Return: 0 or -errno.
 */
int kvm_memslots_sysfs_add(struct kobject *kobj, struct kvm *kvm)
{
	struct kernfs_node *kn;

	kn = __kernfs_create_file(kobj->sd, "memslots", S_IFREG | 0400,
				  GLOBAL_ROOT_UID, GLOBAL_ROOT_GID, 0,
				  &s2_memslots_kfops, kvm, NULL, NULL);
	return PTR_ERR_OR_ZERO(kn);
}
