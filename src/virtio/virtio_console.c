// SPDX-License-Identifier: MIT
/* virtio_console.c: virtio-console (virtio 1.x, 5.3) with one port, the guest's hvc0, on
 * smolvm's console: transmitted bytes go to stdout, stdin bytes fill receive buffers.
 * Output runs on the notifying vCPU thread (Linux spins until its buffer comes back, so it
 * is served at once), input on the console's input thread; both under the transport lock,
 * so each serves a bounded budget, and the device's worker (virtio_worker.h) goes on with
 * what is left: everything posted is served without another notification. A transmit chain
 * larger than a budget is written out in parts and completed once all of it is out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "log.h"
#include "devmgr.h"
#include "virtio/virtio_dev.h"
#include "virtio/virtio_worker.h"

#define VIRTIO_ID_CONSOLE  3
#define RX_QUEUE	   0
#define TX_QUEUE	   1
#define VCON_BUDGET_BYTES  (64u << 10) /* output per notification (or worker round) */
#define VCON_BUDGET_CHAINS 64	       /* chains per queue per notification (or round) */

struct virtio_console_config {
	uint16_t cols, rows;
	uint32_t max_nr_ports;
} __attribute__((packed));

struct virtio_console {
	struct virtio_mmio *transport;
	struct console *con;
	struct virtio_console_config config;
	/* Under the transport lock: */
	struct virtq_chain rx_chain, tx_chain;
	/* tx_chain is written out up to tx_done of its readable bytes, not yet completed. */
	bool tx_held;
	uint32_t tx_done;
	/* Input waits until the guest has written to the console: Linux drops what arrives
	 * before its hvc port is set up, and gives no other sign of being ready. */
	bool guest_wrote;
	struct virtio_worker worker;
};

/* Moves buffered console input into the guest's receive buffers while both last, up to
 * the budget; returns true if some may be left. */
static bool fill_rx(struct virtio_console *vc)
{
	struct virtio_mmio *t = vc->transport;
	unsigned chains = 0;
	bool more = false;
	struct virtq *q;

	virtio_mmio_lock(t);
	while (vc->guest_wrote && console_has_input(vc->con) &&
	       (q = virtio_mmio_queue(t, RX_QUEUE))) {
		uint32_t n = 0;
		int got, c;

		if (chains == VCON_BUDGET_CHAINS) {
			more = true;
			break;
		}
		got = virtq_pop(q, &vc->rx_chain);
		if (got < 0)
			virtio_mmio_needs_reset(t, "malformed receive queue");
		if (got <= 0)
			break; /* no buffers: the guest's notify on the queue brings us back */
		while (n < vc->rx_chain.in_len && (c = console_read_byte(vc->con)) >= 0) {
			uint8_t byte = (uint8_t)c;

			n += virtq_chain_write(&vc->rx_chain, n, &byte, 1);
		}
		virtq_push(q, vc->rx_chain.head, n);
		virtio_mmio_notify_used(t, RX_QUEUE);
		chains++;
	}
	virtio_mmio_unlock(t);
	return more;
}

/* Writes up to @max more readable bytes of the held transmit chain; returns how many. */
static uint32_t write_out(struct virtio_console *vc, uint32_t max)
{
	const struct virtq_chain *c = &vc->tx_chain;
	uint32_t skip = vc->tx_done, done = 0;

	for (unsigned i = 0; i < c->nbufs && done < max; i++) {
		const struct virtq_buf *buf = &c->bufs[i];
		uint32_t take;

		if (buf->device_writes)
			continue;
		if (skip >= buf->len) {
			skip -= buf->len;
			continue;
		}
		take = MIN(buf->len - skip, max - done);
		console_write(vc->con, buf->addr + skip, take);
		skip = 0;
		done += take;
	}
	vc->tx_done += done;
	return done;
}

/* Writes transmitted chains out in ring order, up to the budget; returns true if some may
 * be left. */
static bool drain_tx(struct virtio_console *vc)
{
	struct virtio_mmio *t = vc->transport;
	uint32_t bytes = 0;
	unsigned chains = 0;
	bool more = false;
	struct virtq *q;

	virtio_mmio_lock(t);
	while ((q = virtio_mmio_queue(t, TX_QUEUE))) {
		if (bytes >= VCON_BUDGET_BYTES || chains == VCON_BUDGET_CHAINS) {
			more = true;
			break;
		}
		if (!vc->tx_held) {
			int got = virtq_pop(q, &vc->tx_chain);

			if (got < 0)
				virtio_mmio_needs_reset(t, "malformed transmit queue");
			if (got <= 0)
				break;
			vc->tx_held = true;
			vc->tx_done = 0;
			chains++;
		}
		bytes += write_out(vc, VCON_BUDGET_BYTES - bytes);
		if (vc->tx_done < vc->tx_chain.out_len) {
			more = true;
			break;
		}
		virtq_push(q, vc->tx_chain.head, 0);
		virtio_mmio_notify_used(t, TX_QUEUE);
		vc->tx_held = false;
		vc->guest_wrote = true;
	}
	virtio_mmio_unlock(t);
	return more;
}

/* One budget of each direction (the worker's round). */
static bool vconsole_serve(void *dev)
{
	bool more = drain_tx(dev);

	return fill_rx(dev) || more;
}

static void vconsole_queue_notify(void *dev, unsigned qidx)
{
	struct virtio_console *vc = dev;
	bool more = qidx == TX_QUEUE && drain_tx(vc);

	if (fill_rx(vc) || more)
		virtio_worker_kick(&vc->worker);
}

/* DRIVER_OK: the driver filled its receive queue during probe, before it could notify. */
static void vconsole_activate(void *dev)
{
	struct virtio_console *vc = dev;

	if (vconsole_serve(vc))
		virtio_worker_kick(&vc->worker);
}

/* QueueReady=0 or reset (transport lock held): a transmit chain partly written is dropped
 * where it is. */
static void vconsole_queue_stop(void *dev, unsigned qidx)
{
	struct virtio_console *vc = dev;

	if (qidx == TX_QUEUE)
		vc->tx_held = false;
}

static void vconsole_reset(void *dev)
{
	struct virtio_console *vc = dev;

	vc->guest_wrote = false;
}

static void vconsole_input_ready(void *dev)
{
	struct virtio_console *vc = dev;

	if (fill_rx(vc))
		virtio_worker_kick(&vc->worker);
}

static void vconsole_read_config(void *dev, uint32_t offset, void *buf, uint32_t len)
{
	struct virtio_console *vc = dev;

	memcpy(buf, (const uint8_t *)&vc->config + offset, len);
}

/* The worker writes to the console: it ends before the console goes. */
static void vconsole_stop(void *dev)
{
	struct virtio_console *vc = dev;

	virtio_worker_stop(&vc->worker);
}

static void vconsole_destroy(void *dev)
{
	struct virtio_console *vc = dev;

	virtio_worker_destroy(&vc->worker);
	free(vc);
}

static const struct virtio_dev_ops vconsole_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.num_queues = 2,
	.queue_max = 64,
	.read_config = vconsole_read_config,
	.config_size = sizeof(struct virtio_console_config),
	.queue_notify = vconsole_queue_notify,
	.activate = vconsole_activate,
	.queue_stop = vconsole_queue_stop,
	.reset = vconsole_reset,
	.stop = vconsole_stop,
	.destroy = vconsole_destroy,
};

int virtio_console_add(struct devmgr *dm)
{
	struct virtio_console *vc = calloc(1, sizeof(*vc));
	int err;

	if (!vc)
		return -ENOMEM;
	vc->con = dm->env.console;
	vc->config.max_nr_ports = 1;
	err = virtio_dev_add(dm, &vconsole_ops, vc, 0, &vc->transport, NULL);
	if (!err)
		err = virtio_worker_start(&vc->worker, vconsole_ops.name, vconsole_serve, vc);
	return err ? err : console_add_input_listener(vc->con, vconsole_input_ready, vc);
}
