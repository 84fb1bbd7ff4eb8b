// SPDX-License-Identifier: MIT
/* cli.c: what the aarch64 command line allows and what its --help says. */
#include <errno.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/aarch64/boot.h"
#include "config.h"
#include "log.h"

const struct arch_cli arch_cli = {
	.max_cpus = 123, /* GICv3 redistributors fit below the UART in the memory map */
	.kernel_formats = "an arm64 Image, plain or gzip'ed, or an ELF64 kernel",
	.console_name = "ttyAMA0",
	.builtin_ends = "powers off",
	.irqchip_help =
		"      --irqchip MODE     the in-kernel GIC: auto or on (always used on aarch64)\n",
	.dtb_help = "      --dtb FILE         boot with this device tree blob instead of the "
		    "generated\n"
		    "                         one (smolvm still sets /chosen bootargs and initrd)\n"
		    "      --dump-dtb FILE    write the generated device tree to FILE and exit\n",
	.exit_help = "  0   the guest powered off or rebooted (PSCI SYSTEM_OFF / SYSTEM_RESET)\n",
	.exit_debug_help = "",
};

int arch_check_config(const struct vm_config *cfg)
{
	/* Room for " panic=-1", which a Linux command line gets appended. */
	const size_t max = ARM64_CMDLINE_MAX - 1 - sizeof("panic=-1");

	if (cfg->mem_size < ARM64_MIN_MEM) {
		pr_err("-m %llu KiB is too small: aarch64 guests need at least %llu MiB",
		       (unsigned long long)(cfg->mem_size >> 10),
		       (unsigned long long)(ARM64_MIN_MEM >> 20));
		return -EINVAL;
	}
	if (cfg->irqchip == IRQCHIP_OFF) {
		pr_err("--irqchip=off is not available on aarch64: the timer and every interrupt "
		       "go through KVM's in-kernel GIC");
		return -EINVAL;
	}
	if (cfg->cmdline && strlen(cfg->cmdline) > max) {
		pr_err("kernel command line is %zu bytes long; arm64 Linux accepts at most %zu",
		       strlen(cfg->cmdline), max);
		return -EINVAL;
	}
	return 0;
}
