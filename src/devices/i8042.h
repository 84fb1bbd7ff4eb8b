/* SPDX-License-Identifier: MIT */
/* i8042.h: the smallest i8042 keyboard controller a kernel needs to reboot through it.
 * Two 1-byte ports: data (+0) and status/command (+4 from data, i.e. 0x60/0x64 on a PC),
 * registered as two regions. Command 0xfe (pulse the reset line) reboots the VM. No keyboard
 * or mouse is attached; self-tests pass so drivers that probe give up cleanly. No IRQ. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "stop.h"

struct i8042 {
	struct io_region data_region, cmd_region;
	const struct vm_stopper *stop; /* powers off / resets the VM */
	uint8_t ctr;		       /* controller configuration ("command byte") */
	uint8_t out;		       /* output buffer */
	bool out_full;
	uint8_t pending_cmd; /* command waiting for its data byte, or 0 */
};

void i8042_init(struct i8042 *kbc, const struct vm_stopper *stop, uint64_t data_port,
		uint64_t cmd_port);
