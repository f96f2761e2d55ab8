// qemu-guest.S - the program QEMU's VMs run in tests/guest/50-qemu.bats.
//
// No Linux: QEMU's virt board loads this ELF (-kernel) at its link address
// and starts the vCPU at _start, at EL1h with the MMU off (IPA == VA, data
// accesses Device-nGnRnE: all are aligned). Built twice by the Makefile:
//   build/qemu-guest.elf         reads the first word of flash (IPA 0) too
//   build/qemu-guest-blocks.elf  (-DRAM_ONLY) touches RAM only
// Both write the first word of every 4K page of TOUCH_START..TOUCH_END,
// then print "s2view-guest: ready" on the PL011 (QEMU's -serial) and idle
// in a wfi loop: the vCPU sleeps in KVM, the stage-2 stays as it is.
//
// Layout (QEMU virt: flash at 0, PL011 at 0x09000000, RAM at 1G): the code
// is the only thing in RAM's second 2M (QEMU puts the DTB at RAM's start,
// below an ELF), the pages touched are the 8M from RAM + 4M. The tests read
// these addresses from here (grep of the #defines), not from copies.

#define CODE_START	0x40200000	// the link address (Makefile: -Ttext)
#define TOUCH_START	0x40400000
#define TOUCH_END	0x40c00000
#define FLASH_START	0x00000000
#define UART_DR		0x09000000	// PL011 data register

	.text
	.globl	_start
_start:
#ifndef RAM_ONLY
	mov	x1, #FLASH_START
	ldr	w2, [x1]		// a read-only slot: r-- at IPA 0
#endif
	ldr	x1, =TOUCH_START
	ldr	x3, =TOUCH_END
1:	str	x1, [x1]		// touch the page
	add	x1, x1, #4096
	cmp	x1, x3
	b.lo	1b

	ldr	x1, =UART_DR
	adr	x4, ready
2:	ldrb	w2, [x4], #1
	cbz	w2, 3f
	str	w2, [x1]		// one character
	b	2b

3:	wfi
	b	3b

ready:	.asciz	"s2view-guest: ready\n"
	.balign	8
