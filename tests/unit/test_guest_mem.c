// SPDX-License-Identifier: MIT
/* test_guest_mem.c: RAM region bookkeeping and the bounds of guest -> host translation. */
#include <errno.h>

#include "guest_mem.h"
#include "test.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

TEST(guest_mem_add_basic)
{
	struct guest_mem mem = {0};
	const uint8_t *p;

	ASSERT_EQ(guest_mem_add(&mem, 0, 64 * KiB), 0);
	ASSERT_EQ(guest_mem_add(&mem, 1 * MiB, 128 * KiB), 0);
	ASSERT_EQ(mem.nr_regions, 2);
	ASSERT_EQ(mem.total, 192 * KiB);
	ASSERT_EQ(mem.regions[1].gpa, 1 * MiB);
	ASSERT_EQ(mem.regions[1].size, 128 * KiB);
	/* Fresh RAM is zero-filled. */
	p = guest_mem_ptr(&mem, 0, 64 * KiB);
	ASSERT_TRUE(p != NULL);
	if (p) {
		size_t nonzero = 0;

		for (size_t i = 0; i < 64 * KiB; i++)
			nonzero += p[i] != 0;
		ASSERT_EQ(nonzero, 0);
	}
	guest_mem_free(&mem);
	ASSERT_EQ(mem.nr_regions, 0);
	ASSERT_EQ(mem.total, 0);
	ASSERT_TRUE(guest_mem_ptr(&mem, 0, 1) == NULL);
	/* Freeing twice or freeing a zeroed guest_mem is harmless. */
	guest_mem_free(&mem);
}

TEST(guest_mem_add_refusals)
{
	static const struct {
		uint64_t gpa, size;
	} overlaps[] = {
		{0x10000, 0x10000}, /* identical */
		{0x10000, 0x1000},  /* same start, shorter */
		{0x10000, 0x20000}, /* same start, longer */
		{0x14000, 0x1000},  /* inside */
		{0x1f000, 0x1000},  /* last page */
		{0x0f000, 0x2000},  /* straddles the start */
		{0x0f000, 0x1001},  /* one byte into the start */
		{0x1ffff, 0x1000},  /* starts on the last byte */
		{0x1f000, 0x2000},  /* straddles the end */
		{0x0, 0x100000},    /* contains it */
	};
	struct guest_mem mem = {0};

	ASSERT_EQ(guest_mem_add(&mem, 0x10000, 0x10000), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(overlaps); i++) {
		int err = guest_mem_add(&mem, overlaps[i].gpa, overlaps[i].size);

		if (err != -EINVAL)
			test_fail(__FILE__, __LINE__, "overlap [0x%llx, +0x%llx): %d, want -EINVAL",
				  (unsigned long long)overlaps[i].gpa,
				  (unsigned long long)overlaps[i].size, err);
	}
	ASSERT_EQ(guest_mem_add(&mem, 0x40000, 0), -EINVAL);
	/* A range that wraps past 2^64. */
	ASSERT_EQ(guest_mem_add(&mem, UINT64_MAX - 0xfff, 0x2000), -EINVAL);
	ASSERT_EQ(guest_mem_add(&mem, 0x1000, UINT64_MAX), -EINVAL);
	ASSERT_EQ(mem.nr_regions, 1);
	ASSERT_EQ(mem.total, 0x10000);

	/* Adjacent on both sides is fine. */
	ASSERT_EQ(guest_mem_add(&mem, 0x0f000, 0x1000), 0);
	ASSERT_EQ(guest_mem_add(&mem, 0x20000, 0x1000), 0);
	ASSERT_EQ(guest_mem_add(&mem, 0x100000, 0x1000), 0);
	ASSERT_EQ(mem.nr_regions, GUEST_MEM_MAX_REGIONS);
	/* The table is full. */
	ASSERT_EQ(guest_mem_add(&mem, 0x200000, 0x1000), -EINVAL);
	ASSERT_EQ(mem.nr_regions, GUEST_MEM_MAX_REGIONS);
	ASSERT_EQ(mem.total, 0x13000);
	guest_mem_free(&mem);
}

TEST(guest_mem_ptr_edges)
{
	struct guest_mem mem = {0};
	const uint64_t start = 0x10000, size = 0x10000, end = start + size;
	uint8_t *host;

	ASSERT_EQ(guest_mem_add(&mem, start, size), 0);
	host = mem.regions[0].host;
	ASSERT_TRUE(guest_mem_ptr(&mem, start, 1) == host);
	ASSERT_TRUE(guest_mem_ptr(&mem, start, size) == host);
	ASSERT_TRUE(guest_mem_ptr(&mem, start + 0x123, 0x10) == host + 0x123);
	ASSERT_TRUE(guest_mem_ptr(&mem, end - 1, 1) == host + size - 1);
	ASSERT_TRUE(guest_mem_ptr(&mem, end - 8, 8) == host + size - 8);
	ASSERT_TRUE(guest_mem_ptr(&mem, end, 1) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, end - 4, 8) == NULL); /* crosses the end */
	ASSERT_TRUE(guest_mem_ptr(&mem, start, size + 1) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, start - 1, 1) == NULL); /* just below */
	ASSERT_TRUE(guest_mem_ptr(&mem, start - 1, 2) == NULL); /* crosses the start */
	ASSERT_TRUE(guest_mem_ptr(&mem, 0, 1) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, 0, end) == NULL);
	/* Lengths that would wrap gpa + len around 2^64. */
	ASSERT_TRUE(guest_mem_ptr(&mem, start + 0x10, UINT64_MAX) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, start, UINT64_MAX - start + 1) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, end - 1, UINT64_MAX) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, UINT64_MAX, 1) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, UINT64_MAX, start + 2) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, UINT64_MAX - 0xf, 0x10 + start + 1) == NULL);
	/* Zero-length ranges inside RAM are valid; outside they are not. */
	ASSERT_TRUE(guest_mem_ptr(&mem, start, 0) == host);
	ASSERT_TRUE(guest_mem_ptr(&mem, start + 0x800, 0) == host + 0x800);
	ASSERT_TRUE(guest_mem_ptr(&mem, start - 1, 0) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, end + 1, 0) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, UINT64_MAX, 0) == NULL);
	guest_mem_free(&mem);
}

TEST(guest_mem_ptr_region_at_zero_wraparound)
{
	struct guest_mem mem = {0};

	/* With RAM at 0, a range near 2^64 whose end wraps into that RAM must be refused. */
	ASSERT_EQ(guest_mem_add(&mem, 0, 0x10000), 0);
	ASSERT_TRUE(guest_mem_ptr(&mem, UINT64_MAX, 2) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, UINT64_MAX - 0xf, 0x20) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, 0, UINT64_MAX) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, 1, UINT64_MAX) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, 0, 0x10000) == mem.regions[0].host);
	guest_mem_free(&mem);
}

TEST(guest_mem_ptr_near_top_of_address_space)
{
	struct guest_mem mem = {0};
	const uint64_t gpa = UINT64_MAX - 0x1fff; /* [2^64 - 0x2000, 2^64 - 0x1000) */
	uint8_t *host;

	ASSERT_EQ(guest_mem_add(&mem, gpa, 0x1000), 0);
	host = mem.regions[0].host;
	ASSERT_TRUE(guest_mem_ptr(&mem, gpa, 0x1000) == host);
	ASSERT_TRUE(guest_mem_ptr(&mem, gpa + 0xfff, 1) == host + 0xfff);
	ASSERT_TRUE(guest_mem_ptr(&mem, gpa + 0x1000, 1) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, gpa + 0xff0, 0x20) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, gpa + 0x10, UINT64_MAX - 0x100) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, gpa, UINT64_MAX) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, UINT64_MAX, 1) == NULL);
	ASSERT_EQ(guest_mem_region_end(&mem, gpa), gpa + 0x1000);
	guest_mem_free(&mem);
}

TEST(guest_mem_ptr_two_regions_and_gap)
{
	struct guest_mem mem = {0};
	uint8_t *a, *b;

	ASSERT_EQ(guest_mem_add(&mem, 0x20000, 0x10000), 0); /* B, added first */
	ASSERT_EQ(guest_mem_add(&mem, 0x00000, 0x10000), 0); /* A */
	b = mem.regions[0].host;
	a = mem.regions[1].host;
	ASSERT_TRUE(guest_mem_ptr(&mem, 0xffff, 1) == a + 0xffff);
	ASSERT_TRUE(guest_mem_ptr(&mem, 0x10000, 1) == NULL); /* gap start */
	ASSERT_TRUE(guest_mem_ptr(&mem, 0x18000, 0x10) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, 0x1ffff, 1) == NULL); /* gap end */
	ASSERT_TRUE(guest_mem_ptr(&mem, 0x20000, 1) == b);
	ASSERT_TRUE(guest_mem_ptr(&mem, 0xfff0, 0x20) == NULL);	 /* A into the gap */
	ASSERT_TRUE(guest_mem_ptr(&mem, 0x1fff0, 0x20) == NULL); /* gap into B */
	ASSERT_TRUE(guest_mem_ptr(&mem, 0x0, 0x30000) == NULL);	 /* spans all */
	ASSERT_TRUE(guest_mem_ptr(&mem, 0x2fff0, 0x10) == b + 0xfff0);
	ASSERT_TRUE(guest_mem_ptr(&mem, 0x30000, 1) == NULL);
	guest_mem_free(&mem);
}

TEST(guest_mem_ptr_adjacent_regions_not_merged)
{
	struct guest_mem mem = {0};

	/* Two regions touching in guest-physical space are separate host mappings: one
	 * pointer cannot cover both. */
	ASSERT_EQ(guest_mem_add(&mem, 0x0, 0x10000), 0);
	ASSERT_EQ(guest_mem_add(&mem, 0x10000, 0x10000), 0);
	ASSERT_TRUE(guest_mem_ptr(&mem, 0xfff0, 0x20) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, 0x0, 0x20000) == NULL);
	ASSERT_TRUE(guest_mem_ptr(&mem, 0x10000, 1) == mem.regions[1].host);
	ASSERT_TRUE(guest_mem_ptr(&mem, 0xffff, 1) == mem.regions[0].host + 0xffff);
	ASSERT_EQ(guest_mem_region_end(&mem, 0xffff), 0x10000);
	ASSERT_EQ(guest_mem_region_end(&mem, 0x10000), 0x20000);
	guest_mem_free(&mem);
}

TEST(guest_mem_read_write)
{
	struct guest_mem mem = {0};
	const uint8_t pattern[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t buf[16];
	const uint8_t *host;

	ASSERT_EQ(guest_mem_add(&mem, 0x100000, 0x10000), 0);
	host = mem.regions[0].host;
	ASSERT_EQ(guest_mem_write(&mem, 0x100000, pattern, sizeof(pattern)), 0);
	ASSERT_EQ(host[0], 1);
	ASSERT_EQ(host[7], 8);
	ASSERT_EQ(guest_mem_write(&mem, 0x10fff8, pattern, sizeof(pattern)), 0);
	ASSERT_EQ(host[0xffff], 8);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(guest_mem_read(&mem, 0x10fff8, buf, 8), 0);
	ASSERT_TRUE(!memcmp(buf, pattern, 8));

	/* Crossing the end: refused and nothing written at all. */
	ASSERT_EQ(guest_mem_write(&mem, 0x10fffc, pattern, sizeof(pattern)), -EFAULT);
	ASSERT_EQ(host[0xfffc], 5); /* still the earlier write */
	ASSERT_EQ(guest_mem_write(&mem, 0xffffc, pattern, sizeof(pattern)), -EFAULT);
	ASSERT_EQ(host[0], 1);
	ASSERT_EQ(host[3], 4);
	ASSERT_EQ(guest_mem_write(&mem, 0x0, pattern, 1), -EFAULT);
	ASSERT_EQ(guest_mem_write(&mem, UINT64_MAX - 3, pattern, 8), -EFAULT);

	memset(buf, 0xcc, sizeof(buf));
	ASSERT_EQ(guest_mem_read(&mem, 0x10fffc, buf, 8), -EFAULT);
	ASSERT_EQ(guest_mem_read(&mem, 0x110000, buf, 1), -EFAULT);
	ASSERT_EQ(guest_mem_read(&mem, 0xfffff, buf, 2), -EFAULT);
	ASSERT_EQ(buf[0], 0xcc); /* a refused read leaves the destination alone */
	ASSERT_EQ(buf[7], 0xcc);
	guest_mem_free(&mem);
}

TEST(guest_mem_region_end)
{
	struct guest_mem mem = {0};

	ASSERT_EQ(guest_mem_add(&mem, 0, 0x9f000), 0);
	ASSERT_EQ(guest_mem_add(&mem, 4 * GiB, 0x200000), 0);
	ASSERT_EQ(guest_mem_region_end(&mem, 0), 0x9f000);
	ASSERT_EQ(guest_mem_region_end(&mem, 0x9efff), 0x9f000);
	ASSERT_EQ(guest_mem_region_end(&mem, 0x9f000), 0);
	ASSERT_EQ(guest_mem_region_end(&mem, 4 * GiB - 1), 0);
	ASSERT_EQ(guest_mem_region_end(&mem, 4 * GiB), 4 * GiB + 0x200000);
	ASSERT_EQ(guest_mem_region_end(&mem, 4 * GiB + 0x1fffff), 4 * GiB + 0x200000);
	ASSERT_EQ(guest_mem_region_end(&mem, 4 * GiB + 0x200000), 0);
	ASSERT_EQ(guest_mem_region_end(&mem, UINT64_MAX), 0);
	guest_mem_free(&mem);
	ASSERT_EQ(guest_mem_region_end(&mem, 0), 0);
}
