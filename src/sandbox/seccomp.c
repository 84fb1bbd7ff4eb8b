// SPDX-License-Identifier: MIT
/* seccomp.c: a role's allow-list -> a seccomp-bpf program for this architecture. */
#include "sandbox/seccomp.h"

#include <errno.h>
#include <string.h>

#include "log.h"

static const char *const role_names[] = {
	[SANDBOX_PROCESS] = "process-wide",
	[SANDBOX_MAIN] = "main thread's",
	[SANDBOX_VCPU] = "vCPU thread's",
};

static int build_and_load(scmp_filter_ctx ctx, enum sandbox_role role, bool all_threads)
{
	int err;

	/* Another ABI (x86_64's int 0x80, x32) traps too, instead of killing one thread. */
	err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
	if (!err && all_threads)
		err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (err)
		return err;
	/* KVM_RUN goes through every exit: test ioctl first, and search the rest as a tree
	 * (an older libseccomp without the tree keeps the linear order). */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	seccomp_syscall_priority(ctx, SCMP_SYS(ioctl), 255);
	err = policy_add(ctx, role);
	return err ? err : seccomp_load(ctx);
}

int seccomp_install(enum sandbox_role role, bool all_threads)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	int err;

	if (!ctx) {
		pr_err("cannot create the %s seccomp filter: out of memory", role_names[role]);
		return -ENOMEM;
	}
	err = build_and_load(ctx, role, all_threads);
	seccomp_release(ctx);
	if (err == -ESRCH)
		pr_err("cannot install the %s seccomp filter: a thread already has another one",
		       role_names[role]);
	else if (err)
		pr_err("cannot install the %s seccomp filter: %s (--sandbox=off runs without)",
		       role_names[role], strerror(-err));
	return err;
}
