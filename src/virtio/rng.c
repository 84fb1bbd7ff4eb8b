// SPDX-License-Identifier: MIT
/* rng.c: virtio-rng (virtio 1.x, 5.4): fills the guest's buffers from getrandom(). Runs on
 * the notifying vCPU thread (getrandom() with GRND_NONBLOCK never waits), under the
 * transport lock, so a notification serves a bounded budget: past it, the device's worker
 * goes on (virtio_worker.h), and every buffer posted is filled without another
 * notification. A chain gets at most RNG_CHAIN_MAX bytes: the device may fill less than a
 * buffer offers (5.4.6.1), and a chain can name all of guest RAM many times over. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "log.h"
#include "virtio/virtio_dev.h"
#include "virtio/virtio_worker.h"

#define VIRTIO_ID_RNG	  4
#define RNG_CHAIN_MAX	  (64u << 10)  /* bytes filled into one chain, at most */
#define RNG_BUDGET_BYTES  (256u << 10) /* per notification (or worker round) */
#define RNG_BUDGET_CHAINS 64

struct virtio_rng {
	struct virtio_mmio *transport;
	struct virtq_chain chain; /* under the transport lock */
	struct virtio_worker worker;
};

/* Fills the writable buffers of the chain, up to @max bytes; returns the bytes written. */
static uint32_t fill_chain(const struct virtq_chain *c, uint32_t max)
{
	uint32_t total = 0;

	for (unsigned i = 0; i < c->nbufs && total < max; i++) {
		const struct virtq_buf *buf = &c->bufs[i];
		uint32_t len = MIN(buf->len, max - total), done = 0;

		while (buf->device_writes && done < len) {
			ssize_t n = getrandom(buf->addr + done, len - done, GRND_NONBLOCK);

			if (n <= 0)
				return total +
				       done; /* entropy pool not ready: hand back what we have */
			done += (uint32_t)n;
		}
		total += done;
	}
	return total;
}

/* Serves chains until the queue is empty or the budget is spent; returns true if some may
 * be left. */
static bool rng_serve(void *dev)
{
	struct virtio_rng *r = dev;
	struct virtio_mmio *t = r->transport;
	uint32_t bytes = 0;
	unsigned chains = 0;
	bool more = false;
	struct virtq *q;

	virtio_mmio_lock(t);
	while ((q = virtio_mmio_queue(t, 0))) {
		uint32_t n;
		int got;

		if (chains == RNG_BUDGET_CHAINS || bytes >= RNG_BUDGET_BYTES) {
			more = true;
			break;
		}
		got = virtq_pop(q, &r->chain);
		if (got < 0)
			virtio_mmio_needs_reset(t, "malformed request queue");
		if (got <= 0)
			break;
		n = fill_chain(&r->chain, RNG_CHAIN_MAX);
		virtq_push(q, r->chain.head, n);
		virtio_mmio_notify_used(t, 0);
		bytes += n;
		chains++;
	}
	virtio_mmio_unlock(t);
	return more;
}

static void rng_queue_notify(void *dev, unsigned qidx)
{
	struct virtio_rng *r = dev;

	(void)qidx;
	if (rng_serve(r))
		virtio_worker_kick(&r->worker);
}

/* DRIVER_OK: serve buffers queued before the driver could notify. */
static void rng_activate(void *dev)
{
	rng_queue_notify(dev, 0);
}

static void rng_destroy(void *dev)
{
	struct virtio_rng *r = dev;

	virtio_worker_destroy(&r->worker);
	free(r);
}

static const struct virtio_dev_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.num_queues = 1,
	.queue_max = 64,
	.queue_notify = rng_queue_notify,
	.activate = rng_activate,
	.destroy = rng_destroy,
};

int virtio_rng_add(struct devmgr *dm)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	err = virtio_dev_add(dm, &rng_ops, r, 0, &r->transport, NULL);
	return err ? err : virtio_worker_start(&r->worker, rng_ops.name, rng_serve, r);
}
