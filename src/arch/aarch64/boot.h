/* SPDX-License-Identifier: MIT */
/* boot.h: aarch64 boot state shared by boot.c and the vCPU setup. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* arm64's COMMAND_LINE_SIZE. */
#define ARM64_CMDLINE_MAX 2048
/* The kernel, the initrd and the device tree all need room. */
#define ARM64_MIN_MEM (4ull << 20)

struct arch_boot {
	uint64_t entry;	   /* guest-physical entry point */
	uint64_t fdt_addr; /* device tree, passed in x0 */
	uint64_t kernel_end;
	uint64_t initrd_start, initrd_end; /* 0, 0: none */
	bool is_linux;
	char cmdline[ARM64_CMDLINE_MAX];
};
