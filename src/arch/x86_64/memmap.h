/* SPDX-License-Identifier: MIT */
/* memmap.h: x86_64 RAM placement and the e820-style memory map given to guests. */
#pragma once

#include <stdint.h>

#include "guest_mem.h"

enum x86_mem_type { X86_MEM_RAM = 1, X86_MEM_RESERVED = 2 };

struct x86_mem_entry {
	uint64_t addr, size;
	enum x86_mem_type type;
};

#define X86_MEMMAP_MAX 8

/* Splits @ram bytes into the regions below the 32-bit MMIO hole and above 4 GiB; returns
 * the number of regions (1 or 2) written to @gpa/@size. */
unsigned x86_ram_layout(uint64_t ram, uint64_t gpa[2], uint64_t size[2]);

/* The guest's memory map for @mem: RAM with the legacy holes carved out, plus the reserved
 * EBDA and BIOS areas. Returns the number of entries (at most X86_MEMMAP_MAX). */
unsigned x86_build_memmap(const struct guest_mem *mem, struct x86_mem_entry *out);
