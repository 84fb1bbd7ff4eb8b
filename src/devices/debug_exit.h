/* SPDX-License-Identifier: MIT */
/* debug_exit.h: QEMU-compatible isa-debug-exit device. A guest write of value V ends the
 * VM; smolvm then exits with status (V << 1) | 1, exactly as QEMU does, so test guests
 * behave the same under both. Region: 4 bytes (x86: I/O port 0xf4). No IRQ. */
#pragma once

#include <stdint.h>

#include "bus.h"
#include "stop.h"

struct debug_exit {
	struct io_region region;
	const struct vm_stopper *stop; /* powers off / resets the VM */
};

/* Fills @dev for a region at @base; the caller registers dev->region on a bus. */
void debug_exit_init(struct debug_exit *dev, const struct vm_stopper *stop, uint64_t base);

/* Process exit status for a written value (QEMU's mapping, truncated to 8 bits by the OS). */
static inline int debug_exit_status(uint64_t value)
{
	return (int)(((value << 1) | 1) & 0xff);
}
