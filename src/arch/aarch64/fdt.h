/* SPDX-License-Identifier: MIT */
/* fdt.h: the guest's flattened device tree, modelled on QEMU's "virt" machine, and the
 * checks and /chosen edits a user's own blob (--dtb) gets. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/compiler.h"

struct devmgr;

/* The arm64 boot protocol (booting.rst) allows a blob of at most 2 MiB. */
#define AARCH64_FDT_MAX_SIZE (2u << 20)

struct aarch64_fdt_params {
	uint64_t ram_base, ram_size;
	unsigned nr_cpus; /* cpu@N reg = MPIDR affinity: ((id >> 4) << 8) | (id & 0xf) */
	bool gic_v3;
	uint64_t gic_dist_base, gic_dist_size;
	uint64_t gic_redist_base, gic_redist_size; /* v3 */
	uint64_t gic_cpu_base, gic_cpu_size;	   /* v2 */
	uint64_t uart_base;			   /* the console UART: stdout-path and serial0 */
	const struct devmgr *devices;		   /* each writes its own node; may be NULL */
	const char *bootargs;			   /* may be NULL or "" */
	uint64_t initrd_start, initrd_end;	   /* both 0: no initrd */
	bool pmu;				   /* the vCPUs have a PMUv3 ... */
	unsigned pmu_ppi;			   /* ... whose overflow interrupt is this PPI */
};

/* The MPIDR affinity (Aff1.Aff0) KVM gives vCPU @id: 16 CPUs per cluster. */
static inline uint32_t aarch64_fdt_cpu_mpidr(unsigned id)
{
	return ((id >> 4) << 8) | (id & 0xf);
}

/* Writes a packed blob into @buf (@bufsize bytes). 0, or -ENOSPC / -EINVAL (logged). */
int __must_check aarch64_fdt_build(const struct aarch64_fdt_params *p, void *buf, size_t bufsize);

/* --dtb: checks a user's blob (magic, header, structure, totalsize <= @size and within the
 * 2 MiB the boot protocol allows). Logs naming @name and returns -EINVAL otherwise. */
int __must_check aarch64_fdt_validate(const void *blob, size_t size, const char *name);

/* Copies a user's blob (validated) into @buf (room to grow) and sets /chosen bootargs (if
 * non-NULL and non-empty) and linux,initrd-start/end (if set; without an initrd, stale
 * ones are removed); creates /chosen if missing. The result is packed. 0, or -ENOSPC /
 * -EINVAL (logged). */
int __must_check aarch64_fdt_patch_chosen(const void *blob, void *buf, size_t bufsize,
					  const char *bootargs, uint64_t initrd_start,
					  uint64_t initrd_end);
