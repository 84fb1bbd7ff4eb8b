// SPDX-License-Identifier: MIT
/* pl011.c: PL011 UART model (register file, interrupts, loopback).
 * Transmission is instantaneous: a byte written to DR goes to the console at once, so the
 * transmit FIFO always reads as empty and no output sits in a buffer when smolvm exits.
 * The receive FIFO is the console's input ring. */
#include "devices/pl011.h"

#include <pthread.h>
#include <stdlib.h>

#include "console.h"
#include "log.h"

#define LOOP_FIFO 32 /* the PL011 r1p5 FIFO depth */

/* Writable bits of each register (the rest read as zero). */
#define ILPR_MASK  0xffu
#define IBRD_MASK  0xffffu
#define FBRD_MASK  0x3fu
#define LCR_H_MASK 0xffu
#define CR_MASK	   0xff87u /* bits 6:3 are reserved */
#define IFLS_MASK  0x3fu
#define DMACR_MASK 0x7u

/* PeriphID0-3 then CellID0-3: part 0x011, designer ARM, revision r1p5 (the values
 * QEMU's "arm" variant has, which Linux's AMBA bus matches). */
static const uint8_t pl011_id[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

struct pl011 {
	pthread_mutex_t lock;
	struct console *con;
	void (*set_irq)(void *ctx, bool level);
	void *irq_ctx;
	uint32_t ilpr, ibrd, fbrd, lcr_h, cr, ifls, imsc, dmacr;
	bool tx_int; /* TX raw status: latched, cleared by ICR, set by each DR write */
	/* Console input is kept back while a driver sets up its interrupts (see write_reg). */
	bool rx_held;
	bool irq_level;
	/* In loopback mode transmitted bytes come back here instead of going to the console. */
	uint8_t loop_fifo[LOOP_FIFO];
	unsigned loop_head, loop_tail;
};

struct pl011 *pl011_create(struct console *con, void (*set_irq)(void *ctx, bool level),
			   void *irq_ctx)
{
	struct pl011 *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	pthread_mutex_init(&u->lock, NULL);
	u->con = con;
	u->set_irq = set_irq;
	u->irq_ctx = irq_ctx;
	u->cr = PL011_CR_TXE | PL011_CR_RXE;
	u->ifls = 0x12; /* both FIFOs trigger at half full */
	/* The transmitter starts empty, which is what TXIS reports. */
	u->tx_int = true;
	return u;
}

void pl011_destroy(void *opaque)
{
	struct pl011 *u = opaque;

	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u);
}

static bool loopback(const struct pl011 *u)
{
	return u->cr & PL011_CR_LBE;
}

/* Data flows whatever CR.UARTEN/RXE/TXE say: early consoles (Linux earlycon, bare-metal
 * guests) use the UART as firmware would have left it, without enabling it. */
static bool rx_ready(struct pl011 *u)
{
	if (loopback(u))
		return u->loop_head != u->loop_tail;
	return !u->rx_held && u->con && console_has_input(u->con);
}

/* RX and RT follow the receive FIFO's level rather than latching: the guest sees data
 * until it has read all of it, whatever it cleared through ICR. Linux handles both the
 * same way (it reads until RXFE) and relies on RT for input shorter than the trigger
 * level. */
static uint32_t raw_status(struct pl011 *u)
{
	uint32_t ris = u->tx_int ? PL011_INT_TX : 0;

	if (rx_ready(u))
		ris |= PL011_INT_RX | PL011_INT_RT;
	return ris;
}

/* The one place the IRQ level is computed. */
static void update_irq(struct pl011 *u)
{
	bool level = (raw_status(u) & u->imsc) != 0;

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->set_irq)
			u->set_irq(u->irq_ctx, level);
	}
}

static uint32_t read_dr(struct pl011 *u)
{
	int c;

	/* The error bits (11:8) are always clear: nothing is lost on the way in. */
	if (loopback(u)) {
		if (u->loop_head == u->loop_tail)
			return 0;
		return u->loop_fifo[u->loop_tail++ % LOOP_FIFO];
	}
	c = u->con ? console_read_byte(u->con) : -1;
	return c < 0 ? 0 : (uint32_t)c;
}

static void write_dr(struct pl011 *u, uint8_t byte)
{
	if (loopback(u)) {
		if (u->loop_head - u->loop_tail < LOOP_FIFO)
			u->loop_fifo[u->loop_head++ % LOOP_FIFO] = byte;
	} else if (u->con) {
		console_write(u->con, &byte, 1);
	}
	/* Sent at once: the transmit FIFO is below its trigger level again. */
	u->tx_int = true;
}

static uint32_t read_fr(struct pl011 *u)
{
	uint32_t fr = PL011_FR_TXFE, cr = u->cr;

	if (!rx_ready(u))
		fr |= PL011_FR_RXFE;
	else if (!(u->lcr_h & PL011_LCR_H_FEN))
		fr |= PL011_FR_RXFF; /* without FIFOs the one holding register is full */
	if (!loopback(u))
		return fr | PL011_FR_DCD | PL011_FR_DSR | PL011_FR_CTS;
	/* Loopback wires the modem outputs to the inputs (TRM: RTS->CTS, DTR->DSR,
	 * Out1->DCD, Out2->RI). */
	return fr | ((cr & PL011_CR_RTS) ? PL011_FR_CTS : 0) |
	       ((cr & PL011_CR_DTR) ? PL011_FR_DSR : 0) |
	       ((cr & PL011_CR_OUT1) ? PL011_FR_DCD : 0) | ((cr & PL011_CR_OUT2) ? PL011_FR_RI : 0);
}

/* The 32-bit register at @reg; @pop says the access covers DR's data byte. */
static uint32_t read_reg(struct pl011 *u, uint64_t reg, bool pop)
{
	switch (reg) {
	case PL011_DR:
		return pop ? read_dr(u) : 0;
	case PL011_RSR:
		return 0;
	case PL011_FR:
		return read_fr(u);
	case PL011_ILPR:
		return u->ilpr;
	case PL011_IBRD:
		return u->ibrd;
	case PL011_FBRD:
		return u->fbrd;
	case PL011_LCR_H:
		return u->lcr_h;
	case PL011_CR:
		return u->cr;
	case PL011_IFLS:
		return u->ifls;
	case PL011_IMSC:
		return u->imsc;
	case PL011_RIS:
		return raw_status(u);
	case PL011_MIS:
		return raw_status(u) & u->imsc;
	case PL011_DMACR:
		return u->dmacr;
	}
	if (reg >= PL011_PERIPH_ID0 && reg <= PL011_CELL_ID0 + 0xc)
		return pl011_id[(reg - PL011_PERIPH_ID0) / 4];
	if (reg != PL011_ICR)
		pr_guest_err("pl011: read of unknown register 0x%03llx", (unsigned long long)reg);
	return 0;
}

/* Byte lanes @mask of the register at @reg take @val (already shifted into place). */
static void merge(uint32_t *r, uint32_t val, uint32_t mask, uint32_t writable)
{
	*r = ((*r & ~mask) | (val & mask)) & writable;
}

static void write_reg(struct pl011 *u, uint64_t reg, uint32_t val, uint32_t mask)
{
	switch (reg) {
	case PL011_DR:
		if (mask & 0xff)
			write_dr(u, (uint8_t)val);
		break;
	case PL011_RSR:
		break; /* clears the error flags, which are never set */
	case PL011_ILPR:
		merge(&u->ilpr, val, mask, ILPR_MASK);
		break;
	case PL011_IBRD:
		merge(&u->ibrd, val, mask, IBRD_MASK);
		break;
	case PL011_FBRD:
		merge(&u->fbrd, val, mask, FBRD_MASK);
		break;
	case PL011_LCR_H:
		merge(&u->lcr_h, val, mask, LCR_H_MASK);
		break;
	case PL011_CR:
		merge(&u->cr, val, mask, CR_MASK);
		break;
	case PL011_IFLS:
		merge(&u->ifls, val, mask, IFLS_MASK);
		break;
	case PL011_IMSC:
		merge(&u->imsc, val, mask, PL011_INT_ALL);
		if (u->imsc & (PL011_INT_RX | PL011_INT_RT))
			u->rx_held = false;
		break;
	case PL011_ICR:
		/* RX and RT are levels (see raw_status); TX is the one latched source. */
		if (val & mask & PL011_INT_TX)
			u->tx_int = false;
		/* A driver clearing receive interrupts it has not enabled is about to drain the
		 * FIFO and then enable them (Linux's pl011_enable_interrupts reads up to 32
		 * bytes and drops them). Our FIFO is the console's whole input: hold it until
		 * the interrupts are on, so that input typed or piped ahead is not lost. */
		if ((val & mask & (PL011_INT_RX | PL011_INT_RT)) &&
		    !(u->imsc & (PL011_INT_RX | PL011_INT_RT)))
			u->rx_held = true;
		break;
	case PL011_DMACR:
		merge(&u->dmacr, val, mask, DMACR_MASK);
		break;
	case PL011_FR:
	case PL011_RIS:
	case PL011_MIS:
		break; /* read-only */
	default:
		if (reg >= PL011_PERIPH_ID0 && reg <= PL011_CELL_ID0 + 0xc)
			break;
		pr_guest_err("pl011: write of 0x%x to unknown register 0x%03llx", val,
			     (unsigned long long)reg);
	}
}

/* Registers are 32 bits wide at word offsets; a narrower access sees its byte lanes. One
 * that crosses into the next register is refused. */
static bool split(uint64_t offset, unsigned size, uint64_t *reg, unsigned *shift, uint32_t *lanes)
{
	unsigned lane = offset & 3;

	if (lane + size > 4) {
		pr_guest_err("pl011: %u-byte access at 0x%03llx crosses a register", size,
			     (unsigned long long)offset);
		return false;
	}
	*reg = offset - lane;
	*shift = lane * 8;
	*lanes = (uint32_t)((size >= 4 ? 0x100000000ull : 1ull << (size * 8)) - 1) << *shift;
	return true;
}

static uint64_t pl011_read(void *opaque, uint64_t offset, unsigned size)
{
	struct pl011 *u = opaque;
	uint32_t lanes, v;
	unsigned shift;
	uint64_t reg;

	if (!split(offset, size, &reg, &shift, &lanes))
		return 0;
	pthread_mutex_lock(&u->lock);
	v = read_reg(u, reg, lanes & 0xff);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return (v & lanes) >> shift;
}

static void pl011_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct pl011 *u = opaque;
	uint32_t lanes;
	unsigned shift;
	uint64_t reg;

	if (!split(offset, size, &reg, &shift, &lanes))
		return;
	pthread_mutex_lock(&u->lock);
	write_reg(u, reg, (uint32_t)(value << shift), lanes);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

void pl011_input_ready(void *opaque)
{
	struct pl011 *u = opaque;

	pthread_mutex_lock(&u->lock);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

const struct io_ops pl011_io_ops = {
	.read = pl011_read,
	.write = pl011_write,
	.min_size = 1,
	.max_size = 4,
};
