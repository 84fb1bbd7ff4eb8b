// SPDX-License-Identifier: MIT
/* test_pl011.c: the PL011 model driven through its bus callbacks, with a real console
 * whose output goes to a pipe (read back here) and whose input is injected directly or
 * arrives through the console's reader thread. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "bus.h"
#include "console.h"
#include "devices/pl011.h"
#include "log_capture.h"
#include "test.h"
#include "uart_fixture.h"

static void *create(struct console *con, void (*set_irq)(void *ctx, bool level), void *ctx)
{
	return pl011_create(con, set_irq, ctx);
}

static const struct uart_model pl011_model = {
	.create = create,
	.destroy = pl011_destroy,
	.input_ready = pl011_input_ready,
	.ops = &pl011_io_ops,
	.width = 4,
	.data_reg = PL011_DR,
	.rx_irq_reg = PL011_IMSC,
	.rx_irq_on = PL011_INT_RX,
};

static bool fx_init(struct uart_fx *fx)
{
	return uart_fx_init(fx, &pl011_model, -1);
}

static bool rx_ready(struct uart_fx *fx)
{
	return !(uart_rd(fx, PL011_FR) & PL011_FR_RXFE);
}

#define FR_MODEM (PL011_FR_DCD | PL011_FR_DSR | PL011_FR_CTS)
#define FR_IDLE	 (PL011_FR_TXFE | PL011_FR_RXFE | FR_MODEM)
#define INT_RXRT (PL011_INT_RX | PL011_INT_RT)

TEST(pl011_primecell_ids)
{
	static const uint8_t want[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	for (unsigned i = 0; i < 8; i++) {
		unsigned off = PL011_PERIPH_ID0 + 4 * i;

		ASSERT_EQ(uart_rd(&fx, off), want[i]);
		ASSERT_EQ(pl011_io_ops.read(fx.u, off, 1), want[i]);
		ASSERT_EQ(pl011_io_ops.read(fx.u, off, 2), want[i]);
		/* The upper byte lanes of an ID register are zero. */
		ASSERT_EQ(pl011_io_ops.read(fx.u, off + 1, 1), 0);
		ASSERT_EQ(pl011_io_ops.read(fx.u, off + 2, 2), 0);
		/* Read-only. */
		uart_wr(&fx, off, 0xff);
		ASSERT_EQ(uart_rd(&fx, off), want[i]);
	}
	/* The AMBA bus assembles them into one 32-bit ID: part 0x011, designer 0x41. */
	{
		uint32_t periph = 0, cell = 0;

		for (unsigned i = 0; i < 4; i++) {
			periph |= uart_rd(&fx, PL011_PERIPH_ID0 + 4 * i) << (8 * i);
			cell |= uart_rd(&fx, PL011_CELL_ID0 + 4 * i) << (8 * i);
		}
		ASSERT_EQ(periph, 0x00141011);
		ASSERT_EQ(cell, 0xb105f00d);
	}
	ASSERT_EQ(fx.calls, 0);
	uart_fx_fini(&fx);
}

TEST(pl011_reset_state)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(uart_rd(&fx, PL011_FR), FR_IDLE);
	ASSERT_EQ(uart_rd(&fx, PL011_RSR), 0);
	ASSERT_EQ(uart_rd(&fx, PL011_ILPR), 0);
	ASSERT_EQ(uart_rd(&fx, PL011_IBRD), 0);
	ASSERT_EQ(uart_rd(&fx, PL011_FBRD), 0);
	ASSERT_EQ(uart_rd(&fx, PL011_LCR_H), 0);
	ASSERT_EQ(uart_rd(&fx, PL011_CR), 0x300);
	ASSERT_EQ(uart_rd(&fx, PL011_IFLS), 0x12);
	ASSERT_EQ(uart_rd(&fx, PL011_IMSC), 0);
	/* The transmitter is empty, so TX is raw-pending, but everything is masked. */
	ASSERT_EQ(uart_rd(&fx, PL011_RIS), PL011_INT_TX);
	ASSERT_EQ(uart_rd(&fx, PL011_MIS), 0);
	ASSERT_EQ(uart_rd(&fx, PL011_DMACR), 0);
	ASSERT_EQ(fx.calls, 0);
	ASSERT_EQ(uart_pending_output(&fx), 0);
	uart_fx_fini(&fx);
}

TEST(pl011_register_masks)
{
	static const struct {
		unsigned reg;
		uint32_t mask;
	} regs[] = {
		{PL011_ILPR, 0xff}, {PL011_IBRD, 0xffff}, {PL011_FBRD, 0x3f},  {PL011_LCR_H, 0xff},
		{PL011_CR, 0xff87}, {PL011_IFLS, 0x3f},	  {PL011_IMSC, 0x7ff}, {PL011_DMACR, 0x7},
	};
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
		uart_wr(&fx, regs[i].reg, 0xffffffff);
		ASSERT_EQ(uart_rd(&fx, regs[i].reg), regs[i].mask);
		uart_wr(&fx, regs[i].reg, 0xa5a5a5a5);
		ASSERT_EQ(uart_rd(&fx, regs[i].reg), 0xa5a5a5a5 & regs[i].mask);
		uart_wr(&fx, regs[i].reg, 0);
		ASSERT_EQ(uart_rd(&fx, regs[i].reg), 0);
	}
	/* Nothing went out, none of it was a DR write. */
	ASSERT_EQ(uart_pending_output(&fx), 0);
	uart_fx_fini(&fx);
}

TEST(pl011_read_only_registers)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_wr(&fx, PL011_FR, 0);
	uart_wr(&fx, PL011_RIS, 0);
	uart_wr(&fx, PL011_MIS, 0xffff);
	ASSERT_EQ(uart_rd(&fx, PL011_FR), FR_IDLE);
	ASSERT_EQ(uart_rd(&fx, PL011_RIS), PL011_INT_TX);
	ASSERT_EQ(uart_rd(&fx, PL011_MIS), 0);
	/* RSR/ECR: any write clears the (never set) errors. */
	uart_wr(&fx, PL011_RSR, 0xff);
	ASSERT_EQ(uart_rd(&fx, PL011_RSR), 0);
	/* ICR is write-only and reads as zero. */
	ASSERT_EQ(uart_rd(&fx, PL011_ICR), 0);
	ASSERT_EQ(fx.calls, 0);
	uart_fx_fini(&fx);
}

TEST(pl011_fr_flags_with_and_without_input)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(uart_rd(&fx, PL011_FR), FR_IDLE);
	uart_push(&fx, "ab");
	/* FIFOs off: the single holding register is full. */
	ASSERT_EQ(uart_rd(&fx, PL011_FR), PL011_FR_TXFE | PL011_FR_RXFF | FR_MODEM);
	ASSERT_EQ(uart_rd(&fx, PL011_FR),
		  PL011_FR_TXFE | PL011_FR_RXFF | FR_MODEM); /* no side effect */
	/* FIFOs on: neither empty nor full. */
	uart_wr(&fx, PL011_LCR_H, 0x70);
	ASSERT_EQ(uart_rd(&fx, PL011_FR), PL011_FR_TXFE | FR_MODEM);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'a');
	ASSERT_EQ(uart_rd(&fx, PL011_FR), PL011_FR_TXFE | FR_MODEM);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'b');
	ASSERT_EQ(uart_rd(&fx, PL011_FR), FR_IDLE);
	/* TXFF and BUSY never show: output is written synchronously. */
	for (int i = 0; i < 64; i++) {
		uart_wr(&fx, PL011_DR, 'x');
		ASSERT_EQ(uart_rd(&fx, PL011_FR) & (PL011_FR_TXFF | PL011_FR_BUSY), 0);
		ASSERT_TRUE(uart_rd(&fx, PL011_FR) & PL011_FR_TXFE);
	}
	ASSERT_EQ(uart_pending_output(&fx), 64);
	uart_fx_fini(&fx);
}

TEST(pl011_dr_read_order_and_all_byte_values)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	/* Error bits 11:8 clear: the whole register is the byte. */
	uart_check_rx_all_byte_values(&fx, rx_ready);
	/* An empty receiver reads as 0 and stays empty. */
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 0);
	ASSERT_TRUE(uart_rd(&fx, PL011_FR) & PL011_FR_RXFE);
	ASSERT_EQ(uart_rd(&fx, PL011_RSR), 0);
	uart_fx_fini(&fx);
}

TEST(pl011_dr_byte_lanes)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_push(&fx, "pq");
	/* Reading DR's error byte (lane 1) pops nothing... */
	ASSERT_EQ(pl011_io_ops.read(fx.u, PL011_DR + 1, 1), 0);
	ASSERT_EQ(pl011_io_ops.read(fx.u, PL011_DR + 2, 2), 0);
	/* ...a byte or halfword read at DR does (earlycon and Linux use both). */
	ASSERT_EQ(pl011_io_ops.read(fx.u, PL011_DR, 1), 'p');
	ASSERT_EQ(pl011_io_ops.read(fx.u, PL011_DR, 2), 'q');
	ASSERT_TRUE(uart_rd(&fx, PL011_FR) & PL011_FR_RXFE);
	uart_fx_fini(&fx);
}

TEST(pl011_output_in_order_and_widths)
{
	struct uart_fx fx;
	uint8_t buf[300];

	ASSERT_TRUE(fx_init(&fx));
	uart_check_output_unbuffered(&fx);
	/* Only the data byte of a wider write goes out. */
	uart_wr(&fx, PL011_DR, 0xabcd1241);
	pl011_io_ops.write(fx.u, PL011_DR, 0x0542, 2);
	pl011_io_ops.write(fx.u, PL011_DR, 0x43, 1);
	/* A write to DR's upper lanes transmits nothing. */
	pl011_io_ops.write(fx.u, PL011_DR + 1, 0x44, 1);
	pl011_io_ops.write(fx.u, PL011_DR + 2, 0x4545, 2);
	ASSERT_EQ(uart_drain(&fx, buf, sizeof(buf)), 3);
	ASSERT_TRUE(!memcmp(buf, "ABC", 3));
	uart_fx_fini(&fx);
}

TEST(pl011_sub_word_register_access)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	/* CR is 16 bits: a byte write to its upper lane keeps the lower one. */
	uart_wr(&fx, PL011_CR, 0x0301);
	pl011_io_ops.write(fx.u, PL011_CR + 1, 0x0f, 1);
	ASSERT_EQ(uart_rd(&fx, PL011_CR), 0x0f01);
	ASSERT_EQ(pl011_io_ops.read(fx.u, PL011_CR + 1, 1), 0x0f);
	ASSERT_EQ(pl011_io_ops.read(fx.u, PL011_CR, 2), 0x0f01);
	pl011_io_ops.write(fx.u, PL011_CR, 0x81, 1);
	ASSERT_EQ(uart_rd(&fx, PL011_CR), 0x0f81);
	/* A halfword write to the upper half touches only bits that do not exist. */
	pl011_io_ops.write(fx.u, PL011_CR + 2, 0xffff, 2);
	ASSERT_EQ(uart_rd(&fx, PL011_CR), 0x0f81);
	/* IBRD is 16 bits. */
	pl011_io_ops.write(fx.u, PL011_IBRD, 0x1234, 2);
	ASSERT_EQ(uart_rd(&fx, PL011_IBRD), 0x1234);
	pl011_io_ops.write(fx.u, PL011_IBRD + 1, 0x56, 1);
	ASSERT_EQ(uart_rd(&fx, PL011_IBRD), 0x5634);
	/* IMSC bits 10:8 live in lane 1. */
	pl011_io_ops.write(fx.u, PL011_IMSC + 1, 0xff, 1);
	ASSERT_EQ(uart_rd(&fx, PL011_IMSC), 0x700);
	uart_fx_fini(&fx);
}

TEST(pl011_tx_interrupt_and_icr)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	/* TX is raw-pending from reset: unmasking it raises the line at once. */
	uart_wr(&fx, PL011_IMSC, PL011_INT_TX);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, PL011_MIS), PL011_INT_TX);
	/* ICR bits other than TX leave it. */
	uart_wr(&fx, PL011_ICR, PL011_INT_ALL & ~PL011_INT_TX);
	ASSERT_TRUE(fx.level);
	/* Clearing it lowers the line; reading registers does not bring it back. */
	uart_wr(&fx, PL011_ICR, PL011_INT_TX);
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(uart_rd(&fx, PL011_RIS), 0);
	ASSERT_EQ(uart_rd(&fx, PL011_MIS), 0);
	ASSERT_EQ(uart_rd(&fx, PL011_FR), FR_IDLE);
	ASSERT_TRUE(!fx.level);
	/* The next transmitted byte sets it again. */
	uart_wr(&fx, PL011_DR, 'a');
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, PL011_RIS), PL011_INT_TX);
	/* Masking lowers the line; the raw status stays. */
	uart_wr(&fx, PL011_IMSC, 0);
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(uart_rd(&fx, PL011_RIS), PL011_INT_TX);
	ASSERT_EQ(uart_rd(&fx, PL011_MIS), 0);
	/* A byte-wide ICR write at lane 0 clears it too. */
	pl011_io_ops.write(fx.u, PL011_ICR, PL011_INT_TX, 1);
	ASSERT_EQ(uart_rd(&fx, PL011_RIS), 0);
	/* Writes while masked set it without touching the line. */
	uart_wr(&fx, PL011_DR, 'b');
	ASSERT_EQ(uart_rd(&fx, PL011_RIS), PL011_INT_TX);
	ASSERT_EQ(fx.calls, 4);
	ASSERT_EQ(fx.raises, 2);
	ASSERT_EQ(uart_pending_output(&fx), 2);
	uart_fx_fini(&fx);
}

TEST(pl011_rx_interrupts_follow_data)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_fx_wire_input(&fx);
	/* Input without RXIM/RTIM: raw status only. */
	uart_push(&fx, "a");
	ASSERT_EQ(fx.calls, 0);
	ASSERT_EQ(uart_rd(&fx, PL011_RIS), PL011_INT_TX | INT_RXRT);
	ASSERT_EQ(uart_rd(&fx, PL011_MIS), 0);
	/* Linux enables RT and RX; data waiting raises the line. */
	uart_wr(&fx, PL011_IMSC, INT_RXRT);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(fx.calls, 1);
	ASSERT_EQ(uart_rd(&fx, PL011_MIS), INT_RXRT);
	/* Only RT enabled is enough (short input never reaches the trigger level). */
	uart_wr(&fx, PL011_IMSC, PL011_INT_RT);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, PL011_MIS), PL011_INT_RT);
	uart_wr(&fx, PL011_IMSC, INT_RXRT);
	/* More input while high: no redundant calls. */
	uart_push(&fx, "bc");
	ASSERT_EQ(fx.calls, 1);
	/* ICR cannot clear RX/RT while data remains: they are levels. */
	uart_wr(&fx, PL011_ICR, INT_RXRT);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, PL011_RIS) & INT_RXRT, INT_RXRT);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'a');
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'b');
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'c');
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(uart_rd(&fx, PL011_RIS) & INT_RXRT, 0);
	ASSERT_EQ(fx.calls, 2);
	/* New input raises it through the console notification. */
	uart_push(&fx, "d");
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(fx.raises, 2);
	/* Masking lowers it, unmasking raises it again; the byte stays. */
	uart_wr(&fx, PL011_IMSC, 0);
	ASSERT_TRUE(!fx.level);
	uart_wr(&fx, PL011_IMSC, INT_RXRT);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'd');
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(fx.calls, 6);
	uart_fx_fini(&fx);
}

/* Linux's pl011_enable_interrupts: clear RX/RT in ICR, drain up to 32 bytes, enable RX/RT.
 * Input that arrived before (typed or piped ahead) must survive the drain. */
TEST(pl011_input_survives_the_linux_startup_drain)
{
	struct uart_fx fx;
	unsigned drained = 0;

	ASSERT_TRUE(fx_init(&fx));
	uart_fx_wire_input(&fx);
	uart_push(&fx, "echo typed ahead\n");
	uart_wr(&fx, PL011_ICR, INT_RXRT);
	for (int i = 0; i < 32 && !(uart_rd(&fx, PL011_FR) & PL011_FR_RXFE); i++, drained++)
		uart_rd(&fx, PL011_DR);
	ASSERT_EQ(drained, 0);
	ASSERT_TRUE(!fx.level);
	uart_wr(&fx, PL011_IMSC, INT_RXRT);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'e');
	/* A polling guest that never touches ICR sees input at once. */
	uart_fx_fini(&fx);
	ASSERT_TRUE(fx_init(&fx));
	uart_fx_wire_input(&fx);
	uart_push(&fx, "x");
	ASSERT_EQ(uart_rd(&fx, PL011_FR) & PL011_FR_RXFE, 0);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'x');
	uart_fx_fini(&fx);
}

TEST(pl011_tx_and_rx_share_the_line)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_fx_wire_input(&fx);
	uart_wr(&fx, PL011_IMSC, PL011_INT_TX | INT_RXRT);
	ASSERT_TRUE(fx.level);
	uart_wr(&fx, PL011_ICR, PL011_INT_TX);
	ASSERT_TRUE(!fx.level);
	uart_push(&fx, "r");
	ASSERT_TRUE(fx.level);
	/* Transmitting while RX is pending keeps the line high. */
	uart_wr(&fx, PL011_DR, 't');
	ASSERT_EQ(uart_rd(&fx, PL011_MIS), PL011_INT_TX | INT_RXRT);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'r');
	ASSERT_TRUE(fx.level); /* the TX from the write */
	ASSERT_EQ(uart_rd(&fx, PL011_MIS), PL011_INT_TX);
	uart_wr(&fx, PL011_ICR, PL011_INT_ALL);
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(fx.raises, 2);
	ASSERT_EQ(fx.calls, 4);
	uart_fx_fini(&fx);
}

TEST(pl011_input_ready_recomputes_irq)
{
	uart_check_input_ready_recomputes_irq(&pl011_model);
}

/* Input typed on the console's input fd reaches the guest through the reader thread and
 * console_add_input_listener(), as in the VM. */
TEST(pl011_input_from_console_thread)
{
	struct uart_fx fx;
	int in[2];

	ASSERT_EQ(pipe(in), 0);
	ASSERT_TRUE(uart_fx_init(&fx, &pl011_model, in[0]));
	ASSERT_EQ(console_add_input_listener(fx.con, pl011_input_ready, fx.u), 0);
	ASSERT_EQ(console_start_input(fx.con, NULL, NULL), 0);
	uart_wr(&fx, PL011_IMSC, INT_RXRT);
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(write(in[1], "hi", 2), 2);
	for (int i = 0; i < 2000 && !fx.level; i++)
		usleep(1000);
	ASSERT_TRUE(fx.level);
	/* Both bytes may not be queued yet when the first notification lands. */
	for (int i = 0; i < 2000 && (uart_rd(&fx, PL011_FR) & PL011_FR_RXFE); i++)
		usleep(1000);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'h');
	for (int i = 0; i < 2000 && (uart_rd(&fx, PL011_FR) & PL011_FR_RXFE); i++)
		usleep(1000);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'i');
	ASSERT_TRUE(!fx.level);
	uart_fx_fini(&fx);
	close(in[1]);
	close(in[0]);
}

TEST(pl011_loopback)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_push(&fx, "c"); /* console input is not seen while looping back */
	uart_wr(&fx, PL011_CR, PL011_CR_UARTEN | PL011_CR_TXE | PL011_CR_RXE | PL011_CR_LBE);
	uart_wr(&fx, PL011_IMSC, INT_RXRT);
	ASSERT_TRUE(uart_rd(&fx, PL011_FR) & PL011_FR_RXFE);
	ASSERT_EQ(fx.calls, 0);
	uart_wr(&fx, PL011_DR, 0x42);
	uart_wr(&fx, PL011_DR, 0x43);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_pending_output(&fx), 0);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 0x42);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 0x43);
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 0);
	/* Overflowing the loop FIFO drops bytes, nothing else. */
	for (int i = 0; i < 100; i++)
		uart_wr(&fx, PL011_DR, (uint32_t)i);
	for (int i = 0; i < 32; i++)
		ASSERT_EQ(uart_rd(&fx, PL011_DR), i);
	ASSERT_TRUE(uart_rd(&fx, PL011_FR) & PL011_FR_RXFE);
	/* Leaving loopback: output goes out and console input shows again. */
	uart_wr(&fx, PL011_CR, PL011_CR_UARTEN | PL011_CR_TXE | PL011_CR_RXE);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'c');
	uart_wr(&fx, PL011_DR, 'o');
	ASSERT_EQ(uart_pending_output(&fx), 1);
	uart_fx_fini(&fx);
}

TEST(pl011_loopback_modem_lines)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	for (unsigned m = 0; m < 16; m++) {
		uint32_t cr = PL011_CR_LBE | m << 10, want = FR_IDLE & ~FR_MODEM;

		if (cr & PL011_CR_DTR)
			want |= PL011_FR_DSR;
		if (cr & PL011_CR_RTS)
			want |= PL011_FR_CTS;
		if (cr & PL011_CR_OUT1)
			want |= PL011_FR_DCD;
		if (cr & PL011_CR_OUT2)
			want |= PL011_FR_RI;
		uart_wr(&fx, PL011_CR, cr);
		if (uart_rd(&fx, PL011_FR) != want)
			test_fail(__FILE__, __LINE__, "CR 0x%x: FR 0x%x, want 0x%x", cr,
				  uart_rd(&fx, PL011_FR), want);
	}
	uart_fx_fini(&fx);
}

/* Output flows whether or not the guest enabled the UART (earlycon never does). */
TEST(pl011_transmits_while_disabled)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_wr(&fx, PL011_CR, 0);
	uart_wr(&fx, PL011_DR, 'e');
	ASSERT_EQ(uart_pending_output(&fx), 1);
	uart_push(&fx, "i");
	ASSERT_EQ(uart_rd(&fx, PL011_DR), 'i');
	uart_fx_fini(&fx);
}

TEST(pl011_without_console_or_irq)
{
	struct pl011 *u = pl011_create(NULL, NULL, NULL);

	ASSERT_TRUE(u != NULL);
	if (!u)
		return;
	pl011_io_ops.write(u, PL011_IMSC, PL011_INT_ALL, 4);
	pl011_io_ops.write(u, PL011_DR, 'x', 4);
	ASSERT_EQ(pl011_io_ops.read(u, PL011_DR, 4), 0);
	ASSERT_EQ(pl011_io_ops.read(u, PL011_FR, 4), FR_IDLE);
	ASSERT_EQ(pl011_io_ops.read(u, PL011_MIS, 4), PL011_INT_TX);
	pl011_input_ready(u);
	pl011_destroy(u);
	pl011_destroy(NULL);
}

/* Every offset of the 4 KiB region with every size, read and written with junk: no crash,
 * results confined to the access size, and the register file still sane afterwards. */
TEST(pl011_every_offset_and_size)
{
	static const unsigned sizes[] = {1, 2, 4};
	struct uart_fx fx;
	struct log_capture c;
	char *log;

	memset(&fx, 0, sizeof(fx));
	fx.u = pl011_create(NULL, uart_fx_set_irq, &fx);
	ASSERT_TRUE(fx.u != NULL);
	if (!fx.u)
		return;
	log_capture_begin(&c);
	for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
		uint64_t max = (1ull << (8 * sizes[s])) - 1;

		for (unsigned off = 0; off < PL011_REGION_SIZE; off++) {
			uint64_t v = pl011_io_ops.read(fx.u, off, sizes[s]);

			if (v > max)
				test_fail(__FILE__, __LINE__, "read %u@0x%x = 0x%" PRIx64, sizes[s],
					  off, v);
			pl011_io_ops.write(fx.u, off, (off * 0x9e3779b9u) & max, sizes[s]);
		}
	}
	log = log_capture_end(&c);
	/* Unknown registers and register-crossing accesses are reported as guest errors. */
	ASSERT_STR_CONTAINS(log, "pl011");
	free(log);
	/* An access crossing into the next register does nothing. */
	pl011_io_ops.write(fx.u, PL011_ICR, PL011_INT_ALL, 4);
	pl011_io_ops.write(fx.u, PL011_IMSC, 0, 4);
	log_capture_begin(&c);
	pl011_io_ops.write(fx.u, PL011_IFLS + 2, 0xffffffff, 4);
	ASSERT_EQ(pl011_io_ops.read(fx.u, PL011_IFLS + 3, 2), 0);
	free(log_capture_end(&c));
	ASSERT_EQ(pl011_io_ops.read(fx.u, PL011_IMSC, 4), 0);
	ASSERT_EQ(pl011_io_ops.read(fx.u, PL011_PERIPH_ID0, 4), 0x11);
	ASSERT_EQ(pl011_io_ops.read(fx.u, PL011_CELL_ID0 + 12, 4), 0xb1);
	pl011_destroy(fx.u);
}

TEST(pl011_on_bus)
{
	struct uart_fx fx;
	struct bus bus;
	struct io_region r = {"pl011", 0x9000000, PL011_REGION_SIZE, &pl011_io_ops, NULL};
	uint8_t data[8];

	ASSERT_TRUE(fx_init(&fx));
	r.opaque = fx.u;
	bus_init(&bus, "mmio");
	ASSERT_EQ(bus_register(&bus, &r), 0);
	/* 4-, 2- and 1-byte accesses all reach the registers. */
	memcpy(data, "\x34\x12\x00\x00", 4);
	ASSERT_EQ(bus_access(&bus, 0x9000000 + PL011_IBRD, data, 4, true), BUS_OK);
	memset(data, 0, sizeof(data));
	ASSERT_EQ(bus_access(&bus, 0x9000000 + PL011_IBRD, data, 2, false), BUS_OK);
	ASSERT_EQ(data[0], 0x34);
	ASSERT_EQ(data[1], 0x12);
	ASSERT_EQ(bus_access(&bus, 0x9000000 + PL011_FR, data, 1, false), BUS_OK);
	ASSERT_EQ(data[0], FR_IDLE & 0xff);
	data[0] = 'B';
	ASSERT_EQ(bus_access(&bus, 0x9000000 + PL011_DR, data, 1, true), BUS_OK);
	ASSERT_EQ(uart_pending_output(&fx), 1);
	/* 8-byte accesses are refused and transmit nothing. */
	memset(data, 'w', sizeof(data));
	ASSERT_EQ(bus_access(&bus, 0x9000000, data, 8, true), BUS_BAD_SIZE);
	ASSERT_EQ(uart_pending_output(&fx), 0);
	ASSERT_EQ(bus_access(&bus, 0x9000000 + PL011_PERIPH_ID0, data, 8, false), BUS_BAD_SIZE);
	ASSERT_EQ(data[0], 0xff);
	/* The last word of the region is CellID3. */
	ASSERT_EQ(bus_access(&bus, 0x9000ffc, data, 4, false), BUS_OK);
	ASSERT_EQ(data[0], 0xb1);
	ASSERT_EQ(data[1], 0);
	bus_destroy(&bus);
	uart_fx_fini(&fx);
}
