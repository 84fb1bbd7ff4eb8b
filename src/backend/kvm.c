// SPDX-License-Identifier: MIT
/* kvm.c: the KVM backend, architecture-neutral part: /dev/kvm, the VM, memory slots,
 * vCPU creation and KVM_RUN -> struct vm_exit. */
#include "backend/kvm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

#define KVM_DEVICE  "/dev/kvm"
#define KICK_SIGNAL SIGUSR1

int kvm_do_ioctl(int fd, unsigned long req, const char *name, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0) {
		int err = errno;

		pr_err("%s: %s", name, strerror(err));
		return -err;
	}
	return ret;
}

static int kvm_open_device(void)
{
	int fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT:
		pr_err("%s does not exist: KVM is not available on this host "
		       "(load the kvm module, or enable virtualization in the firmware)",
		       KVM_DEVICE);
		return -ENOENT;
	case EACCES:
	case EPERM:
		pr_err("no permission to open %s: run as root or add your user to the 'kvm' group",
		       KVM_DEVICE);
		return -EACCES;
	default:
		pr_err("cannot open %s: %s", KVM_DEVICE, strerror(errno));
		return -errno;
	}
}

static void kick_handler(int sig)
{
	(void)sig; /* only there so KVM_RUN returns with EINTR */
}

static int kvm_vm_init(struct vm *vm)
{
	struct kvm_vm_state *k = calloc(1, sizeof(*k));
	struct sigaction sa = {.sa_handler = kick_handler};
	int ret;

	if (!k)
		return -ENOMEM;
	k->vm_fd = -1;
	vm->be = k;
	k->dev_fd = kvm_open_device();
	if (k->dev_fd < 0)
		return k->dev_fd;
	ret = ioctl(k->dev_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		pr_err("%s speaks KVM API version %d, smolvm needs %d", KVM_DEVICE, ret,
		       KVM_API_VERSION);
		return -ENOTSUP;
	}
	ret = kvm_arch_vm_type(vm);
	if (ret < 0)
		return ret;
	k->vm_fd = kvm_ioctl(k->dev_fd, KVM_CREATE_VM, (void *)(uintptr_t)ret);
	if (k->vm_fd < 0)
		return k->vm_fd;
	k->run_size = kvm_ioctl(k->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->run_size < 0)
		return k->run_size;
	ret = ioctl(k->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	k->max_slots = ret > 0 ? (unsigned)ret : 32;
	ret = ioctl(k->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (ret <= 0)
		ret = ioctl(k->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	vm->max_vcpus = ret > 0 ? (unsigned)ret : 1;
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);
	return kvm_arch_vm_init(vm);
}

static void kvm_vm_destroy(struct vm *vm)
{
	struct kvm_vm_state *k = kvm_vm(vm);

	if (!k)
		return;
	kvm_arch_vm_destroy(vm);
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->dev_fd >= 0)
		close(k->dev_fd);
	free(k);
	vm->be = NULL;
}

static int kvm_map_mem(struct vm *vm, uint64_t gpa, void *hva, uint64_t len)
{
	struct kvm_vm_state *k = kvm_vm(vm);
	struct kvm_userspace_memory_region region = {
		.slot = k->next_slot,
		.guest_phys_addr = gpa,
		.memory_size = len,
		.userspace_addr = (uintptr_t)hva,
	};
	int ret;

	if (k->next_slot >= k->max_slots) {
		pr_err("KVM offers only %u memory slots", k->max_slots);
		return -ENOSPC;
	}
	ret = kvm_ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (ret < 0)
		return ret;
	k->next_slot++;
	return 0;
}

static int kvm_vcpu_init(struct vcpu *vcpu)
{
	struct kvm_vm_state *k = kvm_vm(vcpu->vm);
	struct kvm_vcpu_state *c = calloc(1, sizeof(*c));
	void *run;

	if (!c)
		return -ENOMEM;
	vcpu->be = c;
	c->fd = kvm_ioctl(k->vm_fd, KVM_CREATE_VCPU, (void *)(uintptr_t)vcpu->id);
	if (c->fd < 0)
		return c->fd;
	run = mmap(NULL, (size_t)k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (run == MAP_FAILED) {
		pr_err("cannot map the kvm_run area of vCPU %u: %s", vcpu->id, strerror(errno));
		return -errno;
	}
	c->run = run;
	return kvm_arch_vcpu_init(vcpu);
}

static void kvm_vcpu_destroy(struct vcpu *vcpu)
{
	struct kvm_vcpu_state *c = kvm_vcpu(vcpu);

	if (!c)
		return;
	if (c->run)
		munmap(c->run, (size_t)kvm_vm(vcpu->vm)->run_size);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	vcpu->be = NULL;
}

static void decode_system_event(struct kvm_run *run, struct vm_exit *ex)
{
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		ex->kind = VM_EXIT_SYSTEM_OFF;
		break;
	case KVM_SYSTEM_EVENT_RESET:
		ex->kind = VM_EXIT_RESET;
		break;
	default:
		ex->kind = VM_EXIT_UNKNOWN;
		ex->raw.code = KVM_EXIT_SYSTEM_EVENT;
		ex->raw.ndata = 1;
		ex->raw.data[0] = run->system_event.type;
		break;
	}
}

static int kvm_vcpu_run(struct vcpu *vcpu, struct vm_exit *ex)
{
	struct kvm_vcpu_state *c = kvm_vcpu(vcpu);
	struct kvm_run *run = c->run;

	kvm_arch_pre_run(c);
	if (ioctl(c->fd, KVM_RUN, 0) < 0) {
		if (errno == EINTR || errno == EAGAIN) {
			run->immediate_exit = 0;
			ex->kind = VM_EXIT_INTR;
			ex->has_pc = false;
			return 0;
		}
		pr_err("KVM_RUN on vCPU %u: %s", vcpu->id, strerror(errno));
		return -errno;
	}
	kvm_arch_post_run(c, ex);
	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		ex->kind = VM_EXIT_MMIO;
		ex->io.addr = run->mmio.phys_addr;
		ex->io.data = run->mmio.data;
		ex->io.size = run->mmio.len;
		ex->io.count = 1;
		ex->io.is_write = run->mmio.is_write;
		break;
	case KVM_EXIT_SHUTDOWN:
		ex->kind = VM_EXIT_SHUTDOWN;
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		decode_system_event(run, ex);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		ex->kind = VM_EXIT_FAIL_ENTRY;
		ex->raw.code = KVM_EXIT_FAIL_ENTRY;
		ex->raw.ndata = 1;
		ex->raw.data[0] = run->fail_entry.hardware_entry_failure_reason;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		ex->kind = VM_EXIT_INTERNAL_ERROR;
		ex->raw.code = run->internal.suberror;
		ex->raw.ndata = MIN(run->internal.ndata, 4u);
		for (unsigned i = 0; i < ex->raw.ndata; i++)
			ex->raw.data[i] = run->internal.data[i];
		break;
	case KVM_EXIT_INTR:
		ex->kind = VM_EXIT_INTR;
		break;
	default:
		if (!kvm_arch_decode_exit(vcpu, run, ex)) {
			ex->kind = VM_EXIT_UNKNOWN;
			ex->raw.code = run->exit_reason;
			ex->raw.ndata = 0;
		}
		break;
	}
	return 0;
}

static void kvm_vcpu_kick(struct vcpu *vcpu)
{
	struct kvm_vcpu_state *c = kvm_vcpu(vcpu);

	if (!c || !c->run)
		return;
	/* immediate_exit covers the window before the thread enters KVM_RUN. */
	c->run->immediate_exit = 1;
	pthread_kill(vcpu->thread, KICK_SIGNAL);
}

static int kvm_irqchip_init(struct vm *vm)
{
	int ret = kvm_arch_irqchip_init(vm);

	if (ret == 0)
		kvm_vm(vm)->irqchip = true;
	return ret;
}

static int kvm_irq_set(struct vm *vm, unsigned irq, bool level)
{
	struct kvm_irq_level line = {.irq = kvm_arch_irq_line(irq), .level = level};

	return kvm_ioctl(kvm_vm(vm)->vm_fd, KVM_IRQ_LINE, &line);
}

static int kvm_ioeventfd(struct vm *vm, uint64_t addr, unsigned len, uint64_t datamatch, int fd)
{
	struct kvm_ioeventfd ev = {
		.datamatch = datamatch,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};

	if (ioctl(kvm_vm(vm)->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) <= 0)
		return -ENOTSUP;
	return kvm_ioctl(kvm_vm(vm)->vm_fd, KVM_IOEVENTFD, &ev) < 0 ? -EIO : 0;
}

static int kvm_irqfd(struct vm *vm, unsigned irq, int fd, int resample_fd)
{
	struct kvm_irqfd req = {
		.fd = (uint32_t)fd,
		.gsi = irq, /* default routing: x86 GSI = IOAPIC pin; arm64 GSI = SPI number */
		.flags = KVM_IRQFD_FLAG_RESAMPLE,
		.resamplefd = (uint32_t)resample_fd,
	};
	int vm_fd = kvm_vm(vm)->vm_fd;

	if (!kvm_vm(vm)->irqchip || ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) <= 0 ||
	    ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD_RESAMPLE) <= 0)
		return -ENOTSUP;
	return kvm_ioctl(vm_fd, KVM_IRQFD, &req) < 0 ? -EIO : 0;
}

const struct backend_ops kvm_backend_ops = {
	.name = "kvm",
	.vm_init = kvm_vm_init,
	.vm_destroy = kvm_vm_destroy,
	.map_mem = kvm_map_mem,
	.irqchip_init = kvm_irqchip_init,
	.irq_set = kvm_irq_set,
	.ioeventfd = kvm_ioeventfd,
	.irqfd = kvm_irqfd,
	.vcpu_init = kvm_vcpu_init,
	.vcpus_created = kvm_arch_vcpus_created,
	.vcpu_run = kvm_vcpu_run,
	.get_regs = kvm_arch_get_regs,
	.get_last_regs = kvm_arch_get_last_regs,
	.set_regs = kvm_arch_set_regs,
	.translate = kvm_arch_translate,
	.vcpu_kick = kvm_vcpu_kick,
	.vcpu_destroy = kvm_vcpu_destroy,
};
