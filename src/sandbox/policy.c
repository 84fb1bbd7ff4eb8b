// SPDX-License-Identifier: MIT
/* policy.c: the allow-lists. Anything else traps (sandbox/violation.c reports it). Calls
 * made by libc itself are here too: futex for locks, mmap/munmap/madvise/brk for malloc,
 * rt_sigreturn after handlers, clock_gettime when the vDSO is not used, exit at thread
 * end, set_robust_list and rseq in threads that may still be starting. */
#include "sandbox/policy.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "util/compiler.h"

/* Every thread: what libc, logging, stopping the VM and the fatal-signal path need. */
static const int runtime_calls[] = {
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall),
	SCMP_SYS(futex),
	SCMP_SYS(sched_yield),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(getpid),
	SCMP_SYS(gettid),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday),
	SCMP_SYS(munmap),
	SCMP_SYS(madvise),
	SCMP_SYS(mremap),
	SCMP_SYS(brk),
	SCMP_SYS(sysinfo), /* glibc's qsort asks for the RAM size (capstone sorts) */
	SCMP_SYS(write),   /* stderr, the console's stdout, eventfds */
	SCMP_SYS(poll),	   /* the console waits (bounded) for a full stdout to drain */
	SCMP_SYS(ppoll),
};
/* The fatal-signal handler (main.c) resets these to SIG_DFL and raises them again. */
static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE};
/* main.c puts the stop signals back to SIG_DFL once the VM has stopped. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};

/* vCPU threads, on top of the runtime: device models run there on MMIO/port exits. */
static const int vcpu_calls[] = {
	SCMP_SYS(getrandom), /* virtio-rng */
};
static const unsigned long vcpu_ioctls[] = {
	KVM_IRQ_LINE,  /* interrupts of devices without an irqfd */
	TUNSETOFFLOAD, /* virtio-net: the offloads the driver accepted */
};

/* Main thread: joins the vCPU and device threads, frees and closes everything. */
static const int main_calls[] = {
	SCMP_SYS(close),
};

/* Device and console threads (under SANDBOX_PROCESS only). */
static const int io_calls[] = {
	SCMP_SYS(poll),	     SCMP_SYS(ppoll),		SCMP_SYS(read),
	SCMP_SYS(readv),     SCMP_SYS(writev),		SCMP_SYS(preadv),
	SCMP_SYS(pwritev),   SCMP_SYS(preadv2),		SCMP_SYS(pwritev2),
	SCMP_SYS(fdatasync), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
};

#ifdef __SANITIZE_ADDRESS__
/* SANITIZE=1 builds only (ASan + UBSan + LeakSanitizer, a test build): ASan's own calls
 * (alternate signal stacks, its interceptors), and the leak check at exit, which clones a
 * tracer thread that ptrace()s the others and reads /proc/self. Every role gets them. */
static const int sanitizer_calls[] = {
	SCMP_SYS(sigaltstack), SCMP_SYS(fcntl),	   SCMP_SYS(rt_sigaction), SCMP_SYS(clone),
	SCMP_SYS(ptrace),      SCMP_SYS(wait4),	   SCMP_SYS(prctl),	   SCMP_SYS(open),
	SCMP_SYS(openat),      SCMP_SYS(getdents), SCMP_SYS(getdents64),   SCMP_SYS(close),
	SCMP_SYS(read),	       SCMP_SYS(readlink), SCMP_SYS(readlinkat),   SCMP_SYS(getppid),
	SCMP_SYS(newfstatat),  SCMP_SYS(fstat),	   SCMP_SYS(lseek),	   SCMP_SYS(mmap),
	SCMP_SYS(mprotect),    SCMP_SYS(tgkill),
};
#endif

/* A call this architecture does not have (SCMP_SYS gives a negative pseudo number) is
 * left out; a rule already there (the union repeats some) is fine. */
static int add(scmp_filter_ctx ctx, int nr, unsigned n, const struct scmp_arg_cmp *cmp)
{
	int err;

	if (nr < 0)
		return 0;
	err = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmp);
	return err == -EEXIST ? 0 : err;
}

static int add_calls(scmp_filter_ctx ctx, const int *nrs, unsigned n)
{
	int err = 0;

	for (unsigned i = 0; i < n && !err; i++)
		err = add(ctx, nrs[i], 0, NULL);
	return err;
}

static int add_ioctls(scmp_filter_ctx ctx, const unsigned long *reqs, unsigned n)
{
	int err = 0;

	for (unsigned i = 0; i < n && !err; i++)
		err = add(ctx, SCMP_SYS(ioctl), 1, &SCMP_A1(SCMP_CMP_EQ, reqs[i]));
	return err;
}

static int add_runtime(scmp_filter_ctx ctx)
{
	const struct scmp_arg_cmp no_exec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	const struct scmp_arg_cmp tty_get[] = {SCMP_A0(SCMP_CMP_EQ, STDIN_FILENO),
					       SCMP_A1(SCMP_CMP_EQ, TCGETS)};
	const struct scmp_arg_cmp tty_set[] = {SCMP_A0(SCMP_CMP_EQ, STDIN_FILENO),
					       SCMP_A1(SCMP_CMP_EQ, TCSETS)};
	int err = add_calls(ctx, runtime_calls, ARRAY_SIZE(runtime_calls));

	/* Memory for malloc and thread stacks, never executable. */
	if (!err)
		err = add(ctx, SCMP_SYS(mmap), 1, &no_exec);
	if (!err)
		err = add(ctx, SCMP_SYS(mprotect), 1, &no_exec);
	/* Signals to our own threads only: the vCPU kick, raise(). */
	if (!err)
		err = add(ctx, SCMP_SYS(tgkill), 1, &SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	/* Giving the terminal back on a stop, a crash or a sandbox violation: glibc's
	 * tcsetattr reads the settings (TCGETS) around setting them (TCSETS). */
	if (!err)
		err = add(ctx, SCMP_SYS(ioctl), 2, tty_get);
	if (!err)
		err = add(ctx, SCMP_SYS(ioctl), 2, tty_set);
	for (unsigned i = 0; i < ARRAY_SIZE(fatal_signals) && !err; i++)
		err = add(ctx, SCMP_SYS(rt_sigaction), 1, &SCMP_A0(SCMP_CMP_EQ, fatal_signals[i]));
	return err;
}

static int add_vcpu(scmp_filter_ctx ctx)
{
	int err = add_calls(ctx, vcpu_calls, ARRAY_SIZE(vcpu_calls));

	if (!err)
		err = add_ioctls(ctx, policy_arch_vcpu_ioctls, policy_arch_nr_vcpu_ioctls);
	return err ? err : add_ioctls(ctx, vcpu_ioctls, ARRAY_SIZE(vcpu_ioctls));
}

static int add_main(scmp_filter_ctx ctx)
{
	int err = add_calls(ctx, main_calls, ARRAY_SIZE(main_calls));

	for (unsigned i = 0; i < ARRAY_SIZE(stop_signals) && !err; i++)
		err = add(ctx, SCMP_SYS(rt_sigaction), 1, &SCMP_A0(SCMP_CMP_EQ, stop_signals[i]));
	return err;
}

/* The main and vCPU threads stack their own filter on the process-wide one: adding a
 * filter can only take calls away. */
static int add_stacking(scmp_filter_ctx ctx)
{
	int err = add(ctx, SCMP_SYS(seccomp), 1, &SCMP_A0(SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER));

	return err ? err : add(ctx, SCMP_SYS(prctl), 1, &SCMP_A0(SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS));
}

int policy_add(scmp_filter_ctx ctx, enum sandbox_role role)
{
	int err = add_runtime(ctx);

#ifdef __SANITIZE_ADDRESS__
	if (!err)
		err = add_calls(ctx, sanitizer_calls, ARRAY_SIZE(sanitizer_calls));
	if (!err) /* isatty() on stderr before a report */
		err = add(ctx, SCMP_SYS(ioctl), 1, &SCMP_A1(SCMP_CMP_EQ, TCGETS));
#endif
	if (err)
		return err;
	switch (role) {
	case SANDBOX_PROCESS:
		err = add_stacking(ctx);
		if (!err)
			err = add_vcpu(ctx);
		if (!err)
			err = add_main(ctx);
		return err ? err : add_calls(ctx, io_calls, ARRAY_SIZE(io_calls));
	case SANDBOX_MAIN:
		return add_main(ctx);
	case SANDBOX_VCPU:
		return add_vcpu(ctx);
	}
	return -EINVAL;
}
