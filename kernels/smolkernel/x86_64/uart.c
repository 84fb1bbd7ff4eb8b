/* SPDX-License-Identifier: MIT */
/*
 * COM1 output by polling. No init sequence: virtual 16550s (smolvm, QEMU)
 * ignore baud rate and line settings, and interrupts stay off.
 */
#include "uart.h"
#include "io.h"

#define COM1_BASE 0x3f8
#define UART_THR  0    /* transmit holding register (write) */
#define UART_LSR  5    /* line status register */
#define LSR_THRE  0x20 /* THR empty: ready for the next byte */

void uart_putc(char c)
{
	while (!(inb(COM1_BASE + UART_LSR) & LSR_THRE))
		;
	outb(COM1_BASE + UART_THR, (uint8_t)c);
}

void uart_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

void uart_puthex(uint64_t v, unsigned int digits)
{
	static const char hex[] = "0123456789abcdef";

	uart_puts("0x");
	while (digits--)
		uart_putc(hex[(v >> (digits * 4)) & 0xf]);
}
