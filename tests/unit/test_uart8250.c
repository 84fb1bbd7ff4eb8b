// SPDX-License-Identifier: MIT
/* test_uart8250.c: the 16550A model driven through its bus callbacks, with a real console
 * whose output goes to a pipe (read back here) and whose input is injected directly. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "bus.h"
#include "console.h"
#include "devices/uart8250.h"
#include "test.h"
#include "uart_fixture.h"

static void *create(struct console *con, void (*set_irq)(void *ctx, bool level), void *ctx)
{
	return uart8250_create(con, set_irq, ctx);
}

static const struct uart_model uart8250_model = {
	.create = create,
	.destroy = uart8250_destroy,
	.input_ready = uart8250_input_ready,
	.ops = &uart8250_io_ops,
	.width = 1,
	.data_reg = UART8250_RBR_THR,
	.rx_irq_reg = UART8250_IER,
	.rx_irq_on = UART8250_IER_RDI,
};

static bool fx_init(struct uart_fx *fx)
{
	return uart_fx_init(fx, &uart8250_model, -1);
}

static bool rx_ready(struct uart_fx *fx)
{
	return uart_rd(fx, UART8250_LSR) & UART8250_LSR_DR;
}

TEST(uart_reset_state)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(uart_rd(&fx, UART8250_LCR), 0x03);
	ASSERT_EQ(uart_rd(&fx, UART8250_MCR), UART8250_MCR_OUT2);
	ASSERT_EQ(uart_rd(&fx, UART8250_IER), 0);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_NO_INT);
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR), UART8250_LSR_THRE | UART8250_LSR_TEMT);
	/* Not in loopback: carrier, DSR and CTS asserted. */
	ASSERT_EQ(uart_rd(&fx, UART8250_MSR),
		  UART8250_MSR_DCD | UART8250_MSR_DSR | UART8250_MSR_CTS);
	ASSERT_EQ(uart_rd(&fx, UART8250_SCR), 0);
	uart_wr(&fx, UART8250_LCR, 0x03 | UART8250_LCR_DLAB);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 0x0c); /* 9600 baud */
	ASSERT_EQ(uart_rd(&fx, UART8250_IER), 0x00);
	ASSERT_EQ(fx.calls, 0);
	ASSERT_EQ(uart_pending_output(&fx), 0);
	uart_fx_fini(&fx);
}

TEST(uart_dlab_divisor_latch)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_wr(&fx, UART8250_IER, UART8250_IER_RDI | UART8250_IER_RLSI);
	uart_wr(&fx, UART8250_LCR, 0x83);
	ASSERT_EQ(uart_rd(&fx, UART8250_LCR), 0x83);
	uart_wr(&fx, UART8250_RBR_THR, 0x34);
	uart_wr(&fx, UART8250_IER, 0x12);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 0x34);
	ASSERT_EQ(uart_rd(&fx, UART8250_IER), 0x12);
	/* The DLL write did not transmit, and the DLM write (bit 1 set) did not touch IER. */
	ASSERT_EQ(uart_pending_output(&fx), 0);
	ASSERT_EQ(fx.calls, 0);

	uart_wr(&fx, UART8250_LCR, 0x03);
	ASSERT_EQ(uart_rd(&fx, UART8250_IER), UART8250_IER_RDI | UART8250_IER_RLSI);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_NO_INT);
	uart_wr(&fx, UART8250_RBR_THR, 'Z');
	{
		uint8_t buf[4];

		ASSERT_EQ(uart_drain(&fx, buf, sizeof(buf)), 1);
		ASSERT_EQ(buf[0], 'Z');
	}
	/* And the THR write did not disturb the latch. */
	uart_wr(&fx, UART8250_LCR, 0x83);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 0x34);
	ASSERT_EQ(uart_rd(&fx, UART8250_IER), 0x12);
	uart_wr(&fx, UART8250_LCR, 0x03);
	uart_fx_fini(&fx);
}

TEST(uart_dlab_hides_received_byte)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_push(&fx, "q");
	uart_wr(&fx, UART8250_LCR, 0x83);
	/* With DLAB, offset 0 is DLL: the received byte stays queued. */
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 0x0c);
	uart_wr(&fx, UART8250_LCR, 0x03);
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR) & UART8250_LSR_DR, UART8250_LSR_DR);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'q');
	uart_fx_fini(&fx);
}

TEST(uart_ier_masks_to_4_bits)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_wr(&fx, UART8250_IER, 0xff);
	ASSERT_EQ(uart_rd(&fx, UART8250_IER), 0x0f);
	uart_wr(&fx, UART8250_IER, 0xf0);
	ASSERT_EQ(uart_rd(&fx, UART8250_IER), 0x00);
	uart_wr(&fx, UART8250_IER, 0xa5);
	ASSERT_EQ(uart_rd(&fx, UART8250_IER), 0x05);
	uart_fx_fini(&fx);
}

TEST(uart_mcr_masks_to_5_bits)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_wr(&fx, UART8250_MCR, 0xe3);
	ASSERT_EQ(uart_rd(&fx, UART8250_MCR), 0x03);
	uart_wr(&fx, UART8250_MCR, 0xff);
	ASSERT_EQ(uart_rd(&fx, UART8250_MCR), 0x1f);
	uart_fx_fini(&fx);
}

TEST(uart_iir_fifo_bits)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), 0x01);
	uart_wr(&fx, UART8250_IIR_FCR, UART8250_FCR_ENABLE);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), 0xc1);
	/* Trigger-level bits do not change what IIR reports. */
	uart_wr(&fx, UART8250_IIR_FCR, 0xc7);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), 0xc1);
	uart_wr(&fx, UART8250_IIR_FCR, 0x00);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), 0x01);
	/* IIR is not a DLAB-banked register. */
	uart_wr(&fx, UART8250_IIR_FCR, UART8250_FCR_ENABLE);
	uart_wr(&fx, UART8250_LCR, 0x83);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), 0xc1);
	uart_wr(&fx, UART8250_LCR, 0x03);
	uart_fx_fini(&fx);
}

TEST(uart_iir_thre_and_acknowledge)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_wr(&fx, UART8250_IER, UART8250_IER_THRI);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_THRI);
	/* Reading IIR acknowledged it. */
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_NO_INT);
	/* Reading other registers does not re-raise it. */
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR), UART8250_LSR_THRE | UART8250_LSR_TEMT);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_NO_INT);
	/* A transmitted byte empties the holding register again. */
	uart_wr(&fx, UART8250_RBR_THR, 'a');
	ASSERT_TRUE(fx.level);
	uart_wr(&fx, UART8250_IIR_FCR, UART8250_FCR_ENABLE);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_FIFO | UART8250_IIR_THRI);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_FIFO | UART8250_IIR_NO_INT);
	ASSERT_TRUE(!fx.level);
	uart_fx_fini(&fx);
}

TEST(uart_thre_masked_until_enabled)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_wr(&fx, UART8250_IER, UART8250_IER_RDI);
	uart_wr(&fx, UART8250_RBR_THR, 'a');
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_NO_INT);
	ASSERT_EQ(fx.calls, 0);
	/* Enabling THRI with an empty holding register raises it at once. */
	uart_wr(&fx, UART8250_IER, UART8250_IER_RDI | UART8250_IER_THRI);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_THRI);
	ASSERT_TRUE(!fx.level);
	/* Rewriting IER with THRI still set does not re-raise an acknowledged THRE... */
	uart_wr(&fx, UART8250_IER, UART8250_IER_THRI);
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_NO_INT);
	/* ...but turning it off and on again does (Linux's start_tx relies on this). */
	uart_wr(&fx, UART8250_IER, 0);
	ASSERT_TRUE(!fx.level);
	uart_wr(&fx, UART8250_IER, UART8250_IER_THRI);
	ASSERT_TRUE(fx.level);
	/* Masking a pending THRE lowers the line; it reports nothing while masked. */
	uart_wr(&fx, UART8250_IER, 0);
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_NO_INT);
	uart_fx_fini(&fx);
}

TEST(uart_iir_rx_has_priority_over_thre)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_fx_wire_input(&fx);
	uart_wr(&fx, UART8250_IIR_FCR, UART8250_FCR_ENABLE);
	uart_wr(&fx, UART8250_IER, UART8250_IER_RDI | UART8250_IER_THRI);
	uart_push(&fx, "AB");
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), 0xc4);
	/* Reading IIR does not acknowledge received data, nor the THRE hidden below it. */
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), 0xc4);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'A');
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), 0xc4);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'B');
	ASSERT_TRUE(fx.level); /* THRE still pending */
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), 0xc2);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), 0xc1);
	ASSERT_TRUE(!fx.level);
	uart_fx_fini(&fx);
}

TEST(uart_lsr_thre_temt_and_dr)
{
	struct uart_fx fx;
	const uint8_t idle = UART8250_LSR_THRE | UART8250_LSR_TEMT;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR), idle);
	for (int i = 0; i < 32; i++) {
		uart_wr(&fx, UART8250_RBR_THR, (uint8_t)('0' + i));
		ASSERT_EQ(uart_rd(&fx, UART8250_LSR), idle);
	}
	ASSERT_EQ(uart_pending_output(&fx), 32);
	uart_push(&fx, "xyz");
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR), idle | UART8250_LSR_DR);
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR),
		  idle | UART8250_LSR_DR); /* reading LSR consumes nothing */
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'x');
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR), idle | UART8250_LSR_DR);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'y');
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'z');
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR), idle);
	/* An empty receiver reads as 0 and leaves DR clear. */
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 0);
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR), idle);
	uart_fx_fini(&fx);
}

TEST(uart_rx_preserves_all_byte_values)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_check_rx_all_byte_values(&fx, rx_ready);
	uart_fx_fini(&fx);
}

TEST(uart_lsr_msr_are_read_only)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_wr(&fx, UART8250_LSR, 0x00);
	uart_wr(&fx, UART8250_MSR, 0x00);
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR), UART8250_LSR_THRE | UART8250_LSR_TEMT);
	ASSERT_EQ(uart_rd(&fx, UART8250_MSR), 0xb0);
	ASSERT_EQ(uart_pending_output(&fx), 0);
	uart_fx_fini(&fx);
}

TEST(uart_scratch_register)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_wr(&fx, UART8250_SCR, 0x5a);
	ASSERT_EQ(uart_rd(&fx, UART8250_SCR), 0x5a);
	uart_wr(&fx, UART8250_SCR, 0xa5);
	ASSERT_EQ(uart_rd(&fx, UART8250_SCR), 0xa5);
	/* Not banked by DLAB, and independent of the other registers. */
	uart_wr(&fx, UART8250_LCR, 0x83);
	ASSERT_EQ(uart_rd(&fx, UART8250_SCR), 0xa5);
	uart_wr(&fx, UART8250_LCR, 0x03);
	ASSERT_EQ(uart_rd(&fx, UART8250_IER), 0);
	ASSERT_EQ(uart_pending_output(&fx), 0);
	uart_fx_fini(&fx);
}

TEST(uart_output_in_order_unbuffered)
{
	struct uart_fx fx;
	uint8_t buf[300];

	ASSERT_TRUE(fx_init(&fx));
	/* Each byte is on the console as soon as the THR write returns. */
	uart_check_output_unbuffered(&fx);
	ASSERT_EQ(uart_pending_output(&fx), 0);
	/* A burst arrives whole and in order. */
	for (int i = 0; i < 256; i++)
		uart_wr(&fx, UART8250_RBR_THR, (uint8_t)(i * 7 + 3));
	ASSERT_EQ(uart_drain(&fx, buf, sizeof(buf)), 256);
	for (int i = 0; i < 256; i++)
		ASSERT_EQ(buf[i], (uint8_t)(i * 7 + 3));
	uart_fx_fini(&fx);
}

TEST(uart_loopback_echoes_without_console)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_wr(&fx, UART8250_MCR, UART8250_MCR_LOOP | UART8250_MCR_OUT2);
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR) & UART8250_LSR_DR, 0);
	uart_wr(&fx, UART8250_RBR_THR, 0x55);
	uart_wr(&fx, UART8250_RBR_THR, 0xaa);
	uart_wr(&fx, UART8250_RBR_THR, 0x00);
	ASSERT_EQ(uart_pending_output(&fx), 0);
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR), 0x61);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 0x55);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 0xaa);
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR) & UART8250_LSR_DR, UART8250_LSR_DR);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 0x00);
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR), 0x60);
	/* Out of loopback, output reaches the console again. */
	uart_wr(&fx, UART8250_MCR, UART8250_MCR_OUT2);
	uart_wr(&fx, UART8250_RBR_THR, 'k');
	{
		uint8_t c = 0;

		ASSERT_EQ(uart_drain(&fx, &c, 1), 1);
		ASSERT_EQ(c, 'k');
	}
	uart_fx_fini(&fx);
}

TEST(uart_loopback_disconnects_console_input)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_push(&fx, "C");
	uart_wr(&fx, UART8250_MCR, UART8250_MCR_LOOP);
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR) & UART8250_LSR_DR, 0);
	uart_wr(&fx, UART8250_RBR_THR, 'L');
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'L');
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR) & UART8250_LSR_DR, 0);
	uart_wr(&fx, UART8250_MCR, 0);
	/* The console byte was not consumed by loopback reads. */
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR) & UART8250_LSR_DR, UART8250_LSR_DR);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'C');
	uart_fx_fini(&fx);
}

TEST(uart_loopback_fifo_depth_and_clear)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_wr(&fx, UART8250_MCR, UART8250_MCR_LOOP);
	for (int i = 0; i < 20; i++)
		uart_wr(&fx, UART8250_RBR_THR, (uint8_t)(0x40 + i));
	/* A 16-byte FIFO: the first 16 bytes come back in order, the overflow is lost. */
	for (int i = 0; i < 16; i++) {
		ASSERT_TRUE(uart_rd(&fx, UART8250_LSR) & UART8250_LSR_DR);
		ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 0x40 + i);
	}
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR) & UART8250_LSR_DR, 0);
	/* FCR "clear receive FIFO" empties it. */
	uart_wr(&fx, UART8250_RBR_THR, 1);
	uart_wr(&fx, UART8250_RBR_THR, 2);
	ASSERT_TRUE(uart_rd(&fx, UART8250_LSR) & UART8250_LSR_DR);
	uart_wr(&fx, UART8250_IIR_FCR, UART8250_FCR_ENABLE | UART8250_FCR_CLEAR_RX);
	ASSERT_EQ(uart_rd(&fx, UART8250_LSR) & UART8250_LSR_DR, 0);
	/* ...and the FIFO keeps working afterwards. */
	uart_wr(&fx, UART8250_RBR_THR, 3);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 3);
	ASSERT_EQ(uart_pending_output(&fx), 0);
	uart_fx_fini(&fx);
}

TEST(uart_loopback_msr_mirrors_mcr)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	for (unsigned m = 0; m < 16; m++) {
		uint8_t want = 0;

		if (m & UART8250_MCR_DTR)
			want |= UART8250_MSR_DSR;
		if (m & UART8250_MCR_RTS)
			want |= UART8250_MSR_CTS;
		if (m & UART8250_MCR_OUT1)
			want |= UART8250_MSR_RI;
		if (m & UART8250_MCR_OUT2)
			want |= UART8250_MSR_DCD;
		uart_wr(&fx, UART8250_MCR, (uint8_t)(UART8250_MCR_LOOP | m));
		if (uart_rd(&fx, UART8250_MSR) != want)
			test_fail(__FILE__, __LINE__, "MCR 0x%x: MSR 0x%x, want 0x%x", m,
				  uart_rd(&fx, UART8250_MSR), want);
	}
	/* Linux's autoconfig probe: LOOP with OUT2 and RTS (0x0a) must read DCD and CTS. */
	uart_wr(&fx, UART8250_MCR, UART8250_MCR_LOOP | 0x0a);
	ASSERT_EQ(uart_rd(&fx, UART8250_MSR) & 0xf0, 0x90);
	uart_wr(&fx, UART8250_MCR, UART8250_MCR_OUT2);
	ASSERT_EQ(uart_rd(&fx, UART8250_MSR), 0xb0);
	uart_fx_fini(&fx);
}

TEST(uart_loopback_raises_rx_interrupt)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_wr(&fx, UART8250_MCR, UART8250_MCR_LOOP | UART8250_MCR_OUT2);
	uart_wr(&fx, UART8250_IER, UART8250_IER_RDI);
	ASSERT_EQ(fx.calls, 0);
	uart_wr(&fx, UART8250_RBR_THR, 0x42);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_RDI);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 0x42);
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_NO_INT);
	uart_fx_fini(&fx);
}

TEST(uart_irq_follows_rx_data)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_fx_wire_input(&fx);
	/* Input without IER.RDI: no interrupt. */
	uart_push(&fx, "a");
	ASSERT_EQ(fx.calls, 0);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_NO_INT);
	/* Enabling RDI with data waiting raises the line. */
	uart_wr(&fx, UART8250_IER, UART8250_IER_RDI);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(fx.calls, 1);
	/* More input while high: no redundant calls. */
	uart_push(&fx, "bc");
	ASSERT_EQ(fx.calls, 1);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'a');
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'b');
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'c');
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(fx.calls, 2);
	/* New input raises it through the console notification. */
	uart_push(&fx, "d");
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(fx.raises, 2);
	/* Masking lowers it, unmasking raises it again; the byte stays. */
	uart_wr(&fx, UART8250_IER, 0);
	ASSERT_TRUE(!fx.level);
	uart_wr(&fx, UART8250_IER, UART8250_IER_RDI);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'd');
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(fx.calls, 6);
	uart_fx_fini(&fx);
}

TEST(uart_input_ready_recomputes_irq)
{
	uart_check_input_ready_recomputes_irq(&uart8250_model);
}

TEST(uart_irq_thre_and_rx_combined)
{
	struct uart_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	uart_fx_wire_input(&fx);
	uart_wr(&fx, UART8250_IER, UART8250_IER_THRI | UART8250_IER_RDI);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_THRI);
	ASSERT_TRUE(!fx.level);
	uart_push(&fx, "r");
	ASSERT_TRUE(fx.level);
	/* Transmitting while RX is pending keeps the line high (still one source). */
	uart_wr(&fx, UART8250_RBR_THR, 't');
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(uart_rd(&fx, UART8250_RBR_THR), 'r');
	ASSERT_TRUE(fx.level); /* the THRE from the write */
	ASSERT_EQ(uart_rd(&fx, UART8250_IIR_FCR), UART8250_IIR_THRI);
	ASSERT_TRUE(!fx.level);
	ASSERT_EQ(fx.raises, 2);
	ASSERT_EQ(fx.calls, 4);
	uart_fx_fini(&fx);
}

TEST(uart_without_console_or_irq)
{
	struct uart8250 *u = uart8250_create(NULL, NULL, NULL);

	ASSERT_TRUE(u != NULL);
	if (!u)
		return;
	uart8250_io_ops.write(u, UART8250_IER, UART8250_IER_THRI | UART8250_IER_RDI, 1);
	uart8250_io_ops.write(u, UART8250_RBR_THR, 'x', 1);
	ASSERT_EQ(uart8250_io_ops.read(u, UART8250_RBR_THR, 1), 0);
	ASSERT_EQ(uart8250_io_ops.read(u, UART8250_LSR, 1), 0x60);
	ASSERT_EQ(uart8250_io_ops.read(u, UART8250_IIR_FCR, 1), UART8250_IIR_THRI);
	uart8250_input_ready(u);
	uart8250_destroy(u);
	uart8250_destroy(NULL);
}

TEST(uart_on_bus_byte_access_only)
{
	struct uart_fx fx;
	struct bus bus;
	struct io_region r = {"uart", 0x3f8, 8, &uart8250_io_ops, NULL};
	uint8_t data[8];

	ASSERT_TRUE(fx_init(&fx));
	r.opaque = fx.u;
	bus_init(&bus, "pio");
	ASSERT_EQ(bus_register(&bus, &r), 0);
	data[0] = 0x77;
	ASSERT_EQ(bus_access(&bus, 0x3f8 + UART8250_SCR, data, 1, true), BUS_OK);
	data[0] = 0;
	ASSERT_EQ(bus_access(&bus, 0x3f8 + UART8250_SCR, data, 1, false), BUS_OK);
	ASSERT_EQ(data[0], 0x77);
	/* A 2-byte write at THR must neither transmit nor reach IER. */
	data[0] = 'w';
	data[1] = 0x0f;
	ASSERT_EQ(bus_access(&bus, 0x3f8, data, 2, true), BUS_BAD_SIZE);
	ASSERT_EQ(uart_pending_output(&fx), 0);
	ASSERT_EQ(uart_rd(&fx, UART8250_IER), 0);
	memset(data, 0, sizeof(data));
	ASSERT_EQ(bus_access(&bus, 0x3f8 + UART8250_LSR, data, 4, false), BUS_BAD_SIZE);
	ASSERT_EQ(data[0], 0xff);
	ASSERT_EQ(data[3], 0xff);
	ASSERT_EQ(data[4], 0);
	bus_destroy(&bus);
	uart_fx_fini(&fx);
}
