// SPDX-License-Identifier: MIT
/* rng.c: virtio-rng (virtio 1.x, 5.4): fills the guest's buffers from getrandom(). Runs on
 * the notifying vCPU thread: getrandom() with GRND_NONBLOCK never waits. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "log.h"
#include "virtio/virtio_dev.h"

#define VIRTIO_ID_RNG 4

struct virtio_rng {
	struct virtio_mmio *transport;
	struct virtq_chain chain;
};

/* Fills the writable buffers of the chain; returns the bytes written. */
static uint32_t fill_chain(const struct virtq_chain *c)
{
	uint32_t total = 0;

	for (unsigned i = 0; i < c->nbufs; i++) {
		const struct virtq_buf *buf = &c->bufs[i];
		uint32_t done = 0;

		while (buf->device_writes && done < buf->len) {
			ssize_t n = getrandom(buf->addr + done, buf->len - done, GRND_NONBLOCK);

			if (n <= 0)
				return total +
				       done; /* entropy pool not ready: hand back what we have */
			done += (uint32_t)n;
		}
		total += done;
	}
	return total;
}

static void rng_queue_notify(void *dev, unsigned qidx)
{
	struct virtio_rng *r = dev;
	struct virtio_mmio *t = r->transport;
	struct virtq *q;
	int got;

	virtio_mmio_lock(t);
	while ((q = virtio_mmio_queue(t, qidx)) && (got = virtq_pop(q, &r->chain)) != 0) {
		if (got < 0) {
			virtio_mmio_needs_reset(t, "malformed request queue");
			break;
		}
		virtq_push(q, r->chain.head, fill_chain(&r->chain));
		virtio_mmio_notify_used(t, qidx);
	}
	virtio_mmio_unlock(t);
}

/* DRIVER_OK: serve buffers queued before the driver could notify. */
static void rng_activate(void *dev)
{
	rng_queue_notify(dev, 0);
}

static const struct virtio_dev_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.num_queues = 1,
	.queue_max = 64,
	.queue_notify = rng_queue_notify,
	.activate = rng_activate,
	.destroy = free,
};

int virtio_rng_add(struct devmgr *dm)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	return virtio_dev_add(dm, &rng_ops, r, 0, &r->transport, NULL);
}
