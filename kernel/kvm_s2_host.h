/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pKVM host stage-2 view (kvm_s2_host.c) and its test hooks
 * (kvm_s2_host_test.c, CONFIG_KVM_S2_HOST_SNAPSHOT_TEST only).
 */
#ifndef __ARM64_KVM_S2_HOST_H__
#define __ARM64_KVM_S2_HOST_H__

#include <linux/types.h>

phys_addr_t kvm_s2_host_buf_phys(void);
u64 kvm_s2_host_calls(u64 *entries);
int kvm_s2_host_test_call(phys_addr_t buf, u64 size, u64 ipa);

#ifdef CONFIG_KVM_S2_HOST_SNAPSHOT_TEST
void kvm_s2_host_test_init(void);
#else
static inline void kvm_s2_host_test_init(void) {}
#endif /* CONFIG_KVM_S2_HOST_SNAPSHOT_TEST */

#endif /* __ARM64_KVM_S2_HOST_H__ */
