// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stage-2 of VMs that EL2 keeps, in sysfs: /sys/kernel/kvm/vmN/s2/ranges
 * under kvm-arm.mode=protected, since Linux 6.14.
 *
 * EL2 owns the stage-2 of every VM; the host kernel keeps only what it asked
 * EL2 to map (pkvm_mappings). The entries come through the
 * __pkvm_guest_s2_snapshot hypercall (hyp/nvhe/mem_protect.c), read as the
 * host view reads its own (kvm_s2_host.c): same buffer, same pieces. The
 * lines are the VM view's. A VM that is protected is not shown
 * (kvm_s2_sysfs.c); EL2 refuses it as well.
 *
 * The counters need no hypercall: EL2 counts the entries of these VMs into
 * their stats, in the host's struct kvm (__pkvm_init_vm() at EL2).
 */

#include <linux/kvm_host.h>
#include <linux/slab.h>

#include <asm/kvm_pkvm.h>

#include "kvm_s2_host.h"
#include "kvm_s2_sysfs.h"

/**
 * kvm_s2_guest_raw_call() - the guest snapshot hypercall, as it is
 * @handle:	the pKVM handle of the VM
 * @kvm:	the host's struct kvm of the VM, as a number
 * @buf:	physical address of the buffer
 * @size:	bytes of it to fill
 * @ipa:	IPA to start at
 *
 * For kvm_s2_guest_call() and the test hooks, which hold the buffer's lock.
 *
 * Return: the hypercall's, see __pkvm_guest_s2_snapshot().
 */
int kvm_s2_guest_raw_call(u64 handle, u64 kvm, phys_addr_t buf, u64 size,
			  u64 ipa)
{
	return kvm_call_hyp_nvhe(__pkvm_guest_s2_snapshot, handle, kvm, buf,
				 size, ipa);
}

/**
 * kvm_s2_guest_call() - copy entries of a VM's stage-2 from EL2
 * @kvm:	the VM, referenced by the caller
 * @buf:	physical address of the buffer, shared with EL2
 * @size:	bytes of it to fill
 * @ipa:	IPA to start at
 *
 * Made under the read side of kvm->mmu_lock, while the VM still has its
 * tables: their teardown, which starts at EL2 when the last mapping goes
 * (pkvm_pgtable_stage2_destroy_range()), comes after kvm_free_stage2_pgd()
 * has cleared them under the write lock. So the call never races the start
 * of the teardown, which EL2 would refuse while the call holds the VM.
 *
 * Return: 0 with the buffer filled; -ENOENT when the VM has no tables at EL2
 * (not run yet, or torn down); -EIO when EL2 does not know a VM the host
 * has; or the hypercall's error.
 */
int kvm_s2_guest_call(struct kvm *kvm, phys_addr_t buf, u64 size, u64 ipa)
{
	int ret = -ENOENT;

	read_lock(&kvm->mmu_lock);
	if (kvm->arch.mmu.pgt && pkvm_hyp_vm_is_created(kvm)) {
		ret = kvm_s2_guest_raw_call(kvm->arch.pkvm.handle, (u64)kvm,
					    buf, size, ipa);
		/* Not "no tables": EL2 has every VM the host has. */
		if (WARN_ON_ONCE(ret == -ENOENT))
			ret = -EIO;
	}
	read_unlock(&kvm->mmu_lock);
	return ret;
}

static void s2_guest_release(void *src)
{
	struct kvm_s2_snap_page *p = src;

	kvm_put_kvm(p->kvm);
	kfree(p);
}

static const struct kvm_s2_view_ops s2_guest_ops = {
	.piece		= kvm_s2_snap_piece,
	.show_extra	= kvm_s2_vm_show_extra,
	.rewind		= kvm_s2_snap_rewind,
	.release	= s2_guest_release,
};

/**
 * kvm_s2_guest_open() - open the ranges of a VM whose stage-2 EL2 keeps
 * @f:		the open file; its geometry is set by the caller
 * @kvm:	the VM, not protected
 *
 * The VM is referenced last: nothing may fail after, see
 * s2_vm_ranges_open().
 *
 * Return: 0, -ENOMEM, -ENOENT for a VM going away, or the error of sharing
 * the buffer with EL2.
 */
int kvm_s2_guest_open(struct kvm_s2_ranges_file *f, struct kvm *kvm)
{
	struct kvm_s2_snap_page *p;
	int ret;

	ret = kvm_s2_snap_prepare();
	if (ret)
		return ret;

	p = kzalloc_obj(*p, GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;

	if (!kvm_get_kvm_safe(kvm)) {
		kfree(p);
		return -ENOENT;
	}

	p->kvm = kvm;
	f->ops = &s2_guest_ops;
	f->src = p;
	return 0;
}
