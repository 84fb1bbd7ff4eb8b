// SPDX-License-Identifier: MIT
/* sandbox.c: the order in which the filters go on (see sandbox.h): the vCPU threads wait
 * for the process-wide filter, which TSYNC can put on every thread only while none has a
 * filter of its own. */
#include "sandbox/sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "sandbox/seccomp.h"

void sandbox_init(struct sandbox *sb, bool on)
{
	sb->on = on;
	sb->waiting = 0;
	sb->open = false;
	sb->err = 0;
	pthread_mutex_init(&sb->lock, NULL);
	pthread_cond_init(&sb->changed, NULL);
}

void sandbox_destroy(struct sandbox *sb)
{
	pthread_mutex_destroy(&sb->lock);
	pthread_cond_destroy(&sb->changed);
}

static int install(void (*cleanup)(void *ctx), void *ctx)
{
	int err = violation_install(cleanup, ctx);

	if (err) {
		pr_err("cannot install the SIGSYS handler for the sandbox: %s", strerror(-err));
		return err;
	}
	violation_name_thread("the main thread");
	err = seccomp_install(SANDBOX_PROCESS, true);
	return err ? err : seccomp_install(SANDBOX_MAIN, false);
}

int sandbox_lock_down(struct sandbox *sb, unsigned nr_vcpu_threads, void (*cleanup)(void *ctx),
		      void *ctx)
{
	int err = 0;

	pthread_mutex_lock(&sb->lock);
	if (sb->on) {
		/* Past this wait the vCPU threads have done their libc start-up calls. */
		while (sb->waiting < nr_vcpu_threads)
			pthread_cond_wait(&sb->changed, &sb->lock);
		err = install(cleanup, ctx);
		sb->err = err;
	}
	sb->open = true;
	pthread_cond_broadcast(&sb->changed);
	pthread_mutex_unlock(&sb->lock);
	if (!err && sb->on)
		pr_info("sandbox: seccomp filters installed (process-wide, main thread, %u vCPU "
			"thread%s)",
			nr_vcpu_threads, nr_vcpu_threads == 1 ? "" : "s");
	return err;
}

int sandbox_enter_vcpu(struct sandbox *sb, unsigned id)
{
	char name[24];
	int err;

	pthread_mutex_lock(&sb->lock);
	sb->waiting++;
	pthread_cond_broadcast(&sb->changed);
	while (!sb->open)
		pthread_cond_wait(&sb->changed, &sb->lock);
	err = sb->err;
	pthread_mutex_unlock(&sb->lock);
	if (err || !sb->on)
		return err;
	snprintf(name, sizeof(name), "vCPU %u", id);
	violation_name_thread(name);
	return seccomp_install(SANDBOX_VCPU, false);
}
