/* SPDX-License-Identifier: MIT */
/* mmu.h: guest-virtual to guest-physical translation by walking an aarch64 guest's stage-1
 * page tables (KVM on arm64 has no KVM_TRANSLATE). */
#pragma once

#include <stdint.h>

#include "arch/arch.h"
#include "guest_mem.h"

/* Translates @va with the EL1&0 regime described by @r (SCTLR_EL1.M, TCR_EL1, TTBRn_EL1);
 * 4, 16 and 64 KiB granules. Returns 0, or -EFAULT if @va is not mapped or a table is
 * outside guest RAM. */
int aarch64_translate(const struct guest_mem *mem, const struct arch_regs *r, uint64_t va,
		      uint64_t *pa);
