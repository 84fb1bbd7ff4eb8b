// SPDX-License-Identifier: MIT
/* test_x86_boot.c: x86_64 RAM layout, the e820-style memory map, PVH start info, the boot
 * GDT and identity page tables, and the entry register state that relies on them. */
#include <errno.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/memmap.h"
#include "arch/x86_64/pvh.h"
#include "guest_mem.h"
#include "test.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static bool mem_from_layout(struct guest_mem *mem, uint64_t ram)
{
	uint64_t gpa[2], size[2];
	unsigned n = x86_ram_layout(ram, gpa, size);

	memset(mem, 0, sizeof(*mem));
	for (unsigned i = 0; i < n; i++)
		if (guest_mem_add(mem, gpa[i], size[i]))
			return false;
	return true;
}

static void fill(struct guest_mem *mem, uint64_t gpa, uint64_t len, uint8_t v)
{
	uint8_t *p = guest_mem_ptr(mem, gpa, len);

	if (p)
		memset(p, v, len);
}

static bool all_equal(const struct guest_mem *mem, uint64_t gpa, uint64_t len, uint8_t v)
{
	const uint8_t *p = guest_mem_ptr(mem, gpa, len);

	if (!p)
		return false;
	for (uint64_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static uint64_t rd64(const struct guest_mem *mem, uint64_t gpa)
{
	uint64_t v = 0xbadbadbadbadull;

	if (guest_mem_read(mem, gpa, &v, sizeof(v)))
		test_fail(__FILE__, __LINE__, "guest read at 0x%llx failed",
			  (unsigned long long)gpa);
	return v;
}

static uint32_t rd32(const struct guest_mem *mem, uint64_t gpa)
{
	uint32_t v = 0xbadbad;

	if (guest_mem_read(mem, gpa, &v, sizeof(v)))
		test_fail(__FILE__, __LINE__, "guest read at 0x%llx failed",
			  (unsigned long long)gpa);
	return v;
}

TEST(x86_ram_layout_sizes)
{
	static const struct {
		uint64_t ram;
		unsigned n;
		uint64_t size0, size1;
	} cases[] = {
		{2 * MiB, 1, 2 * MiB, 0},
		{64 * MiB, 1, 64 * MiB, 0},
		{3 * GiB - 4096, 1, 3 * GiB - 4096, 0},
		{3 * GiB, 1, 3 * GiB, 0},
		{3 * GiB + 1 * MiB, 2, 3 * GiB, 1 * MiB},
		{4 * GiB, 2, 3 * GiB, 1 * GiB},
		{8 * GiB, 2, 3 * GiB, 5 * GiB},
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t gpa[2] = {~0ull, ~0ull}, size[2] = {~0ull, ~0ull};
		unsigned n = x86_ram_layout(cases[i].ram, gpa, size);

		if (n != cases[i].n || gpa[0] != 0 || size[0] != cases[i].size0)
			test_fail(__FILE__, __LINE__, "ram 0x%llx: n %u, [0x%llx, +0x%llx)",
				  (unsigned long long)cases[i].ram, n, (unsigned long long)gpa[0],
				  (unsigned long long)size[0]);
		if (n == 2 && (gpa[1] != X86_HIGH_RAM_START || size[1] != cases[i].size1))
			test_fail(__FILE__, __LINE__, "ram 0x%llx: high region [0x%llx, +0x%llx)",
				  (unsigned long long)cases[i].ram, (unsigned long long)gpa[1],
				  (unsigned long long)size[1]);
		/* Nothing is lost or invented. */
		if (n >= 1 && size[0] + (n == 2 ? size[1] : 0) != cases[i].ram)
			test_fail(__FILE__, __LINE__, "ram 0x%llx: sizes do not add up",
				  (unsigned long long)cases[i].ram);
	}
}

/* Properties every memory map must have, for a guest_mem with RAM at 0. */
static void check_memmap(const char *file, int line, const struct guest_mem *mem,
			 const struct x86_mem_entry *e, unsigned n)
{
	uint64_t ram = 0, low_hole = 0;
	bool ebda = false, bios = false, conv = false, himem = false;

	if (n > X86_MEMMAP_MAX) {
		test_fail(file, line, "%u entries", n);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t end = e[i].addr + e[i].size;

		if (e[i].size == 0 || (e[i].type != X86_MEM_RAM && e[i].type != X86_MEM_RESERVED))
			test_fail(file, line, "entry %u: size 0x%llx type %d", i,
				  (unsigned long long)e[i].size, e[i].type);
		if (i > 0 && e[i].addr < e[i - 1].addr + e[i - 1].size)
			test_fail(file, line, "entry %u overlaps or is out of order", i);
		if (e[i].type == X86_MEM_RESERVED) {
			ebda |= e[i].addr == X86_EBDA_START && end == 0xa0000;
			bios |= e[i].addr == 0xf0000 && end == X86_HIMEM_START;
			continue;
		}
		ram += e[i].size;
		conv |= e[i].addr == 0 && end == X86_EBDA_START;
		himem |= e[i].addr == X86_HIMEM_START;
		if (!guest_mem_ptr(mem, e[i].addr, e[i].size))
			test_fail(file, line, "RAM entry %u [0x%llx, 0x%llx) is not backed", i,
				  (unsigned long long)e[i].addr, (unsigned long long)end);
		if (e[i].addr < X86_HIMEM_START && end > X86_EBDA_START)
			test_fail(file, line, "RAM entry %u covers the legacy area", i);
		if (e[i].addr < X86_HIGH_RAM_START && end > X86_MMIO_HOLE_START)
			test_fail(file, line, "RAM entry %u covers the MMIO hole", i);
	}
	if (!ebda || !bios || !conv || !himem)
		test_fail(file, line, "missing entry: ebda %d bios %d conventional %d himem %d",
			  ebda, bios, conv, himem);
	low_hole = X86_HIMEM_START - X86_EBDA_START;
	if (ram != mem->total - low_hole)
		test_fail(file, line, "RAM in the map 0x%llx, want 0x%llx", (unsigned long long)ram,
			  (unsigned long long)(mem->total - low_hole));
}

#define CHECK_MEMMAP(mem, e, n) check_memmap(__FILE__, __LINE__, mem, e, n)

TEST(x86_memmap_64m)
{
	struct guest_mem mem;
	struct x86_mem_entry e[X86_MEMMAP_MAX];
	unsigned n;

	ASSERT_TRUE(mem_from_layout(&mem, 64 * MiB));
	n = x86_build_memmap(&mem, e);
	ASSERT_EQ(n, 4);
	CHECK_MEMMAP(&mem, e, n);
	ASSERT_EQ(e[0].addr, 0);
	ASSERT_EQ(e[0].size, 0x9fc00);
	ASSERT_EQ(e[0].type, X86_MEM_RAM);
	ASSERT_EQ(e[1].addr, 0x9fc00);
	ASSERT_EQ(e[1].size, 0x400);
	ASSERT_EQ(e[1].type, X86_MEM_RESERVED);
	ASSERT_EQ(e[2].addr, 0xf0000);
	ASSERT_EQ(e[2].size, 0x10000);
	ASSERT_EQ(e[2].type, X86_MEM_RESERVED);
	ASSERT_EQ(e[3].addr, 0x100000);
	ASSERT_EQ(e[3].size, 63 * MiB);
	ASSERT_EQ(e[3].type, X86_MEM_RAM);
	guest_mem_free(&mem);
}

TEST(x86_memmap_3g_exactly)
{
	struct guest_mem mem;
	struct x86_mem_entry e[X86_MEMMAP_MAX];
	unsigned n;

	ASSERT_TRUE(mem_from_layout(&mem, 3 * GiB));
	ASSERT_EQ(mem.nr_regions, 1);
	n = x86_build_memmap(&mem, e);
	ASSERT_EQ(n, 4);
	CHECK_MEMMAP(&mem, e, n);
	ASSERT_EQ(e[3].addr + e[3].size, X86_MMIO_HOLE_START);
	guest_mem_free(&mem);
}

TEST(x86_memmap_3g_plus_1m)
{
	struct guest_mem mem;
	struct x86_mem_entry e[X86_MEMMAP_MAX];
	unsigned n;

	ASSERT_TRUE(mem_from_layout(&mem, 3 * GiB + MiB));
	ASSERT_EQ(mem.nr_regions, 2);
	n = x86_build_memmap(&mem, e);
	ASSERT_EQ(n, 5);
	CHECK_MEMMAP(&mem, e, n);
	ASSERT_EQ(e[3].addr + e[3].size, X86_MMIO_HOLE_START);
	ASSERT_EQ(e[4].addr, X86_HIGH_RAM_START);
	ASSERT_EQ(e[4].size, MiB);
	ASSERT_EQ(e[4].type, X86_MEM_RAM);
	guest_mem_free(&mem);
}

TEST(x86_memmap_8g)
{
	struct guest_mem mem;
	struct x86_mem_entry e[X86_MEMMAP_MAX];
	unsigned n;

	ASSERT_TRUE(mem_from_layout(&mem, 8 * GiB));
	ASSERT_EQ(mem.total, 8 * GiB);
	n = x86_build_memmap(&mem, e);
	ASSERT_EQ(n, 5);
	CHECK_MEMMAP(&mem, e, n);
	ASSERT_EQ(e[3].addr, X86_HIMEM_START);
	ASSERT_EQ(e[3].size, 3 * GiB - MiB);
	ASSERT_EQ(e[4].addr, 4 * GiB);
	ASSERT_EQ(e[4].size, 5 * GiB);
	guest_mem_free(&mem);
}

TEST(x86_memmap_tiny_ram)
{
	struct guest_mem mem;
	struct x86_mem_entry e[X86_MEMMAP_MAX];
	unsigned n;

	/* The smallest size smolvm accepts still has RAM above 1 MiB. */
	ASSERT_TRUE(mem_from_layout(&mem, 2 * MiB));
	n = x86_build_memmap(&mem, e);
	ASSERT_EQ(n, 4);
	CHECK_MEMMAP(&mem, e, n);
	ASSERT_EQ(e[3].size, MiB);
	guest_mem_free(&mem);

	/* Exactly 1 MiB: no RAM entry above the legacy area. */
	memset(&mem, 0, sizeof(mem));
	ASSERT_EQ(guest_mem_add(&mem, 0, MiB), 0);
	n = x86_build_memmap(&mem, e);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(e[0].size, X86_EBDA_START);
	ASSERT_EQ(e[2].addr + e[2].size, X86_HIMEM_START);
	guest_mem_free(&mem);
}

/* hvm_start_info as the PVH ABI lays it out (xen/include/public/arch-x86/hvm/start_info.h),
 * read by byte offset rather than through smolvm's struct. */
#define SI_MAGIC	  0
#define SI_VERSION	  4
#define SI_FLAGS	  8
#define SI_NR_MODULES	  12
#define SI_MODLIST_PADDR  16
#define SI_CMDLINE_PADDR  24
#define SI_RSDP_PADDR	  32
#define SI_MEMMAP_PADDR	  40
#define SI_MEMMAP_ENTRIES 48
#define SI_SIZE		  56
#define MOD_SIZE	  32
#define MAP_ENTRY_SIZE	  24

static void check_start_info_memmap(const char *file, int line, struct guest_mem *mem)
{
	struct x86_mem_entry want[X86_MEMMAP_MAX];
	unsigned n = x86_build_memmap(mem, want);
	uint64_t si = X86_START_INFO_ADDR, map = rd64(mem, si + SI_MEMMAP_PADDR);

	if (rd32(mem, si + SI_MEMMAP_ENTRIES) != n)
		test_fail(file, line, "memmap_entries %u, want %u",
			  rd32(mem, si + SI_MEMMAP_ENTRIES), n);
	/* The table lies in the start-info page, after the header. */
	if (map < si + SI_SIZE || map + n * MAP_ENTRY_SIZE > si + 4096)
		test_fail(file, line, "memmap_paddr 0x%llx", (unsigned long long)map);
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = map + i * MAP_ENTRY_SIZE;

		if (rd64(mem, a) != want[i].addr || rd64(mem, a + 8) != want[i].size ||
		    rd32(mem, a + 16) != (uint32_t)want[i].type || rd32(mem, a + 20) != 0)
			test_fail(file, line, "memmap entry %u differs", i);
	}
}

TEST(x86_pvh_start_info_without_initrd)
{
	struct guest_mem mem;
	const uint64_t si = X86_START_INFO_ADDR;

	ASSERT_TRUE(mem_from_layout(&mem, 64 * MiB));
	fill(&mem, 0x5000, 0x3000, 0xaa);
	ASSERT_EQ(pvh_write_start_info(&mem, X86_CMDLINE_ADDR, 0, 0, 0), 0);
	ASSERT_EQ(rd32(&mem, si + SI_MAGIC), 0x336ec578);
	ASSERT_EQ(rd32(&mem, si + SI_VERSION), 1);
	ASSERT_EQ(rd32(&mem, si + SI_FLAGS), 0);
	ASSERT_EQ(rd32(&mem, si + SI_NR_MODULES), 0);
	ASSERT_EQ(rd64(&mem, si + SI_MODLIST_PADDR), 0);
	ASSERT_EQ(rd64(&mem, si + SI_CMDLINE_PADDR), X86_CMDLINE_ADDR);
	ASSERT_EQ(rd64(&mem, si + SI_RSDP_PADDR), 0);
	ASSERT_EQ(rd32(&mem, si + SI_MEMMAP_ENTRIES), 4);
	check_start_info_memmap(__FILE__, __LINE__, &mem);
	/* The first map entry is conventional RAM from 0. */
	ASSERT_EQ(rd64(&mem, rd64(&mem, si + SI_MEMMAP_PADDR) + 8), X86_EBDA_START);
	/* Only the start-info page was written. */
	ASSERT_TRUE(all_equal(&mem, 0x5000, 0x1000, 0xaa));
	ASSERT_TRUE(all_equal(&mem, 0x7000, 0x1000, 0xaa));
	guest_mem_free(&mem);
}

TEST(x86_pvh_start_info_with_initrd)
{
	struct guest_mem mem;
	const uint64_t si = X86_START_INFO_ADDR;
	uint64_t mod, map;

	ASSERT_TRUE(mem_from_layout(&mem, 64 * MiB));
	fill(&mem, 0x6000, 0x1000, 0xaa);
	ASSERT_EQ(pvh_write_start_info(&mem, 0, 0x1000000, 0x12345, 0xf0010), 0);
	ASSERT_EQ(rd32(&mem, si + SI_MAGIC), HVM_START_MAGIC);
	ASSERT_EQ(rd32(&mem, si + SI_NR_MODULES), 1);
	ASSERT_EQ(rd64(&mem, si + SI_CMDLINE_PADDR), 0);
	ASSERT_EQ(rd64(&mem, si + SI_RSDP_PADDR), 0xf0010);
	mod = rd64(&mem, si + SI_MODLIST_PADDR);
	map = rd64(&mem, si + SI_MEMMAP_PADDR);
	/* The module entry is in the page, clear of the header and of the map. */
	ASSERT_TRUE(mod >= si + SI_SIZE && mod + MOD_SIZE <= si + 4096);
	ASSERT_TRUE(mod + MOD_SIZE <= map || map + 4 * MAP_ENTRY_SIZE <= mod);
	ASSERT_EQ(rd64(&mem, mod), 0x1000000);
	ASSERT_EQ(rd64(&mem, mod + 8), 0x12345);
	ASSERT_EQ(rd64(&mem, mod + 16), 0);
	ASSERT_EQ(rd64(&mem, mod + 24), 0);
	check_start_info_memmap(__FILE__, __LINE__, &mem);

	/* Rewriting without an initrd drops the module. */
	ASSERT_EQ(pvh_write_start_info(&mem, X86_CMDLINE_ADDR, 0, 0, 0), 0);
	ASSERT_EQ(rd32(&mem, si + SI_NR_MODULES), 0);
	ASSERT_EQ(rd64(&mem, si + SI_MODLIST_PADDR), 0);
	ASSERT_EQ(rd64(&mem, si + SI_CMDLINE_PADDR), X86_CMDLINE_ADDR);
	ASSERT_EQ(rd64(&mem, si + SI_RSDP_PADDR), 0);
	guest_mem_free(&mem);
}

TEST(x86_pvh_start_info_8g)
{
	struct guest_mem mem;
	const uint64_t si = X86_START_INFO_ADDR;
	uint64_t map;

	ASSERT_TRUE(mem_from_layout(&mem, 8 * GiB));
	ASSERT_EQ(pvh_write_start_info(&mem, X86_CMDLINE_ADDR, 0, 0, 0), 0);
	ASSERT_EQ(rd32(&mem, si + SI_MEMMAP_ENTRIES), 5);
	check_start_info_memmap(__FILE__, __LINE__, &mem);
	map = rd64(&mem, si + SI_MEMMAP_PADDR);
	ASSERT_EQ(rd64(&mem, map + 4 * MAP_ENTRY_SIZE), 4 * GiB);
	ASSERT_EQ(rd64(&mem, map + 4 * MAP_ENTRY_SIZE + 8), 5 * GiB);
	ASSERT_EQ(rd32(&mem, map + 4 * MAP_ENTRY_SIZE + 16), 1);
	guest_mem_free(&mem);
}

TEST(x86_pvh_start_info_needs_low_ram)
{
	struct guest_mem mem = {0};

	ASSERT_EQ(guest_mem_add(&mem, X86_HIMEM_START, MiB), 0);
	ASSERT_EQ(pvh_write_start_info(&mem, 0, 0, 0, 0), -EFAULT);
	guest_mem_free(&mem);
}

/* A decoded legacy segment descriptor. */
struct desc {
	uint32_t base, limit;
	unsigned type, s, dpl, p, avl, l, db, g;
};

static struct desc decode(uint64_t d)
{
	return (struct desc){
		.base = (uint32_t)(((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24)),
		.limit = (uint32_t)((d & 0xffff) | (((d >> 48) & 0xf) << 16)),
		.type = (d >> 40) & 0xf,
		.s = (d >> 44) & 1,
		.dpl = (d >> 45) & 3,
		.p = (d >> 47) & 1,
		.avl = (d >> 52) & 1,
		.l = (d >> 53) & 1,
		.db = (d >> 54) & 1,
		.g = (d >> 55) & 1,
	};
}

static struct desc gdt_desc(const struct guest_mem *mem, unsigned selector)
{
	return decode(rd64(mem, X86_GDT_ADDR + (selector & ~7u)));
}

TEST(x86_boot_gdt)
{
	struct guest_mem mem;
	struct desc c32, c64, data, tss;

	ASSERT_TRUE(mem_from_layout(&mem, 64 * MiB));
	fill(&mem, 0, 0x20000, 0xaa);
	ASSERT_EQ(x86_write_boot_tables(&mem), 0);
	ASSERT_EQ(rd64(&mem, X86_GDT_ADDR), 0); /* null descriptor */

	c32 = gdt_desc(&mem, X86_SEL_CODE32);
	ASSERT_EQ(c32.base, 0);
	ASSERT_EQ(c32.limit, 0xfffff);
	ASSERT_EQ(c32.g, 1);
	ASSERT_EQ(c32.s, 1);
	ASSERT_EQ(c32.p, 1);
	ASSERT_EQ(c32.dpl, 0);
	ASSERT_EQ(c32.type & 0xa, 0xa); /* code, readable */
	ASSERT_EQ(c32.l, 0);
	ASSERT_EQ(c32.db, 1); /* 32-bit */

	c64 = gdt_desc(&mem, X86_SEL_CODE64);
	ASSERT_EQ(c64.base, 0);
	ASSERT_EQ(c64.s, 1);
	ASSERT_EQ(c64.p, 1);
	ASSERT_EQ(c64.dpl, 0);
	ASSERT_EQ(c64.type & 0xa, 0xa);
	ASSERT_EQ(c64.l, 1);
	ASSERT_EQ(c64.db, 0); /* L=1 requires D=0 */

	data = gdt_desc(&mem, X86_SEL_DATA);
	ASSERT_EQ(data.base, 0);
	ASSERT_EQ(data.limit, 0xfffff);
	ASSERT_EQ(data.g, 1);
	ASSERT_EQ(data.s, 1);
	ASSERT_EQ(data.p, 1);
	ASSERT_EQ(data.dpl, 0);
	ASSERT_EQ(data.type & 0xa, 0x2); /* data, writable */
	ASSERT_EQ(data.db, 1);
	ASSERT_EQ(data.l, 0);

	tss = gdt_desc(&mem, X86_SEL_TSS);
	ASSERT_EQ(tss.s, 0);
	ASSERT_EQ(tss.p, 1);
	ASSERT_EQ(tss.type, 0xb); /* busy TSS */
	ASSERT_EQ(tss.limit, 0x67);
	ASSERT_EQ(tss.g, 0);

	/* Linux boot protocol selectors. */
	ASSERT_EQ(X86_SEL_CODE64, 0x10);
	ASSERT_EQ(X86_SEL_DATA, 0x18);
	guest_mem_free(&mem);
}

/* Walks the guest's 4-level tables as the MMU would; returns ~0 if unmapped. */
static uint64_t walk(const struct guest_mem *mem, uint64_t cr3, uint64_t va)
{
	uint64_t e = rd64(mem, (cr3 & ~0xfffull) + ((va >> 39) & 511) * 8);

	if (!(e & 1))
		return ~0ull;
	e = rd64(mem, (e & 0x000ffffffffff000ull) + ((va >> 30) & 511) * 8);
	if (!(e & 1))
		return ~0ull;
	if (e & 0x80)
		return (e & 0x000fffffc0000000ull) | (va & 0x3fffffff);
	e = rd64(mem, (e & 0x000ffffffffff000ull) + ((va >> 21) & 511) * 8);
	if (!(e & 1) || !(e & 0x80))
		return ~0ull;
	return (e & 0x000fffffffe00000ull) | (va & 0x1fffff);
}

TEST(x86_boot_page_tables)
{
	struct guest_mem mem;
	static const uint64_t probes[] = {
		0x0,	    0x1000,	0x1fffff,   0x200000,	0x7fffffff, 0x80000000,
		0xbfffffff, 0xc0000000, 0xfee00000, 0xfffff000, 0xffffffff,
	};
	unsigned bad = 0;

	ASSERT_TRUE(mem_from_layout(&mem, 64 * MiB));
	fill(&mem, 0, 0x20000, 0xaa);
	ASSERT_EQ(x86_write_boot_tables(&mem), 0);

	ASSERT_EQ(rd64(&mem, X86_PML4_ADDR), X86_PDPT_ADDR | 0x3);
	for (unsigned i = 1; i < 512; i++)
		bad += rd64(&mem, X86_PML4_ADDR + i * 8) != 0;
	for (unsigned i = 0; i < 4; i++)
		ASSERT_EQ(rd64(&mem, X86_PDPT_ADDR + i * 8), (X86_PD_ADDR + i * 4096) | 0x3);
	for (unsigned i = 4; i < 512; i++)
		bad += rd64(&mem, X86_PDPT_ADDR + i * 8) != 0;
	ASSERT_EQ(bad, 0);
	/* 2048 2-MiB pages: present, writable, supervisor, PS; identity. */
	for (uint64_t i = 0; i < 2048; i++) {
		uint64_t pde = rd64(&mem, X86_PD_ADDR + i * 8);

		if (pde != ((i << 21) | 0x83)) {
			test_fail(__FILE__, __LINE__, "PD entry %llu is 0x%llx",
				  (unsigned long long)i, (unsigned long long)pde);
			break;
		}
	}
	for (unsigned i = 0; i < ARRAY_SIZE(probes); i++)
		if (walk(&mem, X86_PML4_ADDR, probes[i]) != probes[i])
			test_fail(__FILE__, __LINE__, "VA 0x%llx maps to 0x%llx",
				  (unsigned long long)probes[i],
				  (unsigned long long)walk(&mem, X86_PML4_ADDR, probes[i]));
	ASSERT_EQ(walk(&mem, X86_PML4_ADDR, 4 * GiB), ~0ull);
	ASSERT_EQ(walk(&mem, X86_PML4_ADDR, 1ull << 39), ~0ull);
	guest_mem_free(&mem);
}

TEST(x86_boot_tables_write_nothing_else)
{
	struct guest_mem mem;
	const uint64_t gdt_end = X86_GDT_ADDR + 5 * 8;

	ASSERT_TRUE(mem_from_layout(&mem, 64 * MiB));
	fill(&mem, 0, 0x30000, 0xaa);
	ASSERT_EQ(x86_write_boot_tables(&mem), 0);
	ASSERT_TRUE(all_equal(&mem, 0, X86_GDT_ADDR, 0xaa));
	/* start info, zero page, boot stack */
	ASSERT_TRUE(all_equal(&mem, gdt_end, X86_PML4_ADDR - gdt_end, 0xaa));
	/* after the four page directories: command line and beyond */
	ASSERT_TRUE(
		all_equal(&mem, X86_PD_ADDR + 4 * 4096, 0x30000 - (X86_PD_ADDR + 4 * 4096), 0xaa));
	guest_mem_free(&mem);
}

TEST(x86_boot_tables_need_low_ram)
{
	struct guest_mem mem = {0};

	/* The page directories do not fit: nothing at all may be written. */
	ASSERT_EQ(guest_mem_add(&mem, 0, 0xc000), 0);
	fill(&mem, 0, 0xc000, 0xaa);
	ASSERT_EQ(x86_write_boot_tables(&mem), -EFAULT);
	ASSERT_TRUE(all_equal(&mem, 0, 0xc000, 0xaa));
	guest_mem_free(&mem);

	memset(&mem, 0, sizeof(mem));
	ASSERT_EQ(guest_mem_add(&mem, X86_HIMEM_START, MiB), 0);
	ASSERT_EQ(x86_write_boot_tables(&mem), -EFAULT);
	guest_mem_free(&mem);
}

/* A register-state segment must match the GDT descriptor its selector names. */
static void check_seg(const char *file, int line, const struct guest_mem *mem,
		      const struct x86_segment *s)
{
	struct desc d = gdt_desc(mem, s->selector);
	uint32_t limit = d.g ? (d.limit << 12) | 0xfff : d.limit;

	if (s->base != d.base || s->limit != limit || s->type != d.type || s->s != d.s ||
	    s->dpl != d.dpl || s->present != d.p || s->l != d.l || s->db != d.db || s->g != d.g)
		test_fail(file, line,
			  "selector 0x%x: regs base 0x%llx limit 0x%x type %u s %u l %u db %u g %u "
			  "vs GDT base 0x%x limit 0x%x type %u s %u l %u db %u g %u",
			  s->selector, (unsigned long long)s->base, s->limit, s->type, s->s, s->l,
			  s->db, s->g, d.base, limit, d.type, d.s, d.l, d.db, d.g);
}

#define CHECK_SEG(mem, s) check_seg(__FILE__, __LINE__, mem, s)

TEST(x86_entry_regs_long_mode)
{
	struct guest_mem mem;
	struct arch_regs r;

	ASSERT_TRUE(mem_from_layout(&mem, 64 * MiB));
	ASSERT_EQ(x86_write_boot_tables(&mem), 0);
	memset(&r, 0xcc, sizeof(r));
	x86_entry_regs(&r, X86_ENTRY_LONG64, 0x1000000, X86_ZERO_PAGE_ADDR);
	ASSERT_EQ(r.rip, 0x1000000);
	ASSERT_EQ(r.rflags, 0x2);
	ASSERT_EQ(r.gpr[X86_RSI], X86_ZERO_PAGE_ADDR);
	ASSERT_EQ(r.gpr[X86_RSP], X86_BOOT_STACK_TOP);
	ASSERT_EQ(r.gpr[X86_RSP] % 16, 0);
	ASSERT_EQ(r.gpr[X86_RAX], 0);
	ASSERT_EQ(r.gpr[X86_RBX], 0);
	ASSERT_EQ(r.cr0 & (X86_CR0_PE | X86_CR0_PG), X86_CR0_PE | X86_CR0_PG);
	ASSERT_EQ(r.cr3, X86_PML4_ADDR);
	ASSERT_EQ(r.cr4 & X86_CR4_PAE, X86_CR4_PAE);
	ASSERT_EQ(r.efer & (X86_EFER_LME | X86_EFER_LMA), X86_EFER_LME | X86_EFER_LMA);
	ASSERT_EQ(r.cs.selector, X86_SEL_CODE64);
	ASSERT_EQ(r.cs.l, 1);
	ASSERT_EQ(r.ds.selector, X86_SEL_DATA);
	ASSERT_EQ(r.ss.selector, X86_SEL_DATA);
	CHECK_SEG(&mem, &r.cs);
	CHECK_SEG(&mem, &r.ds);
	CHECK_SEG(&mem, &r.es);
	CHECK_SEG(&mem, &r.ss);
	ASSERT_EQ(r.tr.selector, X86_SEL_TSS);
	ASSERT_EQ(r.tr.type, gdt_desc(&mem, X86_SEL_TSS).type);
	ASSERT_EQ(r.tr.limit, gdt_desc(&mem, X86_SEL_TSS).limit);
	ASSERT_EQ(r.gdt.base, X86_GDT_ADDR);
	ASSERT_TRUE(r.gdt.limit >= X86_SEL_TSS + 7);
	ASSERT_EQ((r.gdt.limit + 1) % 8, 0);
	ASSERT_EQ(r.idt.limit, 0);
	/* The stack is RAM below the page tables, not on top of them. */
	ASSERT_TRUE(r.gpr[X86_RSP] <= X86_PML4_ADDR);
	ASSERT_TRUE(r.gpr[X86_RSP] > X86_ZERO_PAGE_ADDR + 4096);
	guest_mem_free(&mem);
}

TEST(x86_entry_regs_pvh)
{
	struct guest_mem mem;
	struct arch_regs r;

	ASSERT_TRUE(mem_from_layout(&mem, 64 * MiB));
	ASSERT_EQ(x86_write_boot_tables(&mem), 0);
	memset(&r, 0xcc, sizeof(r));
	x86_entry_regs(&r, X86_ENTRY_PVH32, 0x1000abc, X86_START_INFO_ADDR);
	ASSERT_EQ(r.rip, 0x1000abc);
	ASSERT_EQ(r.gpr[X86_RBX], X86_START_INFO_ADDR);
	ASSERT_EQ(r.rflags & ((1u << 9) | (1u << 17)), 0); /* IF and VM clear */
	ASSERT_EQ(r.cr0 & X86_CR0_PE, X86_CR0_PE);
	ASSERT_EQ(r.cr0 & X86_CR0_PG, 0);
	ASSERT_EQ(r.efer, 0);
	ASSERT_EQ(r.cr4 & X86_CR4_PAE, 0);
	ASSERT_EQ(r.cs.selector, X86_SEL_CODE32);
	ASSERT_EQ(r.cs.l, 0);
	ASSERT_EQ(r.cs.db, 1);
	ASSERT_EQ(r.cs.limit, 0xffffffff);
	CHECK_SEG(&mem, &r.cs);
	CHECK_SEG(&mem, &r.ds);
	CHECK_SEG(&mem, &r.es);
	CHECK_SEG(&mem, &r.fs);
	CHECK_SEG(&mem, &r.gs);
	CHECK_SEG(&mem, &r.ss);
	ASSERT_EQ(r.tr.limit, 0x67);
	ASSERT_EQ(r.tr.base, 0);
	guest_mem_free(&mem);
}
