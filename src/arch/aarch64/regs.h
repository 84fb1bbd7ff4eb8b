/* SPDX-License-Identifier: MIT */
/* regs.h: backend-neutral aarch64 vCPU register state (EL1 guests). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct arch_regs {
	uint64_t x[31]; /* x0..x30 (x30 = link register) */
	uint64_t sp;	/* SP_EL1 (the kernel's stack pointer) */
	uint64_t sp_el0;
	uint64_t pc;
	uint64_t pstate;
	/* System registers, read for reports; set_regs ignores them. */
	uint64_t elr_el1, spsr_el1, esr_el1, far_el1, vbar_el1;
	uint64_t sctlr_el1, tcr_el1, ttbr0_el1, ttbr1_el1, mair_el1;
};

/* PSTATE: EL1 with SP_EL1 (EL1h), and the D, A, I, F exception masks. */
#define ARM64_PSTATE_EL1H 0x5ull
#define ARM64_PSTATE_DAIF (0xfull << 6)
#define ARM64_SCTLR_M	  (1ull << 0)
