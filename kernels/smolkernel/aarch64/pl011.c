/* SPDX-License-Identifier: MIT */
/*
 * PL011 output by polling. No init sequence: virtual PL011s (smolvm, QEMU)
 * ignore baud rate and line settings, and interrupts stay off. Newlines are
 * sent as-is (no CR), like the x86_64 smolkernel's COM1 output.
 */
#include "pl011.h"
#include "sysreg.h"

void pl011_putc(char c)
{
	while (mmio_read32(PL011_BASE + PL011_FR) & PL011_FR_TXFF)
		;
	mmio_write32(PL011_BASE + PL011_DR, (uint8_t)c);
}

void pl011_puts(const char *s)
{
	while (*s)
		pl011_putc(*s++);
}

void pl011_puthex(uint64_t v, unsigned int digits)
{
	static const char hex[] = "0123456789abcdef";

	pl011_puts("0x");
	while (digits--)
		pl011_putc(hex[(v >> (4 * digits)) & 0xf]);
}

uint64_t pl011_id(void)
{
	uint64_t id = 0;

	for (unsigned int i = 0; i < 8; i++)
		id = (id << 8) | (mmio_read32(PL011_BASE + PL011_PERIPHID0 + 4 * i) & 0xff);
	return id;
}
