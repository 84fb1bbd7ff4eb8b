/* SPDX-License-Identifier: MIT */
/* vm_state.h: one virtual machine as the layers below vm.c see it: memory, buses, backend,
 * vCPUs, devices and how it ended; and how to stop it. vm.c creates, runs and destroys it. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "bus.h"
#include "config.h"
#include "devmgr.h"
#include "guest_mem.h"
#include "sandbox/sandbox.h"
#include "stop.h"
#include "util/compiler.h"

struct backend_ops;
struct vcpu;
struct console;

/* Boot timeline, microseconds on CLOCK_MONOTONIC (0 = did not happen). */
struct vm_timeline {
	uint64_t start, vm_created, kernel_loaded, first_run, end;
	_Atomic uint64_t first_output;
};

struct vm {
	const struct vm_config *cfg;
	const struct backend_ops *be_ops;
	void *be;
	struct guest_mem mem;
	struct bus pio, mmio;
	struct console *console;
	struct vcpu *vcpus;
	unsigned nr_vcpus;
	struct devmgr devices;
	struct arch_boot *boot; /* arch-private boot state (entry point, mode, tables) */
	struct vm_timeline t;
	_Atomic int stop_reason;
	uint64_t stop_code;
	unsigned max_vcpus;	  /* the backend's limit */
	bool irqchip;		  /* in-kernel interrupt controller and timers */
	unsigned irqchip_version; /* set by the backend: the GIC version on arm64 */
	bool arch_pmu;		  /* set by the backend: arm64 vCPUs have a PMUv3 */
	bool input_error;	  /* vm_create failed because of the user's kernel/initrd/options */
	_Atomic unsigned threads_started; /* vCPU threads that may be kicked */
	struct sandbox sandbox;		  /* the seccomp filters, installed by vm_run */
	/* Set by vm.c: makes every started vCPU but the caller's own notice a stop. */
	void (*kick_vcpus)(struct vm *vm);
};

/* Asks the VM to stop; the first request wins. Callable from any thread (devices too). */
void vm_request_stop(struct vm *vm, enum vm_stop_reason reason, uint64_t code);
static inline enum vm_stop_reason vm_stop_requested(const struct vm *vm)
{
	return (enum vm_stop_reason)atomic_load_explicit(&vm->stop_reason, memory_order_relaxed);
}

/* A handle for devices that ends the VM with vm_request_stop(). */
struct vm_stopper vm_stopper(struct vm *vm);
