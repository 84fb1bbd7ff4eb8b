/* SPDX-License-Identifier: MIT */
/*
 * triple_fault: long-mode guest (no PVH note) that prints
 * "about to triple fault", loads an IDT of not-present gates and executes ud2.
 * #UD cannot be delivered, nor can the resulting #NP or #DF, so the CPU
 * shuts down (KVM_EXIT_SHUTDOWN): a crash. Built with -DEMPTY_IDT (as
 * triple_fault_reset) it loads an IDT with limit 0 instead: the deliberate
 * reset idiom of Linux's reboot=t, which smolvm treats as a reboot. The bytes right before the fault are
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

#ifdef EMPTY_IDT
	lidt	null_idtr(%rip)
#else
	lidt	bogus_idtr(%rip)
#endif
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
	.balign	16
bogus_idtr:
	.word	0xfff		/* 256 16-byte gates... */
	.quad	bogus_idt	/* ...all zero: not present */
msg:	.asciz	"about to triple fault\n"

	.section .bss
	.balign	4096
bogus_idt:
	.skip	4096
