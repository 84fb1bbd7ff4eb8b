/* SPDX-License-Identifier: MIT */
/* elf.h: ELF64 kernel loader (vmlinux and bare-metal kernels). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"
#include "util/compiler.h"

/* A guest-physical range the kernel must not be loaded over (boot tables, low memory). */
struct mem_range {
	uint64_t start, end; /* [start, end) */
	const char *what;
};

struct elf_image {
	uint64_t entry;	     /* physical address of e_entry */
	bool has_pvh;	     /* XEN_ELFNOTE_PHYS32_ENTRY present */
	bool is_linux;	     /* carries "Linux" ELF notes: a vmlinux */
	uint32_t pvh_entry;  /* its 32-bit physical entry point */
	uint64_t load_start; /* lowest and highest (exclusive) loaded physical address */
	uint64_t load_end;
};

/* True if @data starts with the ELF magic. */
bool elf_is_elf(const uint8_t *data, size_t size);

/* Human name of an ELF e_machine value ("x86_64", "aarch64", "i386", ...). */
const char *elf_machine_name(unsigned machine);

/* Checks and loads the PT_LOAD segments of the ELF64 file @data into @mem at their physical
 * addresses (bss zeroed) and finds the PVH note. @name is used in messages. Refuses
 * (logging why, returning -ENOEXEC) files that are not ELF, 32-bit, not for
 * @machine, truncated, with overlapping segments or segments outside RAM or inside
 * @reserved. */
int __must_check elf_load(const uint8_t *data, size_t size, const char *name, unsigned machine,
			  struct guest_mem *mem, const struct mem_range *reserved,
			  unsigned nr_reserved, struct elf_image *out);
