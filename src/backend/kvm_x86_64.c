// SPDX-License-Identifier: MIT
/* kvm_x86_64.c: the KVM backend's x86_64 part: CPUID, MSRs, FPU, register conversion,
 * port-I/O exits, in-kernel PIC/IOAPIC/PIT. */
#include "backend/kvm_internal.h"

#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "log.h"

/* Addresses KVM needs for its own use on Intel hosts (real-mode TSS and identity map);
 * just below the 4 GiB boundary, inside the hole the memory map keeps free. */
#define KVM_TSS_ADDR	  0xfffbd000ull
#define KVM_IDENTITY_ADDR 0xfffbc000ull

#define CPUID_1_ECX_HYPERVISOR	 (1u << 31)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
/* Hypervisor timing leaf (TSC and APIC bus frequency in kHz), as VMware and QEMU define it. */
#define CPUID_TIMING_LEAF 0x40000010u
#define KVM_APIC_BUS_KHZ  1000000u /* KVM's APIC timer ticks at 1 GHz */

/* Local APIC register offsets in struct kvm_lapic_state. */
#define APIC_LVT_LINT0	 0x350
#define APIC_LVT_LINT1	 0x360
#define APIC_MODE_EXTINT (7u << 8)
#define APIC_MODE_NMI	 (4u << 8)

static int fetch_cpuid(struct kvm_vm_state *k)
{
	for (unsigned n = 128; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		int ret;

		if (!c)
			return -ENOMEM;
		c->nent = n;
		ret = ioctl(k->dev_fd, KVM_GET_SUPPORTED_CPUID, c);
		if (ret == 0) {
			k->cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG) {
			pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			return -errno;
		}
	}
	return -E2BIG;
}

static int fetch_msr_list(struct kvm_vm_state *k)
{
	struct kvm_msr_list probe = {.nmsrs = 0};
	struct kvm_msr_list *list;

	/* The first call fails with E2BIG and tells how many there are. */
	if (ioctl(k->dev_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG) {
		pr_err("KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
		return -errno;
	}
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	if (!list)
		return -ENOMEM;
	list->nmsrs = probe.nmsrs;
	if (kvm_ioctl(k->dev_fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
		free(list);
		return -EIO;
	}
	k->msrs = list;
	return 0;
}

int kvm_arch_vm_type(struct vm *vm)
{
	(void)vm;
	return 0;
}

uint32_t kvm_arch_irq_line(unsigned irq)
{
	return irq; /* the GSI: PIC and IOAPIC pin */
}

int kvm_arch_vcpus_created(struct vm *vm)
{
	(void)vm;
	return 0;
}

int kvm_arch_vm_init(struct vm *vm)
{
	struct kvm_vm_state *k = kvm_vm(vm);
	uint64_t identity = KVM_IDENTITY_ADDR;
	int ret;

	/* Both are only needed on Intel, and harmless elsewhere; failure is not fatal. */
	if (ioctl(k->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0)
		pr_debug("KVM_SET_TSS_ADDR: %s", strerror(errno));
	if (ioctl(k->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
		pr_debug("KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
	ret = fetch_cpuid(k);
	if (ret)
		return ret;
	return fetch_msr_list(k);
}

void kvm_arch_vm_destroy(struct vm *vm)
{
	struct kvm_vm_state *k = kvm_vm(vm);

	free(k->cpuid);
	free(k->msrs);
}

int kvm_arch_irqchip_init(struct vm *vm)
{
	struct kvm_vm_state *k = kvm_vm(vm);
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	int ret;

	ret = kvm_ioctl(k->vm_fd, KVM_CREATE_IRQCHIP, NULL);
	if (ret < 0)
		return ret;
	ret = kvm_ioctl(k->vm_fd, KVM_CREATE_PIT2, &pit);
	return ret < 0 ? ret : 0;
}

/* Adds the timing leaf when KVM tells the TSC frequency; @c has room for one more entry. */
static void add_timing_leaf(struct vcpu *vcpu, struct kvm_cpuid2 *c)
{
	int khz = ioctl(kvm_vcpu(vcpu)->fd, KVM_GET_TSC_KHZ, 0);

	if (khz <= 0)
		return;
	for (unsigned i = 0; i < c->nent; i++) {
		if (c->entries[i].function == 0x40000000 && c->entries[i].eax < CPUID_TIMING_LEAF)
			c->entries[i].eax = CPUID_TIMING_LEAF;
		if (c->entries[i].function == CPUID_TIMING_LEAF)
			return;
	}
	c->entries[c->nent++] = (struct kvm_cpuid_entry2){
		.function = CPUID_TIMING_LEAF,
		.eax = (uint32_t)khz,
		.ebx = KVM_APIC_BUS_KHZ,
	};
}

static int setup_cpuid(struct vcpu *vcpu)
{
	const struct kvm_vm_state *k = kvm_vm(vcpu->vm);
	const struct kvm_cpuid2 *supported = k->cpuid;
	size_t bytes = sizeof(*supported) + supported->nent * sizeof(supported->entries[0]);
	struct kvm_cpuid2 *c = malloc(bytes + sizeof(c->entries[0]));
	int ret;

	if (!c)
		return -ENOMEM;
	memcpy(c, supported, bytes);
	add_timing_leaf(vcpu, c);
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 0x1:
			/* Tell the guest it runs under a hypervisor, and its initial APIC id. */
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
			e->ebx = (e->ebx & 0x00ffffffu) | (vcpu->id << 24);
			/* The in-kernel LAPIC emulates the TSC-deadline timer mode. */
			if (k->irqchip &&
			    ioctl(k->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0)
				e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
			break;
		case 0xb:
		case 0x1f:
			e->edx = vcpu->id; /* x2APIC id */
			break;
		case 0x80000002:
		case 0x80000003:
		case 0x80000004:
			/* KVM leaves the brand string empty; show the host's, as QEMU -cpu host. */
			__cpuid(e->function, e->eax, e->ebx, e->ecx, e->edx);
			break;
		}
	}
	ret = kvm_ioctl(kvm_vcpu(vcpu)->fd, KVM_SET_CPUID2, c);
	free(c);
	return ret < 0 ? ret : 0;
}

static bool msr_supported(const struct kvm_msr_list *list, uint32_t index)
{
	for (unsigned i = 0; i < list->nmsrs; i++)
		if (list->indices[i] == index)
			return true;
	return false;
}

/* Boot values for the MSRs a fresh CPU should have; only those KVM lists are set (setting
 * others can fail, e.g. IA32_ARCH_CAPABILITIES under some nested hypervisors). */
static int setup_msrs(struct vcpu *vcpu)
{
	static const struct {
		uint32_t index;
		uint64_t value;
	} boot_msrs[] = {
		{0x174, 0},		 /* IA32_SYSENTER_CS */
		{0x175, 0},		 /* IA32_SYSENTER_ESP */
		{0x176, 0},		 /* IA32_SYSENTER_EIP */
		{0xc0000081, 0},	 /* STAR */
		{0xc0000082, 0},	 /* LSTAR */
		{0xc0000083, 0},	 /* CSTAR */
		{0xc0000084, 0},	 /* SYSCALL_MASK */
		{0xc0000102, 0},	 /* KERNEL_GS_BASE */
		{0x10, 0},		 /* TSC */
		{0x1a0, 1},		 /* IA32_MISC_ENABLE: fast strings */
		{0x2ff, (1u << 11) | 6}, /* MTRR default type: enabled, write-back */
	};
	const struct kvm_msr_list *list = kvm_vm(vcpu->vm)->msrs;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entries[ARRAY_SIZE(boot_msrs)];
	} msrs;
	unsigned n = 0;
	int ret;

	memset(&msrs, 0, sizeof(msrs));
	for (unsigned i = 0; i < ARRAY_SIZE(boot_msrs); i++) {
		if (!msr_supported(list, boot_msrs[i].index))
			continue;
		msrs.entries[n].index = boot_msrs[i].index;
		msrs.entries[n].data = boot_msrs[i].value;
		n++;
	}
	msrs.hdr.nmsrs = n;
	ret = kvm_ioctl(kvm_vcpu(vcpu)->fd, KVM_SET_MSRS, &msrs);
	if (ret < 0)
		return ret;
	/* KVM_SET_MSRS returns how many it set, stopping at the first it refuses. */
	if ((unsigned)ret != n)
		pr_warn("KVM accepted %d of %u boot MSRs (refused 0x%x)", ret, n,
			msrs.entries[ret].index);
	return 0;
}

static int setup_fpu(struct vcpu *vcpu)
{
	struct kvm_fpu fpu;
	int ret;

	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;    /* FNINIT state */
	fpu.mxcsr = 0x1f80; /* all SSE exceptions masked */
	ret = kvm_ioctl(kvm_vcpu(vcpu)->fd, KVM_SET_FPU, &fpu);
	return ret < 0 ? ret : 0;
}

/* LINT0 takes the 8259's interrupts (ExtINT), LINT1 the NMI, as on a PC. */
static int setup_lapic(struct vcpu *vcpu)
{
	struct kvm_lapic_state lapic;
	uint32_t v;
	int fd = kvm_vcpu(vcpu)->fd;

	if (kvm_ioctl(fd, KVM_GET_LAPIC, &lapic) < 0)
		return -EIO;
	memcpy(&v, &lapic.regs[APIC_LVT_LINT0], 4);
	v = (v & ~0x700u & ~0x10000u) | APIC_MODE_EXTINT;
	memcpy(&lapic.regs[APIC_LVT_LINT0], &v, 4);
	memcpy(&v, &lapic.regs[APIC_LVT_LINT1], 4);
	v = (v & ~0x700u & ~0x10000u) | APIC_MODE_NMI;
	memcpy(&lapic.regs[APIC_LVT_LINT1], &v, 4);
	return kvm_ioctl(fd, KVM_SET_LAPIC, &lapic) < 0 ? -EIO : 0;
}

/* Runs between two reads of the segment and control registers for the last known state. */
#define KVM_SREGS_PERIOD 256

/* KVM_CAP_SYNC_REGS: the registers come with every exit, at no extra system call. */
static void setup_sync_regs(struct vcpu *vcpu)
{
	struct kvm_vcpu_state *c = kvm_vcpu(vcpu);
	const uint64_t want = KVM_SYNC_X86_REGS;
	int caps = ioctl(kvm_vm(vcpu->vm)->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);

	c->sync_regs = caps > 0 && ((uint64_t)caps & want) == want;
	if (c->sync_regs)
		c->run->kvm_valid_regs = want;
	else
		pr_debug("KVM has no synced registers: exit history without guest PCs");
}

int kvm_arch_vcpu_init(struct vcpu *vcpu)
{
	int ret = setup_cpuid(vcpu);

	if (!ret)
		ret = setup_msrs(vcpu);
	if (!ret)
		ret = setup_fpu(vcpu);
	if (!ret && kvm_vm(vcpu->vm)->irqchip)
		ret = setup_lapic(vcpu);
	if (!ret)
		setup_sync_regs(vcpu);
	return ret;
}

bool kvm_arch_decode_exit(struct vcpu *vcpu, struct kvm_run *run, struct vm_exit *ex)
{
	(void)vcpu;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		ex->kind = VM_EXIT_PIO;
		ex->io.addr = run->io.port;
		ex->io.data = (uint8_t *)run + run->io.data_offset;
		ex->io.size = run->io.size;
		ex->io.count = run->io.count;
		ex->io.is_write = run->io.direction == KVM_EXIT_IO_OUT;
		return true;
	case KVM_EXIT_HLT:
		ex->kind = VM_EXIT_HLT;
		return true;
	default:
		return false;
	}
}

static void seg_from_kvm(struct x86_segment *s, const struct kvm_segment *k)
{
	*s = (struct x86_segment){
		.base = k->base,
		.limit = k->limit,
		.selector = k->selector,
		.type = k->type,
		.present = k->present,
		.dpl = k->dpl,
		.db = k->db,
		.s = k->s,
		.l = k->l,
		.g = k->g,
		.avl = k->avl,
		.unusable = k->unusable,
	};
}

static void seg_to_kvm(struct kvm_segment *k, const struct x86_segment *s)
{
	*k = (struct kvm_segment){
		.base = s->base,
		.limit = s->limit,
		.selector = s->selector,
		.type = s->type,
		.present = s->present,
		.dpl = s->dpl,
		.db = s->db,
		.s = s->s,
		.l = s->l,
		.g = s->g,
		.avl = s->avl,
		.unusable = s->unusable,
	};
}

/* kvm_regs lists the GPRs in the same order as enum x86_gpr, then rip and rflags. */
_Static_assert(sizeof(struct kvm_regs) == (X86_NR_GPRS + 2) * sizeof(uint64_t), "kvm_regs layout");

static void regs_from_kvm(struct arch_regs *r, const struct kvm_regs *regs,
			  const struct kvm_sregs *sregs)
{
	memcpy(r->gpr, regs, sizeof(r->gpr));
	r->rip = regs->rip;
	r->rflags = regs->rflags;
	seg_from_kvm(&r->cs, &sregs->cs);
	seg_from_kvm(&r->ds, &sregs->ds);
	seg_from_kvm(&r->es, &sregs->es);
	seg_from_kvm(&r->fs, &sregs->fs);
	seg_from_kvm(&r->gs, &sregs->gs);
	seg_from_kvm(&r->ss, &sregs->ss);
	seg_from_kvm(&r->tr, &sregs->tr);
	seg_from_kvm(&r->ldt, &sregs->ldt);
	r->gdt = (struct x86_dtable){sregs->gdt.base, sregs->gdt.limit};
	r->idt = (struct x86_dtable){sregs->idt.base, sregs->idt.limit};
	r->cr0 = sregs->cr0;
	r->cr2 = sregs->cr2;
	r->cr3 = sregs->cr3;
	r->cr4 = sregs->cr4;
	r->cr8 = sregs->cr8;
	r->efer = sregs->efer;
	r->apic_base = sregs->apic_base;
}

int kvm_arch_get_regs(struct vcpu *vcpu, struct arch_regs *r)
{
	int fd = kvm_vcpu(vcpu)->fd;
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	if (kvm_ioctl(fd, KVM_GET_REGS, &regs) < 0 || kvm_ioctl(fd, KVM_GET_SREGS, &sregs) < 0)
		return -EIO;
	regs_from_kvm(r, &regs, &sregs);
	return 0;
}

/* The general registers KVM synced at the exit before the current one (saved by
 * kvm_arch_pre_run before this run overwrote them), with the segment and control
 * registers of at most KVM_SREGS_PERIOD runs before. */
int kvm_arch_get_last_regs(struct vcpu *vcpu, struct arch_regs *r)
{
	struct kvm_vcpu_state *c = kvm_vcpu(vcpu);

	if (!c->have_last || !c->have_sregs)
		return -ENODATA;
	regs_from_kvm(r, &c->last_regs, &c->last_sregs);
	return 0;
}

void kvm_arch_pre_run(struct kvm_vcpu_state *c)
{
	if (!c->sync_regs)
		return;
	/* KVM writes the synced registers whenever KVM_RUN returns, an interrupted run too. */
	if (c->runs) {
		c->last_regs = c->run->s.regs.regs; /* 144 bytes */
		c->have_last = true;
	}
	/* Before the run, so that the state a SHUTDOWN left behind is never sampled. Modes
	 * and page tables change seldom; one more ioctl every so many exits costs little. */
	if (c->runs++ % KVM_SREGS_PERIOD == 0)
		c->have_sregs = ioctl(c->fd, KVM_GET_SREGS, &c->last_sregs) == 0 || c->have_sregs;
}

void kvm_arch_post_run(struct kvm_vcpu_state *c, struct vm_exit *ex)
{
	const struct kvm_sregs *s = &c->last_sregs;

	ex->has_pc = c->sync_regs && c->have_sregs;
	if (ex->has_pc)
		ex->pc = x86_linear_pc(c->run->s.regs.regs.rip, s->cs.base, s->cs.l, s->efer);
}

int kvm_arch_set_regs(struct vcpu *vcpu, const struct arch_regs *r)
{
	int fd = kvm_vcpu(vcpu)->fd;
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	/* Start from KVM's sregs so fields smolvm does not model (interrupt bitmap) stay. */
	if (kvm_ioctl(fd, KVM_GET_SREGS, &sregs) < 0)
		return -EIO;
	memcpy(&regs, r->gpr, sizeof(r->gpr));
	regs.rip = r->rip;
	regs.rflags = r->rflags;
	seg_to_kvm(&sregs.cs, &r->cs);
	seg_to_kvm(&sregs.ds, &r->ds);
	seg_to_kvm(&sregs.es, &r->es);
	seg_to_kvm(&sregs.fs, &r->fs);
	seg_to_kvm(&sregs.gs, &r->gs);
	seg_to_kvm(&sregs.ss, &r->ss);
	seg_to_kvm(&sregs.tr, &r->tr);
	seg_to_kvm(&sregs.ldt, &r->ldt);
	sregs.gdt.base = r->gdt.base;
	sregs.gdt.limit = r->gdt.limit;
	sregs.idt.base = r->idt.base;
	sregs.idt.limit = r->idt.limit;
	sregs.cr0 = r->cr0;
	sregs.cr2 = r->cr2;
	sregs.cr3 = r->cr3;
	sregs.cr4 = r->cr4;
	sregs.cr8 = r->cr8;
	sregs.efer = r->efer;
	if (r->apic_base)
		sregs.apic_base = r->apic_base;
	if (kvm_ioctl(fd, KVM_SET_SREGS, &sregs) < 0 || kvm_ioctl(fd, KVM_SET_REGS, &regs) < 0)
		return -EIO;
	return 0;
}

int kvm_arch_translate(struct vcpu *vcpu, uint64_t gva, uint64_t *gpa)
{
	struct kvm_translation tr = {.linear_address = gva};

	if (ioctl(kvm_vcpu(vcpu)->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
		return -EFAULT;
	*gpa = tr.physical_address;
	return 0;
}
