/* SPDX-License-Identifier: MIT */
/* caps.h: dropping Linux capabilities in every thread (they are per-thread in Linux). */
#pragma once

#include <stdbool.h>

#include "util/compiler.h"

/* Empties the calling thread's bounding, ambient and inheritable sets and, if @all, its
 * permitted and effective sets too. Bounding-set drops that need CAP_SETPCAP are skipped
 * when the thread lacks it (an unprivileged smolvm has nothing to drop). Returns 0 or
 * -errno. Async-signal-safe. */
int caps_drop_thread(bool all);

/* caps_drop_thread(@all) in every thread of the process: in the caller directly, in the
 * others through a signal (their blocking calls see EINTR once, as for the vCPU kick).
 * Returns 0, or -errno after a message. */
int __must_check caps_drop_all_threads(bool all);
