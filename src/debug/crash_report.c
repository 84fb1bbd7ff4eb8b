// SPDX-License-Identifier: MIT
/* crash_report.c: guest crash reports. */
#include "debug/crash_report.h"

#include <inttypes.h>

#include "arch/arch.h"
#include "backend/backend.h"
#include "debug/disasm.h"
#include "vcpu.h"
#include "vm_state.h"

#define CODE_BYTES 64
#define CODE_INSNS 8

static void print_code(FILE *out, struct vcpu *vcpu, const struct arch_regs *r)
{
	const struct backend_ops *be = vcpu->vm->be_ops;
	uint64_t pc = arch_regs_pc(r), gpa = pc, end;
	const uint8_t *code;
	size_t len = CODE_BYTES;
	int cs_arch, cs_mode;

	if (be->translate && be->translate(vcpu, pc, &gpa)) {
		fprintf(out, "Code: pc 0x%" PRIx64 " is not mapped by the guest's page tables\n",
			pc);
		return;
	}
	end = guest_mem_region_end(&vcpu->vm->mem, gpa);
	if (!end) {
		fprintf(out,
			"Code: pc 0x%" PRIx64 " (guest-physical 0x%" PRIx64 ") is not in RAM\n", pc,
			gpa);
		return;
	}
	if (end - gpa < len)
		len = (size_t)(end - gpa);
	code = guest_mem_ptr(&vcpu->vm->mem, gpa, len);
	fprintf(out, "Code at pc 0x%" PRIx64 " (guest-physical 0x%" PRIx64 "):\n", pc, gpa);
	arch_capstone_mode(r, &cs_arch, &cs_mode);
	disasm_print(out, cs_arch, cs_mode, code, len, pc, CODE_INSNS);
}

static void print_exit(FILE *out, const struct exit_record *e)
{
	if (e->kind == VM_EXIT_PIO || e->kind == VM_EXIT_MMIO)
		fprintf(out, "%-5s %-5s addr=0x%" PRIx64 " size=%u data=0x%" PRIx64,
			vm_exit_kind_name(e->kind), e->is_write ? "write" : "read", e->addr,
			e->size, e->data);
	else
		fprintf(out, "%s", vm_exit_kind_name(e->kind));
	if (e->has_pc)
		fprintf(out, " pc=0x%" PRIx64, e->pc);
}

static void print_history(FILE *out, const struct vcpu *vcpu)
{
	unsigned n = vcpu->history_pos < VCPU_EXIT_HISTORY ? vcpu->history_pos : VCPU_EXIT_HISTORY;

	if (!n)
		return;
	fprintf(out, "Last %u exits (oldest first):\n", n);
	for (unsigned i = vcpu->history_pos - n; i != vcpu->history_pos; i++) {
		fprintf(out, "  ");
		print_exit(out, &vcpu->history[i % VCPU_EXIT_HISTORY]);
		fprintf(out, "\n");
	}
}

/* KVM on AMD reinitialises a vCPU at its SHUTDOWN intercept, so after a triple fault the
 * registers read back as the reset state. Say so, and show the last state known instead:
 * the one KVM synced at the exit before the fault. */
static void print_lost_state(FILE *out, struct vcpu *vcpu, const struct arch_regs *now)
{
	const struct backend_ops *be = vcpu->vm->be_ops;
	struct arch_regs last;

	fprintf(out,
		"Registers at the fault: not available. This host's hypervisor reinitialises a "
		"vCPU that shuts down (KVM on AMD does), so it reports the reset state "
		"(pc=0x%" PRIx64 ") instead.\n"
		"Whether the guest emptied its IDT to reboot on purpose (Linux reboot=t) cannot be "
		"seen either: smolvm counts this as a crash.\n",
		arch_regs_pc(now));
	if (!be->get_last_regs || be->get_last_regs(vcpu, &last)) {
		fprintf(out, "No earlier guest state was kept (the hypervisor does not sync "
			     "registers at exits).\n");
		return;
	}
	fprintf(out, "Last known guest state, at the last exit before the fault");
	if (vcpu->history_pos) {
		fprintf(out, " (");
		print_exit(out, &vcpu->history[(vcpu->history_pos - 1) % VCPU_EXIT_HISTORY]);
		fprintf(out, ")");
	}
	fprintf(out, ":\n");
	arch_dump_regs(&last, out);
	fprintf(out, "  (the backend may read segment and control registers less often than "
		     "at every exit: those may be from a few exits earlier)\n");
	/* The dead vCPU gets that state back, so the hypervisor's page walk translates the
	 * last known pc with the guest's page tables of then. */
	if (be->set_regs)
		be->set_regs(vcpu, &last);
	print_code(out, vcpu, &last);
}

void crash_report(FILE *out, struct vcpu *vcpu, const struct vm_exit *ex, const char *what)
{
	struct arch_regs r;

	fprintf(out, "smolvm: guest crashed on vCPU %u: %s\n", vcpu->id, what);
	if (ex->kind == VM_EXIT_MMIO_UNDECODED) {
		fprintf(out,
			"Accessed address (guest-physical): 0x%" PRIx64 ", syndrome 0x%" PRIx64
			"\n",
			ex->raw.data[0], ex->raw.data[1]);
	} else if (ex->kind == VM_EXIT_FAIL_ENTRY || ex->kind == VM_EXIT_INTERNAL_ERROR ||
		   ex->kind == VM_EXIT_UNKNOWN) {
		fprintf(out, "Hypervisor detail: code %u", ex->raw.code);
		for (unsigned i = 0; i < ex->raw.ndata; i++)
			fprintf(out, " 0x%" PRIx64, ex->raw.data[i]);
		fprintf(out, "\n");
	}
	if (vcpu->vm->be_ops->get_regs(vcpu, &r)) {
		fprintf(out, "Registers: unavailable\n");
	} else if (ex->kind == VM_EXIT_SHUTDOWN && arch_regs_are_reset_state(&r)) {
		print_lost_state(out, vcpu, &r);
	} else {
		fprintf(out, "Registers:\n");
		arch_dump_regs(&r, out);
		print_code(out, vcpu, &r);
	}
	print_history(out, vcpu);
	fflush(out);
}

void exit_stats_print(FILE *out, struct vcpu *vcpus, unsigned nr)
{
	fprintf(out, "smolvm: exit statistics:\n");
	for (unsigned k = 0; k < VM_EXIT__COUNT; k++) {
		uint64_t total = 0;

		for (unsigned i = 0; i < nr; i++)
			total += vcpus[i].exit_counts[k];
		if (total)
			fprintf(out, "  %-14s %" PRIu64 "\n",
				vm_exit_kind_name((enum vm_exit_kind)k), total);
	}
}
