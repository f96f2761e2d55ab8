// guest.S - the program s2vm's VM runs: page 0 of the control slot.
//
// Built into s2vm as bytes: tools/guest-image.sh assembles this file with
// the arm64 cross compiler and writes build/gen/guest-image.h (the bytes as
// guest_image[], and GUEST_DONE_OFFSET), which guest.c copies to IPA
// CONTROL_IPA + CONTROL_CODE_OFFSET. The addresses and offsets come from
// layout.h, which s2vm's C files share.
//
// Run at EL1h with the MMU off (IPA == VA, data accesses Device-nGnRnE: all
// are aligned).
//
// In: x0 = slot table, x1 = entries, x2 = stride shift, x3 = DONE_IPA
// (GUEST_ARG_* in layout.h). For each 32-byte entry {start, end, stride,
// reserved} it writes the IPA of each page start, start + (stride << x2),
// ... below end into that page's first word, counting the writes in x8;
// then it stores x8 to [x3], which exits to the host as KVM_EXIT_MMIO at
// DONE_IPA with the count as data. That store has no writeback, so the data
// abort carries a valid syndrome (ISV). The host writes every slot table
// before the first pass; later passes only change x0 (which table: runs
// of s2vm -p after a delete or move) and x2, so the host never rewrites
// memory the guest has already read through its non-cacheable (MMU off)
// view.

#include "layout.h"

	.text
entry:
	mov	x8, #0			// pages written
next_entry:
	cbz	x1, done
	ldp	x4, x5, [x0], #16	// start, end
	ldp	x6, x7, [x0], #16	// stride, reserved
	lsl	x6, x6, x2		// stride <<= shift
next_page:
	cmp	x4, x5
	b.hs	entry_done
	str	x4, [x4]		// touch the page
	add	x8, x8, #1
	add	x4, x4, x6
	b	next_page
entry_done:
	sub	x1, x1, #1
	b	next_entry

// s2vm checks that the guest's pc is past this store once it has completed
// the MMIO exit: its offset goes to guest-image.h as GUEST_DONE_OFFSET (a
// global label; the branches use the local one, which needs no relocation).
	.globl	guest_done
guest_done:
done:
	str	x8, [x3]		// KVM_EXIT_MMIO at DONE_IPA, data = count
	b	done			// exit again if resumed

// The vector table (VBAR_EL1), zero-filled up to it. Nothing should trap,
// but if the guest takes an exception, each of the 16 entries reports it
// instead of spinning: ESR_EL1 as the data of an MMIO store to FAULT_IPA,
// ELR_EL1 in x1, FAR_EL1 in x2, and in x3 the address of its adr, which
// tells which entry was taken (GUEST_VEC_* in layout.h). A .org that would
// move backwards (code or an entry too long) fails the build.
	.org	CONTROL_VECTORS_OFFSET - CONTROL_CODE_OFFSET, 0
	.rept	VECTOR_ENTRIES
0:	mrs	x0, esr_el1
	mrs	x1, elr_el1
	mrs	x2, far_el1
	adr	x3, .			// which vector entry
	mov	x9, #FAULT_IPA
1:	str	x0, [x9]		// KVM_EXIT_MMIO at FAULT_IPA, data = ESR_EL1
	b	1b
	.org	0b + VECTOR_ENTRY_SIZE, 0
	.endr
