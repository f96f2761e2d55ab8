/*
 * layout.h - the VM's IPA layout and the guest program's interface: what
 * s2vm's C files and the guest program (guest.S) agree on. Plain macros
 * only: the assembler reads this file too.
 */
#ifndef S2VM_LAYOUT_H
#define S2VM_LAYOUT_H

#ifdef __ASSEMBLER__
#define U64(x)			x
#else
#include <stdint.h>
#define U64(x)			UINT64_C(x)
#endif

/* ---------------------------------------------------------------- sizes */

#define SZ_4K			U64(0x1000)
#define SZ_64K			U64(0x10000)
#define SZ_1M			U64(0x100000)
#define KIB			U64(1024)

/*
 * The guest program's own pages in the control slot (its MMU is off: this
 * is its layout, not a translation granule). The host's page size and huge
 * page size, which size the data slots, are known at run time only:
 * host_page_size and huge_page_size (s2vm.h).
 */
#define CONTROL_PAGE_SIZE	SZ_4K

#define BITS_PER_U64		64

/* ------------------------------------------------------------ IPA layout */

#define MAX_DATA_SLOTS		8
#define CONTROL_SLOT_ID		MAX_DATA_SLOTS	/* memslot id of the control slot */

#define CONTROL_IPA		U64(0x10000000)
#define CONTROL_SIZE		SZ_64K
#define CONTROL_CODE_OFFSET	U64(0x000)	/* page 0: guest program */
#define CONTROL_VECTORS_OFFSET	U64(0x800)	/* page 0: VBAR_EL1 (2K aligned) */
#define CONTROL_TABLE_OFFSET	U64(0x1000)	/* page 1: slot tables (guest.c) */
#define CONTROL_PAGES_ACCESSED	2		/* pages 0 and 1 */

#define EXIT_WINDOW_IPA		U64(0x08000000)	/* in no memslot: stores exit as MMIO */
#define EXIT_WINDOW_SIZE	SZ_1M
#define DONE_IPA		EXIT_WINDOW_IPA			/* "pass done" store */
#define FAULT_IPA		(EXIT_WINDOW_IPA + SZ_64K)	/* exception report */

#define DEFAULT_DATA_IPA	U64(0x80000000)
#define DEFAULT_DATA_SIZE	(16 * SZ_1M)

#define KVM_DEFAULT_IPA_BITS	40	/* what KVM_VM_TYPE_ARM_IPA_SIZE(0) gives */
#define MIN_IPA_BITS		32	/* ARM64_MIN_PARANGE_BITS */
#define MAX_IPA_BITS		52

/* The vector table at VBAR_EL1: 16 entries of 0x80 bytes. */
#define VECTOR_ENTRY_SIZE	0x80
#define VECTOR_ENTRIES		16
#define VECTOR_TABLE_SIZE	(VECTOR_ENTRY_SIZE * VECTOR_ENTRIES)
#define VBAR_ALIGN		0x800	/* VBAR_EL1 bits [10:0] are RES0 */

/* What the host passes to the guest program, in registers x0..x3. */
#define GUEST_ARG_TABLE		0	/* x0: IPA of the slot table to walk */
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

#endif /* S2VM_LAYOUT_H */
