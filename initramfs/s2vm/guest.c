/*
 * guest.c - the guest program: loading it into the control slot, running
 * one pass of it, and telling the host what went wrong when it did not end
 * with its "done" store.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <string.h>

#include "s2vm.h"

#define REG_PSTATE		CORE_REG_ID(regs.pstate)
#define REG_VBAR_EL1		ARM64_SYS_REG(3, 0, 12, 0, 0)	/* S3_0_C12_C0_0 */

/* EL1h (SP_EL1), D, A, I and F masked: 0x3c5 */
#define GUEST_PSTATE		(PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | \
				 PSR_I_BIT | PSR_F_BIT)

/* ---------------------------------------------------------- guest program */

/*
 * Guest program, at IPA CONTROL_IPA + CONTROL_CODE_OFFSET, run at EL1h with
 * the MMU off (IPA == VA, data accesses Device-nGnRnE: all are aligned).
 *
 * In: x0 = table, x1 = entries, x2 = stride shift, x3 = DONE_IPA.
 * For each entry {start, end, stride, reserved} it writes the IPA of each
 * page start, start + (stride << x2), ... below end into that page's first
 * word, counting the writes in x8; then it stores x8 to [x3], which exits
 * to the host as KVM_EXIT_MMIO at DONE_IPA with the count as data. That
 * store has no writeback, so the data abort carries a valid syndrome (ISV).
 * The table is written once; the second pass only changes x2, so the host
 * never rewrites memory the guest has already read through its non-cacheable
 * (MMU off) view.
 *
 * Encodings (checked against aarch64-linux-gnu-as by tests/host/s2vm.bats):
 *   MOVZ Xd, #imm16, LSL #hw*16 = 0xd2800000 | hw << 21 | imm16 << 5 | Rd
 *   CBZ  Xt, label       = 0xb4000000 | imm19 << 5 | Rt   (imm19 = offset / 4)
 *   LDP  Xt, Xt2, [Xn], #imm (post-index)
 *                        = 0xa8c00000 | imm7 << 15 | Rt2 << 10 | Rn << 5 | Rt
 *                          (imm7 = imm / 8)
 *   LSLV Xd, Xn, Xm      = 0x9ac02000 | Rm << 16 | Rn << 5 | Rd
 *   SUBS XZR, Xn, Xm (CMP) = 0xeb000000 | Rm << 16 | Rn << 5 | 31
 *   B.cond label         = 0x54000000 | imm19 << 5 | cond (HS = 0b0010)
 *   STR  Xt, [Xn, #imm] (unsigned offset)
 *                        = 0xf9000000 | (imm / 8) << 10 | Rn << 5 | Rt
 *   ADD  Xd, Xn, #imm12  = 0x91000000 | imm12 << 10 | Rn << 5 | Rd
 *   SUB  Xd, Xn, #imm12  = 0xd1000000 | imm12 << 10 | Rn << 5 | Rd
 *   ADD  Xd, Xn, Xm      = 0x8b000000 | Rm << 16 | Rn << 5 | Rd
 *   B    label           = 0x14000000 | (imm26 & 0x3ffffff)  (imm26 = offset / 4)
 *   MRS  Xt, sysreg      = 0xd5300000 | (op0 - 2) << 19 | op1 << 16 |
 *                          CRn << 12 | CRm << 8 | op2 << 5 | Rt
 *   ADR  Xd, label       = 0x10000000 | immlo << 29 | immhi << 5 | Rd
 */
#define A64_STR_X8_X3		0xf9000068	/* str x8, [x3]: the "done" store */
#define A64_ADR_X3_DOT		0x10000003	/* adr x3, . */
#define A64_MOVZ_X9_FAULT	0xd2a10029	/* movz x9, #0x0801, lsl #16 */
#define A64_MOVZ_IMM16(insn)	(((insn) >> 5) & 0xffff)
#define A64_MOVZ_HW(insn)	(((insn) >> 21) & 0x3)

#define GUEST_DONE_OFFSET	0x34	/* offset of A64_STR_X8_X3 in guest_code */
#define GUEST_VEC_ADR_OFFSET	0x0c	/* offset of A64_ADR_X3_DOT in the handler */

_Static_assert(A64_MOVZ_HW(A64_MOVZ_X9_FAULT) == 1 &&
	       (uint64_t)A64_MOVZ_IMM16(A64_MOVZ_X9_FAULT) << 16 == FAULT_IPA,
	       "the handler's movz must load FAULT_IPA");

static const uint32_t guest_code[]
__attribute__((section(".rodata.s2vm_guest_code"), used)) = {
	/* 0x00 entry:      */ 0xd2800008,	/* movz x8, #0             hw=0 imm16=0 Rd=8: count = 0 */
	/* 0x04 next_entry: */ 0xb4000181,	/* cbz  x1, done           imm19=12 (+0x30) Rt=1 */
	/* 0x08             */ 0xa8c11404,	/* ldp  x4, x5, [x0], #16  imm7=2 Rt2=5 Rn=0 Rt=4: start, end */
	/* 0x0c             */ 0xa8c11c06,	/* ldp  x6, x7, [x0], #16  imm7=2 Rt2=7 Rn=0 Rt=6: stride, reserved */
	/* 0x10             */ 0x9ac220c6,	/* lsl  x6, x6, x2         LSLV Rm=2 Rn=6 Rd=6: stride <<= shift */
	/* 0x14 next_page:  */ 0xeb05009f,	/* cmp  x4, x5             SUBS Rm=5 Rn=4 Rd=31 */
	/* 0x18             */ 0x540000a2,	/* b.hs entry_done         imm19=5 (+0x14) cond=HS(0b0010) */
	/* 0x1c             */ 0xf9000084,	/* str  x4, [x4]           imm12=0 Rn=4 Rt=4: touch the page */
	/* 0x20             */ 0x91000508,	/* add  x8, x8, #1         imm12=1 Rn=8 Rd=8 */
	/* 0x24             */ 0x8b060084,	/* add  x4, x4, x6         Rm=6 Rn=4 Rd=4: next page */
	/* 0x28             */ 0x17fffffb,	/* b    next_page          imm26=-5 (-0x14) */
	/* 0x2c entry_done: */ 0xd1000421,	/* sub  x1, x1, #1         imm12=1 Rn=1 Rd=1 */
	/* 0x30             */ 0x17fffff5,	/* b    next_entry         imm26=-11 (-0x2c) */
	/* 0x34 done:       */ A64_STR_X8_X3,	/* str  x8, [x3]           imm12=0 Rn=3 Rt=8: MMIO exit */
	/* 0x38             */ 0x17ffffff,	/* b    done               imm26=-1 (-0x4): exit again if resumed */
};

/*
 * Exception handler, copied into all 16 entries of the vector table at
 * CONTROL_IPA + CONTROL_VECTORS_OFFSET (VBAR_EL1). Nothing should trap, but
 * if the guest takes an exception it reports it instead of spinning: ESR_EL1
 * as the data of an MMIO store to FAULT_IPA, ELR_EL1 in x1, FAR_EL1 in x2,
 * and in x3 the address of its adr, which tells which vector was taken.
 */
static const uint32_t guest_vector_handler[]
__attribute__((section(".rodata.s2vm_guest_vector"), used)) = {
	/* 0x00         */ 0xd5385200,		/* mrs  x0, esr_el1        op0=3 op1=0 CRn=5 CRm=2 op2=0 Rt=0 */
	/* 0x04         */ 0xd5384021,		/* mrs  x1, elr_el1        op0=3 op1=0 CRn=4 CRm=0 op2=1 Rt=1 */
	/* 0x08         */ 0xd5386002,		/* mrs  x2, far_el1        op0=3 op1=0 CRn=6 CRm=0 op2=0 Rt=2 */
	/* 0x0c         */ A64_ADR_X3_DOT,	/* adr  x3, .              imm=0 Rd=3 */
	/* 0x10         */ A64_MOVZ_X9_FAULT,	/* movz x9, #0x0801, lsl #16  hw=1 imm16=0x0801 Rd=9: FAULT_IPA */
	/* 0x14 report: */ 0xf9000120,		/* str  x0, [x9]           imm12=0 Rn=9 Rt=0: MMIO exit */
	/* 0x18         */ 0x17ffffff,		/* b    report             imm26=-1 (-0x4) */
};

_Static_assert(sizeof(guest_code) <= CONTROL_VECTORS_OFFSET - CONTROL_CODE_OFFSET,
	       "guest code overlaps the vectors");
_Static_assert(sizeof(guest_vector_handler) <= VECTOR_ENTRY_SIZE,
	       "handler larger than a vector entry");
_Static_assert(CONTROL_VECTORS_OFFSET + VECTOR_TABLE_SIZE <= CONTROL_TABLE_OFFSET,
	       "vectors overflow control page 0");
_Static_assert(CONTROL_VECTORS_OFFSET % VBAR_ALIGN == 0, "VBAR_EL1 needs 2K alignment");

/* One entry of the slot table in control page 1 (guest reads 32 bytes). */
struct guest_slot_entry {
	uint64_t start;		/* IPA of the first page written */
	uint64_t end;		/* IPA just past the last page that may be written */
	uint64_t stride;	/* bytes between pages written, before the shift */
	uint64_t reserved;	/* keeps entries 2 x ldp long */
};

_Static_assert(sizeof(struct guest_slot_entry) == 32, "guest reads 32-byte entries");
_Static_assert(CONTROL_TABLE_OFFSET + MAX_DATA_SLOTS * sizeof(struct guest_slot_entry) <=
	       CONTROL_TABLE_OFFSET + GUEST_PAGE_SIZE, "slot table overflows control page 1");
_Static_assert(CONTROL_PAGES_ACCESSED * GUEST_PAGE_SIZE == CONTROL_TABLE_OFFSET + GUEST_PAGE_SIZE,
	       "the guest accesses control pages 0 and 1 only");

/* ---------------------------------------------------------------- guest */

static uint64_t control_ipa(uint64_t offset)
{
	return CONTROL_IPA + offset;
}

static void *control_hva(struct vm *vm, uint64_t offset)
{
	return (char *)vm->control.hva + offset;
}

/* Write the program, the vectors and the slot table into the control slot. */
void guest_load(struct vm *vm)
{
	struct guest_slot_entry *table = control_hva(vm, CONTROL_TABLE_OFFSET);
	unsigned int i;

	memcpy(control_hva(vm, CONTROL_CODE_OFFSET), guest_code, sizeof(guest_code));
	for (i = 0; i < VECTOR_ENTRIES; i++)
		memcpy(control_hva(vm, CONTROL_VECTORS_OFFSET + i * VECTOR_ENTRY_SIZE),
		       guest_vector_handler, sizeof(guest_vector_handler));
	for (i = 0; i < vm->nr_data; i++)
		table[i] = (struct guest_slot_entry){
			.start = vm->data[i].ipa,
			.end = vm->data[i].touch_end,
			.stride = vm->data[i].touch_stride,
		};
	/*
	 * No cache maintenance needed: KVM cleans the data cache to PoC and
	 * invalidates the instruction cache for a page when it first maps it
	 * at stage 2 (unless FWB/DIC make it unnecessary), and s2vm writes
	 * these pages before the guest first runs and never afterwards.
	 */
}

static void guest_set_entry_state(struct vm *vm, unsigned int stride_shift)
{
	vcpu_set_reg(vm, REG_PC, "pc", control_ipa(CONTROL_CODE_OFFSET));
	vcpu_set_reg(vm, REG_PSTATE, "pstate", GUEST_PSTATE);
	vcpu_set_reg(vm, REG_VBAR_EL1, "VBAR_EL1", control_ipa(CONTROL_VECTORS_OFFSET));
	vcpu_set_x(vm, GUEST_ARG_TABLE, control_ipa(CONTROL_TABLE_OFFSET));
	vcpu_set_x(vm, GUEST_ARG_COUNT, vm->nr_data);
	vcpu_set_x(vm, GUEST_ARG_SHIFT, stride_shift);
	vcpu_set_x(vm, GUEST_ARG_DONE, DONE_IPA);
}

static const char *exit_reason_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_UNKNOWN:		return "KVM_EXIT_UNKNOWN";
	case KVM_EXIT_EXCEPTION:	return "KVM_EXIT_EXCEPTION";
	case KVM_EXIT_HYPERCALL:	return "KVM_EXIT_HYPERCALL";
	case KVM_EXIT_DEBUG:		return "KVM_EXIT_DEBUG";
	case KVM_EXIT_MMIO:		return "KVM_EXIT_MMIO";
	case KVM_EXIT_SHUTDOWN:		return "KVM_EXIT_SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY:	return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_INTR:		return "KVM_EXIT_INTR";
	case KVM_EXIT_INTERNAL_ERROR:	return "KVM_EXIT_INTERNAL_ERROR";
	case KVM_EXIT_SYSTEM_EVENT:	return "KVM_EXIT_SYSTEM_EVENT";
	case KVM_EXIT_ARM_NISV:		return "KVM_EXIT_ARM_NISV";
	default:			return "?";
	}
}

static const char *const vector_names[VECTOR_ENTRIES] = {
	"current EL with SP0, synchronous", "current EL with SP0, IRQ",
	"current EL with SP0, FIQ", "current EL with SP0, SError",
	"current EL with SPx, synchronous", "current EL with SPx, IRQ",
	"current EL with SPx, FIQ", "current EL with SPx, SError",
	"lower EL AArch64, synchronous", "lower EL AArch64, IRQ",
	"lower EL AArch64, FIQ", "lower EL AArch64, SError",
	"lower EL AArch32, synchronous", "lower EL AArch32, IRQ",
	"lower EL AArch32, FIQ", "lower EL AArch32, SError",
};

#define ESR_EC_SHIFT		26
#define ESR_EC_MASK		0x3f

/* The guest's exception handler reported an exception: describe it, exit 1. */
static void __attribute__((noreturn)) guest_report_exception(struct vm *vm, uint64_t esr)
{
	uint64_t adr = vcpu_get_x(vm, GUEST_VEC_ADR);
	uint64_t offset = adr - control_ipa(CONTROL_VECTORS_OFFSET) - GUEST_VEC_ADR_OFFSET;
	uint64_t entry = offset / VECTOR_ENTRY_SIZE;

	die("guest took an exception: vector +0x%03" PRIx64 " (%s), ESR_EL1 0x%" PRIx64
	    " (EC 0x%02" PRIx64 "), ELR_EL1 0x%" PRIx64 ", FAR_EL1 0x%" PRIx64,
	    offset, entry < VECTOR_ENTRIES ? vector_names[entry] : "?", esr,
	    (esr >> ESR_EC_SHIFT) & ESR_EC_MASK, vcpu_get_x(vm, GUEST_VEC_ELR),
	    vcpu_get_x(vm, GUEST_VEC_FAR));
}

static uint64_t mmio_data_u64(const struct kvm_run *run)
{
	uint64_t value;

	memcpy(&value, run->mmio.data, sizeof(value));
	return value;
}

static void __attribute__((noreturn)) guest_unexpected_exit(struct vm *vm)
{
	const struct kvm_run *run = vm->run;
	uint64_t pc = vcpu_get_pc(vm);

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		die("KVM_RUN: unexpected MMIO %s at IPA 0x%llx, len %u (guest pc 0x%" PRIx64
		    "); want a %d-byte write at 0x%" PRIx64 " (done) or 0x%" PRIx64 " (exception)",
		    run->mmio.is_write ? "write" : "read",
		    (unsigned long long)run->mmio.phys_addr, run->mmio.len, pc,
		    GUEST_MMIO_LEN, DONE_IPA, FAULT_IPA);
	case KVM_EXIT_FAIL_ENTRY:
		die("KVM_RUN: exit_reason %u (%s), hardware_entry_failure_reason 0x%llx, "
		    "cpu %u (guest pc 0x%" PRIx64 ")", run->exit_reason,
		    exit_reason_name(run->exit_reason),
		    (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
		    run->fail_entry.cpu, pc);
	case KVM_EXIT_INTERNAL_ERROR:
		die("KVM_RUN: exit_reason %u (%s), suberror %u (guest pc 0x%" PRIx64 ")",
		    run->exit_reason, exit_reason_name(run->exit_reason),
		    run->internal.suberror, pc);
	case KVM_EXIT_SYSTEM_EVENT:
		die("KVM_RUN: exit_reason %u (%s), type %u (guest pc 0x%" PRIx64 ")",
		    run->exit_reason, exit_reason_name(run->exit_reason),
		    run->system_event.type, pc);
	case KVM_EXIT_ARM_NISV:
		die("KVM_RUN: exit_reason %u (%s), esr_iss 0x%llx, fault_ipa 0x%llx "
		    "(guest pc 0x%" PRIx64 ")", run->exit_reason,
		    exit_reason_name(run->exit_reason),
		    (unsigned long long)run->arm_nisv.esr_iss,
		    (unsigned long long)run->arm_nisv.fault_ipa, pc);
	default:
		die("KVM_RUN: unexpected exit_reason %u (%s) (guest pc 0x%" PRIx64 ")",
		    run->exit_reason, exit_reason_name(run->exit_reason), pc);
	}
}

static bool mmio_is_guest_write(const struct kvm_run *run, uint64_t ipa)
{
	return run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == ipa &&
	       run->mmio.is_write && run->mmio.len == GUEST_MMIO_LEN;
}

/* Run the guest until its "done" store; returns the pages it wrote. */
static uint64_t guest_wait_done(struct vm *vm)
{
	uint64_t count, pc, want_pc;

	vcpu_run(vm);
	if (mmio_is_guest_write(vm->run, FAULT_IPA))
		guest_report_exception(vm, mmio_data_u64(vm->run));
	if (!mmio_is_guest_write(vm->run, DONE_IPA))
		guest_unexpected_exit(vm);
	count = mmio_data_u64(vm->run);
	vcpu_complete_mmio(vm);
	pc = vcpu_get_pc(vm);
	want_pc = control_ipa(CONTROL_CODE_OFFSET + GUEST_DONE_OFFSET) + sizeof(uint32_t);
	if (pc != want_pc)
		die("guest pc 0x%" PRIx64 " after completing its done store, want 0x%" PRIx64,
		    pc, want_pc);
	return count;
}

/* One pass of the guest program over all data slots. */
void guest_run_pass(struct vm *vm, unsigned int stride_shift)
{
	uint64_t expected = 0, written;
	unsigned int i;

	for (i = 0; i < vm->nr_data; i++)
		expected += slot_pass_count(&vm->data[i], stride_shift);
	guest_set_entry_state(vm, stride_shift);
	written = guest_wait_done(vm);
	if (written != expected)
		die("guest pass with stride shift %u wrote %" PRIu64 " pages, want %" PRIu64,
		    stride_shift, written, expected);
}

