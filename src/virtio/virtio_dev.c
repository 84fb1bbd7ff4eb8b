// SPDX-License-Identifier: MIT
/* virtio_dev.c: virtio-mmio device placement and registration. */
#include "virtio/virtio_dev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backend/backend.h"
#include "log.h"
#include "virtio/irqfd.h"
#include "vm.h"

struct virtio_slot {
	struct io_region region;
	struct virtio_mmio *transport;
	struct vm *vm;
	unsigned irq;
	int irq_fd; /* an irqfd, or -1: KVM_IRQ_LINE through the backend */
};

static void slot_set_irq(void *ctx, bool level)
{
	struct virtio_slot *slot = ctx;

	/* An irqfd line is lowered by the guest's EOI; the resampler raises it again. */
	if (slot->irq_fd >= 0) {
		if (level)
			irqfd_raise(slot->irq_fd);
		return;
	}
	if (slot->vm->irqchip)
		slot->vm->be_ops->irq_set(slot->vm, slot->irq, level);
}

static void slot_destroy(void *priv)
{
	struct virtio_slot *slot = priv;

	virtio_mmio_destroy(slot->transport);
	free(slot);
}

int virtio_dev_notify_fd(struct vm *vm, struct virtio_mmio *t, unsigned qidx)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	for (unsigned i = 0; i < vm->nr_devices; i++) {
		struct virtio_slot *slot = vm->devices[i].priv;

		if (vm->devices[i].destroy != slot_destroy || slot->transport != t)
			continue;
		/* QueueNotify is at offset 0x50 of the slot; the value written is the queue. */
		if (vm->be_ops && vm->be_ops->ioeventfd &&
		    vm->be_ops->ioeventfd(vm, slot->region.base + 0x50, 4, qidx, fd) == 0)
			pr_debug("%s: queue %u notifications through an ioeventfd",
				 slot->region.name, qidx);
		break;
	}
	return fd;
}

void virtio_dev_kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_debug("virtio: kick: %s", strerror(errno));
}

int virtio_dev_add(struct vm *vm, const struct virtio_dev_ops *ops, void *dev, uint64_t features,
		   struct virtio_mmio **out)
{
	struct virtio_slot *slot;
	uint64_t base;
	unsigned irq;
	int err;

	if (vm->nr_virtio == VM_MAX_VIRTIO || arch_virtio_slot(vm->nr_virtio, &base, &irq)) {
		pr_err("too many virtio devices (at most %d)", VM_MAX_VIRTIO);
		return -ENOSPC;
	}
	slot = calloc(1, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	slot->vm = vm;
	slot->irq = irq;
	slot->irq_fd = -1;
	slot->transport = virtio_mmio_create(ops, dev, features, &vm->mem, slot_set_irq, slot);
	err = vm_add_device(vm, ops->name, slot, slot_destroy);
	if (err) {
		slot_destroy(slot);
		return err;
	}
	if (!slot->transport)
		return -ENOMEM;
	slot->region = (struct io_region){
		.name = ops->name,
		.base = base,
		.len = VIRTIO_MMIO_SIZE,
		.ops = &virtio_mmio_io_ops,
		.opaque = slot->transport,
	};
	err = bus_register(&vm->mmio, &slot->region);
	if (err)
		return err;
	vm->virtio[vm->nr_virtio++] = (struct vm_mmio_desc){base, VIRTIO_MMIO_SIZE, irq};
	*out = slot->transport;
	return 0;
}

static bool slot_irq_pending(void *ctx)
{
	return virtio_mmio_irq_pending(ctx);
}

int virtio_dev_start_irqfds(struct vm *vm)
{
	struct irqfd_set *set;

	if (!vm->irqchip || !vm->nr_virtio)
		return 0;
	set = irqfd_set_create(vm);
	if (!set)
		return -ENOMEM;
	for (unsigned i = 0; i < vm->nr_devices; i++) {
		struct virtio_slot *slot = vm->devices[i].priv;
		int fd;

		if (vm->devices[i].destroy != slot_destroy)
			continue;
		fd = irqfd_set_add(set, slot->irq, slot_irq_pending, slot->transport);
		if (fd == -ENOTSUP) {
			pr_debug(
				"virtio: no irqfds here; interrupts through the backend's irq_set");
			break;
		}
		if (fd < 0)
			return fd;
		slot->irq_fd = fd;
	}
	return irqfd_set_start(set);
}
