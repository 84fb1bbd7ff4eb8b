// SPDX-License-Identifier: MIT
/* uart8250_isa.c: a 16550A on the ISA port bus: 8 ports, one ISA IRQ, described in the DSDT
 * the way a PC's firmware describes its COM ports (PNP0501). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "aml.h"
#include "console.h"
#include "devices/uart8250.h"
#include "devmgr.h"

#define UART8250_ISA_PORTS 8

struct uart8250_isa {
	struct io_region region;
	struct uart8250 *uart;
};

static void isa_destroy(void *priv)
{
	struct uart8250_isa *isa = priv;

	uart8250_destroy(isa->uart);
	free(isa);
}

/* Device (COMn) { _HID PNP0501, _UID n, _CRS { IO port/8, IRQNoFlags {irq} } } */
static void isa_acpi_describe(const struct device *dev, struct aml *a)
{
	char name[5];
	size_t device, crs;

	snprintf(name, sizeof(name), "COM%u", (dev->index + 1) % 10);
	device = aml_device_begin(a, name);
	aml_name_eisaid(a, "_HID", "PNP0501");
	aml_name_integer(a, "_UID", dev->index + 1);
	crs = aml_crs_begin(a);
	aml_res_io(a, (uint16_t)dev->base, (uint8_t)dev->size);
	aml_res_irq_noflags(a, dev->irq.num);
	aml_crs_end(a, crs);
	aml_package_end(a, device);
}

static const struct device_ops isa_ops = {
	.name = "uart8250",
	.destroy = isa_destroy,
	.acpi_describe = isa_acpi_describe,
};

int uart8250_isa_add(struct devmgr *dm, uint16_t port, unsigned irq)
{
	struct uart8250_isa *isa = calloc(1, sizeof(*isa));
	struct device *dev;
	int err;

	if (!isa)
		return -ENOMEM;
	dev = devmgr_add(dm, &isa_ops, isa);
	if (!dev)
		return -ENOMEM;
	isa->uart = uart8250_create(dm->env.console, irq_line_set_cb, &dev->irq);
	if (!isa->uart)
		return -ENOMEM;
	isa->region = (struct io_region){
		.name = "com1",
		.base = port,
		.len = UART8250_ISA_PORTS,
		.ops = &uart8250_io_ops,
		.opaque = isa->uart,
	};
	err = devmgr_map_pio(dm, dev, &isa->region);
	if (!err)
		err = devmgr_connect_irq(dm, dev, irq, NULL, NULL);
	if (err)
		return err;
	return console_add_input_listener(dm->env.console, uart8250_input_ready, isa->uart);
}
