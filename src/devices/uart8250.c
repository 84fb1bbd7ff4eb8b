// SPDX-License-Identifier: MIT
/* uart8250.c: 16550A UART model (register file, interrupts, loopback).
 * Transmission is instantaneous: a byte written to THR goes to the console at once, so
 * THRE and TEMT always read as set and no output sits in a buffer when smolvm exits. */
#include "devices/uart8250.h"

#include <pthread.h>
#include <stdlib.h>

#include "console.h"

#define LOOP_FIFO 16

struct uart8250 {
	pthread_mutex_t lock;
	struct console *con;
	void (*set_irq)(void *ctx, bool level);
	void *irq_ctx;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thr_int; /* THRE interrupt pending (cleared by IIR read or THR write) */
	bool irq_level;
	/* In loopback mode transmitted bytes come back here instead of going to the console. */
	uint8_t loop_fifo[LOOP_FIFO];
	unsigned loop_head, loop_tail;
};

struct uart8250 *uart8250_create(struct console *con, void (*set_irq)(void *ctx, bool level),
				 void *irq_ctx)
{
	struct uart8250 *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	pthread_mutex_init(&u->lock, NULL);
	u->con = con;
	u->set_irq = set_irq;
	u->irq_ctx = irq_ctx;
	u->dll = 0x0c; /* 9600 baud, the firmware default */
	u->lcr = 0x03; /* 8N1 */
	u->mcr = UART8250_MCR_OUT2;
	return u;
}

void uart8250_destroy(void *opaque)
{
	struct uart8250 *u = opaque;

	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u);
}

static bool loopback(const struct uart8250 *u)
{
	return u->mcr & UART8250_MCR_LOOP;
}

static bool rx_ready(struct uart8250 *u)
{
	if (loopback(u))
		return u->loop_head != u->loop_tail;
	return u->con && console_has_input(u->con);
}

/* Highest-priority pending interrupt, as IIR reports it. */
static uint8_t pending_iir(struct uart8250 *u)
{
	if ((u->ier & UART8250_IER_RDI) && rx_ready(u))
		return UART8250_IIR_RDI;
	if ((u->ier & UART8250_IER_THRI) && u->thr_int)
		return UART8250_IIR_THRI;
	return UART8250_IIR_NO_INT;
}

/* The one place the IRQ level is computed. */
static void update_irq(struct uart8250 *u)
{
	bool level = pending_iir(u) != UART8250_IIR_NO_INT;

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->set_irq)
			u->set_irq(u->irq_ctx, level);
	}
}

static uint8_t read_rbr(struct uart8250 *u)
{
	int c;

	if (loopback(u)) {
		if (u->loop_head == u->loop_tail)
			return 0;
		return u->loop_fifo[u->loop_tail++ % LOOP_FIFO];
	}
	c = u->con ? console_read_byte(u->con) : -1;
	return c < 0 ? 0 : (uint8_t)c;
}

static void write_thr(struct uart8250 *u, uint8_t byte)
{
	if (loopback(u)) {
		if (u->loop_head - u->loop_tail < LOOP_FIFO)
			u->loop_fifo[u->loop_head++ % LOOP_FIFO] = byte;
	} else if (u->con) {
		console_write(u->con, &byte, 1);
	}
	/* Sent at once: the holding register is empty again. */
	u->thr_int = true;
}

static uint8_t read_msr(const struct uart8250 *u)
{
	uint8_t m = u->mcr;

	if (!loopback(u))
		return UART8250_MSR_DCD | UART8250_MSR_DSR | UART8250_MSR_CTS;
	/* Loopback wires the modem outputs to the inputs (DTR->DSR, RTS->CTS, OUT1->RI,
	 * OUT2->DCD); Linux's probe checks this. */
	return (uint8_t)(((m & UART8250_MCR_DTR) ? UART8250_MSR_DSR : 0) |
			 ((m & UART8250_MCR_RTS) ? UART8250_MSR_CTS : 0) |
			 ((m & UART8250_MCR_OUT1) ? UART8250_MSR_RI : 0) |
			 ((m & UART8250_MCR_OUT2) ? UART8250_MSR_DCD : 0));
}

static uint64_t uart8250_read(void *opaque, uint64_t offset, unsigned size)
{
	struct uart8250 *u = opaque;
	uint8_t v = 0xff;
	bool dlab;

	(void)size;
	pthread_mutex_lock(&u->lock);
	dlab = u->lcr & UART8250_LCR_DLAB;
	switch (offset) {
	case UART8250_RBR_THR:
		v = dlab ? u->dll : read_rbr(u);
		break;
	case UART8250_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART8250_IIR_FCR:
		v = pending_iir(u);
		/* Reading IIR while it reports THRE acknowledges that interrupt. */
		if (v == UART8250_IIR_THRI)
			u->thr_int = false;
		if (u->fcr & UART8250_FCR_ENABLE)
			v |= UART8250_IIR_FIFO;
		break;
	case UART8250_LCR:
		v = u->lcr;
		break;
	case UART8250_MCR:
		v = u->mcr;
		break;
	case UART8250_LSR:
		v = UART8250_LSR_THRE | UART8250_LSR_TEMT | (rx_ready(u) ? UART8250_LSR_DR : 0);
		break;
	case UART8250_MSR:
		v = read_msr(u);
		break;
	case UART8250_SCR:
		v = u->scr;
		break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return v;
}

static void uart8250_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct uart8250 *u = opaque;
	uint8_t v = (uint8_t)value;
	bool dlab;

	(void)size;
	pthread_mutex_lock(&u->lock);
	dlab = u->lcr & UART8250_LCR_DLAB;
	switch (offset) {
	case UART8250_RBR_THR:
		if (dlab)
			u->dll = v;
		else
			write_thr(u, v);
		break;
	case UART8250_IER:
		if (dlab) {
			u->dlm = v;
		} else {
			/* Enabling THRI with an empty holding register raises it at once. */
			if (!(u->ier & UART8250_IER_THRI) && (v & UART8250_IER_THRI))
				u->thr_int = true;
			u->ier = v & 0x0f;
		}
		break;
	case UART8250_IIR_FCR:
		if (v & UART8250_FCR_CLEAR_RX)
			u->loop_head = u->loop_tail = 0;
		u->fcr = v & 0xc9; /* trigger level, DMA mode and enable are what reads back */
		break;
	case UART8250_LCR:
		u->lcr = v;
		break;
	case UART8250_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART8250_LSR:
	case UART8250_MSR:
		break; /* read-only on a real 16550A */
	case UART8250_SCR:
		u->scr = v;
		break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

void uart8250_input_ready(void *opaque)
{
	struct uart8250 *u = opaque;

	pthread_mutex_lock(&u->lock);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

const struct io_ops uart8250_io_ops = {
	.read = uart8250_read,
	.write = uart8250_write,
	.min_size = 1,
	.max_size = 1,
};
