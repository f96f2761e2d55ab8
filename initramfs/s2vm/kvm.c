/*
 * kvm.c - the KVM ioctls s2vm makes, as in the KVM selftests' kvm_util.c:
 * __foo() returns the raw result, foo() checks it and dies naming the values.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "s2vm.h"

#ifndef KVM_DEV_PATH		/* tests/host builds point it elsewhere */
#define KVM_DEV_PATH		"/dev/kvm"
#endif
#define S2VIEW_SYSFS_PATH	"/sys/kernel/kvm"
#define KVM_MODE_ENV		"S2VIEW_KVM_MODE"	/* exported by initramfs/init */

/* Missing from older uapi headers (the cross toolchain's are 6.1): 6.12 values. */
#ifndef KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE
#define KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE	228	/* Linux 6.12 include/uapi/linux/kvm.h */
#endif
#ifndef KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES
#define KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES	229	/* Linux 6.12 include/uapi/linux/kvm.h */
#endif

/* ----------------------------------------------------------- KVM: system */

int kvm_open(void)
{
	int fd = open(KVM_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die_errno("open(%s)", KVM_DEV_PATH);
	return fd;
}

static int __kvm_get_api_version(int kvm_fd)
{
	return ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
}

void kvm_check_api_version(int kvm_fd)
{
	int version = __kvm_get_api_version(kvm_fd);

	if (version < 0)
		die_errno("KVM_GET_API_VERSION");
	if (version != KVM_API_VERSION)
		die("KVM_GET_API_VERSION: %d, want %d", version, KVM_API_VERSION);
}

static int __kvm_check_extension(int kvm_fd, long cap)
{
	return ioctl(kvm_fd, KVM_CHECK_EXTENSION, cap);
}

static int kvm_check_extension(int kvm_fd, long cap, const char *name)
{
	int r = __kvm_check_extension(kvm_fd, cap);

	if (r < 0)
		die_errno("KVM_CHECK_EXTENSION(%s = %ld)", name, cap);
	return r;
}

static int __kvm_get_vcpu_mmap_size(int kvm_fd)
{
	return ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
}

static size_t kvm_get_vcpu_mmap_size(int kvm_fd)
{
	int size = __kvm_get_vcpu_mmap_size(kvm_fd);

	if (size < (int)sizeof(struct kvm_run))
		die_errno("KVM_GET_VCPU_MMAP_SIZE (got %d, need >= %zu)",
			  size, sizeof(struct kvm_run));
	return (size_t)size;
}

/*
 * Is KVM in protected mode? initramfs/init reads kvm-arm.mode= from the
 * kernel command line, once for the guest, and exports it as
 * S2VIEW_KVM_MODE. Only asked when the answer changes the VM's IPA size:
 * "bits" in protected mode, "other" otherwise.
 */
static bool kvm_is_protected_mode(unsigned int bits, unsigned int other)
{
	const char *mode = getenv(KVM_MODE_ENV);

	if (!mode || !*mode)
		die("%s is not set: the VM gets %u IPA bits in protected mode, %u in the others; "
		    "set it to the kernel's kvm-arm.mode= (vhe, nvhe or protected), "
		    "as initramfs/init does", KVM_MODE_ENV, bits, other);
	if (!strcmp(mode, "protected"))
		return true;
	if (!strcmp(mode, "vhe") || !strcmp(mode, "nvhe"))
		return false;
	die("%s='%s': want vhe, nvhe or protected (the kernel's kvm-arm.mode=)",
	    KVM_MODE_ENV, mode);
}

/*
 * The VM's directory in the s2 sysfs view: the vmN whose pid file holds our
 * pid (s2vm creates one VM). "none" when the kernel has no view.
 */
void find_view(char *name, size_t len)
{
	char path[PATH_MAX], buf[32];
	struct dirent *d;
	DIR *dir;
	FILE *f;

	snprintf(name, len, "none");
	dir = opendir(S2VIEW_SYSFS_PATH);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "vm", 2) || strlen(d->d_name) >= len)
			continue;
		snprintf(path, sizeof(path), "%s/%s/pid", S2VIEW_SYSFS_PATH, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && atoi(buf) == (int)getpid())
			memcpy(name, d->d_name, strlen(d->d_name) + 1);
		fclose(f);
	}
	closedir(dir);
}

/*
 * The IPA size the VM will get. KVM_CAP_ARM_VM_IPA_SIZE is KVM's limit (0:
 * only the default). In protected mode kvm_init_ipa_range() gives every VM
 * the limit, whatever the VM type asks for.
 */
unsigned int kvm_effective_ipa_bits(int kvm_fd, unsigned int requested)
{
	int max = kvm_check_extension(kvm_fd, KVM_CAP_ARM_VM_IPA_SIZE,
				      "KVM_CAP_ARM_VM_IPA_SIZE");
	unsigned int limit = max > 0 ? (unsigned int)max : KVM_DEFAULT_IPA_BITS;
	unsigned int asked = requested ? requested : KVM_DEFAULT_IPA_BITS;

	if (requested > limit)
		die("-i %u: KVM supports at most %u IPA bits "
		    "(KVM_CAP_ARM_VM_IPA_SIZE = %d)", requested, limit, max);
	if (max > 0 && asked != limit && kvm_is_protected_mode(limit, asked)) {
		if (requested)
			fprintf(stderr, "s2vm: warning: protected mode: KVM ignores -i %u, "
				"the VM gets %u IPA bits\n", requested, limit);
		return limit;
	}
	if (!requested && limit < KVM_DEFAULT_IPA_BITS)
		die("KVM's limit is %u IPA bits (KVM_CAP_ARM_VM_IPA_SIZE), below its "
		    "%d-bit default: pass -i %u", limit, KVM_DEFAULT_IPA_BITS, limit);
	return asked;
}

/* --------------------------------------------------------------- KVM: VM */

static int __vm_create(int kvm_fd, unsigned long type)
{
	return ioctl(kvm_fd, KVM_CREATE_VM, type);
}

int vm_create(int kvm_fd, unsigned int ipa_bits, bool protected)
{
	unsigned long type = KVM_VM_TYPE_ARM_IPA_SIZE(ipa_bits) |
			     (protected ? KVM_VM_TYPE_ARM_PROTECTED : 0);
	int fd = __vm_create(kvm_fd, type);

	if (fd < 0)
		die_errno("KVM_CREATE_VM(type = 0x%lx, IPA bits %u)", type, ipa_bits);
	return fd;
}

static int __vm_check_extension(struct vm *vm, long cap)
{
	return ioctl(vm->fd, KVM_CHECK_EXTENSION, cap);
}

static int __vm_enable_cap(struct vm *vm, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap enable = { .cap = cap, .args = { arg0 } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &enable);
}

/*
 * -e: eager page splitting in chunks of chunk bytes, before any memslot
 * exists (KVM refuses it after). KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE itself
 * reports the current chunk size, 0 by default, so it cannot tell whether
 * KVM has the feature: KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES, added with it, is
 * the bitmap of the chunk sizes KVM takes (0 without the feature). Reading
 * the chunk size back checks that KVM took it.
 */
void vm_enable_eager_split(struct vm *vm, uint64_t chunk)
{
	int sizes = kvm_check_extension(vm->kvm_fd, KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES,
					"KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES");
	int now;

	if (!sizes)
		die("-e 0x%" PRIx64 ": KVM has no eager page splitting "
		    "(KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES is 0)", chunk);
	if (!(chunk & (uint32_t)sizes))
		die("-e 0x%" PRIx64 ": not a block size KVM supports "
		    "(KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES = 0x%x)", chunk, sizes);
	if (__vm_enable_cap(vm, KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE, chunk))
		die_errno("KVM_ENABLE_CAP(KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE = %d, args[0] 0x%"
			  PRIx64 ")", KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE, chunk);
	now = __vm_check_extension(vm, KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE);
	if (now < 0)
		die_errno("KVM_CHECK_EXTENSION(KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE) on the VM");
	if ((uint64_t)now != chunk)
		die("-e 0x%" PRIx64 ": KVM's eager split chunk size is 0x%x after "
		    "KVM_ENABLE_CAP", chunk, now);
}

static int __vm_set_user_memory_region(struct vm *vm, const struct slot *s)
{
	struct kvm_userspace_memory_region region = {
		.slot = s->id,
		.flags = s->flags,
		.guest_phys_addr = s->ipa,
		.memory_size = s->size,
		.userspace_addr = (uintptr_t)s->hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
}

void vm_set_user_memory_region(struct vm *vm, const struct slot *s)
{
	if (__vm_set_user_memory_region(vm, s))
		die_errno("KVM_SET_USER_MEMORY_REGION(slot %u, flags 0x%x, "
			  "guest_phys_addr 0x%" PRIx64 ", memory_size 0x%" PRIx64
			  ", userspace_addr %p)",
			  s->id, s->flags, s->ipa, s->size, s->hva);
}

/* delete: memory_size 0 removes the memslot (and its stage-2 mappings). */
void vm_delete_user_memory_region(struct vm *vm, const struct slot *s)
{
	struct slot gone = *s;

	gone.size = 0;
	if (__vm_set_user_memory_region(vm, &gone))
		die_errno("KVM_SET_USER_MEMORY_REGION(slot %u, memory_size 0) to delete it "
			  "(guest_phys_addr 0x%" PRIx64 ")", s->id, s->ipa);
}

static int __vm_get_dirty_log(struct vm *vm, uint32_t slot, uint64_t *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

void vm_get_dirty_log(struct vm *vm, uint32_t slot, uint64_t *bitmap)
{
	if (__vm_get_dirty_log(vm, slot, bitmap))
		die_errno("KVM_GET_DIRTY_LOG(slot %u)", slot);
}

/* ------------------------------------------------------------ KVM: vCPU */

static int __vcpu_create(struct vm *vm, unsigned long id)
{
	return ioctl(vm->fd, KVM_CREATE_VCPU, id);
}

void vcpu_create(struct vm *vm)
{
	vm->vcpu_fd = __vcpu_create(vm, 0);
	if (vm->vcpu_fd < 0)
		die_errno("KVM_CREATE_VCPU(0)");
	vm->run_size = kvm_get_vcpu_mmap_size(vm->kvm_fd);
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		die_errno("mmap(vcpu fd, 0x%zx bytes) for struct kvm_run", vm->run_size);
}

static int __vm_preferred_target(struct vm *vm, struct kvm_vcpu_init *init)
{
	return ioctl(vm->fd, KVM_ARM_PREFERRED_TARGET, init);
}

static void vm_preferred_target(struct vm *vm, struct kvm_vcpu_init *init)
{
	memset(init, 0, sizeof(*init));
	if (__vm_preferred_target(vm, init))
		die_errno("KVM_ARM_PREFERRED_TARGET");
}

static int __vcpu_init(struct vm *vm, const struct kvm_vcpu_init *init)
{
	return ioctl(vm->vcpu_fd, KVM_ARM_VCPU_INIT, init);
}

/* An AArch64 EL1 vCPU with no optional features (PSCI, PMU, SVE, NV...). */
void vcpu_init(struct vm *vm)
{
	struct kvm_vcpu_init init;

	vm_preferred_target(vm, &init);
	memset(init.features, 0, sizeof(init.features));
	if (__vcpu_init(vm, &init))
		die_errno("KVM_ARM_VCPU_INIT(target %u, no features)", init.target);
}

static int __vcpu_set_reg(struct vm *vm, uint64_t id, uint64_t value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&value };

	return ioctl(vm->vcpu_fd, KVM_SET_ONE_REG, &reg);
}

void vcpu_set_reg(struct vm *vm, uint64_t id, const char *name, uint64_t value)
{
	if (__vcpu_set_reg(vm, id, value))
		die_errno("KVM_SET_ONE_REG(%s, id 0x%" PRIx64 ", value 0x%" PRIx64 ")",
			  name, id, value);
}

static int __vcpu_get_reg(struct vm *vm, uint64_t id, uint64_t *value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)value };

	return ioctl(vm->vcpu_fd, KVM_GET_ONE_REG, &reg);
}

uint64_t vcpu_get_reg(struct vm *vm, uint64_t id, const char *name)
{
	uint64_t value;

	if (__vcpu_get_reg(vm, id, &value))
		die_errno("KVM_GET_ONE_REG(%s, id 0x%" PRIx64 ")", name, id);
	return value;
}

#define vcpu_set_x(vm, n, value)	vcpu_set_reg(vm, REG_X(n), "x" #n, value)
#define vcpu_get_x(vm, n)		vcpu_get_reg(vm, REG_X(n), "x" #n)
#define vcpu_get_pc(vm)			vcpu_get_reg(vm, REG_PC, "pc")

static int __vcpu_run(struct vm *vm)
{
	return ioctl(vm->vcpu_fd, KVM_RUN, 0);
}

/* Run until a real exit; a signal interrupting KVM_RUN just re-enters it. */
void vcpu_run(struct vm *vm)
{
	int err;
	uint64_t pc;

	while (__vcpu_run(vm)) {
		if (errno == EINTR)
			continue;
		err = errno;
		pc = vcpu_get_pc(vm);
		errno = err;
		die_errno("KVM_RUN (guest pc 0x%" PRIx64 ")", pc);
	}
}

/*
 * Finish the MMIO exit without running the guest. KVM completes an MMIO
 * access (and moves PC past the instruction) at the start of the next
 * KVM_RUN; if the host set PC first, KVM would skip the instruction at the
 * new PC. KVM_RUN with immediate_exit completes it and returns EINTR.
 */
void vcpu_complete_mmio(struct vm *vm)
{
	int r;

	vm->run->immediate_exit = 1;
	r = __vcpu_run(vm);
	vm->run->immediate_exit = 0;
	if (r == -1 && errno == EINTR)
		return;
	if (r == -1)
		die_errno("KVM_RUN(immediate_exit = 1) to complete the guest's MMIO store");
	die("KVM_RUN(immediate_exit = 1) to complete the guest's MMIO store returned %d, "
	    "want -1 with EINTR", r);
}

