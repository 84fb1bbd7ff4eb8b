/* SPDX-License-Identifier: MIT */
/* pl011.h: ARM PrimeCell PL011 UART model (the arm variant QEMU's virt machine has).
 * Region: 4 KiB of 32-bit registers, 1-, 2- and 4-byte accesses. IRQ: one level line
 * through @set_irq, high while (RIS & IMSC) != 0. Host side: a struct console. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"

struct console;
struct devmgr;
struct pl011;

#define PL011_REGION_SIZE 0x1000

/* A UART at MMIO @base with interrupt @irq, on the manager's console and in its device
 * tree (pl011_amba.c). Returns 0 or -errno. */
int pl011_amba_add(struct devmgr *dm, uint64_t base, unsigned irq);

/* @set_irq may be NULL (polled use). It is called with the UART lock held, so it must not
 * call back into the UART. */
struct pl011 *pl011_create(struct console *con, void (*set_irq)(void *ctx, bool level),
			   void *irq_ctx);
void pl011_destroy(void *uart);

/* Bus callbacks (opaque = struct pl011 *). */
extern const struct io_ops pl011_io_ops;

/* Tells the UART that console input arrived (recomputes the receive interrupts); a
 * console_add_input_listener() callback. */
void pl011_input_ready(void *uart);

/* Register offsets. */
enum pl011_reg {
	PL011_DR = 0x000,    /* data: read pops the receive FIFO, write transmits */
	PL011_RSR = 0x004,   /* receive status (read) / error clear (write) */
	PL011_FR = 0x018,    /* flags */
	PL011_ILPR = 0x020,  /* IrDA low-power counter */
	PL011_IBRD = 0x024,  /* integer baud rate divisor */
	PL011_FBRD = 0x028,  /* fractional baud rate divisor */
	PL011_LCR_H = 0x02c, /* line control */
	PL011_CR = 0x030,    /* control */
	PL011_IFLS = 0x034,  /* interrupt FIFO level select */
	PL011_IMSC = 0x038,  /* interrupt mask set/clear (1 = enabled) */
	PL011_RIS = 0x03c,   /* raw interrupt status */
	PL011_MIS = 0x040,   /* masked interrupt status */
	PL011_ICR = 0x044,   /* interrupt clear (write 1 to clear) */
	PL011_DMACR = 0x048, /* DMA control */
	PL011_PERIPH_ID0 = 0xfe0,
	PL011_CELL_ID0 = 0xff0,
};

#define PL011_FR_CTS  0x001
#define PL011_FR_DSR  0x002
#define PL011_FR_DCD  0x004
#define PL011_FR_BUSY 0x008
#define PL011_FR_RXFE 0x010 /* receive FIFO empty */
#define PL011_FR_TXFF 0x020 /* transmit FIFO full */
#define PL011_FR_RXFF 0x040 /* receive FIFO full */
#define PL011_FR_TXFE 0x080 /* transmit FIFO empty */
#define PL011_FR_RI   0x100

#define PL011_LCR_H_FEN 0x10 /* FIFOs enabled */

#define PL011_CR_UARTEN 0x0001
#define PL011_CR_LBE	0x0080 /* loopback */
#define PL011_CR_TXE	0x0100
#define PL011_CR_RXE	0x0200
#define PL011_CR_DTR	0x0400
#define PL011_CR_RTS	0x0800
#define PL011_CR_OUT1	0x1000
#define PL011_CR_OUT2	0x2000

/* Interrupt bits, the same in IMSC, RIS, MIS and ICR. */
#define PL011_INT_RI  0x001
#define PL011_INT_CTS 0x002
#define PL011_INT_DCD 0x004
#define PL011_INT_DSR 0x008
#define PL011_INT_RX  0x010 /* receive */
#define PL011_INT_TX  0x020 /* transmit */
#define PL011_INT_RT  0x040 /* receive timeout */
#define PL011_INT_FE  0x080
#define PL011_INT_PE  0x100
#define PL011_INT_BE  0x200
#define PL011_INT_OE  0x400
#define PL011_INT_ALL 0x7ff
