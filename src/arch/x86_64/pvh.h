/* SPDX-License-Identifier: MIT */
/* pvh.h: the PVH boot ABI's hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h). */
#pragma once

#include <stdint.h>

#include "guest_mem.h"
#include "util/compiler.h"

#define HVM_START_MAGIC 0x336ec578u

struct hvm_start_info {
	uint32_t magic;
	uint32_t version; /* 1: has the memory map fields */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

/* Writes hvm_start_info, its memory map and (if @initrd_size) one module at
 * X86_START_INFO_ADDR; @cmdline_gpa / @rsdp_gpa are 0 when there is none. */
int __must_check pvh_write_start_info(struct guest_mem *mem, uint64_t cmdline_gpa,
				      uint64_t initrd_gpa, uint64_t initrd_size, uint64_t rsdp_gpa);
