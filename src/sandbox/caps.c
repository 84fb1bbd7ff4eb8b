// SPDX-License-Identifier: MIT
/* caps.c: capability sets emptied in each thread: in the caller directly, in the other
 * threads from a signal handler, since capset() changes only the calling thread. */
#include "sandbox/caps.h"

#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define CAPS_SIGNAL	(SIGRTMIN + 2)
#define CAPS_WAIT_TRIES 2000 /* 1 ms each */

static _Atomic bool drop_all;
static atomic_uint acked;
static atomic_int first_err;

int caps_drop_thread(bool all)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	for (unsigned long cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EPERM)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	for (unsigned i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		data[i].inheritable = 0;
		if (all)
			data[i].permitted = data[i].effective = 0;
	}
	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

/* Whether the calling thread holds any capability (ambient ones are also permitted). */
static bool holds_capabilities(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return true;
	for (unsigned i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].permitted | data[i].inheritable)
			return true;
	return false;
}

static void caps_signal(int sig)
{
	int saved = errno, err = caps_drop_thread(atomic_load(&drop_all));
	int none = 0;

	(void)sig;
	if (err)
		atomic_compare_exchange_strong(&first_err, &none, err);
	atomic_fetch_add(&acked, 1);
	errno = saved;
}

/* Signals every thread but the caller; returns how many, or -errno. */
static int signal_others(void)
{
	DIR *d = opendir("/proc/self/task");
	pid_t pid = getpid(), self = (pid_t)syscall(SYS_gettid);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		pid_t tid = (pid_t)atoi(e->d_name);

		if (tid <= 0 || tid == self)
			continue;
		if (syscall(SYS_tgkill, pid, tid, CAPS_SIGNAL) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int caps_drop_all_threads(bool all)
{
	/* The handler stays: a late signal must not find the default action (terminate). */
	struct sigaction sa = {.sa_handler = caps_signal, .sa_flags = SA_RESTART};
	int n, err;

	/* Every thread got its sets from this one: none to drop (an unprivileged user). */
	if (!holds_capabilities())
		return 0;
	atomic_store(&drop_all, all);
	atomic_store(&acked, 0);
	atomic_store(&first_err, 0);
	sigemptyset(&sa.sa_mask);
	if (sigaction(CAPS_SIGNAL, &sa, NULL) < 0)
		return -errno;
	n = signal_others();
	for (int i = 0; n > 0 && atomic_load(&acked) < (unsigned)n && i < CAPS_WAIT_TRIES; i++)
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	if (n < 0) {
		pr_err("cannot drop capabilities: cannot list this process's threads in "
		       "/proc/self/task: %s",
		       strerror(-n));
		return n;
	}
	if (atomic_load(&acked) < (unsigned)n) {
		pr_err("cannot drop capabilities: %u of %d threads did not answer",
		       n - atomic_load(&acked), n);
		return -ETIMEDOUT;
	}
	err = atomic_load(&first_err);
	if (!err)
		err = caps_drop_thread(all);
	if (err)
		pr_err("cannot drop capabilities: %s", strerror(-err));
	return err;
}
