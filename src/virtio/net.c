// SPDX-License-Identifier: MIT
/* net.c: virtio-net (virtio 1.x, 5.1) on a backend (net_backend.h: a tap interface, or a
 * datagram socket). One worker thread moves frames both ways: transmit chains are handed
 * to the backend as they are, received frames are read straight into the guest's receive
 * buffers. The backend speaks the guest's own 12-byte virtio_net_hdr, so checksum and TSO
 * offloads pass through: it is told to hand us only what the driver negotiated, and every
 * received header is checked against the negotiated features again before the guest sees
 * it.
 *
 * Receive buffers: with mergeable buffers (VIRTIO_NET_F_MRG_RXBUF, which Linux prefers: it
 * then posts page-sized buffers instead of allocating 64 KiB chains of pages for every
 * frame, 5.1.6.3.1) a frame spans as many chains as it needs. The worker holds chains
 * enough for the largest frame before it reads one, so frames go straight into the guest's
 * buffers; when the guest is short of buffers, what does not fit waits in a bounce buffer
 * until it posts more (the backend is not read meanwhile). Without them, each frame takes one
 * chain, and a frame larger than it is dropped.
 *
 * Locks: the transport lock around pop/push and the header write (as blk.c); the device's
 * io_lock around the backend reads and writes that touch guest buffers, which a reset or
 * QueueReady=0 also takes, so once the driver has read either back no buffer of that queue is
 * written again. The worker
 * never holds io_lock while taking the transport lock. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "devmgr.h"
#include "virtio/net_backend.h"
#include "virtio/virtio_dev.h"

#define VIRTIO_ID_NET 1

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_CSUM	0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_MRG_RXBUF	15
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_HOST_TSO4	11
#define VIRTIO_NET_F_HOST_TSO6	12
#define VIRTIO_NET_F_STATUS	16

#define VIRTIO_NET_S_LINK_UP 1

/* virtio_net_hdr (5.1.6): flags and gso_type values. */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_GSO_NONE	    0
#define VIRTIO_NET_HDR_GSO_TCPV4    1
#define VIRTIO_NET_HDR_GSO_TCPV6    4
#define NET_RXQ			    0
#define NET_TXQ			    1
#define NET_QUEUE_SIZE		    256
#define NET_BUDGET		    64 /* frames per queue before looking at the other one */
#define NET_MAX_IOV		    IOV_MAX
/* The largest frame a backend hands over: 64 KiB of TCP segments offloaded (TSO), a VLAN
 * tag, the Ethernet header. */
#define NET_RX_FRAME_MAX 65553u
/* With mergeable buffers, the receive chains held before a frame is read: enough room for
 * any frame, so that frames go straight into the guest's buffers. */
#define NET_RX_WANT (VNET_HDR_LEN + NET_RX_FRAME_MAX)
/* What the chains held cannot take, when the guest is short of buffers, waits here. */
#define NET_RX_BOUNCE	(68u << 10)
#define NET_RX_MAX_BUFS (NET_MAX_IOV - 3) /* and the header, bounce and overflow iovecs */

struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers; /* always present with VERSION_1 */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr is 12 bytes");
#define VNET_HDR_LEN ((uint32_t)sizeof(struct virtio_net_hdr))

struct virtio_net_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
} __attribute__((packed));

/* A receive chain taken from the ring (worker only): its writable buffers are
 * rx_bufs[first, first + nbufs). */
struct rx_slot {
	uint16_t head;
	unsigned first, nbufs;
	uint32_t room; /* bytes it can take */
	uint32_t used; /* bytes of the frame being placed in it */
};

struct virtio_net {
	struct virtio_mmio *transport;
	struct net_backend *backend;
	int rx_notify_fd, tx_notify_fd; /* guest notifications of queue 0 and 1 */
	int stop_fd;			/* tells the worker to end */
	pthread_t worker;
	bool worker_started;
	struct virtio_net_config config;
	/* Per queue (NET_RXQ, NET_TXQ): bumped when the queue stops (reset, QueueReady=0),
	 * under both the transport lock and io_lock: a chain popped in an older generation
	 * is never written or pushed. */
	unsigned generation[2];
	pthread_mutex_t io_lock;
	/* Worker-only. */
	struct virtq_chain rx_chain, tx_chain; /* the chain being popped or sent */
	bool backend_gone;
	/* Receive chains taken from the ring and not yet used, in ring order, all of
	 * generation rx_gen, and their writable buffers. */
	struct rx_slot rx_slots[NET_QUEUE_SIZE];
	struct iovec rx_bufs[NET_RX_MAX_BUFS];
	unsigned rx_nslots, rx_nbufs, rx_gen;
	uint32_t rx_room;  /* bytes in the chains held */
	bool rx_mergeable; /* VIRTIO_NET_F_MRG_RXBUF negotiated */
	/* A frame larger than the chains held when it was read (mergeable buffers only): the
	 * first rx_pend_slots chains hold its start, the rest (rx_pend_len bytes at
	 * rx_pend_off) waits in rx_bounce for more. */
	bool rx_pending;
	struct virtio_net_hdr rx_pend_hdr;
	unsigned rx_pend_slots;
	uint32_t rx_pend_off, rx_pend_len;
	uint8_t *rx_bounce; /* NET_RX_BOUNCE bytes */
	/* Counts for --log-level debug. */
	uint64_t rx_frames, tx_frames, rx_gso, tx_gso, rx_dropped, tx_dropped;
	struct iovec iov[NET_MAX_IOV];
};

static void drain(int fd)
{
	uint64_t count;

	if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		pr_debug("virtio-net: eventfd read: %s", strerror(errno));
}

/* The transmitq: every available chain is one frame (header first) for the backend. */
static void transmit(struct virtio_net *n, unsigned gen)
{
	const struct virtq_chain *c = &n->tx_chain;
	uint8_t gso;
	int niov = 0;
	ssize_t done;

	if (c->out_len < VNET_HDR_LEN) {
		pr_guest_err("virtio-net: %u-byte transmit buffer, shorter than its header",
			     c->out_len);
		n->tx_dropped++;
		return;
	}
	for (unsigned i = 0; i < c->nbufs && niov < NET_MAX_IOV; i++)
		if (!c->bufs[i].device_writes)
			n->iov[niov++] = (struct iovec){c->bufs[i].addr, c->bufs[i].len};
	pthread_mutex_lock(&n->io_lock);
	if (gen != n->generation[NET_TXQ] || n->backend_gone) {
		pthread_mutex_unlock(&n->io_lock);
		n->tx_dropped++;
		return;
	}
	do
		done = n->backend->ops->send(n->backend, n->iov, niov);
	while (done == -EINTR);
	pthread_mutex_unlock(&n->io_lock);
	if (done < 0) {
		/* A frame the backend refuses (bad GSO header, interface down) is lost, as on a
		 * wire. */
		if (done == -EINVAL)
			pr_guest_err("virtio-net: %s refused a %u-byte frame", n->backend->name,
				     c->out_len - VNET_HDR_LEN);
		else
			pr_debug("virtio-net: write to %s: %s", n->backend->name,
				 strerror((int)-done));
		n->tx_dropped++;
		return;
	}
	n->tx_frames++;
	if (virtq_chain_read(c, 1, &gso, 1) == 1 && gso != VIRTIO_NET_HDR_GSO_NONE)
		n->tx_gso++;
}

/* Sends up to NET_BUDGET frames; returns true if more may be waiting. */
static bool process_tx(struct virtio_net *n)
{
	struct virtio_mmio *t = n->transport;
	unsigned done;

	for (done = 0; done < NET_BUDGET; done++) {
		struct virtq *q;
		unsigned gen;
		int r;

		virtio_mmio_lock(t);
		q = virtio_mmio_queue(t, NET_TXQ);
		r = q ? virtq_pop(q, &n->tx_chain) : 0;
		if (r < 0)
			virtio_mmio_needs_reset(t, "malformed transmit queue");
		gen = n->generation[NET_TXQ];
		virtio_mmio_unlock(t);
		if (r <= 0)
			break;
		transmit(n, gen);
		virtio_mmio_lock(t);
		q = virtio_mmio_queue(t, NET_TXQ);
		if (q && gen == n->generation[NET_TXQ])
			virtq_push(q, n->tx_chain.head, 0);
		virtio_mmio_unlock(t);
	}
	if (done) {
		virtio_mmio_lock(t);
		if (virtio_mmio_queue(t, NET_TXQ))
			virtio_mmio_notify_used(t, NET_TXQ);
		virtio_mmio_unlock(t);
	}
	return done == NET_BUDGET;
}

/* Whether the driver may be handed a frame with header @h; clears what it did not ask for.
 * Transport lock held. The backend was told the same features, but frames it queued before
 * the driver (re)negotiated may still carry older offloads. */
static bool rx_header_acceptable(struct virtio_net *n, struct virtio_net_hdr *h)
{
	struct virtio_mmio *t = n->transport;
	uint8_t gso = h->gso_type;

	if (!virtio_mmio_has_feature(t, VIRTIO_NET_F_GUEST_CSUM)) {
		if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			return false;
		h->flags = 0; /* 5.1.6.4.1: flags are zero without GUEST_CSUM */
	}
	if (gso != VIRTIO_NET_HDR_GSO_NONE &&
	    !(gso == VIRTIO_NET_HDR_GSO_TCPV4 &&
	      virtio_mmio_has_feature(t, VIRTIO_NET_F_GUEST_TSO4)) &&
	    !(gso == VIRTIO_NET_HDR_GSO_TCPV6 &&
	      virtio_mmio_has_feature(t, VIRTIO_NET_F_GUEST_TSO6)))
		return false;
	return true;
}

enum rx_result {
	RX_EMPTY,     /* nothing in the backend */
	RX_DELIVERED, /* one frame in the guest's buffers */
	RX_DROPPED,   /* one frame read and dropped; the chains are still held */
	RX_STALE,     /* the chains belonged to the driver before a reset (rx_take forgets) */
	RX_RETURNED,  /* a chain was unusable and went back to the guest empty */
	RX_STARVED,   /* a frame waits for more receive buffers */
};

/* Forgets every receive chain held and the frame waiting for more (worker only): after a
 * reset they belong to a driver that is gone. */
static void rx_forget(struct virtio_net *n)
{
	n->rx_nslots = n->rx_nbufs = 0;
	n->rx_room = 0;
	n->rx_pending = false;
}

/* Holds the chain just popped into n->rx_chain: its writable buffers join rx_bufs, as many
 * as fit (a chain of more buffers than that is legal but absurd; it just offers less room). */
static void rx_hold(struct virtio_net *n)
{
	const struct virtq_chain *c = &n->rx_chain;
	struct rx_slot *s = &n->rx_slots[n->rx_nslots++];

	*s = (struct rx_slot){.head = c->head, .first = n->rx_nbufs};
	for (unsigned i = 0; i < c->nbufs && n->rx_nbufs < NET_RX_MAX_BUFS; i++) {
		if (!c->bufs[i].device_writes)
			continue;
		n->rx_bufs[n->rx_nbufs++] = (struct iovec){c->bufs[i].addr, c->bufs[i].len};
		s->nbufs++;
		s->room += c->bufs[i].len;
	}
	n->rx_room += s->room;
}

/* Takes receive chains from the ring until those held offer @want bytes (mergeable
 * buffers) or one is held (not): a frame read from the backend must fit, and its size is known
 * only once it is read. Returns false if none is held after all. */
static bool rx_take(struct virtio_net *n, uint32_t want)
{
	struct virtio_mmio *t = n->transport;
	struct virtq *q;

	virtio_mmio_lock(t);
	if (n->rx_gen != n->generation[NET_RXQ]) {
		rx_forget(n);
		n->rx_gen = n->generation[NET_RXQ];
	}
	n->rx_mergeable = virtio_mmio_has_feature(t, VIRTIO_NET_F_MRG_RXBUF);
	q = virtio_mmio_queue(t, NET_RXQ);
	if (!q) /* not live: only a reset brings it back, and it takes back every chain */
		rx_forget(n);
	while (q && n->rx_nslots < (n->rx_mergeable ? NET_QUEUE_SIZE : 1u) && n->rx_room < want &&
	       n->rx_nbufs < NET_RX_MAX_BUFS) {
		int r = virtq_pop(q, &n->rx_chain);

		if (r < 0)
			virtio_mmio_needs_reset(t, "malformed receive queue");
		if (r <= 0)
			break;
		rx_hold(n);
	}
	virtio_mmio_unlock(t);
	return n->rx_nslots > 0;
}

/* Drops the first @count held chains (used or returned). */
static void rx_release(struct virtio_net *n, unsigned count)
{
	unsigned nbufs = 0;

	for (unsigned i = 0; i < count; i++) {
		nbufs += n->rx_slots[i].nbufs;
		n->rx_room -= n->rx_slots[i].room;
	}
	n->rx_nslots -= count;
	n->rx_nbufs -= nbufs;
	memmove(n->rx_slots, n->rx_slots + count, n->rx_nslots * sizeof(n->rx_slots[0]));
	memmove(n->rx_bufs, n->rx_bufs + nbufs, n->rx_nbufs * sizeof(n->rx_bufs[0]));
	for (unsigned i = 0; i < n->rx_nslots; i++)
		n->rx_slots[i].first -= nbufs;
}

/* Copies @len bytes from @src into held chain @s at @offset; returns bytes copied. */
static uint32_t rx_slot_write(struct virtio_net *n, const struct rx_slot *s, uint32_t offset,
			      const void *src, uint32_t len)
{
	uint32_t done = 0;

	for (unsigned i = 0; i < s->nbufs && done < len; i++) {
		const struct iovec *b = &n->rx_bufs[s->first + i];
		uint32_t take;

		if (offset >= b->iov_len) {
			offset -= (uint32_t)b->iov_len;
			continue;
		}
		take = MIN((uint32_t)b->iov_len - offset, len - done);
		memcpy((uint8_t *)b->iov_base + offset, (const uint8_t *)src + done, take);
		done += take;
		offset = 0;
	}
	return done;
}

/* Hands the frame in the first @count held chains (their .used bytes) to the guest, header
 * @hdr first; RX_DROPPED if the header is one the driver did not ask for (the chains stay
 * held), RX_STALE if a reset came first. */
static enum rx_result rx_deliver(struct virtio_net *n, struct virtio_net_hdr *hdr, unsigned count)
{
	struct virtio_mmio *t = n->transport;
	struct virtq *q;

	virtio_mmio_lock(t);
	q = virtio_mmio_queue(t, NET_RXQ);
	if (!q || n->rx_gen != n->generation[NET_RXQ]) {
		virtio_mmio_unlock(t);
		return RX_STALE;
	}
	if (!rx_header_acceptable(n, hdr)) {
		virtio_mmio_unlock(t);
		n->rx_dropped++;
		return RX_DROPPED;
	}
	hdr->num_buffers = htole16((uint16_t)count);
	rx_slot_write(n, &n->rx_slots[0], 0, hdr, sizeof(*hdr));
	for (unsigned i = 0; i < count; i++)
		virtq_push(q, n->rx_slots[i].head, n->rx_slots[i].used);
	virtio_mmio_unlock(t);
	rx_release(n, count);
	n->rx_frames++;
	n->rx_gso += hdr->gso_type != VIRTIO_NET_HDR_GSO_NONE;
	return RX_DELIVERED;
}

/* The first held chain has no room for a header: back to the guest, empty. */
static enum rx_result rx_return_first(struct virtio_net *n)
{
	struct virtio_mmio *t = n->transport;
	struct virtq *q;

	pr_guest_err("virtio-net: %u-byte receive buffer, shorter than its header",
		     n->rx_slots[0].room);
	virtio_mmio_lock(t);
	q = virtio_mmio_queue(t, NET_RXQ);
	if (q && n->rx_gen == n->generation[NET_RXQ])
		virtq_push(q, n->rx_slots[0].head, 0);
	virtio_mmio_unlock(t);
	rx_release(n, 1);
	n->rx_dropped++;
	return RX_RETURNED;
}

/* The iovecs for the next frame: the header into @hdr (checked before the guest sees it),
 * the frame straight into the held chains' buffers after the header's place (only the
 * first chain without mergeable buffers), then the bounce buffer (mergeable: for what the
 * chains held cannot take) and one byte: a frame that reaches it did not fit. (Backends
 * truncate silently; some kernels' taps return the full length, some the length copied.) */
static int rx_iov(struct virtio_net *n, struct virtio_net_hdr *hdr, uint8_t *overflow)
{
	struct iovec *iov = n->iov; /* (a local: GCC 12 -fsanitize misreads n->iov) */
	unsigned nbufs = n->rx_mergeable ? n->rx_nbufs : n->rx_slots[0].nbufs;
	uint32_t skip = VNET_HDR_LEN;
	int niov = 0;

	iov[niov++] = (struct iovec){hdr, sizeof(*hdr)};
	for (unsigned i = 0; i < nbufs; i++) {
		const struct iovec *b = &n->rx_bufs[i];

		if (skip >= b->iov_len) {
			skip -= (uint32_t)b->iov_len;
			continue;
		}
		iov[niov++] = (struct iovec){(uint8_t *)b->iov_base + skip, b->iov_len - skip};
		skip = 0;
	}
	if (n->rx_mergeable)
		iov[niov++] = (struct iovec){n->rx_bounce, NET_RX_BOUNCE};
	iov[niov++] = (struct iovec){overflow, 1};
	return niov;
}

/* Spreads a frame of @got bytes (header included) over the held chains' .used; returns how
 * many chains it takes, and leaves what they cannot take in the bounce buffer as the
 * frame waiting for more (mergeable buffers only). */
static unsigned rx_place(struct virtio_net *n, const struct virtio_net_hdr *hdr, uint32_t got)
{
	uint32_t left = got;
	unsigned count = 0;

	for (; count < n->rx_nslots && left; count++) {
		struct rx_slot *s = &n->rx_slots[count];

		s->used = MIN(s->room, left);
		left -= s->used;
	}
	if (left) {
		n->rx_pending = true;
		n->rx_pend_hdr = *hdr;
		n->rx_pend_slots = count;
		n->rx_pend_off = 0;
		n->rx_pend_len = left;
	}
	return count;
}

/* Reads one frame from the backend into the held receive chains. */
static enum rx_result receive(struct virtio_net *n)
{
	struct virtio_net_hdr hdr;
	uint8_t overflow;
	uint32_t room = n->rx_mergeable ? n->rx_room + NET_RX_BOUNCE : n->rx_slots[0].room;
	unsigned count;
	ssize_t got;
	int niov;

	if (n->rx_slots[0].room < VNET_HDR_LEN)
		return rx_return_first(n);
	niov = rx_iov(n, &hdr, &overflow);
	pthread_mutex_lock(&n->io_lock);
	if (n->rx_gen != n->generation[NET_RXQ]) {
		pthread_mutex_unlock(&n->io_lock);
		return RX_STALE;
	}
	do
		got = n->backend->ops->recv(n->backend, n->iov, niov);
	while (got == -EINTR);
	pthread_mutex_unlock(&n->io_lock);
	if (got < 0) {
		int err = (int)-got;

		if (err == EAGAIN)
			return RX_EMPTY;
		/* EINVAL: a frame the backend could not describe in a header; it is consumed. */
		pr_debug("virtio-net: read from %s: %s", n->backend->name, strerror(err));
		n->rx_dropped++;
		return err == EINVAL ? RX_DROPPED : RX_EMPTY;
	}
	if ((size_t)got < sizeof(hdr) || (size_t)got > room) {
		pr_debug("virtio-net: dropped a frame larger than the %u bytes of receive buffers",
			 room);
		n->rx_dropped++;
		return RX_DROPPED;
	}
	count = rx_place(n, &hdr, (uint32_t)got);
	return n->rx_pending ? RX_STARVED : rx_deliver(n, &hdr, count);
}

/* Moves the rest of the waiting frame from the bounce buffer into the chains taken since
 * it was read; delivers it once it is all in. */
static enum rx_result rx_continue(struct virtio_net *n)
{
	unsigned i = n->rx_pend_slots;

	rx_take(n, n->rx_room + n->rx_pend_len);
	if (!n->rx_pending) /* a reset: rx_take forgot it */
		return RX_STALE;
	pthread_mutex_lock(&n->io_lock);
	if (n->rx_gen != n->generation[NET_RXQ]) {
		pthread_mutex_unlock(&n->io_lock);
		return RX_STALE;
	}
	for (; i < n->rx_nslots && n->rx_pend_len; i++) {
		struct rx_slot *s = &n->rx_slots[i];

		s->used = rx_slot_write(n, s, 0, n->rx_bounce + n->rx_pend_off,
					MIN(s->room, n->rx_pend_len));
		n->rx_pend_off += s->used;
		n->rx_pend_len -= s->used;
	}
	pthread_mutex_unlock(&n->io_lock);
	n->rx_pend_slots = i;
	n->rx_pending = n->rx_pend_len != 0;
	if (!n->rx_pending)
		return rx_deliver(n, &n->rx_pend_hdr, i);
	/* The guest's chains are too many and too small to ever take it. */
	if (n->rx_nslots == NET_QUEUE_SIZE || n->rx_nbufs == NET_RX_MAX_BUFS) {
		pr_debug("virtio-net: dropped a frame larger than the receive buffers can hold");
		n->rx_pending = false;
		n->rx_dropped++;
		return RX_DROPPED;
	}
	return RX_STARVED;
}

/* Moves up to NET_BUDGET frames from the backend to the guest. Returns true if more may be
 * waiting; sets *@starved when the guest has no receive buffer left (the backend then keeps
 * its frames until the driver adds buffers and notifies). */
static bool process_rx(struct virtio_net *n, bool *starved)
{
	struct virtio_mmio *t = n->transport;
	unsigned delivered = 0, tries;
	bool more = false;

	for (tries = 0; tries < 2 * NET_BUDGET; tries++) {
		enum rx_result res;

		if (n->rx_pending) {
			res = rx_continue(n);
		} else if (!rx_take(n, NET_RX_WANT)) {
			res = RX_STARVED;
		} else {
			res = receive(n);
		}
		if (res == RX_STARVED)
			*starved = true;
		if (res == RX_EMPTY || res == RX_STARVED)
			break;
		if ((res == RX_DELIVERED || res == RX_RETURNED) && ++delivered == NET_BUDGET) {
			more = true;
			break;
		}
	}
	if (tries == 2 * NET_BUDGET)
		more = true;
	if (delivered) {
		virtio_mmio_lock(t);
		if (virtio_mmio_queue(t, NET_RXQ))
			virtio_mmio_notify_used(t, NET_RXQ);
		virtio_mmio_unlock(t);
	}
	return more;
}

static void *net_worker(void *arg)
{
	struct virtio_net *n = arg;
	bool rx_starved = false, rx_more = false, tx_more = false;

	for (;;) {
		/* The backend is watched only while there are receive buffers to fill. */
		struct pollfd fds[4] = {
			{n->stop_fd, POLLIN, 0},
			{n->rx_notify_fd, POLLIN, 0},
			{n->tx_notify_fd, POLLIN, 0},
			{rx_starved || n->backend_gone ? -1 : n->backend->fd, POLLIN, 0},
		};
		bool rx_kick, tx_kick, rx_again = rx_more;

		if (poll(fds, 4, rx_more || tx_more ? 0 : -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("virtio-net: poll: %s", strerror(errno));
			return NULL;
		}
		if (fds[0].revents)
			return NULL;
		rx_kick = fds[1].revents;
		tx_kick = fds[2].revents;
		if (rx_kick) {
			drain(n->rx_notify_fd);
			rx_starved = false;
		}
		if (tx_kick)
			drain(n->tx_notify_fd);
		if (fds[3].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			pr_warn("virtio-net: %s went away; the guest's network is down",
				n->backend->name);
			n->backend_gone = true;
		}
		if (tx_kick || tx_more)
			tx_more = process_tx(n);
		rx_more = false;
		if (!rx_starved && !n->backend_gone && (rx_kick || rx_again || fds[3].revents))
			rx_more = process_rx(n, &rx_starved);
	}
}

static void net_queue_notify(void *dev, unsigned qidx)
{
	struct virtio_net *n = dev;

	virtio_dev_kick(qidx == NET_RXQ ? n->rx_notify_fd : n->tx_notify_fd);
}

static void net_read_config(void *dev, uint32_t offset, void *buf, uint32_t len)
{
	struct virtio_net *n = dev;

	memcpy(buf, (const uint8_t *)&n->config + offset, len);
}

/* DRIVER_OK: the backend may now hand us the offloads the driver accepted. Transport lock
 * held (vCPU thread). */
static void net_activate(void *dev)
{
	struct virtio_net *n = dev;
	struct virtio_mmio *t = n->transport;
	unsigned offload = 0;

	if (virtio_mmio_has_feature(t, VIRTIO_NET_F_GUEST_CSUM)) {
		offload |= NET_OFFLOAD_CSUM;
		if (virtio_mmio_has_feature(t, VIRTIO_NET_F_GUEST_TSO4))
			offload |= NET_OFFLOAD_TSO4;
		if (virtio_mmio_has_feature(t, VIRTIO_NET_F_GUEST_TSO6))
			offload |= NET_OFFLOAD_TSO6;
	}
	if (n->backend->ops->set_offloads)
		n->backend->ops->set_offloads(n->backend, offload);
	/* The worker looks at both queues: buffers may have come before the driver could
	 * notify. */
	virtio_dev_kick(n->rx_notify_fd);
	virtio_dev_kick(n->tx_notify_fd);
}

/* The driver reset the device or cleared QueueReady: chains popped from queue @qidx before
 * (receive chains held, a frame waiting for more) are forgotten, and once this returns no
 * readv()/writev() touches their buffers. Transport lock held. */
static void net_queue_stop(void *dev, unsigned qidx)
{
	struct virtio_net *n = dev;

	pthread_mutex_lock(&n->io_lock);
	n->generation[qidx]++;
	pthread_mutex_unlock(&n->io_lock);
}

static void net_destroy(void *priv)
{
	struct virtio_net *n = priv;

	if (n->worker_started) {
		virtio_dev_kick(n->stop_fd);
		pthread_join(n->worker, NULL);
		pr_debug("virtio-net: %s: frames received %llu (TSO %llu), sent %llu "
			 "(TSO %llu), dropped %llu and %llu",
			 n->backend->name, (unsigned long long)n->rx_frames,
			 (unsigned long long)n->rx_gso, (unsigned long long)n->tx_frames,
			 (unsigned long long)n->tx_gso, (unsigned long long)n->rx_dropped,
			 (unsigned long long)n->tx_dropped);
	}
	if (n->backend)
		n->backend->ops->destroy(n->backend);
	if (n->rx_notify_fd >= 0)
		close(n->rx_notify_fd);
	if (n->tx_notify_fd >= 0)
		close(n->tx_notify_fd);
	if (n->stop_fd >= 0)
		close(n->stop_fd);
	pthread_mutex_destroy(&n->io_lock);
	free(n->rx_bounce);
	free(n);
}

static const struct virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.num_queues = 2,
	.queue_max = NET_QUEUE_SIZE,
	.read_config = net_read_config,
	.config_size = sizeof(struct virtio_net_config),
	.queue_notify = net_queue_notify,
	.activate = net_activate,
	.queue_stop = net_queue_stop,
	.destroy = net_destroy,
};

/* 52:54:00 plus three bytes of an FNV-1a hash of the backend's id (the tap name): locally
 * administered, unicast, the same for the same tap on every run. */
static void generate_mac(const char *id, uint8_t mac[6])
{
	uint32_t h = 2166136261u;

	for (const char *p = id; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

int virtio_net_add_backend(struct devmgr *dm, struct net_backend *nb, const uint8_t *mac)
{
	uint64_t features = (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
			    (1ull << VIRTIO_NET_F_MRG_RXBUF) | (1ull << VIRTIO_NET_F_CSUM) |
			    (1ull << VIRTIO_NET_F_GUEST_CSUM) | (1ull << VIRTIO_NET_F_GUEST_TSO4) |
			    (1ull << VIRTIO_NET_F_GUEST_TSO6) | (1ull << VIRTIO_NET_F_HOST_TSO4) |
			    (1ull << VIRTIO_NET_F_HOST_TSO6);
	struct virtio_net *n = calloc(1, sizeof(*n));
	struct device *dev;
	int err;

	if (!n) {
		nb->ops->destroy(nb);
		return -ENOMEM;
	}
	n->backend = nb;
	n->rx_notify_fd = n->tx_notify_fd = -1;
	pthread_mutex_init(&n->io_lock, NULL);
	n->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	n->rx_bounce = malloc(NET_RX_BOUNCE);
	if (n->stop_fd < 0 || !n->rx_bounce) {
		err = n->stop_fd < 0 ? -errno : -ENOMEM;
		net_destroy(n);
		return err;
	}
	if (mac)
		memcpy(n->config.mac, mac, 6);
	else
		generate_mac(nb->id, n->config.mac);
	n->config.status = htole16(VIRTIO_NET_S_LINK_UP);
	n->config.max_virtqueue_pairs = htole16(1);
	err = virtio_dev_add(dm, &net_ops, n, features, &n->transport, &dev);
	if (err)
		return err;
	n->rx_notify_fd = virtio_dev_notify_fd(dm, dev, NET_RXQ);
	if (n->rx_notify_fd < 0)
		return n->rx_notify_fd;
	n->tx_notify_fd = virtio_dev_notify_fd(dm, dev, NET_TXQ);
	if (n->tx_notify_fd < 0)
		return n->tx_notify_fd;
	err = pthread_create(&n->worker, NULL, net_worker, n);
	if (err) {
		pr_err("cannot start the virtio-net thread for %s: %s", nb->name, strerror(err));
		return -err;
	}
	n->worker_started = true;
	return 0;
}

int virtio_net_add(struct devmgr *dm, const char *tap, const uint8_t *mac)
{
	struct net_backend *nb;
	bool input_error;
	int err = net_tap_open(tap, &nb, &input_error);

	if (err) {
		dm->input_error = input_error;
		return err;
	}
	return virtio_net_add_backend(dm, nb, mac);
}
