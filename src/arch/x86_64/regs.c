// SPDX-License-Identifier: MIT
/* regs.c: x86_64 register dump and disassembly mode for crash reports. */
#include <capstone/capstone.h>

#include "arch/arch.h"

static void dump_segment(FILE *out, const char *name, const struct x86_segment *s)
{
	fprintf(out,
		"  %-3s sel=0x%04x base=0x%016llx limit=0x%08x type=0x%x p=%u dpl=%u db=%u "
		"s=%u l=%u g=%u\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->present,
		s->dpl, s->db, s->s, s->l, s->g);
}

void arch_dump_regs(const struct arch_regs *r, FILE *out)
{
	static const char *const names[X86_NR_GPRS] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
		"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
	};

	fprintf(out, "  rip=0x%016llx rflags=0x%016llx\n", (unsigned long long)r->rip,
		(unsigned long long)r->rflags);
	for (unsigned i = 0; i < X86_NR_GPRS; i += 4)
		fprintf(out, "  %-3s=0x%016llx %-3s=0x%016llx %-3s=0x%016llx %-3s=0x%016llx\n",
			names[i], (unsigned long long)r->gpr[i], names[i + 1],
			(unsigned long long)r->gpr[i + 1], names[i + 2],
			(unsigned long long)r->gpr[i + 2], names[i + 3],
			(unsigned long long)r->gpr[i + 3]);
	dump_segment(out, "cs", &r->cs);
	dump_segment(out, "ds", &r->ds);
	dump_segment(out, "es", &r->es);
	dump_segment(out, "fs", &r->fs);
	dump_segment(out, "gs", &r->gs);
	dump_segment(out, "ss", &r->ss);
	dump_segment(out, "tr", &r->tr);
	dump_segment(out, "ldt", &r->ldt);
	fprintf(out, "  gdt base=0x%016llx limit=0x%04x  idt base=0x%016llx limit=0x%04x\n",
		(unsigned long long)r->gdt.base, r->gdt.limit, (unsigned long long)r->idt.base,
		r->idt.limit);
	fprintf(out, "  cr0=0x%016llx cr2=0x%016llx cr3=0x%016llx cr4=0x%016llx\n",
		(unsigned long long)r->cr0, (unsigned long long)r->cr2, (unsigned long long)r->cr3,
		(unsigned long long)r->cr4);
	fprintf(out, "  cr8=0x%016llx efer=0x%016llx apic_base=0x%016llx\n",
		(unsigned long long)r->cr8, (unsigned long long)r->efer,
		(unsigned long long)r->apic_base);
}

bool arch_shutdown_is_reset(const struct arch_regs *r)
{
	return r->idt.limit == 0;
}

bool arch_regs_are_reset_state(const struct arch_regs *r)
{
	/* The architectural reset/INIT state: real mode at f000:fff0 with CS base ffff0000. */
	return r->rip == 0xfff0 && r->cs.selector == 0xf000 && r->cs.base == 0xffff0000ull &&
	       !(r->cr0 & X86_CR0_PE);
}

uint64_t x86_linear_pc(uint64_t rip, uint64_t cs_base, bool cs_long, uint64_t efer)
{
	/* Outside long mode the CS base takes part in forming the linear address. */
	if ((efer & X86_EFER_LMA) && cs_long)
		return rip;
	return (cs_base + rip) & 0xffffffffull;
}

uint64_t arch_regs_pc(const struct arch_regs *r)
{
	return x86_linear_pc(r->rip, r->cs.base, r->cs.l, r->efer);
}

void arch_capstone_mode(const struct arch_regs *r, int *cs_arch, int *cs_mode)
{
	*cs_arch = CS_ARCH_X86;
	if ((r->efer & X86_EFER_LMA) && r->cs.l)
		*cs_mode = CS_MODE_64;
	else if (r->cs.db && (r->cr0 & X86_CR0_PE))
		*cs_mode = CS_MODE_32;
	else
		*cs_mode = CS_MODE_16;
}
