/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The copy of stage-2 entries into a page the host shares with EL2, shared by
 * the snapshot hypercalls of the host stage-2 (hyp_snapshot.c) and of a
 * guest's (mem_protect.c, since Linux 6.14). See asm/kvm_s2_snapshot.h for
 * what EL2 reads and writes.
 */
#ifndef __KVM_NVHE_SNAPSHOT_H__
#define __KVM_NVHE_SNAPSHOT_H__

#include <asm/kvm_pgtable.h>
#include <asm/kvm_s2_snapshot.h>

/**
 * struct hyp_snapshot_src - the stage-2 a snapshot copies, all in EL2 memory
 * @pgt:	its page-table; the caller holds its lock during the copy
 * @vtcr:	its VTCR_EL2, for the size of its top-level table
 * @host:	the host stage-2, whose entries carry owners and page states;
 *		otherwise a guest's, whose entries carry neither output
 *		addresses nor annotations
 */
struct hyp_snapshot_src {
	struct kvm_pgtable	*pgt;
	u64			vtcr;
	bool			host;
};

int hyp_snapshot_check_args(const struct hyp_snapshot_src *src, u64 buf,
			    u64 size, u64 ipa);
void hyp_snapshot_fill(const struct hyp_snapshot_src *src,
		       struct kvm_s2_snapshot *snap, u64 size, u64 ipa);

#endif /* __KVM_NVHE_SNAPSHOT_H__ */
