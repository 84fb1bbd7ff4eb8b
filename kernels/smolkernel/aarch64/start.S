/* SPDX-License-Identifier: MIT */
/*
 * smolkernel entry for aarch64. The first 64 bytes are the arm64 Linux Image
 * header (Documentation/arch/arm64/booting.rst), so build/.../smolkernel.bin
 * boots as an "Image"; the ELF is entered at the same _start. Entered at EL1
 * (or EL2) with the MMU off and x0 = the DTB's physical address. Only
 * PC-relative addressing is used before kmain, so any 4 KiB-aligned load
 * address works, though the link address is RAM base 0x40000000 + 0x80000.
 */
#include "psci.h"

	.section .text.head, "ax"
	.globl	_start
_start:
	b	primary_entry		/* code0: branch to the real start */
	.long	0			/* code1 */
	.quad	0x80000			/* text_offset: load at RAM base + 512 KiB */
	.quad	__image_size		/* image_size, bss included (linker.ld) */
	.quad	0x2			/* flags: LE, 4K pages, 2 MiB-aligned base not required */
	.quad	0			/* res2 */
	.quad	0			/* res3 */
	.quad	0			/* res4 */
	.ascii	"ARM\x64"		/* magic, 0x644d5241 little-endian */
	.long	0			/* res5: no PE header */

	.text
primary_entry:
	mov	x19, x0			/* the DTB address, for kmain */

	/* Mask everything (it is on entry per the boot protocol, but be sure). */
	msr	daifset, #0xf

	adrp	x0, __stack_top
	add	x0, x0, :lo12:__stack_top
	mov	sp, x0

	/* Zero .bss (8-byte aligned at both ends, see linker.ld). */
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:
	mov	x0, x19
	bl	kmain

	/* kmain returned: power off; if PSCI is missing or returns, idle. */
	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
3:	wfi
	b	3b

	/* The boot stack, in .bss: zeroed with it, and counted in image_size. */
	.section .bss, "aw", %nobits
	.balign	16
	.space	16384
__stack_top:
