// SPDX-License-Identifier: MIT
/* acpi_pm.c: ACPI sleep control / reset registers -> VM poweroff / reboot. */
#include "devices/acpi_pm.h"

#include "log.h"

#define SLEEP_EN      0x20
#define SLEEP_TYPE(v) (((v) >> 2) & 0x7)
#define WAKE_STATUS   0x80

static uint64_t acpi_pm_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)opaque;
	(void)size;
	/* Sleep status: report "woken" so a guest polling after a failed sleep moves on. */
	return offset == 1 ? WAKE_STATUS : 0;
}

static void acpi_pm_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct acpi_pm *pm = opaque;

	(void)size;
	if (offset == 0 && (value & SLEEP_EN)) {
		if (SLEEP_TYPE(value) == pm->s5_type)
			vm_stopper_request(pm->stop, VM_STOP_POWEROFF, 0);
		else
			pr_guest_err(
				"ACPI sleep type %u requested; only S5 (power off) is supported",
				(unsigned)SLEEP_TYPE(value));
	} else if (offset == 2 && value == pm->reset_value) {
		vm_stopper_request(pm->stop, VM_STOP_RESET, 0);
	}
}

static const struct io_ops acpi_pm_ops = {
	.read = acpi_pm_read,
	.write = acpi_pm_write,
	.min_size = 1,
	.max_size = 1,
};

void acpi_pm_init(struct acpi_pm *pm, const struct vm_stopper *stop, uint64_t base, uint8_t s5_type,
		  uint8_t reset_value)
{
	pm->stop = stop;
	pm->s5_type = s5_type;
	pm->reset_value = reset_value;
	pm->region = (struct io_region){
		.name = "acpi-pm",
		.base = base,
		.len = 3,
		.ops = &acpi_pm_ops,
		.opaque = pm,
	};
}
