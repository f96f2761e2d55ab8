// SPDX-License-Identifier: GPL-2.0-only
/*
 * pKVM host stage-2 snapshot: a debug hypercall that copies host stage-2
 * entries into a page the host provides, a bounded chunk per call.
 *
 * Buffer rule: the page must be memory that the host owns exclusively (not
 * shared with EL2 or anyone, not owned by EL2, not MMIO), checked under the
 * host stage-2 lock, which is held until the copy is done: the page cannot
 * change hands while EL2 writes to it. The host keeps it pinned (it is a
 * kernel page it allocated). It is not donated for the call: a donation
 * would split the host's block mappings on every call, and the dump would
 * change what it shows. EL2 writes to it through its fixmap, and never reads
 * from it.
 *
 * Lock rule: one call holds the host stage-2 lock for at most one page worth
 * of entries (KVM_S2_SNAPSHOT_MAX_ENTRIES).
 */

#include <linux/build_bug.h>

#include <asm/kvm_pgtable.h>
#include <asm/kvm_s2_snapshot.h>

#include <nvhe/mem_protect.h>
#include <nvhe/mm.h>

#define KVM_S2_SNAPSHOT_MAX_ENTRIES					\
	((PAGE_SIZE - sizeof(struct kvm_s2_snapshot)) /			\
	 sizeof(struct kvm_s2_snapshot_entry))

/* Internal return code of the visitor: the buffer is full. */
#define SNAPSHOT_FULL	(-ENOSPC)

static_assert(KVM_S2_SNAPSHOT_OWNER_HOST == PKVM_ID_HOST);
static_assert(KVM_S2_SNAPSHOT_OWNER_HYP == PKVM_ID_HYP);
static_assert(KVM_S2_SNAPSHOT_OWNER_FFA == PKVM_ID_FFA);

struct snapshot_walk {
	struct kvm_s2_snapshot	*snap;
	u32			max;
	u64			next;
};

/*
 * Entries left in the buffer before recording an entry at @level: a table
 * needs room for the tables below it down to a leaf, and the leaf, so that
 * a chunk never ends inside a chain of tables. The next call then starts at
 * the address of the entry that did not fit, and the host sees each table
 * entered at its first address exactly once.
 */
static u32 snapshot_room_needed(s8 level, enum kvm_pgtable_walk_flags visit)
{
	if (visit != KVM_PGTABLE_WALK_TABLE_PRE)
		return 1;
	return 1 + KVM_PGTABLE_LAST_LEVEL - level;
}

static int snapshot_visitor(const struct kvm_pgtable_visit_ctx *ctx,
			    enum kvm_pgtable_walk_flags visit)
{
	struct snapshot_walk *w = ctx->arg;
	struct kvm_s2_snapshot_entry *e;

	if (w->max - w->snap->nr < snapshot_room_needed(ctx->level, visit)) {
		w->next = ctx->addr;
		return SNAPSHOT_FULL;
	}

	e = &w->snap->entries[w->snap->nr++];
	e->addr = ctx->addr;
	e->pte = ctx->old;
	e->level = ctx->level;
	e->flags = visit == KVM_PGTABLE_WALK_TABLE_PRE ? KVM_S2_SNAPSHOT_TABLE : 0;
	return 0;
}

static int snapshot_check_args(u64 buf, u64 size, u64 ipa)
{
	if (!PAGE_ALIGNED(buf) || !PAGE_ALIGNED(ipa))
		return -EINVAL;
	if (size < KVM_S2_SNAPSHOT_MIN_SIZE || size > PAGE_SIZE)
		return -EINVAL;
	if (ipa >= BIT_ULL(host_mmu.pgt.ia_bits))
		return -ERANGE;
	return 0;
}

static void snapshot_fill(struct kvm_s2_snapshot *snap, u64 size, u64 ipa)
{
	struct kvm_pgtable *pgt = &host_mmu.pgt;
	struct snapshot_walk w = {
		.snap	= snap,
		.max	= min_t(u64, KVM_S2_SNAPSHOT_MAX_ENTRIES,
				(size - sizeof(*snap)) / sizeof(snap->entries[0])),
	};
	struct kvm_pgtable_walker walker = {
		.cb	= snapshot_visitor,
		.arg	= &w,
		.flags	= KVM_PGTABLE_WALK_LEAF | KVM_PGTABLE_WALK_TABLE_PRE,
	};
	u64 limit = BIT_ULL(pgt->ia_bits);
	int ret;

	snap->nr = 0;
	snap->ia_bits = pgt->ia_bits;
	snap->start_level = pgt->start_level;
	snap->flags = kvm_pgtable_stage2_has_fwb(pgt) ? KVM_S2_SNAPSHOT_FWB : 0;
	snap->pgd_pages = kvm_pgtable_stage2_pgd_size(host_mmu.arch.mmu.vtcr) >>
			  PAGE_SHIFT;

	ret = kvm_pgtable_walk(pgt, ipa, limit - ipa, &walker);
	/* Not full: the walk reached the top of the IPA space. */
	snap->next = ret == SNAPSHOT_FULL ? w.next : limit;
}

/**
 * __pkvm_host_s2_snapshot() - copy host stage-2 entries into a host page
 * @buf:	physical address of the page, page aligned
 * @size:	bytes of it to fill, KVM_S2_SNAPSHOT_MIN_SIZE to PAGE_SIZE
 * @ipa:	IPA to start at, page aligned, inside the host IPA space
 *
 * Return: 0 with the page filled (struct kvm_s2_snapshot); -EINVAL for a
 * misaligned buffer or IPA or a bad size, -ERANGE for an IPA outside the
 * host IPA space, -EPERM for a buffer that is not memory the host owns
 * exclusively. On error nothing is written and no ownership changes.
 */
int __pkvm_host_s2_snapshot(u64 buf, u64 size, u64 ipa)
{
	struct kvm_s2_snapshot *snap;
	int ret;

	ret = snapshot_check_args(buf, size, ipa);
	if (ret)
		return ret;

	hyp_spin_lock(&host_mmu.lock);
	ret = __pkvm_host_check_owned_locked(buf, PAGE_SIZE);
	if (!ret) {
		snap = hyp_fixmap_map(buf);
		snapshot_fill(snap, size, ipa);
		hyp_fixmap_unmap();
	}
	hyp_spin_unlock(&host_mmu.lock);

	return ret;
}
