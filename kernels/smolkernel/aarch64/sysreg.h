/* SPDX-License-Identifier: MIT */
/* System register and MMIO accessors for EL1. */
#ifndef SMOLKERNEL_SYSREG_H
#define SMOLKERNEL_SYSREG_H

#include <stdint.h>

/*
 * Reads a system register by name or by its s<op0>_<op1>_c<n>_c<m>_<op2>
 * encoding (for names an older assembler does not know).
 */
#define read_sysreg(reg)                                                                           \
	({                                                                                         \
		uint64_t __v;                                                                      \
		__asm__ volatile("mrs %0, " #reg : "=r"(__v));                                     \
		__v;                                                                               \
	})

/*
 * MMIO: one 32-bit ldr/str with a plain base-register address. Pairs
 * (ldp/stp), writeback and register-offset forms may leave the data abort
 * syndrome invalid (ESR_EL2.ISV = 0), which a hypervisor cannot emulate.
 */
static inline uint32_t mmio_read32(uintptr_t addr)
{
	uint32_t v;

	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(addr) : "memory");
}

#endif
