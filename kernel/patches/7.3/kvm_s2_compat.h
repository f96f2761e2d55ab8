/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the stage-2 views need from KVM that differs between kernels: this is
 * the Linux 7.3 side (the 6.12 one is in s2view's kernel/patches/6.12/).
 */
#ifndef __ARM64_KVM_S2_COMPAT_H__
#define __ARM64_KVM_S2_COMPAT_H__

#include <asm/kvm_pgtable.h>
#include <asm/virt.h>

/* The bits of an invalid entry that annotate it: its type and annotation. */
#define KVM_S2_INVALID_ANNOT_MASK	(KVM_INVALID_PTE_TYPE_MASK | \
					 KVM_INVALID_PTE_ANNOT_MASK)

/**
 * kvm_s2_host_has_vm_tables() - whether the host kernel walks VMs' stage-2
 *
 * Since 6.14, under pKVM, EL2 keeps the stage-2 of every VM: the host's
 * struct kvm_pgtable of a VM holds only the record of what the host asked EL2
 * to map (pkvm_mappings, in a union with the table fields), which is no page
 * table to walk.
 *
 * Return: false under pKVM, true otherwise.
 */
static inline bool kvm_s2_host_has_vm_tables(void)
{
	return !is_protected_kvm_enabled();
}

#endif /* __ARM64_KVM_S2_COMPAT_H__ */
