/* SPDX-License-Identifier: MIT */
/*
 * Shared definitions for the x86_64 test guests (included by the .S files
 * through the C preprocessor).
 */
#ifndef GUEST_H
#define GUEST_H

/* COM1 16550A UART */
#define COM1_THR		0x3f8	/* transmit holding register (write) */
#define COM1_RBR		0x3f8	/* receive buffer register (read) */
#define COM1_LSR		0x3fd	/* line status register */
#define LSR_DR			0x01	/* a received byte is waiting in RBR */
#define LSR_THRE		0x20	/* THR empty: ready for the next byte */

/* isa-debug-exit: outl V ends the VM with exit status (V << 1) | 1. */
#define DEBUG_EXIT_PORT		0xf4
#define DEBUG_EXIT_SUCCESS	0x10	/* exit status 33 */
#define DEBUG_EXIT_FAILURE	0x11	/* exit status 35 */

#define XEN_ELFNOTE_PHYS32_ENTRY 18

/*
 * PVH_NOTE entry: emits the Xen PHYS32_ENTRY note that makes a VMM start
 * the guest at @entry in 32-bit protected mode (paging off, EBX pointing
 * at hvm_start_info, no stack).
 *
 * QEMU pitfalls (checked against QEMU 7.2, hw/i386/x86.c,
 * read_pvh_start_addr() and get_elf_note_type()):
 *  - The note must sit in a PT_NOTE program header, and QEMU pads the note
 *    name to that header's p_align rather than to 4 bytes. Keep the note
 *    section 4-byte aligned (p_align = 4); with p_align = 8 QEMU would look
 *    for the entry address at the wrong offset.
 *  - For ELF64 files QEMU reads the descriptor as a host size_t (8 bytes),
 *    even though n_descsz is 4. The value only reaches the firmware through
 *    a 32-bit fw_cfg entry, so the upper half is dropped and a 4-byte
 *    descriptor (as the PVH ABI specifies) works. Newer QEMU reads 4 bytes.
 *  - The entry point must be a physical address below 4 GiB: QEMU loads
 *    PT_LOAD segments at p_paddr and the firmware jumps there in 32-bit mode.
 */
#ifdef __ASSEMBLER__
.macro PVH_NOTE entry
	.pushsection .note.Xen, "a", @note
	.balign	4
	.long	.Lpvh_name_end\@ - .Lpvh_name\@		/* n_namesz */
	.long	.Lpvh_desc_end\@ - .Lpvh_desc\@		/* n_descsz */
	.long	XEN_ELFNOTE_PHYS32_ENTRY		/* n_type */
.Lpvh_name\@:
	.asciz	"Xen"
.Lpvh_name_end\@:
	.balign	4
.Lpvh_desc\@:
	.long	\entry
.Lpvh_desc_end\@:
	.balign	4
	.popsection
.endm

	/* No executable stack (also keeps ld from warning about it). */
	.pushsection .note.GNU-stack, "", @progbits
	.popsection
#endif

#endif
