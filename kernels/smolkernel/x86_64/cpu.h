/* SPDX-License-Identifier: MIT */
/* Access to x86_64 control registers, MSRs, descriptor tables and CPUID. */
#ifndef SMOLKERNEL_CPU_H
#define SMOLKERNEL_CPU_H

#include <stdint.h>

#define MSR_IA32_APIC_BASE 0x0000001b
#define MSR_EFER	   0xc0000080

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

/* Operand layout of sgdt/sidt in long mode. */
struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void cpu_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);
uint64_t cpu_rdmsr(uint32_t msr);
uint64_t cpu_read_cr0(void);
uint64_t cpu_read_cr3(void);
uint64_t cpu_read_cr4(void);
uint64_t cpu_read_rflags(void);
void cpu_sgdt(struct desc_ptr *d);
void cpu_sidt(struct desc_ptr *d);

#endif
