/* SPDX-License-Identifier: MIT */
/*
 * mmio_odd: long-mode guest (no PVH note) exercising accesses a VMM has to
 * tolerate.
 *  - 1-, 2-, 4- and 8-byte reads of unclaimed MMIO at 0xd0000000 must all
 *    return all ones; then 1/2/4/8-byte writes there, which must be ignored.
 *  - A 16-bit outw to the UART data port 0x3f8 and a 16-bit inw from the
 *    line status port 0x3fd. The outw value is 0x000a: a VMM that splits it
 *    into bytes writes '\n' to THR and 0 to IER, so the worst visible effect
 *    is an empty line before the result.
 * Prints "mmio reads all-ones: ok" and exits with 0x10 (status 33), or
 * "mmio reads all-ones: FAIL size N" for the first bad read and exits with
 * 0x11 (status 35).
 */
#include "guest.h"

#define MMIO_UNCLAIMED	0xd0000000

	.text
	.code64
	.globl	_start
_start:
	lea	stack_top(%rip), %rsp	/* RSP is undefined on entry */

	/* 32-bit mov zero-extends; an imm32 address would sign-extend. */
	mov	$MMIO_UNCLAIMED, %ebx

	/* Clear RAX before each read so a read that stores nothing fails. */
	mov	$1, %r12d
	xor	%eax, %eax
	movb	(%rbx), %al
	cmp	$0xff, %al
	jne	fail

	mov	$2, %r12d
	xor	%eax, %eax
	movw	(%rbx), %ax
	cmp	$0xffff, %ax
	jne	fail

	mov	$4, %r12d
	xor	%eax, %eax
	movl	(%rbx), %eax
	cmp	$0xffffffff, %eax
	jne	fail

	mov	$8, %r12d
	xor	%eax, %eax
	movq	(%rbx), %rax
	cmp	$-1, %rax		/* sign-extended: all 64 bits set */
	jne	fail

	movb	$0x11, (%rbx)
	movw	$0x2222, (%rbx)
	movl	$0x33333333, (%rbx)
	movabs	$0x4444444444444444, %rax
	movq	%rax, (%rbx)

	mov	$COM1_THR, %dx
	mov	$0x000a, %ax
	outw	%ax, %dx
	mov	$COM1_LSR, %dx
	inw	%dx, %ax

	lea	ok_msg(%rip), %rsi
	call	uart_puts
	mov	$DEBUG_EXIT_SUCCESS, %eax
	jmp	debug_exit

fail:
	lea	fail_msg(%rip), %rsi
	call	uart_puts
	mov	%r12b, %al
	add	$'0', %al
	call	uart_putc
	mov	$'\n', %al
	call	uart_putc
	mov	$DEBUG_EXIT_FAILURE, %eax
	jmp	debug_exit

	.section .rodata
ok_msg:		.asciz	"mmio reads all-ones: ok\n"
fail_msg:	.asciz	"mmio reads all-ones: FAIL size "
