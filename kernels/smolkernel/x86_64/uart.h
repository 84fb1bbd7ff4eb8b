/* SPDX-License-Identifier: MIT */
/* Polled output on the COM1 16550A UART. */
#ifndef SMOLKERNEL_UART_H
#define SMOLKERNEL_UART_H

#include <stdint.h>

void uart_putc(char c);
void uart_puts(const char *s);
/* Prints "0x" followed by exactly @digits lowercase hex digits of @v. */
void uart_puthex(uint64_t v, unsigned int digits);

#endif
