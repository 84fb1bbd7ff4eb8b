/* SPDX-License-Identifier: MIT */
/* irq.h: a device's interrupt line. The device only raises and lowers it; the device
 * manager decides once, before the guest runs, how it reaches the guest: nowhere (no
 * interrupt controller: the guest polls), KVM_IRQ_LINE through the backend, or an irqfd
 * that the hypervisor lowers at EOI and irqfd.c raises again while the device still has
 * something pending. */
#pragma once

#include <stdbool.h>

struct backend_ops;
struct vm;

enum irq_route {
	IRQ_ROUTE_NONE,	   /* no interrupt controller (yet) */
	IRQ_ROUTE_BACKEND, /* backend irq_set (KVM_IRQ_LINE) */
	IRQ_ROUTE_IRQFD,   /* signal @fd; resampled through @pending */
};

struct irq_line {
	unsigned num; /* the platform's interrupt number: IOAPIC pin (x86), SPI (arm64) */
	enum irq_route route;
	int fd;
	const struct backend_ops *be;
	struct vm *vm; /* only passed back to the backend */
	/* Optional: whether the device still wants the line up; lets it go through an irqfd
	 * (level semantics by resampling at EOI). */
	bool (*pending)(void *ctx);
	void *pending_ctx;
};

/* Raises or lowers @line. Callable from any thread. */
void irq_line_set(struct irq_line *line, bool level);
/* irq_line_set() with the signature device cores take as their set_irq callback. */
void irq_line_set_cb(void *line, bool level);
