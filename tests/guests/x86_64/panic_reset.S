/* SPDX-License-Identifier: MIT */
/*
 * panic_reset: long-mode guest (no PVH note) that prints a Linux-style panic
 * banner and then resets the machine through the i8042 (outb 0xfe -> 0x64), as
 * a Linux kernel started with panic=-1 does. smolvm must report a crash
 * (status 1) with the last console lines, not a clean reboot.
 */
#include "guest.h"

	.text
	.code64
	.globl	_start
_start:
	lea	stack_top(%rip), %rsp	/* RSP is undefined on entry */
	lea	msg(%rip), %rsi
	call	uart_puts
	mov	$0xfe, %al
	out	%al, $0x64		/* pulse the reset line */
1:	cli
	hlt
	jmp	1b

	.section .rodata
msg:	.ascii	"last words before the panic\n"
	.asciz	"Kernel panic - not syncing: smolvm test guest\n"
