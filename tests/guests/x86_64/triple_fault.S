/* SPDX-License-Identifier: MIT */
/*
 * triple_fault: long-mode guest (no PVH note) that prints
 * "about to triple fault", loads an IDT with limit 0 and executes ud2.
 * #UD cannot be delivered, nor can the resulting #GP or #DF, so the CPU
 * shuts down (KVM_EXIT_SHUTDOWN). The bytes right before the fault are
 * `mov $0x0badc0de, %eax` (b8 de c0 ad 0b) and the ud2 is at the global
 * symbol triple_fault_ud2, so a VMM's crash report is easy to check.
 */
#include "guest.h"

	.text
	.code64
	.globl	_start
_start:
	lea	stack_top(%rip), %rsp	/* RSP is undefined on entry */
	lea	msg(%rip), %rsi
	call	uart_puts

	lidt	null_idtr(%rip)
	mov	$0x0badc0de, %eax
	.globl	triple_fault_ud2
triple_fault_ud2:
	ud2
	/* Not reached; park the CPU if the VMM somehow resumes it. */
1:	cli
	hlt
	jmp	1b

	.section .rodata
	.balign	16
null_idtr:
	.word	0		/* limit 0: every vector is out of bounds */
	.quad	0		/* base */
msg:	.asciz	"about to triple fault\n"
