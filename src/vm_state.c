// SPDX-License-Identifier: MIT
/* vm_state.c: stopping a VM, from any thread: the first request wins and wakes the vCPUs. */
#include "vm_state.h"

void vm_request_stop(struct vm *vm, enum vm_stop_reason reason, uint64_t code)
{
	int expected = VM_STOP_NONE;

	if (!atomic_compare_exchange_strong(&vm->stop_reason, &expected, (int)reason))
		return;
	vm->stop_code = code;
	/* vm.c, which runs the vCPU threads, knows how to wake them. */
	if (vm->kick_vcpus)
		vm->kick_vcpus(vm);
}

static void stop_from_device(void *ctx, enum vm_stop_reason reason, uint64_t code)
{
	vm_request_stop(ctx, reason, code);
}

struct vm_stopper vm_stopper(struct vm *vm)
{
	return (struct vm_stopper){stop_from_device, vm};
}
