// SPDX-License-Identifier: MIT
/* cli.c: what the x86_64 command line allows and what its --help says. */
#include <errno.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64/layout.h"
#include "config.h"
#include "log.h"

const struct arch_cli arch_cli = {
	.max_cpus = 255, /* APIC ids in the MADT are 8-bit */
	.kernel_formats = "a bzImage, an ELF vmlinux or a bare-metal ELF64 kernel",
	.console_name = "ttyS0",
	.builtin_ends = "halts",
	.irqchip_help =
		"      --irqchip MODE     in-kernel PIC/IOAPIC/LAPIC/PIT: auto (default: on for\n"
		"                         Linux, off for bare-metal guests so HLT ends them), on, "
		"off\n",
	.dtb_help = "",
	.exit_help = "  0   the guest powered off, rebooted, or halted with nothing left to run\n",
	.exit_debug_help =
		"  N   the guest wrote V to the debug-exit port (0xf4): N = (V << 1) | 1, as "
		"QEMU's\n"
		"      isa-debug-exit does (V = 0x10 gives 33)\n",
};

int arch_check_config(const struct vm_config *cfg)
{
	/* Room for " panic=-1", which a Linux command line gets appended. */
	const size_t max = X86_CMDLINE_MAX - 1 - sizeof("panic=-1");

	if (cfg->dtb_path || cfg->dump_dtb_path) {
		pr_err("--%s: x86_64 guests have no device tree (smolvm describes them with ACPI)",
		       cfg->dtb_path ? "dtb" : "dump-dtb");
		return -EINVAL;
	}
	if (cfg->cmdline && strlen(cfg->cmdline) > max) {
		pr_err("kernel command line is %zu bytes long; smolvm accepts at most %zu",
		       strlen(cfg->cmdline), max);
		return -EINVAL;
	}
	if (cfg->nr_cpus > 1 && cfg->irqchip == IRQCHIP_OFF) {
		pr_err("%u vCPUs need the in-kernel interrupt controller to start the secondary "
		       "CPUs; use --irqchip=on",
		       cfg->nr_cpus);
		return -EINVAL;
	}
	return 0;
}
