// SPDX-License-Identifier: MIT
/* mmu.c: aarch64 stage-1 page-table walk (ARM ARM D8, VMSAv8-64) for crash reports. */
#include "arch/aarch64/mmu.h"

#include <errno.h>
#include <string.h>

#define DESC_VALID	(1ull << 0)
#define DESC_TABLE	(1ull << 1) /* at levels 0-2; at level 3 it marks a page */
#define OUT_ADDR_BITS	48
#define TTBR_BADDR_MASK 0x0000fffffffffffeull

static uint64_t bits(uint64_t v, unsigned hi, unsigned lo)
{
	return (v >> lo) & ((2ull << (hi - lo)) - 1);
}

/* Granule size in address bits from TCR_EL1.TG0 or TG1 (they encode sizes differently). */
static unsigned granule_bits(uint64_t tcr, int upper)
{
	if (upper) {
		switch (bits(tcr, 31, 30)) {
		case 1:
			return 14;
		case 3:
			return 16;
		default:
			return 12;
		}
	}
	switch (bits(tcr, 15, 14)) {
	case 1:
		return 16;
	case 2:
		return 14;
	default:
		return 12;
	}
}

int aarch64_translate(const struct guest_mem *mem, const struct arch_regs *r, uint64_t va,
		      uint64_t *pa)
{
	int upper = (va >> 55) & 1;
	unsigned tsz = (unsigned)(upper ? bits(r->tcr_el1, 21, 16) : bits(r->tcr_el1, 5, 0));
	unsigned g = granule_bits(r->tcr_el1, upper), stride = g - 3, ia_bits, start, level;
	uint64_t table = (upper ? r->ttbr1_el1 : r->ttbr0_el1) & TTBR_BADDR_MASK;
	uint64_t out_mask = ((1ull << OUT_ADDR_BITS) - 1);

	if (!(r->sctlr_el1 & ARM64_SCTLR_M)) {
		*pa = va; /* MMU off: flat */
		return 0;
	}
	if (tsz < 16)
		tsz = 16; /* 52-bit VAs are treated as 48-bit */
	if (tsz > 39)
		tsz = 39;
	ia_bits = 64 - tsz;
	/* The bits above the input range must all equal the selected half's top bit. */
	if ((upper && bits(~va, 63, ia_bits) != 0) || (!upper && bits(va, 63, ia_bits) != 0))
		return -EFAULT;
	/* Each level resolves `stride` bits; the first one whatever is left over. */
	start = 4 - (ia_bits - g + stride - 1) / stride;
	for (level = start;; level++) {
		unsigned shift = g + stride * (3 - level);
		unsigned idx_bits = level == start ? ia_bits - shift : stride;
		uint64_t idx = bits(va, shift + idx_bits - 1, shift), desc;
		const void *p = guest_mem_ptr(mem, table + idx * 8, 8);

		if (!p)
			return -EFAULT;
		memcpy(&desc, p, 8);
		if (!(desc & DESC_VALID))
			return -EFAULT;
		if (level == 3 || !(desc & DESC_TABLE)) {
			/* A page (level 3, must have bit 1) or a block (levels 1-2). */
			if (level == 3 && !(desc & DESC_TABLE))
				return -EFAULT;
			if (level == 0)
				return -EFAULT; /* no level-0 blocks with these granules */
			*pa = (desc & out_mask & ~((1ull << shift) - 1)) |
			      (va & ((1ull << shift) - 1));
			return 0;
		}
		table = desc & out_mask & ~((1ull << g) - 1);
	}
}
