/* SPDX-License-Identifier: MIT */
/* bus.h: an address space (port I/O or MMIO) on which devices register ranges. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/compiler.h"

/* Callbacks get the offset inside the region. Accesses whose size is not a power of two
 * within [min_size, max_size] never reach them (the bus logs them as guest errors). */
struct io_ops {
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
	void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
	uint8_t min_size, max_size;
};

struct io_region {
	const char *name;
	uint64_t base, len;
	const struct io_ops *ops;
	void *opaque;
};

/* Sorted array of regions, searched by binary search. Registration happens before vCPUs
 * start, so lookups take no lock. */
struct bus {
	const char *name; /* "pio" or "mmio", for messages */
	struct io_region **regions;
	unsigned nr, cap;
};

enum bus_result {
	BUS_OK,
	BUS_UNCLAIMED, /* nothing there: reads see all-ones, writes are dropped */
	BUS_BAD_SIZE,  /* a device is there but refuses this access size */
};

void bus_init(struct bus *bus, const char *name);
void bus_destroy(struct bus *bus);

/* Adds @r (caller-owned, must outlive the bus). -EEXIST if it overlaps a registered
 * region, -EINVAL for an empty or wrapping range, -ENOMEM. */
int __must_check bus_register(struct bus *bus, struct io_region *r);

/* The region containing @addr, or NULL. */
struct io_region *bus_find(const struct bus *bus, uint64_t addr);

/* One access of @size bytes (1..8) at @addr; @data is little-endian guest data.
 * Reads that no device serves are filled with 0xff. */
enum bus_result bus_access(struct bus *bus, uint64_t addr, uint8_t *data, unsigned size,
			   bool is_write);
