/* SPDX-License-Identifier: MIT */
/* uart_fixture.h: the fixture the UART tests (PL011, 16550A) share: a model driven through
 * its bus callbacks, with a real console whose output goes to a pipe (read back here) and
 * whose input is injected directly or arrives through the console's reader thread, and an
 * interrupt line that counts its calls. */
#pragma once

#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "bus.h"
#include "console.h"
#include "test.h"

/* What the fixture needs to know about one UART model. */
struct uart_model {
	void *(*create)(struct console *con, void (*set_irq)(void *ctx, bool level), void *ctx);
	void (*destroy)(void *uart);
	void (*input_ready)(void *uart);
	const struct io_ops *ops;
	unsigned width; /* bytes per register access in uart_rd() and uart_wr() */
	/* For the tests both models share: the data register and the receive interrupt. */
	unsigned data_reg, rx_irq_reg;
	uint32_t rx_irq_on; /* written to rx_irq_reg to enable the receive interrupt */
};

struct uart_fx {
	const struct uart_model *m;
	int rd, wr; /* console output pipe */
	struct console *con;
	void *u;
	_Atomic bool level;	 /* last level reported through set_irq */
	_Atomic unsigned calls;	 /* set_irq invocations */
	_Atomic unsigned raises; /* transitions to high */
};

static inline void uart_fx_set_irq(void *ctx, bool level)
{
	struct uart_fx *fx = ctx;

	fx->calls++;
	if (level)
		fx->raises++;
	fx->level = level;
}

/* @in_fd: the console's input (-1: input only through console_push_input). */
static inline bool uart_fx_init(struct uart_fx *fx, const struct uart_model *m, int in_fd)
{
	int p[2];

	memset(fx, 0, sizeof(*fx));
	fx->m = m;
	if (pipe2(p, O_NONBLOCK) < 0)
		return false;
	fx->rd = p[0];
	fx->wr = p[1];
	fx->con = console_create(in_fd, fx->wr, NULL);
	if (!fx->con)
		return false;
	fx->u = m->create(fx->con, uart_fx_set_irq, fx);
	return fx->u != NULL;
}

/* Connects console input notifications to the UART, as the VM does. */
static inline void uart_fx_wire_input(struct uart_fx *fx)
{
	ASSERT_EQ(console_start_input(fx->con, fx->m->input_ready, fx->u), 0);
}

static inline void uart_fx_fini(struct uart_fx *fx)
{
	fx->m->destroy(fx->u);
	console_destroy(fx->con);
	close(fx->rd);
	close(fx->wr);
}

/* A register read of the model's width; the value must fit it. */
static inline uint32_t uart_rd(struct uart_fx *fx, unsigned reg)
{
	uint64_t v = fx->m->ops->read(fx->u, reg, fx->m->width);

	ASSERT_TRUE(v <= (1ull << (8 * fx->m->width)) - 1);
	return (uint32_t)v;
}

static inline void uart_wr(struct uart_fx *fx, unsigned reg, uint32_t v)
{
	fx->m->ops->write(fx->u, reg, v, fx->m->width);
}

/* Everything the UART sent to the console so far (non-blocking). */
static inline size_t uart_drain(struct uart_fx *fx, uint8_t *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fx->rd, buf + n, cap - n);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	return n;
}

static inline size_t uart_pending_output(struct uart_fx *fx)
{
	uint8_t buf[512];

	return uart_drain(fx, buf, sizeof(buf));
}

static inline void uart_push(struct uart_fx *fx, const char *s)
{
	console_push_input(fx->con, (const uint8_t *)s, strlen(s));
}

/* Without a console notification wired, pushing input alone cannot change the line; the
 * model's input_ready() does, once. */
static inline void uart_check_input_ready_recomputes_irq(const struct uart_model *m)
{
	struct uart_fx fx;

	ASSERT_TRUE(uart_fx_init(&fx, m, -1));
	uart_wr(&fx, m->rx_irq_reg, m->rx_irq_on);
	uart_push(&fx, "z");
	ASSERT_EQ(fx.calls, 0);
	m->input_ready(fx.u);
	ASSERT_TRUE(fx.level);
	ASSERT_EQ(fx.calls, 1);
	m->input_ready(fx.u);
	ASSERT_EQ(fx.calls, 1);
	ASSERT_EQ(uart_rd(&fx, m->data_reg), 'z');
	ASSERT_TRUE(!fx.level);
	uart_fx_fini(&fx);
}

/* Every byte written to the data register is on the console as soon as the write returns,
 * in order. */
static inline void uart_check_output_unbuffered(struct uart_fx *fx)
{
	for (int i = 0; i < 256; i++) {
		uint8_t c = 0;

		uart_wr(fx, fx->m->data_reg, (uint32_t)i);
		ASSERT_EQ(uart_drain(fx, &c, 1), 1);
		ASSERT_EQ(c, i);
	}
}

/* All 256 byte values arrive in order; @rx_ready tells whether the receiver holds a byte. */
static inline void uart_check_rx_all_byte_values(struct uart_fx *fx,
						 bool (*rx_ready)(struct uart_fx *fx))
{
	uint8_t all[256];

	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)(255 - i);
	console_push_input(fx->con, all, sizeof(all));
	for (int i = 0; i < 256; i++) {
		ASSERT_TRUE(rx_ready(fx));
		ASSERT_EQ(uart_rd(fx, fx->m->data_reg), 255 - i);
	}
	ASSERT_TRUE(!rx_ready(fx));
}
