// SPDX-License-Identifier: MIT
/* pl011_amba.c: a PL011 on the MMIO bus as an AMBA PrimeCell: its 4 KiB region, one level
 * interrupt, and its device-tree node. */
#include <errno.h>
#include <stdlib.h>

#include "console.h"
#include "devices/pl011.h"
#include "devmgr.h"
#include "fdt_writer.h"

struct pl011_amba {
	struct io_region region;
	struct pl011 *uart;
};

static void amba_destroy(void *priv)
{
	struct pl011_amba *amba = priv;

	pl011_destroy(amba->uart);
	free(amba);
}

#define PL011_COMPATIBLE "arm,pl011\0arm,primecell"
#define PL011_CLOCKS	 "uartclk\0apb_pclk"

/* Linux's AMBA bus needs apb_pclk before it reads the PrimeCell ID. */
static int amba_fdt_describe(const struct device *dev, struct fdt_writer *w)
{
	uint32_t clocks[2] = {w->clock_phandle, w->clock_phandle};

	FDTW_TRY(fdtw_begin_node(w, "pl011", dev->base));
	FDTW_TRY(fdtw_strings(w, "compatible", PL011_COMPATIBLE, sizeof(PL011_COMPATIBLE)));
	FDTW_TRY(fdtw_reg(w, dev->base, dev->size));
	FDTW_TRY(fdtw_irq(w, dev->irq.num));
	FDTW_TRY(fdtw_cells(w, "clocks", clocks, 2));
	FDTW_TRY(fdtw_strings(w, "clock-names", PL011_CLOCKS, sizeof(PL011_CLOCKS)));
	return fdtw_end_node(w);
}

static const struct device_ops amba_ops = {
	.name = "pl011",
	.destroy = amba_destroy,
	.fdt_describe = amba_fdt_describe,
};

int pl011_amba_add(struct devmgr *dm, uint64_t base, unsigned irq)
{
	struct pl011_amba *amba = calloc(1, sizeof(*amba));
	struct device *dev;
	int err;

	if (!amba)
		return -ENOMEM;
	dev = devmgr_add(dm, &amba_ops, amba);
	if (!dev)
		return -ENOMEM;
	amba->uart = pl011_create(dm->env.console, irq_line_set_cb, &dev->irq);
	if (!amba->uart)
		return -ENOMEM;
	amba->region = (struct io_region){
		.name = "pl011",
		.base = base,
		.len = PL011_REGION_SIZE,
		.ops = &pl011_io_ops,
		.opaque = amba->uart,
	};
	err = devmgr_map_mmio(dm, dev, &amba->region);
	if (!err)
		err = devmgr_connect_irq(dm, dev, irq, NULL, NULL);
	if (err)
		return err;
	return console_add_input_listener(dm->env.console, pl011_input_ready, amba->uart);
}
