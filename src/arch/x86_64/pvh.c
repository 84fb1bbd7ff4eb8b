// SPDX-License-Identifier: MIT
/* pvh.c: PVH start info for ELF kernels with a XEN_ELFNOTE_PHYS32_ENTRY note. */
#include "arch/x86_64/pvh.h"

#include <errno.h>
#include <string.h>

#include "arch/x86_64/layout.h"
#include "arch/x86_64/memmap.h"

/* Layout inside the start-info page: header, module list, memory map. */
struct pvh_page {
	struct hvm_start_info info;
	struct hvm_modlist_entry module;
	struct hvm_memmap_table_entry memmap[X86_MEMMAP_MAX];
};
_Static_assert(sizeof(struct pvh_page) <= 4096, "PVH data fits one page");

int pvh_write_start_info(struct guest_mem *mem, uint64_t cmdline_gpa, uint64_t initrd_gpa,
			 uint64_t initrd_size, uint64_t rsdp_gpa)
{
	struct pvh_page *page = guest_mem_ptr(mem, X86_START_INFO_ADDR, sizeof(*page));
	struct x86_mem_entry map[X86_MEMMAP_MAX];
	unsigned n = x86_build_memmap(mem, map);

	if (!page)
		return -EFAULT;
	memset(page, 0, sizeof(*page));
	for (unsigned i = 0; i < n; i++)
		page->memmap[i] =
			(struct hvm_memmap_table_entry){map[i].addr, map[i].size, map[i].type, 0};
	page->info.magic = HVM_START_MAGIC;
	page->info.version = 1;
	page->info.cmdline_paddr = cmdline_gpa;
	page->info.rsdp_paddr = rsdp_gpa;
	page->info.memmap_paddr = X86_START_INFO_ADDR + offsetof(struct pvh_page, memmap);
	page->info.memmap_entries = n;
	if (initrd_size) {
		page->module = (struct hvm_modlist_entry){initrd_gpa, initrd_size, 0, 0};
		page->info.nr_modules = 1;
		page->info.modlist_paddr = X86_START_INFO_ADDR + offsetof(struct pvh_page, module);
	}
	return 0;
}
