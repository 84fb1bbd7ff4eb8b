/* SPDX-License-Identifier: MIT */
/* Polled output on the PL011 UART at 0x09000000 (QEMU virt, smolvm). */
#ifndef SMOLKERNEL_PL011_H
#define SMOLKERNEL_PL011_H

#include <stdint.h>

#define PL011_BASE 0x09000000UL

#define PL011_DR	0x000
#define PL011_FR	0x018
#define PL011_FR_TXFF	(1u << 5)
#define PL011_FR_RXFE	(1u << 4)
#define PL011_PERIPHID0 0xfe0 /* PeriphID0..3, then CellID0..3, 4 bytes apart */

void pl011_putc(char c);
void pl011_puts(const char *s);
/* Prints "0x" followed by exactly @digits lowercase hex digits of @v. */
void pl011_puthex(uint64_t v, unsigned int digits);
/* PeriphID0..3 then CellID0..3 (low byte of each) as one 64-bit number. */
uint64_t pl011_id(void);

#endif
