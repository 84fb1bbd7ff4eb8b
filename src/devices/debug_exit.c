// SPDX-License-Identifier: MIT
/* debug_exit.c: guest-controlled VM exit with a status code. */
#include "devices/debug_exit.h"

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
	vm_stopper_request(dev->stop, VM_STOP_DEBUG_EXIT, value);
}

static const struct io_ops debug_exit_ops = {
	.read = debug_exit_read,
	.write = debug_exit_write,
	.min_size = 1,
	.max_size = 4,
};

void debug_exit_init(struct debug_exit *dev, const struct vm_stopper *stop, uint64_t base)
{
	dev->stop = stop;
	dev->region = (struct io_region){
		.name = "debug-exit",
		.base = base,
		.len = 4,
		.ops = &debug_exit_ops,
		.opaque = dev,
	};
}
