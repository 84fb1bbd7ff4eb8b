// SPDX-License-Identifier: MIT
/* cli.c: what the aarch64 command line allows and what its --help says. */
#include "arch/arch.h"

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
