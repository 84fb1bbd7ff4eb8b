/* SPDX-License-Identifier: MIT */
/* sandbox.h: the seccomp filters, installed once setup is done, thread by thread.
 *
 * vm_run() starts the vCPU threads, which wait at a gate (sandbox_enter_vcpu). Once all
 * are there, sandbox_lock_down() (main thread) installs the process-wide filter on every
 * thread at once (device and console threads keep that one), stacks the main thread's own
 * on it, and opens the gate: each vCPU thread then stacks the vCPU filter on its own. */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include "sandbox/violation.h"
#include "util/compiler.h"

struct sandbox {
	bool on; /* false: --sandbox=off, the gate opens at once and nothing is filtered */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	unsigned waiting; /* vCPU threads at the gate */
	bool open;
	int err; /* the process-wide filter failed: vCPU threads must not run */
};

void sandbox_init(struct sandbox *sb, bool on);
void sandbox_destroy(struct sandbox *sb);

/* Main thread, after starting @nr_vcpu_threads vCPU threads: see above. @cleanup(@ctx) runs
 * when a forbidden call ends smolvm (async-signal-safe: give the terminal back). Returns 0
 * or -errno after a message; the gate is open either way. */
int __must_check sandbox_lock_down(struct sandbox *sb, unsigned nr_vcpu_threads,
				   void (*cleanup)(void *ctx), void *ctx);

/* vCPU thread @id, before it runs the guest: waits at the gate, then narrows its own
 * filter. Returns 0, or -errno (the thread must not run the guest). */
int __must_check sandbox_enter_vcpu(struct sandbox *sb, unsigned id);
