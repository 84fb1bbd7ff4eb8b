// SPDX-License-Identifier: MIT
/* boot.c: aarch64 guest memory, kernel format dispatch (built-in guest, ELF, arm64 Image,
 * gzip'ed Image), command line, initrd, device tree and the boot CPU state
 * (Documentation/arch/arm64/booting.rst: x0 = device tree, EL1, MMU off, DAIF masked). */
#include "arch/aarch64/boot.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/aarch64/builtin_guest.h"
#include "arch/aarch64/fdt.h"
#include "arch/aarch64/layout.h"
#include "arch/arch.h"
#include "backend/backend.h"
#include "loader/arm64_image.h"
#include "loader/elf.h"
#include "loader/file.h"
#include "log.h"
#include "vcpu.h"
#include "vm_state.h"

#define LINUX_DEFAULT_CMDLINE "console=ttyAMA0"
#define LINUX_PANIC_OPTION    "panic=-1"

int arch_setup_memory(struct vm *vm)
{
	uint64_t size = vm->cfg->mem_size; /* at least ARM64_MIN_MEM (arch_check_config) */
	int err;

	err = guest_mem_add(&vm->mem, ARM64_RAM_BASE, size);
	if (err)
		pr_err("cannot allocate %llu MiB of guest memory",
		       (unsigned long long)(size >> 20));
	return err;
}

static uint64_t ram_end(const struct vm *vm)
{
	return ARM64_RAM_BASE + vm->cfg->mem_size;
}

static int load_builtin(struct vm *vm, struct arch_boot *boot)
{
	boot->entry = ARM64_RAM_BASE;
	boot->kernel_end = ARM64_RAM_BASE + builtin_guest_size;
	return guest_mem_write(&vm->mem, ARM64_RAM_BASE, builtin_guest_code, builtin_guest_size);
}

static int load_elf(struct vm *vm, const struct mapped_file *f, struct arch_boot *boot)
{
	const struct mem_range reserved[] = {
		{boot->fdt_addr, ram_end(vm), "the device tree area at the top of RAM"},
	};
	struct elf_image img;
	int err;

	err = elf_load(f->data, f->size, f->path, EM_AARCH64, &vm->mem, reserved,
		       ARRAY_SIZE(reserved), &img);
	if (err)
		return err;
	boot->is_linux = img.is_linux;
	boot->entry = img.entry;
	boot->kernel_end = img.load_end;
	return 0;
}

/* An Image goes at the start of RAM + text_offset (RAM is 2 MiB aligned). */
static int load_image(struct vm *vm, const uint8_t *data, size_t size, const char *name,
		      struct arch_boot *boot)
{
	struct arm64_image img;
	uint64_t addr;
	int err = arm64_image_parse(data, size, name, &img);

	if (err)
		return err;
	addr = ARM64_RAM_BASE + img.text_offset;
	if (img.image_size > boot->fdt_addr - addr) {
		pr_err("kernel '%s' needs %llu MiB from 0x%llx but guest RAM ends at 0x%llx; "
		       "give the guest more memory with -m",
		       name, (unsigned long long)(img.image_size >> 20), (unsigned long long)addr,
		       (unsigned long long)ram_end(vm));
		return -E2BIG;
	}
	boot->is_linux = true;
	boot->entry = addr;
	boot->kernel_end = addr + img.image_size;
	return guest_mem_write(&vm->mem, addr, data, img.load_size);
}

/* Image.gz, or an EFI zboot file with a gzip'ed Image inside. */
static int load_compressed(struct vm *vm, const uint8_t *data, size_t size, const char *name,
			   struct arch_boot *boot)
{
	uint8_t *raw;
	size_t raw_size;
	int err;

	if (arm64_image_is_zboot(data, size)) {
		err = arm64_image_zboot_payload(data, size, name, &data, &size);
		if (err)
			return err;
	}
	err = arm64_image_gunzip(data, size, name, &raw, &raw_size);
	if (err)
		return err;
	if (arm64_image_is_image(raw, raw_size)) {
		err = load_image(vm, raw, raw_size, name, boot);
	} else {
		pr_err("kernel '%s' is compressed but holds no arm64 Image", name);
		err = -ENOEXEC;
	}
	free(raw);
	return err;
}

static int load_kernel_file(struct vm *vm, const struct mapped_file *f, struct arch_boot *boot)
{
	if (elf_is_elf(f->data, f->size))
		return load_elf(vm, f, boot);
	if (arm64_image_is_image(f->data, f->size))
		return load_image(vm, f->data, f->size, f->path, boot);
	if (arm64_image_is_gzip(f->data, f->size) || arm64_image_is_zboot(f->data, f->size))
		return load_compressed(vm, f->data, f->size, f->path, boot);
	pr_err("kernel '%s' is not in a format smolvm can boot on aarch64 (ELF64, arm64 Image, "
	       "gzip'ed Image or EFI zboot)",
	       f->path);
	return -ENOEXEC;
}

static int build_cmdline(struct vm *vm, struct arch_boot *boot)
{
	const char *user = vm->cfg->cmdline;
	bool add_panic;
	int n;

	if (!user && boot->is_linux)
		user = LINUX_DEFAULT_CMDLINE;
	if (!user)
		user = "";
	add_panic = boot->is_linux && !strstr(user, "panic=");
	n = snprintf(boot->cmdline, sizeof(boot->cmdline), "%s%s%s", user,
		     add_panic && *user ? " " : "", add_panic ? LINUX_PANIC_OPTION : "");
	if (n < 0 || (size_t)n >= sizeof(boot->cmdline)) {
		pr_err("kernel command line is %zu bytes long; arm64 Linux accepts at most %zu",
		       strlen(user), sizeof(boot->cmdline) - 1 - sizeof(LINUX_PANIC_OPTION));
		return -E2BIG;
	}
	return 0;
}

/* The initrd goes right below the device tree, page aligned, above the kernel. */
static int load_initrd(struct vm *vm, struct arch_boot *boot)
{
	struct mapped_file f;
	uint64_t addr;
	int err;

	if (!vm->cfg->initrd_path)
		return 0;
	err = mapped_file_open(&f, vm->cfg->initrd_path, "initrd");
	if (err)
		return err;
	addr = (boot->fdt_addr - f.size) & ~0xfffull;
	if (f.size > boot->fdt_addr - boot->kernel_end || addr < boot->kernel_end) {
		pr_err("initrd '%s' (%zu KiB) does not fit in guest RAM between the kernel "
		       "(ends at 0x%llx) and the device tree (0x%llx); give the guest more memory "
		       "with -m",
		       f.path, f.size >> 10, (unsigned long long)boot->kernel_end,
		       (unsigned long long)boot->fdt_addr);
		mapped_file_close(&f);
		return -E2BIG;
	}
	err = guest_mem_write(&vm->mem, addr, f.data, f.size);
	boot->initrd_start = addr;
	boot->initrd_end = addr + f.size;
	mapped_file_close(&f);
	return err;
}

int arch_load_kernel(struct vm *vm)
{
	struct arch_boot *boot = calloc(1, sizeof(*boot));
	struct mapped_file f = {0};
	int err;

	if (!boot)
		return -ENOMEM;
	vm->boot = boot;
	boot->fdt_addr = ram_end(vm) - ARM64_FDT_MAX_SIZE;
	if (vm->cfg->kernel_path) {
		err = mapped_file_open(&f, vm->cfg->kernel_path, "kernel");
		if (!err)
			err = load_kernel_file(vm, &f, boot);
		mapped_file_close(&f);
	} else {
		err = load_builtin(vm, boot);
	}
	if (!err)
		err = build_cmdline(vm, boot);
	if (!err)
		err = load_initrd(vm, boot);
	if (err)
		return err;
	vm->irqchip = true; /* --irqchip=off is refused by arch_check_config */
	pr_debug("kernel command line: %s", boot->cmdline);
	return 0;
}

static int write_file(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok;

	if (fd < 0) {
		pr_err("cannot create '%s': %s", path, strerror(errno));
		return -errno;
	}
	ok = write(fd, data, size) == (ssize_t)size;
	if (!ok)
		pr_err("cannot write '%s': %s", path, strerror(errno));
	if (close(fd) < 0 && ok) {
		pr_err("cannot write '%s': %s", path, strerror(errno));
		ok = false;
	}
	return ok ? 0 : -EIO;
}

/* The generated tree, or the user's --dtb with our /chosen. */
static int make_fdt(struct vm *vm, const struct arch_boot *boot, void *buf, size_t size)
{
	struct aarch64_fdt_params p = {
		.ram_base = ARM64_RAM_BASE,
		.ram_size = vm->cfg->mem_size,
		.nr_cpus = vm->nr_vcpus,
		.gic_v3 = vm->irqchip_version == 3,
		.gic_dist_base = ARM64_GIC_DIST_BASE,
		.gic_dist_size = ARM64_GIC_DIST_SIZE,
		.gic_redist_base = ARM64_GIC_REDIST_BASE,
		.gic_redist_size = ARM64_GIC_REDIST_STRIDE * vm->nr_vcpus,
		.gic_cpu_base = ARM64_GIC_CPU_BASE,
		.gic_cpu_size = ARM64_GIC_CPU_SIZE,
		.uart_base = ARM64_UART_BASE,
		.devices = &vm->devices,
		.bootargs = boot->cmdline,
		.initrd_start = boot->initrd_start,
		.initrd_end = boot->initrd_end,
		.pmu = vm->arch_pmu,
		.pmu_ppi = ARM64_PMU_PPI,
	};
	struct mapped_file f;
	int err;

	if (!vm->cfg->dtb_path)
		return aarch64_fdt_build(&p, buf, size);
	err = mapped_file_open(&f, vm->cfg->dtb_path, "device tree");
	if (err)
		return err;
	err = aarch64_fdt_validate(f.data, f.size, f.path);
	if (!err)
		err = aarch64_fdt_patch_chosen(f.data, buf, size,
					       vm->cfg->cmdline ? boot->cmdline : NULL,
					       boot->initrd_start, boot->initrd_end);
	mapped_file_close(&f);
	return err;
}

int arch_finalize(struct vm *vm)
{
	const struct arch_boot *boot = vm->boot;
	void *fdt = guest_mem_ptr(&vm->mem, boot->fdt_addr, ARM64_FDT_MAX_SIZE);
	int err;

	if (!fdt)
		return -EINVAL;
	err = make_fdt(vm, boot, fdt, ARM64_FDT_MAX_SIZE);
	if (err) {
		vm->input_error = vm->cfg->dtb_path != NULL;
		return err;
	}
	if (vm->cfg->dump_dtb_path) {
		err = write_file(vm->cfg->dump_dtb_path, fdt, fdt_totalsize(fdt));
		if (err)
			vm->input_error = true;
	}
	return err;
}

int arch_vcpu_reset(struct vcpu *vcpu)
{
	const struct arch_boot *boot = vcpu->vm->boot;
	struct arch_regs r = {0};

	/* Secondary CPUs stay off until the guest starts them with PSCI CPU_ON. */
	if (vcpu->id != 0)
		return 0;
	r.pc = boot->entry;
	r.x[0] = boot->fdt_addr;
	r.pstate = ARM64_PSTATE_EL1H | ARM64_PSTATE_DAIF;
	return vcpu->vm->be_ops->set_regs(vcpu, &r);
}
