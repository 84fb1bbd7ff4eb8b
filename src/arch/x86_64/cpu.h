/* SPDX-License-Identifier: MIT */
/* cpu.h: x86_64 boot CPU state: GDT, identity page tables and entry register sets. */
#pragma once

#include <stdint.h>

#include "arch/x86_64/regs.h"
#include "guest_mem.h"
#include "util/compiler.h"

enum x86_entry_mode {
	X86_ENTRY_LONG64, /* 64-bit long mode, first 4 GiB identity mapped */
	X86_ENTRY_PVH32,  /* 32-bit protected mode, paging off (PVH boot ABI) */
};

/* Writes the GDT and the identity page tables into guest memory. */
int __must_check x86_write_boot_tables(struct guest_mem *mem);

/* Register state for entering at @entry in @mode. Long mode: RSI = @boot_data (Linux zero
 * page); PVH: EBX = @boot_data (hvm_start_info). */
void x86_entry_regs(struct arch_regs *r, enum x86_entry_mode mode, uint64_t entry,
		    uint64_t boot_data);
