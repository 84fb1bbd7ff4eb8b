/* SPDX-License-Identifier: MIT */
/* virtio_mmio.h: the virtio-mmio transport (virtio 1.x, MMIO version 2), independent of the
 * device behind it. Region: 0x200 bytes (registers, then config space at 0x100). IRQ: one
 * level-triggered line, high while InterruptStatus is non-zero. Device models implement
 * struct virtio_dev_ops and never see the register file. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "guest_mem.h"
#include "util/compiler.h"
#include "virtio/virtqueue.h"

#define VIRTIO_MMIO_SIZE       0x200
#define VIRTIO_MMIO_MAX_QUEUES 8

/* Feature bits (virtio 1.x section 6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED	  128

/* InterruptStatus bits. */
#define VIRTIO_INT_USED	  1
#define VIRTIO_INT_CONFIG 2

struct virtio_mmio;

struct virtio_dev_ops {
	const char *name;    /* "virtio-blk", for messages */
	uint32_t device_id;  /* virtio device type: 1 net, 2 blk, 3 console, 4 rng */
	unsigned num_queues; /* <= VIRTIO_MMIO_MAX_QUEUES */
	uint16_t queue_max;  /* largest queue size offered (power of two) */
	/* Copies @len bytes of device config space at @offset (bounds already checked). */
	void (*read_config)(void *dev, uint32_t offset, void *buf, uint32_t len);
	/* Optional: a driver write to config space. */
	void (*write_config)(void *dev, uint32_t offset, const void *buf, uint32_t len);
	uint32_t config_size;
	/* The driver notified queue @qidx (vCPU thread; must not block for long). */
	void (*queue_notify)(void *dev, unsigned qidx);
	/* DRIVER_OK was set: queues are configured; start work. Optional. */
	void (*activate)(void *dev);
	/* Queue @qidx stops: the driver cleared QueueReady, or reset the device (then for
	 * every queue, before reset). Once this returns the device touches no chain it took
	 * from the queue: no guest-memory write, no completion. It waits for its own I/O in
	 * flight on them and drops the rest. Transport lock held (vCPU thread): it may wait,
	 * but for nothing that needs this lock. Optional. */
	void (*queue_stop)(void *dev, unsigned qidx);
	/* The driver reset the device: drop device state (the queues are stopped already).
	 * Called with the transport lock held, so it must not call back into the transport. */
	void (*reset)(void *dev);
	/* Ends the model's threads (idempotent), before the console goes; the model stays
	 * callable. Optional: destroy must stop them anyway. */
	void (*stop)(void *dev);
	/* Frees the model (stopping its threads) before its transport goes. Optional. */
	void (*destroy)(void *dev);
};

/* Creates a transport for device @dev with @features (device-specific feature bits; the
 * transport adds VERSION_1, EVENT_IDX and INDIRECT_DESC). @set_irq raises/lowers the
 * device's interrupt line. */
struct virtio_mmio *virtio_mmio_create(const struct virtio_dev_ops *ops, void *dev,
				       uint64_t features, const struct guest_mem *mem,
				       void (*set_irq)(void *ctx, bool level), void *irq_ctx);
void virtio_mmio_destroy(struct virtio_mmio *t);

/* Bus callbacks (opaque = struct virtio_mmio *). */
extern const struct io_ops virtio_mmio_io_ops;

/* For device models: */
/* The queue's state lock: hold it around virtq_pop/virtq_push on queues of this device
 * (the transport takes it for queue setup and reset). */
void virtio_mmio_lock(struct virtio_mmio *t);
void virtio_mmio_unlock(struct virtio_mmio *t);
/* Queue @qidx, or NULL if it is not ready (or the device is not DRIVER_OK / is broken). */
struct virtq *virtio_mmio_queue(struct virtio_mmio *t, unsigned qidx);
/* Whether InterruptStatus is non-zero (the line should be high). Takes the lock. */
bool virtio_mmio_irq_pending(struct virtio_mmio *t);
/* Whether the driver accepted feature @bit. */
bool virtio_mmio_has_feature(struct virtio_mmio *t, unsigned bit);
/* After pushing used buffers on @qidx: interrupt the guest if it wants one. Lock held. */
void virtio_mmio_notify_used(struct virtio_mmio *t, unsigned qidx);
/* The guest broke a queue: DEVICE_NEEDS_RESET, a config interrupt, one log line. Lock
 * held. */
void virtio_mmio_needs_reset(struct virtio_mmio *t, const char *why);
