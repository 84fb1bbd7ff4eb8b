// SPDX-License-Identifier: MIT
/* cpu.c: x86_64 boot CPU state. */
#include "arch/x86_64/cpu.h"

#include <errno.h>
#include <string.h>

#include "arch/x86_64/layout.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_RW	    (1ull << 1)
#define PTE_PS	    (1ull << 7) /* 2 MiB page in a page directory */

#define X86_CR0_MP	   (1ull << 1)
#define X86_CR0_WP	   (1ull << 16)
#define X86_CR4_OSFXSR	   (1ull << 9)
#define X86_CR4_OSXMMEXCPT (1ull << 10)

/* GDT descriptor from base/limit and the access/flags bytes. */
static uint64_t gdt_entry(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return ((uint64_t)(base & 0xff000000u) << 32) | ((uint64_t)(flags & 0xf) << 52) |
	       ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)access << 40) |
	       ((uint64_t)(base & 0x00ffffffu) << 16) | (limit & 0xffffu);
}

int x86_write_boot_tables(struct guest_mem *mem)
{
	const uint64_t gdt[] = {
		0,
		gdt_entry(0, 0xfffff, 0x9b, 0xc), /* 0x08: 32-bit code, flat */
		gdt_entry(0, 0xfffff, 0x9b, 0xa), /* 0x10: 64-bit code */
		gdt_entry(0, 0xfffff, 0x93, 0xc), /* 0x18: data, flat */
		gdt_entry(0, 0x67, 0x8b, 0x0),	  /* 0x20: busy TSS (KVM wants a usable TR) */
	};
	uint64_t *pml4 = guest_mem_ptr(mem, X86_PML4_ADDR, 4096);
	uint64_t *pdpt = guest_mem_ptr(mem, X86_PDPT_ADDR, 4096);
	uint64_t *pd = guest_mem_ptr(mem, X86_PD_ADDR, 4 * 4096);

	if (!pml4 || !pdpt || !pd || guest_mem_write(mem, X86_GDT_ADDR, gdt, sizeof(gdt)))
		return -EFAULT;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = X86_PDPT_ADDR | PTE_PRESENT | PTE_RW;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (X86_PD_ADDR + i * 4096) | PTE_PRESENT | PTE_RW;
	/* 2048 2-MiB pages: the first 4 GiB, identity mapped. */
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_PRESENT | PTE_RW | PTE_PS;
	return 0;
}

static struct x86_segment flat_segment(uint16_t selector, uint8_t type, bool code64)
{
	return (struct x86_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.s = 1,
		.g = 1,
		.l = code64,
		.db = !code64,
	};
}

void x86_entry_regs(struct arch_regs *r, enum x86_entry_mode mode, uint64_t entry,
		    uint64_t boot_data)
{
	bool long64 = mode == X86_ENTRY_LONG64;
	struct x86_segment data = flat_segment(X86_SEL_DATA, 0x3, false);

	memset(r, 0, sizeof(*r));
	r->rip = entry;
	r->rflags = 0x2; /* reserved bit 1; interrupts off */
	r->cs = long64 ? flat_segment(X86_SEL_CODE64, 0xb, true)
		       : flat_segment(X86_SEL_CODE32, 0xb, false);
	r->ds = r->es = r->fs = r->gs = r->ss = data;
	r->tr = (struct x86_segment){
		.selector = X86_SEL_TSS,
		.limit = 0x67,
		.type = 0xb,
		.present = 1,
	};
	r->ldt = (struct x86_segment){.type = 0x2, .present = 1, .unusable = 1};
	r->gdt = (struct x86_dtable){X86_GDT_ADDR, 5 * 8 - 1};
	r->idt = (struct x86_dtable){0, 0};
	if (long64) {
		r->cr0 =
			X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
		r->cr3 = X86_PML4_ADDR;
		r->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
		r->efer = X86_EFER_LME | X86_EFER_LMA;
		r->gpr[X86_RSI] = boot_data;
		r->gpr[X86_RSP] = X86_BOOT_STACK_TOP;
	} else {
		r->cr0 = X86_CR0_PE | X86_CR0_ET;
		r->gpr[X86_RBX] = boot_data;
	}
}
