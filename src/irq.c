// SPDX-License-Identifier: MIT
/* irq.c: raising and lowering a device's interrupt line along the route chosen for it. */
#include "irq.h"

#include "backend/backend.h"
#include "irqfd.h"

void irq_line_set(struct irq_line *line, bool level)
{
	switch (line->route) {
	case IRQ_ROUTE_NONE:
		break;
	case IRQ_ROUTE_BACKEND:
		line->be->irq_set(line->vm, line->num, level);
		break;
	case IRQ_ROUTE_IRQFD:
		/* The hypervisor lowers an irqfd line at the guest's EOI; the resampler raises
		 * it again if the device is still pending. */
		if (level)
			irqfd_raise(line->fd);
		break;
	}
}

void irq_line_set_cb(void *line, bool level)
{
	irq_line_set(line, level);
}
