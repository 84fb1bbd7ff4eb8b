/* SPDX-License-Identifier: MIT */
/* elf_build.h: the ELF64 file header the loader tests (test_elf.c, test_regressions.c)
 * craft their files around. */
#pragma once

#include <elf.h>
#include <string.h>

/* A little-endian ELF64 executable header for @machine whose @phnum program headers start
 * at @phoff. */
static inline Elf64_Ehdr elf64_ehdr(uint16_t machine, uint64_t entry, uint64_t phoff,
				    uint16_t phnum)
{
	Elf64_Ehdr eh = {0};

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = machine;
	eh.e_version = EV_CURRENT;
	eh.e_entry = entry;
	eh.e_phoff = phoff;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = phnum;
	return eh;
}
