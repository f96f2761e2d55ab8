/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The readers of pKVM stage-2 snapshots: the host stage-2 view
 * (kvm_s2_host.c), the VMs whose stage-2 EL2 keeps (kvm_s2_guest.c, since
 * Linux 6.14, CONFIG_KVM_S2_GUEST_SNAPSHOT) and the test hooks
 * (kvm_s2_host_test.c, CONFIG_KVM_S2_HOST_SNAPSHOT_TEST only).
 */
#ifndef __ARM64_KVM_S2_HOST_H__
#define __ARM64_KVM_S2_HOST_H__

#include <linux/types.h>

#include <asm/kvm_s2_snapshot.h>

struct kvm;
struct kvm_s2_walk;

/**
 * struct kvm_s2_snap_page - the entries of one hypercall, copied out of the
 *			     shared page
 * @kvm:	the VM whose stage-2 is read, referenced; NULL for the host's
 * @from:	IPA the call started at
 * @next:	IPA just past its last entry, where the next call starts
 * @nr:		number of entries; 0 when nothing is held
 * @entries:	the entries, in IPA order
 *
 * An open ranges file keeps one, so that each line is cut from the page of
 * entries that covers it, and a new call is made only past its end (or when
 * a read starts again from offset 0). A counter read has its own, for one
 * walk. Only the reader that owns it uses it.
 */
struct kvm_s2_snap_page {
	struct kvm			*kvm;
	u64				from;
	u64				next;
	u32				nr;
	struct kvm_s2_snapshot_entry	entries[KVM_S2_SNAPSHOT_MAX_ENTRIES];
};

int kvm_s2_snap_prepare(void);
int kvm_s2_snap_piece(struct kvm_s2_walk *w);
void kvm_s2_snap_rewind(void *src);

int kvm_s2_guest_call(struct kvm *kvm, phys_addr_t buf, u64 size, u64 ipa);
int kvm_s2_guest_raw_call(u64 handle, u64 kvm, phys_addr_t buf, u64 size,
			  u64 ipa);

phys_addr_t kvm_s2_host_buf_phys(void);
u64 kvm_s2_host_calls(u64 *entries);
int kvm_s2_host_test_call(phys_addr_t buf, u64 size, u64 ipa);
int kvm_s2_host_test_guest_call(u64 handle, u64 kvm, phys_addr_t buf, u64 size,
				u64 ipa);

#ifdef CONFIG_KVM_S2_HOST_SNAPSHOT_TEST
void kvm_s2_host_test_init(void);
#else
static inline void kvm_s2_host_test_init(void) {}
#endif /* CONFIG_KVM_S2_HOST_SNAPSHOT_TEST */

#endif /* __ARM64_KVM_S2_HOST_H__ */
