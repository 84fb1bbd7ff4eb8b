// SPDX-License-Identifier: MIT
/* guest_mem.c: guest RAM regions and bounds-checked translation. */
#include "guest_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_ALIGN (2ull << 20)

/* Anonymous RAM aligned to 2 MiB, so the host (and KVM's stage-2 tables) can back it with
 * huge pages: fewer, cheaper first-touch faults, which matters most under nested KVM. */
static void *map_aligned(uint64_t size)
{
	uint64_t span = size + HUGE_ALIGN;
	/* NORESERVE: guests rarely touch all their RAM; pages are committed on first touch. */
	uint8_t *p = mmap(NULL, span, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *aligned;

	if (p == MAP_FAILED)
		return NULL;
	aligned = (uint8_t *)(((uintptr_t)p + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1));
	if (aligned > p)
		munmap(p, (size_t)(aligned - p));
	if (aligned + size < p + span)
		munmap(aligned + size, (size_t)(p + span - (aligned + size)));
	/* The first 2 MiB stay small pages: tiny guests and boot tables live there, and a huge
	 * page would cost them 2 MiB of RSS for a few KiB used. */
	if (size > HUGE_ALIGN)
		madvise(aligned + HUGE_ALIGN, size - HUGE_ALIGN, MADV_HUGEPAGE);
	return aligned;
}

int guest_mem_add(struct guest_mem *mem, uint64_t gpa, uint64_t size)
{
	struct guest_region *r;
	void *host;

	if (size == 0 || gpa + size < gpa || mem->nr_regions == GUEST_MEM_MAX_REGIONS)
		return -EINVAL;
	for (unsigned i = 0; i < mem->nr_regions; i++) {
		r = &mem->regions[i];
		if (gpa < r->gpa + r->size && r->gpa < gpa + size)
			return -EINVAL;
	}
	host = map_aligned(size);
	if (!host)
		return -ENOMEM;
	r = &mem->regions[mem->nr_regions++];
	r->gpa = gpa;
	r->size = size;
	r->host = host;
	mem->total += size;
	return 0;
}

void guest_mem_free(struct guest_mem *mem)
{
	for (unsigned i = 0; i < mem->nr_regions; i++)
		munmap(mem->regions[i].host, mem->regions[i].size);
	memset(mem, 0, sizeof(*mem));
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < mem->nr_regions; i++) {
		const struct guest_region *r = &mem->regions[i];
		uint64_t off = gpa - r->gpa;

		/* Unsigned wrap makes gpa < r->gpa fail the first test. */
		if (gpa >= r->gpa && off <= r->size && len <= r->size - off)
			return r->host + off;
	}
	return NULL;
}

int guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *src, size_t len)
{
	void *dst = guest_mem_ptr(mem, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int guest_mem_read(const struct guest_mem *mem, uint64_t gpa, void *dst, size_t len)
{
	const void *src = guest_mem_ptr(mem, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

uint64_t guest_mem_region_end(const struct guest_mem *mem, uint64_t gpa)
{
	for (unsigned i = 0; i < mem->nr_regions; i++) {
		const struct guest_region *r = &mem->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r->gpa + r->size;
	}
	return 0;
}
