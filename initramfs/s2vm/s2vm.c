/*
 * s2vm - create a KVM VM whose stage-2 page tables have a known shape.
 *
 * Part of s2view (arm64 KVM stage-2 page-table viewer). The tests run s2vm
 * inside the arm64 test guest to get a VM whose stage-2 layout they can
 * predict exactly, then compare what s2view shows with the prediction.
 *
 * s2vm creates a VM through the /dev/kvm ioctls with one vCPU, a small
 * "control" memslot holding the guest program, and up to 8 "data" memslots.
 * The guest program (hand-assembled AArch64, MMU off, so IPA == VA) writes
 * one 64-bit word into each page of the data slots selected by -t, then
 * stores to an address outside every memslot; the resulting KVM_EXIT_MMIO
 * tells s2vm that the pass is done. Only the pages the guest touches get
 * stage-2 mappings, because KVM maps guest memory lazily, on fault.
 *
 * USAGE: s2vm [-i IPA_BITS] [-b 4k|thp|hugetlb] [-m SIZE] [-s BASE:SIZE]...
 *             [-t SPEC] [-d] [-w] [-x [-k]] [-h]
 *   -i IPA_BITS  VM IPA size, 32..52 (KVM_VM_TYPE_ARM_IPA_SIZE); default 0 =
 *                KVM's default (40 bits). Above KVM_CAP_ARM_VM_IPA_SIZE: exit 1.
 *   -b BACKING   host memory of the data slots: 4k (anonymous, MADV_NOHUGEPAGE;
 *                default), thp (anonymous, MADV_HUGEPAGE, host address
 *                congruent to the IPA modulo 2M) or hugetlb (MAP_HUGETLB with
 *                2M pages, needs /proc/sys/vm/nr_hugepages).
 *   -m SIZE      size of the default data slot at IPA 0x80000000 (used only
 *                without -s); default 16M.
 *   -s BASE:SIZE add a data slot at IPA BASE; repeatable, up to 8 slots, in
 *                that order (slot 0 is the first -s). Slots must not overlap
 *                each other, the control slot or the exit window.
 *   -t SPEC      pages of each data slot the guest writes: all (default),
 *                none, every:N (pages 0, N, 2N, ...), first:N (pages 0..N-1).
 *   -d           dirty logging: data slots get KVM_MEM_LOG_DIRTY_PAGES; after
 *                the first pass s2vm calls KVM_GET_DIRTY_LOG on each slot
 *                (which write-protects the touched pages again) and runs a
 *                second pass writing touched pages 0, 2, 4, ... again.
 *   -w           wait before running the guest: print "s2vm: waiting
 *                pid=<pid> vm=<vmN>" once the VM exists with nothing
 *                mapped, and run the guest on SIGUSR1.
 *   -x           exit (status 0) as soon as the layout is ready; without -x
 *                s2vm waits for SIGTERM or SIGINT, then exits 0.
 *   -k           with -x: before exiting, fork a holder that keeps the VM's
 *                file descriptors open until SIGTERM or SIGINT and print
 *                "s2vm: holder pid=<pid>". The VM outlives s2vm, whose
 *                address space (and with it the VM's stage-2 tables) goes.
 *   -h           this help on stdout.
 *   Numbers are decimal or 0x-hex with an optional K, M or G suffix
 *   (1024-based). BASE and SIZE must be multiples of 4K, SIZE > 0.
 *
 *   Examples:
 *     s2vm -x                        16M slot at 0x80000000, all 4096 pages
 *     s2vm -s 0x80000000:2M -s 0x80400000:2M -t every:2
 *                                    two 2M slots with a 2M hole between
 *                                    them, pages 0, 2, 4, ... of each written
 *     s2vm -b thp -m 1G              1G THP-backed slot: 512 2M blocks
 *     s2vm -d -m 4M                  4M of alternating writable/read-only
 *                                    4K pages (worst case for coalescing)
 *     s2vm -i 48 -s 0x800000000000:2M -t first:1
 *                                    one page just above 2^47
 *
 * OUTPUT (stdout; the tests parse these lines, keep them stable): one line
 * per data slot, then one for the control slot, then the ready line:
 *   s2vm: slot <i> ipa=0x<016 hex> size=<bytes> backing=<4k|thp|hugetlb> touched=<n>
 *   s2vm: slot c ipa=0x0000000010000000 size=65536 backing=control touched=2
 *   s2vm: ready pid=<pid> slots=<data slots> touched=<data pages> ipa_bits=<bits> vm=<vmN>
 * where vmN is the VM's /sys/kernel/kvm/vmN ("none" without the s2 view).
 * touched= of a data slot counts the 4K pages the guest wrote (the pages of
 * the first pass; the second pass of -d writes a subset of them). touched= of
 * the control slot counts the pages the guest accesses there (always 2).
 * ipa_bits= is the IPA size the VM really has: 40 for -i 0, and KVM's limit
 * (KVM_CAP_ARM_VM_IPA_SIZE) in protected mode, where KVM ignores -i.
 *
 * EXIT STATUS: 0 success; 1 runtime failure (the message names the ioctl,
 * errno and the values involved); 2 bad arguments (message and usage on
 * stderr).
 *
 * LAYOUT GUARANTEES (stage 2 of the VM once the ready line is printed):
 *   - Memslot ids: data slot i is memslot i; the control slot is memslot 8.
 *   - Control slot: IPA 0x10000000, 64K, 4K pages (MADV_NOHUGEPAGE), no dirty
 *     logging. Exactly its pages 0 (IPA 0x10000000: guest code at +0x000,
 *     exception vectors at +0x800) and 1 (IPA 0x10001000: slot table) are
 *     mapped; pages 2..15 (0x10002000..0x1000ffff) are never accessed and
 *     never mapped. Their permissions are not part of the contract.
 *   - Exit window: IPA 0x08000000..0x080fffff is in no memslot (the guest's
 *     "done" store at 0x08000000 and its exception report at 0x08010000 exit
 *     to s2vm as MMIO), so nothing is ever mapped there.
 *   - Data slot, 4k backing: exactly the touched 4K pages are mapped, as 4K
 *     page mappings; nothing else in the slot is.
 *   - Data slot, thp or hugetlb backing, without -d: each touched page is
 *     mapped by the 2M block holding it when that 2M-aligned IPA block lies
 *     wholly inside the slot (and, for thp, the host kernel gave it a huge
 *     page; see /sys/kernel/mm/transparent_hugepage); otherwise as a 4K page.
 *     So -s BASE must be 2M aligned for blocks at the slot edges.
 *   - Without -d every mapped data page or block is writable.
 *   - With -d (any backing): dirty logging makes KVM map 4K pages only. The
 *     touched pages are mapped; numbering the touched pages of a slot 0, 1,
 *     2, ... in IPA order, the even ones are writable and the odd ones
 *     read-only (write-protected by KVM_GET_DIRTY_LOG and not written
 *     again): ceil(touched / 2) writable pages per slot.
 *   - s2vm checks its own work: the number of pages the guest reports having
 *     written in each pass, and with -d that the dirty bitmap of each slot
 *     holds exactly the touched pages; any mismatch is an error (exit 1).
 *
 * BUILD: aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -o s2vm s2vm.c
 * Style follows the KVM selftests' kvm_util.c: __foo() returns the raw
 * result, foo() checks it and dies with a message naming the values involved.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

/* ---------------------------------------------------------------- sizes */

#define SZ_4K			UINT64_C(0x1000)
#define SZ_64K			UINT64_C(0x10000)
#define SZ_1M			UINT64_C(0x100000)
#define SZ_2M			UINT64_C(0x200000)
#define KIB			UINT64_C(1024)

#define GUEST_PAGE_SIZE		SZ_4K	/* granule of -m, -s, -t and the dirty bitmap */
#define HUGE_PAGE_SIZE		SZ_2M	/* PMD-sized THP, and the hugetlb page size */
#define HUGE_PAGE_SHIFT		21

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB		(HUGE_PAGE_SHIFT << MAP_HUGE_SHIFT)
#endif

#define BITS_PER_U64		64

/* ------------------------------------------------------------ IPA layout */

#define MAX_DATA_SLOTS		8
#define CONTROL_SLOT_ID		MAX_DATA_SLOTS	/* memslot id of the control slot */

#define CONTROL_IPA		UINT64_C(0x10000000)
#define CONTROL_SIZE		SZ_64K
#define CONTROL_CODE_OFFSET	UINT64_C(0x000)	/* page 0: guest program */
#define CONTROL_VECTORS_OFFSET	UINT64_C(0x800)	/* page 0: VBAR_EL1 (2K aligned) */
#define CONTROL_TABLE_OFFSET	UINT64_C(0x1000)	/* page 1: struct guest_slot_entry[] */
#define CONTROL_PAGES_ACCESSED	2		/* pages 0 and 1 */

#define EXIT_WINDOW_IPA		UINT64_C(0x08000000)	/* in no memslot: stores exit as MMIO */
#define EXIT_WINDOW_SIZE	SZ_1M
#define DONE_IPA		EXIT_WINDOW_IPA			/* "pass done" store */
#define FAULT_IPA		(EXIT_WINDOW_IPA + SZ_64K)	/* exception report */

#define DEFAULT_DATA_IPA	UINT64_C(0x80000000)
#define DEFAULT_DATA_SIZE	(16 * SZ_1M)

#define KVM_DEFAULT_IPA_BITS	40	/* what KVM_VM_TYPE_ARM_IPA_SIZE(0) gives */
#define MIN_IPA_BITS		32	/* ARM64_MIN_PARANGE_BITS */
#define MAX_IPA_BITS		52

#ifndef KVM_DEV_PATH		/* tests/host builds point it elsewhere */
#define KVM_DEV_PATH		"/dev/kvm"
#endif
#define KVM_CMDLINE_PATH	"/proc/cmdline"
#define S2VIEW_SYSFS_PATH	"/sys/kernel/kvm"
#define KVM_PROTECTED_PARAM	"kvm-arm.mode=protected"
#define THP_ENABLED_PATH	"/sys/kernel/mm/transparent_hugepage/enabled"
#define THP_NEVER		"[never]"

/* ------------------------------------------------------- vCPU registers */

#define CORE_REG_ID(field)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
				 KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(field))
#define REG_PC			CORE_REG_ID(regs.pc)
#define REG_PSTATE		CORE_REG_ID(regs.pstate)
#define REG_X(n)		CORE_REG_ID(regs.regs[n])
#define REG_VBAR_EL1		ARM64_SYS_REG(3, 0, 12, 0, 0)	/* S3_0_C12_C0_0 */

/* EL1h (SP_EL1), D, A, I and F masked: 0x3c5 */
#define GUEST_PSTATE		(PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | \
				 PSR_I_BIT | PSR_F_BIT)

/* What the host passes to the guest program, in registers x0..x3. */
#define GUEST_ARG_TABLE		0	/* x0: IPA of the slot table */
#define GUEST_ARG_COUNT		1	/* x1: number of table entries */
#define GUEST_ARG_SHIFT		2	/* x2: stride shift, 0 or PASS2_STRIDE_SHIFT */
#define GUEST_ARG_DONE		3	/* x3: DONE_IPA */
/* What the exception handler leaves for the host (besides ESR_EL1 as data). */
#define GUEST_VEC_ELR		1	/* x1: ELR_EL1 */
#define GUEST_VEC_FAR		2	/* x2: FAR_EL1 */
#define GUEST_VEC_ADR		3	/* x3: address of the handler's adr */

#define PASS1_STRIDE_SHIFT	0	/* first pass: every touched page */
#define PASS2_STRIDE_SHIFT	1	/* -d second pass: touched pages 0, 2, 4, ... */

#define GUEST_MMIO_LEN		8	/* both exit stores are 64-bit */

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

#define VECTOR_ENTRY_SIZE	0x80
#define VECTOR_ENTRIES		16
#define VECTOR_TABLE_SIZE	(VECTOR_ENTRY_SIZE * VECTOR_ENTRIES)
#define VBAR_ALIGN		0x800	/* VBAR_EL1 bits [10:0] are RES0 */

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

/* ------------------------------------------------------------ data types */

enum backing { BACKING_4K, BACKING_THP, BACKING_HUGETLB, BACKING_CONTROL };

static const char *const backing_names[] = {
	[BACKING_4K] = "4k",
	[BACKING_THP] = "thp",
	[BACKING_HUGETLB] = "hugetlb",
	[BACKING_CONTROL] = "control",
};

enum touch_kind { TOUCH_ALL, TOUCH_NONE, TOUCH_EVERY, TOUCH_FIRST };

struct touch_spec {
	enum touch_kind kind;
	uint64_t n;		/* N of every:N and first:N */
};

struct range {
	uint64_t base;
	uint64_t size;
};

struct options {
	unsigned int ipa_bits;			/* -i; 0 = KVM's default */
	enum backing backing;			/* -b */
	uint64_t default_size;			/* -m */
	struct range slots[MAX_DATA_SLOTS];	/* -s, in command-line order */
	unsigned int nr_slots;
	struct touch_spec touch;		/* -t */
	bool dirty_log;				/* -d */
	bool exit_when_ready;			/* -x */
	bool wait_before_run;			/* -w */
	bool hand_over;				/* -k */
};

struct slot {
	uint32_t id;		/* memslot id */
	uint32_t flags;		/* KVM_MEM_* */
	uint64_t ipa;
	uint64_t size;
	enum backing backing;
	void *hva;		/* userspace_addr of the memslot */
	void *map;		/* what to munmap */
	size_t map_len;
	uint64_t touch_end;	/* IPA past the last page the guest may write */
	uint64_t touch_stride;	/* bytes between written pages (first pass) */
	uint64_t touched;	/* pages written in the first pass */
};

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
};

/* ---------------------------------------------------------------- errors */

static void usage(FILE *f)
{
	fprintf(f,
"USAGE: s2vm [-i IPA_BITS] [-b 4k|thp|hugetlb] [-m SIZE] [-s BASE:SIZE]...\n"
"            [-t SPEC] [-d] [-w] [-x [-k]] [-h]\n"
"Creates a KVM VM whose stage-2 layout is known, then waits for SIGTERM.\n"
"  -i IPA_BITS  VM IPA size 32..52; default 0 = KVM's default (40)\n"
"  -b BACKING   data slot memory: 4k (default), thp or hugetlb (2M pages)\n"
"  -m SIZE      size of the default data slot at 0x80000000 (no -s); 16M\n"
"  -s BASE:SIZE data slot at IPA BASE; repeatable, up to %d, no overlaps\n"
"  -t SPEC      pages the guest writes in each data slot: all (default),\n"
"               none, every:N (pages 0, N, 2N, ...), first:N (pages 0..N-1)\n"
"  -d           dirty logging; after KVM_GET_DIRTY_LOG rewrite touched pages\n"
"               0, 2, 4, ...: alternating writable and read-only pages\n"
"  -w           print 's2vm: waiting pid=<pid>' with nothing mapped yet, and\n"
"               run the guest on SIGUSR1\n"
"  -x           exit as soon as the layout is ready\n"
"  -k           with -x: leave the VM open in a holder process until SIGTERM,\n"
"               printing 's2vm: holder pid=<pid>'\n"
"  -h           this help\n"
"Numbers: decimal or 0x-hex, optional K/M/G suffix; BASE, SIZE multiples of 4K.\n"
"Control slot (memslot %d): IPA 0x%08" PRIx64 ", 64K; the guest maps its pages 0\n"
"(code, vectors) and 1 (slot table) only. Exit window (no memslot): IPA\n"
"0x%08" PRIx64 "..0x%08" PRIx64 ". Data slot i is memslot i.\n"
"Examples:\n"
"  s2vm -x\n"
"  s2vm -s 0x80000000:2M -s 0x80400000:2M -t every:2\n"
"  s2vm -b thp -m 1G\n"
"  s2vm -d -m 4M\n"
"Prints 's2vm: slot ...' lines, then\n"
"  s2vm: ready pid=<pid> slots=<n> touched=<pages> ipa_bits=<bits> vm=<vmN|none>\n",
		MAX_DATA_SLOTS, CONTROL_SLOT_ID, CONTROL_IPA, EXIT_WINDOW_IPA,
		EXIT_WINDOW_IPA + EXIT_WINDOW_SIZE - 1);
}

/* "s2vm: " and the message on stderr, after what stdout holds. */
static void vwarn_msg(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("s2vm: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* Bad arguments: message, usage, exit 2. */
static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_msg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	exit(2);
}

/* Runtime failure: message, exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_msg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Runtime failure of a system call: message, errno, exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
die_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vwarn_msg(fmt, ap);
	va_end(ap);
	fprintf(stderr, " failed: %s (errno %d)\n", strerror(err), err);
	exit(1);
}

/* ------------------------------------------------------------- arguments */

static int digit_value(char c, unsigned int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < (int)base ? d : -1;
}

/* Decimal or 0x-hex, optional K/M/G suffix (1024-based); false if not. */
static bool parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t value = 0, scale = 1;
	const char *digits;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (digits = s; (d = digit_value(*s, base)) >= 0; s++)
		if (__builtin_mul_overflow(value, base, &value) ||
		    __builtin_add_overflow(value, (uint64_t)d, &value))
			return false;
	if (s == digits)
		return false;
	switch (*s) {
	case 'k': case 'K':
		scale = KIB;
		s++;
		break;
	case 'm': case 'M':
		scale = KIB * KIB;
		s++;
		break;
	case 'g': case 'G':
		scale = KIB * KIB * KIB;
		s++;
		break;
	}
	return !*s && !__builtin_mul_overflow(value, scale, out);
}

static uint64_t parse_size(const char *what, const char *s)
{
	uint64_t size;

	if (!parse_u64(s, &size))
		usage_error("bad %s '%s': want a number, e.g. 0x200000, 2M", what, s);
	if (!size || size % GUEST_PAGE_SIZE)
		usage_error("bad %s '%s': must be a non-zero multiple of 4K", what, s);
	return size;
}

static enum backing parse_backing(const char *s)
{
	if (!strcmp(s, "4k"))
		return BACKING_4K;
	if (!strcmp(s, "thp"))
		return BACKING_THP;
	if (!strcmp(s, "hugetlb"))
		return BACKING_HUGETLB;
	usage_error("bad backing '%s': want 4k, thp or hugetlb", s);
}

static struct range parse_slot(const char *s)
{
	char base_str[64];
	const char *colon = strchr(s, ':');
	struct range r;

	if (!colon || (size_t)(colon - s) >= sizeof(base_str))
		usage_error("bad slot '%s': want BASE:SIZE, e.g. 0x80000000:2M", s);
	memcpy(base_str, s, (size_t)(colon - s));
	base_str[colon - s] = '\0';
	if (!parse_u64(base_str, &r.base))
		usage_error("bad slot base '%s' in '%s'", base_str, s);
	if (r.base % GUEST_PAGE_SIZE)
		usage_error("bad slot base 0x%" PRIx64 " in '%s': must be a multiple of 4K",
			    r.base, s);
	r.size = parse_size("slot size", colon + 1);
	return r;
}

static struct touch_spec parse_touch(const char *s)
{
	struct touch_spec t = { .kind = TOUCH_ALL, .n = 0 };
	const char *arg;

	if (!strcmp(s, "all"))
		return t;
	if (!strcmp(s, "none")) {
		t.kind = TOUCH_NONE;
		return t;
	}
	if (!strncmp(s, "every:", strlen("every:"))) {
		t.kind = TOUCH_EVERY;
		arg = s + strlen("every:");
	} else if (!strncmp(s, "first:", strlen("first:"))) {
		t.kind = TOUCH_FIRST;
		arg = s + strlen("first:");
	} else {
		usage_error("bad touch spec '%s': want all, none, every:N or first:N", s);
	}
	if (!parse_u64(arg, &t.n) || (t.kind == TOUCH_EVERY && !t.n))
		usage_error("bad touch spec '%s': N must be a number%s", s,
			    t.kind == TOUCH_EVERY ? " >= 1" : "");
	return t;
}

static unsigned int parse_ipa_bits(const char *s)
{
	uint64_t bits;

	if (!parse_u64(s, &bits) ||
	    (bits && (bits < MIN_IPA_BITS || bits > MAX_IPA_BITS)))
		usage_error("bad IPA size '%s': want 0 (default) or %d..%d",
			    s, MIN_IPA_BITS, MAX_IPA_BITS);
	return (unsigned int)bits;
}

static bool ranges_overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
	return a < b + b_size && b < a + a_size;
}

/* Slots must fit the IPA space and overlap nothing. */
static void check_slots(const struct options *o)
{
	unsigned int bits = o->ipa_bits ? o->ipa_bits : KVM_DEFAULT_IPA_BITS;
	uint64_t ipa_limit = UINT64_C(1) << bits;
	unsigned int i, j;

	for (i = 0; i < o->nr_slots; i++) {
		const struct range *r = &o->slots[i];

		if (r->base >= ipa_limit || r->size > ipa_limit - r->base)
			usage_error("slot %u (0x%" PRIx64 " + 0x%" PRIx64 ") does not fit "
				    "the %u-bit IPA space (ends at 0x%" PRIx64 ")",
				    i, r->base, r->size, bits, ipa_limit);
		if (ranges_overlap(r->base, r->size, CONTROL_IPA, CONTROL_SIZE))
			usage_error("slot %u (0x%" PRIx64 " + 0x%" PRIx64 ") overlaps the "
				    "control slot (0x%" PRIx64 " + 0x%" PRIx64 ")",
				    i, r->base, r->size, CONTROL_IPA, CONTROL_SIZE);
		if (ranges_overlap(r->base, r->size, EXIT_WINDOW_IPA, EXIT_WINDOW_SIZE))
			usage_error("slot %u (0x%" PRIx64 " + 0x%" PRIx64 ") overlaps the "
				    "exit window (0x%" PRIx64 " + 0x%" PRIx64 ")",
				    i, r->base, r->size, EXIT_WINDOW_IPA, EXIT_WINDOW_SIZE);
		for (j = 0; j < i; j++) {
			const struct range *q = &o->slots[j];

			if (ranges_overlap(r->base, r->size, q->base, q->size))
				usage_error("slot %u (0x%" PRIx64 " + 0x%" PRIx64 ") overlaps "
					    "slot %u (0x%" PRIx64 " + 0x%" PRIx64 ")",
					    i, r->base, r->size, j, q->base, q->size);
		}
	}
}

static void parse_args(int argc, char **argv, struct options *o)
{
	int opt;

	*o = (struct options){
		.backing = BACKING_4K,
		.default_size = DEFAULT_DATA_SIZE,
		.touch = { .kind = TOUCH_ALL },
	};
	opterr = 0;
	while ((opt = getopt(argc, argv, ":i:b:m:s:t:dwxkh")) != -1) {
		switch (opt) {
		case 'i':
			o->ipa_bits = parse_ipa_bits(optarg);
			break;
		case 'b':
			o->backing = parse_backing(optarg);
			break;
		case 'm':
			o->default_size = parse_size("size", optarg);
			break;
		case 's':
			if (o->nr_slots == MAX_DATA_SLOTS)
				usage_error("too many slots: at most %d -s", MAX_DATA_SLOTS);
			o->slots[o->nr_slots++] = parse_slot(optarg);
			break;
		case 't':
			o->touch = parse_touch(optarg);
			break;
		case 'd':
			o->dirty_log = true;
			break;
		case 'w':
			o->wait_before_run = true;
			break;
		case 'x':
			o->exit_when_ready = true;
			break;
		case 'k':
			o->hand_over = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			usage_error("option -%c needs an argument", optopt);
		default:
			usage_error("unknown option -%c", optopt);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->hand_over && !o->exit_when_ready)
		usage_error("-k needs -x");
	if (!o->nr_slots)
		o->slots[o->nr_slots++] = (struct range){ DEFAULT_DATA_IPA, o->default_size };
	check_slots(o);
}

/* ---------------------------------------------------------- host memory */

static void *__mmap_anon(size_t len, int extra_flags)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
}

static void madvise_checked(void *addr, size_t len, int advice, const char *name)
{
	if (madvise(addr, len, advice))
		die_errno("madvise(%p, 0x%zx, %s)", addr, len, name);
}

static void munmap_checked(void *addr, size_t len)
{
	if (len && munmap(addr, len))
		die_errno("munmap(%p, 0x%zx)", addr, len);
}

/* Anonymous memory never backed by huge pages: stage 2 gets 4K pages. */
static void slot_map_4k(struct slot *s)
{
	s->map_len = s->size;
	s->map = __mmap_anon(s->map_len, MAP_NORESERVE);
	if (s->map == MAP_FAILED)
		die_errno("mmap(anonymous, 0x%zx bytes) for slot at IPA 0x%" PRIx64,
			  s->map_len, s->ipa);
	s->hva = s->map;
	madvise_checked(s->hva, s->size, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
}

static void thp_warn_if_disabled(void)
{
	char buf[128] = "";
	FILE *f = fopen(THP_ENABLED_PATH, "r");

	if (!f) {
		fprintf(stderr, "s2vm: warning: no %s: thp backing gets 4K pages\n",
			THP_ENABLED_PATH);
		return;
	}
	if (fgets(buf, sizeof(buf), f) && strstr(buf, THP_NEVER))
		fprintf(stderr, "s2vm: warning: THP disabled (%s: %s): thp backing gets 4K pages\n",
			THP_ENABLED_PATH, strtok(buf, "\n"));
	fclose(f);
}

/*
 * THP-eligible anonymous memory. KVM maps a THP with a stage-2 block only
 * when the host address and the IPA have the same offset within 2M
 * (fault_supports_stage2_huge_mapping()), so over-allocate by 2M, pick the
 * congruent address and trim the rest.
 */
static void slot_map_thp(struct slot *s)
{
	size_t len = s->size + HUGE_PAGE_SIZE;
	uintptr_t start, hva;
	void *p = __mmap_anon(len, MAP_NORESERVE);

	if (p == MAP_FAILED)
		die_errno("mmap(anonymous, 0x%zx bytes) for slot at IPA 0x%" PRIx64,
			  len, s->ipa);
	start = (uintptr_t)p;
	hva = start + ((s->ipa - start) & (HUGE_PAGE_SIZE - 1));
	munmap_checked(p, hva - start);
	munmap_checked((void *)(hva + s->size), start + len - (hva + s->size));
	s->map = s->hva = (void *)hva;
	s->map_len = s->size;
	madvise_checked(s->hva, s->size, MADV_HUGEPAGE, "MADV_HUGEPAGE");
}

/* hugetlbfs 2M pages; the mapping is rounded up to whole huge pages. */
static void slot_map_hugetlb(struct slot *s)
{
	s->map_len = (s->size + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1);
	s->map = __mmap_anon(s->map_len, MAP_HUGETLB | MAP_HUGE_2MB);
	if (s->map == MAP_FAILED) {
		int err = errno;

		die("mmap(MAP_HUGETLB|MAP_HUGE_2MB, 0x%zx bytes) for slot at IPA 0x%" PRIx64
		    " failed: %s (errno %d); no hugetlb pages? "
		    "echo N > /proc/sys/vm/nr_hugepages",
		    s->map_len, s->ipa, strerror(err), err);
	}
	s->hva = s->map;
}

static void slot_map(struct slot *s)
{
	switch (s->backing) {
	case BACKING_4K:
	case BACKING_CONTROL:
		slot_map_4k(s);
		break;
	case BACKING_THP:
		slot_map_thp(s);
		break;
	case BACKING_HUGETLB:
		slot_map_hugetlb(s);
		break;
	}
}

static void slot_unmap(struct slot *s)
{
	munmap_checked(s->map, s->map_len);
	s->map = s->hva = NULL;
}

/* ------------------------------------------------------- touch planning */

/* Number of addresses start, start + stride, ... below end. */
static uint64_t stride_count(uint64_t start, uint64_t end, uint64_t stride)
{
	return end > start ? (end - start - 1) / stride + 1 : 0;
}

/* Which pages of the slot the guest writes: [ipa, touch_end) every stride. */
static void slot_plan_touch(struct slot *s, const struct touch_spec *t)
{
	uint64_t pages = s->size / GUEST_PAGE_SIZE, limit = pages, step = 1;

	switch (t->kind) {
	case TOUCH_ALL:
		break;
	case TOUCH_NONE:
		limit = 0;
		break;
	case TOUCH_EVERY:
		/* a stride past the end touches page 0 only, like a shorter one */
		step = t->n < pages ? t->n : pages;
		break;
	case TOUCH_FIRST:
		limit = t->n < pages ? t->n : pages;
		break;
	}
	s->touch_end = s->ipa + limit * GUEST_PAGE_SIZE;
	s->touch_stride = step * GUEST_PAGE_SIZE;
	s->touched = stride_count(s->ipa, s->touch_end, s->touch_stride);
}

static uint64_t slot_pass_count(const struct slot *s, unsigned int stride_shift)
{
	return stride_count(s->ipa, s->touch_end, s->touch_stride << stride_shift);
}

static bool slot_page_touched(const struct slot *s, uint64_t page)
{
	uint64_t offset = page * GUEST_PAGE_SIZE;

	return s->ipa + offset < s->touch_end && offset % s->touch_stride == 0;
}

/* ----------------------------------------------------------- KVM: system */

static int kvm_open(void)
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

static void kvm_check_api_version(int kvm_fd)
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

/* Is KVM in protected mode (kvm-arm.mode=protected on the command line)? */
static bool kvm_is_protected_mode(void)
{
	char buf[4096] = "";
	const char *p;
	FILE *f = fopen(KVM_CMDLINE_PATH, "r");
	size_t len = strlen(KVM_PROTECTED_PARAM);

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (p = strstr(buf, KVM_PROTECTED_PARAM); p; p = strstr(p + 1, KVM_PROTECTED_PARAM))
		if ((p == buf || p[-1] == ' ') &&
		    (p[len] == '\0' || p[len] == ' ' || p[len] == '\n'))
			return true;
	return false;
}

/*
 * The VM's directory in the s2 sysfs view: the vmN whose pid file holds our
 * pid (s2vm creates one VM). "none" when the kernel has no view.
 */
static void find_view(char *name, size_t len)
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
static unsigned int kvm_effective_ipa_bits(int kvm_fd, unsigned int requested)
{
	int max = kvm_check_extension(kvm_fd, KVM_CAP_ARM_VM_IPA_SIZE,
				      "KVM_CAP_ARM_VM_IPA_SIZE");
	unsigned int limit = max > 0 ? (unsigned int)max : KVM_DEFAULT_IPA_BITS;

	if (requested > limit)
		die("-i %u: KVM supports at most %u IPA bits "
		    "(KVM_CAP_ARM_VM_IPA_SIZE = %d)", requested, limit, max);
	if (max > 0 && kvm_is_protected_mode()) {
		if (requested && requested != limit)
			fprintf(stderr, "s2vm: warning: protected mode: KVM ignores -i %u, "
				"the VM gets %u IPA bits\n", requested, limit);
		return limit;
	}
	if (!requested && limit < KVM_DEFAULT_IPA_BITS)
		die("KVM's limit is %u IPA bits (KVM_CAP_ARM_VM_IPA_SIZE), below its "
		    "%d-bit default: pass -i %u", limit, KVM_DEFAULT_IPA_BITS, limit);
	return requested ? requested : KVM_DEFAULT_IPA_BITS;
}

/* --------------------------------------------------------------- KVM: VM */

static int __vm_create(int kvm_fd, unsigned long type)
{
	return ioctl(kvm_fd, KVM_CREATE_VM, type);
}

static int vm_create(int kvm_fd, unsigned int ipa_bits)
{
	unsigned long type = KVM_VM_TYPE_ARM_IPA_SIZE(ipa_bits);
	int fd = __vm_create(kvm_fd, type);

	if (fd < 0)
		die_errno("KVM_CREATE_VM(type = 0x%lx, IPA bits %u)", type, ipa_bits);
	return fd;
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

static void vm_set_user_memory_region(struct vm *vm, const struct slot *s)
{
	if (__vm_set_user_memory_region(vm, s))
		die_errno("KVM_SET_USER_MEMORY_REGION(slot %u, flags 0x%x, "
			  "guest_phys_addr 0x%" PRIx64 ", memory_size 0x%" PRIx64
			  ", userspace_addr %p)",
			  s->id, s->flags, s->ipa, s->size, s->hva);
}

static int __vm_get_dirty_log(struct vm *vm, uint32_t slot, uint64_t *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

static void vm_get_dirty_log(struct vm *vm, uint32_t slot, uint64_t *bitmap)
{
	if (__vm_get_dirty_log(vm, slot, bitmap))
		die_errno("KVM_GET_DIRTY_LOG(slot %u)", slot);
}

/* Map the slot's host memory and register it as a memslot. */
static void vm_add_slot(struct vm *vm, struct slot *s)
{
	slot_map(s);
	vm_set_user_memory_region(vm, s);
}

/* ------------------------------------------------------------ KVM: vCPU */

static int __vcpu_create(struct vm *vm, unsigned long id)
{
	return ioctl(vm->fd, KVM_CREATE_VCPU, id);
}

static void vcpu_create(struct vm *vm)
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
static void vcpu_init(struct vm *vm)
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

static void vcpu_set_reg(struct vm *vm, uint64_t id, const char *name, uint64_t value)
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

static uint64_t vcpu_get_reg(struct vm *vm, uint64_t id, const char *name)
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
static void vcpu_run(struct vm *vm)
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
static void vcpu_complete_mmio(struct vm *vm)
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
static void guest_load(struct vm *vm)
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
static void guest_run_pass(struct vm *vm, unsigned int stride_shift)
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

/* ------------------------------------------------------------ dirty log */

/* The bitmap from KVM_GET_DIRTY_LOG must hold exactly the touched pages. */
static void slot_check_dirty_log(const struct slot *s, const uint64_t *bitmap)
{
	uint64_t pages = s->size / GUEST_PAGE_SIZE, page, dirty = 0, mismatches = 0;
	uint64_t first = 0;

	for (page = 0; page < pages; page++) {
		bool is_dirty = bitmap[page / BITS_PER_U64] >> (page % BITS_PER_U64) & 1;

		dirty += is_dirty;
		if (is_dirty != slot_page_touched(s, page) && !mismatches++)
			first = page;
	}
	if (mismatches)
		die("KVM_GET_DIRTY_LOG(slot %u): %" PRIu64 " pages dirty, want the %" PRIu64
		    " touched; %" PRIu64 " pages differ, first page %" PRIu64
		    " (IPA 0x%" PRIx64 ") is %s", s->id, dirty, s->touched, mismatches,
		    first, s->ipa + first * GUEST_PAGE_SIZE,
		    slot_page_touched(s, first) ? "clean but touched" : "dirty but untouched");
}

/* Fetch (and so write-protect) and check the dirty log of every data slot. */
static void vm_collect_dirty_logs(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_data; i++) {
		struct slot *s = &vm->data[i];
		uint64_t words = (s->size / GUEST_PAGE_SIZE + BITS_PER_U64 - 1) / BITS_PER_U64;
		uint64_t *bitmap = calloc(words, sizeof(*bitmap));

		if (!bitmap)
			die_errno("calloc(%" PRIu64 " bitmap words) for slot %u", words, s->id);
		vm_get_dirty_log(vm, s->id, bitmap);
		slot_check_dirty_log(s, bitmap);
		free(bitmap);
	}
}

/* ---------------------------------------------------------------- setup */

static void vm_setup_slots(struct vm *vm, const struct options *o)
{
	unsigned int i;

	vm->control = (struct slot){
		.id = CONTROL_SLOT_ID,
		.ipa = CONTROL_IPA,
		.size = CONTROL_SIZE,
		.backing = BACKING_CONTROL,
		.touched = CONTROL_PAGES_ACCESSED,
	};
	vm_add_slot(vm, &vm->control);

	if (o->backing == BACKING_THP)
		thp_warn_if_disabled();
	vm->nr_data = o->nr_slots;
	for (i = 0; i < vm->nr_data; i++) {
		struct slot *s = &vm->data[i];

		*s = (struct slot){
			.id = i,
			.flags = o->dirty_log ? KVM_MEM_LOG_DIRTY_PAGES : 0,
			.ipa = o->slots[i].base,
			.size = o->slots[i].size,
			.backing = o->backing,
		};
		slot_plan_touch(s, &o->touch);
		vm_add_slot(vm, s);
	}
	guest_load(vm);
}

static void vm_setup(struct vm *vm, const struct options *o)
{
	vm->kvm_fd = kvm_open();
	kvm_check_api_version(vm->kvm_fd);
	vm->ipa_bits = kvm_effective_ipa_bits(vm->kvm_fd, o->ipa_bits);
	vm->fd = vm_create(vm->kvm_fd, o->ipa_bits);
	find_view(vm->view, sizeof(vm->view));
	vm_setup_slots(vm, o);
	vcpu_create(vm);
	vcpu_init(vm);
}

static void vm_teardown(struct vm *vm)
{
	unsigned int i;

	munmap_checked(vm->run, vm->run_size);
	close(vm->vcpu_fd);
	close(vm->fd);
	close(vm->kvm_fd);
	for (i = 0; i < vm->nr_data; i++)
		slot_unmap(&vm->data[i]);
	slot_unmap(&vm->control);
}

/* --------------------------------------------------------------- output */

static void print_slot(const char *label, const struct slot *s)
{
	printf("s2vm: slot %s ipa=0x%016" PRIx64 " size=%" PRIu64 " backing=%s touched=%" PRIu64 "\n",
	       label, s->ipa, s->size, backing_names[s->backing], s->touched);
}

static void print_layout(const struct vm *vm)
{
	uint64_t touched = 0;
	char label[16];
	unsigned int i;

	for (i = 0; i < vm->nr_data; i++) {
		snprintf(label, sizeof(label), "%u", i);
		print_slot(label, &vm->data[i]);
		touched += vm->data[i].touched;
	}
	print_slot("c", &vm->control);
	printf("s2vm: ready pid=%d slots=%u touched=%" PRIu64 " ipa_bits=%u vm=%s\n",
	       (int)getpid(), vm->nr_data, touched, vm->ipa_bits, vm->view);
	if (fflush(stdout))
		die_errno("writing to stdout");
}

/* Block SIGTERM and SIGINT (before announcing readiness) to sigwait() them. */
static void block_exit_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	if (sigprocmask(SIG_BLOCK, set, NULL))
		die_errno("sigprocmask(SIG_BLOCK, SIGTERM|SIGINT)");
}

static void wait_exit_signal(const sigset_t *set)
{
	int sig, r;

	r = sigwait(set, &sig);
	if (r) {
		errno = r;
		die_errno("sigwait(SIGTERM|SIGINT)");
	}
}

/* -w: say the VM exists, then wait for SIGUSR1 (blocked before saying so). */
static void wait_run_signal(const char *view)
{
	sigset_t set;
	int sig, r;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die_errno("sigprocmask(SIG_BLOCK, SIGUSR1)");
	printf("s2vm: waiting pid=%d vm=%s\n", (int)getpid(), view);
	if (fflush(stdout))
		die_errno("writing to stdout");
	r = sigwait(&set, &sig);
	if (r) {
		errno = r;
		die_errno("sigwait(SIGUSR1)");
	}
}

/*
 * -k: a child inherits the VM's file descriptors and holds them until
 * SIGTERM or SIGINT; the caller goes on to exit.
 */
static void hand_over(void)
{
	sigset_t exit_signals;
	pid_t pid;

	block_exit_signals(&exit_signals);
	pid = fork();
	if (pid < 0)
		die_errno("fork() for the holder of the VM");
	if (!pid) {
		wait_exit_signal(&exit_signals);
		_exit(0);
	}
	printf("s2vm: holder pid=%d\n", (int)pid);
	if (fflush(stdout))
		die_errno("writing to stdout");
}

int main(int argc, char **argv)
{
	struct options opts;
	struct vm vm;
	sigset_t exit_signals;

	parse_args(argc, argv, &opts);
	memset(&vm, 0, sizeof(vm));
	vm_setup(&vm, &opts);
	if (opts.wait_before_run)
		wait_run_signal(vm.view);

	guest_run_pass(&vm, PASS1_STRIDE_SHIFT);
	if (opts.dirty_log) {
		vm_collect_dirty_logs(&vm);
		guest_run_pass(&vm, PASS2_STRIDE_SHIFT);
	}

	if (!opts.exit_when_ready)
		block_exit_signals(&exit_signals);
	print_layout(&vm);
	if (opts.hand_over)
		hand_over();
	if (!opts.exit_when_ready)
		wait_exit_signal(&exit_signals);

	vm_teardown(&vm);
	return 0;
}
