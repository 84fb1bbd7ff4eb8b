// SPDX-License-Identifier: MIT
/* vm.c: VM lifecycle: backend, memory, devices, kernel, vCPU threads, stop. */
#include "vm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "backend/backend.h"
#include "console.h"
#include "log.h"
#include "device_registry.h"
#include "inputs.h"
#include "vcpu.h"

static int map_guest_memory(struct vm *vm)
{
	for (unsigned i = 0; i < vm->mem.nr_regions; i++) {
		const struct guest_region *r = &vm->mem.regions[i];
		int err = vm->be_ops->map_mem(vm, r->gpa, r->host, r->size);

		if (err)
			return err;
	}
	return 0;
}

static int create_vcpus(struct vm *vm)
{
	vm->vcpus = calloc(vm->cfg->nr_cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	for (unsigned i = 0; i < vm->cfg->nr_cpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];
		int err;

		vcpu->vm = vm;
		vcpu->id = i;
		vm->nr_vcpus = i + 1;
		err = vm->be_ops->vcpu_init(vcpu);
		if (!err)
			err = arch_vcpu_reset(vcpu);
		if (err)
			return err;
	}
	return 0;
}

static void quit_from_console(void *ctx)
{
	vm_request_stop(ctx, VM_STOP_USER, 0);
}

/* Wakes the started vCPUs so they notice a stop; the caller's own loop sees the flag. */
static void kick_all(struct vm *vm)
{
	unsigned started = atomic_load(&vm->threads_started);

	for (unsigned i = 0; i < started; i++)
		if (!pthread_equal(vm->vcpus[i].thread, pthread_self()))
			vm->be_ops->vcpu_kick(&vm->vcpus[i]);
}

/* The platform's devices, then those the user asked for. */
static int add_devices(struct vm *vm)
{
	const struct devmgr_env env = {
		.pio = &vm->pio,
		.mmio = &vm->mmio,
		.mem = &vm->mem,
		.console = vm->console,
		.stop = vm_stopper(vm),
		.be = vm->be_ops,
		.vm = vm,
	};
	int err;

	devmgr_init(&vm->devices, &env, &arch_device_layout);
	err = arch_add_devices(&vm->devices);
	if (!err)
		err = device_registry_add(&vm->devices, vm->cfg);
	vm->input_error = vm->devices.input_error;
	return err;
}

int vm_create(struct vm *vm, const struct vm_config *cfg)
{
	int err;

	vm->cfg = cfg;
	sandbox_init(&vm->sandbox, !cfg->sandbox_off);
	vm->be_ops = &kvm_backend_ops;
	vm->kick_vcpus = kick_all;
	bus_init(&vm->pio, "port");
	bus_init(&vm->mmio, "mmio");
	/* The user's input first: a mistake in it is not a host problem (no /dev/kvm). */
	err = inputs_check(cfg);
	if (err) {
		vm->input_error = err != -ENOMEM;
		return err;
	}
	err = vm->be_ops->vm_init(vm);
	if (err)
		return err;
	vm->t.vm_created = time_now_us();
	err = arch_setup_memory(vm);
	if (!err)
		err = map_guest_memory(vm);
	if (err)
		return err;
	vm->console = console_create(STDIN_FILENO, STDOUT_FILENO, &vm->t.first_output);
	if (!vm->console)
		return -ENOMEM;
	console_set_quit_handler(vm->console, quit_from_console, vm);
	err = add_devices(vm);
	if (err)
		return err;
	err = arch_load_kernel(vm);
	if (err) {
		/* Past this point failures come from what the user gave us, not the host. */
		vm->input_error = err != -ENOMEM;
		return err;
	}
	vm->t.kernel_loaded = time_now_us();
	if (vm->max_vcpus && cfg->nr_cpus > vm->max_vcpus) {
		pr_err("-c %u exceeds this host's limit of %u vCPUs", cfg->nr_cpus, vm->max_vcpus);
		vm->input_error = true;
		return -EINVAL;
	}
	if (cfg->nr_cpus > 1 && !vm->irqchip) {
		pr_err("%u vCPUs need the in-kernel interrupt controller to start the secondary "
		       "CPUs; use --irqchip=on",
		       cfg->nr_cpus);
		vm->input_error = true;
		return -EINVAL;
	}
	if (vm->irqchip) {
		err = vm->be_ops->irqchip_init(vm);
		if (err)
			return err;
	}
	err = create_vcpus(vm);
	if (!err && vm->be_ops->vcpus_created)
		err = vm->be_ops->vcpus_created(vm);
	if (!err)
		err = devmgr_start(&vm->devices, vm->irqchip);
	return err ? err : arch_finalize(vm);
}

/* A Linux guest started with panic=-1 reboots after a panic: report that as the crash it
 * is, with the last lines it printed. */
static enum vm_stop_reason check_guest_panic(struct vm *vm, enum vm_stop_reason reason)
{
	if (!console_saw_panic(vm->console) || reason == VM_STOP_DEBUG_EXIT ||
	    reason == VM_STOP_HOST_ERROR || reason == VM_STOP_CRASH)
		return reason;
	fprintf(stderr, "\nsmolvm: the guest kernel panicked; its last console lines:\n");
	console_print_tail(vm->console, stderr, 30);
	return VM_STOP_CRASH;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;

	if (sandbox_enter_vcpu(&vcpu->vm->sandbox, vcpu->id))
		vm_request_stop(vcpu->vm, VM_STOP_HOST_ERROR, 0);
	else
		vcpu_run_loop(vcpu);
	return NULL;
}

/* For a sandbox violation: async-signal-safe (tcsetattr). */
static void restore_tty(void *console)
{
	console_restore_tty(console);
}

enum vm_stop_reason vm_run(struct vm *vm)
{
	unsigned started = 0;
	enum vm_stop_reason reason;

	if (console_enter_raw_mode(vm->console))
		pr_warn("cannot put the terminal in raw mode: %s", strerror(errno));
	/* Input starts with the guest, once every device that reads it is listening. */
	if (console_start_input(vm->console, NULL, NULL)) {
		vm_request_stop(vm, VM_STOP_HOST_ERROR, 0);
		return VM_STOP_HOST_ERROR;
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		int err = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);

		if (err) {
			pr_err("cannot start the thread of vCPU %u: %s", i, strerror(err));
			vm_request_stop(vm, VM_STOP_HOST_ERROR, 0);
			break;
		}
		atomic_store(&vm->threads_started, ++started);
	}
	/* Setup is done: every file is open and every thread started. */
	if (sandbox_lock_down(&vm->sandbox, started, restore_tty, vm->console))
		vm_request_stop(vm, VM_STOP_HOST_ERROR, 0);
	/* A stop requested while threads were still starting may have missed the later ones. */
	if (vm_stop_requested(vm))
		kick_all(vm);
	for (unsigned i = 0; i < started; i++)
		pthread_join(vm->vcpus[i].thread, NULL);
	vm->t.end = time_now_us();
	console_restore_tty(vm->console);
	reason = check_guest_panic(vm, vm_stop_requested(vm));
	atomic_store(&vm->stop_reason, (int)reason);
	return reason;
}

void vm_destroy(struct vm *vm)
{
	/* Device threads end before the console they may write to; console input stops before
	 * the devices it notifies go away. */
	devmgr_stop(&vm->devices);
	console_destroy(vm->console);
	vm->console = NULL;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vm->be_ops->vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	vm->vcpus = NULL;
	devmgr_destroy(&vm->devices);
	if (vm->be_ops)
		vm->be_ops->vm_destroy(vm);
	guest_mem_free(&vm->mem);
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	free(vm->boot);
	vm->boot = NULL;
	if (vm->cfg)
		sandbox_destroy(&vm->sandbox);
}
