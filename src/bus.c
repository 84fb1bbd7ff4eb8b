// SPDX-License-Identifier: MIT
/* bus.c: sorted-array address bus with overlap checks and size policy. */
#include "bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

void bus_destroy(struct bus *bus)
{
	free(bus->regions);
	bus->regions = NULL;
	bus->nr = bus->cap = 0;
}

/* Index of the first region whose base is > addr. */
static unsigned bus_upper_bound(const struct bus *bus, uint64_t addr)
{
	unsigned lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (bus->regions[mid]->base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus_register(struct bus *bus, struct io_region *r)
{
	unsigned pos;

	if (r->len == 0 || r->base + r->len - 1 < r->base || !r->ops)
		return -EINVAL;
	pos = bus_upper_bound(bus, r->base);
	if (pos > 0) {
		const struct io_region *prev = bus->regions[pos - 1];

		if (r->base - prev->base < prev->len)
			return -EEXIST;
	}
	if (pos < bus->nr && bus->regions[pos]->base - r->base < r->len)
		return -EEXIST;
	if (bus->nr == bus->cap) {
		unsigned cap = bus->cap ? bus->cap * 2 : 8;
		struct io_region **n = realloc(bus->regions, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		bus->regions = n;
		bus->cap = cap;
	}
	memmove(&bus->regions[pos + 1], &bus->regions[pos],
		(bus->nr - pos) * sizeof(*bus->regions));
	bus->regions[pos] = r;
	bus->nr++;
	return 0;
}

struct io_region *bus_find(const struct bus *bus, uint64_t addr)
{
	unsigned pos = bus_upper_bound(bus, addr);
	struct io_region *r;

	if (pos == 0)
		return NULL;
	r = bus->regions[pos - 1];
	return addr - r->base < r->len ? r : NULL;
}

static bool size_ok(const struct io_ops *ops, unsigned size)
{
	return (size & (size - 1)) == 0 && size >= ops->min_size && size <= ops->max_size;
}

enum bus_result bus_access(struct bus *bus, uint64_t addr, uint8_t *data, unsigned size,
			   bool is_write)
{
	struct io_region *r = bus_find(bus, addr);
	uint64_t value = 0;
	enum bus_result res = BUS_OK;

	if (size == 0 || size > 8)
		res = BUS_BAD_SIZE;
	else if (!r)
		res = BUS_UNCLAIMED;
	/* An access that straddles the region end is refused rather than cut. */
	else if (!size_ok(r->ops, size) || size > r->len || addr - r->base > r->len - size)
		res = BUS_BAD_SIZE;
	if (res != BUS_OK) {
		if (!is_write)
			memset(data, 0xff, size > 8 ? 8 : size);
		return res;
	}
	if (is_write) {
		memcpy(&value, data, size); /* x86 and arm64 hosts are little-endian */
		if (r->ops->write)
			r->ops->write(r->opaque, addr - r->base, value, size);
	} else {
		value = r->ops->read ? r->ops->read(r->opaque, addr - r->base, size) : ~0ull;
		memcpy(data, &value, size);
	}
	return BUS_OK;
}
