/* SPDX-License-Identifier: MIT */
/* vm.h: the VM lifecycle: build a VM from its configuration, run it, tear it down. */
#pragma once

#include "config.h"
#include "util/compiler.h"
#include "vm_state.h"

/* Builds a VM from @cfg (memory, backend, devices, kernel). Logs the reason on failure.
 * Returns 0, -ENOENT/-EACCES (no hypervisor), -ENOEXEC/-EINVAL (bad input), -ENOMEM. */
int __must_check vm_create(struct vm *vm, const struct vm_config *cfg);
/* Runs all vCPUs until the VM stops; returns the stop reason (code in vm->stop_code). */
enum vm_stop_reason vm_run(struct vm *vm);
void vm_destroy(struct vm *vm);
