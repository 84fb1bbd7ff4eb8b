/* SPDX-License-Identifier: MIT */
/* policy.h: which system calls each kind of smolvm thread may make once setup is done. */
#pragma once

#include <seccomp.h>

/* The filters, stacked: every thread gets SANDBOX_PROCESS (the union of all the sets below,
 * so device and console threads run under it alone); the main thread and each vCPU thread
 * then add their own narrower set on top. */
enum sandbox_role {
	SANDBOX_PROCESS, /* all threads: the runtime, the vCPUs', the main thread's, device I/O */
	SANDBOX_MAIN,	 /* the main thread: waits for the vCPUs, tears down, exits */
	SANDBOX_VCPU,	 /* vCPU threads: KVM_RUN and the devices' MMIO/port handlers */
};

/* Adds the rules of @role to @ctx. Returns 0 or a negative libseccomp error. */
int policy_add(scmp_filter_ctx ctx, enum sandbox_role role);

/* The architecture's KVM vCPU ioctls used after setup (KVM_RUN, register access for crash
 * reports and --trace); policy_<arch>.c. */
extern const unsigned long policy_arch_vcpu_ioctls[];
extern const unsigned policy_arch_nr_vcpu_ioctls;
