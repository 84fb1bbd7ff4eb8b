/* SPDX-License-Identifier: MIT */
/* guest_mem.h: guest RAM regions and bounds-checked guest-physical -> host translation. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/compiler.h"

#define GUEST_MEM_MAX_REGIONS 4

struct guest_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct guest_mem {
	struct guest_region regions[GUEST_MEM_MAX_REGIONS];
	unsigned nr_regions;
	uint64_t total;
};

/* Maps an anonymous, zero-filled region of @size bytes at @gpa. Regions must not overlap.
 * Returns 0, -EINVAL (overlap, zero size, too many regions) or -ENOMEM. */
int __must_check guest_mem_add(struct guest_mem *mem, uint64_t gpa, uint64_t size);

/* Unmaps every region; safe on a partly built or zeroed guest_mem. */
void guest_mem_free(struct guest_mem *mem);

/* Host pointer to [gpa, gpa + len) if that whole range lies inside one RAM region,
 * else NULL. Overflow-safe; the one way smolvm turns guest addresses into pointers. */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Copies into / out of guest RAM; -EFAULT if the range is not wholly RAM. */
int __must_check guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *src,
				 size_t len);
int __must_check guest_mem_read(const struct guest_mem *mem, uint64_t gpa, void *dst, size_t len);

/* Top of the RAM region containing @gpa (exclusive), or 0 if @gpa is not RAM. */
uint64_t guest_mem_region_end(const struct guest_mem *mem, uint64_t gpa);
