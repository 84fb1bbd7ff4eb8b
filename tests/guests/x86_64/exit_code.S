/* SPDX-License-Identifier: MIT */
/*
 * exit_code: long-mode guest (no PVH note) that prints "exiting with 0x2a"
 * and writes 0x2a to the debug-exit port, so the VMM must exit with status
 * (0x2a << 1) | 1 = 85.
 */
#include "guest.h"

#define EXIT_VALUE	0x2a

	.text
	.code64
	.globl	_start
_start:
	lea	stack_top(%rip), %rsp	/* RSP is undefined on entry */
	lea	msg(%rip), %rsi
	call	uart_puts
	mov	$EXIT_VALUE, %eax
	jmp	debug_exit

	.section .rodata
msg:	.asciz	"exiting with 0x2a\n"
