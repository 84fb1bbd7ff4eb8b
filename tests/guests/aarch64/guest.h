/* SPDX-License-Identifier: MIT */
/*
 * Shared constants for the aarch64 test guests (assembly only). The guests
 * run at EL1 with the MMU off; MMIO uses single 32-bit ldr/str with a base
 * register (+ immediate) address, which always has a valid data abort
 * syndrome -- except where a guest wants the opposite (mmio_nisv).
 */
#ifndef GUESTS_AARCH64_GUEST_H
#define GUESTS_AARCH64_GUEST_H

#define PL011_BASE	0x09000000
#define PL011_DR	0x000
#define PL011_FR	0x018
#define PL011_FR_TXFF_BIT 5	/* transmit FIFO full */
#define PL011_FR_RXFE_BIT 4	/* receive FIFO empty */

/* PSCI 0.2+ function IDs, called with hvc #0 (QEMU virt and smolvm). */
#define PSCI_CPU_OFF		0x84000002
#define PSCI_CPU_ON_64		0xc4000003
#define PSCI_SYSTEM_OFF		0x84000008
#define PSCI_SYSTEM_RESET	0x84000009

/* Loads a 32-bit constant into wN (and so zero-extended into xN). */
	.macro	mov32 reg, val
	movz	\reg, #((\val) & 0xffff)
	movk	\reg, #(((\val) >> 16) & 0xffff), lsl #16
	.endm

#endif
