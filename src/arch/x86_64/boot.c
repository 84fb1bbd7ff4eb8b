// SPDX-License-Identifier: MIT
/* boot.c: x86_64 guest memory, kernel format dispatch and boot CPU state. */
#include "arch/x86_64/boot.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64/builtin_guest.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/memmap.h"
#include "arch/x86_64/pvh.h"
#include "backend/backend.h"
#include "loader/elf.h"
#include "loader/file.h"
#include "log.h"
#include "vcpu.h"
#include "vm.h"

int arch_setup_memory(struct vm *vm)
{
	uint64_t gpa[2], size[2];
	unsigned n = x86_ram_layout(vm->cfg->mem_size, gpa, size);

	for (unsigned i = 0; i < n; i++) {
		int err = guest_mem_add(&vm->mem, gpa[i], size[i]);

		if (err) {
			pr_err("cannot allocate %llu MiB of guest memory",
			       (unsigned long long)(size[i] >> 20));
			return err;
		}
	}
	return 0;
}

/* Copies the command line to its fixed place; returns its address or 0 if there is none. */
static int write_cmdline(struct vm *vm, uint64_t *gpa)
{
	const char *cmdline = vm->cfg->cmdline;
	size_t len;

	*gpa = 0;
	if (!cmdline)
		return 0;
	len = strlen(cmdline) + 1;
	if (len > X86_CMDLINE_MAX) {
		pr_err("kernel command line is %zu bytes long; smolvm accepts at most %llu", len - 1,
		       X86_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	*gpa = X86_CMDLINE_ADDR;
	return guest_mem_write(&vm->mem, X86_CMDLINE_ADDR, cmdline, len);
}

static int load_builtin(struct vm *vm, struct arch_boot *boot)
{
	int err = guest_mem_write(&vm->mem, BUILTIN_GUEST_ADDR, builtin_guest_code,
				  builtin_guest_size);

	boot->mode = X86_ENTRY_LONG64;
	boot->entry = BUILTIN_GUEST_ADDR;
	return err;
}

static int load_elf(struct vm *vm, const struct mapped_file *f, struct arch_boot *boot)
{
	static const struct mem_range reserved[] = {
		{0, X86_HIMEM_START, "the low 1 MiB (boot tables and legacy area)"},
	};
	struct elf_image img;
	uint64_t cmdline_gpa;
	int err;

	err = elf_load(f->data, f->size, f->path, EM_X86_64, &vm->mem, reserved,
		       ARRAY_SIZE(reserved), &img);
	if (err)
		return err;
	err = write_cmdline(vm, &cmdline_gpa);
	if (err)
		return err;
	if (img.has_pvh) {
		boot->mode = X86_ENTRY_PVH32;
		boot->entry = img.pvh_entry;
		boot->boot_data = X86_START_INFO_ADDR;
		return pvh_write_start_info(&vm->mem, cmdline_gpa, 0, 0);
	}
	boot->mode = X86_ENTRY_LONG64;
	boot->entry = img.entry;
	return 0;
}

int arch_load_kernel(struct vm *vm)
{
	struct arch_boot *boot = calloc(1, sizeof(*boot));
	struct mapped_file f;
	int err;

	if (!boot)
		return -ENOMEM;
	vm->boot = boot;
	err = x86_write_boot_tables(&vm->mem);
	if (err)
		return err;
	if (!vm->cfg->kernel_path)
		return load_builtin(vm, boot);

	err = mapped_file_open(&f, vm->cfg->kernel_path, "kernel");
	if (err)
		return err;
	if (elf_is_elf(f.data, f.size)) {
		err = load_elf(vm, &f, boot);
	} else {
		pr_err("kernel '%s' is not in a format smolvm can boot (ELF64)", f.path);
		err = -ENOEXEC;
	}
	mapped_file_close(&f);
	return err;
}

int arch_vcpu_reset(struct vcpu *vcpu)
{
	const struct arch_boot *boot = vcpu->vm->boot;
	struct arch_regs r;

	x86_entry_regs(&r, boot->mode, boot->entry, boot->boot_data);
	return vcpu->vm->be_ops->set_regs(vcpu, &r);
}
