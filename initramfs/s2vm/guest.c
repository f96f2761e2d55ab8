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
 * guest_image[], the bytes of guest.S (page 0 of the control slot: the
 * program at CONTROL_CODE_OFFSET, the vector table at
 * CONTROL_VECTORS_OFFSET), and GUEST_DONE_OFFSET, where its "done" store
 * is: built from guest.S by tools/guest-image.sh.
 */
#include "guest-image.h"

_Static_assert(CONTROL_CODE_OFFSET + sizeof(guest_image) <= CONTROL_TABLE_OFFSET,
	       "the guest program overlaps the slot table");
_Static_assert(CONTROL_CODE_OFFSET + sizeof(guest_image) >=
	       CONTROL_VECTORS_OFFSET + VECTOR_TABLE_SIZE,
	       "the guest image ends before its vector table");
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
	       CONTROL_TABLE_OFFSET + CONTROL_PAGE_SIZE, "slot table overflows control page 1");
_Static_assert(CONTROL_PAGES_ACCESSED * CONTROL_PAGE_SIZE == CONTROL_TABLE_OFFSET + CONTROL_PAGE_SIZE,
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

/*
 * The slot tables. The guest reads control page 1 with its MMU off, so
 * past the cache: s2vm writes every table before the guest first runs
 * (see guest_load()) and never afterwards. Table 0 is the layout at the
 * start; the steps of -p delete and move change it, and each run after such
 * a change walks a table of its own (struct step's table, which the
 * arguments assign). Each table has an entry per data slot, in slot order;
 * a deleted slot's entry is empty.
 */
static uint64_t guest_table_offset(const struct vm *vm, unsigned int table)
{
	return CONTROL_TABLE_OFFSET + table * vm->nr_data * sizeof(struct guest_slot_entry);
}

/*
 * The host pages of the control slot the guest accesses: its own pages 0
 * and 1 (4K each) are two 4K host pages, or one larger one.
 */
uint64_t guest_control_pages(void)
{
	return (CONTROL_PAGES_ACCESSED * CONTROL_PAGE_SIZE + host_page_size - 1) /
	       host_page_size;
}

/* How many tables control page 1 holds for nr_slots data slots. */
unsigned int guest_max_tables(unsigned int nr_slots)
{
	return CONTROL_PAGE_SIZE / (nr_slots * sizeof(struct guest_slot_entry));
}

/* Table number table, for the data slots as slots[] has them. */
static void guest_write_table(struct vm *vm, unsigned int table, const struct slot *slots)
{
	struct guest_slot_entry *entry = control_hva(vm, guest_table_offset(vm, table));
	unsigned int i;

	if (table >= guest_max_tables(vm->nr_data))
		die("slot table %u does not fit control page 1 (%u tables of %u slots)",
		    table, guest_max_tables(vm->nr_data), vm->nr_data);
	for (i = 0; i < vm->nr_data; i++)
		entry[i] = (struct guest_slot_entry){
			.start = slots[i].ipa,
			.end = slots[i].deleted ? slots[i].ipa : slots[i].touch_end,
			.stride = slots[i].touch_stride,
		};
}

/*
 * The tables the runs of the plan walk: the plan's deletes and moves
 * applied to a copy of the data slots, written when a run first names a
 * table.
 */
static void guest_write_plan_tables(struct vm *vm, const struct plan *plan)
{
	struct slot slots[MAX_DATA_SLOTS];
	unsigned int i, written = 1;

	memcpy(slots, vm->data, sizeof(slots));
	for (i = 0; i < plan->nr; i++) {
		const struct step *st = &plan->steps[i];

		if (st->kind == STEP_DELETE)
			slots[st->slot].deleted = true;
		else if (st->kind == STEP_MOVE)
			slot_move(&slots[st->slot], st->base);
		else if (st->kind == STEP_RUN && st->table == written)
			guest_write_table(vm, written++, slots);
	}
}

/* Write the program with its vectors, and the slot tables, into the control slot. */
void guest_load(struct vm *vm, const struct plan *plan)
{
	memcpy(control_hva(vm, CONTROL_CODE_OFFSET), guest_image, sizeof(guest_image));
	guest_write_table(vm, 0, vm->data);
	guest_write_plan_tables(vm, plan);
	/*
	 * No cache maintenance needed: KVM cleans the data cache to PoC and
	 * invalidates the instruction cache for a page when it first maps it
	 * at stage 2 (unless FWB/DIC make it unnecessary), and s2vm writes
	 * these pages before the guest first runs and never afterwards.
	 */
}

static void guest_set_entry_state(struct vm *vm, unsigned int table, unsigned int stride_shift)
{
	vcpu_set_reg(vm, REG_PC, "pc", control_ipa(CONTROL_CODE_OFFSET));
	vcpu_set_reg(vm, REG_PSTATE, "pstate", GUEST_PSTATE);
	vcpu_set_reg(vm, REG_VBAR_EL1, "VBAR_EL1", control_ipa(CONTROL_VECTORS_OFFSET));
	vcpu_set_x(vm, GUEST_ARG_TABLE, control_ipa(guest_table_offset(vm, table)));
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
	/* the start of the entry whose adr it is */
	uint64_t offset = (adr - control_ipa(CONTROL_VECTORS_OFFSET)) &
			  ~(uint64_t)(VECTOR_ENTRY_SIZE - 1);
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

/*
 * One pass of the guest program over the data slots of table table (which
 * must be their layout now: the count checks it).
 */
void guest_run_pass(struct vm *vm, unsigned int table, unsigned int stride_shift)
{
	uint64_t expected = 0, written;
	unsigned int i;

	for (i = 0; i < vm->nr_data; i++)
		expected += slot_pass_count(&vm->data[i], stride_shift);
	guest_set_entry_state(vm, table, stride_shift);
	written = guest_wait_done(vm);
	if (written != expected)
		die("guest pass with slot table %u, stride shift %u wrote %" PRIu64
		    " pages, want %" PRIu64, table, stride_shift, written, expected);
}

