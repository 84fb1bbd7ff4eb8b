/* SPDX-License-Identifier: MIT */
/*
 * stdin_echo: long-mode guest (no PVH note) for testing UART input. Prints
 * "echo: ", then copies every byte received on COM1 (polling LSR.DR) back to
 * COM1 until the first 'q', which is not echoed; then exits with 0x10
 * (status 33). Input "hello\nq" thus produces "echo: hello\n".
 */
#include "guest.h"

	.text
	.code64
	.globl	_start
_start:
	lea	stack_top(%rip), %rsp	/* RSP is undefined on entry */
	lea	prefix(%rip), %rsi
	call	uart_puts
1:	call	uart_getc
	cmp	$'q', %al
	je	2f
	call	uart_putc
	jmp	1b
2:	mov	$DEBUG_EXIT_SUCCESS, %eax
	jmp	debug_exit

	.section .rodata
prefix:	.asciz	"echo: "
