/* SPDX-License-Identifier: MIT */
/* layout.h: the x86_64 guest-physical memory map and fixed platform resources, in one place.
 *
 *   0x00000500  GDT                     0x00009000  PML4, PDPT, 4 page directories
 *   0x00006000  PVH hvm_start_info      0x00020000  kernel command line
 *   0x00007000  Linux zero page         0x0009fc00  EBDA (reserved) .. 0xa0000
 *   0x00008ff0  initial stack (bare)    0x000a0000  legacy VGA/BIOS hole .. 0x100000
 *   0x00100000  kernels load here and above
 *   0xc0000000  32-bit MMIO hole (devices, KVM's TSS) .. 0x100000000
 *   0x100000000 RAM above 3 GiB continues here
 */
#pragma once

#define X86_GDT_ADDR	    0x500ull
#define X86_START_INFO_ADDR 0x6000ull
#define X86_ZERO_PAGE_ADDR  0x7000ull
#define X86_BOOT_STACK_TOP  0x8ff0ull
#define X86_PML4_ADDR	    0x9000ull
#define X86_PDPT_ADDR	    0xa000ull
#define X86_PD_ADDR	    0xb000ull /* four pages: 0xb000-0xefff */
#define X86_CMDLINE_ADDR    0x20000ull
#define X86_CMDLINE_MAX	    0x10000ull
#define X86_EBDA_START	    0x9fc00ull
#define X86_HIMEM_START	    0x100000ull	   /* 1 MiB */
#define X86_MMIO_HOLE_START 0xc0000000ull  /* 3 GiB */
#define X86_HIGH_RAM_START  0x100000000ull /* 4 GiB */

/* Flat GDT selectors, as the Linux boot protocol expects (__BOOT_CS 0x10, __BOOT_DS 0x18). */
#define X86_SEL_CODE32 0x08
#define X86_SEL_CODE64 0x10
#define X86_SEL_DATA   0x18
#define X86_SEL_TSS    0x20

#define X86_COM1_PORT	    0x3f8
#define X86_COM1_IRQ	    4
#define X86_DEBUG_EXIT_PORT 0xf4

/* ACPI: tables in the reserved BIOS area, where Linux also scans for the RSDP. */
#define X86_ACPI_BASE 0xf0000ull
#define X86_ACPI_SIZE 0x10000ull
/* Hardware-reduced ACPI registers (FADT sleep control/status and reset), one I/O block. */
#define X86_ACPI_PM_PORT     0x600
#define X86_ACPI_RESET_VALUE 0x42
#define X86_IOAPIC_ADDR	     0xfec00000ull
#define X86_LAPIC_ADDR	     0xfee00000ull
/* virtio-mmio devices: 4 KiB slots in the 32-bit MMIO hole, one IOAPIC pin each. */
#define X86_VIRTIO_MMIO_BASE   0xd0000000ull
#define X86_VIRTIO_MMIO_STRIDE 0x1000ull

/* The CPU's reset vector (F000:FFF0), where a BIOS would start; see boot.c. */
#define X86_RESET_VECTOR 0xffff0ull
/* The i8042 keyboard controller's ports: reset through 0x64 (Linux reboot=k). */
#define X86_I8042_DATA_PORT 0x60
#define X86_I8042_CMD_PORT  0x64
