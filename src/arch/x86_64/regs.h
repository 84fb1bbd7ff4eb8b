/* SPDX-License-Identifier: MIT */
/* regs.h: backend-neutral x86_64 vCPU register state. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct x86_segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type, present, dpl, db, s, l, g, avl, unusable;
};

struct x86_dtable {
	uint64_t base;
	uint16_t limit;
};

enum x86_gpr {
	X86_RAX,
	X86_RBX,
	X86_RCX,
	X86_RDX,
	X86_RSI,
	X86_RDI,
	X86_RSP,
	X86_RBP,
	X86_R8,
	X86_R9,
	X86_R10,
	X86_R11,
	X86_R12,
	X86_R13,
	X86_R14,
	X86_R15,
	X86_NR_GPRS,
};

struct arch_regs {
	uint64_t gpr[X86_NR_GPRS];
	uint64_t rip, rflags;
	struct x86_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct x86_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer, apic_base;
};

/* The linear address of the instruction at CS:RIP. */
uint64_t x86_linear_pc(uint64_t rip, uint64_t cs_base, bool cs_long, uint64_t efer);

#define X86_CR0_PE   (1ull << 0)
#define X86_CR0_ET   (1ull << 4)
#define X86_CR0_NE   (1ull << 5)
#define X86_CR0_PG   (1ull << 31)
#define X86_CR4_PAE  (1ull << 5)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
