// SPDX-License-Identifier: MIT
/* test_virtio_mmio.c: the virtio-mmio transport driven through its registers by a guest
 * driver played by the test, with a small fake device behind it: identification, feature
 * negotiation, queue setup, notifications, the interrupt line, reset, access sizes and
 * config space. Guest RAM is heap memory so that ASan sees any access outside it. */
#include <errno.h>
#include <stdlib.h>

#include "log_capture.h"
#include "test.h"
#include "virtio_driver.h"

#define KiB 1024ull
#define GiB (1024ull * 1024 * KiB)

/* Guest RAM: [0, 256 KiB) and [4 GiB, 4 GiB + 64 KiB). */
#define LOW_SIZE  (256 * KiB)
#define HIGH_GPA  (4 * GiB)
#define HIGH_SIZE (64 * KiB)
#define DESC_GPA  0x1000ull
#define AVAIL_GPA 0x2000ull
#define USED_GPA  0x3000ull
#define DATA_GPA  0x10000ull

#define FAKE_ID		42
#define FAKE_QUEUES	2
#define FAKE_QUEUE_MAX	16
#define FAKE_CONFIG	20 /* not a multiple of 8: an 8-byte read at 16 crosses the end */
#define FAKE_FEATURE_LO 5  /* device-specific feature bits the fake offers */
#define FAKE_FEATURE_HI 35

#define F_VERSION_1 (1ull << VIRTIO_F_VERSION_1)
#define F_EVENT_IDX (1ull << VIRTIO_F_EVENT_IDX)
#define F_INDIRECT  (1ull << VIRTIO_F_INDIRECT_DESC)
#define F_FAKE_LO   (1ull << FAKE_FEATURE_LO)
#define F_FAKE_HI   (1ull << FAKE_FEATURE_HI)

#define ST_ACK (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER)
#define ST_FOK (ST_ACK | VIRTIO_STATUS_FEATURES_OK)
#define ST_OK  (ST_FOK | VIRTIO_STATUS_DRIVER_OK)

struct fake_dev {
	struct virtio_mmio *t;
	uint8_t config[FAKE_CONFIG];
	uint32_t config_max_end; /* the furthest byte read_config/write_config was asked for */
	unsigned notifies[FAKE_QUEUES];
	unsigned stray_notifies; /* queue_notify with a queue index out of range */
	unsigned resets, activations, config_writes;
	bool serve; /* on a notification, complete every available chain */
	/* The interrupt line. */
	unsigned irq_calls;
	bool irq_level;
	bool irq_repeated; /* set_irq was called without a change of level */
};

struct fx {
	struct guest_mem mem;
	struct fake_dev dev;
	struct vdrv d;
	struct log_capture log;
};

static void fake_read_config(void *opaque, uint32_t offset, void *buf, uint32_t len)
{
	struct fake_dev *f = opaque;

	f->config_max_end = MAX(f->config_max_end, offset + len);
	if (offset + len <= sizeof(f->config))
		memcpy(buf, f->config + offset, len);
}

static void fake_write_config(void *opaque, uint32_t offset, const void *buf, uint32_t len)
{
	struct fake_dev *f = opaque;

	f->config_max_end = MAX(f->config_max_end, offset + len);
	f->config_writes++;
	if (offset + len <= sizeof(f->config))
		memcpy(f->config + offset, buf, len);
}

static void fake_queue_notify(void *opaque, unsigned qidx)
{
	struct fake_dev *f = opaque;
	struct virtq_chain *c;
	struct virtq *q;

	if (qidx >= FAKE_QUEUES) {
		f->stray_notifies++;
		return;
	}
	f->notifies[qidx]++;
	if (!f->serve)
		return;
	c = malloc(sizeof(*c));
	if (!c)
		abort();
	/* As a device model does: the lock around pop/push (recursive: the transport holds
	 * it already while it calls us). */
	virtio_mmio_lock(f->t);
	while ((q = virtio_mmio_queue(f->t, qidx))) {
		int r = virtq_pop(q, c);

		if (r < 0)
			virtio_mmio_needs_reset(f->t, "fake: bad ring");
		if (r <= 0)
			break;
		virtq_push(q, c->head, c->in_len);
		virtio_mmio_notify_used(f->t, qidx);
	}
	virtio_mmio_unlock(f->t);
	free(c);
}

static void fake_activate(void *opaque)
{
	((struct fake_dev *)opaque)->activations++;
}

static void fake_reset(void *opaque)
{
	((struct fake_dev *)opaque)->resets++;
}

static void fake_set_irq(void *opaque, bool level)
{
	struct fake_dev *f = opaque;

	if (level == f->irq_level)
		f->irq_repeated = true;
	f->irq_level = level;
	f->irq_calls++;
}

static const struct virtio_dev_ops fake_ops = {
	.name = "fake",
	.device_id = FAKE_ID,
	.num_queues = FAKE_QUEUES,
	.queue_max = FAKE_QUEUE_MAX,
	.read_config = fake_read_config,
	.write_config = fake_write_config,
	.config_size = FAKE_CONFIG,
	.queue_notify = fake_queue_notify,
	.activate = fake_activate,
	.reset = fake_reset,
};

static void mem_init(struct guest_mem *mem)
{
	static const struct {
		uint64_t gpa, size;
	} layout[] = {{0, LOW_SIZE}, {HIGH_GPA, HIGH_SIZE}};

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

/* A transport on the fake device; register accesses go straight to its io_ops. Log output
 * goes to a capture (the caller may end it early to look at it). */
static bool fx_init(struct fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	mem_init(&fx->mem);
	fx->dev.t = virtio_mmio_create(&fake_ops, &fx->dev, F_FAKE_LO | F_FAKE_HI, &fx->mem,
				       fake_set_irq, &fx->dev);
	fx->d.mem = &fx->mem;
	fx->d.opaque = fx->dev.t;
	log_capture_begin(&fx->log);
	return fx->dev.t != NULL;
}

/* Ends the log capture and returns the text (the caller frees it). */
static char *fx_log(struct fx *fx)
{
	char *s = log_capture_end(&fx->log);

	fx->log.f = NULL;
	return s;
}

static void fx_fini(struct fx *fx)
{
	if (fx->log.f)
		free(log_capture_end(&fx->log));
	virtio_mmio_destroy(fx->dev.t);
	for (unsigned i = 0; i < fx->mem.nr_regions; i++)
		free(fx->mem.regions[i].host);
}

/* Restarts the log capture after fx_log(). */
static void fx_relog(struct fx *fx)
{
	log_capture_begin(&fx->log);
}

/* The standard bring-up: VERSION_1 only, queue 0 of 8 entries at the low rings. */
static bool fx_start(struct fx *fx)
{
	return vdrv_start(&fx->d, F_VERSION_1, 0, 8, DESC_GPA, AVAIL_GPA, USED_GPA);
}

TEST(virtio_mmio_identification)
{
	struct io_region region;
	struct bus bus;
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_MAGIC), VIRTIO_MMIO_MAGIC_VALUE);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_VERSION), 2);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_DEVICE_ID), FAKE_ID);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_VENDOR_ID), 0x4c4f4d53); /* "SMOL" */
	ASSERT_EQ(vdrv_status(&fx.d), 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_CONFIG_GENERATION), 0);

	/* The same through a bus, as the vCPU's MMIO exit reaches it. */
	bus_init(&bus, "mmio");
	region = (struct io_region){.name = "fake",
				    .base = 0xd0000000,
				    .len = VIRTIO_MMIO_SIZE,
				    .ops = &virtio_mmio_io_ops,
				    .opaque = fx.dev.t};
	ASSERT_EQ(bus_register(&bus, &region), 0);
	fx.d.bus = &bus;
	fx.d.base = 0xd0000000;
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_MAGIC), VIRTIO_MMIO_MAGIC_VALUE);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_DEVICE_ID), FAKE_ID);
	{
		uint8_t b[4] = {0};

		/* An access straddling the end of the region is refused by the bus. */
		ASSERT_EQ(bus_access(&bus, 0xd0000000 + VIRTIO_MMIO_SIZE - 2, b, 4, false),
			  BUS_BAD_SIZE);
		ASSERT_TRUE(bus_find(&bus, 0xd0000000 + VIRTIO_MMIO_SIZE) == NULL);
	}
	bus_destroy(&bus);
	fx_fini(&fx);
}

/* Creating a transport with more queues than it supports fails. */
TEST(virtio_mmio_too_many_queues)
{
	struct virtio_dev_ops ops = fake_ops;
	struct guest_mem mem = {0};

	ops.num_queues = VIRTIO_MMIO_MAX_QUEUES + 1;
	ASSERT_TRUE(virtio_mmio_create(&ops, NULL, 0, &mem, NULL, NULL) == NULL);
	ops.num_queues = VIRTIO_MMIO_MAX_QUEUES;
	{
		struct virtio_mmio *t = virtio_mmio_create(&ops, NULL, 0, &mem, NULL, NULL);

		ASSERT_TRUE(t != NULL);
		virtio_mmio_destroy(t);
	}
	virtio_mmio_destroy(NULL);
}

TEST(virtio_mmio_features_offered)
{
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	vdrv_write32(&fx.d, VREG_DEVICE_FEATURES_SEL, 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_DEVICE_FEATURES), F_EVENT_IDX | F_INDIRECT | F_FAKE_LO);
	vdrv_write32(&fx.d, VREG_DEVICE_FEATURES_SEL, 1);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_DEVICE_FEATURES), (F_VERSION_1 | F_FAKE_HI) >> 32);
	/* Past bit 63: nothing. */
	vdrv_write32(&fx.d, VREG_DEVICE_FEATURES_SEL, 2);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_DEVICE_FEATURES), 0);
	vdrv_write32(&fx.d, VREG_DEVICE_FEATURES_SEL, 0xffffffff);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_DEVICE_FEATURES), 0);
	ASSERT_EQ(vdrv_device_features(&fx.d),
		  F_VERSION_1 | F_EVENT_IDX | F_INDIRECT | F_FAKE_LO | F_FAKE_HI);
	fx_fini(&fx);
}

TEST(virtio_mmio_features_accepted)
{
	const uint64_t want = F_VERSION_1 | F_EVENT_IDX | F_FAKE_HI;
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(vdrv_negotiate(&fx.d, want), ST_FOK);
	for (unsigned bit = 0; bit < 64; bit++)
		if (virtio_mmio_has_feature(fx.dev.t, bit) != ((want >> bit) & 1))
			test_fail(__FILE__, __LINE__, "feature bit %u: %d", bit,
				  virtio_mmio_has_feature(fx.dev.t, bit));
	ASSERT_TRUE(!virtio_mmio_has_feature(fx.dev.t, 64));
	ASSERT_TRUE(!virtio_mmio_has_feature(fx.dev.t, 1000));
	/* Once FEATURES_OK is set, the features are fixed. */
	vdrv_write_features(&fx.d, F_VERSION_1 | F_INDIRECT);
	ASSERT_TRUE(virtio_mmio_has_feature(fx.dev.t, VIRTIO_F_EVENT_IDX));
	ASSERT_TRUE(!virtio_mmio_has_feature(fx.dev.t, VIRTIO_F_INDIRECT_DESC));
	/* Writes to DriverFeatures with the selector past 1 go nowhere. */
	vdrv_write32(&fx.d, VREG_STATUS, 0);
	vdrv_write32(&fx.d, VREG_STATUS, ST_ACK);
	vdrv_write32(&fx.d, VREG_DRIVER_FEATURES_SEL, 2);
	vdrv_write32(&fx.d, VREG_DRIVER_FEATURES, 0xffffffff);
	for (unsigned bit = 0; bit < 64; bit++)
		ASSERT_TRUE(!virtio_mmio_has_feature(fx.dev.t, bit));
	/* Just VERSION_1 is enough. */
	ASSERT_EQ(vdrv_negotiate(&fx.d, F_VERSION_1), ST_FOK);
	ASSERT_EQ(fx.dev.activations, 0);
	fx_fini(&fx);
}

TEST(virtio_mmio_features_refused)
{
	static const uint64_t bad[] = {
		0,			       /* no VERSION_1 (a legacy driver) */
		F_EVENT_IDX | F_FAKE_LO,       /* still no VERSION_1 */
		F_VERSION_1 | (1ull << 3),     /* a low bit not offered */
		F_VERSION_1 | (1ull << 33),    /* a high bit not offered */
		F_VERSION_1 | (1ull << 63),    /* the top bit */
		~0ull,			       /* everything */
		F_VERSION_1 | F_FAKE_LO | 0x1, /* offered bits plus one that is not */
	};
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		uint32_t st = vdrv_negotiate(&fx.d, bad[i]);

		if (st != ST_ACK)
			test_fail(__FILE__, __LINE__, "features 0x%" PRIx64 ": status 0x%x", bad[i],
				  st);
	}
	/* The driver may fix its features and try again without a reset. */
	vdrv_write_features(&fx.d, F_VERSION_1 | F_INDIRECT);
	vdrv_write32(&fx.d, VREG_STATUS, ST_FOK);
	ASSERT_EQ(vdrv_status(&fx.d), ST_FOK);
	ASSERT_TRUE(virtio_mmio_has_feature(fx.dev.t, VIRTIO_F_INDIRECT_DESC));
	fx_fini(&fx);
}

TEST(virtio_mmio_queue_setup)
{
	struct virtq *q;
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(vdrv_negotiate(&fx.d, F_VERSION_1 | F_EVENT_IDX | F_INDIRECT), ST_FOK);
	for (unsigned i = 0; i < FAKE_QUEUES; i++) {
		vdrv_write32(&fx.d, VREG_QUEUE_SEL, i);
		ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_NUM_MAX), FAKE_QUEUE_MAX);
		ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 0);
	}
	/* Queue 1 with its rings in high RAM: both address halves count. */
	vdrv_queue_layout(&fx.d, 1, FAKE_QUEUE_MAX, HIGH_GPA + 0x100, HIGH_GPA + 0x2002,
			  HIGH_GPA + 0x3004);
	vdrv_write32(&fx.d, VREG_QUEUE_READY, 1);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 1);
	/* Queue 0 in low RAM. */
	ASSERT_TRUE(vdrv_queue_setup(&fx.d, 0, 4, DESC_GPA, AVAIL_GPA, USED_GPA));
	vdrv_write32(&fx.d, VREG_QUEUE_SEL, 1);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 1);
	/* Not handed to the device before DRIVER_OK. */
	ASSERT_TRUE(virtio_mmio_queue(fx.dev.t, 0) == NULL);
	ASSERT_TRUE(virtio_mmio_queue(fx.dev.t, 1) == NULL);
	vdrv_write32(&fx.d, VREG_STATUS, ST_OK);
	ASSERT_EQ(vdrv_status(&fx.d), ST_OK);
	ASSERT_EQ(fx.dev.activations, 1);
	q = virtio_mmio_queue(fx.dev.t, 1);
	ASSERT_TRUE(q != NULL);
	if (q) {
		ASSERT_EQ(q->size, FAKE_QUEUE_MAX);
		ASSERT_EQ(q->desc_gpa, HIGH_GPA + 0x100);
		ASSERT_EQ(q->avail_gpa, HIGH_GPA + 0x2002);
		ASSERT_EQ(q->used_gpa, HIGH_GPA + 0x3004);
		ASSERT_TRUE(q->event_idx);
		ASSERT_TRUE(q->indirect);
		ASSERT_TRUE(q->mem == &fx.mem);
	}
	q = virtio_mmio_queue(fx.dev.t, 0);
	ASSERT_TRUE(q != NULL);
	if (q) {
		ASSERT_EQ(q->size, 4);
		ASSERT_EQ(q->desc_gpa, DESC_GPA);
		ASSERT_EQ(q->avail_gpa, AVAIL_GPA);
		ASSERT_EQ(q->used_gpa, USED_GPA);
	}
	ASSERT_TRUE(virtio_mmio_queue(fx.dev.t, 2) == NULL);
	ASSERT_TRUE(virtio_mmio_queue(fx.dev.t, 1000) == NULL);

	/* Without EVENT_IDX/INDIRECT negotiated the queue does not use them. */
	ASSERT_TRUE(fx_start(&fx));
	q = virtio_mmio_queue(fx.dev.t, 0);
	ASSERT_TRUE(q != NULL && !q->event_idx && !q->indirect);
	/* Queue 1 went away with the reset. */
	ASSERT_TRUE(virtio_mmio_queue(fx.dev.t, 1) == NULL);
	fx_fini(&fx);
}

/* QueueNum above QueueNumMax gives a queue of size 0, which cannot be made ready; neither
 * can any other size that is not a power of two. */
TEST(virtio_mmio_queue_num_checked)
{
	static const uint32_t bad[] = {FAKE_QUEUE_MAX * 2, FAKE_QUEUE_MAX + 1, 0, 3, 12,
				       0x10000 | 8,	   0xffffffff};
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(vdrv_negotiate(&fx.d, F_VERSION_1), ST_FOK);
		vdrv_queue_layout(&fx.d, 0, bad[i], DESC_GPA, AVAIL_GPA, USED_GPA);
		vdrv_write32(&fx.d, VREG_QUEUE_READY, 1);
		if (vdrv_read32(&fx.d, VREG_QUEUE_READY) != 0 ||
		    !(vdrv_status(&fx.d) & VIRTIO_STATUS_NEEDS_RESET))
			test_fail(__FILE__, __LINE__, "QueueNum %u: ready %u status 0x%x", bad[i],
				  vdrv_read32(&fx.d, VREG_QUEUE_READY), vdrv_status(&fx.d));
	}
	/* Every power of two up to the maximum is fine. */
	for (uint32_t n = 1; n <= FAKE_QUEUE_MAX; n *= 2) {
		ASSERT_EQ(vdrv_negotiate(&fx.d, F_VERSION_1), ST_FOK);
		ASSERT_TRUE(vdrv_queue_setup(&fx.d, 0, (uint16_t)n, DESC_GPA, AVAIL_GPA, USED_GPA));
		ASSERT_EQ(vdrv_status(&fx.d), ST_FOK);
	}
	fx_fini(&fx);
}

TEST(virtio_mmio_queue_reconfig_while_ready_ignored)
{
	struct virtq *q;
	char *log;
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_TRUE(fx_start(&fx));
	/* Every layout register is refused while the queue is ready. */
	vdrv_queue_layout(&fx.d, 0, 4, HIGH_GPA, HIGH_GPA + 0x1000, HIGH_GPA + 0x2000);
	log = fx_log(&fx);
	ASSERT_STR_CONTAINS(log, "guest error: fake: queue 0 reconfigured while ready");
	free(log);
	fx_relog(&fx);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 1);
	ASSERT_EQ(vdrv_status(&fx.d), ST_OK);
	q = virtio_mmio_queue(fx.dev.t, 0);
	ASSERT_TRUE(q != NULL);
	if (q) {
		ASSERT_EQ(q->size, 8);
		ASSERT_EQ(q->desc_gpa, DESC_GPA);
		ASSERT_EQ(q->avail_gpa, AVAIL_GPA);
		ASSERT_EQ(q->used_gpa, USED_GPA);
	}
	/* After QueueReady = 0 the layout may change again. */
	vdrv_write32(&fx.d, VREG_QUEUE_READY, 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 0);
	ASSERT_TRUE(virtio_mmio_queue(fx.dev.t, 0) == NULL);
	vdrv_queue_layout(&fx.d, 0, 4, HIGH_GPA, HIGH_GPA + 0x1000, HIGH_GPA + 0x2000);
	vdrv_write32(&fx.d, VREG_QUEUE_READY, 1);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 1);
	q = virtio_mmio_queue(fx.dev.t, 0);
	ASSERT_TRUE(q != NULL);
	if (q) {
		ASSERT_EQ(q->size, 4);
		ASSERT_EQ(q->desc_gpa, HIGH_GPA);
		ASSERT_EQ(q->avail_gpa, HIGH_GPA + 0x1000);
		ASSERT_EQ(q->used_gpa, HIGH_GPA + 0x2000);
	}
	fx_fini(&fx);
}

/* Rings outside RAM (or misaligned) at QueueReady: DEVICE_NEEDS_RESET, and a config
 * interrupt if the driver is already running. */
TEST(virtio_mmio_queue_ready_outside_ram)
{
	static const struct {
		uint64_t desc, avail, used;
	} bad[] = {
		{LOW_SIZE, AVAIL_GPA, USED_GPA},		/* desc table not RAM */
		{LOW_SIZE - 16, AVAIL_GPA, USED_GPA},		/* desc table runs off the end */
		{DESC_GPA, HIGH_GPA + HIGH_SIZE - 8, USED_GPA}, /* avail runs off the end */
		{DESC_GPA, AVAIL_GPA, 0xffffffffffff0000ull},	/* used not RAM */
		{DESC_GPA + 8, AVAIL_GPA, USED_GPA},		/* desc misaligned */
		{DESC_GPA, AVAIL_GPA + 1, USED_GPA},		/* avail misaligned */
		{DESC_GPA, AVAIL_GPA, USED_GPA + 2},		/* used misaligned */
	};
	struct fx fx;
	char *log;

	ASSERT_TRUE(fx_init(&fx));
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		/* Before DRIVER_OK: the status bit, no interrupt. */
		ASSERT_EQ(vdrv_negotiate(&fx.d, F_VERSION_1), ST_FOK);
		vdrv_queue_layout(&fx.d, 0, 8, bad[i].desc, bad[i].avail, bad[i].used);
		vdrv_write32(&fx.d, VREG_QUEUE_READY, 1);
		ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 0);
		ASSERT_EQ(vdrv_status(&fx.d), ST_FOK | VIRTIO_STATUS_NEEDS_RESET);
		ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), 0);
		ASSERT_TRUE(!fx.dev.irq_level);
		/* The driver cannot clear NEEDS_RESET by writing the status. */
		vdrv_write32(&fx.d, VREG_STATUS, ST_OK);
		ASSERT_EQ(vdrv_status(&fx.d), ST_OK | VIRTIO_STATUS_NEEDS_RESET);
		ASSERT_TRUE(virtio_mmio_queue(fx.dev.t, 0) == NULL);

		/* After DRIVER_OK: also a config interrupt. */
		ASSERT_EQ(vdrv_negotiate(&fx.d, F_VERSION_1), ST_FOK);
		ASSERT_EQ(vdrv_status(&fx.d), ST_FOK);
		ASSERT_TRUE(!fx.dev.irq_level);
		vdrv_write32(&fx.d, VREG_STATUS, ST_OK);
		vdrv_queue_layout(&fx.d, 0, 8, bad[i].desc, bad[i].avail, bad[i].used);
		vdrv_write32(&fx.d, VREG_QUEUE_READY, 1);
		ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 0);
		ASSERT_EQ(vdrv_status(&fx.d), ST_OK | VIRTIO_STATUS_NEEDS_RESET);
		ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), VIRTIO_INT_CONFIG);
		ASSERT_TRUE(fx.dev.irq_level);
		/* Acknowledged: the line drops; NEEDS_RESET stays. */
		vdrv_write32(&fx.d, VREG_INTERRUPT_ACK, VIRTIO_INT_CONFIG);
		ASSERT_TRUE(!fx.dev.irq_level);
		ASSERT_EQ(vdrv_status(&fx.d), ST_OK | VIRTIO_STATUS_NEEDS_RESET);
	}
	ASSERT_TRUE(!fx.dev.irq_repeated);
	/* One warning per reset cycle, naming the device. */
	log = fx_log(&fx);
	ASSERT_STR_CONTAINS(log, "fake: queue rings outside guest RAM or misaligned; the device "
				 "needs a reset");
	free(log);
	/* A reset clears it, and a good queue then works. */
	ASSERT_TRUE(fx_start(&fx));
	ASSERT_TRUE(virtio_mmio_queue(fx.dev.t, 0) != NULL);
	fx_fini(&fx);
}

TEST(virtio_mmio_queue_notify)
{
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	/* Before DRIVER_OK: not delivered, even with the queue ready. */
	ASSERT_EQ(vdrv_negotiate(&fx.d, F_VERSION_1), ST_FOK);
	ASSERT_TRUE(vdrv_queue_setup(&fx.d, 0, 8, DESC_GPA, AVAIL_GPA, USED_GPA));
	vdrv_write32(&fx.d, VREG_QUEUE_NOTIFY, 0);
	ASSERT_EQ(fx.dev.notifies[0], 0);
	vdrv_write32(&fx.d, VREG_STATUS, ST_OK);
	/* Ready queue 0: delivered, every time. */
	vdrv_write32(&fx.d, VREG_QUEUE_NOTIFY, 0);
	vdrv_write32(&fx.d, VREG_QUEUE_NOTIFY, 0);
	ASSERT_EQ(fx.dev.notifies[0], 2);
	/* Queue 1 exists but is not ready. */
	vdrv_write32(&fx.d, VREG_QUEUE_NOTIFY, 1);
	ASSERT_EQ(fx.dev.notifies[1], 0);
	/* Queues that do not exist. */
	vdrv_write32(&fx.d, VREG_QUEUE_NOTIFY, FAKE_QUEUES);
	vdrv_write32(&fx.d, VREG_QUEUE_NOTIFY, VIRTIO_MMIO_MAX_QUEUES);
	vdrv_write32(&fx.d, VREG_QUEUE_NOTIFY, 0x10000);
	vdrv_write32(&fx.d, VREG_QUEUE_NOTIFY, 0xffffffff);
	ASSERT_EQ(fx.dev.stray_notifies, 0);
	ASSERT_EQ(fx.dev.notifies[0] + fx.dev.notifies[1], 2);
	/* Queue 1 made ready (while DRIVER_OK): now delivered. */
	vdrv_queue_layout(&fx.d, 1, 8, HIGH_GPA, HIGH_GPA + 0x1000, HIGH_GPA + 0x2000);
	vdrv_write32(&fx.d, VREG_QUEUE_READY, 1);
	vdrv_write32(&fx.d, VREG_QUEUE_NOTIFY, 1);
	ASSERT_EQ(fx.dev.notifies[1], 1);
	/* Disabled again: not delivered. */
	vdrv_write32(&fx.d, VREG_QUEUE_READY, 0);
	vdrv_write32(&fx.d, VREG_QUEUE_NOTIFY, 1);
	ASSERT_EQ(fx.dev.notifies[1], 1);
	/* A device that needs a reset gets no notifications. */
	vdrv_queue_layout(&fx.d, 1, 8, LOW_SIZE, AVAIL_GPA, USED_GPA);
	vdrv_write32(&fx.d, VREG_QUEUE_READY, 1);
	ASSERT_TRUE(vdrv_status(&fx.d) & VIRTIO_STATUS_NEEDS_RESET);
	vdrv_write32(&fx.d, VREG_QUEUE_NOTIFY, 0);
	ASSERT_EQ(fx.dev.notifies[0], 2);
	/* Nor does one that was reset. */
	vdrv_write32(&fx.d, VREG_STATUS, 0);
	vdrv_write32(&fx.d, VREG_QUEUE_NOTIFY, 0);
	ASSERT_EQ(fx.dev.notifies[0], 2);
	ASSERT_EQ(fx.dev.stray_notifies, 0);
	fx_fini(&fx);
}

/* Puts a one-buffer chain (@len device-writable bytes) at descriptor @i and publishes it. */
static void submit(struct fx *fx, uint16_t i, uint32_t len)
{
	vdrv_desc(&fx->d, i, DATA_GPA + 0x100ull * i, len, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx->d, i);
}

TEST(virtio_mmio_interrupts)
{
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	fx.dev.serve = true;
	ASSERT_TRUE(fx_start(&fx));
	ASSERT_EQ(fx.dev.irq_calls, 0);
	/* A completion: InterruptStatus bit 0, the line goes high once. */
	submit(&fx, 0, 10);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 1);
	ASSERT_EQ(vdrv_used_id(&fx.d, 0), 0);
	ASSERT_EQ(vdrv_used_len(&fx.d, 0), 10);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), VIRTIO_INT_USED);
	ASSERT_EQ(fx.dev.irq_calls, 1);
	ASSERT_TRUE(fx.dev.irq_level);
	/* More completions while it is pending: no new edge. */
	submit(&fx, 1, 11);
	submit(&fx, 2, 12);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 3);
	ASSERT_EQ(fx.dev.irq_calls, 1);
	/* Acknowledging a bit that is not set changes nothing. */
	vdrv_write32(&fx.d, VREG_INTERRUPT_ACK, VIRTIO_INT_CONFIG);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), VIRTIO_INT_USED);
	ASSERT_EQ(fx.dev.irq_calls, 1);
	/* Acknowledged: low. */
	vdrv_write32(&fx.d, VREG_INTERRUPT_ACK, VIRTIO_INT_USED);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), 0);
	ASSERT_EQ(fx.dev.irq_calls, 2);
	ASSERT_TRUE(!fx.dev.irq_level);
	vdrv_write32(&fx.d, VREG_INTERRUPT_ACK, 0xffffffff);
	ASSERT_EQ(fx.dev.irq_calls, 2);
	/* The driver asks for no interrupts: completions, but no interrupt. */
	vdrv_avail_flags(&fx.d, VIRTQ_AVAIL_F_NO_INTERRUPT);
	submit(&fx, 3, 13);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 4);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), 0);
	ASSERT_EQ(fx.dev.irq_calls, 2);
	vdrv_avail_flags(&fx.d, 0);
	/* Used and config at once: acknowledging one keeps the line high. */
	submit(&fx, 4, 14);
	vdrv_notify(&fx.d);
	ASSERT_EQ(fx.dev.irq_calls, 3);
	virtio_mmio_lock(fx.dev.t);
	virtio_mmio_needs_reset(fx.dev.t, "test");
	virtio_mmio_unlock(fx.dev.t);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), VIRTIO_INT_USED | VIRTIO_INT_CONFIG);
	ASSERT_EQ(fx.dev.irq_calls, 3);
	vdrv_write32(&fx.d, VREG_INTERRUPT_ACK, VIRTIO_INT_USED);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), VIRTIO_INT_CONFIG);
	ASSERT_EQ(fx.dev.irq_calls, 3);
	ASSERT_TRUE(fx.dev.irq_level);
	vdrv_write32(&fx.d, VREG_INTERRUPT_ACK, VIRTIO_INT_USED | VIRTIO_INT_CONFIG);
	ASSERT_EQ(fx.dev.irq_calls, 4);
	ASSERT_TRUE(!fx.dev.irq_level);
	ASSERT_TRUE(!fx.dev.irq_repeated);
	fx_fini(&fx);
}

/* With EVENT_IDX the driver's used_event decides. */
TEST(virtio_mmio_interrupts_event_idx)
{
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	fx.dev.serve = true;
	ASSERT_TRUE(
		vdrv_start(&fx.d, F_VERSION_1 | F_EVENT_IDX, 0, 8, DESC_GPA, AVAIL_GPA, USED_GPA));
	/* used_event = 2: interrupt when used->idx passes 2, i.e. on the third completion. */
	vdrv_put16(&fx.d, AVAIL_GPA + 4 + 2 * 8, 2);
	/* The first completion after activation always interrupts. */
	submit(&fx, 0, 1);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), VIRTIO_INT_USED);
	vdrv_write32(&fx.d, VREG_INTERRUPT_ACK, VIRTIO_INT_USED);
	submit(&fx, 1, 1);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 2);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), 0);
	submit(&fx, 2, 1);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 3);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), VIRTIO_INT_USED);
	ASSERT_EQ(fx.dev.irq_calls, 3);
	/* The device asked to be notified at the next avail index. */
	ASSERT_EQ(vdrv_get16(&fx.d, USED_GPA + 4 + 8 * 8), 3);
	fx_fini(&fx);
}

TEST(virtio_mmio_reset)
{
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	fx.dev.serve = true;
	ASSERT_TRUE(
		vdrv_start(&fx.d, F_VERSION_1 | F_INDIRECT, 0, 8, DESC_GPA, AVAIL_GPA, USED_GPA));
	vdrv_queue_layout(&fx.d, 1, 4, HIGH_GPA, HIGH_GPA + 0x1000, HIGH_GPA + 0x2000);
	vdrv_write32(&fx.d, VREG_QUEUE_READY, 1);
	fx.d.qidx = 0;
	submit(&fx, 0, 4);
	vdrv_notify(&fx.d);
	ASSERT_TRUE(fx.dev.irq_level);
	vdrv_write32(&fx.d, VREG_DEVICE_FEATURES_SEL, 1);
	vdrv_write32(&fx.d, VREG_DRIVER_FEATURES_SEL, 1);
	vdrv_write32(&fx.d, VREG_QUEUE_SEL, 1);
	ASSERT_EQ(fx.dev.resets, 1); /* the one vdrv_start() began with */

	vdrv_write32(&fx.d, VREG_STATUS, 0);
	ASSERT_EQ(fx.dev.resets, 2);
	ASSERT_EQ(vdrv_status(&fx.d), 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), 0);
	ASSERT_TRUE(!fx.dev.irq_level);
	ASSERT_EQ(fx.dev.irq_calls, 2);
	for (unsigned bit = 0; bit < 64; bit++)
		ASSERT_TRUE(!virtio_mmio_has_feature(fx.dev.t, bit));
	for (unsigned i = 0; i < FAKE_QUEUES; i++)
		ASSERT_TRUE(virtio_mmio_queue(fx.dev.t, i) == NULL);
	/* The selectors are back at 0: DeviceFeatures shows the low half, DriverFeatures
	 * takes the low half, and queue registers go to queue 0. */
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_DEVICE_FEATURES), F_EVENT_IDX | F_INDIRECT | F_FAKE_LO);
	vdrv_write32(&fx.d, VREG_DRIVER_FEATURES, (uint32_t)F_INDIRECT);
	ASSERT_TRUE(virtio_mmio_has_feature(fx.dev.t, VIRTIO_F_INDIRECT_DESC));
	ASSERT_TRUE(!virtio_mmio_has_feature(fx.dev.t, VIRTIO_F_VERSION_1));
	vdrv_write32(&fx.d, VREG_QUEUE_NUM, 4);
	vdrv_write32(&fx.d, VREG_QUEUE_DESC_LOW, DESC_GPA);
	vdrv_write32(&fx.d, VREG_QUEUE_DRIVER_LOW, AVAIL_GPA);
	vdrv_write32(&fx.d, VREG_QUEUE_DEVICE_LOW, USED_GPA);
	vdrv_write32(&fx.d, VREG_QUEUE_READY, 1);
	for (unsigned i = 0; i < FAKE_QUEUES; i++) {
		vdrv_write32(&fx.d, VREG_QUEUE_SEL, i);
		ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), i == 0);
	}
	/* Status 0 again: another device reset (resetting twice is harmless). */
	vdrv_write32(&fx.d, VREG_STATUS, 0);
	vdrv_write32(&fx.d, VREG_STATUS, 0);
	ASSERT_EQ(fx.dev.resets, 4);
	ASSERT_EQ(fx.dev.irq_calls, 2);
	vdrv_write32(&fx.d, VREG_QUEUE_SEL, 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 0);
	/* And the device comes back up with fresh rings: used->idx restarts at 0. */
	ASSERT_TRUE(fx_start(&fx));
	submit(&fx, 5, 7);
	vdrv_notify(&fx.d);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 1);
	ASSERT_EQ(vdrv_used_id(&fx.d, 0), 5);
	ASSERT_EQ(vdrv_used_len(&fx.d, 0), 7);
	ASSERT_TRUE(!fx.dev.irq_repeated);
	fx_fini(&fx);
}

/* Registers are 32-bit: other sizes are refused (reads see 0) and logged. This is the only
 * test that makes such accesses, so the rate-limited messages are still there to see. */
TEST(virtio_mmio_register_access_sizes)
{
	static const unsigned sizes[] = {1, 2, 8};
	struct fx fx;
	char *log;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(vdrv_negotiate(&fx.d, F_VERSION_1), ST_FOK);
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(vdrv_read(&fx.d, VREG_MAGIC, sizes[i]), 0);
		vdrv_write(&fx.d, VREG_STATUS, 0, sizes[i]); /* would reset */
	}
	ASSERT_EQ(vdrv_status(&fx.d), ST_FOK);
	ASSERT_EQ(fx.dev.resets, 1); /* only the one vdrv_negotiate() did */
	log = fx_log(&fx);
	ASSERT_STR_CONTAINS(log, "guest error: fake: 1-byte read of register 0x0 (registers are "
				 "32-bit)");
	ASSERT_STR_CONTAINS(log, "2-byte read of register 0x0");
	ASSERT_STR_CONTAINS(log, "8-byte read of register 0x0");
	ASSERT_STR_CONTAINS(log, "guest error: fake: 1-byte write of register 0x70 (registers "
				 "are 32-bit)");
	ASSERT_STR_CONTAINS(log, "2-byte write of register 0x70");
	ASSERT_STR_CONTAINS(log, "8-byte write of register 0x70");
	free(log);
	fx_fini(&fx);
}

/* Reads of write-only or unknown registers see 0; writes to read-only ones change nothing.
 * The only test that does either. */
TEST(virtio_mmio_unknown_registers)
{
	struct fx fx;
	char *log;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_NUM), 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_NOTIFY), 0);
	ASSERT_EQ(vdrv_read32(&fx.d, 0x0f8), 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_MAGIC + 2), 0); /* misaligned */
	vdrv_write32(&fx.d, VREG_MAGIC, 0);
	vdrv_write32(&fx.d, VREG_DEVICE_ID, 7);
	vdrv_write32(&fx.d, VREG_CONFIG_GENERATION, 5);
	vdrv_write32(&fx.d, VREG_QUEUE_NUM_MAX, 1);
	vdrv_write32(&fx.d, VREG_INTERRUPT_STATUS, VIRTIO_INT_USED);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_MAGIC), VIRTIO_MMIO_MAGIC_VALUE);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_DEVICE_ID), FAKE_ID);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_CONFIG_GENERATION), 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_NUM_MAX), FAKE_QUEUE_MAX);
	log = fx_log(&fx);
	ASSERT_STR_CONTAINS(log, "guest error: fake: read of write-only or unknown register 0x38");
	ASSERT_STR_CONTAINS(log, "guest error: fake: write to read-only or unknown register 0x0");
	free(log);
	fx_fini(&fx);
}

TEST(virtio_mmio_queue_sel_out_of_range)
{
	static const uint32_t sels[] = {FAKE_QUEUES, VIRTIO_MMIO_MAX_QUEUES, 0xffffffff};
	struct fx fx;
	char *log;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(vdrv_negotiate(&fx.d, F_VERSION_1), ST_FOK);
	for (unsigned i = 0; i < ARRAY_SIZE(sels); i++) {
		vdrv_write32(&fx.d, VREG_QUEUE_SEL, sels[i]);
		ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_NUM_MAX), 0);
		ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 0);
	}
	/* A whole queue setup with QueueSel out of range goes nowhere. */
	vdrv_queue_layout(&fx.d, FAKE_QUEUES, 8, DESC_GPA, AVAIL_GPA, USED_GPA);
	vdrv_write32(&fx.d, VREG_QUEUE_READY, 1);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 0);
	ASSERT_EQ(vdrv_status(&fx.d), ST_FOK);
	log = fx_log(&fx);
	ASSERT_STR_CONTAINS(log, "guest error: fake: queue register written with QueueSel 2 out "
				 "of range");
	free(log);
	fx_relog(&fx);
	vdrv_write32(&fx.d, VREG_STATUS, ST_OK);
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		ASSERT_TRUE(virtio_mmio_queue(fx.dev.t, i) == NULL);
	/* The real queues were not touched: they still set up normally. */
	vdrv_write32(&fx.d, VREG_QUEUE_SEL, 1);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_NUM_MAX), FAKE_QUEUE_MAX);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 0);
	fx_fini(&fx);
}

TEST(virtio_mmio_config_space)
{
	static const unsigned sizes[] = {1, 2, 4, 8};
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	for (unsigned i = 0; i < FAKE_CONFIG; i++)
		fx.dev.config[i] = (uint8_t)(0xa0 + i);
	for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
		unsigned size = sizes[s];

		for (unsigned off = 0; off < VIRTIO_MMIO_SIZE - VREG_CONFIG; off++) {
			uint64_t want = 0, got;

			if (off + size > VIRTIO_MMIO_SIZE - VREG_CONFIG)
				break;
			if (off + size <= FAKE_CONFIG)
				memcpy(&want, fx.dev.config + off, size);
			got = vdrv_read(&fx.d, VREG_CONFIG + off, size);
			if (got != want)
				test_fail(__FILE__, __LINE__,
					  "%u-byte config read at %u: 0x%" PRIx64
					  ", want 0x%" PRIx64,
					  size, off, got, want);
		}
	}
	/* The device was never asked for a byte past its config space. */
	ASSERT_EQ(fx.dev.config_max_end, FAKE_CONFIG);
	/* Through a bus too (at the last byte of the region). */
	{
		struct io_region region = {.name = "fake",
					   .base = 0x10000,
					   .len = VIRTIO_MMIO_SIZE,
					   .ops = &virtio_mmio_io_ops,
					   .opaque = fx.dev.t};
		struct bus bus;

		bus_init(&bus, "mmio");
		ASSERT_EQ(bus_register(&bus, &region), 0);
		fx.d.bus = &bus;
		fx.d.base = 0x10000;
		ASSERT_EQ(vdrv_read(&fx.d, VREG_CONFIG + 16, 4), 0xb3b2b1b0);
		ASSERT_EQ(vdrv_read(&fx.d, VREG_CONFIG + 12, 8), 0xb3b2b1b0afaeadacull);
		ASSERT_EQ(vdrv_read(&fx.d, VIRTIO_MMIO_SIZE - 1, 1), 0);
		fx.d.bus = NULL;
		bus_destroy(&bus);
	}
	ASSERT_EQ(fx.dev.config_max_end, FAKE_CONFIG);
	fx_fini(&fx);
}

TEST(virtio_mmio_config_writes_and_generation)
{
	struct fx fx;

	ASSERT_TRUE(fx_init(&fx));
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_CONFIG_GENERATION), 0);
	vdrv_write(&fx.d, VREG_CONFIG + 0, 0x11, 1);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_CONFIG_GENERATION), 1);
	vdrv_write(&fx.d, VREG_CONFIG + 2, 0x3322, 2);
	vdrv_write(&fx.d, VREG_CONFIG + 4, 0x77665544, 4);
	vdrv_write(&fx.d, VREG_CONFIG + 12, 0xffeeddccbbaa9988ull, 8);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_CONFIG_GENERATION), 4);
	ASSERT_EQ(fx.dev.config_writes, 4);
	ASSERT_EQ(fx.dev.config[0], 0x11);
	ASSERT_EQ(fx.dev.config[2], 0x22);
	ASSERT_EQ(fx.dev.config[3], 0x33);
	ASSERT_EQ(vdrv_read(&fx.d, VREG_CONFIG + 4, 4), 0x77665544);
	ASSERT_EQ(vdrv_read(&fx.d, VREG_CONFIG + 12, 8), 0xffeeddccbbaa9988ull);
	/* Past the end: dropped, no new generation. */
	vdrv_write(&fx.d, VREG_CONFIG + FAKE_CONFIG - 4, 0, 8);
	vdrv_write(&fx.d, VREG_CONFIG + FAKE_CONFIG, 0, 1);
	vdrv_write(&fx.d, VIRTIO_MMIO_SIZE - 4, 0, 4);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_CONFIG_GENERATION), 4);
	ASSERT_EQ(fx.dev.config_writes, 4);
	ASSERT_EQ(fx.dev.config_max_end, FAKE_CONFIG);
	/* Reads do not change it; nor does a reset. */
	(void)vdrv_read(&fx.d, VREG_CONFIG, 4);
	vdrv_write32(&fx.d, VREG_STATUS, 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_CONFIG_GENERATION), 4);
	fx_fini(&fx);

	/* A device without write_config ignores config writes altogether. */
	{
		struct virtio_dev_ops ops = fake_ops;
		struct fake_dev dev = {0};
		struct guest_mem mem = {0};
		struct virtio_mmio *t;

		ops.write_config = NULL;
		t = virtio_mmio_create(&ops, &dev, 0, &mem, NULL, NULL);
		ASSERT_TRUE(t != NULL);
		if (t) {
			virtio_mmio_io_ops.write(t, VREG_CONFIG, 0x55, 1);
			ASSERT_EQ(virtio_mmio_io_ops.read(t, VREG_CONFIG_GENERATION, 4), 0);
			ASSERT_EQ(dev.config[0], 0);
			virtio_mmio_destroy(t);
		}
	}
}

/* A device with no config space: every config read is 0 and read_config is never called. */
TEST(virtio_mmio_no_config_space)
{
	struct virtio_dev_ops ops = fake_ops;
	struct fake_dev dev = {0};
	struct guest_mem mem = {0};
	struct log_capture log;
	struct virtio_mmio *t;

	ops.config_size = 0;
	t = virtio_mmio_create(&ops, &dev, 0, &mem, NULL, NULL);
	ASSERT_TRUE(t != NULL);
	if (!t)
		return;
	ASSERT_EQ(virtio_mmio_io_ops.read(t, VREG_CONFIG, 1), 0);
	ASSERT_EQ(virtio_mmio_io_ops.read(t, VREG_CONFIG, 4), 0);
	ASSERT_EQ(virtio_mmio_io_ops.read(t, VREG_CONFIG + 8, 8), 0);
	virtio_mmio_io_ops.write(t, VREG_CONFIG, 1, 4);
	ASSERT_EQ(dev.config_max_end, 0);
	ASSERT_EQ(dev.config_writes, 0);
	/* No set_irq: a needs-reset interrupt is just not signalled. DRIVER_OK needs accepted
	 * features, so the driver takes VERSION_1 first. */
	virtio_mmio_io_ops.write(t, VREG_DRIVER_FEATURES_SEL, 1, 4);
	virtio_mmio_io_ops.write(t, VREG_DRIVER_FEATURES, 1, 4);
	virtio_mmio_io_ops.write(t, VREG_STATUS, ST_OK, 4);
	log_capture_begin(&log);
	virtio_mmio_lock(t);
	virtio_mmio_needs_reset(t, "test");
	virtio_mmio_unlock(t);
	free(log_capture_end(&log));
	ASSERT_EQ(virtio_mmio_io_ops.read(t, VREG_INTERRUPT_STATUS, 4), VIRTIO_INT_CONFIG);
	virtio_mmio_destroy(t);
}
