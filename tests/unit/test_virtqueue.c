// SPDX-License-Identifier: MIT
/* test_virtqueue.c: the split virtqueue against a driver played by the test: chains, indirect
 * tables, index wrap-around, the used ring, interrupt suppression, and a hostile guest that
 * breaks every rule (each must end in -EIO and a broken queue, never a stray access). Guest
 * RAM is heap memory here so that ASan sees any access outside it. */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>

#include "guest_mem.h"
#include "log_capture.h"
#include "test.h"
#include "virtio/virtqueue.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

/* Guest RAM: [0, 1 MiB) and, adjacent but a separate region, [1 MiB, 1 MiB + 64 KiB); then
 * [4 GiB, 4 GiB + 64 KiB). */
#define LOW_SIZE  (1 * MiB)
#define MID_GPA	  (1 * MiB)
#define MID_SIZE  (64 * KiB)
#define MID_END	  (MID_GPA + MID_SIZE)
#define HIGH_GPA  (4 * GiB)
#define HIGH_SIZE (64 * KiB)
/* Where the test driver puts things (room for a 1024-entry queue). */
#define DESC_GPA   0x1000ull
#define AVAIL_GPA  0x5000ull
#define USED_GPA   0x6000ull
#define INDIR_GPA  0x9000ull /* indirect tables: 16 KiB = 1024 entries */
#define INDIR2_GPA 0xd000ull
#define DATA_GPA   0x20000ull

struct drv {
	struct guest_mem mem;
	struct virtq q;
	uint16_t avail_idx; /* the driver's next avail->idx */
	struct log_capture log;
};

/* Heap-backed regions (not guest_mem_add's mmap): ASan then catches a single byte read or
 * written outside guest RAM. */
static void mem_init(struct guest_mem *mem)
{
	static const struct {
		uint64_t gpa, size;
	} layout[] = {{0, LOW_SIZE}, {MID_GPA, MID_SIZE}, {HIGH_GPA, HIGH_SIZE}};

	memset(mem, 0, sizeof(*mem));
	for (unsigned i = 0; i < ARRAY_SIZE(layout); i++) {
		struct guest_region *r = &mem->regions[mem->nr_regions++];

		r->gpa = layout[i].gpa;
		r->size = layout[i].size;
		r->host = aligned_alloc(4096, r->size);
		if (!r->host)
			abort();
		memset(r->host, 0, r->size);
		mem->total += r->size;
	}
}

static void mem_fini(struct guest_mem *mem)
{
	for (unsigned i = 0; i < mem->nr_regions; i++)
		free(mem->regions[i].host);
	memset(mem, 0, sizeof(*mem));
}

static void *gp(struct drv *d, uint64_t gpa, uint64_t len)
{
	void *p = guest_mem_ptr(&d->mem, gpa, len);

	if (!p)
		abort(); /* a bug in the test itself */
	return p;
}

static void q_config(struct drv *d, uint16_t size, bool event_idx, bool indirect)
{
	d->q = (struct virtq){.mem = &d->mem,
			      .size = size,
			      .desc_gpa = DESC_GPA,
			      .avail_gpa = AVAIL_GPA,
			      .used_gpa = USED_GPA,
			      .event_idx = event_idx,
			      .indirect = indirect};
	d->avail_idx = 0;
}

/* Sets up RAM and an activated queue; guest errors go to a capture, not the test output. */
static void drv_init(struct drv *d, uint16_t size, bool event_idx, bool indirect)
{
	memset(d, 0, sizeof(*d));
	mem_init(&d->mem);
	q_config(d, size, event_idx, indirect);
	log_capture_begin(&d->log);
	ASSERT_EQ(virtq_activate(&d->q), 0);
	ASSERT_TRUE(d->q.ready);
}

static void drv_fini(struct drv *d)
{
	free(log_capture_end(&d->log));
	mem_fini(&d->mem);
}

/* Writes descriptor @i of the table at @table, as the driver would. */
static void mem_desc(const struct guest_mem *mem, uint64_t table, unsigned i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *p = guest_mem_ptr(mem, table + 16ull * i, 16);
	uint64_t a = htole64(addr);
	uint32_t l = htole32(len);
	uint16_t f = htole16(flags), n = htole16(next);

	if (!p)
		abort(); /* a bug in the test itself */
	memcpy(p, &a, 8);
	memcpy(p + 8, &l, 4);
	memcpy(p + 12, &f, 2);
	memcpy(p + 14, &n, 2);
}

static void mem_put16(const struct guest_mem *mem, uint64_t gpa, uint16_t v)
{
	v = htole16(v);
	if (guest_mem_write(mem, gpa, &v, 2))
		abort();
}

static uint16_t mem_get16(const struct guest_mem *mem, uint64_t gpa)
{
	uint16_t v;

	if (guest_mem_read(mem, gpa, &v, 2))
		abort();
	return le16toh(v);
}

static uint32_t mem_get32(const struct guest_mem *mem, uint64_t gpa)
{
	uint32_t v;

	if (guest_mem_read(mem, gpa, &v, 4))
		abort();
	return le32toh(v);
}

static void desc_at(struct drv *d, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
		    uint16_t flags, uint16_t next)
{
	mem_desc(&d->mem, table, i, addr, len, flags, next);
}

static void desc(struct drv *d, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	desc_at(d, DESC_GPA, i, addr, len, flags, next);
}

static void put16(struct drv *d, uint64_t gpa, uint16_t v)
{
	mem_put16(&d->mem, gpa, v);
}

static uint16_t get16(struct drv *d, uint64_t gpa)
{
	return mem_get16(&d->mem, gpa);
}

static uint32_t get32(struct drv *d, uint64_t gpa)
{
	return mem_get32(&d->mem, gpa);
}

static void avail_set_idx(struct drv *d, uint16_t idx)
{
	put16(d, AVAIL_GPA + 2, idx);
}

/* Makes the chain at @head available, like virtqueue_add + kick. */
static void publish(struct drv *d, uint16_t head)
{
	put16(d, AVAIL_GPA + 4 + 2ull * (d->avail_idx & (d->q.size - 1)), head);
	avail_set_idx(d, ++d->avail_idx);
}

static void avail_flags(struct drv *d, uint16_t flags)
{
	put16(d, AVAIL_GPA, flags);
}

static void used_event(struct drv *d, uint16_t v)
{
	put16(d, AVAIL_GPA + 4 + 2ull * d->q.size, v);
}

static uint16_t used_idx(struct drv *d)
{
	return get16(d, USED_GPA + 2);
}

static uint32_t used_id(struct drv *d, uint16_t pos)
{
	return get32(d, USED_GPA + 4 + 8ull * (pos & (d->q.size - 1)));
}

static uint32_t used_len(struct drv *d, uint16_t pos)
{
	return get32(d, USED_GPA + 8 + 8ull * (pos & (d->q.size - 1)));
}

static uint16_t avail_event(struct drv *d)
{
	return get16(d, USED_GPA + 4 + 8ull * d->q.size);
}

static bool buf_is(const struct virtq_buf *b, struct drv *d, uint64_t gpa, uint32_t len, bool w)
{
	return b->addr == guest_mem_ptr(&d->mem, gpa, len) && b->len == len &&
	       b->device_writes == w;
}

/* The queue must refuse the ring: -EIO, broken, and it stays that way (a repaired ring is
 * not looked at again), while push and should_interrupt do nothing. */
static void expect_broken_at(struct drv *d, int line)
{
	struct virtq_chain c;
	uint16_t used = used_idx(d);
	int ret = virtq_pop(&d->q, &c);

	if (ret != -EIO || !d->q.broken)
		test_fail(__FILE__, line, "pop: %d broken %d, want -EIO and broken", ret,
			  d->q.broken);
	ASSERT_EQ(c.nbufs, 0);
	/* Even a now-valid, non-empty ring stays refused. */
	desc(d, 0, DATA_GPA, 16, 0, 0);
	publish(d, 0);
	ret = virtq_pop(&d->q, &c);
	if (ret != -EIO)
		test_fail(__FILE__, line, "pop after broken: %d, want -EIO", ret);
	virtq_push(&d->q, 0, 0);
	ASSERT_EQ(used_idx(d), used);
	ASSERT_TRUE(!virtq_should_interrupt(&d->q));
}
#define expect_broken(d) expect_broken_at(d, __LINE__)

TEST(virtq_simple_chain)
{
	struct virtq_chain c;
	struct drv d;

	drv_init(&d, 8, false, false);
	ASSERT_EQ(virtq_pop(&d.q, &c), 0); /* empty */
	desc(&d, 2, DATA_GPA, 100, VIRTQ_DESC_F_NEXT, 5);
	desc(&d, 5, DATA_GPA + 0x1000, 20, VIRTQ_DESC_F_NEXT, 7);
	desc(&d, 7, DATA_GPA + 0x2000, 300, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc(&d, 1, MID_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
	publish(&d, 2);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	ASSERT_EQ(c.head, 2);
	ASSERT_EQ(c.nbufs, 4);
	ASSERT_EQ(c.out_len, 120);
	ASSERT_EQ(c.in_len, 301);
	ASSERT_TRUE(buf_is(&c.bufs[0], &d, DATA_GPA, 100, false));
	ASSERT_TRUE(buf_is(&c.bufs[1], &d, DATA_GPA + 0x1000, 20, false));
	ASSERT_TRUE(buf_is(&c.bufs[2], &d, DATA_GPA + 0x2000, 300, true));
	ASSERT_TRUE(buf_is(&c.bufs[3], &d, MID_GPA, 1, true));
	ASSERT_EQ(d.q.last_avail, 1);
	ASSERT_EQ(virtq_pop(&d.q, &c), 0);

	virtq_push(&d.q, 2, 123);
	ASSERT_EQ(used_idx(&d), 1);
	ASSERT_EQ(used_id(&d, 0), 2);
	ASSERT_EQ(used_len(&d, 0), 123);
	ASSERT_TRUE(!d.q.broken);
	drv_fini(&d);
}

/* The same, through guest_mem_add()'s real mapping, and with buffers in the high region. */
TEST(virtq_guest_mem_add_and_high_ram)
{
	struct guest_mem mem = {0};
	struct virtq_chain c;
	struct virtq q;

	ASSERT_EQ(guest_mem_add(&mem, 0, LOW_SIZE), 0);
	ASSERT_EQ(guest_mem_add(&mem, HIGH_GPA, HIGH_SIZE), 0);
	q = (struct virtq){.mem = &mem,
			   .size = 4,
			   .desc_gpa = HIGH_GPA,
			   .avail_gpa = HIGH_GPA + 0x1000,
			   .used_gpa = DESC_GPA};
	ASSERT_EQ(virtq_activate(&q), 0);
	mem_desc(&mem, HIGH_GPA, 3, HIGH_GPA + HIGH_SIZE - 8, 8, 0, 0);
	mem_put16(&mem, HIGH_GPA + 0x1000 + 4, 3);
	mem_put16(&mem, HIGH_GPA + 0x1000 + 2, 1);
	ASSERT_EQ(virtq_pop(&q, &c), 1);
	ASSERT_EQ(c.head, 3);
	ASSERT_EQ(c.nbufs, 1);
	ASSERT_TRUE(c.bufs[0].addr == guest_mem_ptr(&mem, HIGH_GPA + HIGH_SIZE - 8, 8));
	ASSERT_EQ(c.out_len, 8);
	virtq_push(&q, 3, 5);
	ASSERT_EQ(mem_get16(&mem, DESC_GPA + 2), 1);
	ASSERT_EQ(mem_get32(&mem, DESC_GPA + 4), 3);
	ASSERT_EQ(mem_get32(&mem, DESC_GPA + 8), 5);
	guest_mem_free(&mem);
}

TEST(virtq_multiple_chains_in_order)
{
	static const uint16_t heads[] = {3, 0, 6, 1};
	struct virtq_chain c;
	struct drv d;

	drv_init(&d, 8, false, false);
	for (unsigned i = 0; i < 8; i++)
		desc(&d, i, DATA_GPA + 0x100 * i, 0x10 + i, i & 1 ? VIRTQ_DESC_F_WRITE : 0, 0);
	for (unsigned i = 0; i < ARRAY_SIZE(heads); i++)
		publish(&d, heads[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(heads); i++) {
		uint16_t h = heads[i];

		ASSERT_EQ(virtq_pop(&d.q, &c), 1);
		ASSERT_EQ(c.head, h);
		ASSERT_EQ(c.nbufs, 1);
		ASSERT_TRUE(buf_is(&c.bufs[0], &d, DATA_GPA + 0x100 * h, 0x10 + h, h & 1));
		ASSERT_EQ(c.out_len, h & 1 ? 0 : 0x10 + h);
		ASSERT_EQ(c.in_len, h & 1 ? 0x10 + h : 0);
	}
	ASSERT_EQ(virtq_pop(&d.q, &c), 0);
	/* Completed out of order, as devices may. */
	virtq_push(&d.q, 6, 60);
	virtq_push(&d.q, 3, 30);
	virtq_push(&d.q, 1, 10);
	virtq_push(&d.q, 0, 0);
	ASSERT_EQ(used_idx(&d), 4);
	ASSERT_EQ(used_id(&d, 0), 6);
	ASSERT_EQ(used_len(&d, 0), 60);
	ASSERT_EQ(used_id(&d, 1), 3);
	ASSERT_EQ(used_id(&d, 2), 1);
	ASSERT_EQ(used_len(&d, 2), 10);
	ASSERT_EQ(used_id(&d, 3), 0);
	/* A full ring's worth at once: avail->idx exactly size ahead is fine. */
	for (unsigned i = 0; i < 8; i++)
		publish(&d, 7 - i);
	for (unsigned i = 0; i < 8; i++) {
		ASSERT_EQ(virtq_pop(&d.q, &c), 1);
		ASSERT_EQ(c.head, 7 - i);
	}
	ASSERT_EQ(virtq_pop(&d.q, &c), 0);
	drv_fini(&d);
}

/* The 16-bit indices wrap: the ring position is idx mod size throughout. */
TEST(virtq_index_wraparound)
{
	const uint16_t start = 65531;
	struct virtq_chain c;
	struct drv d;
	uint16_t pos = start;

	drv_init(&d, 8, true, false);
	for (unsigned i = 0; i < 8; i++)
		desc(&d, i, DATA_GPA + 0x100 * i, 8, 0, 0);
	/* As if 65531 chains had gone through already. */
	d.q.last_avail = d.q.used_idx = start;
	d.avail_idx = start;
	avail_set_idx(&d, start);
	put16(&d, USED_GPA + 2, start);
	for (unsigned round = 0; round < 6; round++) {
		for (unsigned i = 0; i < 5; i++)
			publish(&d, (round + i) & 7);
		for (unsigned i = 0; i < 5; i++) {
			ASSERT_EQ(virtq_pop(&d.q, &c), 1);
			ASSERT_EQ(c.head, (round + i) & 7);
			virtq_push(&d.q, c.head, round * 100 + i);
			ASSERT_EQ(used_idx(&d), (uint16_t)(pos + 1));
			ASSERT_EQ(used_id(&d, pos), (round + i) & 7);
			ASSERT_EQ(used_len(&d, pos), round * 100 + i);
			pos++;
		}
		ASSERT_EQ(virtq_pop(&d.q, &c), 0);
		ASSERT_EQ(avail_event(&d), d.q.last_avail);
	}
	ASSERT_EQ(d.q.last_avail, (uint16_t)(start + 30));
	ASSERT_EQ(used_idx(&d), (uint16_t)(start + 30));
	ASSERT_TRUE(!d.q.broken);
	drv_fini(&d);
}

TEST(virtq_zero_length_buffers_skipped)
{
	struct virtq_chain c;
	struct drv d;

	drv_init(&d, 8, false, false);
	/* Zero-length buffers anywhere, even at addresses that are not RAM, carry nothing. */
	desc(&d, 0, 0xdead00000000ull, 0, VIRTQ_DESC_F_NEXT, 1);
	desc(&d, 1, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	desc(&d, 2, UINT64_MAX, 0, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	desc(&d, 3, DATA_GPA + 0x100, 32, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 4);
	desc(&d, 4, 0, 0, VIRTQ_DESC_F_WRITE, 0);
	publish(&d, 0);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	ASSERT_EQ(c.nbufs, 2);
	ASSERT_EQ(c.out_len, 16);
	ASSERT_EQ(c.in_len, 32);
	ASSERT_TRUE(buf_is(&c.bufs[0], &d, DATA_GPA, 16, false));
	ASSERT_TRUE(buf_is(&c.bufs[1], &d, DATA_GPA + 0x100, 32, true));
	/* A chain of nothing but an empty buffer is a valid, empty chain. */
	desc(&d, 5, 0x123456789ull, 0, 0, 0);
	publish(&d, 5);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	ASSERT_EQ(c.head, 5);
	ASSERT_EQ(c.nbufs, 0);
	ASSERT_EQ(c.out_len + c.in_len, 0);
	drv_fini(&d);
}

/* A chain of exactly the queue size is the longest legal one. */
TEST(virtq_chain_of_queue_size)
{
	struct virtq_chain c;
	struct drv d;

	drv_init(&d, 1024, false, false);
	for (unsigned i = 0; i < 1024; i++)
		desc(&d, i, DATA_GPA + i, 1, i == 1023 ? VIRTQ_DESC_F_WRITE : VIRTQ_DESC_F_NEXT,
		     (i + 1) & 1023);
	publish(&d, 0);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	ASSERT_EQ(c.nbufs, 1024);
	ASSERT_EQ(c.out_len, 1023);
	ASSERT_EQ(c.in_len, 1);
	ASSERT_TRUE(buf_is(&c.bufs[1023], &d, DATA_GPA + 1023, 1, true));
	drv_fini(&d);

	/* Size 1: one descriptor, which must not point to itself. */
	drv_init(&d, 1, false, false);
	desc(&d, 0, DATA_GPA, 4, 0, 0);
	publish(&d, 0);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	publish(&d, 0);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	ASSERT_EQ(c.nbufs, 1);
	desc(&d, 0, DATA_GPA, 4, VIRTQ_DESC_F_NEXT, 0);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);
}

TEST(virtq_indirect)
{
	struct virtq_chain c;
	struct drv d;

	drv_init(&d, 8, false, true);
	/* The usual layout: one indirect descriptor as the whole chain; its WRITE flag is
	 * ignored (2.7.5.3.2). The table's own links are in table indices. */
	desc(&d, 4, INDIR_GPA, 3 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	desc_at(&d, INDIR_GPA, 0, DATA_GPA, 10, VIRTQ_DESC_F_NEXT, 2);
	desc_at(&d, INDIR_GPA, 2, DATA_GPA + 0x100, 20, VIRTQ_DESC_F_NEXT, 1);
	desc_at(&d, INDIR_GPA, 1, HIGH_GPA, 30, VIRTQ_DESC_F_WRITE, 7 /* no NEXT: ignored */);
	publish(&d, 4);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	ASSERT_EQ(c.head, 4);
	ASSERT_EQ(c.nbufs, 3);
	ASSERT_EQ(c.out_len, 30);
	ASSERT_EQ(c.in_len, 30);
	ASSERT_TRUE(buf_is(&c.bufs[0], &d, DATA_GPA, 10, false));
	ASSERT_TRUE(buf_is(&c.bufs[1], &d, DATA_GPA + 0x100, 20, false));
	ASSERT_TRUE(buf_is(&c.bufs[2], &d, HIGH_GPA, 30, true));

	/* Direct descriptors followed by one indirect one (the device MUST handle it). */
	desc(&d, 0, DATA_GPA + 0x200, 5, VIRTQ_DESC_F_NEXT, 1);
	desc(&d, 1, INDIR2_GPA, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc_at(&d, INDIR2_GPA, 0, DATA_GPA + 0x300, 6, VIRTQ_DESC_F_NEXT, 1);
	desc_at(&d, INDIR2_GPA, 1, DATA_GPA + 0x400, 7, VIRTQ_DESC_F_WRITE, 0);
	publish(&d, 0);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	ASSERT_EQ(c.nbufs, 3);
	ASSERT_EQ(c.out_len, 11);
	ASSERT_EQ(c.in_len, 7);
	ASSERT_TRUE(buf_is(&c.bufs[0], &d, DATA_GPA + 0x200, 5, false));
	ASSERT_TRUE(buf_is(&c.bufs[2], &d, DATA_GPA + 0x400, 7, true));

	/* The largest table: VIRTQ_MAX_BUFS entries, all chained. */
	desc(&d, 3, INDIR_GPA, VIRTQ_MAX_BUFS * 16, VIRTQ_DESC_F_INDIRECT, 0);
	for (unsigned i = 0; i < VIRTQ_MAX_BUFS; i++)
		desc_at(&d, INDIR_GPA, i, DATA_GPA + i, 1,
			i + 1 < VIRTQ_MAX_BUFS ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	publish(&d, 3);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	ASSERT_EQ(c.nbufs, VIRTQ_MAX_BUFS);
	ASSERT_EQ(c.out_len, VIRTQ_MAX_BUFS);
	ASSERT_TRUE(!d.q.broken);
	drv_fini(&d);
}

/* Mirror of the header's promise: every returned buffer is RAM, and bad ones are refused.
 * Each address/length pair is tried as a direct readable and writable buffer and inside an
 * indirect table. */
TEST(virtq_hostile_buffer_addresses)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{MID_END, 1},				  /* just past the end of RAM */
		{0x200000, 16},				  /* in the hole */
		{MID_END - 8, 16},			  /* straddles the end of RAM */
		{MID_END - 1, 2},			  /* by one byte */
		{LOW_SIZE - 8, 16},			  /* straddles two (adjacent) regions */
		{LOW_SIZE - 1, 2},			  /* by one byte */
		{HIGH_GPA - 8, 16},			  /* straddles the start of a region */
		{HIGH_GPA + HIGH_SIZE - 1, 2},		  /* past the high region */
		{0, 0xffffffff},			  /* huge */
		{DATA_GPA, 0xffffffff},			  /* huge */
		{HIGH_GPA, 0xffffffff},			  /* huge */
		{0, LOW_SIZE + 1},			  /* a whole region plus one */
		{UINT64_MAX - 7, 16},			  /* wraps past 2^64 */
		{UINT64_MAX, 1},			  /* last byte of the address space */
		{UINT64_MAX - 0xfffffffeull, 0xffffffff}, /* huge and wraps */
		{0x8000000000000000ull, 4096},		  /* far away */
	};
	static const struct {
		uint64_t addr;
		uint32_t len;
	} good[] = {
		{0, 1},			       /* the first byte of RAM */
		{LOW_SIZE - 16, 16},	       /* ends where a region ends */
		{MID_GPA, MID_SIZE},	       /* a whole region */
		{MID_END - 1, 1},	       /* the last byte of RAM below 4 GiB */
		{HIGH_GPA, HIGH_SIZE},	       /* a whole region above 4 GiB */
		{HIGH_GPA + HIGH_SIZE - 1, 1}, /* its last byte */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		for (unsigned how = 0; how < 3; how++) {
			struct drv d;

			drv_init(&d, 16, false, true);
			if (how < 2) {
				desc(&d, 9, DATA_GPA, 4, VIRTQ_DESC_F_NEXT, 10);
				desc(&d, 10, bad[i].addr, bad[i].len, how ? VIRTQ_DESC_F_WRITE : 0,
				     0);
				publish(&d, 9);
			} else {
				desc(&d, 9, INDIR_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
				desc_at(&d, INDIR_GPA, 0, DATA_GPA, 4, VIRTQ_DESC_F_NEXT, 1);
				desc_at(&d, INDIR_GPA, 1, bad[i].addr, bad[i].len,
					VIRTQ_DESC_F_WRITE, 0);
				publish(&d, 9);
			}
			if (d.q.broken)
				test_fail(__FILE__, __LINE__, "broken before pop");
			{
				struct virtq_chain c;
				int ret = virtq_pop(&d.q, &c);

				if (ret != -EIO || !d.q.broken)
					test_fail(__FILE__, __LINE__,
						  "buffer 0x%llx+0x%x (%u): pop %d, want -EIO",
						  (unsigned long long)bad[i].addr, bad[i].len, how,
						  ret);
			}
			expect_broken(&d);
			drv_fini(&d);
		}
	}
	for (unsigned i = 0; i < ARRAY_SIZE(good); i++) {
		struct virtq_chain c;
		struct drv d;

		drv_init(&d, 16, false, false);
		desc(&d, 15, good[i].addr, good[i].len, VIRTQ_DESC_F_WRITE, 0);
		publish(&d, 15);
		ASSERT_EQ(virtq_pop(&d.q, &c), 1);
		ASSERT_EQ(c.nbufs, 1);
		ASSERT_TRUE(buf_is(&c.bufs[0], &d, good[i].addr, good[i].len, true));
		drv_fini(&d);
	}
}

TEST(virtq_hostile_loops)
{
	struct drv d;

	/* a -> b -> a */
	drv_init(&d, 8, false, false);
	desc(&d, 1, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	desc(&d, 2, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	publish(&d, 1);
	expect_broken(&d);
	drv_fini(&d);

	/* A self-loop at the end of a longer chain. */
	drv_init(&d, 8, false, false);
	desc(&d, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	desc(&d, 1, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	desc(&d, 2, DATA_GPA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);

	/* Zero-length self-loop: skipped buffers still count. */
	drv_init(&d, 8, false, false);
	desc(&d, 3, 0, 0, VIRTQ_DESC_F_NEXT, 3);
	publish(&d, 3);
	expect_broken(&d);
	drv_fini(&d);

	/* Longer than the queue: size + 1 visits of a ring of all 8 descriptors. */
	drv_init(&d, 8, false, false);
	for (unsigned i = 0; i < 8; i++)
		desc(&d, i, DATA_GPA + i, 1, VIRTQ_DESC_F_NEXT, (i + 1) & 7);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);

	/* A loop inside an indirect table. */
	drv_init(&d, 8, false, true);
	desc(&d, 0, INDIR_GPA, 4 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	for (unsigned i = 0; i < 4; i++)
		desc_at(&d, INDIR_GPA, i, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, (i + 1) & 3);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);

	/* A chain of 1026 buffers: 2 direct, then a full indirect table of 1024. */
	drv_init(&d, 8, false, true);
	desc(&d, 0, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 1);
	desc(&d, 1, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 2);
	desc(&d, 2, INDIR_GPA, VIRTQ_MAX_BUFS * 16, VIRTQ_DESC_F_INDIRECT, 0);
	for (unsigned i = 0; i < VIRTQ_MAX_BUFS; i++)
		desc_at(&d, INDIR_GPA, i, DATA_GPA + i, 1,
			i + 1 < VIRTQ_MAX_BUFS ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);
}

TEST(virtq_hostile_indices)
{
	struct drv d;

	/* A head >= size. */
	drv_init(&d, 8, false, false);
	publish(&d, 8);
	expect_broken(&d);
	drv_fini(&d);

	drv_init(&d, 8, false, false);
	publish(&d, 0xffff);
	expect_broken(&d);
	drv_fini(&d);

	/* next >= size. */
	drv_init(&d, 8, false, false);
	desc(&d, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 8);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);

	/* next >= the indirect table's entry count (but < size). */
	drv_init(&d, 8, false, true);
	desc(&d, 0, INDIR_GPA, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc_at(&d, INDIR_GPA, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);

	/* avail->idx size + 1 ahead, also across the 16-bit wrap, and "behind". */
	for (unsigned start = 0; start < 3; start++) {
		static const uint16_t starts[] = {0, 65530, 7};
		struct virtq_chain c;

		drv_init(&d, 8, false, false);
		desc(&d, 0, DATA_GPA, 8, 0, 0);
		d.q.last_avail = starts[start];
		avail_set_idx(&d, start == 2 ? starts[start] - 1 : starts[start] + 9);
		ASSERT_EQ(virtq_pop(&d.q, &c), -EIO);
		expect_broken(&d);
		drv_fini(&d);
	}
}

TEST(virtq_hostile_readable_after_writable)
{
	struct drv d;

	drv_init(&d, 8, false, false);
	desc(&d, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	desc(&d, 1, DATA_GPA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	desc(&d, 2, DATA_GPA, 8, 0, 0);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);

	/* Across the step from the direct chain into an indirect table. */
	drv_init(&d, 8, false, true);
	desc(&d, 0, DATA_GPA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc(&d, 1, INDIR_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc_at(&d, INDIR_GPA, 0, DATA_GPA, 8, 0, 0);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);
}

TEST(virtq_hostile_indirect)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad_tables[] = {
		{INDIR_GPA, 0},			       /* empty */
		{INDIR_GPA, 24},		       /* not a multiple of 16 */
		{INDIR_GPA, 8},			       /* less than one entry */
		{INDIR_GPA, 16 * VIRTQ_MAX_BUFS + 16}, /* too many entries */
		{INDIR_GPA, 0xfffffff0},	       /* huge */
		{MID_END - 16, 32},		       /* straddles the end of RAM */
		{LOW_SIZE - 16, 32},		       /* straddles two regions */
		{0x300000, 16},			       /* not RAM */
		{UINT64_MAX - 15, 16},		       /* the last 16 bytes of the address space */
		{UINT64_MAX - 7, 16},		       /* wraps */
	};
	struct drv d;

	for (unsigned i = 0; i < ARRAY_SIZE(bad_tables); i++) {
		drv_init(&d, 8, false, true);
		desc(&d, 0, bad_tables[i].addr, bad_tables[i].len, VIRTQ_DESC_F_INDIRECT, 0);
		publish(&d, 0);
		expect_broken(&d);
		drv_fini(&d);
	}

	/* Without VIRTIO_F_INDIRECT_DESC, the flag is an error. */
	drv_init(&d, 8, false, false);
	desc(&d, 0, INDIR_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc_at(&d, INDIR_GPA, 0, DATA_GPA, 8, 0, 0);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);

	/* INDIRECT together with NEXT. */
	drv_init(&d, 8, false, true);
	desc(&d, 0, INDIR_GPA, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	desc(&d, 1, DATA_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	desc_at(&d, INDIR_GPA, 0, DATA_GPA, 8, 0, 0);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);

	/* An indirect table inside an indirect table (here: pointing at itself). */
	drv_init(&d, 8, false, true);
	desc(&d, 0, INDIR_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	desc_at(&d, INDIR_GPA, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	desc_at(&d, INDIR_GPA, 1, INDIR_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);

	/* ... or at a perfectly good other table. */
	drv_init(&d, 8, false, true);
	desc(&d, 0, INDIR_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc_at(&d, INDIR_GPA, 0, INDIR2_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc_at(&d, INDIR2_GPA, 0, DATA_GPA, 8, 0, 0);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);

	/* Two indirect descriptors in one direct chain (the first has NEXT). */
	drv_init(&d, 8, false, true);
	desc(&d, 0, INDIR_GPA, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	desc(&d, 1, INDIR2_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc_at(&d, INDIR_GPA, 0, DATA_GPA, 8, 0, 0);
	desc_at(&d, INDIR2_GPA, 0, DATA_GPA, 8, 0, 0);
	publish(&d, 0);
	expect_broken(&d);
	drv_fini(&d);
}

/* The sum of a chain's lengths must fit in 32 bits. Needs a region of over 4 GiB: mapped
 * with guest_mem_add (NORESERVE; the buffers are never touched). */
TEST(virtq_hostile_length_overflow)
{
	struct guest_mem mem = {0};
	struct log_capture log;
	struct virtq_chain c;
	struct virtq q;

	ASSERT_EQ(guest_mem_add(&mem, 0, LOW_SIZE), 0);
	if (guest_mem_add(&mem, HIGH_GPA, 5 * GiB) == -ENOMEM) {
		/* Strict overcommit accounting refuses even a NORESERVE mapping this large. */
		fprintf(stderr, "    (skipped: cannot map 5 GiB of address space)\n");
		guest_mem_free(&mem);
		return;
	}
	q = (struct virtq){.mem = &mem,
			   .size = 4,
			   .desc_gpa = DESC_GPA,
			   .avail_gpa = AVAIL_GPA,
			   .used_gpa = USED_GPA};
	ASSERT_EQ(virtq_activate(&q), 0);
	log_capture_begin(&log);
	/* 0xffffffff + 0: a huge buffer inside RAM is fine. */
	mem_desc(&mem, DESC_GPA, 0, HIGH_GPA, 0xffffffff, VIRTQ_DESC_F_NEXT, 1);
	mem_desc(&mem, DESC_GPA, 1, HIGH_GPA, 0, VIRTQ_DESC_F_WRITE, 0);
	mem_put16(&mem, AVAIL_GPA + 4, 0);
	mem_put16(&mem, AVAIL_GPA + 2, 1);
	ASSERT_EQ(virtq_pop(&q, &c), 1);
	ASSERT_EQ(c.nbufs, 1);
	ASSERT_EQ(c.out_len, 0xffffffff);
	/* 0xffffffff + 1 overflows. */
	mem_desc(&mem, DESC_GPA, 1, HIGH_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
	mem_put16(&mem, AVAIL_GPA + 6, 0);
	mem_put16(&mem, AVAIL_GPA + 2, 2);
	ASSERT_EQ(virtq_pop(&q, &c), -EIO);
	ASSERT_TRUE(q.broken);
	/* Three 2 GiB buffers: each fits, the sum does not. */
	ASSERT_EQ(virtq_activate(&q), 0);
	for (unsigned i = 0; i < 3; i++)
		mem_desc(&mem, DESC_GPA, i, HIGH_GPA + i * GiB, 0x80000000u,
			 i < 2 ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	mem_put16(&mem, AVAIL_GPA + 4, 0);
	mem_put16(&mem, AVAIL_GPA + 2, 1);
	ASSERT_EQ(virtq_pop(&q, &c), -EIO);
	ASSERT_TRUE(q.broken);
	free(log_capture_end(&log));
	guest_mem_free(&mem);
}

TEST(virtq_activate_checks)
{
	static const uint16_t bad_sizes[] = {0, 3, 6, 12, 1000, 1023, 2048, 4096, 32768, 65535};
	static const uint16_t good_sizes[] = {1, 2, 4, 256, VIRTQ_MAX_SIZE};
	static const struct {
		uint64_t desc, avail, used;
		const char *why;
	} bad_rings[] = {
		{DESC_GPA + 8, AVAIL_GPA, USED_GPA, "desc misaligned"},
		{DESC_GPA, AVAIL_GPA + 1, USED_GPA, "avail misaligned"},
		{DESC_GPA, AVAIL_GPA, USED_GPA + 2, "used misaligned"},
		{0x200000, AVAIL_GPA, USED_GPA, "desc not RAM"},
		{DESC_GPA, 0x200000, USED_GPA, "avail not RAM"},
		{DESC_GPA, AVAIL_GPA, 0x200000, "used not RAM"},
		{MID_END - 112, AVAIL_GPA, USED_GPA, "desc past the end"},
		{LOW_SIZE - 64, AVAIL_GPA, USED_GPA, "desc across regions"},
		/* The event fields count: used_event / avail_event just past the end. */
		{DESC_GPA, MID_END - (4 + 2 * 8), USED_GPA, "used_event past the end"},
		{DESC_GPA, AVAIL_GPA, MID_END - (4 + 8 * 8), "avail_event past the end"},
		{DESC_GPA, LOW_SIZE - (4 + 2 * 8), USED_GPA, "used_event in next region"},
		{DESC_GPA, AVAIL_GPA, LOW_SIZE - (4 + 8 * 8), "avail_event in next region"},
		{UINT64_MAX - 15, AVAIL_GPA, USED_GPA, "desc wraps"},
		{DESC_GPA, UINT64_MAX - 1, USED_GPA, "avail wraps"},
		{DESC_GPA, AVAIL_GPA, UINT64_MAX - 3, "used wraps"},
	};
	struct drv d;

	drv_init(&d, 8, false, false);
	for (unsigned i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		struct virtq_chain c;

		q_config(&d, bad_sizes[i], false, false);
		if (virtq_activate(&d.q) != -EINVAL || d.q.ready)
			test_fail(__FILE__, __LINE__, "size %u accepted", bad_sizes[i]);
		/* A queue that failed to activate yields nothing and takes nothing. */
		ASSERT_EQ(virtq_pop(&d.q, &c), 0);
		virtq_push(&d.q, 0, 0);
		ASSERT_TRUE(!virtq_should_interrupt(&d.q));
	}
	for (unsigned i = 0; i < ARRAY_SIZE(good_sizes); i++) {
		q_config(&d, good_sizes[i], false, false);
		if (virtq_activate(&d.q) != 0 || !d.q.ready)
			test_fail(__FILE__, __LINE__, "size %u refused", good_sizes[i]);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad_rings); i++) {
		q_config(&d, 8, false, false);
		d.q.desc_gpa = bad_rings[i].desc;
		d.q.avail_gpa = bad_rings[i].avail;
		d.q.used_gpa = bad_rings[i].used;
		if (virtq_activate(&d.q) != -EINVAL || d.q.ready)
			test_fail(__FILE__, __LINE__, "%s: accepted", bad_rings[i].why);
	}
	ASSERT_EQ(used_idx(&d), 0); /* nothing written */

	/* Rings that end exactly at the end of RAM (event fields included) are fine. */
	q_config(&d, 8, true, false);
	d.q.desc_gpa = MID_END - 16 * 8;
	d.q.avail_gpa = LOW_SIZE - (4 + 2 * 8 + 2);
	d.q.used_gpa = MID_END - 16 * 8 - (4 + 8 * 8 + 2 + 2);
	ASSERT_EQ(virtq_activate(&d.q), 0);
	ASSERT_TRUE(d.q.ready);

	/* Activation resets the device-side state, including broken. */
	q_config(&d, 8, false, false);
	d.q.broken = true;
	d.q.last_avail = 5;
	d.q.used_idx = 7;
	d.q.signalled_idx = 3;
	d.q.signalled_valid = true;
	ASSERT_EQ(virtq_activate(&d.q), 0);
	ASSERT_TRUE(!d.q.broken);
	ASSERT_EQ(d.q.last_avail, 0);
	ASSERT_EQ(d.q.used_idx, 0);
	ASSERT_TRUE(!d.q.signalled_valid);
	drv_fini(&d);
}

TEST(virtq_reset_state)
{
	struct virtq_chain c;
	struct drv d;

	drv_init(&d, 8, true, true);
	desc(&d, 0, DATA_GPA, 8, 0, 0);
	publish(&d, 0);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	virtq_push(&d.q, 0, 8);
	d.q.broken = true;
	virtq_reset(&d.q);
	ASSERT_TRUE(d.q.mem == &d.mem);
	ASSERT_TRUE(!d.q.ready && !d.q.broken && !d.q.event_idx && !d.q.indirect);
	ASSERT_EQ(d.q.size, 0);
	ASSERT_EQ(d.q.desc_gpa | d.q.avail_gpa | d.q.used_gpa, 0);
	ASSERT_EQ(d.q.last_avail, 0);
	ASSERT_EQ(d.q.used_idx, 0);
	ASSERT_TRUE(!d.q.signalled_valid);
	/* A reset queue is inert. */
	ASSERT_EQ(virtq_pop(&d.q, &c), 0);
	virtq_push(&d.q, 0, 0);
	ASSERT_TRUE(!virtq_should_interrupt(&d.q));
	drv_fini(&d);
}

TEST(virtq_interrupt_without_event_idx)
{
	struct drv d;

	drv_init(&d, 8, false, false);
	used_event(&d, 0x1234); /* ignored without EVENT_IDX */
	virtq_push(&d.q, 0, 0);
	ASSERT_TRUE(virtq_should_interrupt(&d.q));
	virtq_push(&d.q, 1, 0);
	ASSERT_TRUE(virtq_should_interrupt(&d.q));
	avail_flags(&d, VIRTQ_AVAIL_F_NO_INTERRUPT);
	virtq_push(&d.q, 2, 0);
	ASSERT_TRUE(!virtq_should_interrupt(&d.q));
	avail_flags(&d, 0);
	virtq_push(&d.q, 3, 0);
	ASSERT_TRUE(virtq_should_interrupt(&d.q));
	drv_fini(&d);
}

/* used_event: "interrupt me once used->idx moves past this" (vring_need_event). */
TEST(virtq_interrupt_event_idx)
{
	struct drv d;

	drv_init(&d, 8, true, false);
	/* NO_INTERRUPT is ignored with EVENT_IDX. */
	avail_flags(&d, VIRTQ_AVAIL_F_NO_INTERRUPT);
	used_event(&d, 0x8000);
	/* First time after activation: no record of the last interrupt, so interrupt. */
	virtq_push(&d.q, 0, 0); /* used 1 */
	ASSERT_TRUE(virtq_should_interrupt(&d.q));
	/* Nothing new since: no interrupt whatever used_event says. */
	used_event(&d, 0);
	ASSERT_TRUE(!virtq_should_interrupt(&d.q));
	used_event(&d, 1);
	ASSERT_TRUE(!virtq_should_interrupt(&d.q));

	/* used_event = 1: wants to hear when entry 1 is used. */
	virtq_push(&d.q, 0, 0); /* used 2 */
	ASSERT_TRUE(virtq_should_interrupt(&d.q));
	/* used_event ahead: 5 means after the used idx passes 5, i.e. reaches 6. */
	used_event(&d, 5);
	for (unsigned i = 3; i <= 5; i++) {
		virtq_push(&d.q, 0, 0);
		ASSERT_TRUE(!virtq_should_interrupt(&d.q));
	}
	virtq_push(&d.q, 0, 0); /* used 6 */
	ASSERT_TRUE(virtq_should_interrupt(&d.q));
	/* A batch that crosses used_event: one interrupt for the lot. */
	used_event(&d, 7);
	virtq_push(&d.q, 0, 0);
	virtq_push(&d.q, 0, 0);
	virtq_push(&d.q, 0, 0); /* used 9 */
	ASSERT_TRUE(virtq_should_interrupt(&d.q));
	/* A batch that ends exactly on used_event does not cross it. */
	used_event(&d, 11);
	virtq_push(&d.q, 0, 0);
	virtq_push(&d.q, 0, 0); /* used 11 */
	ASSERT_TRUE(!virtq_should_interrupt(&d.q));
	virtq_push(&d.q, 0, 0); /* used 12 */
	ASSERT_TRUE(virtq_should_interrupt(&d.q));
	/* used_event behind (the driver is not keeping up with it): no interrupt. */
	used_event(&d, 3);
	virtq_push(&d.q, 0, 0);
	ASSERT_TRUE(!virtq_should_interrupt(&d.q));

	/* Across the 16-bit wrap. */
	d.q.used_idx = d.q.signalled_idx = 65534;
	used_event(&d, 65535);
	virtq_push(&d.q, 0, 0); /* used 65535 */
	ASSERT_TRUE(!virtq_should_interrupt(&d.q));
	virtq_push(&d.q, 0, 0); /* used 0 */
	ASSERT_TRUE(virtq_should_interrupt(&d.q));
	ASSERT_EQ(used_idx(&d), 0);
	used_event(&d, 0);
	virtq_push(&d.q, 0, 0);
	virtq_push(&d.q, 0, 0);
	ASSERT_TRUE(virtq_should_interrupt(&d.q));

	/* A queue activated again forgets the last interrupt. */
	ASSERT_EQ(virtq_activate(&d.q), 0);
	used_event(&d, 0x4000);
	virtq_push(&d.q, 0, 0);
	ASSERT_TRUE(virtq_should_interrupt(&d.q));
	drv_fini(&d);
}

/* With EVENT_IDX, a pop that finds the ring empty writes avail_event = last_avail. */
TEST(virtq_avail_event)
{
	struct virtq_chain c;
	struct drv d;

	drv_init(&d, 8, true, false);
	put16(&d, USED_GPA + 4 + 8 * 8, 0xbeef);
	for (unsigned i = 0; i < 8; i++)
		desc(&d, i, DATA_GPA, 8, 0, 0);
	publish(&d, 0);
	publish(&d, 1);
	publish(&d, 2);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	/* Busy draining: the driver need not notify, so avail_event is left alone. */
	ASSERT_EQ(avail_event(&d), 0xbeef);
	ASSERT_EQ(virtq_pop(&d.q, &c), 0);
	ASSERT_EQ(avail_event(&d), 3);
	publish(&d, 3);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	ASSERT_EQ(virtq_pop(&d.q, &c), 0);
	ASSERT_EQ(avail_event(&d), 4);
	drv_fini(&d);

	/* Without EVENT_IDX the field is not the device's to write. */
	drv_init(&d, 8, false, false);
	put16(&d, USED_GPA + 4 + 8 * 8, 0xbeef);
	desc(&d, 0, DATA_GPA, 8, 0, 0);
	publish(&d, 0);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);
	ASSERT_EQ(virtq_pop(&d.q, &c), 0);
	ASSERT_EQ(avail_event(&d), 0xbeef);
	ASSERT_EQ(get16(&d, USED_GPA), 0); /* used->flags: never NO_NOTIFY */
	drv_fini(&d);
}

/* "Any more?" without arming notifications, with or without EVENT_IDX. */
TEST(virtq_has_avail)
{
	struct virtq_chain c;
	struct drv d;

	for (int ev = 0; ev < 2; ev++) {
		drv_init(&d, 8, ev, false);
		put16(&d, USED_GPA + 4 + 8 * 8, 0xbeef);
		ASSERT_TRUE(!virtq_has_avail(&d.q));
		desc(&d, 0, DATA_GPA, 8, 0, 0);
		desc(&d, 1, DATA_GPA, 8, 0, 0);
		publish(&d, 0);
		publish(&d, 1);
		ASSERT_TRUE(virtq_has_avail(&d.q));
		ASSERT_EQ(virtq_pop(&d.q, &c), 1);
		ASSERT_TRUE(virtq_has_avail(&d.q));
		ASSERT_EQ(virtq_pop(&d.q, &c), 1);
		ASSERT_TRUE(!virtq_has_avail(&d.q));
		ASSERT_EQ(avail_event(&d), 0xbeef); /* asking does not arm notifications */
		/* Not ready, or broken: nothing. */
		publish(&d, 0);
		d.q.ready = false;
		ASSERT_TRUE(!virtq_has_avail(&d.q));
		d.q.ready = true;
		d.q.broken = true;
		ASSERT_TRUE(!virtq_has_avail(&d.q));
		drv_fini(&d);
	}
}

TEST(virtq_chain_copy)
{
	struct virtq_chain c;
	struct drv d;
	char buf[64];

	drv_init(&d, 8, false, false);
	memcpy(gp(&d, DATA_GPA, 5), "hello", 5);
	memcpy(gp(&d, HIGH_GPA, 6), " world", 6);
	memset(gp(&d, DATA_GPA + 0x100, 16), '.', 16);
	desc(&d, 0, DATA_GPA, 5, VIRTQ_DESC_F_NEXT, 1);
	desc(&d, 1, HIGH_GPA, 6, VIRTQ_DESC_F_NEXT, 2);
	desc(&d, 2, DATA_GPA + 0x100, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	desc(&d, 3, DATA_GPA + 0x108, 8, VIRTQ_DESC_F_WRITE, 0);
	publish(&d, 0);
	ASSERT_EQ(virtq_pop(&d.q, &c), 1);

	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(virtq_chain_read(&c, 0, buf, sizeof(buf)), 11);
	ASSERT_STR_CONTAINS(buf, "hello world");
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(virtq_chain_read(&c, 3, buf, 5), 5); /* across the buffer boundary */
	ASSERT_TRUE(!strcmp(buf, "lo wo"));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(virtq_chain_read(&c, 5, buf, 3), 3); /* starting at the second buffer */
	ASSERT_TRUE(!strcmp(buf, " wo"));
	ASSERT_EQ(virtq_chain_read(&c, 10, buf, 8), 1);
	ASSERT_EQ(virtq_chain_read(&c, 11, buf, 8), 0);
	ASSERT_EQ(virtq_chain_read(&c, 0xffffffff, buf, 8), 0);
	ASSERT_EQ(virtq_chain_read(&c, 0, buf, 0), 0);

	/* Writes land in the writable part only, offsets counted within it. */
	ASSERT_EQ(virtq_chain_write(&c, 2, "ABCDEF", 6), 6);
	ASSERT_TRUE(!memcmp(gp(&d, DATA_GPA + 0x100, 16), "..AB....CDEF....", 16));
	ASSERT_EQ(virtq_chain_write(&c, 0, "0123456789abcdefXYZ", 19), 12);
	ASSERT_TRUE(!memcmp(gp(&d, DATA_GPA + 0x100, 16), "0123....456789ab", 16));
	ASSERT_EQ(virtq_chain_write(&c, 12, "x", 1), 0);
	ASSERT_EQ(virtq_chain_write(&c, 11, "xy", 2), 1);
	ASSERT_TRUE(!memcmp(gp(&d, DATA_GPA + 0x100, 16), "0123....456789ax", 16));
	/* The readable part is untouched. */
	ASSERT_TRUE(!memcmp(gp(&d, DATA_GPA, 5), "hello", 5));
	drv_fini(&d);
}

/* xorshift64*: a fixed seed keeps failures reproducible. */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dull;
}

/* Addresses a confused or malicious guest might use: mostly near the edges of RAM. */
static uint64_t fuzz_addr(void)
{
	static const uint64_t edges[] = {
		0,	    LOW_SIZE, MID_END,	HIGH_GPA, HIGH_GPA + HIGH_SIZE,
		UINT64_MAX, DATA_GPA, INDIR_GPA};

	switch (rnd() % 4) {
	case 0:
		return rnd();
	case 1:
		return edges[rnd() % ARRAY_SIZE(edges)] + (rnd() % 64) - 32;
	default:
		return DATA_GPA + rnd() % 0x10000;
	}
}

static uint32_t fuzz_len(void)
{
	switch (rnd() % 6) {
	case 0:
		return 0;
	case 1:
		return 0xffffffff - rnd() % 4;
	case 2:
		return (uint32_t)rnd();
	case 3:
		return (rnd() % 64 + 1) * 16; /* plausible indirect table */
	default:
		return rnd() % 256 + 1;
	}
}

static void fuzz_bytes(struct drv *d, uint64_t gpa, uint64_t len)
{
	uint8_t *p = gp(d, gpa, len);

	for (uint64_t i = 0; i < len; i++)
		p[i] = (uint8_t)rnd();
}

/* A plausible table: runs of linked descriptors, readable then writable, now and then an
 * indirect one; each field is corrupted with probability 1/@corrupt. */
static void fuzz_table(struct drv *d, uint64_t table, unsigned n, unsigned corrupt)
{
	unsigned split = rnd() % (n + 1);

	for (unsigned i = 0; i < n; i++) {
		uint64_t addr = rnd() % 4 ? DATA_GPA + rnd() % 0x10000 : HIGH_GPA + rnd() % 0x8000;
		uint32_t len = rnd() % 512 + 1;
		uint16_t flags = i >= split ? VIRTQ_DESC_F_WRITE : 0;
		uint16_t next = i + 1;

		if (i + 1 < n && rnd() % 4)
			flags |= VIRTQ_DESC_F_NEXT;
		if (!(flags & VIRTQ_DESC_F_NEXT) && rnd() % 8 == 0) {
			unsigned first = rnd() % 64;

			addr = INDIR_GPA + 16 * first;
			len = 16 * (rnd() % (64 - first) + 1);
			flags = VIRTQ_DESC_F_INDIRECT;
		}
		if (rnd() % corrupt == 0)
			addr = fuzz_addr();
		if (rnd() % corrupt == 0)
			len = fuzz_len();
		if (rnd() % corrupt == 0)
			flags ^= 1u << (rnd() % 4);
		if (rnd() % corrupt == 0)
			next = rnd() % 2 ? rnd() % (n + 1) : (uint16_t)rnd();
		desc_at(d, table, i, addr, len, flags, next);
	}
}

static bool in_ram(const struct guest_mem *mem, const uint8_t *p, uint32_t len)
{
	for (unsigned i = 0; i < mem->nr_regions; i++) {
		const struct guest_region *r = &mem->regions[i];

		if (p >= r->host && len <= r->size && (size_t)(p - r->host) <= r->size - len)
			return true;
	}
	return false;
}

TEST(virtq_fuzz)
{
	static struct virtq_chain c;
	unsigned pops = 0, broken = 0, empty = 0, bufs = 0, bad = 0;
	uint8_t scratch[512];
	struct drv d;

	rnd_state = 0x5eed5eed12345678ull;
	drv_init(&d, 8, false, false);
	for (unsigned iter = 0; iter < 4000; iter++) {
		if (iter % 16 == 0 || d.q.broken) {
			q_config(&d, 1u << (rnd() % 9), rnd() & 1, rnd() & 1);
			ASSERT_EQ(virtq_activate(&d.q), 0);
			d.avail_idx = (uint16_t)rnd();
			d.q.last_avail = d.avail_idx;
			d.q.used_idx = (uint16_t)rnd();
		}
		if (rnd() % 4 == 0) {
			/* Pure noise over the rings and the indirect tables. */
			fuzz_bytes(&d, DESC_GPA, 16ull * d.q.size);
			fuzz_bytes(&d, AVAIL_GPA, 4 + 2ull * d.q.size + 2);
			fuzz_bytes(&d, USED_GPA, 4 + 8ull * d.q.size + 2);
			fuzz_bytes(&d, INDIR_GPA, 4096);
		} else {
			/* Mostly plausible: the bugs hide in the details. */
			unsigned corrupt = 8 + rnd() % 512;

			fuzz_table(&d, DESC_GPA, d.q.size, corrupt);
			fuzz_table(&d, INDIR_GPA, 64, corrupt);
			for (unsigned i = 0; i < d.q.size; i++)
				put16(&d, AVAIL_GPA + 4 + 2 * i,
				      rnd() % corrupt ? rnd() % d.q.size : (uint16_t)rnd());
			avail_set_idx(&d, d.q.last_avail + (rnd() % corrupt ? rnd() % (d.q.size + 1)
									    : (uint16_t)rnd()));
			avail_flags(&d, (uint16_t)rnd());
			used_event(&d, (uint16_t)rnd());
		}
		for (unsigned n = 0; n < 2u * d.q.size + 2; n++) {
			int ret = virtq_pop(&d.q, &c);

			if (ret == 0) {
				empty++;
				break;
			}
			if (ret < 0) {
				ASSERT_EQ(ret, -EIO);
				ASSERT_TRUE(d.q.broken);
				ASSERT_EQ(virtq_pop(&d.q, &c), -EIO);
				broken++;
				break;
			}
			ASSERT_EQ(ret, 1);
			ASSERT_TRUE(c.head < d.q.size);
			ASSERT_TRUE(c.nbufs <= VIRTQ_MAX_BUFS);
			{
				uint64_t out = 0, in = 0;
				bool seen_w = false;

				for (unsigned i = 0; i < c.nbufs; i++) {
					const struct virtq_buf *b = &c.bufs[i];

					bad += !in_ram(&d.mem, b->addr, b->len) || b->len == 0 ||
					       (seen_w && !b->device_writes);
					seen_w |= b->device_writes;
					*(b->device_writes ? &in : &out) += b->len;
				}
				ASSERT_EQ(out, c.out_len);
				ASSERT_EQ(in, c.in_len);
				ASSERT_TRUE(out + in <= UINT32_MAX);
			}
			/* Touch the buffers (ASan checks every byte is guest RAM). */
			virtq_chain_read(&c, rnd() % 64, scratch, sizeof(scratch));
			virtq_chain_write(&c, rnd() % 64, scratch, rnd() % sizeof(scratch));
			bufs += c.nbufs;
			pops++;
			virtq_push(&d.q, c.head, (uint32_t)rnd());
		}
		virtq_should_interrupt(&d.q);
	}
	ASSERT_EQ(bad, 0);
	/* The fuzzer reaches every outcome. */
	ASSERT_TRUE(pops > 100);
	ASSERT_TRUE(bufs > pops);
	ASSERT_TRUE(broken > 100);
	ASSERT_TRUE(empty > 100);
	drv_fini(&d);
}
