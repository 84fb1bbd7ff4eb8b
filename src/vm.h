/* SPDX-License-Identifier: MIT */
/* vm.h: one virtual machine: memory, buses, vCPUs, devices and how it ended. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "bus.h"
#include "config.h"
#include "guest_mem.h"
#include "util/compiler.h"

struct backend_ops;
struct vcpu;
struct console;

enum vm_stop_reason {
	VM_STOP_NONE,
	VM_STOP_POWEROFF,   /* guest powered off */
	VM_STOP_RESET,	    /* guest asked for a reboot */
	VM_STOP_HALT,	    /* HLT with nothing that could wake the CPU */
	VM_STOP_DEBUG_EXIT, /* write to the debug-exit port; code holds the value */
	VM_STOP_CRASH,	    /* triple fault, entry failure, emulation failure: report printed */
	VM_STOP_HOST_ERROR, /* smolvm or the host failed */
	VM_STOP_USER,	    /* the user asked to quit (Ctrl-A x, signal) */
};

/* Boot timeline, microseconds on CLOCK_MONOTONIC (0 = did not happen). */
struct vm_timeline {
	uint64_t start, vm_created, kernel_loaded, first_run, end;
	_Atomic uint64_t first_output;
};

/* A device instance owned by the VM, destroyed with it. */
struct vm_device {
	const char *name;
	void *priv;
	void (*destroy)(void *priv);
};

#define VM_MAX_DEVICES 32
#define VM_MAX_VIRTIO  16

/* An MMIO device the arch must describe to the guest (ACPI, device tree, command line). */
struct vm_mmio_desc {
	uint64_t base, size;
	unsigned irq;
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
	struct vm_device devices[VM_MAX_DEVICES];
	unsigned nr_devices;
	struct vm_mmio_desc virtio[VM_MAX_VIRTIO];
	unsigned nr_virtio;
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
};

/* Builds a VM from @cfg (memory, backend, devices, kernel). Logs the reason on failure.
 * Returns 0, -ENOENT/-EACCES (no hypervisor), -ENOEXEC/-EINVAL (bad input), -ENOMEM. */
int __must_check vm_create(struct vm *vm, const struct vm_config *cfg);
/* Runs all vCPUs until the VM stops; returns the stop reason (code in vm->stop_code). */
enum vm_stop_reason vm_run(struct vm *vm);
void vm_destroy(struct vm *vm);

/* Asks the VM to stop; the first request wins. Callable from any thread (devices too). */
void vm_request_stop(struct vm *vm, enum vm_stop_reason reason, uint64_t code);
static inline enum vm_stop_reason vm_stop_requested(const struct vm *vm)
{
	return (enum vm_stop_reason)atomic_load_explicit(&vm->stop_reason, memory_order_relaxed);
}

/* Hands ownership of a device to the VM; it is destroyed by vm_destroy(). */
int __must_check vm_add_device(struct vm *vm, const char *name, void *priv,
			       void (*destroy)(void *priv));
