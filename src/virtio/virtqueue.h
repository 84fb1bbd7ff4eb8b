/* SPDX-License-Identifier: MIT */
/* virtqueue.h: the device side of a virtio 1.x split virtqueue, safe against any guest.
 * Every ring and buffer address is checked against guest RAM; descriptor chains are bounded
 * (no loops, at most the queue size, indirect tables checked, no nested indirect). A queue
 * the guest corrupted is marked broken and yields nothing more until it is reset. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "util/compiler.h"

#define VIRTQ_MAX_SIZE 1024 /* largest queue size smolvm offers */
#define VIRTQ_MAX_BUFS 1024 /* a chain never has more buffers than this */

/* Descriptor flags (virtio 1.x 2.7.5). */
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4
/* avail->flags / used->flags. */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY	   1

struct virtq {
	const struct guest_mem *mem;
	/* Set by the transport from the driver's configuration. */
	uint16_t size; /* number of descriptors, a power of two <= VIRTQ_MAX_SIZE */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_F_INDIRECT_DESC negotiated */
	/* Device-side state. */
	bool ready;
	bool broken;		/* the guest corrupted the queue: nothing until reset */
	uint16_t last_avail;	/* next avail ring entry to consume */
	uint16_t used_idx;	/* next used ring entry to fill (our copy of used->idx) */
	uint16_t signalled_idx; /* used_idx when the guest was last interrupted */
	bool signalled_valid;
};

/* One guest buffer of a chain, already translated to a host pointer. */
struct virtq_buf {
	uint8_t *addr;
	uint32_t len;
	bool device_writes; /* VIRTQ_DESC_F_WRITE: the device fills it */
};

struct virtq_chain {
	uint16_t head; /* id to hand back with virtq_push() */
	unsigned nbufs;
	uint32_t out_len, in_len; /* total driver-readable / device-writable bytes */
	struct virtq_buf bufs[VIRTQ_MAX_BUFS];
};

/* Checks that the three rings of a queue of q->size lie in guest RAM and are aligned;
 * called when the driver sets QUEUE_READY. Returns 0 or -EINVAL. Resets the indices. */
int __must_check virtq_activate(struct virtq *q);
/* Back to the state after device reset. */
void virtq_reset(struct virtq *q);

/* Takes the next available chain. Returns 1 with @chain filled, 0 if the ring is empty or
 * the queue is not ready, or -EIO if the guest's ring is malformed (the queue is then
 * broken). Every buffer lies wholly inside guest RAM. Readable buffers come before writable
 * ones (else -EIO). Callers pop until 0 before waiting for the next notification: only an
 * empty ring re-arms notifications (avail_event) under EVENT_IDX. */
int __must_check virtq_pop(struct virtq *q, struct virtq_chain *chain);

/* Whether the driver has made chains available that virtq_pop() has not taken. Unlike an
 * empty virtq_pop(), it leaves notifications (avail_event) alone: a device can ask "any
 * more?" before deciding to interrupt, and arm notifications after. */
bool virtq_has_avail(struct virtq *q);

/* Returns a chain to the guest with @written bytes written into its writable buffers.
 * Ignored on a queue that is not ready or broken. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t written);

/* After one or more virtq_push(): whether the guest wants an interrupt now (honours
 * VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with EVENT_IDX). */
bool virtq_should_interrupt(struct virtq *q);

/* Copies @len bytes of the chain's readable part, starting at @offset, to @dst; returns the
 * number of bytes copied. */
uint32_t virtq_chain_read(const struct virtq_chain *chain, uint32_t offset, void *dst,
			  uint32_t len);
/* Copies @len bytes into the chain's writable part at @offset; returns bytes copied. */
uint32_t virtq_chain_write(const struct virtq_chain *chain, uint32_t offset, const void *src,
			   uint32_t len);
