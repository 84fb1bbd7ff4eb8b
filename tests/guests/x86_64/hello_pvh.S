/* SPDX-License-Identifier: MIT */
/*
 * hello_pvh: the smallest PVH guest. Entered through the Xen PHYS32_ENTRY
 * note in 32-bit protected mode (paging off), it prints
 * "Hello from a PVH guest" on COM1 and exits via debug-exit with 0x10
 * (exit status 33). Also boots under
 *   qemu-system-x86_64 -M microvm,accel=kvm -nodefaults -no-user-config \
 *     -nographic -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
 *     -kernel build/guests/x86_64/hello_pvh.elf
 */
#include "guest.h"

	PVH_NOTE _start

	.text
	.code32
	.globl	_start
_start:
	mov	$stack_top, %esp	/* PVH provides no stack */
	mov	$msg, %esi
	call	uart_puts
	mov	$DEBUG_EXIT_SUCCESS, %eax
	jmp	debug_exit

	.section .rodata
msg:	.asciz	"Hello from a PVH guest\n"
