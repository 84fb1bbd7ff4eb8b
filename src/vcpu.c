// SPDX-License-Identifier: MIT
/* vcpu.c: the vCPU run loop. Each exit kind has one handler in a table; port and MMIO
 * accesses go to the devices through the VM's buses. No device code lives here. */
#include "vcpu.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "backend/backend.h"
#include "debug/crash_report.h"
#include "log.h"
#include "vm_state.h"

typedef int (*exit_handler_fn)(struct vcpu *vcpu, struct vm_exit *ex);

const char *vm_exit_kind_name(enum vm_exit_kind kind)
{
	static const char *const names[VM_EXIT__COUNT] = {
		[VM_EXIT_PIO] = "pio",
		[VM_EXIT_MMIO] = "mmio",
		[VM_EXIT_HLT] = "hlt",
		[VM_EXIT_SHUTDOWN] = "shutdown",
		[VM_EXIT_SYSTEM_OFF] = "system-off",
		[VM_EXIT_RESET] = "reset",
		[VM_EXIT_FAIL_ENTRY] = "fail-entry",
		[VM_EXIT_INTERNAL_ERROR] = "internal-error",
		[VM_EXIT_INTR] = "intr",
		[VM_EXIT_MMIO_UNDECODED] = "mmio-undecoded",
		[VM_EXIT_UNKNOWN] = "unknown",
	};

	return (unsigned)kind < VM_EXIT__COUNT ? names[kind] : "invalid";
}

static int handle_io(struct vcpu *vcpu, struct vm_exit *ex, struct bus *bus)
{
	for (uint32_t i = 0; i < ex->io.count; i++) {
		uint64_t addr = ex->io.addr;
		enum bus_result res = bus_access(bus, addr, ex->io.data + (size_t)i * ex->io.size,
						 ex->io.size, ex->io.is_write);

		if (res == BUS_BAD_SIZE) {
			const struct io_region *r = bus_find(bus, addr);

			pr_guest_err("%u-byte %s %s at 0x%" PRIx64
				     " (%s) has a size the device does "
				     "not accept; %s",
				     ex->io.size, bus->name, ex->io.is_write ? "write" : "read",
				     addr, r ? r->name : "unclaimed",
				     ex->io.is_write ? "dropped" : "reads all-ones");
		} else if (res == BUS_UNCLAIMED) {
			pr_debug("unclaimed %u-byte %s %s at 0x%" PRIx64, ex->io.size, bus->name,
				 ex->io.is_write ? "write" : "read", addr);
		}
	}
	(void)vcpu;
	return 0;
}

static int handle_pio(struct vcpu *vcpu, struct vm_exit *ex)
{
	return handle_io(vcpu, ex, &vcpu->vm->pio);
}

static int handle_mmio(struct vcpu *vcpu, struct vm_exit *ex)
{
	return handle_io(vcpu, ex, &vcpu->vm->mmio);
}

static int handle_crash(struct vcpu *vcpu, struct vm_exit *ex);

static int handle_hlt(struct vcpu *vcpu, struct vm_exit *ex)
{
	(void)ex;
	/* HLT reaches us only without an in-kernel irqchip: nothing can wake this CPU. */
	pr_info("vCPU %u halted with no interrupt source: the guest is done", vcpu->id);
	return VM_STOP_HALT;
}

static int handle_shutdown(struct vcpu *vcpu, struct vm_exit *ex)
{
	struct arch_regs r;

	/* After a SHUTDOWN, KVM on AMD reports the reset state: the IDT is unknown then. */
	if (!vcpu->vm->be_ops->get_regs(vcpu, &r) && !arch_regs_are_reset_state(&r) &&
	    arch_shutdown_is_reset(&r)) {
		pr_info("vCPU %u reset the machine with a deliberate triple fault (empty IDT)",
			vcpu->id);
		return VM_STOP_RESET;
	}
	return handle_crash(vcpu, ex);
}

static int handle_crash(struct vcpu *vcpu, struct vm_exit *ex)
{
	const char *what = "unhandled exit";

	switch (ex->kind) {
	case VM_EXIT_SHUTDOWN:
		what = "triple fault (the CPU shut down)";
		break;
	case VM_EXIT_FAIL_ENTRY:
		what = "the hypervisor refused to enter the guest (invalid CPU state)";
		break;
	case VM_EXIT_INTERNAL_ERROR:
		what = "the hypervisor could not emulate an instruction (internal error)";
		break;
	case VM_EXIT_MMIO_UNDECODED:
		what = "device (MMIO) access by an instruction the hypervisor cannot decode "
		       "(load/store pair, writeback or SIMD register: use single-register loads "
		       "and stores for device memory)";
		break;
	default:
		break;
	}
	crash_report(stderr, vcpu, ex, what);
	return VM_STOP_CRASH;
}

static int handle_system_off(struct vcpu *vcpu, struct vm_exit *ex)
{
	(void)vcpu;
	(void)ex;
	return VM_STOP_POWEROFF;
}

static int handle_reset(struct vcpu *vcpu, struct vm_exit *ex)
{
	(void)vcpu;
	(void)ex;
	return VM_STOP_RESET;
}

static int handle_intr(struct vcpu *vcpu, struct vm_exit *ex)
{
	(void)vcpu;
	(void)ex;
	return 0; /* a kick: the loop re-checks whether the VM is stopping */
}

static const exit_handler_fn exit_handlers[VM_EXIT__COUNT] = {
	[VM_EXIT_PIO] = handle_pio,
	[VM_EXIT_MMIO] = handle_mmio,
	[VM_EXIT_HLT] = handle_hlt,
	[VM_EXIT_SHUTDOWN] = handle_shutdown,
	[VM_EXIT_SYSTEM_OFF] = handle_system_off,
	[VM_EXIT_RESET] = handle_reset,
	[VM_EXIT_FAIL_ENTRY] = handle_crash,
	[VM_EXIT_INTERNAL_ERROR] = handle_crash,
	[VM_EXIT_INTR] = handle_intr,
	[VM_EXIT_MMIO_UNDECODED] = handle_crash,
	[VM_EXIT_UNKNOWN] = handle_crash,
};

int vcpu_handle_exit(struct vcpu *vcpu, struct vm_exit *ex)
{
	if ((unsigned)ex->kind >= VM_EXIT__COUNT)
		ex->kind = VM_EXIT_UNKNOWN;
	vcpu->exit_counts[ex->kind]++;
	return exit_handlers[ex->kind](vcpu, ex);
}

static void record_exit(struct vcpu *vcpu, const struct vm_exit *ex)
{
	struct exit_record *rec = &vcpu->history[vcpu->history_pos++ % VCPU_EXIT_HISTORY];

	rec->kind = ex->kind;
	rec->has_pc = ex->has_pc;
	rec->pc = ex->pc;
	if (ex->kind == VM_EXIT_PIO || ex->kind == VM_EXIT_MMIO) {
		rec->addr = ex->io.addr;
		rec->size = ex->io.size;
		rec->is_write = ex->io.is_write;
		rec->data = 0;
		memcpy(&rec->data, ex->io.data, ex->io.size <= 8 ? ex->io.size : 8);
	}
}

static void trace_exit(struct vcpu *vcpu, const struct vm_exit *ex)
{
	struct arch_regs r;
	uint64_t pc = 0;

	if (!vcpu->vm->be_ops->get_regs(vcpu, &r))
		pc = arch_regs_pc(&r);
	if (ex->kind == VM_EXIT_PIO || ex->kind == VM_EXIT_MMIO) {
		uint64_t data = 0;

		memcpy(&data, ex->io.data, ex->io.size <= 8 ? ex->io.size : 8);
		fprintf(stderr,
			"trace: vcpu%u %-4s %-5s addr=0x%" PRIx64
			" size=%u count=%u data=0x%" PRIx64 " pc=0x%" PRIx64 "\n",
			vcpu->id, vm_exit_kind_name(ex->kind), ex->io.is_write ? "write" : "read",
			ex->io.addr, ex->io.size, ex->io.count, data, pc);
	} else {
		fprintf(stderr, "trace: vcpu%u %s pc=0x%" PRIx64 "\n", vcpu->id,
			vm_exit_kind_name(ex->kind), pc);
	}
}

void vcpu_run_loop(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	const struct backend_ops *be = vm->be_ops;
	const bool trace = vm->cfg->trace;
	struct vm_exit ex;

	if (vcpu->id == 0)
		vm->t.first_run = time_now_us();
	while (!vm_stop_requested(vm)) {
		int stop;

		if (be->vcpu_run(vcpu, &ex) < 0) {
			vm_request_stop(vm, VM_STOP_HOST_ERROR, 0);
			break;
		}
		stop = vcpu_handle_exit(vcpu, &ex);
		record_exit(vcpu, &ex);
		if (unlikely(trace))
			trace_exit(vcpu, &ex);
		if (stop)
			vm_request_stop(vm, (enum vm_stop_reason)stop, 0);
	}
}
