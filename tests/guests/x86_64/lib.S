/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the test guests: polled COM1 I/O, debug exit and a
 * stack. The code uses no operand-size-specific registers, so the same
 * source is assembled twice: with -DGUEST_BITS=32 for PVH guests (entered
 * in 32-bit protected mode) and -DGUEST_BITS=64 for long-mode guests.
 *
 * Calling convention (register based, no stack arguments):
 *   uart_putc   AL = byte                  clobbers AH, DX
 *   uart_puts   (E/R)SI = NUL-terminated   clobbers AX, DX, (E/R)SI
 *   uart_getc   returns byte in AL         clobbers DX
 *   debug_exit  EAX = exit value           does not return
 *   stack_top   initial stack pointer (16-byte aligned, 16 KiB below it)
 */
#include "guest.h"

#if GUEST_BITS == 32
	.code32
#elif GUEST_BITS == 64
	.code64
#else
#error "GUEST_BITS must be 32 or 64"
#endif

	.text

	.globl	uart_putc
	.type	uart_putc, @function
uart_putc:
	mov	%al, %ah
	mov	$COM1_LSR, %dx
1:	in	%dx, %al
	test	$LSR_THRE, %al
	jz	1b
	mov	%ah, %al
	mov	$COM1_THR, %dx
	out	%al, %dx
	ret
	.size	uart_putc, . - uart_putc

	.globl	uart_puts
	.type	uart_puts, @function
uart_puts:
1:	lodsb
	test	%al, %al
	jz	2f
	call	uart_putc
	jmp	1b
2:	ret
	.size	uart_puts, . - uart_puts

	.globl	uart_getc
	.type	uart_getc, @function
uart_getc:
	mov	$COM1_LSR, %dx
1:	in	%dx, %al
	test	$LSR_DR, %al
	jz	1b
	mov	$COM1_RBR, %dx
	in	%dx, %al
	ret
	.size	uart_getc, . - uart_getc

	.globl	debug_exit
	.type	debug_exit, @function
debug_exit:
	mov	$DEBUG_EXIT_PORT, %dx
	out	%eax, %dx
	/* Only reached without a debug-exit device: park the CPU. */
1:	cli
	hlt
	jmp	1b
	.size	debug_exit, . - debug_exit

	.bss
	.balign	16
	.skip	16384
	.globl	stack_top
stack_top:
