/* SPDX-License-Identifier: MIT */
/*
 * exit_loop_pvh / exit_loop0_pvh: VM-exit benchmark. A PVH guest (32-bit
 * entry) that executes EXIT_LOOP_COUNT `out %al, $0x80` instructions --
 * port 0x80 is claimed by no device, so each one is a plain PIO exit --
 * then prints "exit loop done" and exits with 0x10 (status 33).
 * Built twice: EXIT_LOOP_COUNT=200000 (exit_loop_pvh.elf) and 0
 * (exit_loop0_pvh.elf), so a benchmark can subtract boot and teardown cost.
 */
#include "guest.h"

#ifndef EXIT_LOOP_COUNT
#error "build with -DEXIT_LOOP_COUNT=<iterations>"
#endif

	PVH_NOTE _start

	.text
	.code32
	.globl	_start
_start:
	mov	$stack_top, %esp	/* PVH provides no stack */
	mov	$EXIT_LOOP_COUNT, %ecx
	xor	%eax, %eax
	test	%ecx, %ecx
	jz	2f
1:	out	%al, $0x80
	dec	%ecx
	jnz	1b
2:	mov	$msg, %esi
	call	uart_puts
	mov	$DEBUG_EXIT_SUCCESS, %eax
	jmp	debug_exit

	.section .rodata
msg:	.asciz	"exit loop done\n"
