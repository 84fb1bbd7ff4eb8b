/* SPDX-License-Identifier: MIT */
/* acpi.h: minimal hardware-reduced ACPI tables: RSDP, RSDT/XSDT, FADT, DSDT (_S5), MADT. */
#pragma once

#include <stdint.h>

#include "guest_mem.h"
#include "util/compiler.h"

struct vm_mmio_desc;

/* Writes the tables for @nr_cpus CPUs and @nr_virtio virtio-mmio devices at X86_ACPI_BASE;
 * the RSDP address goes to @rsdp. */
int __must_check x86_acpi_write_tables(struct guest_mem *mem, unsigned nr_cpus,
				       const struct vm_mmio_desc *virtio, unsigned nr_virtio,
				       uint64_t *rsdp);
