/* SPDX-License-Identifier: MIT */
/* PSCI 0.2+ function IDs (SMC32/SMC64 calling convention), called with hvc #0. */
#ifndef SMOLKERNEL_PSCI_H
#define SMOLKERNEL_PSCI_H

#define PSCI_VERSION	  0x84000000
#define PSCI_CPU_ON_64	  0xc4000003
#define PSCI_SYSTEM_OFF	  0x84000008
#define PSCI_SYSTEM_RESET 0x84000009

#endif
