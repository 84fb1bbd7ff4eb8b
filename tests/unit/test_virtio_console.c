// SPDX-License-Identifier: MIT
/* test_virtio_console.c: virtio-console output on a VM without a backend, its console
 * writing to a temporary file, driven by a guest driver played by the test. A notification
 * runs on the vCPU thread under the transport lock, so the work it does is bounded: the test
 * holds that lock around its QueueNotify write (the lock is recursive), which keeps the
 * device's worker from going on meanwhile, and looks at what the notification alone did.
 * Everything still comes out, in order, once the lock is let go. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "console.h"
#include "log_capture.h"
#include "test.h"
#include "virtio_driver.h"

#define MiB	   (1024ull * 1024)
#define KiB	   1024ull
#define RAM_SIZE   (16 * MiB)
#define QSIZE	   64
#define RX_DESC	   0x1000ull
#define RX_AVAIL   0x2000ull
#define RX_USED	   0x3000ull
#define TX_DESC	   0x4000ull
#define TX_AVAIL   0x5000ull
#define TX_USED	   0x6000ull
#define TX2_DESC   0x8000ull /* the transmit rings after the queue is set up again */
#define TX2_AVAIL  0x9000ull
#define TX2_USED   0xa000ull
#define DATA_GPA   0x100000ull
#define WAIT_MS	   5000
#define MAX_NOTIFY (1 * MiB) /* more than this from one notification is unbounded work */

#define VIRTIO_ID_CONSOLE 3
#define F_VERSION_1	  (1ull << VIRTIO_F_VERSION_1)

struct vcon_fx {
	struct vm *vm;
	struct vdrv rx, tx;
	char path[32];
	int out; /* the console's output file */
	struct log_capture log;
};

static bool fx_init(struct vcon_fx *fx)
{
	struct console *con;
	uint32_t st;

	memset(fx, 0, sizeof(*fx));
	snprintf(fx->path, sizeof(fx->path), "/tmp/smolvm-vcon-XXXXXX");
	fx->out = mkstemp(fx->path);
	if (fx->out < 0)
		return false;
	fx->vm = vdrv_vm_new(RAM_SIZE);
	con = console_create(-1, fx->out, NULL);
	if (!con)
		return false;
	fx->vm->console = con; /* vm_destroy() frees it */
	fx->vm->devices.env.console = con;
	log_capture_begin(&fx->log);
	if (virtio_console_add(&fx->vm->devices))
		return false;
	vdrv_attach(&fx->rx, fx->vm, 0);
	vdrv_attach(&fx->tx, fx->vm, 0);
	ASSERT_EQ(vdrv_read32(&fx->rx, VREG_DEVICE_ID), VIRTIO_ID_CONSOLE);
	st = vdrv_negotiate(&fx->rx, F_VERSION_1);
	if (!(st & VIRTIO_STATUS_FEATURES_OK) ||
	    !vdrv_queue_setup(&fx->rx, 0, QSIZE, RX_DESC, RX_AVAIL, RX_USED) ||
	    !vdrv_queue_setup(&fx->tx, 1, QSIZE, TX_DESC, TX_AVAIL, TX_USED))
		return false;
	vdrv_write32(&fx->rx, VREG_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	return vdrv_status(&fx->rx) == (st | VIRTIO_STATUS_DRIVER_OK);
}

static void fx_fini(struct vcon_fx *fx)
{
	if (fx->vm) {
		vdrv_vm_free(fx->vm); /* the console and the device's worker with it */
		free(log_capture_end(&fx->log));
	}
	if (fx->out >= 0) {
		close(fx->out);
		unlink(fx->path);
	}
}

static uint64_t output_size(struct vcon_fx *fx)
{
	struct stat st;

	return fstat(fx->out, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 12) * 13 + 1);
}

/* Fills @len bytes of guest RAM at @gpa with the pattern from @pos on. */
static void fill(struct vcon_fx *fx, uint64_t gpa, uint64_t len, uint64_t pos)
{
	uint8_t *p = vdrv_ptr(&fx->tx, gpa, len);

	for (uint64_t i = 0; i < len; i++)
		p[i] = pattern(pos + i);
}

/* Whether the output file holds, from @off, @len bytes of the pattern from @pos on. */
static bool output_is(struct vcon_fx *fx, uint64_t off, uint64_t len, uint64_t pos)
{
	uint8_t *buf = malloc(len);
	bool ok = buf && pread(fx->out, buf, len, (off_t)off) == (ssize_t)len;

	for (uint64_t i = 0; ok && i < len; i++)
		ok = buf[i] == pattern(pos + i);
	free(buf);
	return ok;
}

/* Notifies the transmit queue with the transport lock held: returns the bytes written
 * by the notification alone. */
static uint64_t notify_locked(struct vcon_fx *fx)
{
	struct virtio_mmio *t = vdrv_transport(fx->vm, 0);
	uint64_t before = output_size(fx), during;

	virtio_mmio_lock(t);
	vdrv_notify(&fx->tx);
	during = output_size(fx) - before;
	virtio_mmio_unlock(t);
	return during;
}

/* 64 chains of 64 KiB posted at once: one notification writes a bounded part; the rest
 * follows, in ring order. */
TEST(virtio_console_bounded_work_per_notify_many_chains)
{
	struct vcon_fx fx;
	uint64_t during;

	if (!fx_init(&fx)) {
		test_fail(__FILE__, __LINE__, "fixture");
		goto out;
	}
	for (unsigned i = 0; i < QSIZE; i++) {
		fill(&fx, DATA_GPA + i * 64 * KiB, 64 * KiB, i * 64 * KiB);
		vdrv_desc(&fx.tx, i, DATA_GPA + i * 64 * KiB, 64 * KiB, 0, 0);
		vdrv_publish(&fx.tx, (uint16_t)i);
	}
	during = notify_locked(&fx);
	if (during == 0 || during > MAX_NOTIFY)
		test_fail(__FILE__, __LINE__, "one notification wrote %llu bytes (want 1..%llu)",
			  (unsigned long long)during, (unsigned long long)MAX_NOTIFY);
	ASSERT_EQ(vdrv_wait_used(&fx.tx, QSIZE, WAIT_MS), QSIZE);
	for (unsigned i = 0; i < QSIZE; i++)
		ASSERT_EQ(vdrv_used_id(&fx.tx, (uint16_t)i), i);
	ASSERT_EQ(output_size(&fx), QSIZE * 64 * KiB);
	ASSERT_TRUE(output_is(&fx, 0, QSIZE * 64 * KiB, 0));
out:
	fx_fini(&fx);
}

/* One chain of 8 MiB: written a bounded part per notification, completed once all of it is
 * out. Disabling the queue in the middle drops the rest of the chain. */
TEST(virtio_console_bounded_work_per_notify_large_chain)
{
	struct vcon_fx fx;
	uint64_t during, size;

	if (!fx_init(&fx)) {
		test_fail(__FILE__, __LINE__, "fixture");
		goto out;
	}
	fill(&fx, DATA_GPA, 8 * MiB, 0);
	for (unsigned i = 0; i < 8; i++)
		vdrv_desc(&fx.tx, i, DATA_GPA + i * MiB, MiB, i < 7 ? VIRTQ_DESC_F_NEXT : 0,
			  (uint16_t)(i + 1));
	vdrv_publish(&fx.tx, 0);
	during = notify_locked(&fx);
	if (during == 0 || during > MAX_NOTIFY)
		test_fail(__FILE__, __LINE__, "one notification wrote %llu bytes (want 1..%llu)",
			  (unsigned long long)during, (unsigned long long)MAX_NOTIFY);
	ASSERT_EQ(vdrv_wait_used(&fx.tx, 1, WAIT_MS), 1);
	ASSERT_EQ(vdrv_used_id(&fx.tx, 0), 0);
	ASSERT_EQ(vdrv_used_len(&fx.tx, 0), 0);
	ASSERT_EQ(output_size(&fx), 8 * MiB);
	ASSERT_TRUE(output_is(&fx, 0, 8 * MiB, 0));

	/* The same chain again, and the queue disabled while the transport lock is still held
	 * (the worker has not gone on): the chain is dropped where it was. */
	{
		struct virtio_mmio *t = vdrv_transport(fx.vm, 0);

		virtio_mmio_lock(t);
		vdrv_desc(&fx.tx, 8, DATA_GPA, MiB, VIRTQ_DESC_F_NEXT, 9);
		vdrv_desc(&fx.tx, 9, DATA_GPA + MiB, 7 * MiB, 0, 0);
		vdrv_publish(&fx.tx, 8);
		vdrv_notify(&fx.tx);
		vdrv_write32(&fx.tx, VREG_QUEUE_SEL, 1);
		vdrv_write32(&fx.tx, VREG_QUEUE_READY, 0);
		ASSERT_EQ(vdrv_read32(&fx.tx, VREG_QUEUE_READY), 0);
		size = output_size(&fx);
		virtio_mmio_unlock(t);
	}
	vdrv_sleep_us(100 * 1000);
	ASSERT_EQ(output_size(&fx), size); /* nothing more once QueueReady read 0 */
	ASSERT_EQ(vdrv_get16(&fx.tx, TX_USED + 2), 1);
	/* Fresh rings: only what is posted on them comes out, and completes there. */
	ASSERT_TRUE(vdrv_queue_setup(&fx.tx, 1, QSIZE, TX2_DESC, TX2_AVAIL, TX2_USED));
	fill(&fx, DATA_GPA, 100, 12345);
	vdrv_desc(&fx.tx, 3, DATA_GPA, 100, 0, 0);
	vdrv_publish(&fx.tx, 3);
	vdrv_notify(&fx.tx);
	ASSERT_EQ(vdrv_wait_used(&fx.tx, 1, WAIT_MS), 1);
	ASSERT_EQ(vdrv_used_id(&fx.tx, 0), 3);
	vdrv_sleep_us(50 * 1000);
	ASSERT_EQ(output_size(&fx), size + 100);
	ASSERT_TRUE(output_is(&fx, size, 100, 12345));
out:
	fx_fini(&fx);
}
