// SPDX-License-Identifier: MIT
/* platform.c: the x86_64 platform devices and where they sit: COM1 16550A at 0x3f8
 * (IRQ 4), the isa-debug-exit port at 0xf4, the ACPI power registers at 0x600 and the
 * i8042 reset path at 0x60/0x64. */
#include <errno.h>
#include <stdlib.h>

#include "arch/arch.h"
#include "arch/x86_64/layout.h"
#include "backend/backend.h"
#include "console.h"
#include "devices/acpi_pm.h"
#include "devices/debug_exit.h"
#include "devices/i8042.h"
#include "devices/uart8250.h"
#include "log.h"
#include "virtio/virtio_dev.h"
#include "vm.h"

#define ACPI_S5_SLEEP_TYPE 5 /* must match the \_S5 package in acpi.c's DSDT */

struct x86_com1 {
	struct io_region region;
	struct uart8250 *uart;
	struct vm *vm;
};

static void com1_destroy(void *priv)
{
	struct x86_com1 *com = priv;

	uart8250_destroy(com->uart);
	free(com);
}

/* IRQ 4 on the in-kernel PIC/IOAPIC; without them the guest polls. */
static void com1_set_irq(void *ctx, bool level)
{
	struct x86_com1 *com = ctx;

	if (com->vm->irqchip)
		com->vm->be_ops->irq_set(com->vm, X86_COM1_IRQ, level);
}

static int add_com1(struct vm *vm)
{
	struct x86_com1 *com = calloc(1, sizeof(*com));
	int err;

	if (!com)
		return -ENOMEM;
	com->vm = vm;
	com->uart = uart8250_create(vm->console, com1_set_irq, com);
	err = vm_add_device(vm, "uart8250", com, com1_destroy);
	if (err) {
		com1_destroy(com);
		return err;
	}
	if (!com->uart)
		return -ENOMEM;
	com->region = (struct io_region){
		.name = "com1",
		.base = X86_COM1_PORT,
		.len = 8,
		.ops = &uart8250_io_ops,
		.opaque = com->uart,
	};
	err = bus_register(&vm->pio, &com->region);
	if (err)
		return err;
	return console_add_input_listener(vm->console, uart8250_input_ready, com->uart);
}

/* Allocates a zeroed device of @size owned by the VM. */
static void *new_device(struct vm *vm, const char *name, size_t size)
{
	void *dev = calloc(1, size);

	if (dev && vm_add_device(vm, name, dev, free)) {
		free(dev);
		return NULL;
	}
	return dev;
}

static int add_debug_exit(struct vm *vm)
{
	struct debug_exit *dev = new_device(vm, "debug-exit", sizeof(*dev));

	if (!dev)
		return -ENOMEM;
	debug_exit_init(dev, vm, X86_DEBUG_EXIT_PORT);
	return bus_register(&vm->pio, &dev->region);
}

static int add_acpi_pm(struct vm *vm)
{
	struct acpi_pm *pm = new_device(vm, "acpi-pm", sizeof(*pm));

	if (!pm)
		return -ENOMEM;
	acpi_pm_init(pm, vm, X86_ACPI_PM_PORT, ACPI_S5_SLEEP_TYPE, X86_ACPI_RESET_VALUE);
	return bus_register(&vm->pio, &pm->region);
}

static int add_i8042(struct vm *vm)
{
	struct i8042 *kbc = new_device(vm, "i8042", sizeof(*kbc));
	int err;

	if (!kbc)
		return -ENOMEM;
	i8042_init(kbc, vm, X86_I8042_DATA_PORT, X86_I8042_CMD_PORT);
	err = bus_register(&vm->pio, &kbc->data_region);
	return err ? err : bus_register(&vm->pio, &kbc->cmd_region);
}

int arch_virtio_slot(unsigned index, uint64_t *base, unsigned *irq)
{
	/* IOAPIC pins no ISA device of ours uses (0 timer, 1 keyboard, 2 cascade, 3/4 serial,
	 * 8 RTC); described to the guest in the DSDT, so they need no legacy mapping. */
	static const uint8_t pins[] = {5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22};

	if (index >= ARRAY_SIZE(pins))
		return -ENOSPC;
	*base = X86_VIRTIO_MMIO_BASE + index * X86_VIRTIO_MMIO_STRIDE;
	*irq = pins[index];
	return 0;
}

int arch_vm_init(struct vm *vm)
{
	int err = add_com1(vm);

	if (!err)
		err = add_debug_exit(vm);
	if (!err)
		err = add_acpi_pm(vm);
	if (!err)
		err = add_i8042(vm);
	if (err)
		pr_err("cannot create the platform devices: %s",
		       err == -EEXIST ? "two devices claim one port" : "out of memory");
	return err;
}
