/* SPDX-License-Identifier: MIT */
/* acpi.h: minimal hardware-reduced ACPI tables: RSDP, RSDT/XSDT, FADT, DSDT (_S5), MADT. */
#pragma once

#include <stdint.h>

#include "guest_mem.h"
#include "util/compiler.h"

struct devmgr;

/* Writes the tables for @nr_cpus CPUs at X86_ACPI_BASE, the DSDT describing the devices of
 * @dm (may be NULL: none); the RSDP address goes to @rsdp. */
int __must_check x86_acpi_write_tables(struct guest_mem *mem, unsigned nr_cpus,
				       const struct devmgr *dm, uint64_t *rsdp);
