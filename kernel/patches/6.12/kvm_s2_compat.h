/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the stage-2 views need from KVM that differs between kernels: this is
 * the Linux 6.12 side (the 7.3 one is in s2view's kernel/patches/7.3/).
 */
#ifndef __ARM64_KVM_S2_COMPAT_H__
#define __ARM64_KVM_S2_COMPAT_H__

#include <linux/slab.h>

#include <asm/kvm_pgtable.h>

/*
 * 7.3's typed allocation of one object (include/linux/slab.h there), which
 * later 6.12 stable releases have too.
 */
#ifndef kzalloc_obj
#define kzalloc_obj(VAR, GFP)	kzalloc(sizeof(VAR), GFP)
#endif

/*
 * The descriptor type bit, which 7.3's asm/kvm_pgtable.h exports and 6.12
 * keeps in hyp/pgtable.c: a valid entry above the last level with the type
 * bit set points to a table.
 */
#define KVM_PTE_TYPE			BIT(1)
#define KVM_PTE_TYPE_TABLE		1

/* The bits of an invalid entry that annotate it: pKVM's owner id. */
#define KVM_S2_INVALID_ANNOT_MASK	KVM_INVALID_PTE_OWNER_MASK

/**
 * kvm_s2_host_has_vm_tables() - whether the host kernel walks VMs' stage-2
 *
 * On 6.12 the host kernel keeps the stage-2 of every VM it runs, in every
 * KVM mode: under pKVM too, as no VM is protected.
 *
 * Return: true.
 */
static inline bool kvm_s2_host_has_vm_tables(void)
{
	return true;
}

#endif /* __ARM64_KVM_S2_COMPAT_H__ */
