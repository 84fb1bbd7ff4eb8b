// SPDX-License-Identifier: MIT
/* boot.c: x86_64 guest memory, kernel format dispatch (built-in guest, ELF, PVH, bzImage),
 * command line, initrd, ACPI tables and boot CPU state. */
#include "arch/x86_64/boot.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/builtin_guest.h"
#include "arch/x86_64/linux.h"
#include "arch/x86_64/memmap.h"
#include "arch/x86_64/pvh.h"
#include "backend/backend.h"
#include "loader/bzimage.h"
#include "loader/elf.h"
#include "loader/file.h"
#include "log.h"
#include "vcpu.h"
#include "vm_state.h"

/* Appended to a Linux command line unless the user set them: reboot on panic, so a
 * panicking guest ends smolvm instead of spinning. */
#define LINUX_DEFAULT_CMDLINE "console=ttyS0"
#define LINUX_PANIC_OPTION    "panic=-1"

/* Everything a kernel loader learned that the common boot steps need. */
struct kernel_info {
	bool is_linux;
	const struct bzimage *bz; /* bzImage header, or NULL */
	uint64_t kernel_end;	  /* initrd goes above this */
};

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

/* Builds the guest's command line in boot->cmdline and copies it into guest memory. */
static int write_cmdline(struct vm *vm, struct arch_boot *boot, bool is_linux, size_t *len)
{
	const char *user = vm->cfg->cmdline;
	int n;

	if (!user && is_linux)
		user = LINUX_DEFAULT_CMDLINE;
	if (!user)
		user = "";
	n = snprintf(boot->cmdline, sizeof(boot->cmdline), "%s%s%s", user,
		     is_linux && !strstr(user, "panic=") ? (*user ? " " : "") : "",
		     is_linux && !strstr(user, "panic=") ? LINUX_PANIC_OPTION : "");
	if (n < 0 || (size_t)n >= sizeof(boot->cmdline)) {
		pr_err("kernel command line is %zu bytes long; smolvm accepts at most %llu",
		       strlen(user), X86_CMDLINE_MAX - 1 - sizeof(LINUX_PANIC_OPTION));
		return -E2BIG;
	}
	*len = (size_t)n;
	return guest_mem_write(&vm->mem, X86_CMDLINE_ADDR, boot->cmdline, (size_t)n + 1);
}

/* Loads the initrd as high as possible below @limit and above @floor. */
static int load_initrd(struct vm *vm, uint64_t floor, uint64_t limit, uint64_t *gpa, uint64_t *size)
{
	struct mapped_file f;
	uint64_t top = guest_mem_region_end(&vm->mem, X86_HIMEM_START), addr;
	int err;

	*gpa = *size = 0;
	if (!vm->cfg->initrd_path)
		return 0;
	err = mapped_file_open(&f, vm->cfg->initrd_path, "initrd");
	if (err)
		return err;
	if (limit < top)
		top = limit;
	addr = (top - f.size) & ~0xfffull;
	if (f.size > top || addr < floor) {
		pr_err("initrd '%s' (%zu KiB) does not fit in guest RAM between the kernel "
		       "(ends at 0x%llx) and 0x%llx; give the guest more memory with -m",
		       f.path, f.size >> 10, (unsigned long long)floor, (unsigned long long)top);
		mapped_file_close(&f);
		return -E2BIG;
	}
	err = guest_mem_write(&vm->mem, addr, f.data, f.size);
	*gpa = addr;
	*size = f.size;
	mapped_file_close(&f);
	return err;
}

static int load_builtin(struct vm *vm, struct arch_boot *boot, struct kernel_info *ki)
{
	boot->mode = X86_ENTRY_LONG64;
	boot->entry = BUILTIN_GUEST_ADDR;
	ki->kernel_end = BUILTIN_GUEST_ADDR + builtin_guest_size;
	return guest_mem_write(&vm->mem, BUILTIN_GUEST_ADDR, builtin_guest_code,
			       builtin_guest_size);
}

static int load_elf(struct vm *vm, const struct mapped_file *f, struct arch_boot *boot,
		    struct kernel_info *ki)
{
	static const struct mem_range reserved[] = {
		{0, X86_HIMEM_START, "the low 1 MiB (boot tables and legacy area)"},
	};
	struct elf_image img;
	int err;

	err = elf_load(f->data, f->size, f->path, EM_X86_64, &vm->mem, reserved,
		       ARRAY_SIZE(reserved), &img);
	if (err)
		return err;
	ki->is_linux = img.is_linux;
	ki->kernel_end = img.load_end;
	if (img.has_pvh) {
		boot->mode = X86_ENTRY_PVH32;
		boot->entry = img.pvh_entry;
		boot->boot_data = X86_START_INFO_ADDR;
	} else {
		/* Linux's startup_64 wants boot_params in RSI; bare-metal kernels ignore it. */
		boot->mode = X86_ENTRY_LONG64;
		boot->entry = img.entry;
		boot->boot_data = img.is_linux ? X86_ZERO_PAGE_ADDR : 0;
	}
	return 0;
}

static int load_kernel_file(struct vm *vm, const struct mapped_file *f, struct arch_boot *boot,
			    struct kernel_info *ki, struct bzimage *bz)
{
	int err;

	if (elf_is_elf(f->data, f->size))
		return load_elf(vm, f, boot, ki);
	if (bzimage_is_bzimage(f->data, f->size)) {
		err = bzimage_parse(f->data, f->size, f->path, bz);
		if (err)
			return err;
		ki->is_linux = true;
		ki->bz = bz;
		return x86_linux_load_bzimage(vm, bz, f->path, boot, &ki->kernel_end);
	}
	pr_err("kernel '%s' is not in a format smolvm can boot (ELF64 or bzImage)", f->path);
	return -ENOEXEC;
}

/* There is no BIOS, but kernels reboot through one: Linux on hardware-reduced ACPI without
 * EFI ends up jumping to the reset vector (reboot type BIOS). A real-mode stub there writes
 * the ACPI reset register, so that path reboots the VM like the others. */
static int write_reset_vector(struct vm *vm)
{
	static const uint8_t stub[] = {
		0xb0,
		X86_ACPI_RESET_VALUE, /* mov al, RESET_VALUE */
		0xba,
		(X86_ACPI_PM_PORT + 2) & 0xff,
		(X86_ACPI_PM_PORT + 2) >> 8, /* mov dx, port */
		0xee,			     /* out dx, al */
		0xf4,			     /* 1: hlt */
		0xeb,
		0xfd, /* jmp 1b */
	};

	return guest_mem_write(&vm->mem, X86_RESET_VECTOR, stub, sizeof(stub));
}

/* Command line, initrd, ACPI and the boot data structure the entry mode expects. */
static int write_boot_data(struct vm *vm, struct arch_boot *boot, const struct kernel_info *ki)
{
	struct linux_boot_data d = {.cmdline_gpa = X86_CMDLINE_ADDR};
	uint64_t initrd_limit = X86_MMIO_HOLE_START;
	int err;

	err = write_cmdline(vm, boot, ki->is_linux, &d.cmdline_len);
	if (err)
		return err;
	if (ki->bz && ki->bz->hdr.initrd_addr_max)
		initrd_limit = MIN(initrd_limit, (uint64_t)ki->bz->hdr.initrd_addr_max + 1);
	err = load_initrd(vm, ki->kernel_end, initrd_limit, &d.initrd_gpa, &d.initrd_size);
	if (!err)
		err = x86_acpi_write_tables(&vm->mem, vm->cfg->nr_cpus, &vm->devices, &d.rsdp_gpa);
	if (!err)
		err = write_reset_vector(vm);
	if (err)
		return err;
	if (boot->mode == X86_ENTRY_PVH32)
		return pvh_write_start_info(&vm->mem, d.cmdline_gpa, d.initrd_gpa, d.initrd_size,
					    d.rsdp_gpa);
	if (ki->is_linux)
		return x86_linux_write_zero_page(vm, ki->bz, &d);
	return 0;
}

int arch_load_kernel(struct vm *vm)
{
	struct arch_boot *boot = calloc(1, sizeof(*boot));
	struct kernel_info ki = {0};
	struct mapped_file f = {0};
	struct bzimage bz;
	int err;

	if (!boot)
		return -ENOMEM;
	vm->boot = boot;
	err = x86_write_boot_tables(&vm->mem);
	if (err)
		return err;
	if (vm->cfg->kernel_path) {
		err = mapped_file_open(&f, vm->cfg->kernel_path, "kernel");
		if (!err)
			err = load_kernel_file(vm, &f, boot, &ki, &bz);
	} else {
		err = load_builtin(vm, boot, &ki);
	}
	if (!err)
		err = write_boot_data(vm, boot, &ki);
	mapped_file_close(&f);
	if (err)
		return err;
	/* Linux needs interrupts and timers; bare-metal guests that end with HLT need the
	 * HLT to reach smolvm, which an in-kernel LAPIC would swallow. */
	vm->irqchip =
		vm->cfg->irqchip == IRQCHIP_ON || (vm->cfg->irqchip == IRQCHIP_AUTO && ki.is_linux);
	pr_debug("kernel command line: %s", boot->cmdline);
	return 0;
}

int arch_vcpu_reset(struct vcpu *vcpu)
{
	const struct arch_boot *boot = vcpu->vm->boot;
	struct arch_regs r;

	/* With an in-kernel LAPIC the secondary CPUs wait for INIT/SIPI from the guest. */
	if (vcpu->id != 0 && vcpu->vm->irqchip)
		return 0;
	x86_entry_regs(&r, boot->mode, boot->entry, boot->boot_data);
	return vcpu->vm->be_ops->set_regs(vcpu, &r);
}

int arch_finalize(struct vm *vm)
{
	(void)vm; /* --dtb and --dump-dtb are refused by arch_check_config */
	return 0;
}
