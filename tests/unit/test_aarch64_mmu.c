// SPDX-License-Identifier: MIT
/* test_aarch64_mmu.c: the stage-1 page-table walk used to disassemble at a guest PC. */
#include <errno.h>
#include <string.h>

#include "arch/aarch64/layout.h"
#include "arch/aarch64/mmu.h"
#include "test.h"

#define MiB (1024ull * 1024)
#define RAM ARM64_RAM_BASE

/* Table and page descriptors (bits 0-1 = 0b11); blocks have bit 1 clear. */
#define TABLE(pa) ((pa) | 3ull)
#define PAGE(pa)  ((pa) | 3ull | (1ull << 10))
#define BLOCK(pa) ((pa) | 1ull | (1ull << 10))

static void put(struct guest_mem *mem, uint64_t gpa, uint64_t desc)
{
	ASSERT_EQ(guest_mem_write(mem, gpa, &desc, sizeof(desc)), 0);
}

static struct arch_regs mmu_on(uint64_t tcr, uint64_t ttbr0, uint64_t ttbr1)
{
	struct arch_regs r;

	memset(&r, 0, sizeof(r));
	r.sctlr_el1 = ARM64_SCTLR_M;
	r.tcr_el1 = tcr;
	r.ttbr0_el1 = ttbr0;
	r.ttbr1_el1 = ttbr1;
	return r;
}

TEST(aarch64_mmu_off_is_flat)
{
	struct guest_mem mem = {0};
	struct arch_regs r;
	uint64_t pa = 0;

	memset(&r, 0, sizeof(r));
	ASSERT_EQ(guest_mem_add(&mem, RAM, 4 * MiB), 0);
	ASSERT_EQ(aarch64_translate(&mem, &r, 0x40080010, &pa), 0);
	ASSERT_EQ(pa, 0x40080010);
	guest_mem_free(&mem);
}

/* 4 KiB granule, 48-bit VAs: four levels for TTBR0, a 2 MiB block through TTBR1. */
TEST(aarch64_mmu_4k_48bit)
{
	struct guest_mem mem = {0};
	const uint64_t l0 = RAM + 0x100000, l1 = l0 + 0x1000, l2 = l1 + 0x1000, l3 = l2 + 0x1000;
	const uint64_t k0 = RAM + 0x110000, k1 = k0 + 0x1000, k2 = k1 + 0x1000;
	/* T0SZ = T1SZ = 16, TG0 = 4K (0), TG1 = 4K (2). */
	const uint64_t tcr = 16 | (16ull << 16) | (2ull << 30);
	const uint64_t va = 0x0000123456789abcull, kva = 0xffff800010234567ull;
	struct arch_regs r = mmu_on(tcr, l0 | (5ull << 48) /* ASID */, k0);
	uint64_t pa = 0;

	ASSERT_EQ(guest_mem_add(&mem, RAM, 4 * MiB), 0);
	put(&mem, l0 + ((va >> 39) & 511) * 8, TABLE(l1));
	put(&mem, l1 + ((va >> 30) & 511) * 8, TABLE(l2));
	put(&mem, l2 + ((va >> 21) & 511) * 8, TABLE(l3));
	put(&mem, l3 + ((va >> 12) & 511) * 8, PAGE(RAM + 0x200000));
	ASSERT_EQ(aarch64_translate(&mem, &r, va, &pa), 0);
	ASSERT_EQ(pa, RAM + 0x200000 + 0xabc);

	put(&mem, k0 + ((kva >> 39) & 511) * 8, TABLE(k1));
	put(&mem, k1 + ((kva >> 30) & 511) * 8, TABLE(k2));
	put(&mem, k2 + ((kva >> 21) & 511) * 8, BLOCK(RAM + 0x200000));
	ASSERT_EQ(aarch64_translate(&mem, &r, kva, &pa), 0);
	ASSERT_EQ(pa, RAM + 0x200000 + (kva & 0x1fffff));

	/* Unmapped neighbours, a non-canonical address and a level-3 "block" all fault. */
	ASSERT_EQ(aarch64_translate(&mem, &r, va + 0x1000, &pa), -EFAULT);
	ASSERT_EQ(aarch64_translate(&mem, &r, kva + 0x40000000, &pa), -EFAULT);
	ASSERT_EQ(aarch64_translate(&mem, &r, 0x0001000000000000ull, &pa), -EFAULT);
	put(&mem, l3 + ((va >> 12) & 511) * 8, BLOCK(RAM));
	ASSERT_EQ(aarch64_translate(&mem, &r, va, &pa), -EFAULT);
	guest_mem_free(&mem);
}

/* 39-bit VAs start at level 1; a table pointer outside RAM faults instead of reading it. */
TEST(aarch64_mmu_4k_39bit_and_bad_table)
{
	struct guest_mem mem = {0};
	const uint64_t l1 = RAM + 0x100000, l2 = l1 + 0x1000;
	struct arch_regs r = mmu_on(25, l1, 0);
	uint64_t pa = 0;

	ASSERT_EQ(guest_mem_add(&mem, RAM, 4 * MiB), 0);
	put(&mem, l1 + 1 * 8, TABLE(l2));
	put(&mem, l2 + 0, BLOCK(RAM));
	ASSERT_EQ(aarch64_translate(&mem, &r, 0x40000123, &pa), 0);
	ASSERT_EQ(pa, RAM + 0x123);
	put(&mem, l1 + 2 * 8, TABLE(0x7ffff000ull));
	ASSERT_EQ(aarch64_translate(&mem, &r, 0x80000000, &pa), -EFAULT);
	/* Tables at an address beyond RAM's end. */
	r.ttbr0_el1 = 0xfffffffff000ull;
	ASSERT_EQ(aarch64_translate(&mem, &r, 0x1000, &pa), -EFAULT);
	guest_mem_free(&mem);
}

/* 64 KiB granule, 42-bit VAs: levels 2 and 3, 13 bits each. */
TEST(aarch64_mmu_64k_granule)
{
	struct guest_mem mem = {0};
	const uint64_t l2 = RAM + 0x100000, l3 = RAM + 0x110000;
	struct arch_regs r = mmu_on(22 | (1ull << 14), l2, 0);
	const uint64_t va = 0x0000020012345678ull;
	uint64_t pa = 0;

	ASSERT_EQ(guest_mem_add(&mem, RAM, 4 * MiB), 0);
	put(&mem, l2 + ((va >> 29) & 0x1fff) * 8, TABLE(l3));
	put(&mem, l3 + ((va >> 16) & 0x1fff) * 8, PAGE(RAM + 0x300000));
	ASSERT_EQ(aarch64_translate(&mem, &r, va, &pa), 0);
	ASSERT_EQ(pa, RAM + 0x300000 + 0x5678);
	guest_mem_free(&mem);
}
