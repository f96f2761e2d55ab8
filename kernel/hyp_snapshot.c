// SPDX-License-Identifier: GPL-2.0-only
/*
 * pKVM stage-2 snapshots: debug hypercalls that copy stage-2 entries into a
 * page the host shares with EL2, a bounded chunk per call: the host's own
 * stage-2 here (__pkvm_host_s2_snapshot), a guest's in mem_protect.c
 * (__pkvm_guest_s2_snapshot, since Linux 6.14), both through
 * hyp_snapshot_fill().
 *
 * Trust rule: the host is not trusted, and every other host CPU may write
 * the buffer page at any moment during the call. So the page is write-only
 * for EL2: every bound, count and index of the copy lives in EL2's own
 * memory (struct snapshot_walk, on the EL2 stack), entries are stored at
 * indexes EL2 counts itself, and the header is stored once, at the end,
 * from those EL2 values. Nothing EL2 does depends on what is in the page.
 * The arguments are the registers of the call, checked before use.
 *
 * Ownership rule: EL2 writes only to a page the host has shared with it
 * (host state shared-owned, EL2 state shared-borrowed) and that EL2 does not
 * use for anything else; the page is pinned for the call, so the host
 * cannot unshare it (or have it pinned twice) until the copy is done. The
 * host shares its buffer once, so a dump never changes the host stage-2.
 *
 * Lock rule: one call holds the lock of the stage-2 it copies for at most one
 * page worth of entries (KVM_S2_SNAPSHOT_MAX_ENTRIES) and, for the host's,
 * SNAPSHOT_MAX_STATES page states.
 */

#include <linux/bitfield.h>
#include <linux/sizes.h>

#include <asm/kvm_pgtable.h>
#include <asm/kvm_s2_snapshot.h>

#include <nvhe/mem_protect.h>
#include <nvhe/mm.h>
#include <nvhe/snapshot.h>

/* Internal return code of the visitor: the buffer is full. */
#define SNAPSHOT_FULL	(-ENOSPC)

/*
 * Page states one call reads at most, beyond its entries: a 1G block of 4K
 * pages (pKVM keeps the host's page states per page since Linux 6.14).
 */
#define SNAPSHOT_MAX_STATES	(SZ_1G >> PAGE_SHIFT)

/* Every output address bit an entry can hold (52-bit physical addresses). */
#define SNAPSHOT_ALL_PA_BITS	GENMASK_ULL(51, 0)

/*
 * State of one call, all in EL2 memory: @src is the stage-2 copied,
 * @entries is where the entries go (the host's page, written only), @nr and
 * @max are EL2's own count and bound, @states the page states it may still
 * read, @next the IPA to resume at.
 */
struct snapshot_walk {
	const struct hyp_snapshot_src	*src;
	struct kvm_s2_snapshot_entry	*entries;
	u32				nr;
	u32				max;
	u64				states;
	u64				next;
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

/* Records [@addr, @end) of the entry the walk visits, or stops the walk. */
static int snapshot_record(struct snapshot_walk *w,
			   const struct kvm_pgtable_visit_ctx *ctx,
			   enum kvm_pgtable_walk_flags visit,
			   u64 addr, u64 end, kvm_pte_t pte)
{
	if (w->max - w->nr < snapshot_room_needed(ctx->level, visit)) {
		w->next = addr;
		return SNAPSHOT_FULL;
	}

	w->entries[w->nr++] = (struct kvm_s2_snapshot_entry) {
		.addr	= addr,
		.end	= end,
		.pte	= pte,
		.level	= ctx->level,
		.flags	= visit == KVM_PGTABLE_WALK_TABLE_PRE ?
			  KVM_S2_SNAPSHOT_TABLE : 0,
	};
	return 0;
}

/* A valid host leaf: one entry per run of pages in one state, up to @end. */
static int snapshot_host_valid_leaf(struct snapshot_walk *w,
				    const struct kvm_pgtable_visit_ctx *ctx,
				    enum kvm_pgtable_walk_flags visit, u64 end)
{
	u64 addr, run_end;
	u8 state;
	kvm_pte_t pte;
	int ret;

	for (addr = ctx->addr; addr < end; addr = run_end) {
		run_end = host_stage2_snapshot_state(addr, end, ctx->old,
						     &w->states, &state);
		if (run_end == addr) {
			/* No page state left to read in this call. */
			w->next = addr;
			return SNAPSHOT_FULL;
		}
		pte = (ctx->old & ~KVM_S2_SNAPSHOT_STATE_MASK) |
		      FIELD_PREP(KVM_S2_SNAPSHOT_STATE_MASK, state);
		ret = snapshot_record(w, ctx, visit, addr, run_end, pte);
		if (ret)
			return ret;
	}
	return 0;
}

/* A host leaf: a valid one with its page states, an invalid one's owner. */
static int snapshot_host_leaf(struct snapshot_walk *w,
			      const struct kvm_pgtable_visit_ctx *ctx,
			      enum kvm_pgtable_walk_flags visit, u64 end)
{
	kvm_pte_t owner;

	if (kvm_pte_valid(ctx->old))
		return snapshot_host_valid_leaf(w, ctx, visit, end);

	owner = host_stage2_snapshot_owner(ctx->old);
	return snapshot_record(w, ctx, visit, ctx->addr, end,
			       FIELD_PREP(KVM_S2_SNAPSHOT_OWNER_MASK, owner));
}

/*
 * A guest leaf, as the host may see it: a valid one's attributes without the
 * physical page it maps, nothing of an invalid one (whatever EL2 keeps in
 * it).
 */
static kvm_pte_t snapshot_guest_pte(kvm_pte_t pte)
{
	if (!kvm_pte_valid(pte))
		return 0;
	return pte & ~kvm_phys_to_pte(SNAPSHOT_ALL_PA_BITS);
}

static int snapshot_visitor(const struct kvm_pgtable_visit_ctx *ctx,
			    enum kvm_pgtable_walk_flags visit)
{
	struct snapshot_walk *w = ctx->arg;
	u64 granule = kvm_granule_size(ctx->level);
	u64 end = ALIGN_DOWN(ctx->addr, granule) + granule;

	if (visit == KVM_PGTABLE_WALK_TABLE_PRE)
		return snapshot_record(w, ctx, visit, ctx->addr, end, 0);
	if (w->src->host)
		return snapshot_host_leaf(w, ctx, visit, end);
	return snapshot_record(w, ctx, visit, ctx->addr, end,
			       snapshot_guest_pte(ctx->old));
}

/**
 * hyp_snapshot_check_args() - check the registers of a snapshot call
 * @src:	the stage-2 to copy
 * @buf:	physical address of the host's page
 * @size:	bytes of it to fill
 * @ipa:	IPA to start at
 *
 * Return: 0; -EINVAL for a misaligned buffer or IPA or a bad size, -ERANGE
 * for an IPA outside @src's IPA space.
 */
int hyp_snapshot_check_args(const struct hyp_snapshot_src *src, u64 buf,
			    u64 size, u64 ipa)
{
	if (!PAGE_ALIGNED(buf) || !PAGE_ALIGNED(ipa))
		return -EINVAL;
	if (size < KVM_S2_SNAPSHOT_MIN_SIZE || size > PAGE_SIZE)
		return -EINVAL;
	if (ipa >= BIT_ULL(src->pgt->ia_bits))
		return -ERANGE;
	return 0;
}

/**
 * hyp_snapshot_fill() - copy entries of a stage-2 into the host's page
 * @src:	the stage-2, whose lock the caller holds
 * @snap:	the page, pinned, which EL2 only writes to
 * @size:	bytes of it to fill, checked by hyp_snapshot_check_args()
 * @ipa:	IPA to start at, checked by hyp_snapshot_check_args()
 *
 * Writes the entries, then the header, once, from EL2's own values.
 */
void hyp_snapshot_fill(const struct hyp_snapshot_src *src,
		       struct kvm_s2_snapshot *snap, u64 size, u64 ipa)
{
	struct kvm_pgtable *pgt = src->pgt;
	struct snapshot_walk w = {
		.src	 = src,
		.entries = snap->entries,
		.max	 = min_t(u64, KVM_S2_SNAPSHOT_MAX_ENTRIES,
				 (size - sizeof(*snap)) / sizeof(snap->entries[0])),
		.states	 = SNAPSHOT_MAX_STATES,
	};
	struct kvm_pgtable_walker walker = {
		.cb	= snapshot_visitor,
		.arg	= &w,
		.flags	= KVM_PGTABLE_WALK_LEAF | KVM_PGTABLE_WALK_TABLE_PRE,
	};
	u64 limit = BIT_ULL(pgt->ia_bits);
	struct kvm_s2_snapshot hdr = {
		.ia_bits	= pgt->ia_bits,
		.start_level	= pgt->start_level,
		.flags		= kvm_pgtable_stage2_has_fwb(pgt) ?
				  KVM_S2_SNAPSHOT_FWB : 0,
		.pgd_pages	= kvm_pgtable_stage2_pgd_size(src->vtcr) >>
				  PAGE_SHIFT,
	};
	int ret;

	ret = kvm_pgtable_walk(pgt, ipa, limit - ipa, &walker);
	/* Not full: the walk reached the top of the IPA space. */
	hdr.next = ret == SNAPSHOT_FULL ? w.next : limit;
	hdr.nr = w.nr;
	*snap = hdr;
}

/**
 * __pkvm_host_s2_snapshot() - copy host stage-2 entries into a shared page
 * @buf:	physical address of the page, page aligned
 * @size:	bytes of it to fill, KVM_S2_SNAPSHOT_MIN_SIZE to PAGE_SIZE
 * @ipa:	IPA to start at, page aligned, inside the host IPA space
 *
 * See kvm_s2_snapshot.h for what EL2 reads and writes.
 *
 * Return: 0 with the page filled (struct kvm_s2_snapshot); -EINVAL for a
 * misaligned buffer or IPA or a bad size, -ERANGE for an IPA outside the
 * host IPA space, -EPERM for a buffer that is not a page the host shares
 * with EL2, -EBUSY for one that EL2 has pinned (for a VM, or another call);
 * pages EL2 uses without pinning them are not told apart (see the ABI).
 * On error nothing is written.
 */
int __pkvm_host_s2_snapshot(u64 buf, u64 size, u64 ipa)
{
	const struct hyp_snapshot_src src = {
		.pgt	= &host_mmu.pgt,
		.vtcr	= host_mmu.arch.mmu.vtcr,
		.host	= true,
	};
	struct kvm_s2_snapshot *snap;
	int ret;

	ret = hyp_snapshot_check_args(&src, buf, size, ipa);
	if (ret)
		return ret;

	ret = hyp_pin_shared_page_unused(buf, (void **)&snap);
	if (ret)
		return ret;

	hyp_spin_lock(&host_mmu.lock);
	hyp_snapshot_fill(&src, snap, size, ipa);
	hyp_spin_unlock(&host_mmu.lock);

	hyp_unpin_shared_mem(snap, (void *)snap + PAGE_SIZE);
	return 0;
}
