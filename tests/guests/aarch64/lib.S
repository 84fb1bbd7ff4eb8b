/* SPDX-License-Identifier: MIT */
/*
 * Helpers linked into every aarch64 test guest. All are leaf functions that
 * use no stack (guests need not set SP):
 *   uart_putc          w0 = byte                 clobbers x9, x10
 *   uart_puts          x0 = NUL-terminated       clobbers x0, x9-x11
 *   uart_getc          returns the byte in w0    clobbers x9, x10
 *   psci_system_off    does not return (wfi loop if PSCI returns)
 *   psci_system_reset  does not return (wfi loop if PSCI returns)
 * Polled PL011: wait for FR.TXFF clear before writing DR, for FR.RXFE clear
 * before reading it.
 */
#include "guest.h"

	.text

	.globl	uart_putc
	.type	uart_putc, %function
uart_putc:
	mov	x9, #PL011_BASE
1:	ldr	w10, [x9, #PL011_FR]
	tbnz	w10, #PL011_FR_TXFF_BIT, 1b
	str	w0, [x9, #PL011_DR]
	ret
	.size	uart_putc, . - uart_putc

	.globl	uart_puts
	.type	uart_puts, %function
uart_puts:
	mov	x9, #PL011_BASE
1:	ldrb	w11, [x0], #1		/* RAM, not MMIO: writeback is fine */
	cbz	w11, 3f
2:	ldr	w10, [x9, #PL011_FR]
	tbnz	w10, #PL011_FR_TXFF_BIT, 2b
	str	w11, [x9, #PL011_DR]
	b	1b
3:	ret
	.size	uart_puts, . - uart_puts

	.globl	uart_getc
	.type	uart_getc, %function
uart_getc:
	mov	x9, #PL011_BASE
1:	ldr	w10, [x9, #PL011_FR]
	tbnz	w10, #PL011_FR_RXFE_BIT, 1b
	ldr	w0, [x9, #PL011_DR]
	and	w0, w0, #0xff		/* DR bits 11:8 are error flags */
	ret
	.size	uart_getc, . - uart_getc

	.globl	psci_system_off
	.type	psci_system_off, %function
psci_system_off:
	mov32	w0, PSCI_SYSTEM_OFF
	hvc	#0
1:	wfi
	b	1b
	.size	psci_system_off, . - psci_system_off

	.globl	psci_system_reset
	.type	psci_system_reset, %function
psci_system_reset:
	mov32	w0, PSCI_SYSTEM_RESET
	hvc	#0
1:	wfi
	b	1b
	.size	psci_system_reset, . - psci_system_reset
