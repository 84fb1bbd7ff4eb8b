/* SPDX-License-Identifier: MIT */
/*
 * mmio_nisv: prints "about to fault", then reads the PL011 with a load pair
 * (at the global symbol mmio_nisv_ldp). An ldp to MMIO gives the hypervisor
 * a data abort with no valid instruction syndrome (ESR_EL2.ISV = 0), which
 * KVM reports as KVM_EXIT_ARM_NISV (or fails KVM_RUN): smolvm must report a
 * guest crash with the disassembled ldp. Under QEMU the load just works and
 * the guest spins.
 */
#include "guest.h"

	.text
	.globl	_start
_start:
	adr	x0, msg
	bl	uart_puts
	mov	x2, #PL011_BASE
	.globl	mmio_nisv_ldp
mmio_nisv_ldp:
	ldp	x0, x1, [x2]
1:	b	1b

	.section .rodata
msg:	.asciz	"about to fault\n"
