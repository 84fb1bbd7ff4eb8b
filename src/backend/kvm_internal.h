/* SPDX-License-Identifier: MIT */
/* kvm_internal.h: state shared by kvm.c and the per-arch kvm_<arch>.c. Only backend/
 * files include <linux/kvm.h>. */
#pragma once

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend/backend.h"

struct kvm_vm_state {
	int dev_fd; /* /dev/kvm */
	int vm_fd;
	int run_size;
	unsigned next_slot;
	unsigned max_slots;
	bool irqchip;
	struct kvm_cpuid2 *cpuid;  /* arch: supported CPUID, fetched once */
	struct kvm_msr_list *msrs; /* arch: MSRs this KVM saves/restores */
	int gic_fd;		   /* arm64: the vGIC device */
};

struct kvm_vcpu_state {
	int fd;
	struct kvm_run *run;
#if defined(__x86_64__)
	/* KVM_CAP_SYNC_REGS: KVM copies the general registers into run->s.regs at every
	 * exit; the copy of the previous exit's, with segment and control registers read
	 * every KVM_SREGS_PERIOD runs, is the last known state after a triple fault on AMD.
	 * (Syncing the sregs at every exit too cost ~10% per exit in the nested harness.) */
	bool sync_regs, have_last, have_sregs;
	unsigned runs;
	struct kvm_regs last_regs;
	struct kvm_sregs last_sregs;
#endif
};

/* ioctl that logs "NAME: strerror" on failure and returns -errno. */
int kvm_do_ioctl(int fd, unsigned long req, const char *name, void *arg);
#define kvm_ioctl(fd, req, arg) kvm_do_ioctl((fd), (req), #req, (arg))

static inline struct kvm_vm_state *kvm_vm(const struct vm *vm);
static inline struct kvm_vcpu_state *kvm_vcpu(const struct vcpu *vcpu);

/* Implemented by kvm_<arch>.c. */
/* The machine type for KVM_CREATE_VM (arm64: the IPA size the guest's memory needs), or
 * -errno with a message. */
int kvm_arch_vm_type(struct vm *vm);
int kvm_arch_vm_init(struct vm *vm);
/* The kvm_irq_level.irq value for the platform's interrupt number @irq. */
uint32_t kvm_arch_irq_line(unsigned irq);
int kvm_arch_vcpus_created(struct vm *vm);
void kvm_arch_vm_destroy(struct vm *vm);
int kvm_arch_irqchip_init(struct vm *vm);
int kvm_arch_vcpu_init(struct vcpu *vcpu);
/* Decodes arch-specific exit reasons; returns false if it does not know @run->exit_reason. */
bool kvm_arch_decode_exit(struct vcpu *vcpu, struct kvm_run *run, struct vm_exit *ex);
/* Around every KVM_RUN: before it (keep what the previous exit left), and after it (the
 * exit's program counter into @ex when KVM synced it). */
void kvm_arch_pre_run(struct kvm_vcpu_state *c);
void kvm_arch_post_run(struct kvm_vcpu_state *c, struct vm_exit *ex);
int kvm_arch_get_last_regs(struct vcpu *vcpu, struct arch_regs *r);
int kvm_arch_get_regs(struct vcpu *vcpu, struct arch_regs *r);
int kvm_arch_set_regs(struct vcpu *vcpu, const struct arch_regs *r);
int kvm_arch_translate(struct vcpu *vcpu, uint64_t gva, uint64_t *gpa);

#include "vcpu.h"
#include "vm_state.h"

static inline struct kvm_vm_state *kvm_vm(const struct vm *vm)
{
	return vm->be;
}

static inline struct kvm_vcpu_state *kvm_vcpu(const struct vcpu *vcpu)
{
	return vcpu->be;
}
