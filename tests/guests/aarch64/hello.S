/* SPDX-License-Identifier: MIT */
/* hello: prints "Hello, aarch64 guest!" on the PL011, then PSCI SYSTEM_OFF. */
#include "guest.h"

	.text
	.globl	_start
_start:
	adr	x0, msg
	bl	uart_puts
	b	psci_system_off

	.section .rodata
msg:	.asciz	"Hello, aarch64 guest!\n"
