/*
 * s2vm - create a KVM VM whose stage-2 page tables have a known shape.
 *
 * Part of s2view (arm64 KVM stage-2 page-table viewer). The tests run s2vm
 * inside the arm64 test guest to get a VM whose stage-2 layout they can
 * predict exactly, then compare what s2view shows with the prediction.
 *
 * s2vm creates a VM through the /dev/kvm ioctls with one vCPU, a small
 * "control" memslot holding the guest program, and up to 8 "data" memslots.
 * The guest program (guest.S: AArch64, MMU off, so IPA == VA) writes
 * one 64-bit word into each page of the data slots selected by -t, then
 * stores to an address outside every memslot; the resulting KVM_EXIT_MMIO
 * tells s2vm that the pass is done. Only the pages the guest touches get
 * stage-2 mappings, because KVM maps guest memory lazily, on fault.
 *
 * USAGE, OUTPUT and EXIT STATUS: s2vm -h (usage() in args.c).
 *
 * LAYOUT GUARANTEES (stage 2 of the VM once the ready line is printed):
 *   - Memslot ids: data slot i is memslot i; the control slot is memslot 8.
 *   - Pages are the host's (host_page_size: 4K, 16K or 64K, the stage-2
 *     granule); a huge page, or a block, is huge_page_size (2M, 32M, 512M).
 *     The sizes below are for 4K pages; the rules hold for every size.
 *   - Control slot: IPA 0x10000000, 64K, base pages (MADV_NOHUGEPAGE), no
 *     dirty logging. The guest accesses its bytes 0x0000..0x1fff only
 *     (guest code at +0x000, exception vectors at +0x800, slot tables at
 *     +0x1000): with 4K pages exactly its pages 0 and 1 are mapped, pages
 *     2..15 (0x10002000..0x1000ffff) never; with 16K or 64K pages, page 0
 *     only. Their permissions are not part of the contract.
 *   - Exit window: IPA 0x08000000..0x080fffff is in no memslot (the guest's
 *     "done" store at 0x08000000 and its exception report at 0x08010000 exit
 *     to s2vm as MMIO), so nothing is ever mapped there.
 *   - Data slot, 4k backing: exactly the touched 4K pages are mapped, as 4K
 *     page mappings; nothing else in the slot is.
 *   - Data slot, any backing: its host address is congruent to its IPA plus
 *     -o (default 0) modulo 2M.
 *   - Data slot, thp or hugetlb backing, without -d and -o: each touched
 *     page is mapped by the 2M block holding it when that 2M-aligned IPA
 *     block lies wholly inside the slot (and, for thp, the host kernel gave
 *     it a huge page; see /sys/kernel/mm/transparent_hugepage); otherwise as
 *     a 4K page. So -s BASE must be 2M aligned for blocks at the slot edges.
 *   - With -o not 0 (thp or 4k backing): host and guest addresses are never
 *     congruent modulo 2M ("misaligned"), so each touched page is mapped as
 *     a 4K page.
 *   - Without -d every mapped data page or block is writable.
 *   - With -d (any backing): dirty logging makes KVM map 4K pages only. The
 *     touched pages are mapped; numbering the touched pages of a slot 0, 1,
 *     2, ... in IPA order, the even ones are writable and the odd ones
 *     read-only (write-protected by KVM_GET_DIRTY_LOG and not written
 *     again): ceil(touched / 2) writable pages per slot.
 *   - s2vm checks its own work: the number of pages the guest reports having
 *     written in each pass, and with -d that the dirty bitmap of each slot
 *     holds exactly the touched pages; any mismatch is an error (exit 1).
 *   - These hold at the ready line. The steps of -p (after it) change the
 *     layout as s2vm -h says; what stage 2 then holds is the tests' to
 *     predict (e.g. a moved slot keeps its host memory, so its host address
 *     is congruent to the new IPA modulo 2M only when the move is by a
 *     multiple of 2M).
 *
 * FILES: s2vm.h (this: the contract and what the files share), layout.h
 * (IPA layout and guest interface), args.c (usage and arguments), slots.c
 * (the data slots: host memory, pages touched, dirty log), kvm.c (the KVM
 * ioctls), guest.c (loading and running the guest program), plan.c (the
 * steps of -p), stats.c (the VM's binary stats, for the stats step),
 * main.c.
 *
 * BUILD: make build/s2vm (aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra
 * -Werror). Style follows the KVM selftests' kvm_util.c: __foo() returns the
 * raw result, foo() checks it and dies with a message naming the values
 * involved.
 */
#ifndef S2VM_H
#define S2VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdarg.h>

#include <linux/kvm.h>

#include "layout.h"

/* Linux 6.14 and later; the build's headers may be older. */
#ifndef KVM_VM_TYPE_ARM_PROTECTED
#define KVM_VM_TYPE_ARM_PROTECTED	(1UL << 31)
#endif

/* ----------------------------------------------------------- data types */

enum backing { BACKING_4K, BACKING_THP, BACKING_HUGETLB, BACKING_CONTROL };

extern const char *const backing_names[];

enum touch_kind { TOUCH_ALL, TOUCH_NONE, TOUCH_EVERY, TOUCH_FIRST };

struct touch_spec {
	enum touch_kind kind;
	uint64_t n;		/* N of every:N and first:N */
};

struct range {
	uint64_t base;
	uint64_t size;
};

/* -p: what each step does is in the usage (args.c). */
enum step_kind {
	STEP_PAUSE, STEP_RUN, STEP_LOG_ON, STEP_LOG_OFF, STEP_GETLOG,
	STEP_DONTNEED, STEP_UNMAP, STEP_DELETE, STEP_MOVE, STEP_STATS,
};

struct step {
	enum step_kind kind;
	unsigned int number;	/* n of "s2vm: step <n> <text> done", from 1 */
	const char *text;	/* as given */
	unsigned int slot;	/* dontneed, unmap, delete, move: data slot */
	uint64_t offset;	/* dontneed, unmap: bytes into the slot */
	uint64_t len;		/* dontneed, unmap */
	uint64_t base;		/* move: the new IPA */
	unsigned int table;	/* run: the slot table the guest walks (guest.c) */
};

struct plan {
	struct step *steps;
	unsigned int nr;
};

struct options {
	unsigned int ipa_bits;			/* -i; 0 = KVM's default */
	enum backing backing;			/* -b */
	uint64_t host_offset;			/* -o */
	uint64_t default_size;			/* -m */
	struct range slots[MAX_DATA_SLOTS];	/* -s, in command-line order */
	unsigned int nr_slots;
	struct touch_spec touch;		/* -t */
	bool dirty_log;				/* -d */
	bool exit_when_ready;			/* -x */
	bool wait_before_run;			/* -w */
	bool hand_over;				/* -k */
	bool protected;				/* -P */
	uint64_t split_chunk;			/* -e; 0 = not set */
	struct plan plan;			/* -p */
};

struct slot {
	uint32_t id;		/* memslot id */
	uint32_t flags;		/* KVM_MEM_* */
	uint64_t ipa;
	uint64_t size;
	enum backing backing;
	uint64_t host_offset;	/* hva = ipa + host_offset modulo huge_page_size */
	void *hva;		/* userspace_addr of the memslot */
	void *map;		/* what to munmap */
	size_t map_len;
	uint64_t touch_end;	/* IPA past the last page the guest may write */
	uint64_t touch_stride;	/* bytes between written pages (first pass) */
	uint64_t touched;	/* pages written in the first pass */
	bool deleted;		/* by a delete step: no memslot, no pages written */
};

struct vm_stats;		/* stats.c */

struct vm {
	int kvm_fd;
	int fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	unsigned int ipa_bits;	/* effective IPA size */
	struct slot control;
	struct slot data[MAX_DATA_SLOTS];
	unsigned int nr_data;
	char view[32];		/* "vmN" of /sys/kernel/kvm, or "none" */
	struct vm_stats *stats;	/* NULL until the first stats step */
};

/* ------------------------------------------------------- main.c: errors */

void vwarn_msg(const char *fmt, va_list ap);
void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);
void __attribute__((noreturn, format(printf, 1, 2))) die_errno(const char *fmt, ...);
void flush_stdout(void);

/* ---------------------------------------------------- args.c: arguments */

void parse_args(int argc, char **argv, struct options *o);

/* ------------------------------------------- slots.c: the slots' memory */

/*
 * The host's page size (the stage-2 granule: 4K, 16K or 64K) and its
 * PMD-sized huge page (THP, hugetlb, a level-2 block: 2M, 32M or 512M).
 * -m, -s, -o, -t, the steps' offsets and the dirty bitmap count in these;
 * set by host_sizes_init() before the arguments are read.
 */
extern uint64_t host_page_size;
extern uint64_t huge_page_size;

void host_sizes_init(void);
void munmap_checked(void *addr, size_t len);
void thp_warn_if_disabled(void);
void slot_map(struct slot *s);
void slot_unmap(struct slot *s);
void slot_plan_touch(struct slot *s, const struct touch_spec *t);
void slot_move(struct slot *s, uint64_t ipa);
uint64_t slot_pass_count(const struct slot *s, unsigned int stride_shift);
void slot_dontneed(struct slot *s, uint64_t offset, uint64_t len);
void slot_remap(struct slot *s, uint64_t offset, uint64_t len);
void vm_collect_dirty_logs(struct vm *vm);
void vm_fetch_dirty_logs(struct vm *vm);

/* ---------------------------------------------------- kvm.c: KVM ioctls */

#define CORE_REG_ID(field)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
				 KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(field))
#define REG_PC			CORE_REG_ID(regs.pc)
#define REG_X(n)		CORE_REG_ID(regs.regs[n])

int kvm_open(void);
void kvm_check_api_version(int kvm_fd);
unsigned int kvm_effective_ipa_bits(int kvm_fd, unsigned int requested);
void find_view(char *name, size_t len);
int vm_create(int kvm_fd, unsigned int ipa_bits, bool protected);
void vm_enable_eager_split(struct vm *vm, uint64_t chunk);
void vm_set_user_memory_region(struct vm *vm, const struct slot *s);
void vm_delete_user_memory_region(struct vm *vm, const struct slot *s);
void vm_get_dirty_log(struct vm *vm, uint32_t slot, uint64_t *bitmap);
void vcpu_create(struct vm *vm);
void vcpu_init(struct vm *vm);
void vcpu_set_reg(struct vm *vm, uint64_t id, const char *name, uint64_t value);
uint64_t vcpu_get_reg(struct vm *vm, uint64_t id, const char *name);
void vcpu_run(struct vm *vm);
void vcpu_complete_mmio(struct vm *vm);

#define vcpu_set_x(vm, n, value)	vcpu_set_reg(vm, REG_X(n), "x" #n, value)
#define vcpu_get_x(vm, n)		vcpu_get_reg(vm, REG_X(n), "x" #n)
#define vcpu_get_pc(vm)			vcpu_get_reg(vm, REG_PC, "pc")

/* --------------------------------------------------- guest.c: the guest */

unsigned int guest_max_tables(unsigned int nr_slots);
uint64_t guest_control_pages(void);
void guest_load(struct vm *vm, const struct plan *plan);
void guest_run_pass(struct vm *vm, unsigned int table, unsigned int stride_shift);

/* ------------------------------------------------ plan.c: the -p steps */

void plan_run(struct vm *vm, const struct plan *plan);

/* ---------------------------------------------- stats.c: the VM's stats */

void vm_print_stats(struct vm *vm);
void vm_stats_close(struct vm *vm);

#endif /* S2VM_H */
