/* SPDX-License-Identifier: MIT */
/* layout.h: the aarch64 guest-physical memory map, in one place. It follows QEMU's `virt`
 * machine so that kernels, device trees and habits made for it work unchanged.
 *
 *   0x08000000  GIC distributor (64 KiB)
 *   0x08010000  GICv2 CPU interface (64 KiB; GICv3 guests use system registers)
 *   0x080a0000  GICv3 redistributors, 128 KiB per vCPU
 *   0x09000000  PL011 UART (4 KiB), SPI 1
 *   0x0a000000  virtio-mmio slots, 512 bytes each, SPI 16 + slot
 *   0x40000000  RAM: the kernel at RAM base + text_offset; the device tree in the last
 *               2 MiB of RAM and the initrd right below it (as Firecracker places them)
 */
#pragma once

#define ARM64_GIC_DIST_BASE	0x08000000ull
#define ARM64_GIC_DIST_SIZE	0x10000ull
#define ARM64_GIC_CPU_BASE	0x08010000ull
#define ARM64_GIC_CPU_SIZE	0x10000ull
#define ARM64_GIC_REDIST_BASE	0x080a0000ull
#define ARM64_GIC_REDIST_STRIDE 0x20000ull    /* RD_base + SGI_base frames */
#define ARM64_GIC_REDIST_MAX	0x00f60000ull /* up to 0x09000000: 123 vCPUs */

#define ARM64_UART_BASE 0x09000000ull
#define ARM64_UART_SIZE 0x1000ull
#define ARM64_UART_SPI	1

#define ARM64_VIRTIO_MMIO_BASE	 0x0a000000ull
#define ARM64_VIRTIO_MMIO_STRIDE 0x200ull
#define ARM64_VIRTIO_SPI_BASE	 16
#define ARM64_VIRTIO_SLOTS	 32

#define ARM64_RAM_BASE 0x40000000ull
/* The arm64 boot protocol caps the device tree at 2 MiB and wants it in a 2 MiB region of
 * its own (the kernel maps it with 2 MiB blocks). */
#define ARM64_FDT_MAX_SIZE 0x200000ull

/* The PMU overflow interrupt, PPI 7 (INTID 23) as on QEMU's virt. */
#define ARM64_PMU_PPI 7

/* SPIs are INTIDs 32 and up; the device tree and KVM_IRQ_LINE differ in which they use. */
#define ARM64_SPI_INTID(spi) (32u + (spi))
