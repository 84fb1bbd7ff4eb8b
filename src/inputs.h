/* SPDX-License-Identifier: MIT */
/* inputs.h: everything the user named on the command line, checked before smolvm opens
 * /dev/kvm or any other host resource: a mistake in the input is reported as that (exit
 * 2), never as a host problem, and no file can make smolvm hang (a FIFO). */
#pragma once

#include "util/compiler.h"

struct vm_config;

/* Checks the architecture's limits on @cfg (arch_check_config), then that the kernel,
 * initrd and device tree are non-empty regular files, and opens and locks every disk
 * image together (so one image given twice read-write is refused), releasing them again.
 * Returns 0 or -errno with one message logged; every error but -ENOMEM is the user's. */
int __must_check inputs_check(const struct vm_config *cfg);
