// SPDX-License-Identifier: MIT
/* virtio_mmio.c: virtio-mmio v2 register file, feature/status state machine, queue setup,
 * notifications and the interrupt line. */
#include "virtio/virtio_mmio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "virtio/virtio_mmio_regs.h"

#define VIRTIO_MMIO_VERSION 2
#define VIRTIO_VENDOR_ID    0x4c4f4d53u /* "SMOL" */

struct virtio_mmio {
	pthread_mutex_t lock;
	const struct virtio_dev_ops *ops;
	void *dev;
	void (*set_irq)(void *ctx, bool level);
	void *irq_ctx;
	uint64_t device_features, driver_features;
	uint32_t device_features_sel, driver_features_sel, queue_sel;
	uint32_t status, interrupt_status, config_generation;
	bool irq_level;
	bool needs_reset_logged;
	struct virtq queues[VIRTIO_MMIO_MAX_QUEUES];
};

struct virtio_mmio *virtio_mmio_create(const struct virtio_dev_ops *ops, void *dev,
				       uint64_t features, const struct guest_mem *mem,
				       void (*set_irq)(void *ctx, bool level), void *irq_ctx)
{
	struct virtio_mmio *t;
	pthread_mutexattr_t attr;

	if (ops->num_queues > VIRTIO_MMIO_MAX_QUEUES)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	/* Recursive: device callbacks run with the lock held and may take it again. */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&t->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	t->ops = ops;
	t->dev = dev;
	t->set_irq = set_irq;
	t->irq_ctx = irq_ctx;
	t->device_features = features | (1ull << VIRTIO_F_VERSION_1) |
			     (1ull << VIRTIO_F_EVENT_IDX) | (1ull << VIRTIO_F_INDIRECT_DESC);
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		t->queues[i].mem = mem;
	return t;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t);
}

void virtio_mmio_lock(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
}

void virtio_mmio_unlock(struct virtio_mmio *t)
{
	pthread_mutex_unlock(&t->lock);
}

/* The one place the line level is computed. */
static void update_irq(struct virtio_mmio *t)
{
	bool level = t->interrupt_status != 0;

	if (level != t->irq_level) {
		t->irq_level = level;
		if (t->set_irq)
			t->set_irq(t->irq_ctx, level);
	}
}

/* The device finishes with queue @qidx before the driver can read back that it stopped. */
static void stop_queue(struct virtio_mmio *t, unsigned qidx)
{
	if (t->ops->queue_stop)
		t->ops->queue_stop(t->dev, qidx);
}

static void reset_device(struct virtio_mmio *t)
{
	for (unsigned i = 0; i < t->ops->num_queues; i++)
		stop_queue(t, i);
	if (t->ops->reset)
		t->ops->reset(t->dev);
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		struct virtq *q = &t->queues[i];
		const struct guest_mem *mem = q->mem;

		memset(q, 0, sizeof(*q));
		q->mem = mem;
	}
	t->driver_features = 0;
	t->device_features_sel = t->driver_features_sel = t->queue_sel = 0;
	t->status = 0;
	t->interrupt_status = 0;
	t->needs_reset_logged = false;
	update_irq(t);
}

bool virtio_mmio_irq_pending(struct virtio_mmio *t)
{
	bool pending;

	pthread_mutex_lock(&t->lock);
	pending = t->interrupt_status != 0;
	pthread_mutex_unlock(&t->lock);
	return pending;
}

bool virtio_mmio_has_feature(struct virtio_mmio *t, unsigned bit)
{
	return bit < 64 && (t->driver_features >> bit) & 1;
}

struct virtq *virtio_mmio_queue(struct virtio_mmio *t, unsigned qidx)
{
	struct virtq *q;

	if (qidx >= t->ops->num_queues || !(t->status & VIRTIO_STATUS_DRIVER_OK) ||
	    (t->status & VIRTIO_STATUS_NEEDS_RESET))
		return NULL;
	q = &t->queues[qidx];
	return q->ready && !q->broken ? q : NULL;
}

void virtio_mmio_notify_used(struct virtio_mmio *t, unsigned qidx)
{
	if (qidx < t->ops->num_queues && virtq_should_interrupt(&t->queues[qidx])) {
		t->interrupt_status |= VIRTIO_INT_USED;
		update_irq(t);
	}
}

void virtio_mmio_needs_reset(struct virtio_mmio *t, const char *why)
{
	if (!t->needs_reset_logged)
		pr_warn("guest error: %s: %s; the device needs a reset", t->ops->name, why);
	t->needs_reset_logged = true;
	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (t->status & VIRTIO_STATUS_DRIVER_OK) {
		t->interrupt_status |= VIRTIO_INT_CONFIG;
		update_irq(t);
	}
}

/* The currently selected queue, or NULL if QueueSel is out of range. */
static struct virtq *selected_queue(struct virtio_mmio *t)
{
	return t->queue_sel < t->ops->num_queues ? &t->queues[t->queue_sel] : NULL;
}

static uint32_t read_reg(struct virtio_mmio *t, uint64_t offset)
{
	struct virtq *q = selected_queue(t);

	switch (offset) {
	case VREG_MAGIC:
		return VIRTIO_MMIO_MAGIC_VALUE;
	case VREG_VERSION:
		return VIRTIO_MMIO_VERSION;
	case VREG_DEVICE_ID:
		return t->ops->device_id;
	case VREG_VENDOR_ID:
		return VIRTIO_VENDOR_ID;
	case VREG_DEVICE_FEATURES:
		return t->device_features_sel < 2
			       ? (uint32_t)(t->device_features >> (32 * t->device_features_sel))
			       : 0;
	case VREG_QUEUE_NUM_MAX:
		return q ? t->ops->queue_max : 0;
	case VREG_QUEUE_READY:
		return q ? q->ready : 0;
	case VREG_INTERRUPT_STATUS:
		return t->interrupt_status;
	case VREG_STATUS:
		return t->status;
	case VREG_CONFIG_GENERATION:
		return t->config_generation;
	default:
		pr_guest_err("%s: read of write-only or unknown register 0x%llx", t->ops->name,
			     (unsigned long long)offset);
		return 0;
	}
}

/* Checks the driver's features when it sets FEATURES_OK. */
static bool features_acceptable(struct virtio_mmio *t)
{
	return !(t->driver_features & ~t->device_features) &&
	       (t->driver_features >> VIRTIO_F_VERSION_1) & 1;
}

static void write_status(struct virtio_mmio *t, uint32_t v)
{
	uint32_t old = t->status;

	if (v == 0) {
		reset_device(t);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    !features_acceptable(t))
		v &= ~VIRTIO_STATUS_FEATURES_OK; /* the driver reads it back and gives up */
	/* DRIVER_OK without accepted features would run the device on terms it refused. */
	if (!(v & VIRTIO_STATUS_FEATURES_OK))
		v &= ~VIRTIO_STATUS_DRIVER_OK;
	/* NEEDS_RESET is the device's to set and stays until reset. */
	t->status = (v & ~VIRTIO_STATUS_NEEDS_RESET) | (old & VIRTIO_STATUS_NEEDS_RESET);
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK) && t->ops->activate)
		t->ops->activate(t->dev);
}

static void set_addr_half(uint64_t *addr, uint32_t v, bool high)
{
	*addr = high ? (*addr & 0xffffffffull) | ((uint64_t)v << 32) : (*addr & ~0xffffffffull) | v;
}

static void write_queue_reg(struct virtio_mmio *t, struct virtq *q, uint64_t offset, uint32_t v)
{
	/* The queue layout may only change while the queue is not live. */
	if (q->ready && offset != VREG_QUEUE_READY) {
		pr_guest_err("%s: queue %u reconfigured while ready", t->ops->name, t->queue_sel);
		return;
	}
	switch (offset) {
	case VREG_QUEUE_NUM:
		q->size = (uint16_t)(v <= t->ops->queue_max ? v : 0);
		break;
	case VREG_QUEUE_READY:
		if (!v) {
			/* 4.2.2.2: the driver reads QueueReady back to know the device is done
			 * with the queue. */
			if (q->ready) {
				q->ready = false;
				stop_queue(t, t->queue_sel);
			}
			break;
		}
		if (q->ready)
			break; /* already live: activating again would rewind its indices */
		q->event_idx = virtio_mmio_has_feature(t, VIRTIO_F_EVENT_IDX);
		q->indirect = virtio_mmio_has_feature(t, VIRTIO_F_INDIRECT_DESC);
		if (virtq_activate(q))
			virtio_mmio_needs_reset(t, "queue rings outside guest RAM or misaligned");
		break;
	case VREG_QUEUE_DESC_LOW:
	case VREG_QUEUE_DESC_HIGH:
		set_addr_half(&q->desc_gpa, v, offset == VREG_QUEUE_DESC_HIGH);
		break;
	case VREG_QUEUE_DRIVER_LOW:
	case VREG_QUEUE_DRIVER_HIGH:
		set_addr_half(&q->avail_gpa, v, offset == VREG_QUEUE_DRIVER_HIGH);
		break;
	case VREG_QUEUE_DEVICE_LOW:
	case VREG_QUEUE_DEVICE_HIGH:
		set_addr_half(&q->used_gpa, v, offset == VREG_QUEUE_DEVICE_HIGH);
		break;
	}
}

static void write_reg(struct virtio_mmio *t, uint64_t offset, uint32_t v)
{
	struct virtq *q = selected_queue(t);

	switch (offset) {
	case VREG_DEVICE_FEATURES_SEL:
		t->device_features_sel = v;
		break;
	case VREG_DRIVER_FEATURES:
		if (t->driver_features_sel < 2 && !(t->status & VIRTIO_STATUS_FEATURES_OK))
			set_addr_half(&t->driver_features, v, t->driver_features_sel == 1);
		break;
	case VREG_DRIVER_FEATURES_SEL:
		t->driver_features_sel = v;
		break;
	case VREG_QUEUE_SEL:
		t->queue_sel = v;
		break;
	case VREG_QUEUE_NUM:
	case VREG_QUEUE_READY:
	case VREG_QUEUE_DESC_LOW:
	case VREG_QUEUE_DESC_HIGH:
	case VREG_QUEUE_DRIVER_LOW:
	case VREG_QUEUE_DRIVER_HIGH:
	case VREG_QUEUE_DEVICE_LOW:
	case VREG_QUEUE_DEVICE_HIGH:
		if (q)
			write_queue_reg(t, q, offset, v);
		else
			pr_guest_err("%s: queue register written with QueueSel %u out of range",
				     t->ops->name, t->queue_sel);
		break;
	case VREG_QUEUE_NOTIFY:
		if (v < t->ops->num_queues && virtio_mmio_queue(t, v))
			t->ops->queue_notify(t->dev, v);
		break;
	case VREG_INTERRUPT_ACK:
		t->interrupt_status &= ~v;
		update_irq(t);
		break;
	case VREG_STATUS:
		write_status(t, v);
		break;
	default:
		pr_guest_err("%s: write to read-only or unknown register 0x%llx", t->ops->name,
			     (unsigned long long)offset);
		break;
	}
}

static uint64_t virtio_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
	struct virtio_mmio *t = opaque;
	uint64_t v = 0;

	pthread_mutex_lock(&t->lock);
	if (offset >= VREG_CONFIG) {
		uint64_t off = offset - VREG_CONFIG;

		if (off + size <= t->ops->config_size && t->ops->read_config)
			t->ops->read_config(t->dev, (uint32_t)off, &v, size);
	} else if (size == 4) {
		v = read_reg(t, offset);
	} else {
		pr_guest_err("%s: %u-byte read of register 0x%llx (registers are 32-bit)",
			     t->ops->name, size, (unsigned long long)offset);
	}
	pthread_mutex_unlock(&t->lock);
	return v;
}

static void virtio_mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct virtio_mmio *t = opaque;

	pthread_mutex_lock(&t->lock);
	if (offset >= VREG_CONFIG) {
		uint64_t off = offset - VREG_CONFIG;

		if (off + size <= t->ops->config_size && t->ops->write_config) {
			t->ops->write_config(t->dev, (uint32_t)off, &value, size);
			t->config_generation++;
		}
	} else if (size == 4) {
		write_reg(t, offset, (uint32_t)value);
	} else {
		pr_guest_err("%s: %u-byte write of register 0x%llx (registers are 32-bit)",
			     t->ops->name, size, (unsigned long long)offset);
	}
	pthread_mutex_unlock(&t->lock);
}

const struct io_ops virtio_mmio_io_ops = {
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
	.min_size = 1,
	.max_size = 8,
};
