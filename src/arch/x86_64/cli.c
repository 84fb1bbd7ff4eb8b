// SPDX-License-Identifier: MIT
/* cli.c: what the x86_64 command line allows and what its --help says. */
#include "arch/arch.h"

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
