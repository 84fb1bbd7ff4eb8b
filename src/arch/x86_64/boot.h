/* SPDX-License-Identifier: MIT */
/* boot.h: x86_64 boot state shared by the loaders and vCPU reset. */
#pragma once

#include <stdint.h>

#include "arch/x86_64/cpu.h"

#include "arch/x86_64/layout.h"

struct arch_boot {
	enum x86_entry_mode mode;
	uint64_t entry;
	uint64_t boot_data;	       /* zero page (long mode) or hvm_start_info (PVH) */
	char cmdline[X86_CMDLINE_MAX]; /* what the guest gets, with smolvm's additions */
};
