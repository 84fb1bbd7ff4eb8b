// SPDX-License-Identifier: MIT
/* debug_exit.c: guest-controlled VM exit with a status code. */
#include "devices/debug_exit.h"

#include "vm.h"

static uint64_t debug_exit_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)opaque;
	(void)offset;
	(void)size;
	return 0;
}

static void debug_exit_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct debug_exit *dev = opaque;

	(void)offset;
	(void)size;
	vm_request_stop(dev->vm, VM_STOP_DEBUG_EXIT, value);
}

static const struct io_ops debug_exit_ops = {
	.read = debug_exit_read,
	.write = debug_exit_write,
	.min_size = 1,
	.max_size = 4,
};

void debug_exit_init(struct debug_exit *dev, struct vm *vm, uint64_t base)
{
	dev->vm = vm;
	dev->region = (struct io_region){
		.name = "debug-exit",
		.base = base,
		.len = 4,
		.ops = &debug_exit_ops,
		.opaque = dev,
	};
}
