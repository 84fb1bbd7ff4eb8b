/* SPDX-License-Identifier: MIT */
/*
 * smolkernel for aarch64: reports the EL1 state it was entered with over the
 * PL011, then powers off with PSCI SYSTEM_OFF (from start.S, after kmain
 * returns). The output is what smolvm's tests compare against, so the line
 * format is fixed: a 12-column left-aligned name (at least one space after
 * it) followed by the value.
 */
#include <stdint.h>

#include "pl011.h"
#include "sysreg.h"

#define NAME_WIDTH 12

void kmain(uint64_t dtb);

static void report(const char *name, uint64_t value)
{
	unsigned int n;

	for (n = 0; name[n]; n++)
		pl011_putc(name[n]);
	/* Pad to the value column; longer names get one space. */
	do
		pl011_putc(' ');
	while (++n < NAME_WIDTH);
	pl011_puthex(value, 16);
	pl011_putc('\n');
}

void kmain(uint64_t dtb)
{
	pl011_puts("Hello from EL1\n");

	pl011_puts("PL011 ID ");
	pl011_puthex(pl011_id(), 16);
	pl011_putc('\n');

	report("CurrentEL", read_sysreg(CurrentEL));
	report("DTB", dtb);
	report("VBAR_EL1", read_sysreg(vbar_el1));
	report("MIDR_EL1", read_sysreg(midr_el1));
	report("MPIDR_EL1", read_sysreg(mpidr_el1));
	report("MDSCR_EL1", read_sysreg(mdscr_el1));
	report("SCTLR_EL1", read_sysreg(sctlr_el1));
	report("SPSR_EL1", read_sysreg(spsr_el1));
	report("TCR_EL1", read_sysreg(tcr_el1));
	report("TTBR0_EL1", read_sysreg(ttbr0_el1));
	report("TTBR1_EL1", read_sysreg(ttbr1_el1));
	report("ESR_EL1", read_sysreg(esr_el1));
	report("ELR_EL1", read_sysreg(elr_el1));
	report("MAIR_EL1", read_sysreg(mair_el1));
	report("CPACR_EL1", read_sysreg(cpacr_el1));
	report("DAIF", read_sysreg(daif));
	report("ID_AA64MMFR0_EL1", read_sysreg(id_aa64mmfr0_el1));
	report("ID_AA64MMFR1_EL1", read_sysreg(id_aa64mmfr1_el1));
	/* ID_AA64MMFR2_EL1 by encoding: older assemblers lack the name. */
	report("ID_AA64MMFR2_EL1", read_sysreg(s3_0_c0_c7_2));

	pl011_puts("smolkernel: done\n");
}
