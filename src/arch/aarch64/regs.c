// SPDX-License-Identifier: MIT
/* regs.c: aarch64 register dump and disassembly mode for crash reports. */
#include <capstone/capstone.h>

#include "arch/arch.h"

static const char *exception_level(uint64_t pstate)
{
	static const char *const modes[16] = {
		[0x0] = "EL0t", [0x4] = "EL1t", [0x5] = "EL1h", [0x8] = "EL2t", [0x9] = "EL2h",
	};
	const char *m = modes[pstate & 0xf];

	return m ? m : "?";
}

void arch_dump_regs(const struct arch_regs *r, FILE *out)
{
	fprintf(out, "  pc=0x%016llx pstate=0x%08llx (%s, DAIF=%llx)\n", (unsigned long long)r->pc,
		(unsigned long long)r->pstate, exception_level(r->pstate),
		(unsigned long long)(r->pstate >> 6) & 0xf);
	for (unsigned i = 0; i < 31; i += 4) {
		fprintf(out, " ");
		for (unsigned j = i; j < i + 4 && j < 31; j++)
			fprintf(out, " x%-2u=0x%016llx", j, (unsigned long long)r->x[j]);
		fprintf(out, "\n");
	}
	fprintf(out, "  sp=0x%016llx sp_el0=0x%016llx\n", (unsigned long long)r->sp,
		(unsigned long long)r->sp_el0);
	fprintf(out, "  elr_el1=0x%016llx spsr_el1=0x%016llx esr_el1=0x%016llx\n",
		(unsigned long long)r->elr_el1, (unsigned long long)r->spsr_el1,
		(unsigned long long)r->esr_el1);
	fprintf(out, "  far_el1=0x%016llx vbar_el1=0x%016llx sctlr_el1=0x%016llx\n",
		(unsigned long long)r->far_el1, (unsigned long long)r->vbar_el1,
		(unsigned long long)r->sctlr_el1);
	fprintf(out, "  tcr_el1=0x%016llx ttbr0_el1=0x%016llx ttbr1_el1=0x%016llx\n",
		(unsigned long long)r->tcr_el1, (unsigned long long)r->ttbr0_el1,
		(unsigned long long)r->ttbr1_el1);
	fprintf(out, "  mair_el1=0x%016llx\n", (unsigned long long)r->mair_el1);
}

bool arch_shutdown_is_reset(const struct arch_regs *r)
{
	(void)r; /* arm64 resets only through PSCI */
	return false;
}

bool arch_regs_are_reset_state(const struct arch_regs *r)
{
	(void)r; /* no CPU shutdown on arm64: a crash keeps its registers */
	return false;
}

uint64_t arch_regs_pc(const struct arch_regs *r)
{
	return r->pc;
}

void arch_capstone_mode(const struct arch_regs *r, int *cs_arch, int *cs_mode)
{
	(void)r;
	*cs_arch = CS_ARCH_ARM64;
	*cs_mode = CS_MODE_ARM;
}
