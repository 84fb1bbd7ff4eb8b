// SPDX-License-Identifier: MIT
/* policy_x86_64.c: the x86_64 KVM ioctls a vCPU thread makes after setup. */
#include <linux/kvm.h>

#include "sandbox/policy.h"
#include "util/compiler.h"

const unsigned long policy_arch_vcpu_ioctls[] = {
	KVM_RUN,       KVM_GET_REGS, /* --trace, shutdown verdicts, crash reports */
	KVM_GET_SREGS, /* the same, and the periodic sregs copy for lost-register reports */
	KVM_SET_REGS,  /* a crash report puts back the last known state ... */
	KVM_SET_SREGS, KVM_TRANSLATE, /* ... to translate its pc for the disassembly */
};
const unsigned policy_arch_nr_vcpu_ioctls = ARRAY_SIZE(policy_arch_vcpu_ioctls);
