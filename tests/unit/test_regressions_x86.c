// SPDX-License-Identifier: MIT
/* test_regressions_x86.c: regression tests for fixed bugs in x86_64-only code: the Linux
 * loader's RAM message and its load-address check, memory-map edge cases. (The rest are in
 * test_regressions.c and test_console.c, which run on both architectures.) */
#include <errno.h>
#include <stdlib.h>

#include "arch/x86_64/boot.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/linux.h"
#include "arch/x86_64/memmap.h"
#include "bzimage_build.h"
#include "log_capture.h"
#include "test.h"
#include "vm_state.h"

#define MiB (1ull << 20)

/* src/arch/x86_64/linux.c line 35: the "(N MiB)" in the not-enough-RAM message is
 * `(end >> 20) + 1`, one too many when end is a whole number of MiB: a kernel that needs
 * RAM up to 0x1800000 is said to need 25 MiB, yet boots with -m 24M. Rounding up is
 * (end + (1 << 20) - 1) >> 20. */
TEST(regression_linux_ram_message_mib_off_by_one)
{
	struct bz_spec s = bz_default();
	size_t size = bz_file_size(&s);
	uint8_t *file = bz_build(&s, size);
	struct vm *vm = calloc(1, sizeof(*vm));
	struct bzimage bz;
	struct arch_boot boot;
	struct log_capture c;
	uint64_t end;
	char *msg;

	if (!file || !vm) {
		free(file);
		free(vm);
		return;
	}
	s.init_size = 0x800000; /* 16 MiB + 8 MiB = 24 MiB */
	bz_fill(&s, file, size);
	ASSERT_EQ(bzimage_parse(file, size, "bz", &bz), 0);
	ASSERT_EQ(guest_mem_add(&vm->mem, 0, 20 * MiB), 0);
	log_capture_begin(&c);
	ASSERT_EQ(x86_linux_load_bzimage(vm, &bz, "bz", &boot, &end), -ENOEXEC);
	msg = log_capture_end(&c);
	ASSERT_STR_CONTAINS(msg, "(24 MiB)");
	free(msg);
	guest_mem_free(&vm->mem);
	free(vm);
	free(file);
}

/* src/arch/x86_64/linux.c x86_linux_load_bzimage() (lines 22-28) and src/loader/bzimage.c:
 * nothing checks code32_start of a non-relocatable kernel. LOADED_HIGH promises a kernel
 * at 1 MiB and up, but code32_start = 0x1000 is accepted: the kernel is copied over the
 * identity page tables (0x9000, written before it), then the zero page (0x7000) and the
 * command line (0x20000) are written over the kernel, so the guest dies at entry instead of
 * smolvm refusing the file. */
TEST(regression_linux_code32_start_below_1mib_accepted)
{
	struct bz_spec s = bz_default();
	size_t size;
	uint8_t *file;
	struct vm *vm;
	struct bzimage bz;
	struct arch_boot boot;
	struct log_capture c;
	uint64_t end;
	int err;

	s.relocatable = 0;
	s.code32_start = 0x1000;
	s.kernel_len = 0x10000;
	size = bz_file_size(&s);
	file = bz_build(&s, size);
	vm = calloc(1, sizeof(*vm));
	if (!file || !vm || guest_mem_add(&vm->mem, 0, 64 * MiB)) {
		free(file);
		free(vm);
		return;
	}
	log_capture_begin(&c);
	err = bzimage_parse(file, size, "bz", &bz);
	if (!err)
		err = x86_linux_load_bzimage(vm, &bz, "bz", &boot, &end);
	free(log_capture_end(&c));
	if (!err)
		test_fail(
			__FILE__, __LINE__,
			"a kernel at code32_start 0x1000 was loaded over 0x1000..0x%llx (zero page "
			"at 0x%llx, page tables at 0x%llx, command line at 0x%llx)",
			(unsigned long long)end, (unsigned long long)X86_ZERO_PAGE_ADDR,
			(unsigned long long)X86_PML4_ADDR, (unsigned long long)X86_CMDLINE_ADDR);
	guest_mem_free(&vm->mem);
	free(vm);
	free(file);
}

/* src/arch/x86_64/memmap.c, x86_build_memmap(): the loop guard `n + 4 <= X86_MEMMAP_MAX`
 * reserves 4 slots for every region, though only the region at GPA 0 needs 4 (no two
 * regions can both start at 0). With RAM at 0 plus three more regions (GUEST_MEM_MAX_REGIONS
 * is 4) the map needs 4 + 3 = 7 <= 8 entries, but regions after the second are silently
 * dropped. Latent: x86_ram_layout() creates at most two regions today. */
TEST(regression_memmap_drops_third_region)
{
	struct guest_mem mem = {0};
	struct x86_mem_entry e[X86_MEMMAP_MAX];
	uint64_t ram = 0;
	unsigned n;

	ASSERT_EQ(guest_mem_add(&mem, 0, 64 << 20), 0);
	ASSERT_EQ(guest_mem_add(&mem, 4ull << 30, 16 << 20), 0);
	ASSERT_EQ(guest_mem_add(&mem, 8ull << 30, 16 << 20), 0);
	ASSERT_EQ(guest_mem_add(&mem, 12ull << 30, 16 << 20), 0);
	n = x86_build_memmap(&mem, e);
	for (unsigned i = 0; i < n; i++)
		if (e[i].type == X86_MEM_RAM)
			ram += e[i].size;
	ASSERT_EQ(n, 7);
	ASSERT_EQ(ram, mem.total - (0x100000 - 0x9fc00));
	guest_mem_free(&mem);
}

/* src/arch/x86_64/memmap.c, x86_build_memmap(): for a RAM region at 0 smaller than
 * 0x9fc00 the first entry still claims [0, 0x9fc00) as RAM, past the end of the region.
 * Latent: config_check_mem() refuses guests below 2 MiB. */
TEST(regression_memmap_small_low_region)
{
	struct guest_mem mem = {0};
	struct x86_mem_entry e[X86_MEMMAP_MAX];
	unsigned n;

	ASSERT_EQ(guest_mem_add(&mem, 0, 0x80000), 0);
	n = x86_build_memmap(&mem, e);
	for (unsigned i = 0; i < n; i++)
		if (e[i].type == X86_MEM_RAM && !guest_mem_ptr(&mem, e[i].addr, e[i].size))
			test_fail(__FILE__, __LINE__, "RAM entry [0x%llx, +0x%llx) is not RAM",
				  (unsigned long long)e[i].addr, (unsigned long long)e[i].size);
	guest_mem_free(&mem);
}
