/* SPDX-License-Identifier: MIT */
/* acpi_pm.h: hardware-reduced ACPI power registers. Region: 3 byte-wide registers:
 * +0 sleep control (SLP_TYP << 2 | SLP_EN powers off when SLP_TYP is the _S5 type),
 * +1 sleep status, +2 reset register (the reset value reboots). No IRQ. */
#pragma once

#include <stdint.h>

#include "bus.h"
#include "stop.h"

struct acpi_pm {
	struct io_region region;
	const struct vm_stopper *stop; /* powers off / resets the VM */
	uint8_t s5_type;	       /* SLP_TYP of \_S5 in the DSDT */
	uint8_t reset_value;	       /* FADT RESET_VALUE */
};

void acpi_pm_init(struct acpi_pm *pm, const struct vm_stopper *stop, uint64_t base, uint8_t s5_type,
		  uint8_t reset_value);
