// SPDX-License-Identifier: MIT
/* virtio_console.c: virtio-console (virtio 1.x, 5.3) with one port, the guest's hvc0, on
 * smolvm's console: transmitted bytes go to stdout, stdin bytes fill receive buffers.
 * Output runs on the notifying vCPU thread; input on the console's input thread. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "log.h"
#include "devmgr.h"
#include "virtio/virtio_dev.h"

#define VIRTIO_ID_CONSOLE 3
#define RX_QUEUE	  0
#define TX_QUEUE	  1

struct virtio_console_config {
	uint16_t cols, rows;
	uint32_t max_nr_ports;
} __attribute__((packed));

struct virtio_console {
	struct virtio_mmio *transport;
	struct console *con;
	struct virtio_console_config config;
	struct virtq_chain rx_chain, tx_chain; /* each used under the transport lock */
	/* Input waits until the guest has written to the console: Linux drops what arrives
	 * before its hvc port is set up, and gives no other sign of being ready. */
	bool guest_wrote;
};

/* Moves buffered console input into the guest's receive buffers while both last. */
static void fill_rx(struct virtio_console *vc)
{
	struct virtio_mmio *t = vc->transport;
	struct virtq *q;

	virtio_mmio_lock(t);
	while (vc->guest_wrote && console_has_input(vc->con) &&
	       (q = virtio_mmio_queue(t, RX_QUEUE))) {
		uint32_t n = 0;
		int got = virtq_pop(q, &vc->rx_chain);
		int c;

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
	}
	virtio_mmio_unlock(t);
}

static void drain_tx(struct virtio_console *vc)
{
	struct virtio_mmio *t = vc->transport;
	struct virtq *q;
	int got;

	virtio_mmio_lock(t);
	while ((q = virtio_mmio_queue(t, TX_QUEUE)) && (got = virtq_pop(q, &vc->tx_chain)) != 0) {
		if (got < 0) {
			virtio_mmio_needs_reset(t, "malformed transmit queue");
			break;
		}
		for (unsigned i = 0; i < vc->tx_chain.nbufs; i++)
			if (!vc->tx_chain.bufs[i].device_writes)
				console_write(vc->con, vc->tx_chain.bufs[i].addr,
					      vc->tx_chain.bufs[i].len);
		virtq_push(q, vc->tx_chain.head, 0);
		virtio_mmio_notify_used(t, TX_QUEUE);
		vc->guest_wrote = true;
	}
	virtio_mmio_unlock(t);
}

static void vconsole_queue_notify(void *dev, unsigned qidx)
{
	if (qidx == TX_QUEUE)
		drain_tx(dev);
	fill_rx(dev);
}

/* DRIVER_OK: the driver filled its receive queue during probe, before it could notify. */
static void vconsole_activate(void *dev)
{
	fill_rx(dev);
	drain_tx(dev);
}

static void vconsole_reset(void *dev)
{
	struct virtio_console *vc = dev;

	vc->guest_wrote = false;
}

static void vconsole_input_ready(void *dev)
{
	fill_rx(dev);
}

static void vconsole_read_config(void *dev, uint32_t offset, void *buf, uint32_t len)
{
	struct virtio_console *vc = dev;

	memcpy(buf, (const uint8_t *)&vc->config + offset, len);
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
	.reset = vconsole_reset,
	.destroy = free,
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
	if (err)
		return err;
	return console_add_input_listener(vc->con, vconsole_input_ready, vc);
}
