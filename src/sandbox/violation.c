// SPDX-License-Identifier: MIT
/* violation.c: the SIGSYS handler of seccomp's SECCOMP_RET_TRAP. It runs on the thread
 * that made the forbidden call, so it only formats into a stack buffer, write()s it, and
 * leaves with exit_group, which every filter allows. The syscall name comes from
 * libseccomp's static tables (no allocation). */
#include "sandbox/violation.h"

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static void (*cleanup_fn)(void *ctx);
static void *cleanup_ctx;
static _Thread_local char thread_name[24];

void violation_name_thread(const char *name)
{
	size_t n = strlen(name);

	n = n < sizeof(thread_name) - 1 ? n : sizeof(thread_name) - 1;
	memcpy(thread_name, name, n);
	thread_name[n] = '\0';
}

struct msg {
	char buf[400];
	size_t len;
};

static void put(struct msg *m, const char *s)
{
	while (*s && m->len < sizeof(m->buf))
		m->buf[m->len++] = *s++;
}

static void put_num(struct msg *m, long v)
{
	char digits[24];
	int n = 0;
	unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;

	do
		digits[n++] = (char)('0' + u % 10);
	while ((u /= 10) && n < (int)sizeof(digits));
	if (v < 0)
		put(m, "-");
	while (n && m->len < sizeof(m->buf))
		m->buf[m->len++] = digits[--n];
}

static void put_hex(struct msg *m, unsigned long v)
{
	char digits[16];
	int n = 0;

	do
		digits[n++] = "0123456789abcdef"[v & 15];
	while ((v >>= 4) && n < (int)sizeof(digits));
	put(m, "0x");
	while (n && m->len < sizeof(m->buf))
		m->buf[m->len++] = digits[--n];
}

/* The first two arguments of the trapped call (for ioctl: the fd and the request). */
static void put_args(struct msg *m, const ucontext_t *uc)
{
#if defined(__x86_64__)
	unsigned long a0 = (unsigned long)uc->uc_mcontext.gregs[REG_RDI];
	unsigned long a1 = (unsigned long)uc->uc_mcontext.gregs[REG_RSI];
#elif defined(__aarch64__)
	unsigned long a0 = uc->uc_mcontext.regs[0], a1 = uc->uc_mcontext.regs[1];
#else
	unsigned long a0 = 0, a1 = 0;
#endif

	put(m, ", arguments ");
	put_hex(m, a0);
	put(m, ", ");
	put_hex(m, a1);
}

static void sigsys_handler(int sig, siginfo_t *si, void *uctx)
{
	const char *name = seccomp_syscall_resolve_num_arch(si->si_arch, si->si_syscall);
	struct msg m = {.len = 0};

	(void)sig;
	put(&m, "\r\nsmolvm: sandbox violation: ");
	put(&m, thread_name[0] ? thread_name : "a device or console thread");
	put(&m, " made the system call ");
	put(&m, name ? name : "(unknown)");
	put(&m, " (number ");
	put_num(&m, si->si_syscall);
	put_args(&m, uctx);
	put(&m, "), which smolvm's seccomp filter does not allow there; stopping with exit "
		"status ");
	put_num(&m, SANDBOX_EXIT_VIOLATION);
	put(&m, " (--sandbox=off runs without the filter)\r\n");
	if (write(STDERR_FILENO, m.buf, m.len) < 0) {
		/* nothing left to tell it with */
	}
	if (cleanup_fn)
		cleanup_fn(cleanup_ctx);
	/* exit_group itself: _exit() may be wrapped (ASan checks for leaks there). */
	syscall(SYS_exit_group, SANDBOX_EXIT_VIOLATION);
}

int violation_install(void (*cleanup)(void *ctx), void *ctx)
{
	struct sigaction sa = {.sa_sigaction = sigsys_handler, .sa_flags = SA_SIGINFO};

	cleanup_fn = cleanup;
	cleanup_ctx = ctx;
	sigfillset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL) < 0 ? -errno : 0;
}
