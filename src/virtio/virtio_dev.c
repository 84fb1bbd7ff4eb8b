// SPDX-License-Identifier: MIT
/* virtio_dev.c: virtio-mmio devices on the device manager. */
#include "virtio/virtio_dev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aml.h"
#include "devmgr.h"
#include "fdt_writer.h"
#include "log.h"

/* QueueNotify (virtio 1.x, 4.2.2): the value written is the queue index. */
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x50

struct virtio_slot {
	struct io_region region;
	struct virtio_mmio *transport;
	const struct virtio_dev_ops *ops;
	void *model;
};

static void slot_destroy(void *priv)
{
	struct virtio_slot *slot = priv;

	/* The model first: its worker may still use the transport. */
	if (slot->model && slot->ops->destroy)
		slot->ops->destroy(slot->model);
	virtio_mmio_destroy(slot->transport);
	free(slot);
}

static void slot_stop(void *priv)
{
	struct virtio_slot *slot = priv;

	if (slot->model && slot->ops->stop)
		slot->ops->stop(slot->model);
}

static bool slot_irq_pending(void *ctx)
{
	return virtio_mmio_irq_pending(ctx);
}

/* Device (VIOn) { _HID "LNRO0005", _UID n,
 *	_CRS { Memory32Fixed (ReadWrite, base, size), Interrupt (Level, ActiveHigh) { irq } } }
 * LNRO0005 is the virtio-mmio ACPI ID Linux's virtio_mmio driver matches. */
static void slot_acpi_describe(const struct device *dev, struct aml *a)
{
	char name[5];
	size_t device, crs;

	snprintf(name, sizeof(name), "VIO%X", dev->index & 0xf);
	device = aml_device_begin(a, name);
	aml_name_string(a, "_HID", "LNRO0005");
	aml_name_integer(a, "_UID", dev->index);
	crs = aml_crs_begin(a);
	aml_res_memory32_fixed(a, (uint32_t)dev->base, (uint32_t)dev->size);
	aml_res_interrupt_level(a, dev->irq.num);
	aml_crs_end(a, crs);
	aml_package_end(a, device);
}

/* Level-triggered, unlike QEMU's edge: smolvm's virtio-mmio interrupt is a level line
 * that stays up until the driver acknowledges it. */
static int slot_fdt_describe(const struct device *dev, struct fdt_writer *w)
{
	FDTW_TRY(fdtw_begin_node(w, "virtio_mmio", dev->base));
	FDTW_TRY(fdtw_string(w, "compatible", "virtio,mmio"));
	FDTW_TRY(fdtw_reg(w, dev->base, dev->size));
	FDTW_TRY(fdtw_irq(w, dev->irq.num));
	FDTW_TRY(fdtw_empty(w, "dma-coherent"));
	return fdtw_end_node(w);
}

static const struct device_ops virtio_slot_ops = {
	.name = "virtio-mmio",
	.stop = slot_stop,
	.destroy = slot_destroy,
	.acpi_describe = slot_acpi_describe,
	.fdt_describe = slot_fdt_describe,
};

static unsigned count_virtio(const struct devmgr *dm)
{
	unsigned n = 0;

	for (unsigned i = 0; i < devmgr_count(dm); i++)
		n += devmgr_device(dm, i)->ops == &virtio_slot_ops;
	return n;
}

int virtio_dev_add(struct devmgr *dm, const struct virtio_dev_ops *ops, void *model,
		   uint64_t features, struct virtio_mmio **transport, struct device **devp)
{
	struct virtio_slot *slot = NULL;
	struct device *dev;
	int err;

	if (count_virtio(dm) == VIRTIO_MAX_DEVICES) {
		pr_err("too many virtio devices (at most %d)", VIRTIO_MAX_DEVICES);
		err = -ENOSPC;
	} else {
		slot = calloc(1, sizeof(*slot));
		err = slot ? 0 : -ENOMEM;
	}
	if (err) {
		if (ops->destroy)
			ops->destroy(model);
		return err;
	}
	slot->ops = ops;
	slot->model = model;
	dev = devmgr_add(dm, &virtio_slot_ops, slot);
	if (!dev)
		return -ENOMEM;
	slot->transport =
		virtio_mmio_create(ops, model, features, dm->env.mem, irq_line_set_cb, &dev->irq);
	if (!slot->transport)
		return -ENOMEM;
	slot->region = (struct io_region){
		.name = ops->name,
		.len = VIRTIO_MMIO_SIZE,
		.ops = &virtio_mmio_io_ops,
		.opaque = slot->transport,
	};
	err = devmgr_map_mmio_slot(dm, dev, &slot->region);
	if (!err)
		err = devmgr_connect_irq(dm, dev, DEVMGR_IRQ_ANY, slot_irq_pending,
					 slot->transport);
	if (err == -ENOSPC)
		pr_err("too many virtio devices (at most %d)", VIRTIO_MAX_DEVICES);
	if (err)
		return err;
	*transport = slot->transport;
	if (devp)
		*devp = dev;
	return 0;
}

int virtio_dev_notify_fd(struct devmgr *dm, const struct device *dev, unsigned qidx)
{
	return devmgr_notify_fd(dm, dev, VIRTIO_MMIO_QUEUE_NOTIFY, 4, qidx);
}

void virtio_dev_kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_debug("virtio: kick: %s", strerror(errno));
}
