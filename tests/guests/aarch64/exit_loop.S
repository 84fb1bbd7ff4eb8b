/* SPDX-License-Identifier: MIT */
/*
 * exit_loop / exit_loop0: EXIT_LOOP_COUNT (200000 / 0, from guests.mk)
 * 32-bit writes to the unclaimed MMIO address 0x0a100000 -- one VM exit
 * each, for the per-exit benchmark -- then prints "exit loop done" and
 * PSCI SYSTEM_OFF.
 *
 * A VMM may ignore such writes (smolvm) or inject an external abort (QEMU
 * does for unassigned addresses). The vector table below makes the loop
 * work either way: a synchronous data abort from EL1 skips the faulting
 * store; any other exception prints "unexpected exception" and powers off.
 */
#include "guest.h"

#ifndef EXIT_LOOP_COUNT
#error "EXIT_LOOP_COUNT must be defined"
#endif

#define EXIT_LOOP_ADDR	0x0a100000
#define ESR_EC_SHIFT	26
#define ESR_EC_DABT_CUR	0x25	/* data abort taken without a change in EL */

	.text
	.globl	_start
_start:
	adr	x0, vectors
	msr	vbar_el1, x0
	isb

	mov32	w3, EXIT_LOOP_COUNT
	mov32	w1, EXIT_LOOP_ADDR
	cbz	w3, 2f
1:	str	w3, [x1]
	subs	w3, w3, #1
	b.ne	1b
2:	adr	x0, msg_done
	bl	uart_puts
	b	psci_system_off

	/* Two entries are used: sync from EL1 with SP_EL0 or SP_EL1. */
	.balign	2048
vectors:
	b	sync_handler		/* 0x000: current EL, SP_EL0, sync */
	.balign	0x80
	b	unexpected		/* 0x080: IRQ */
	.balign	0x80
	b	unexpected		/* 0x100: FIQ */
	.balign	0x80
	b	unexpected		/* 0x180: SError */
	.balign	0x80
	b	sync_handler		/* 0x200: current EL, SP_ELx, sync */
	.balign	0x80
	b	unexpected
	.balign	0x80
	b	unexpected
	.balign	0x80
	b	unexpected
	.balign	0x80
	b	unexpected		/* 0x400..0x780: lower EL, never taken */
	.balign	0x80

sync_handler:
	mrs	x9, esr_el1
	lsr	x9, x9, #ESR_EC_SHIFT
	and	x9, x9, #0x3f
	cmp	x9, #ESR_EC_DABT_CUR
	b.ne	unexpected
	mrs	x9, elr_el1
	add	x9, x9, #4		/* skip the str (A64: always 4 bytes) */
	msr	elr_el1, x9
	eret

unexpected:
	adr	x0, msg_unexpected
	bl	uart_puts
	b	psci_system_off

	.section .rodata
msg_done:	.asciz	"exit loop done\n"
msg_unexpected:	.asciz	"unexpected exception\n"
