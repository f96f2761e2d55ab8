/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The EL1<->EL2 interface of the pKVM stage-2 snapshot hypercalls, used by the
 * stage-2 views in sysfs: __pkvm_host_s2_snapshot copies the host stage-2;
 * __pkvm_guest_s2_snapshot (since Linux 6.14, where EL2 keeps every VM's
 * stage-2) copies a VM's, named by its pKVM handle and host struct kvm,
 * with the same buffer rules. A guest's entries carry neither output
 * addresses nor invalid entries' annotations.
 *
 * The host passes, in registers, the physical address of one page it has
 * shared with EL2 (__pkvm_host_share_hyp) and uses for nothing EL2 uses,
 * the number of bytes of it to fill, and the IPA to start at. EL2 fills the
 * page with the host stage-2 entries it visits from that IPA on, in
 * ascending order, until the page is full or the IPA space ends, and says
 * where to resume. Only page-table entries are copied, never the contents
 * of the pages.
 *
 * What EL2 reads: the registers (a guest call's handle and struct kvm are only
 * compared with EL2's own record of its VMs), the tables it copies, its
 * own page-state tracking (to check the page is shared with it and unused,
 * then to pin it for the call; then the state of each page it reports). It
 * never reads the page: the host may write it from other CPUs during the
 * call, so every count, index and bound of the copy is kept in EL2 memory.
 *
 * What EL2 writes: on success, entries[0..nr-1] in order, then the header
 * once, last; nothing past min(size, PAGE_SIZE) bytes of the page. On error
 * nothing at all. A host that writes the page during the call only gets its
 * own garbage back.
 */
#ifndef __ARM64_KVM_S2_SNAPSHOT_H__
#define __ARM64_KVM_S2_SNAPSHOT_H__

#include <linux/types.h>

#include <asm/kvm_pgtable.h>

/* The entry is a table entry (counted, not a range); otherwise a leaf. */
#define KVM_S2_SNAPSHOT_TABLE		BIT(0)

/*
 * What a leaf entry of a snapshot carries, besides the attributes of a valid
 * one: the host's state of the pages of a valid leaf (one of
 * KVM_S2_SNAPSHOT_STATE_*, in software bits 0 and 1, where pKVM kept it in
 * the tables before Linux 6.14), and the owner of an invalid one (one of
 * KVM_S2_SNAPSHOT_OWNER_*, 0 for memory the host has not faulted in). EL2
 * decodes both from its own tracking, whatever the kernel keeps them in.
 */
#define KVM_S2_SNAPSHOT_STATE_MASK	GENMASK_ULL(56, 55)
#define KVM_S2_SNAPSHOT_OWNER_MASK	GENMASK_ULL(9, 2)

/* Page states: pKVM's enum pkvm_page_state, as a number. */
#define KVM_S2_SNAPSHOT_STATE_OWNED		0
#define KVM_S2_SNAPSHOT_STATE_SHARED_OWNED	1
#define KVM_S2_SNAPSHOT_STATE_SHARED_BORROWED	2
#define KVM_S2_SNAPSHOT_STATE_RESERVED		3

/* The snapshot's tables use the FWB encoding of memory types. */
#define KVM_S2_SNAPSHOT_FWB		BIT(0)

/*
 * Owner ids of invalid host stage-2 entries. pKVM's own ids (enum
 * pkvm_component_id) differ between kernels; EL2 maps them to these.
 */
#define KVM_S2_SNAPSHOT_OWNER_HOST	0
#define KVM_S2_SNAPSHOT_OWNER_HYP	1
#define KVM_S2_SNAPSHOT_OWNER_FFA	2
#define KVM_S2_SNAPSHOT_OWNER_GUEST	3

/**
 * struct kvm_s2_snapshot_entry - one host stage-2 entry, or part of one
 * @addr:	first IPA it describes: the entry's first address, or inside
 *		its range for the first entry of a call and for the later
 *		parts of a valid leaf
 * @end:	IPA just past what it describes
 * @pte:	for a leaf, the entry with its page state or its owner (see
 *		KVM_S2_SNAPSHOT_STATE_MASK); 0 for a table entry, whose output
 *		address is EL2's own
 * @level:	its level
 * @flags:	KVM_S2_SNAPSHOT_TABLE or 0
 *
 * A valid leaf whose pages are in more than one state (since Linux 6.14 pKVM
 * keeps the host's page states per page, outside the tables) comes as
 * several entries of its level, one per run of pages in one state.
 */
struct kvm_s2_snapshot_entry {
	u64	addr;
	u64	end;
	u64	pte;
	s8	level;
	u8	flags;
	u8	__pad[6];
};

/**
 * struct kvm_s2_snapshot - the page the hypercall fills
 * @next:	IPA to pass to the next call; 2^@ia_bits when the walk is done
 * @nr:		entries filled
 * @ia_bits:	size of the host IPA space, in bits
 * @start_level: level of the top-level table
 * @flags:	KVM_S2_SNAPSHOT_FWB or 0
 * @pgd_pages:	pages of the (possibly concatenated) top-level table
 * @entries:	the entries
 */
struct kvm_s2_snapshot {
	u64				next;
	u32				nr;
	u8				ia_bits;
	s8				start_level;
	u8				flags;
	u8				__pad;
	u64				pgd_pages;
	struct kvm_s2_snapshot_entry	entries[];
};

/*
 * The smallest buffer the hypercall accepts: a header and room for a chain
 * of tables from the top level down to a leaf, so that every call makes
 * progress.
 */
#define KVM_S2_SNAPSHOT_MIN_ENTRIES	(KVM_PGTABLE_LAST_LEVEL - \
					 KVM_PGTABLE_FIRST_LEVEL + 1)
#define KVM_S2_SNAPSHOT_MIN_SIZE	(sizeof(struct kvm_s2_snapshot) + \
					 KVM_S2_SNAPSHOT_MIN_ENTRIES * \
					 sizeof(struct kvm_s2_snapshot_entry))

/* The most entries one call copies: a page's worth. */
#define KVM_S2_SNAPSHOT_MAX_ENTRIES	((PAGE_SIZE - \
					  sizeof(struct kvm_s2_snapshot)) / \
					 sizeof(struct kvm_s2_snapshot_entry))

#endif /* __ARM64_KVM_S2_SNAPSHOT_H__ */
