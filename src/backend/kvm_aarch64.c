// SPDX-License-Identifier: MIT
/* kvm_aarch64.c: the KVM backend's arm64 part: IPA size, vCPU init with PSCI 0.2, registers
 * through KVM_GET/SET_ONE_REG, the in-kernel vGIC (v3, else v2) and exits without an MMIO
 * syndrome. */
#include "backend/kvm_internal.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arch/aarch64/layout.h"
#include "arch/aarch64/mmu.h"
#include "log.h"

#define CORE_REG(x)	 (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(x))
#define DEFAULT_IPA_BITS 40 /* what KVM gives a VM created with type 0 */
/* SPIs the vGIC implements: our devices use SPI 1 (UART) and 16..47 (virtio). */
#define VGIC_NR_IRQS   128
#define GICV2_MAX_CPUS 8

static unsigned bits_needed(uint64_t last_addr)
{
	return 64 - (unsigned)__builtin_clzll(last_addr);
}

int kvm_arch_vm_type(struct vm *vm)
{
	struct kvm_vm_state *k = kvm_vm(vm);
	unsigned need = bits_needed(ARM64_RAM_BASE + vm->cfg->mem_size - 1);
	int max = ioctl(k->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);

	if (need <= DEFAULT_IPA_BITS)
		return 0;
	if (max <= 0 || need > (unsigned)max) {
		pr_err("-m %llu MiB needs %u-bit guest-physical addresses; this host's KVM offers "
		       "%d bits",
		       (unsigned long long)(vm->cfg->mem_size >> 20), need,
		       max > 0 ? max : DEFAULT_IPA_BITS);
		vm->input_error = true;
		return -ERANGE;
	}
	return (int)KVM_VM_TYPE_ARM_IPA_SIZE(need);
}

int kvm_arch_vm_init(struct vm *vm)
{
	struct kvm_vm_state *k = kvm_vm(vm);
	struct kvm_enable_cap nisv = {.cap = KVM_CAP_ARM_NISV_TO_USER};

	k->gic_fd = -1;
	if (ioctl(k->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PSCI_0_2) <= 0) {
		pr_err("this host's KVM lacks PSCI 0.2 (KVM_CAP_ARM_PSCI_0_2), which smolvm needs "
		       "to start and stop vCPUs");
		return -ENOTSUP;
	}
	/* Without this an MMIO access that has no syndrome makes KVM_RUN fail with ENOSYS;
	 * with it, smolvm gets an exit it can report with the faulting instruction. */
	if (ioctl(k->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_NISV_TO_USER) > 0)
		ioctl(k->vm_fd, KVM_ENABLE_CAP, &nisv);
	return 0;
}

void kvm_arch_vm_destroy(struct vm *vm)
{
	struct kvm_vm_state *k = kvm_vm(vm);

	if (k->gic_fd >= 0)
		close(k->gic_fd);
	k->gic_fd = -1;
}

uint32_t kvm_arch_irq_line(unsigned irq)
{
	return (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | ARM64_SPI_INTID(irq);
}

static int gic_set_attr(int fd, uint32_t group, uint64_t attr, const void *value)
{
	struct kvm_device_attr a = {.group = group, .attr = attr, .addr = (uintptr_t)value};

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

static int create_gic(struct kvm_vm_state *k, uint32_t type)
{
	struct kvm_create_device dev = {.type = type};

	if (ioctl(k->vm_fd, KVM_CREATE_DEVICE, &dev) < 0)
		return -errno;
	k->gic_fd = (int)dev.fd;
	return 0;
}

/* GICv3 where the host has one; GICv2 (at most 8 vCPUs) on older hardware. */
int kvm_arch_irqchip_init(struct vm *vm)
{
	struct kvm_vm_state *k = kvm_vm(vm);
	const uint64_t dist = ARM64_GIC_DIST_BASE, redist = ARM64_GIC_REDIST_BASE,
		       cpu = ARM64_GIC_CPU_BASE;
	const uint32_t nr_irqs = VGIC_NR_IRQS;
	int err = create_gic(k, KVM_DEV_TYPE_ARM_VGIC_V3);

	if (!err) {
		vm->irqchip_version = 3;
		err = gic_set_attr(k->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST,
				   &dist);
		if (!err)
			err = gic_set_attr(k->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
					   KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist);
	} else {
		if (vm->cfg->nr_cpus > GICV2_MAX_CPUS) {
			pr_err("this host's KVM offers only a GICv2, which serves at most %d vCPUs",
			       GICV2_MAX_CPUS);
			vm->input_error = true;
			return -EINVAL;
		}
		err = create_gic(k, KVM_DEV_TYPE_ARM_VGIC_V2);
		if (err) {
			pr_err("cannot create an in-kernel GIC (v3 or v2): %s", strerror(-err));
			return err;
		}
		vm->irqchip_version = 2;
		err = gic_set_attr(k->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_DIST,
				   &dist);
		if (!err)
			err = gic_set_attr(k->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
					   KVM_VGIC_V2_ADDR_TYPE_CPU, &cpu);
	}
	if (!err)
		err = gic_set_attr(k->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	if (err)
		pr_err("cannot configure the in-kernel GICv%u: %s", vm->irqchip_version,
		       strerror(-err));
	return err;
}

/* The PMU's overflow interrupt (a PPI, the same on every vCPU), then its initialisation,
 * which KVM accepts only once the vGIC is initialised. */
static int init_pmu(struct vcpu *vcpu)
{
	const int intid = 16 + ARM64_PMU_PPI; /* PPIs are INTIDs 16-31 */
	int err = gic_set_attr(kvm_vcpu(vcpu)->fd, KVM_ARM_VCPU_PMU_V3_CTRL,
			       KVM_ARM_VCPU_PMU_V3_IRQ, &intid);

	if (!err)
		err = gic_set_attr(kvm_vcpu(vcpu)->fd, KVM_ARM_VCPU_PMU_V3_CTRL,
				   KVM_ARM_VCPU_PMU_V3_INIT, NULL);
	if (err)
		pr_err("cannot set up the PMU of vCPU %u: %s", vcpu->id, strerror(-err));
	return err;
}

/* The vGIC can be initialised only once every vCPU exists. */
int kvm_arch_vcpus_created(struct vm *vm)
{
	struct kvm_vm_state *k = kvm_vm(vm);
	int err;

	if (k->gic_fd < 0)
		return 0;
	err = gic_set_attr(k->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (err) {
		pr_err("cannot initialise the in-kernel GICv%u: %s", vm->irqchip_version,
		       strerror(-err));
		return err;
	}
	for (unsigned i = 0; i < vm->nr_vcpus && vm->arch_pmu && !err; i++)
		err = init_pmu(&vm->vcpus[i]);
	return err;
}

static bool has_cap(struct kvm_vm_state *k, long cap)
{
	return ioctl(k->vm_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

int kvm_arch_vcpu_init(struct vcpu *vcpu)
{
	struct kvm_vm_state *k = kvm_vm(vcpu->vm);
	struct kvm_vcpu_init init;
	int err;

	err = kvm_ioctl(k->vm_fd, KVM_ARM_PREFERRED_TARGET, &init);
	if (err)
		return err;
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	/* Secondary CPUs start powered off; the guest starts them with PSCI CPU_ON. */
	if (vcpu->id != 0)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	/* What the host CPU has, as QEMU's -cpu host gives it: SVE, pointer authentication and
	 * the PMU (perf in the guest). Only in-kernel irqchips can take PMU interrupts. */
	if (has_cap(k, KVM_CAP_ARM_SVE))
		init.features[0] |= 1u << KVM_ARM_VCPU_SVE;
	if (has_cap(k, KVM_CAP_ARM_PTRAUTH_ADDRESS) && has_cap(k, KVM_CAP_ARM_PTRAUTH_GENERIC))
		init.features[0] |=
			1u << KVM_ARM_VCPU_PTRAUTH_ADDRESS | 1u << KVM_ARM_VCPU_PTRAUTH_GENERIC;
	vcpu->vm->arch_pmu = vcpu->vm->irqchip && has_cap(k, KVM_CAP_ARM_PMU_V3);
	if (vcpu->vm->arch_pmu)
		init.features[0] |= 1u << KVM_ARM_VCPU_PMU_V3;
	err = kvm_ioctl(kvm_vcpu(vcpu)->fd, KVM_ARM_VCPU_INIT, &init);
	if (!err && (init.features[0] & (1u << KVM_ARM_VCPU_SVE))) {
		int feature = KVM_ARM_VCPU_SVE; /* the host's vector lengths, fixed from here on */

		err = kvm_ioctl(kvm_vcpu(vcpu)->fd, KVM_ARM_VCPU_FINALIZE, &feature);
	}
	return err;
}

bool kvm_arch_decode_exit(struct vcpu *vcpu, struct kvm_run *run, struct vm_exit *ex)
{
	(void)vcpu;
	if (run->exit_reason != KVM_EXIT_ARM_NISV)
		return false;
	ex->kind = VM_EXIT_MMIO_UNDECODED;
	ex->raw.code = KVM_EXIT_ARM_NISV;
	ex->raw.ndata = 2;
	ex->raw.data[0] = run->arm_nisv.fault_ipa;
	ex->raw.data[1] = run->arm_nisv.esr_iss;
	return true;
}

static int get_reg(int fd, uint64_t id, uint64_t *value)
{
	struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)value};

	return ioctl(fd, KVM_GET_ONE_REG, &reg) < 0 ? -errno : 0;
}

static int set_reg(int fd, uint64_t id, uint64_t value)
{
	struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)&value};

	if (ioctl(fd, KVM_SET_ONE_REG, &reg) < 0) {
		pr_err("KVM_SET_ONE_REG 0x%llx: %s", (unsigned long long)id, strerror(errno));
		return -errno;
	}
	return 0;
}

int kvm_arch_get_regs(struct vcpu *vcpu, struct arch_regs *r)
{
	const struct {
		uint64_t id;
		uint64_t *dst;
	} regs[] = {
		{CORE_REG(regs.sp), &r->sp_el0},
		{CORE_REG(sp_el1), &r->sp},
		{CORE_REG(regs.pc), &r->pc},
		{CORE_REG(regs.pstate), &r->pstate},
		{CORE_REG(elr_el1), &r->elr_el1},
		{CORE_REG(spsr[KVM_SPSR_EL1]), &r->spsr_el1},
		{ARM64_SYS_REG(3, 0, 5, 2, 0), &r->esr_el1},
		{ARM64_SYS_REG(3, 0, 6, 0, 0), &r->far_el1},
		{ARM64_SYS_REG(3, 0, 12, 0, 0), &r->vbar_el1},
		{ARM64_SYS_REG(3, 0, 1, 0, 0), &r->sctlr_el1},
		{ARM64_SYS_REG(3, 0, 2, 0, 2), &r->tcr_el1},
		{ARM64_SYS_REG(3, 0, 2, 0, 0), &r->ttbr0_el1},
		{ARM64_SYS_REG(3, 0, 2, 0, 1), &r->ttbr1_el1},
		{ARM64_SYS_REG(3, 0, 10, 2, 0), &r->mair_el1},
	};
	int fd = kvm_vcpu(vcpu)->fd, err;

	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < 31; i++) {
		err = get_reg(fd, CORE_REG(regs.regs[i]), &r->x[i]);
		if (err)
			return err;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
		err = get_reg(fd, regs[i].id, regs[i].dst);
		if (err)
			return err;
	}
	return 0;
}

/* Sets what a boot or a debugger changes: general registers, stack pointers, PC, PSTATE. */
int kvm_arch_set_regs(struct vcpu *vcpu, const struct arch_regs *r)
{
	int fd = kvm_vcpu(vcpu)->fd, err = 0;

	for (unsigned i = 0; i < 31 && !err; i++)
		err = set_reg(fd, CORE_REG(regs.regs[i]), r->x[i]);
	if (!err)
		err = set_reg(fd, CORE_REG(regs.sp), r->sp_el0);
	if (!err)
		err = set_reg(fd, CORE_REG(sp_el1), r->sp);
	if (!err)
		err = set_reg(fd, CORE_REG(regs.pc), r->pc);
	if (!err)
		err = set_reg(fd, CORE_REG(regs.pstate), r->pstate);
	return err;
}

/* KVM has no synced registers on arm64, and a crash keeps its registers. */
void kvm_arch_pre_run(struct kvm_vcpu_state *c)
{
	(void)c;
}

void kvm_arch_post_run(struct kvm_vcpu_state *c, struct vm_exit *ex)
{
	(void)c;
	ex->has_pc = false;
}

int kvm_arch_get_last_regs(struct vcpu *vcpu, struct arch_regs *r)
{
	(void)vcpu;
	(void)r;
	return -ENODATA;
}

int kvm_arch_translate(struct vcpu *vcpu, uint64_t gva, uint64_t *gpa)
{
	struct arch_regs r;
	int err = kvm_arch_get_regs(vcpu, &r);

	return err ? err : aarch64_translate(&vcpu->vm->mem, &r, gva, gpa);
}
