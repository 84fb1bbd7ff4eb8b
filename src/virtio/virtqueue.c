// SPDX-License-Identifier: MIT
/* virtqueue.c: the device side of a virtio 1.x split virtqueue (virtio 1.2, 2.7).
 *
 * The guest owns every byte this file reads, and may change any of them at any moment from
 * another vCPU. So: every guest address goes through guest_mem_ptr(); every guest value is
 * read exactly once into a local (descriptors are copied whole before they are looked at)
 * and checked there; chains are bounded by a counter, not by trusting the guest's links. */
#include "virtio/virtqueue.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "log.h"

/* Guest-visible layout (2.7.5, 2.7.6, 2.7.8); all little-endian. */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc is 16 bytes");

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* [size], then le16 used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* [size], then le16 avail_event */
};

/* Ring sizes in bytes, including the trailing event fields. */
static uint64_t desc_bytes(uint16_t size)
{
	return (uint64_t)size * sizeof(struct virtq_desc);
}

static uint64_t avail_bytes(uint16_t size)
{
	return sizeof(struct virtq_avail) + (uint64_t)size * sizeof(uint16_t) + sizeof(uint16_t);
}

static uint64_t used_bytes(uint16_t size)
{
	return sizeof(struct virtq_used) + (uint64_t)size * sizeof(struct virtq_used_elem) +
	       sizeof(uint16_t);
}

/* The rings are re-translated on every use (a few compares): nothing is cached that could go
 * stale, and a guest_mem that lost the region just makes the queue broken. */
static struct virtq_desc *ring_desc(const struct virtq *q)
{
	return guest_mem_ptr(q->mem, q->desc_gpa, desc_bytes(q->size));
}

static struct virtq_avail *ring_avail(const struct virtq *q)
{
	return guest_mem_ptr(q->mem, q->avail_gpa, avail_bytes(q->size));
}

static struct virtq_used *ring_used(const struct virtq *q)
{
	return guest_mem_ptr(q->mem, q->used_gpa, used_bytes(q->size));
}

static uint16_t *used_event_ptr(const struct virtq *q, struct virtq_avail *avail)
{
	return &avail->ring[q->size];
}

static uint16_t *avail_event_ptr(const struct virtq *q, struct virtq_used *used)
{
	return (uint16_t *)&used->ring[q->size];
}

static bool size_valid(uint16_t size)
{
	return size != 0 && size <= VIRTQ_MAX_SIZE && (size & (size - 1)) == 0;
}

int virtq_activate(struct virtq *q)
{
	q->ready = false;
	q->broken = false;
	q->last_avail = 0;
	q->used_idx = 0;
	q->signalled_idx = 0;
	q->signalled_valid = false;

	if (!size_valid(q->size)) {
		pr_guest_err("virtqueue size %u is not a power of two in 1..%u", q->size,
			     VIRTQ_MAX_SIZE);
		return -EINVAL;
	}
	/* 2.7: descriptor table 16-byte, available ring 2-byte, used ring 4-byte aligned. */
	if ((q->desc_gpa & 15) || (q->avail_gpa & 1) || (q->used_gpa & 3)) {
		pr_guest_err("misaligned virtqueue rings: desc 0x%" PRIx64 " avail 0x%" PRIx64
			     " used 0x%" PRIx64 "",
			     q->desc_gpa, q->avail_gpa, q->used_gpa);
		return -EINVAL;
	}
	if (!ring_desc(q) || !ring_avail(q) || !ring_used(q)) {
		pr_guest_err("virtqueue rings (size %u) not in RAM: desc 0x%" PRIx64
			     " avail 0x%" PRIx64 " used 0x%" PRIx64 "",
			     q->size, q->desc_gpa, q->avail_gpa, q->used_gpa);
		return -EINVAL;
	}
	q->ready = true;
	return 0;
}

void virtq_reset(struct virtq *q)
{
	const struct guest_mem *mem = q->mem;

	memset(q, 0, sizeof(*q));
	q->mem = mem;
}

/* The guest broke the ring: say why once in a while, and refuse the queue until reset. */
#define virtq_malformed(q, ...)                                                                    \
	({                                                                                         \
		pr_guest_err(__VA_ARGS__);                                                         \
		(q)->broken = true;                                                                \
		-EIO;                                                                              \
	})

/* One guest descriptor, copied out of guest memory before any field is looked at, so the
 * guest cannot change it between check and use. */
static struct virtq_desc desc_read(const struct virtq_desc *table, unsigned i)
{
	struct virtq_desc d;

	memcpy(&d, &table[i], sizeof(d));
	d.addr = le64toh(d.addr);
	d.len = le32toh(d.len);
	d.flags = le16toh(d.flags);
	d.next = le16toh(d.next);
	return d;
}

/* Walks the chain that starts at @head into @chain. Returns 0 or a negative errno (the queue
 * is then broken). */
static int chain_walk(struct virtq *q, uint16_t head, struct virtq_chain *chain)
{
	const struct virtq_desc *table = ring_desc(q);
	unsigned table_size = q->size; /* entries in the table being walked */
	unsigned visited = 0;	       /* descriptors visited in that table: bounds loops */
	bool indirect = false, seen_writable = false;
	uint64_t total = 0;
	unsigned i = head;

	if (!table)
		return virtq_malformed(q, "virtqueue descriptor table left RAM");
	if (i >= table_size)
		return virtq_malformed(q, "virtqueue head %u >= size %u", i, table_size);

	for (;;) {
		struct virtq_desc d;

		if (++visited > table_size)
			return virtq_malformed(q,
					       "virtqueue chain at head %u loops or is longer "
					       "than its table (%u)",
					       head, table_size);
		d = desc_read(table, i);

		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* 2.7.5.3: only with the feature, one level, and never with NEXT; it
			 * ends the direct chain. Its WRITE flag is ignored (2.7.5.3.2). */
			if (!q->indirect || indirect || (d.flags & VIRTQ_DESC_F_NEXT))
				return virtq_malformed(
					q,
					"virtqueue head %u: bad indirect descriptor (flags 0x%x)",
					head, d.flags);
			if (d.len == 0 || d.len % sizeof(struct virtq_desc) ||
			    d.len / sizeof(struct virtq_desc) > VIRTQ_MAX_BUFS)
				return virtq_malformed(
					q, "virtqueue head %u: bad indirect table length %u", head,
					d.len);
			table = guest_mem_ptr(q->mem, d.addr, d.len);
			if (!table)
				return virtq_malformed(
					q,
					"virtqueue head %u: indirect table 0x%" PRIx64
					"+0x%x not in RAM",
					head, d.addr, d.len);
			table_size = d.len / sizeof(struct virtq_desc);
			visited = 0;
			indirect = true;
			i = 0;
			continue;
		}

		/* Zero-length buffers are legal and carry nothing: skip them whole. */
		if (d.len) {
			bool writable = d.flags & VIRTQ_DESC_F_WRITE;
			uint8_t *p;

			if (!writable && seen_writable)
				return virtq_malformed(
					q,
					"virtqueue head %u: readable buffer after a writable one",
					head);
			total += d.len;
			if (total > UINT32_MAX)
				return virtq_malformed(q, "virtqueue head %u: chain exceeds 4 GiB",
						       head);
			if (chain->nbufs == VIRTQ_MAX_BUFS)
				return virtq_malformed(q, "virtqueue head %u: more than %u buffers",
						       head, VIRTQ_MAX_BUFS);
			p = guest_mem_ptr(q->mem, d.addr, d.len);
			if (!p)
				return virtq_malformed(q,
						       "virtqueue head %u: buffer 0x%" PRIx64
						       "+0x%x not in RAM",
						       head, d.addr, d.len);
			chain->bufs[chain->nbufs++] = (struct virtq_buf){
				.addr = p,
				.len = d.len,
				.device_writes = writable,
			};
			if (writable) {
				seen_writable = true;
				chain->in_len += d.len;
			} else {
				chain->out_len += d.len;
			}
		}

		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= table_size)
			return virtq_malformed(q, "virtqueue head %u: next %u >= table size %u",
					       head, i, table_size);
	}
}

int virtq_pop(struct virtq *q, struct virtq_chain *chain)
{
	struct virtq_avail *avail;
	uint16_t avail_idx, pending, head;

	chain->head = 0;
	chain->nbufs = 0;
	chain->out_len = chain->in_len = 0;
	if (q->broken)
		return -EIO;
	if (!q->ready)
		return 0;
	avail = ring_avail(q);
	if (!avail)
		return virtq_malformed(q, "virtqueue available ring left RAM");

	/* Acquire: the ring entry and descriptors are read only after the index that
	 * published them (pairs with the driver's write barrier before avail->idx). */
	avail_idx = le16toh(__atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE));
	if (avail_idx == q->last_avail && q->event_idx) {
		struct virtq_used *used = ring_used(q);

		if (!used)
			return virtq_malformed(q, "virtqueue used ring left RAM");
		/* Empty: ask for a notification when the driver makes the next entry
		 * available (2.7.10), then look again. The full fence orders our avail_event
		 * store before the re-read, against the driver's "store avail->idx; fence;
		 * read avail_event": either it sees our avail_event and notifies, or we see its
		 * new index here. Without it, a buffer could sit unnoticed. */
		__atomic_store_n(avail_event_ptr(q, used), htole16(q->last_avail),
				 __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		avail_idx = le16toh(__atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE));
	}
	pending = avail_idx - q->last_avail;
	if (pending == 0)
		return 0;
	if (pending > q->size)
		return virtq_malformed(q, "virtqueue avail idx %u is %u ahead of %u (size %u)",
				       avail_idx, pending, q->last_avail, q->size);

	head = le16toh(
		__atomic_load_n(&avail->ring[q->last_avail & (q->size - 1)], __ATOMIC_RELAXED));
	if (chain_walk(q, head, chain) < 0) {
		chain->nbufs = 0;
		chain->out_len = chain->in_len = 0;
		return -EIO;
	}
	chain->head = head;
	q->last_avail++;
	return 1;
}

bool virtq_has_avail(struct virtq *q)
{
	struct virtq_avail *avail;

	if (!q->ready || q->broken)
		return false;
	avail = ring_avail(q);
	/* (A ring that left RAM is reported by the next virtq_pop.) */
	return avail && le16toh(__atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE)) != q->last_avail;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t written)
{
	struct virtq_used *used;
	struct virtq_used_elem *elem;

	if (!q->ready || q->broken)
		return;
	used = ring_used(q);
	if (!used) {
		pr_guest_err("virtqueue used ring left RAM");
		q->broken = true;
		return;
	}
	elem = &used->ring[q->used_idx & (q->size - 1)];
	__atomic_store_n(&elem->id, htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n(&elem->len, htole32(written), __ATOMIC_RELAXED);
	q->used_idx++;
	/* Release: the element (and the data written into the buffers) is visible before the
	 * index that hands it to the driver. */
	__atomic_store_n(&used->idx, htole16(q->used_idx), __ATOMIC_RELEASE);
}

/* 2.7.10: true if @event_idx lies in [old, new), i.e. the driver asked to be told when the
 * used index passes event_idx and it just did. */
static bool vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old);
}

bool virtq_should_interrupt(struct virtq *q)
{
	struct virtq_avail *avail;
	uint16_t old, event;
	bool valid;

	if (!q->ready || q->broken)
		return false;
	avail = ring_avail(q);
	if (!avail)
		return false;
	/* Our used->idx store must be visible before we read the driver's suppression state,
	 * against the driver's "write used_event/flags; fence; read used->idx": otherwise both
	 * sides can miss each other and the interrupt is lost. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (!q->event_idx)
		return !(le16toh(__atomic_load_n(&avail->flags, __ATOMIC_ACQUIRE)) &
			 VIRTQ_AVAIL_F_NO_INTERRUPT);

	/* With EVENT_IDX the flags are ignored (2.7.7.2). */
	event = le16toh(__atomic_load_n(used_event_ptr(q, avail), __ATOMIC_ACQUIRE));
	old = q->signalled_idx;
	valid = q->signalled_valid;
	q->signalled_idx = q->used_idx;
	q->signalled_valid = true;
	/* Nothing known about the last interrupt (just activated): interrupt to be safe. */
	if (!valid)
		return true;
	return vring_need_event(event, q->used_idx, old);
}

uint32_t virtq_chain_read(const struct virtq_chain *chain, uint32_t offset, void *dst, uint32_t len)
{
	uint8_t *out = dst;
	uint32_t done = 0;

	for (unsigned i = 0; i < chain->nbufs && done < len; i++) {
		const struct virtq_buf *b = &chain->bufs[i];
		uint32_t n;

		if (b->device_writes)
			break; /* readable buffers all come first */
		if (offset >= b->len) {
			offset -= b->len;
			continue;
		}
		n = MIN(b->len - offset, len - done);
		memcpy(out + done, b->addr + offset, n);
		done += n;
		offset = 0;
	}
	return done;
}

uint32_t virtq_chain_write(const struct virtq_chain *chain, uint32_t offset, const void *src,
			   uint32_t len)
{
	const uint8_t *in = src;
	uint32_t done = 0;

	for (unsigned i = 0; i < chain->nbufs && done < len; i++) {
		const struct virtq_buf *b = &chain->bufs[i];
		uint32_t n;

		if (!b->device_writes)
			continue;
		if (offset >= b->len) {
			offset -= b->len;
			continue;
		}
		n = MIN(b->len - offset, len - done);
		memcpy(b->addr + offset, in + done, n);
		done += n;
		offset = 0;
	}
	return done;
}
