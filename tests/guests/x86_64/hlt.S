/* SPDX-License-Identifier: MIT */
/*
 * hlt: long-mode guest (no PVH note) that prints "halting" and executes
 * hlt with interrupts disabled. Nothing can wake it, so smolvm treats this
 * as a clean shutdown (exit status 0). Under a VMM that keeps halted vCPUs
 * around it simply never finishes.
 */
#include "guest.h"

	.text
	.code64
	.globl	_start
_start:
	lea	stack_top(%rip), %rsp	/* RSP is undefined on entry */
	lea	msg(%rip), %rsi
	call	uart_puts
1:	cli
	hlt
	jmp	1b			/* in case the VMM resumes us anyway */

	.section .rodata
msg:	.asciz	"halting\n"
