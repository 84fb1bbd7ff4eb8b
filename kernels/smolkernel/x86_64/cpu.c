/* SPDX-License-Identifier: MIT */
/* Thin wrappers around privileged and identification instructions. */
#include "cpu.h"

void cpu_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	__asm__ volatile("cpuid"
			 : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
			 : "a"(leaf), "c"(subleaf));
}

uint64_t cpu_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t cpu_read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

uint64_t cpu_read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

uint64_t cpu_read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

uint64_t cpu_read_rflags(void)
{
	uint64_t v;

	/* Safe to push here: the kernel is built with -mno-red-zone. */
	__asm__ volatile("pushfq\n\tpopq %0" : "=r"(v));
	return v;
}

void cpu_sgdt(struct desc_ptr *d)
{
	__asm__ volatile("sgdt %0" : "=m"(*d));
}

void cpu_sidt(struct desc_ptr *d)
{
	__asm__ volatile("sidt %0" : "=m"(*d));
}
