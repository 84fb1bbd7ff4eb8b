/* SPDX-License-Identifier: MIT */
/*
 * smolkernel entry point. The ELF has no PVH note, so smolvm enters here in
 * 64-bit long mode (paging on, low 4 GiB identity mapped) with interrupts
 * off and RSP undefined: build a stack and a zeroed .bss before any C runs.
 */
	.section .text.start, "ax", @progbits
	.code64
	.globl	_start
	.type	_start, @function
_start:
	cli
	cld				/* the C ABI expects DF = 0 */
	lea	stack_top(%rip), %rsp
	xor	%ebp, %ebp		/* terminate frame-pointer chains */

	/* The loader is not required to zero p_memsz beyond p_filesz. */
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	rep stosb

	call	kmain

	/* kmain only returns if the debug-exit device did not stop the VM. */
1:	cli
	hlt
	jmp	1b
	.size	_start, . - _start

	.section .bss
	.balign	16
stack_bottom:
	.skip	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
