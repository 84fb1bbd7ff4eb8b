/* SPDX-License-Identifier: MIT */
/* uart8250.h: 16550A UART model, independent of the bus it sits on.
 * Region: 8 byte-wide registers. IRQ: one level line through @set_irq.
 * Host side: a struct console (output as bytes arrive, input from its ring). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"

struct console;
struct devmgr;
struct uart8250;

/* A UART at I/O ports @port..+7 with ISA interrupt @irq, on the manager's console and in
 * its DSDT (uart8250_isa.c). Returns 0 or -errno. */
int uart8250_isa_add(struct devmgr *dm, uint16_t port, unsigned irq);

/* @set_irq may be NULL (polled use). It is called with the UART lock held, so it must not
 * call back into the UART. */
struct uart8250 *uart8250_create(struct console *con, void (*set_irq)(void *ctx, bool level),
				 void *irq_ctx);
void uart8250_destroy(void *uart);

/* Bus callbacks (opaque = struct uart8250 *); only 1-byte accesses are accepted. */
extern const struct io_ops uart8250_io_ops;

/* Tells the UART that console input arrived (recomputes the receive interrupt). */
void uart8250_input_ready(void *uart);

/* Register offsets (DLAB=0 meanings first). */
enum uart8250_reg {
	UART8250_RBR_THR = 0, /* receive buffer / transmit holding; DLL with DLAB */
	UART8250_IER = 1,     /* interrupt enable; DLM with DLAB */
	UART8250_IIR_FCR = 2, /* interrupt identification (read) / FIFO control (write) */
	UART8250_LCR = 3,     /* line control; bit 7 = DLAB */
	UART8250_MCR = 4,     /* modem control */
	UART8250_LSR = 5,     /* line status */
	UART8250_MSR = 6,     /* modem status */
	UART8250_SCR = 7,     /* scratch */
};

#define UART8250_IER_RDI  0x01 /* received data available */
#define UART8250_IER_THRI 0x02 /* transmit holding register empty */
#define UART8250_IER_RLSI 0x04 /* receiver line status */
#define UART8250_IER_MSI  0x08 /* modem status */

#define UART8250_IIR_NO_INT 0x01
#define UART8250_IIR_MSI    0x00
#define UART8250_IIR_THRI   0x02
#define UART8250_IIR_RDI    0x04
#define UART8250_IIR_RLSI   0x06
#define UART8250_IIR_FIFO   0xc0 /* both bits set: 16550A with FIFOs enabled */

#define UART8250_FCR_ENABLE   0x01
#define UART8250_FCR_CLEAR_RX 0x02
#define UART8250_FCR_CLEAR_TX 0x04

#define UART8250_LCR_DLAB 0x80

#define UART8250_MCR_DTR  0x01
#define UART8250_MCR_RTS  0x02
#define UART8250_MCR_OUT1 0x04
#define UART8250_MCR_OUT2 0x08
#define UART8250_MCR_LOOP 0x10

#define UART8250_LSR_DR	  0x01 /* data ready */
#define UART8250_LSR_OE	  0x02 /* overrun */
#define UART8250_LSR_THRE 0x20 /* transmit holding register empty */
#define UART8250_LSR_TEMT 0x40 /* transmitter empty */

#define UART8250_MSR_CTS 0x10
#define UART8250_MSR_DSR 0x20
#define UART8250_MSR_RI	 0x40
#define UART8250_MSR_DCD 0x80
