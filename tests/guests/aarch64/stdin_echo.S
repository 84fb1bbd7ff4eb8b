/* SPDX-License-Identifier: MIT */
/*
 * stdin_echo: prints "ready", then copies every byte received on the PL011
 * (polling FR.RXFE) back to it until the first 'q', which is not echoed;
 * then prints "bye" and PSCI SYSTEM_OFF. Input "hello\nq" thus produces
 * "ready\nhello\nbye\n".
 */
#include "guest.h"

	.text
	.globl	_start
_start:
	adr	x0, msg_ready
	bl	uart_puts
1:	bl	uart_getc
	cmp	w0, #'q'
	b.eq	2f
	bl	uart_putc
	b	1b
2:	adr	x0, msg_bye
	bl	uart_puts
	b	psci_system_off

	.section .rodata
msg_ready:	.asciz	"ready\n"
msg_bye:	.asciz	"bye\n"
