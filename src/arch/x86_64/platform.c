// SPDX-License-Identifier: MIT
/* platform.c: the x86_64 platform devices and where they sit: COM1 16550A at 0x3f8 (IRQ 4)
 * and the isa-debug-exit port at 0xf4. */
#include <errno.h>
#include <stdlib.h>

#include "arch/arch.h"
#include "arch/x86_64/layout.h"
#include "console.h"
#include "devices/debug_exit.h"
#include "devices/uart8250.h"
#include "log.h"
#include "vm.h"

struct x86_com1 {
	struct io_region region;
	struct uart8250 *uart;
};

static void com1_destroy(void *priv)
{
	struct x86_com1 *com = priv;

	uart8250_destroy(com->uart);
	free(com);
}

static int add_com1(struct vm *vm)
{
	struct x86_com1 *com = calloc(1, sizeof(*com));
	int err;

	if (!com)
		return -ENOMEM;
	com->uart = uart8250_create(vm->console, NULL, NULL);
	err = vm_add_device(vm, "uart8250", com, com1_destroy);
	if (err) {
		com1_destroy(com);
		return err;
	}
	if (!com->uart)
		return -ENOMEM;
	com->region = (struct io_region){
		.name = "com1", .base = X86_COM1_PORT, .len = 8, .ops = &uart8250_io_ops,
		.opaque = com->uart,
	};
	err = bus_register(&vm->pio, &com->region);
	if (err)
		return err;
	return console_start_input(vm->console, uart8250_input_ready, com->uart);
}

static int add_debug_exit(struct vm *vm)
{
	struct debug_exit *dev = calloc(1, sizeof(*dev));
	int err;

	if (!dev)
		return -ENOMEM;
	err = vm_add_device(vm, "debug-exit", dev, free);
	if (err) {
		free(dev);
		return err;
	}
	debug_exit_init(dev, vm, X86_DEBUG_EXIT_PORT);
	return bus_register(&vm->pio, &dev->region);
}

int arch_vm_init(struct vm *vm)
{
	int err = add_com1(vm);

	if (!err)
		err = add_debug_exit(vm);
	if (err)
		pr_err("cannot create the platform devices: %s", err == -EEXIST ? "port clash" : "out of memory");
	return err;
}
