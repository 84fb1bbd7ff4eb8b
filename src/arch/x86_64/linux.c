// SPDX-License-Identifier: MIT
/* linux.c: Linux x86 boot protocol: bzImage placement and the zero page. */
#include "arch/x86_64/linux.h"

#include <errno.h>
#include <string.h>

#include "arch/x86_64/boot.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/memmap.h"
#include "log.h"
#include "vm_state.h"

#define LOADER_TYPE_UNDEFINED 0xff  /* boot.rst: "undefined" boot loader id */
#define BZIMAGE_64BIT_ENTRY   0x200 /* startup_64 sits 0x200 past the load address */
#define DEFAULT_KERNEL_ALIGN  0x1000000u

int x86_linux_load_bzimage(struct vm *vm, const struct bzimage *bz, const char *name,
			   struct arch_boot *boot, uint64_t *kernel_end)
{
	const struct setup_header *h = &bz->hdr;
	uint64_t load = h->code32_start ? h->code32_start : X86_HIMEM_START;
	uint64_t need = MAX((uint64_t)h->init_size, bz->kernel_size);
	void *dst;

	/* A relocatable kernel prefers pref_address (protocol 2.10+), usually 16 MiB. */
	if (h->version >= 0x020a && h->relocatable_kernel && h->pref_address >= X86_HIMEM_START &&
	    h->pref_address < X86_MMIO_HOLE_START)
		load = h->pref_address;
	if (load < X86_HIMEM_START) {
		pr_err("bzImage '%s' asks to be loaded at 0x%llx, below 1 MiB where smolvm keeps "
		       "its "
		       "boot tables",
		       name, (unsigned long long)load);
		return -ENOEXEC;
	}
	dst = guest_mem_ptr(&vm->mem, load, need);
	if (!dst) {
		pr_err("bzImage '%s' needs guest RAM up to 0x%llx (%llu MiB) to decompress; "
		       "give the guest more memory with -m",
		       name, (unsigned long long)(load + need),
		       (unsigned long long)((load + need + (1 << 20) - 1) >> 20));
		return -ENOEXEC;
	}
	memcpy(dst, bz->kernel, bz->kernel_size);
	boot->mode = X86_ENTRY_LONG64;
	boot->entry = load + BZIMAGE_64BIT_ENTRY;
	boot->boot_data = X86_ZERO_PAGE_ADDR;
	*kernel_end = load + need;
	return 0;
}

/* The setup header a bzImage would carry, for an ELF vmlinux entered at startup_64. */
static void synthesize_header(struct setup_header *h)
{
	h->boot_flag = 0xaa55;
	memcpy(&h->header, "HdrS", 4);
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->kernel_alignment = DEFAULT_KERNEL_ALIGN;
	h->initrd_addr_max = 0x7fffffff;
	h->cmdline_size = X86_CMDLINE_MAX - 1;
}

int x86_linux_write_zero_page(struct vm *vm, const struct bzimage *bz,
			      const struct linux_boot_data *d)
{
	struct boot_params *bp = guest_mem_ptr(&vm->mem, X86_ZERO_PAGE_ADDR, sizeof(*bp));
	struct x86_mem_entry map[X86_MEMMAP_MAX];
	unsigned n;
	uint32_t cmdline_max;

	if (!bp)
		return -EFAULT;
	memset(bp, 0, sizeof(*bp));
	if (bz)
		memcpy(&bp->hdr, &bz->hdr, bz->hdr_len);
	else
		synthesize_header(&bp->hdr);
	/* Before 2.06 the limit was fixed at 255; we refuse those kernels anyway. */
	cmdline_max = bp->hdr.cmdline_size;
	if (d->cmdline_len > cmdline_max) {
		pr_err("kernel command line is %zu bytes long; this kernel accepts at most %u",
		       d->cmdline_len, cmdline_max);
		return -E2BIG;
	}
	bp->hdr.type_of_loader = LOADER_TYPE_UNDEFINED;
	bp->hdr.cmd_line_ptr = (uint32_t)d->cmdline_gpa;
	bp->ext_cmd_line_ptr = (uint32_t)(d->cmdline_gpa >> 32);
	bp->hdr.ramdisk_image = (uint32_t)d->initrd_gpa;
	bp->ext_ramdisk_image = (uint32_t)(d->initrd_gpa >> 32);
	bp->hdr.ramdisk_size = (uint32_t)d->initrd_size;
	bp->ext_ramdisk_size = (uint32_t)(d->initrd_size >> 32);
	bp->hdr.vid_mode = 0xffff; /* "normal" VGA: there is none, the console is serial */
	bp->acpi_rsdp_addr = d->rsdp_gpa;
	n = x86_build_memmap(&vm->mem, map);
	for (unsigned i = 0; i < n; i++) {
		bp->e820_table[i].addr = map[i].addr;
		bp->e820_table[i].size = map[i].size;
		bp->e820_table[i].type = map[i].type;
	}
	bp->e820_entries = (uint8_t)n;
	return 0;
}
