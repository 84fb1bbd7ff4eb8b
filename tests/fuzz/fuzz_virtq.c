// SPDX-License-Identifier: MIT
/* fuzz_virtq.c: the virtqueue walk (src/virtio/virtqueue.c) and the request handling of
 * virtio-blk, -net, -rng and -console on it, with rings and buffers the input writes into
 * a fake guest memory. One input is one batch: the device is brought up properly, the
 * input's descriptors (direct, chained, indirect: anything) and avail entries are written,
 * every queue is notified, and the harness waits (bounded) until the device is idle.
 * Mode 0 drives a bare struct virtq on the calling thread, with no device, and checks
 * each chain virtq_pop() returns.
 *
 * Input:  mode u8 (0 bare, 1 blk, 2 net, 3 rng, 4 console), feature bits u32 (bit 28
 *         INDIRECT_DESC, 29 EVENT_IDX, others device-specific), option u8, log2 queue size
 *         u8; then per queue: descriptor count u8 and that many of
 *         {addr u16, len u16, flags u8, next u8} (addr: FV_DATA + 8 * addr within the data
 *         area; 0xffff: a raw u64 follows; flags bit 7: len * 256), avail count u8 and that
 *         many head u8; then (net) frames: count u8, each {len u16, bytes}, (console) input:
 *         len u8, bytes; the rest fills the data area.
 * Checks beyond ASan/UBSan: every buffer of a popped chain lies in guest RAM, readable
 * before writable, lengths add up; the device never completes more chains than were made
 * available, nor ids outside the queue. */
#include "fuzz_virtio.h"

#define FRAME_MAX 1600

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fv_init();
	return 0;
}

static uint64_t desc_addr(struct fuzz_in *in)
{
	uint16_t a = fuzz_u16(in);

	if (a == 0xffff)
		return fuzz_u64(in);
	return FV_DATA + (8ull * a) % FV_DATA_SIZE;
}

/* Descriptors and avail entries of queue @q from the input. */
static void read_queue(struct fvm *f, unsigned q, struct fuzz_in *in)
{
	unsigned ndesc = fuzz_u8(in), navail;

	for (unsigned i = 0; i < ndesc; i++) {
		uint64_t addr = desc_addr(in);
		uint32_t len = fuzz_u16(in);
		uint8_t flags = fuzz_u8(in);
		uint8_t next = fuzz_u8(in);

		if (flags & 0x80)
			len <<= 8;
		fv_desc(f, q, i, addr, len, flags & 7, next);
	}
	navail = fuzz_u8(in);
	for (unsigned i = 0; i < navail && f->q[q].size; i++)
		fv_publish(f, q, fuzz_u8(in));
}

/* Whether [p, p + len) lies inside one guest RAM region. */
static bool in_ram(const struct guest_mem *mem, const uint8_t *p, uint32_t len)
{
	for (unsigned i = 0; i < mem->nr_regions; i++) {
		const struct guest_region *r = &mem->regions[i];

		if (p >= r->host && len <= r->size && (uint64_t)(p - r->host) <= r->size - len)
			return true;
	}
	return false;
}

/* Mode 0: virtq_pop() until the ring is empty or broken, checking each chain, then the
 * device side of every completion. */
static void bare_queue(struct fvm *f, uint64_t features, struct fuzz_in *in)
{
	static struct virtq_chain chain;
	static uint8_t scratch[1 << 16];
	struct virtq q = {0};
	int got;

	f->q[0].size = f->q[0].size ? f->q[0].size : 1;
	q.mem = &f->vm->mem;
	q.size = f->q[0].size;
	q.desc_gpa = fv_desc_gpa(f, 0);
	q.avail_gpa = fv_avail_gpa(f, 0);
	q.used_gpa = fv_used_gpa(f, 0);
	q.event_idx = features & (1ull << VIRTIO_F_EVENT_IDX);
	q.indirect = features & (1ull << VIRTIO_F_INDIRECT_DESC);
	memset(fv_ptr(f, FV_SLOT(0), 0x3000), 0, 0x3000);
	if (virtq_activate(&q))
		return;
	read_queue(f, 0, in);
	for (unsigned n = 0; n < 4u * q.size && (got = virtq_pop(&q, &chain)) != 0; n++) {
		uint32_t out = 0, inl = 0;
		bool writable = false;

		if (got < 0) {
			FUZZ_CHECK(got == -EIO && q.broken);
			FUZZ_CHECK(virtq_pop(&q, &chain) <= 0);
			break;
		}
		FUZZ_CHECK(chain.head < q.size && chain.nbufs <= VIRTQ_MAX_BUFS);
		for (unsigned i = 0; i < chain.nbufs; i++) {
			const struct virtq_buf *b = &chain.bufs[i];

			FUZZ_CHECK(in_ram(&f->vm->mem, b->addr, b->len));
			FUZZ_CHECK(!writable || b->device_writes);
			writable = b->device_writes;
			if (b->device_writes)
				inl += b->len;
			else
				out += b->len;
		}
		FUZZ_CHECK(out == chain.out_len && inl == chain.in_len);
		FUZZ_CHECK(virtq_chain_read(&chain, 0, scratch, sizeof(scratch)) ==
			   MIN(out, (uint32_t)sizeof(scratch)));
		FUZZ_CHECK(virtq_chain_write(&chain, inl / 2, scratch, sizeof(scratch)) ==
			   MIN(inl - inl / 2, (uint32_t)sizeof(scratch)));
		virtq_push(&q, chain.head, inl);
		(void)virtq_should_interrupt(&q);
		(void)virtq_has_avail(&q);
	}
	virtq_reset(&q);
}

/* What a device handed back: no more than was made available, ids of this queue. */
static void check_used(struct fvm *f)
{
	for (unsigned q = 0; q < f->nr_queues; q++) {
		uint16_t used = fv_used_idx(f, q), size = f->q[q].size;

		if (!size)
			continue;
		FUZZ_CHECK(used <= f->q[q].published);
		for (uint16_t i = 0; i < used && i < size; i++) {
			uint32_t id;

			memcpy(&id, fv_ptr(f, fv_used_gpa(f, q) + 4 + 8ull * i, 4), 4);
			FUZZ_CHECK(le32toh(id) < size);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	unsigned mode = fuzz_u8(&in) % (FV_NR_KINDS + 1);
	uint64_t features = fuzz_u32(&in);
	unsigned opt = fuzz_u8(&in), log2 = fuzz_u8(&in);
	struct fvm f;
	size_t n;
	const uint8_t *p;

	fv_create(&f, mode ? (enum fv_kind)(mode - 1) : FV_RNG, opt);
	if (mode == 0) {
		f.q[0].size = (uint16_t)(1u << (log2 % 11));
		bare_queue(&f, features, &in);
		fv_destroy(&f);
		return 0;
	}
	if (!fv_bringup(&f, features, log2)) {
		fv_destroy(&f);
		return 0;
	}
	for (unsigned q = 0; q < f.nr_queues; q++)
		read_queue(&f, q, &in);
	if (f.kind == FV_NET) {
		unsigned frames = fuzz_u8(&in) % 8;

		for (unsigned i = 0; i < frames; i++) {
			p = fuzz_take(&in, fuzz_u16(&in) % FRAME_MAX, &n);
			fv_net_send(&f, p, n);
		}
	}
	if (f.kind == FV_CONSOLE) {
		p = fuzz_take(&in, fuzz_u8(&in), &n);
		console_push_input(f.con, p, n);
	}
	p = fuzz_take(&in, FV_DATA_SIZE, &n);
	memcpy(fv_ptr(&f, FV_DATA, n), p, n);
	for (unsigned q = 0; q < f.nr_queues; q++)
		fv_notify(&f, q);
	fv_wait(&f, 100000);
	fv_net_drain(&f);
	check_used(&f);
	fv_destroy(&f);
	return 0;
}
