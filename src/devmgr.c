// SPDX-License-Identifier: MIT
/* devmgr.c: the device list, address and interrupt allocation, interrupt routing, and
 * teardown in reverse order of creation. */
#include "devmgr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backend/backend.h"
#include "irqfd.h"
#include "log.h"

void devmgr_init(struct devmgr *dm, const struct devmgr_env *env, const struct devmgr_layout *l)
{
	memset(dm, 0, sizeof(*dm));
	dm->env = *env;
	if (l)
		dm->layout = *l;
}

void devmgr_stop(struct devmgr *dm)
{
	for (unsigned i = dm->nr_devices; i-- > 0;)
		if (dm->devices[i]->ops->stop)
			dm->devices[i]->ops->stop(dm->devices[i]->priv);
}

void devmgr_destroy(struct devmgr *dm)
{
	/* The resampler asks devices whether they are pending: it goes first. Device threads
	 * raise their lines until they are joined, so the irqfds stay open until every device
	 * is gone: a closed fd number may be reused by whatever is opened next. */
	irqfd_set_stop(dm->irqfds);
	devmgr_stop(dm);
	for (unsigned i = dm->nr_devices; i-- > 0;) {
		struct device *dev = dm->devices[i];

		if (dev->ops->destroy)
			dev->ops->destroy(dev->priv);
		free(dev);
	}
	dm->nr_devices = 0;
	irqfd_set_destroy(dm->irqfds);
	dm->irqfds = NULL;
}

struct device *devmgr_add(struct devmgr *dm, const struct device_ops *ops, void *priv)
{
	struct device *dev = NULL;

	if (dm->nr_devices == DEVMGR_MAX_DEVICES)
		pr_err("too many devices (at most %d)", DEVMGR_MAX_DEVICES);
	else
		dev = calloc(1, sizeof(*dev));
	if (!dev) {
		if (ops->destroy)
			ops->destroy(priv);
		return NULL;
	}
	dev->ops = ops;
	dev->priv = priv;
	for (unsigned i = 0; i < dm->nr_devices; i++)
		dev->index += dm->devices[i]->ops == ops;
	dev->irq.fd = -1;
	dm->devices[dm->nr_devices++] = dev;
	return dev;
}

static int map(struct bus *bus, struct device *dev, struct io_region *r)
{
	int err = bus_register(bus, r);

	if (err)
		return err;
	if (!dev->size) {
		dev->base = r->base;
		dev->size = r->len;
	}
	return 0;
}

int devmgr_map_pio(struct devmgr *dm, struct device *dev, struct io_region *r)
{
	return map(dm->env.pio, dev, r);
}

int devmgr_map_mmio(struct devmgr *dm, struct device *dev, struct io_region *r)
{
	return map(dm->env.mmio, dev, r);
}

int devmgr_map_mmio_slot(struct devmgr *dm, struct device *dev, struct io_region *r)
{
	if (dm->next_mmio_slot == dm->layout.mmio_slots || r->len > dm->layout.mmio_stride)
		return -ENOSPC;
	r->base = dm->layout.mmio_base + dm->next_mmio_slot++ * dm->layout.mmio_stride;
	return devmgr_map_mmio(dm, dev, r);
}

int devmgr_connect_irq(struct devmgr *dm, struct device *dev, unsigned num,
		       bool (*pending)(void *ctx), void *ctx)
{
	if (num == DEVMGR_IRQ_ANY) {
		if (dm->next_irq == dm->layout.nr_irqs)
			return -ENOSPC;
		num = dm->layout.irqs[dm->next_irq++];
	}
	dev->has_irq = true;
	dev->irq = (struct irq_line){
		.num = num,
		.fd = -1,
		.be = dm->env.be,
		.vm = dm->env.vm,
		.pending = pending,
		.pending_ctx = ctx,
	};
	return 0;
}

int devmgr_notify_fd(struct devmgr *dm, const struct device *dev, uint64_t offset, unsigned len,
		     uint64_t datamatch)
{
	const struct backend_ops *be = dm->env.be;
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (be && be->ioeventfd &&
	    be->ioeventfd(dm->env.vm, dev->base + offset, len, datamatch, fd) == 0)
		pr_debug("%s: writes of %llu at +0x%llx through an ioeventfd", dev->ops->name,
			 (unsigned long long)datamatch, (unsigned long long)offset);
	return fd;
}

/* SMOLVM_IRQFD=0 keeps every line on the backend's irq_set (KVM_IRQ_LINE): a debugging
 * switch to tell an irqfd problem from a device's own. */
static bool irqfds_wanted(void)
{
	const char *v = getenv("SMOLVM_IRQFD");

	return !v || strcmp(v, "0") != 0;
}

/* Lines that can be resampled go through irqfds while the backend has them. */
static int route_irqfds(struct devmgr *dm)
{
	if (!irqfds_wanted()) {
		pr_info("devmgr: SMOLVM_IRQFD=0: interrupts through the backend's irq_set");
		return 0;
	}
	for (unsigned i = 0; i < dm->nr_devices; i++) {
		struct irq_line *l = &dm->devices[i]->irq;
		int fd;

		if (!dm->devices[i]->has_irq || !l->pending)
			continue;
		if (!dm->irqfds) {
			dm->irqfds = irqfd_set_create(dm->env.be, dm->env.vm);
			if (!dm->irqfds)
				return -ENOMEM;
		}
		fd = irqfd_set_add(dm->irqfds, l->num, l->pending, l->pending_ctx);
		if (fd == -ENOTSUP) {
			pr_debug(
				"devmgr: no irqfds here; interrupts through the backend's irq_set");
			return 0;
		}
		if (fd < 0)
			return fd;
		l->fd = fd;
		l->route = IRQ_ROUTE_IRQFD;
	}
	return 0;
}

int devmgr_start(struct devmgr *dm, bool irqchip)
{
	int err;

	if (!irqchip || !dm->env.be)
		return 0;
	for (unsigned i = 0; i < dm->nr_devices; i++)
		if (dm->devices[i]->has_irq)
			dm->devices[i]->irq.route = IRQ_ROUTE_BACKEND;
	err = route_irqfds(dm);
	return err ? err : dm->irqfds ? irqfd_set_start(dm->irqfds) : 0;
}
