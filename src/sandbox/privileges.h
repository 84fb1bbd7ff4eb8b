/* SPDX-License-Identifier: MIT */
/* privileges.h: giving up root once the privileged setup steps are done. */
#pragma once

#include "sandbox/user.h"
#include "util/compiler.h"

/* Decides whom smolvm runs as after setup, before anything is opened: --user @user_spec if
 * given, else (when running as root) sudo's caller from SUDO_UID/SUDO_GID, else stay
 * as we are. --user as a non-root user other than oneself is refused. Returns 0, or
 * -EINVAL after one message (a usage error). */
int __must_check privileges_plan(const char *user_spec, struct run_as *out);

/* After setup (tap, disks, /dev/kvm open): empties the bounding, ambient and inheritable
 * capability sets of every thread, clears the supplementary groups and switches to
 * @as's gid and uid if @as->change (which empties the other sets), or else empties every
 * set while keeping the uid; then sets no_new_privs. Returns 0 or -errno after one
 * message naming what failed. */
int __must_check privileges_drop(const struct run_as *as);
