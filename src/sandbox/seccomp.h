/* SPDX-License-Identifier: MIT */
/* seccomp.h: building a role's filter with libseccomp and loading it. */
#pragma once

#include <stdbool.h>

#include "sandbox/policy.h"
#include "util/compiler.h"

/* Loads @role's filter (default action: trap into sandbox/violation.c) on the calling
 * thread, or on every thread of the process if @all_threads (TSYNC: no other thread may
 * have a filter of its own yet). Sets no_new_privs. Returns 0 or -errno after a message. */
int __must_check seccomp_install(enum sandbox_role role, bool all_threads);
