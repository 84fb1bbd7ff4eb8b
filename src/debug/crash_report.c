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

static void print_history(FILE *out, const struct vcpu *vcpu)
{
	unsigned n = vcpu->history_pos < VCPU_EXIT_HISTORY ? vcpu->history_pos : VCPU_EXIT_HISTORY;

	if (!n)
		return;
	fprintf(out, "Last %u exits (oldest first):\n", n);
	for (unsigned i = vcpu->history_pos - n; i != vcpu->history_pos; i++) {
		const struct exit_record *e = &vcpu->history[i % VCPU_EXIT_HISTORY];

		if (e->kind == VM_EXIT_PIO || e->kind == VM_EXIT_MMIO)
			fprintf(out, "  %-5s %-5s addr=0x%" PRIx64 " size=%u data=0x%" PRIx64 "\n",
				vm_exit_kind_name(e->kind), e->is_write ? "write" : "read", e->addr,
				e->size, e->data);
		else
			fprintf(out, "  %s\n", vm_exit_kind_name(e->kind));
	}
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
