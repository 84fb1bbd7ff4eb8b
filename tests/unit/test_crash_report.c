// SPDX-License-Identifier: MIT
/* test_crash_report.c: the crash report after a triple fault whose registers the hypervisor
 * lost (KVM on AMD reinitialises the vCPU at SHUTDOWN), against a fake backend that hands
 * out the reset state now and a long-mode state from the exit before. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "arch/arch.h"
#include "backend/backend.h"
#include "debug/crash_report.h"
#include "test.h"
#include "vcpu.h"
#include "vm.h"

#define CODE_GPA 0x1000
#define PML4_GPA 0x9000

static struct arch_regs now_state, last_state, loaded;
static bool have_last, loaded_valid;

static int fake_get_regs(struct vcpu *vcpu, struct arch_regs *r)
{
	(void)vcpu;
	*r = now_state;
	return 0;
}

static int fake_get_last_regs(struct vcpu *vcpu, struct arch_regs *r)
{
	(void)vcpu;
	if (!have_last)
		return -ENODATA;
	*r = last_state;
	return 0;
}

static int fake_set_regs(struct vcpu *vcpu, const struct arch_regs *r)
{
	(void)vcpu;
	loaded = *r;
	loaded_valid = true;
	return 0;
}

/* Plays KVM_TRANSLATE: it walks the page tables of the state loaded into the vCPU, so it
 * maps the code only once the last known state (CR3 = PML4_GPA) is loaded back. */
static int fake_translate(struct vcpu *vcpu, uint64_t gva, uint64_t *gpa)
{
	(void)vcpu;
	if (!loaded_valid || loaded.cr3 != PML4_GPA)
		return -EFAULT;
	*gpa = gva;
	return 0;
}

static const struct backend_ops fake_ops = {
	.get_regs = fake_get_regs,
	.get_last_regs = fake_get_last_regs,
	.set_regs = fake_set_regs,
	.translate = fake_translate,
};

static void reset_state_into(struct arch_regs *r)
{
	*r = (struct arch_regs){.rip = 0xfff0, .cr0 = 0x60000010};
	r->cs = (struct x86_segment){.selector = 0xf000, .base = 0xffff0000ull, .limit = 0xffff};
	r->idt.limit = 0; /* must not be read as an emptied IDT */
}

static void long_mode_into(struct arch_regs *r)
{
	*r = (struct arch_regs){.rip = CODE_GPA, .cr3 = PML4_GPA};
	r->cr0 = X86_CR0_PE | X86_CR0_PG;
	r->efer = X86_EFER_LME | X86_EFER_LMA;
	r->cs = (struct x86_segment){.selector = 0x10, .l = 1, .present = 1, .s = 1, .type = 0xb};
	r->gpr[X86_RDX] = 0x3f8;
}

struct fixture {
	struct vm vm;
	struct vcpu vcpu;
};

static void fixture_init(struct fixture *f, bool last_known)
{
	static const uint8_t code[] = {0xee, 0xc3}; /* out %al, (%dx); ret */

	memset(f, 0, sizeof(*f));
	f->vm.be_ops = &fake_ops;
	ASSERT_EQ(guest_mem_add(&f->vm.mem, 0, 0x100000), 0);
	ASSERT_EQ(guest_mem_write(&f->vm.mem, CODE_GPA, code, sizeof(code)), 0);
	f->vcpu.vm = &f->vm;
	/* The guest's last exit: the UART write of a newline at the code above. */
	f->vcpu.history[0] = (struct exit_record){.kind = VM_EXIT_PIO,
						  .addr = 0x3f8,
						  .data = 0xa,
						  .size = 1,
						  .is_write = true,
						  .has_pc = true,
						  .pc = CODE_GPA};
	f->vcpu.history_pos = 1;
	reset_state_into(&now_state);
	long_mode_into(&last_state);
	have_last = last_known;
	loaded_valid = false;
}

static char *report(struct fixture *f)
{
	struct vm_exit ex = {.kind = VM_EXIT_SHUTDOWN};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	crash_report(out, &f->vcpu, &ex, "triple fault (the CPU shut down)");
	fclose(out);
	return buf;
}

TEST(crash_report_lost_registers_show_last_known_state)
{
	struct fixture f;
	char *text;

	fixture_init(&f, true);
	text = report(&f);
	ASSERT_STR_CONTAINS(text, "Registers at the fault: not available.");
	ASSERT_STR_CONTAINS(text, "reports the reset state (pc=0xfffffff0) instead");
	ASSERT_STR_CONTAINS(text, "Last known guest state, at the last exit before the fault (pio  "
				  " write addr=0x3f8 size=1 data=0xa pc=0x1000):");
	ASSERT_STR_CONTAINS(text, "rip=0x0000000000001000");
	ASSERT_STR_CONTAINS(text, "rdx=0x00000000000003f8");
	ASSERT_STR_CONTAINS(text, "=> 0x1000: ee");
	ASSERT_STR_CONTAINS(text, "out");
	ASSERT_TRUE(strstr(text, "0xfffffff0 (guest-physical") == NULL);
	ASSERT_TRUE(loaded_valid && loaded.cr3 == PML4_GPA);
	free(text);
	guest_mem_free(&f.vm.mem);
}

TEST(crash_report_lost_registers_without_history)
{
	struct fixture f;
	char *text;

	fixture_init(&f, false);
	text = report(&f);
	ASSERT_STR_CONTAINS(text, "Registers at the fault: not available.");
	ASSERT_STR_CONTAINS(text, "No earlier guest state was kept");
	ASSERT_TRUE(strstr(text, "Code at pc") == NULL);
	free(text);
	guest_mem_free(&f.vm.mem);
}

TEST(crash_report_real_registers_shown_as_they_are)
{
	struct fixture f;
	char *text;

	fixture_init(&f, true);
	long_mode_into(&now_state);
	loaded = now_state; /* what KVM's vCPU holds: its own page tables translate */
	loaded_valid = true;
	text = report(&f);
	ASSERT_TRUE(strstr(text, "not available") == NULL);
	ASSERT_STR_CONTAINS(text, "Registers:\n  rip=0x0000000000001000");
	ASSERT_STR_CONTAINS(text, "=> 0x1000: ee");
	ASSERT_STR_CONTAINS(text, "  pio   write addr=0x3f8 size=1 data=0xa pc=0x1000\n");
	free(text);
	guest_mem_free(&f.vm.mem);
}

/* An emptied IDT means a deliberate reset only when the registers are the guest's own:
 * the reset state (IDT limit 0 here) after a SHUTDOWN is a crash. */
TEST(shutdown_with_lost_registers_is_a_crash)
{
	struct fixture f;
	struct vm_exit ex = {.kind = VM_EXIT_SHUTDOWN};
	int saved = dup(STDERR_FILENO), devnull = open("/dev/null", O_WRONLY);

	fixture_init(&f, true);
	fflush(stderr);
	dup2(devnull, STDERR_FILENO);
	ASSERT_EQ(vcpu_handle_exit(&f.vcpu, &ex), VM_STOP_CRASH);
	long_mode_into(&now_state);
	now_state.idt.limit = 0;
	ASSERT_EQ(vcpu_handle_exit(&f.vcpu, &ex), VM_STOP_RESET);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(devnull);
	guest_mem_free(&f.vm.mem);
}
