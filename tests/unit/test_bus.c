// SPDX-License-Identifier: MIT
/* test_bus.c: region registration (overlaps, bounds), lookup and the access size policy. */
#include <errno.h>
#include <stdlib.h>

#include "bus.h"
#include "test.h"

/* A device that records the last access and answers reads with a fixed value. */
struct probe {
	unsigned reads, writes;
	uint64_t offset, value;
	unsigned size;
	uint64_t answer;
};

static uint64_t probe_read(void *opaque, uint64_t offset, unsigned size)
{
	struct probe *p = opaque;

	p->reads++;
	p->offset = offset;
	p->size = size;
	return p->answer;
}

static void probe_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct probe *p = opaque;

	p->writes++;
	p->offset = offset;
	p->value = value;
	p->size = size;
}

static const struct io_ops ops_any = {probe_read, probe_write, 1, 8};
static const struct io_ops ops_2_to_4 = {probe_read, probe_write, 2, 4};
static const struct io_ops ops_null = {NULL, NULL, 1, 8};

static struct io_region region(uint64_t base, uint64_t len, const struct io_ops *ops, void *opaque)
{
	return (struct io_region){"r", base, len, ops, opaque};
}

TEST(bus_empty)
{
	struct bus bus;
	uint8_t data[8] = {0};

	bus_init(&bus, "pio");
	ASSERT_EQ(bus.nr, 0);
	ASSERT_TRUE(bus_find(&bus, 0) == NULL);
	ASSERT_TRUE(bus_find(&bus, UINT64_MAX) == NULL);
	ASSERT_EQ(bus_access(&bus, 0x80, data, 2, false), BUS_UNCLAIMED);
	ASSERT_EQ(data[0], 0xff);
	ASSERT_EQ(data[1], 0xff);
	ASSERT_EQ(data[2], 0);
	bus_destroy(&bus);
}

TEST(bus_register_overlap_every_shape)
{
	static const struct {
		uint64_t base, len;
	} shapes[] = {
		{0x100, 0x10},	/* identical */
		{0x100, 0x1},	/* same base, shorter */
		{0x100, 0x40},	/* same base, longer */
		{0x104, 0x4},	/* inside */
		{0x10f, 0x1},	/* last byte */
		{0xf8, 0x10},	/* straddles the start */
		{0xff, 0x2},	/* one byte into the start */
		{0x108, 0x10},	/* straddles the end */
		{0x10f, 0x100}, /* starts on the last byte */
		{0xf0, 0x30},	/* contains it */
		{0x0, UINT64_MAX},
	};
	struct probe p = {0};
	struct bus bus;
	struct io_region base = region(0x100, 0x10, &ops_any, &p);

	bus_init(&bus, "mmio");
	ASSERT_EQ(bus_register(&bus, &base), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(shapes); i++) {
		struct io_region r = region(shapes[i].base, shapes[i].len, &ops_any, &p);
		int err = bus_register(&bus, &r);

		if (err != -EEXIST)
			test_fail(__FILE__, __LINE__, "[0x%llx, +0x%llx): %d, want -EEXIST",
				  (unsigned long long)shapes[i].base,
				  (unsigned long long)shapes[i].len, err);
	}
	ASSERT_EQ(bus.nr, 1);
	ASSERT_TRUE(bus_find(&bus, 0x100) == &base);
	ASSERT_TRUE(bus_find(&bus, 0xff) == NULL);
	bus_destroy(&bus);
}

TEST(bus_register_overlap_between_neighbours)
{
	struct probe p = {0};
	struct bus bus;
	struct io_region a = region(0x00, 0x10, &ops_any, &p);
	struct io_region c = region(0x20, 0x10, &ops_any, &p);
	struct io_region over_prev = region(0x0f, 0x2, &ops_any, &p);
	struct io_region over_next = region(0x18, 0x9, &ops_any, &p);
	struct io_region over_both = region(0x08, 0x20, &ops_any, &p);
	struct io_region gap = region(0x10, 0x10, &ops_any, &p);

	bus_init(&bus, "mmio");
	ASSERT_EQ(bus_register(&bus, &c), 0);
	ASSERT_EQ(bus_register(&bus, &a), 0);
	ASSERT_EQ(bus_register(&bus, &over_prev), -EEXIST);
	ASSERT_EQ(bus_register(&bus, &over_next), -EEXIST);
	ASSERT_EQ(bus_register(&bus, &over_both), -EEXIST);
	/* Exactly filling the gap touches both neighbours without overlapping. */
	ASSERT_EQ(bus_register(&bus, &gap), 0);
	ASSERT_EQ(bus.nr, 3);
	ASSERT_TRUE(bus_find(&bus, 0x0f) == &a);
	ASSERT_TRUE(bus_find(&bus, 0x10) == &gap);
	ASSERT_TRUE(bus_find(&bus, 0x1f) == &gap);
	ASSERT_TRUE(bus_find(&bus, 0x20) == &c);
	ASSERT_TRUE(bus_find(&bus, 0x2f) == &c);
	ASSERT_TRUE(bus_find(&bus, 0x30) == NULL);
	bus_destroy(&bus);
}

TEST(bus_register_adjacent_ok)
{
	struct probe p = {0};
	struct bus bus;
	struct io_region mid = region(0x100, 0x10, &ops_any, &p);
	struct io_region below = region(0xf0, 0x10, &ops_any, &p);
	struct io_region above = region(0x110, 0x10, &ops_any, &p);

	bus_init(&bus, "pio");
	ASSERT_EQ(bus_register(&bus, &mid), 0);
	ASSERT_EQ(bus_register(&bus, &above), 0);
	ASSERT_EQ(bus_register(&bus, &below), 0);
	ASSERT_EQ(bus.nr, 3);
	ASSERT_TRUE(bus_find(&bus, 0xef) == NULL);
	ASSERT_TRUE(bus_find(&bus, 0xf0) == &below);
	ASSERT_TRUE(bus_find(&bus, 0xff) == &below);
	ASSERT_TRUE(bus_find(&bus, 0x100) == &mid);
	ASSERT_TRUE(bus_find(&bus, 0x10f) == &mid);
	ASSERT_TRUE(bus_find(&bus, 0x110) == &above);
	ASSERT_TRUE(bus_find(&bus, 0x11f) == &above);
	ASSERT_TRUE(bus_find(&bus, 0x120) == NULL);
	bus_destroy(&bus);
}

TEST(bus_register_invalid)
{
	struct probe p = {0};
	struct bus bus;
	struct io_region empty = region(0x100, 0, &ops_any, &p);
	struct io_region wrap1 = region(UINT64_MAX, 2, &ops_any, &p);
	struct io_region wrap2 = region(2, UINT64_MAX, &ops_any, &p);
	struct io_region wrap3 = region(0x8000000000000000ull, 0x8000000000000001ull, &ops_any, &p);
	struct io_region no_ops = region(0x100, 1, NULL, &p);

	bus_init(&bus, "mmio");
	ASSERT_EQ(bus_register(&bus, &empty), -EINVAL);
	ASSERT_EQ(bus_register(&bus, &wrap1), -EINVAL);
	ASSERT_EQ(bus_register(&bus, &wrap2), -EINVAL);
	ASSERT_EQ(bus_register(&bus, &wrap3), -EINVAL);
	ASSERT_EQ(bus_register(&bus, &no_ops), -EINVAL);
	ASSERT_EQ(bus.nr, 0);
	bus_destroy(&bus);
}

TEST(bus_register_extremes)
{
	struct probe p = {0};
	struct bus bus;
	struct io_region top = region(UINT64_MAX, 1, &ops_any, &p);
	struct io_region to_top =
		region(0x8000000000000000ull, 0x7fffffffffffffffull, &ops_any, &p);
	struct io_region zero = region(0, 1, &ops_any, &p);
	struct io_region all = region(0, UINT64_MAX, &ops_any, &p);

	/* The last byte of the address space is a valid region, and so is [2^63, 2^64 - 1). */
	bus_init(&bus, "mmio");
	ASSERT_EQ(bus_register(&bus, &top), 0);
	ASSERT_EQ(bus_register(&bus, &to_top), 0);
	ASSERT_EQ(bus_register(&bus, &zero), 0);
	ASSERT_TRUE(bus_find(&bus, UINT64_MAX) == &top);
	ASSERT_TRUE(bus_find(&bus, UINT64_MAX - 1) == &to_top);
	ASSERT_TRUE(bus_find(&bus, 0x8000000000000000ull) == &to_top);
	ASSERT_TRUE(bus_find(&bus, 0x7fffffffffffffffull) == NULL);
	ASSERT_TRUE(bus_find(&bus, 0) == &zero);
	ASSERT_TRUE(bus_find(&bus, 1) == NULL);
	bus_destroy(&bus);

	bus_init(&bus, "mmio");
	ASSERT_EQ(bus_register(&bus, &all), 0);
	ASSERT_TRUE(bus_find(&bus, 0) == &all);
	ASSERT_TRUE(bus_find(&bus, UINT64_MAX - 1) == &all);
	ASSERT_TRUE(bus_find(&bus, UINT64_MAX) == NULL);
	ASSERT_EQ(bus_register(&bus, &top), 0);
	ASSERT_TRUE(bus_find(&bus, UINT64_MAX) == &top);
	bus_destroy(&bus);
}

TEST(bus_find_boundaries)
{
	struct probe p = {0};
	struct bus bus;
	struct io_region r = region(0x3f8, 8, &ops_any, &p);

	bus_init(&bus, "pio");
	ASSERT_EQ(bus_register(&bus, &r), 0);
	ASSERT_TRUE(bus_find(&bus, 0) == NULL);
	ASSERT_TRUE(bus_find(&bus, 0x3f7) == NULL);
	ASSERT_TRUE(bus_find(&bus, 0x3f8) == &r);
	ASSERT_TRUE(bus_find(&bus, 0x3fc) == &r);
	ASSERT_TRUE(bus_find(&bus, 0x3ff) == &r);
	ASSERT_TRUE(bus_find(&bus, 0x400) == NULL);
	ASSERT_TRUE(bus_find(&bus, UINT64_MAX) == NULL);
	bus_destroy(&bus);
}

#define MANY 257

TEST(bus_many_regions_out_of_order)
{
	static struct io_region rs[MANY];
	struct probe p = {0};
	struct bus bus;

	bus_init(&bus, "mmio");
	/* 101 is coprime with MANY: every index once, in scrambled order. */
	for (unsigned k = 0; k < MANY; k++) {
		unsigned i = (k * 101 + 7) % MANY;

		rs[i] = region(0x1000 + (uint64_t)i * 0x100, 0x10 + i % 13, &ops_any, &p);
		if (bus_register(&bus, &rs[i]) != 0)
			test_fail(__FILE__, __LINE__, "registering region %u failed", i);
	}
	ASSERT_EQ(bus.nr, MANY);
	ASSERT_TRUE(bus.cap >= bus.nr);
	for (unsigned i = 0; i + 1 < bus.nr; i++)
		ASSERT_TRUE(bus.regions[i]->base < bus.regions[i + 1]->base);
	for (unsigned i = 0; i < MANY; i++) {
		uint64_t b = rs[i].base, e = rs[i].base + rs[i].len;

		if (bus_find(&bus, b) != &rs[i] || bus_find(&bus, e - 1) != &rs[i] ||
		    bus_find(&bus, b + rs[i].len / 2) != &rs[i] || bus_find(&bus, e) != NULL ||
		    bus_find(&bus, b - 1) != NULL)
			test_fail(__FILE__, __LINE__, "lookup around region %u is wrong", i);
	}
	ASSERT_TRUE(bus_find(&bus, 0xfff) == NULL);
	ASSERT_TRUE(bus_find(&bus, 0x1000 + MANY * 0x100ull) == NULL);
	/* Overlaps are still caught anywhere in a large table. */
	for (unsigned i = 0; i < MANY; i += 16) {
		struct io_region dup = region(rs[i].base + rs[i].len - 1, 0x80, &ops_any, &p);

		if (bus_register(&bus, &dup) != -EEXIST)
			test_fail(__FILE__, __LINE__, "overlap with region %u accepted", i);
	}
	ASSERT_EQ(bus.nr, MANY);
	bus_destroy(&bus);
	ASSERT_EQ(bus.nr, 0);
	ASSERT_TRUE(bus.regions == NULL);
}

TEST(bus_access_passes_offset_and_value)
{
	struct probe p = {.answer = 0x1122334455667788ull};
	struct bus bus;
	struct io_region r = region(0x1000, 0x100, &ops_any, &p);
	uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	bus_init(&bus, "mmio");
	ASSERT_EQ(bus_register(&bus, &r), 0);
	ASSERT_EQ(bus_access(&bus, 0x1042, data, 4, true), BUS_OK);
	ASSERT_EQ(p.writes, 1);
	ASSERT_EQ(p.offset, 0x42);
	ASSERT_EQ(p.size, 4);
	ASSERT_EQ(p.value, 0x04030201); /* little-endian, upper bytes not picked up */
	ASSERT_EQ(p.reads, 0);

	ASSERT_EQ(bus_access(&bus, 0x1000, data, 8, true), BUS_OK);
	ASSERT_EQ(p.offset, 0);
	ASSERT_EQ(p.value, 0x0807060504030201ull);

	memset(data, 0xee, sizeof(data));
	ASSERT_EQ(bus_access(&bus, 0x10fe, data, 2, false), BUS_OK);
	ASSERT_EQ(p.reads, 1);
	ASSERT_EQ(p.offset, 0xfe);
	ASSERT_EQ(p.size, 2);
	ASSERT_EQ(data[0], 0x88);
	ASSERT_EQ(data[1], 0x77);
	ASSERT_EQ(data[2], 0xee); /* beyond the access: untouched */

	ASSERT_EQ(bus_access(&bus, 0x10f8, data, 8, false), BUS_OK);
	ASSERT_EQ(p.offset, 0xf8);
	ASSERT_EQ(data[0], 0x88);
	ASSERT_EQ(data[7], 0x11);
	bus_destroy(&bus);
}

TEST(bus_access_size_policy)
{
	struct probe p = {.answer = 0};
	struct bus bus;
	struct io_region r = region(0x100, 0x10, &ops_2_to_4, &p);
	uint8_t data[8];

	bus_init(&bus, "pio");
	ASSERT_EQ(bus_register(&bus, &r), 0);
	for (unsigned size = 0; size <= 9; size++) {
		enum bus_result want = (size == 2 || size == 4) ? BUS_OK : BUS_BAD_SIZE;
		unsigned filled = size > 8 ? 8 : size;

		memset(data, 0x5c, sizeof(data));
		if (bus_access(&bus, 0x100, data, size, false) != want)
			test_fail(__FILE__, __LINE__, "read of size %u: wrong result", size);
		if (want == BUS_BAD_SIZE) {
			for (unsigned i = 0; i < 8; i++)
				if (data[i] != (i < filled ? 0xff : 0x5c))
					test_fail(__FILE__, __LINE__,
						  "refused read of size %u: byte %u is 0x%x", size,
						  i, data[i]);
		} else {
			for (unsigned i = 0; i < 8; i++)
				if (data[i] != (i < size ? 0 : 0x5c))
					test_fail(__FILE__, __LINE__,
						  "read of size %u: byte %u is 0x%x", size, i,
						  data[i]);
		}
		if (bus_access(&bus, 0x100, data, size, true) != want)
			test_fail(__FILE__, __LINE__, "write of size %u: wrong result", size);
	}
	/* Only the sizes 2 and 4 reached the device, once as read and once as write each. */
	ASSERT_EQ(p.reads, 2);
	ASSERT_EQ(p.writes, 2);
	bus_destroy(&bus);
}

TEST(bus_access_straddling_end_refused)
{
	struct probe p = {.answer = 0};
	struct bus bus;
	struct io_region r = region(0x2000, 0x10, &ops_any, &p);
	struct io_region next = region(0x2010, 0x10, &ops_any, &p);
	uint8_t data[8];

	bus_init(&bus, "mmio");
	ASSERT_EQ(bus_register(&bus, &r), 0);
	ASSERT_EQ(bus_register(&bus, &next), 0);
	/* Last fitting accesses of each size are fine... */
	ASSERT_EQ(bus_access(&bus, 0x2008, data, 8, false), BUS_OK);
	ASSERT_EQ(bus_access(&bus, 0x200c, data, 4, false), BUS_OK);
	ASSERT_EQ(bus_access(&bus, 0x200f, data, 1, false), BUS_OK);
	ASSERT_EQ(p.reads, 3);
	/* ...one byte further is refused, even with a device right behind. */
	memset(data, 0, sizeof(data));
	ASSERT_EQ(bus_access(&bus, 0x2009, data, 8, false), BUS_BAD_SIZE);
	for (unsigned i = 0; i < 8; i++)
		ASSERT_EQ(data[i], 0xff);
	memset(data, 0, sizeof(data));
	ASSERT_EQ(bus_access(&bus, 0x200e, data, 4, false), BUS_BAD_SIZE);
	ASSERT_EQ(data[0], 0xff);
	ASSERT_EQ(data[3], 0xff);
	ASSERT_EQ(data[4], 0);
	ASSERT_EQ(bus_access(&bus, 0x200f, data, 2, true), BUS_BAD_SIZE);
	ASSERT_EQ(p.reads, 3);
	ASSERT_EQ(p.writes, 0);
	bus_destroy(&bus);
}

TEST(bus_access_unclaimed)
{
	struct probe p = {0};
	struct bus bus;
	struct io_region r = region(0x60, 1, &ops_any, &p);
	uint8_t data[8];

	bus_init(&bus, "pio");
	ASSERT_EQ(bus_register(&bus, &r), 0);
	memset(data, 0, sizeof(data));
	ASSERT_EQ(bus_access(&bus, 0x61, data, 4, false), BUS_UNCLAIMED);
	ASSERT_EQ(data[0], 0xff);
	ASSERT_EQ(data[3], 0xff);
	ASSERT_EQ(data[4], 0);
	memset(data, 0, sizeof(data));
	ASSERT_EQ(bus_access(&bus, 0x5f, data, 8, false), BUS_UNCLAIMED);
	for (unsigned i = 0; i < 8; i++)
		ASSERT_EQ(data[i], 0xff);
	memset(data, 0x12, sizeof(data));
	ASSERT_EQ(bus_access(&bus, 0x61, data, 1, true), BUS_UNCLAIMED);
	ASSERT_EQ(data[0], 0x12); /* a dropped write leaves the buffer alone */
	ASSERT_EQ(p.reads + p.writes, 0);
	bus_destroy(&bus);
}

TEST(bus_access_null_callbacks)
{
	struct bus bus;
	struct io_region r = region(0x80, 8, &ops_null, NULL);
	uint8_t data[8] = {0};

	bus_init(&bus, "pio");
	ASSERT_EQ(bus_register(&bus, &r), 0);
	/* A device without a read callback reads as all-ones; writes are accepted. */
	ASSERT_EQ(bus_access(&bus, 0x80, data, 4, false), BUS_OK);
	ASSERT_EQ(data[0], 0xff);
	ASSERT_EQ(data[3], 0xff);
	ASSERT_EQ(data[4], 0);
	ASSERT_EQ(bus_access(&bus, 0x80, data, 4, true), BUS_OK);
	bus_destroy(&bus);
}

TEST(bus_reuse_after_destroy)
{
	struct probe p = {0};
	struct bus bus;
	struct io_region a = region(0x10, 0x10, &ops_any, &p);

	bus_init(&bus, "pio");
	ASSERT_EQ(bus_register(&bus, &a), 0);
	bus_destroy(&bus);
	ASSERT_TRUE(bus_find(&bus, 0x10) == NULL);
	ASSERT_EQ(bus_register(&bus, &a), 0);
	ASSERT_TRUE(bus_find(&bus, 0x10) == &a);
	bus_destroy(&bus);
}
