// SPDX-License-Identifier: MIT
/* platform.c: the aarch64 platform devices and where they sit: the PL011 console UART at
 * 0x09000000 (SPI 1) and the virtio-mmio slots, as on QEMU's `virt` machine. Power-off and
 * reset need no device: PSCI calls reach smolvm as system events. */
#include <errno.h>
#include <stdlib.h>

#include "arch/aarch64/layout.h"
#include "arch/arch.h"
#include "backend/backend.h"
#include "console.h"
#include "devices/pl011.h"
#include "log.h"
#include "vm.h"

struct arm64_uart {
	struct io_region region;
	struct pl011 *uart;
	struct vm *vm;
};

static void uart_destroy(void *priv)
{
	struct arm64_uart *u = priv;

	pl011_destroy(u->uart);
	free(u);
}

static void uart_set_irq(void *ctx, bool level)
{
	struct arm64_uart *u = ctx;

	if (u->vm->irqchip)
		u->vm->be_ops->irq_set(u->vm, ARM64_UART_SPI, level);
}

static int add_uart(struct vm *vm)
{
	struct arm64_uart *u = calloc(1, sizeof(*u));
	int err;

	if (!u)
		return -ENOMEM;
	u->vm = vm;
	u->uart = pl011_create(vm->console, uart_set_irq, u);
	err = vm_add_device(vm, "pl011", u, uart_destroy);
	if (err) {
		uart_destroy(u);
		return err;
	}
	if (!u->uart)
		return -ENOMEM;
	u->region = (struct io_region){
		.name = "pl011",
		.base = ARM64_UART_BASE,
		.len = ARM64_UART_SIZE,
		.ops = &pl011_io_ops,
		.opaque = u->uart,
	};
	err = bus_register(&vm->mmio, &u->region);
	if (err)
		return err;
	return console_add_input_listener(vm->console, pl011_input_ready, u->uart);
}

int arch_virtio_slot(unsigned index, uint64_t *base, unsigned *irq)
{
	if (index >= ARM64_VIRTIO_SLOTS)
		return -ENOSPC;
	*base = ARM64_VIRTIO_MMIO_BASE + index * ARM64_VIRTIO_MMIO_STRIDE;
	*irq = ARM64_VIRTIO_SPI_BASE + index;
	return 0;
}

int arch_vm_init(struct vm *vm)
{
	int err = add_uart(vm);

	if (err)
		pr_err("cannot create the platform devices: %s",
		       err == -EEXIST ? "two devices claim one address" : "out of memory");
	return err;
}
