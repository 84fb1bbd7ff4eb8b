/* SPDX-License-Identifier: MIT */
/* backend.h: the hypervisor backend interface. The only thing vm.c and vcpu.c know about
 * KVM (and, later, Hypervisor.framework). Private state hangs off vm->be and vcpu->be. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "exit.h"
#include "util/compiler.h"

struct vm;
struct vcpu;

struct backend_ops {
	const char *name;
	/* Opens the hypervisor and creates the VM. Logs one clear message on failure;
	 * returns -ENOENT / -EACCES when the hypervisor device is absent / not permitted. */
	int (*vm_init)(struct vm *vm);
	void (*vm_destroy)(struct vm *vm);
	/* Makes host memory [hva, hva + len) guest-physical [gpa, gpa + len). */
	int (*map_mem)(struct vm *vm, uint64_t gpa, void *hva, uint64_t len);
	/* In-kernel interrupt controller and timers (PIC/IOAPIC/PIT, GIC). */
	int (*irqchip_init)(struct vm *vm);
	int (*irq_set)(struct vm *vm, unsigned irq, bool level);
	/* Optional: signal eventfd @fd instead of exiting when the guest writes @datamatch
	 * (@len bytes) to MMIO address @addr. -ENOTSUP when the hypervisor cannot. */
	int (*ioeventfd)(struct vm *vm, uint64_t addr, unsigned len, uint64_t datamatch, int fd);
	/* Optional: a level interrupt driven through eventfds: signalling @fd raises platform
	 * interrupt @irq until the guest ends its handler (EOI), which lowers it and signals
	 * @resample_fd. -ENOTSUP when the hypervisor cannot. */
	int (*irqfd)(struct vm *vm, unsigned irq, int fd, int resample_fd);
	int (*vcpu_init)(struct vcpu *vcpu);
	/* Optional: called once every vCPU exists, before any runs (arm64: vGIC init). */
	int (*vcpus_created)(struct vm *vm);
	/* Runs until the next exit and fills @ex; completes the previous read exit first.
	 * Returns 0 or -errno on a host failure (logged). */
	int (*vcpu_run)(struct vcpu *vcpu, struct vm_exit *ex);
	int (*get_regs)(struct vcpu *vcpu, struct arch_regs *r);
	/* Optional: the registers as they were at the exit before the current one, the last
	 * state known when the current one lost it (KVM on AMD after a triple fault).
	 * -ENODATA if none was kept. */
	int (*get_last_regs)(struct vcpu *vcpu, struct arch_regs *r);
	int (*set_regs)(struct vcpu *vcpu, const struct arch_regs *r);
	/* Guest-virtual -> guest-physical with the vCPU's current paging; -EFAULT if unmapped. */
	int (*translate)(struct vcpu *vcpu, uint64_t gva, uint64_t *gpa);
	/* Makes a running vcpu_run return VM_EXIT_INTR soon; callable from any thread. */
	void (*vcpu_kick)(struct vcpu *vcpu);
	void (*vcpu_destroy)(struct vcpu *vcpu);
};

extern const struct backend_ops kvm_backend_ops;
