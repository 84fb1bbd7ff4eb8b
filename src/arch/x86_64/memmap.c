// SPDX-License-Identifier: MIT
/* memmap.c: x86_64 RAM layout and memory map. */
#include "arch/x86_64/memmap.h"

#include "arch/x86_64/layout.h"
#include "util/compiler.h"

unsigned x86_ram_layout(uint64_t ram, uint64_t gpa[2], uint64_t size[2])
{
	gpa[0] = 0;
	size[0] = ram < X86_MMIO_HOLE_START ? ram : X86_MMIO_HOLE_START;
	if (ram <= X86_MMIO_HOLE_START)
		return 1;
	gpa[1] = X86_HIGH_RAM_START;
	size[1] = ram - X86_MMIO_HOLE_START;
	return 2;
}

unsigned x86_build_memmap(const struct guest_mem *mem, struct x86_mem_entry *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < mem->nr_regions; i++) {
		const struct guest_region *r = &mem->regions[i];
		uint64_t end = r->gpa + r->size;

		if (r->gpa == 0) {
			if (n + 4 > X86_MEMMAP_MAX)
				break;
			/* Conventional memory, then the EBDA and the BIOS area as PCs have them. */
			out[n++] = (struct x86_mem_entry){0, MIN(end, X86_EBDA_START), X86_MEM_RAM};
			out[n++] = (struct x86_mem_entry){X86_EBDA_START, 0xa0000 - X86_EBDA_START,
							  X86_MEM_RESERVED};
			out[n++] = (struct x86_mem_entry){0xf0000, 0x10000, X86_MEM_RESERVED};
			if (end > X86_HIMEM_START)
				out[n++] = (struct x86_mem_entry){
					X86_HIMEM_START, end - X86_HIMEM_START, X86_MEM_RAM};
		} else {
			if (n + 1 > X86_MEMMAP_MAX)
				break;
			out[n++] = (struct x86_mem_entry){r->gpa, r->size, X86_MEM_RAM};
		}
	}
	return n;
}
