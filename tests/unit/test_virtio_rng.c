// SPDX-License-Identifier: MIT
/* test_virtio_rng.c: virtio-rng on a VM without a backend, driven through the VM's MMIO bus
 * by a guest driver played by the test. The device fills buffers on the notifying thread,
 * so every completion is there when the QueueNotify write returns -- up to a budget per
 * notification, past which its worker thread goes on. */
#include <errno.h>
#include <stdlib.h>

#include "log_capture.h"
#include "test.h"
#include "virtio_driver.h"

#define RAM_SIZE  (8 * 1024 * 1024ull)
#define DESC_GPA  0x1000ull
#define AVAIL_GPA 0x2000ull
#define USED_GPA  0x3000ull
#define DATA_GPA  0x10000ull
#define FILL	  0x00 /* what buffers hold before the device fills them */

#define VIRTIO_ID_RNG 4
#define F_VERSION_1   (1ull << VIRTIO_F_VERSION_1)

struct rng_fx {
	struct vm *vm;
	struct vdrv d;
	struct log_capture log;
};

static bool fx_init(struct rng_fx *fx)
{
	int err;

	memset(fx, 0, sizeof(*fx));
	fx->vm = vdrv_vm_new(RAM_SIZE);
	log_capture_begin(&fx->log);
	err = virtio_rng_add(&fx->vm->devices);
	if (err) {
		test_fail(__FILE__, __LINE__, "virtio_rng_add: %d", err);
		return false;
	}
	vdrv_attach(&fx->d, fx->vm, 0);
	return true;
}

static void fx_fini(struct rng_fx *fx)
{
	vdrv_vm_free(fx->vm);
	if (fx->log.f)
		free(log_capture_end(&fx->log));
}

static char *fx_log(struct rng_fx *fx)
{
	char *s = log_capture_end(&fx->log);

	fx->log.f = NULL;
	return s;
}

static bool fx_start(struct rng_fx *fx, uint16_t qsize)
{
	return vdrv_start(&fx->d, F_VERSION_1, 0, qsize, DESC_GPA, AVAIL_GPA, USED_GPA);
}

/* Whether @len bytes at @p look random: not all the same byte, and from 64 bytes on, at
 * least half as many distinct values as min(@len, 256) (random data has far more). */
static bool looks_random(const uint8_t *p, uint32_t len)
{
	bool seen[256] = {false};
	unsigned distinct = 0;

	for (uint32_t i = 0; i < len; i++)
		if (!seen[p[i]]) {
			seen[p[i]] = true;
			distinct++;
		}
	if (len >= 64)
		return distinct >= MIN(len, 256u) / 2;
	return len < 8 || distinct > 1;
}

static bool all_bytes(const uint8_t *p, uint8_t v, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

TEST(virtio_rng_device)
{
	struct rng_fx fx;
	uint64_t base;
	unsigned irq;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(vdrv_arch_slot(0, &base, &irq), 0);
	ASSERT_EQ(vdrv_nr_virtio(fx.vm), 1);
	ASSERT_EQ(vdrv_virtio(fx.vm, 0)->base, base);
	ASSERT_EQ(vdrv_virtio(fx.vm, 0)->irq.num, irq);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_MAGIC), VIRTIO_MMIO_MAGIC_VALUE);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_DEVICE_ID), VIRTIO_ID_RNG);
	/* Only the transport's features. */
	ASSERT_EQ(vdrv_device_features(&fx.d),
		  F_VERSION_1 | (1ull << VIRTIO_F_EVENT_IDX) | (1ull << VIRTIO_F_INDIRECT_DESC));
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_NUM_MAX), 64);
	/* No config space. */
	ASSERT_EQ(vdrv_read(&fx.d, VREG_CONFIG, 4), 0);
	ASSERT_EQ(vdrv_read(&fx.d, VREG_CONFIG, 8), 0);
	/* A queue larger than offered cannot be used. */
	ASSERT_EQ(vdrv_negotiate(&fx.d, F_VERSION_1) & VIRTIO_STATUS_FEATURES_OK,
		  VIRTIO_STATUS_FEATURES_OK);
	ASSERT_TRUE(!vdrv_queue_setup(&fx.d, 0, 128, DESC_GPA, AVAIL_GPA, USED_GPA));
	ASSERT_TRUE(fx_start(&fx, 64));
	fx_fini(&fx);
}

TEST(virtio_rng_fills_buffers)
{
	struct rng_fx fx;
	uint8_t *out, *a, *b;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_TRUE(fx_start(&fx, 16));
	/* A readable buffer (ignored), then two writable ones. */
	out = vdrv_ptr(&fx.d, DATA_GPA, 32);
	a = vdrv_ptr(&fx.d, DATA_GPA + 0x100, 64);
	b = vdrv_ptr(&fx.d, DATA_GPA + 0x1000, 4000);
	memset(out, 0x33, 32);
	memset(a, FILL, 64);
	memset(b, FILL, 4001);
	vdrv_desc(&fx.d, 5, DATA_GPA, 32, VIRTQ_DESC_F_NEXT, 9);
	vdrv_desc(&fx.d, 9, DATA_GPA + 0x100, 64, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	vdrv_desc(&fx.d, 2, DATA_GPA + 0x1000, 4000, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx.d, 5);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 1);
	ASSERT_EQ(vdrv_used_id(&fx.d, 0), 5);
	ASSERT_EQ(vdrv_used_len(&fx.d, 0), 64 + 4000);
	ASSERT_TRUE(all_bytes(out, 0x33, 32));
	ASSERT_TRUE(looks_random(a, 64));
	ASSERT_TRUE(looks_random(b, 4000));
	ASSERT_TRUE(memcmp(a, b, 64) != 0);
	ASSERT_EQ(b[4000], FILL); /* not a byte more */
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), VIRTIO_INT_USED);
	ASSERT_EQ(vdrv_status(&fx.d) & VIRTIO_STATUS_NEEDS_RESET, 0);
	fx_fini(&fx);
}

TEST(virtio_rng_multiple_chains)
{
	static const uint32_t lens[] = {1, 16, 100, 512, 4096, 7};
	const unsigned n = ARRAY_SIZE(lens);
	struct rng_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_TRUE(fx_start(&fx, 8));
	/* All published, then one notification. */
	for (unsigned i = 0; i < n; i++) {
		memset(vdrv_ptr(&fx.d, DATA_GPA + 0x2000ull * i, lens[i] + 1), FILL, lens[i] + 1);
		vdrv_desc(&fx.d, 7 - i, DATA_GPA + 0x2000ull * i, lens[i], VIRTQ_DESC_F_WRITE, 0);
		vdrv_publish(&fx.d, (uint16_t)(7 - i));
	}
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = vdrv_ptr(&fx.d, DATA_GPA + 0x2000ull * i, lens[i] + 1);

		ASSERT_EQ(vdrv_used_id(&fx.d, (uint16_t)i), 7 - i);
		ASSERT_EQ(vdrv_used_len(&fx.d, (uint16_t)i), lens[i]);
		if (!looks_random(p, lens[i]))
			test_fail(__FILE__, __LINE__, "chain %u (%u bytes) not filled", i, lens[i]);
		ASSERT_EQ(p[lens[i]], FILL);
	}
	/* Round after round, the ring wrapping: each chain is served as it is notified. */
	for (unsigned i = 0; i < 50; i++) {
		uint8_t *p = vdrv_ptr(&fx.d, DATA_GPA, 64);

		memset(p, FILL, 64);
		vdrv_desc(&fx.d, i % 8, DATA_GPA, 64, VIRTQ_DESC_F_WRITE, 0);
		vdrv_publish(&fx.d, (uint16_t)(i % 8));
		vdrv_notify(&fx.d);
		ASSERT_EQ(vdrv_used_idx(&fx.d), n + i + 1);
		ASSERT_EQ(vdrv_used_id(&fx.d, (uint16_t)(n + i)), i % 8);
		ASSERT_EQ(vdrv_used_len(&fx.d, (uint16_t)(n + i)), 64);
		ASSERT_TRUE(looks_random(p, 64));
	}
	fx_fini(&fx);
}

/* Chains with nothing to fill, and indirect tables. */
TEST(virtio_rng_odd_chains)
{
	struct rng_fx fx;
	uint8_t *p;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_TRUE(vdrv_start(&fx.d, F_VERSION_1 | (1ull << VIRTIO_F_INDIRECT_DESC), 0, 8,
			       DESC_GPA, AVAIL_GPA, USED_GPA));
	/* Only a readable buffer: returned with length 0, untouched. */
	p = vdrv_ptr(&fx.d, DATA_GPA, 16);
	memset(p, FILL, 16);
	vdrv_desc(&fx.d, 0, DATA_GPA, 16, 0, 0);
	vdrv_publish(&fx.d, 0);
	/* A zero-length writable buffer. */
	vdrv_desc(&fx.d, 1, DATA_GPA + 0x100, 0, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx.d, 1);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 2);
	ASSERT_EQ(vdrv_used_len(&fx.d, 0), 0);
	ASSERT_EQ(vdrv_used_len(&fx.d, 1), 0);
	ASSERT_TRUE(all_bytes(p, FILL, 16));
	/* An indirect table of two writable buffers. */
	{
		struct vdrv ind = fx.d;
		uint8_t *a = vdrv_ptr(&fx.d, DATA_GPA + 0x1000, 128);
		uint8_t *b = vdrv_ptr(&fx.d, DATA_GPA + 0x2000, 128);

		memset(a, FILL, 128);
		memset(b, FILL, 128);
		ind.desc = DATA_GPA + 0x8000;
		vdrv_desc(&ind, 0, DATA_GPA + 0x1000, 128, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
			  1);
		vdrv_desc(&ind, 1, DATA_GPA + 0x2000, 128, VIRTQ_DESC_F_WRITE, 0);
		vdrv_desc(&fx.d, 3, DATA_GPA + 0x8000, 32, VIRTQ_DESC_F_INDIRECT, 0);
		vdrv_publish(&fx.d, 3);
		vdrv_notify(&fx.d);
		ASSERT_EQ(vdrv_used_idx(&fx.d), 3);
		ASSERT_EQ(vdrv_used_id(&fx.d, 2), 3);
		ASSERT_EQ(vdrv_used_len(&fx.d, 2), 256);
		ASSERT_TRUE(looks_random(a, 128));
		ASSERT_TRUE(looks_random(b, 128));
	}
	fx_fini(&fx);
}

/* A ring the guest broke: DEVICE_NEEDS_RESET and a config interrupt; nothing is served until
 * the driver resets the device. */
TEST(virtio_rng_malformed_ring)
{
	struct rng_fx fx;
	uint8_t *p;
	char *log;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_TRUE(fx_start(&fx, 8));
	p = vdrv_ptr(&fx.d, DATA_GPA, 64);
	memset(p, FILL, 64);
	/* A good chain, then one whose buffer runs off the end of RAM, then a good one. */
	vdrv_desc(&fx.d, 0, DATA_GPA, 32, VIRTQ_DESC_F_WRITE, 0);
	vdrv_desc(&fx.d, 1, RAM_SIZE - 8, 16, VIRTQ_DESC_F_WRITE, 0);
	vdrv_desc(&fx.d, 2, DATA_GPA + 32, 32, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx.d, 0);
	vdrv_publish(&fx.d, 1);
	vdrv_publish(&fx.d, 2);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 1);
	ASSERT_EQ(vdrv_used_id(&fx.d, 0), 0);
	ASSERT_TRUE(looks_random(p, 32));
	ASSERT_TRUE(all_bytes(p + 32, FILL, 32));
	ASSERT_TRUE(vdrv_status(&fx.d) & VIRTIO_STATUS_NEEDS_RESET);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), VIRTIO_INT_USED | VIRTIO_INT_CONFIG);
	/* More notifications change nothing. */
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 1);
	ASSERT_TRUE(all_bytes(p + 32, FILL, 32));
	log = fx_log(&fx);
	ASSERT_STR_CONTAINS(log, "virtio-rng: malformed request queue; the device needs a reset");
	free(log);
	log_capture_begin(&fx.log);
	/* Reset, fresh rings: works again. */
	ASSERT_TRUE(fx_start(&fx, 8));
	ASSERT_EQ(vdrv_status(&fx.d) & VIRTIO_STATUS_NEEDS_RESET, 0);
	vdrv_desc(&fx.d, 0, DATA_GPA + 32, 32, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx.d, 0);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 1);
	ASSERT_TRUE(looks_random(p + 32, 32));

	/* An available index too far ahead of the device's is malformed too. */
	vdrv_put16(&fx.d, AVAIL_GPA + 2, 100);
	vdrv_notify(&fx.d);
	ASSERT_TRUE(vdrv_status(&fx.d) & VIRTIO_STATUS_NEEDS_RESET);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 1);
	fx_fini(&fx);
}

/* The driver asked for no interrupts: buffers are filled, InterruptStatus stays 0. */
TEST(virtio_rng_no_interrupt)
{
	struct rng_fx fx;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_TRUE(fx_start(&fx, 8));
	vdrv_avail_flags(&fx.d, VIRTQ_AVAIL_F_NO_INTERRUPT);
	vdrv_desc(&fx.d, 0, DATA_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx.d, 0);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 1);
	ASSERT_EQ(vdrv_used_len(&fx.d, 0), 8);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), 0);
	fx_fini(&fx);
}

/* Next to a disk-less VM's other virtio devices it takes the next slot. */
TEST(virtio_rng_second_slot)
{
	struct rng_fx fx;
	uint64_t base;
	unsigned irq;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(virtio_rng_add(&fx.vm->devices), 0);
	ASSERT_EQ(vdrv_nr_virtio(fx.vm), 2);
	ASSERT_EQ(vdrv_arch_slot(1, &base, &irq), 0);
	ASSERT_EQ(vdrv_virtio(fx.vm, 1)->base, base);
	ASSERT_EQ(devmgr_count(&fx.vm->devices), 2); /* two slots, each owning its model */
	/* The two are independent: the second works while the first is not even set up. */
	vdrv_attach(&fx.d, fx.vm, 1);
	ASSERT_TRUE(fx_start(&fx, 8));
	vdrv_desc(&fx.d, 0, DATA_GPA, 64, VIRTQ_DESC_F_WRITE, 0);
	memset(vdrv_ptr(&fx.d, DATA_GPA, 64), FILL, 64);
	vdrv_publish(&fx.d, 0);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 1);
	ASSERT_TRUE(looks_random(vdrv_ptr(&fx.d, DATA_GPA, 64), 64));
	vdrv_attach(&fx.d, fx.vm, 0);
	ASSERT_EQ(vdrv_status(&fx.d), 0);
	fx_fini(&fx);
}

/* The notification runs with the transport lock held: the test holds it too (it is
 * recursive) around its QueueNotify write, which keeps the device's worker from going on
 * meanwhile, and counts what the notification alone filled. */
#define MAX_NOTIFY (1024 * 1024u) /* more than this from one notification is unbounded */

static uint16_t notify_locked(struct rng_fx *fx)
{
	struct virtio_mmio *t = vdrv_transport(fx->vm, 0);
	uint16_t done;

	virtio_mmio_lock(t);
	vdrv_notify(&fx->d);
	done = vdrv_used_idx(&fx->d);
	virtio_mmio_unlock(t);
	return done;
}

/* 64 buffers of 64 KiB at once: one notification fills a bounded part, the rest is filled
 * after it without another notification. */
TEST(virtio_rng_bounded_work_per_notify_many_chains)
{
	const uint32_t len = 64 * 1024;
	struct rng_fx fx;
	uint16_t during;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_TRUE(fx_start(&fx, 64));
	for (unsigned i = 0; i < 64; i++) {
		memset(vdrv_ptr(&fx.d, DATA_GPA + (uint64_t)len * i, len), FILL, len);
		vdrv_desc(&fx.d, i, DATA_GPA + (uint64_t)len * i, len, VIRTQ_DESC_F_WRITE, 0);
		vdrv_publish(&fx.d, (uint16_t)i);
	}
	during = notify_locked(&fx);
	if (during == 0 || (uint64_t)during * len > MAX_NOTIFY)
		test_fail(__FILE__, __LINE__, "one notification filled %u chains of %u bytes",
			  during, len);
	ASSERT_EQ(vdrv_wait_used(&fx.d, 64, 2000), 64);
	for (unsigned i = 0; i < 64; i++) {
		ASSERT_EQ(vdrv_used_id(&fx.d, (uint16_t)i), i);
		ASSERT_EQ(vdrv_used_len(&fx.d, (uint16_t)i), len);
		if (!looks_random(vdrv_ptr(&fx.d, DATA_GPA + (uint64_t)len * i, len), len))
			test_fail(__FILE__, __LINE__, "chain %u not filled", i);
	}
	fx_fini(&fx);
}

/* One chain of 32 MiB (32 buffers over the same 1 MiB): the device may fill less than a
 * buffer offers (5.4.6.1), and does, rather than work without bound. */
TEST(virtio_rng_bounded_work_per_notify_large_chain)
{
	struct rng_fx fx;
	uint32_t len;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_TRUE(fx_start(&fx, 64));
	for (unsigned i = 0; i < 32; i++)
		vdrv_desc(&fx.d, i, DATA_GPA, 1024 * 1024,
			  VIRTQ_DESC_F_WRITE | (i < 31 ? VIRTQ_DESC_F_NEXT : 0), (uint16_t)(i + 1));
	vdrv_publish(&fx.d, 0);
	ASSERT_EQ(notify_locked(&fx), 1);
	len = vdrv_used_len(&fx.d, 0);
	if (len == 0 || len > MAX_NOTIFY)
		test_fail(__FILE__, __LINE__, "one notification filled %u bytes", len);
	ASSERT_TRUE(looks_random(vdrv_ptr(&fx.d, DATA_GPA, MIN(len, 4096u)), MIN(len, 4096u)));
	fx_fini(&fx);
}
