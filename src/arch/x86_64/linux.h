/* SPDX-License-Identifier: MIT */
/* linux.h: booting Linux on x86_64 through the 64-bit boot protocol (boot_params). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "loader/bzimage.h"
#include "util/compiler.h"

struct vm;
struct arch_boot;

/* What the zero page describes besides the kernel itself. */
struct linux_boot_data {
	uint64_t cmdline_gpa;
	size_t cmdline_len; /* without the NUL */
	uint64_t initrd_gpa, initrd_size;
	uint64_t rsdp_gpa;
};

/* Loads the protected-mode kernel of @bz where its header asks; returns the end of the
 * memory it may use (load address + init_size) in @kernel_end. */
int __must_check x86_linux_load_bzimage(struct vm *vm, const struct bzimage *bz, const char *name,
					struct arch_boot *boot, uint64_t *kernel_end);

/* Writes boot_params at X86_ZERO_PAGE_ADDR. @bz is NULL for an ELF vmlinux (a minimal
 * setup header is made up then). Checks the command line against the kernel's limit. */
int __must_check x86_linux_write_zero_page(struct vm *vm, const struct bzimage *bz,
					   const struct linux_boot_data *d);
