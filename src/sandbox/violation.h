/* SPDX-License-Identifier: MIT */
/* violation.h: what happens when a thread makes a system call its filter forbids. */
#pragma once

#include "util/compiler.h"

/* smolvm's exit status after a forbidden system call: even, so that no guest can produce
 * it through the x86 debug-exit port ((V << 1) | 1). */
#define SANDBOX_EXIT_VIOLATION 4

/* Installs the SIGSYS handler: it names the thread and the system call on stderr, calls
 * @cleanup(@ctx) (giving the terminal back; must be async-signal-safe), and exits with
 * SANDBOX_EXIT_VIOLATION. Returns 0 or -errno. */
int __must_check violation_install(void (*cleanup)(void *ctx), void *ctx);

/* Names the calling thread in a report ("main", "vCPU 2"); copied. Threads left unnamed
 * are reported as device or console threads. */
void violation_name_thread(const char *name);
