// SPDX-License-Identifier: MIT
/* platform.c: the x86_64 platform devices and where they sit: COM1 16550A at 0x3f8
 * (IRQ 4), the isa-debug-exit port at 0xf4, the ACPI power registers at 0x600 and the
 * i8042 reset path at 0x60/0x64. */
#include <errno.h>
#include <stdlib.h>

#include "arch/arch.h"
#include "arch/x86_64/layout.h"
#include "devmgr.h"
#include "devices/acpi_pm.h"
#include "devices/debug_exit.h"
#include "devices/i8042.h"
#include "devices/uart8250.h"
#include "log.h"

#define ACPI_S5_SLEEP_TYPE 5 /* must match the \_S5 package in acpi.c's DSDT */

static const struct device_ops debug_exit_dev_ops = {.name = "debug-exit", .destroy = free};
static const struct device_ops acpi_pm_dev_ops = {.name = "acpi-pm", .destroy = free};
static const struct device_ops i8042_dev_ops = {.name = "i8042", .destroy = free};

/* Allocates a zeroed device of @size owned by the manager. */
static void *new_device(struct devmgr *dm, const struct device_ops *ops, size_t size,
			struct device **dev)
{
	void *priv = calloc(1, size);

	if (!priv)
		return NULL;
	*dev = devmgr_add(dm, ops, priv);
	return *dev ? priv : NULL;
}

static int add_debug_exit(struct devmgr *dm)
{
	struct device *dev;
	struct debug_exit *de = new_device(dm, &debug_exit_dev_ops, sizeof(*de), &dev);

	if (!de)
		return -ENOMEM;
	debug_exit_init(de, &dm->env.stop, X86_DEBUG_EXIT_PORT);
	return devmgr_map_pio(dm, dev, &de->region);
}

static int add_acpi_pm(struct devmgr *dm)
{
	struct device *dev;
	struct acpi_pm *pm = new_device(dm, &acpi_pm_dev_ops, sizeof(*pm), &dev);

	if (!pm)
		return -ENOMEM;
	acpi_pm_init(pm, &dm->env.stop, X86_ACPI_PM_PORT, ACPI_S5_SLEEP_TYPE, X86_ACPI_RESET_VALUE);
	return devmgr_map_pio(dm, dev, &pm->region);
}

static int add_i8042(struct devmgr *dm)
{
	struct device *dev;
	struct i8042 *kbc = new_device(dm, &i8042_dev_ops, sizeof(*kbc), &dev);
	int err;

	if (!kbc)
		return -ENOMEM;
	i8042_init(kbc, &dm->env.stop, X86_I8042_DATA_PORT, X86_I8042_CMD_PORT);
	err = devmgr_map_pio(dm, dev, &kbc->data_region);
	return err ? err : devmgr_map_pio(dm, dev, &kbc->cmd_region);
}

/* IOAPIC pins no ISA device of ours uses (0 timer, 1 keyboard, 2 cascade, 3/4 serial,
 * 8 RTC); described to the guest in the DSDT, so they need no legacy mapping. */
static const unsigned virtio_pins[] = {5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22};

const struct devmgr_layout arch_device_layout = {
	.mmio_base = X86_VIRTIO_MMIO_BASE,
	.mmio_stride = X86_VIRTIO_MMIO_STRIDE,
	.mmio_slots = ARRAY_SIZE(virtio_pins),
	.irqs = virtio_pins,
	.nr_irqs = ARRAY_SIZE(virtio_pins),
};

int arch_add_devices(struct devmgr *dm)
{
	int err = uart8250_isa_add(dm, X86_COM1_PORT, X86_COM1_IRQ);

	if (!err)
		err = add_debug_exit(dm);
	if (!err)
		err = add_acpi_pm(dm);
	if (!err)
		err = add_i8042(dm);
	if (err)
		pr_err("cannot create the platform devices: %s",
		       err == -EEXIST ? "two devices claim one port" : "out of memory");
	return err;
}
