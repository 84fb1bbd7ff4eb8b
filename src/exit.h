/* SPDX-License-Identifier: MIT */
/* exit.h: the backend-neutral record of why a vCPU stopped running guest code. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum vm_exit_kind {
	VM_EXIT_PIO,		/* port I/O (x86) */
	VM_EXIT_MMIO,		/* access to guest-physical space that is not RAM */
	VM_EXIT_HLT,		/* HLT with no in-kernel interrupt controller to wake it */
	VM_EXIT_SHUTDOWN,	/* triple fault (x86) */
	VM_EXIT_SYSTEM_OFF,	/* PSCI SYSTEM_OFF or equivalent */
	VM_EXIT_RESET,		/* PSCI SYSTEM_RESET or equivalent */
	VM_EXIT_FAIL_ENTRY,	/* the hardware refused to enter the guest */
	VM_EXIT_INTERNAL_ERROR, /* the hypervisor could not emulate something */
	VM_EXIT_INTR,		/* a host signal interrupted the run (kick) */
	VM_EXIT_MMIO_UNDECODED, /* MMIO by an instruction the hypervisor cannot decode
				 * (arm64: no syndrome); raw.data[0] = the address */
	VM_EXIT_UNKNOWN,	/* anything else; raw.code holds the backend's reason */
	VM_EXIT__COUNT,
};

struct vm_exit {
	enum vm_exit_kind kind;
	/* The guest's program counter (linear address) at this exit, if the backend gets it
	 * without extra work (x86 KVM: synced registers); for traces and the exit history. */
	bool has_pc;
	uint64_t pc;
	union {
		/* PIO and MMIO. data points into backend storage until the next vcpu_run;
		 * for reads the handler fills it and the next run hands it to the guest.
		 * count > 1 only for string port I/O: count items of size bytes each. */
		struct {
			uint64_t addr;
			uint8_t *data;
			uint32_t size, count;
			bool is_write;
		} io;
		/* Backend detail for reports (entry failure reason, internal error data). */
		struct {
			uint32_t code;
			uint32_t ndata;
			uint64_t data[4];
		} raw;
	};
};

const char *vm_exit_kind_name(enum vm_exit_kind kind);
