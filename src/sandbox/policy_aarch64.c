// SPDX-License-Identifier: MIT
/* policy_aarch64.c: the arm64 KVM ioctls a vCPU thread makes after setup. */
#include <linux/kvm.h>

#include "sandbox/policy.h"
#include "util/compiler.h"

const unsigned long policy_arch_vcpu_ioctls[] = {
	KVM_RUN,
	KVM_GET_ONE_REG, /* --trace, crash reports */
	KVM_SET_ONE_REG,
};
const unsigned policy_arch_nr_vcpu_ioctls = ARRAY_SIZE(policy_arch_vcpu_ioctls);
