// s2vm-guest.S - reference assembly of the guest program of initramfs/s2vm/guest.c.
//
// tests/host/s2vm.bats assembles this with aarch64-linux-gnu-as and checks
// that the hand-assembled words of guest_code[] and guest_vector_handler[]
// in initramfs/s2vm/guest.c are byte for byte what the assembler makes of it. Keep the
// two in step: change both or neither.
//
// In: x0 = slot table, x1 = entries, x2 = stride shift, x3 = DONE_IPA.
// Each 32-byte entry is {start, end, stride, reserved}.

	.section .text.s2vm_guest_code, "ax"
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
done:
	str	x8, [x3]		// KVM_EXIT_MMIO at DONE_IPA, data = count
	b	done

// One vector entry; s2vm copies it into all 16 (VBAR_EL1 = control + 0x800).
	.section .text.s2vm_guest_vector, "ax"
vector:
	mrs	x0, esr_el1
	mrs	x1, elr_el1
	mrs	x2, far_el1
	adr	x3, .			// which vector entry
	movz	x9, #0x0801, lsl #16	// FAULT_IPA = 0x08010000
report:
	str	x0, [x9]		// KVM_EXIT_MMIO at FAULT_IPA, data = ESR_EL1
	b	report
