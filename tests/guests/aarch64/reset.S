/* SPDX-License-Identifier: MIT */
/*
 * reset: prints "resetting", then PSCI SYSTEM_RESET, which smolvm treats as
 * a clean exit (like a guest reboot).
 */
#include "guest.h"

	.text
	.globl	_start
_start:
	adr	x0, msg
	bl	uart_puts
	b	psci_system_reset

	.section .rodata
msg:	.asciz	"resetting\n"
