// SPDX-License-Identifier: MIT
/* test_virtio_blk.c: virtio-blk on a temporary image file, driven by a guest driver played
 * by the test through the VM's MMIO bus: reads, writes, FLUSH, GET_ID, requests outside the
 * disk or of odd lengths, read-only disks, unknown request types, malformed rings, and the
 * image checks at creation. The device serves requests on its worker thread, so completions
 * are awaited on the used ring. */
#include <errno.h>
#include <stdlib.h>

#include "log_capture.h"
#include "test.h"
#include "virtio_driver.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)

#define RAM_SIZE  (1 * MiB)
#define QSIZE	  64
#define DESC_GPA  0x1000ull /* 64 * 16 = 1 KiB */
#define AVAIL_GPA 0x2000ull
#define USED_GPA  0x3000ull
#define HDR_GPA	  0x4000ull /* request n: header at + 32n, status byte at + 32n + 16 */
#define DATA_GPA  0x10000ull
#define SECTORS	  64
#define WAIT_MS	  2000

#define VIRTIO_ID_BLOCK	   2
#define BLK_F_SEG_MAX	   (1ull << 2)
#define BLK_F_RO	   (1ull << 5)
#define BLK_F_FLUSH	   (1ull << 9)
#define BLK_T_IN	   0
#define BLK_T_OUT	   1
#define BLK_T_FLUSH	   4
#define BLK_T_GET_ID	   8
#define BLK_T_DISCARD	   11
#define BLK_T_WRITE_ZEROES 13
#define BLK_S_OK	   0
#define BLK_S_IOERR	   1
#define BLK_S_UNSUPP	   2
#define STATUS_UNTOUCHED   0xee
#define DATA_UNTOUCHED	   0x5a
#define F_VERSION_1	   (1ull << VIRTIO_F_VERSION_1)
#define TMPL		   "/tmp/smolvm-blk-XXXXXX"

struct blk_fx {
	struct vm *vm;
	char path[64];
	int fd; /* the test's own descriptor on the image */
	uint64_t size;
	struct vdrv d;
	uint16_t done; /* completions so far (the expected used->idx) */
	struct log_capture log;
	bool logging;
};

/* An image of @size bytes at a fresh path made from @tmpl, and a VM with it as a disk. */
static bool fx_init_named(struct blk_fx *fx, const char *tmpl, uint64_t size, bool ro)
{
	int err;

	memset(fx, 0, sizeof(*fx));
	snprintf(fx->path, sizeof(fx->path), "%s", tmpl);
	fx->size = size;
	fx->fd = vdrv_make_image(fx->path, size);
	if (fx->fd < 0)
		return false;
	fx->vm = vdrv_vm_new(RAM_SIZE);
	log_capture_begin(&fx->log);
	fx->logging = true;
	err = virtio_blk_add(&fx->vm->devices, fx->path, ro);
	if (err) {
		test_fail(__FILE__, __LINE__, "virtio_blk_add: %d", err);
		return false;
	}
	vdrv_attach(&fx->d, fx->vm, 0);
	return true;
}

static bool fx_init(struct blk_fx *fx, bool ro)
{
	return fx_init_named(fx, TMPL, SECTORS * 512, ro);
}

static char *fx_log(struct blk_fx *fx)
{
	fx->logging = false;
	return log_capture_end(&fx->log);
}

static void fx_fini(struct blk_fx *fx)
{
	/* The worker is stopped (vm_destroy) before the log capture ends. */
	vdrv_vm_free(fx->vm);
	if (fx->logging)
		free(log_capture_end(&fx->log));
	if (fx->fd >= 0) {
		close(fx->fd);
		unlink(fx->path);
	}
}

static bool fx_start(struct blk_fx *fx)
{
	fx->done = 0;
	return vdrv_start(&fx->d, F_VERSION_1, 0, QSIZE, DESC_GPA, AVAIL_GPA, USED_GPA);
}

static uint8_t status_byte(struct blk_fx *fx, unsigned n)
{
	return *(uint8_t *)vdrv_ptr(&fx->d, HDR_GPA + 32ull * n + 16, 1);
}

/* Builds request @n (descriptors 4n..4n+3): a 16-byte header, @len bytes of data at @data
 * in @nseg (1 or 2) buffers, device-writable for anything but OUT, and the status byte
 * (preset to STATUS_UNTOUCHED); publishes it. Returns the head. */
static uint16_t submit(struct blk_fx *fx, unsigned n, uint32_t type, uint64_t sector, uint64_t data,
		       uint32_t len, unsigned nseg)
{
	uint64_t hdr_gpa = HDR_GPA + 32ull * n;
	uint8_t *hdr = vdrv_ptr(&fx->d, hdr_gpa, 17);
	uint16_t head = (uint16_t)(4 * n), i = head;
	uint16_t dflags = type == BLK_T_OUT ? 0 : VIRTQ_DESC_F_WRITE;
	uint32_t t = htole32(type), zero = 0;
	uint64_t s = htole64(sector);

	memcpy(hdr, &t, 4);
	memcpy(hdr + 4, &zero, 4);
	memcpy(hdr + 8, &s, 8);
	hdr[16] = STATUS_UNTOUCHED;
	vdrv_desc(&fx->d, i, hdr_gpa, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	i++;
	if (len && nseg == 2) {
		uint32_t first = len / 3 + 1;

		vdrv_desc(&fx->d, i, data, first, dflags | VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
		i++;
		vdrv_desc(&fx->d, i, data + first, len - first, dflags | VIRTQ_DESC_F_NEXT,
			  (uint16_t)(i + 1));
		i++;
	} else if (len) {
		vdrv_desc(&fx->d, i, data, len, dflags | VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
		i++;
	}
	vdrv_desc(&fx->d, i, hdr_gpa + 16, 1, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx->d, head);
	return head;
}

/* Notifies and waits for the next @count completions; false on a timeout. */
static bool kick_and_wait(struct blk_fx *fx, unsigned count)
{
	uint16_t want = (uint16_t)(fx->done + count);

	vdrv_notify(&fx->d);
	if (vdrv_wait_used(&fx->d, want, WAIT_MS) != want) {
		test_fail(__FILE__, __LINE__, "used idx %u after %u ms, want %u",
			  vdrv_used_idx(&fx->d), WAIT_MS, want);
		return false;
	}
	fx->done = want;
	return true;
}

/* One request, start to finish: returns its status byte; *@used_len is the length the
 * device reported. */
static uint8_t request(struct blk_fx *fx, uint32_t type, uint64_t sector, uint64_t data,
		       uint32_t len, unsigned nseg, uint32_t *used_len)
{
	unsigned n = fx->done % (QSIZE / 4);
	uint16_t head = submit(fx, n, type, sector, data, len, nseg);
	uint16_t pos = fx->done;

	if (!kick_and_wait(fx, 1))
		return STATUS_UNTOUCHED;
	ASSERT_EQ(vdrv_used_id(&fx->d, pos), head);
	if (used_len)
		*used_len = vdrv_used_len(&fx->d, pos);
	return status_byte(fx, n);
}

/* Whether the image file still holds the original pattern, except [@skip, @skip + @n). */
static bool image_intact(struct blk_fx *fx, uint64_t skip, uint64_t n)
{
	uint8_t *buf = malloc(fx->size);
	bool ok = buf && pread(fx->fd, buf, fx->size, 0) == (ssize_t)fx->size;

	for (uint64_t i = 0; ok && i < fx->size; i++)
		if ((i < skip || i >= skip + n) && buf[i] != vdrv_image_byte(i))
			ok = false;
	free(buf);
	return ok;
}

/* Whether guest bytes [@gpa, @gpa + @len) hold the image's bytes from @pos on. */
static bool data_is_image(struct blk_fx *fx, uint64_t gpa, uint32_t len, uint64_t pos)
{
	const uint8_t *p = vdrv_ptr(&fx->d, gpa, len);

	for (uint32_t i = 0; i < len; i++)
		if (p[i] != vdrv_image_byte(pos + i))
			return false;
	return true;
}

static bool all_bytes(const void *p, uint8_t v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (((const uint8_t *)p)[i] != v)
			return false;
	return true;
}

static uint64_t config64(struct blk_fx *fx, unsigned off)
{
	return vdrv_read(&fx->d, VREG_CONFIG + off, 8);
}

TEST(virtio_blk_device_and_config)
{
	struct blk_fx fx;
	uint64_t base, features;
	unsigned irq;

	ASSERT_TRUE(fx_init(&fx, false));
	/* Placed in arch slot 0 and described for the guest. */
	ASSERT_EQ(vdrv_arch_slot(0, &base, &irq), 0);
	ASSERT_EQ(vdrv_nr_virtio(fx.vm), 1);
	ASSERT_EQ(vdrv_virtio(fx.vm, 0)->base, base);
	ASSERT_EQ(vdrv_virtio(fx.vm, 0)->size, VIRTIO_MMIO_SIZE);
	ASSERT_EQ(vdrv_virtio(fx.vm, 0)->irq.num, irq);
#ifdef __x86_64__
	ASSERT_EQ(base, 0xd0000000ull);
#endif
	ASSERT_TRUE(bus_find(&fx.vm->mmio, base) != NULL);
	ASSERT_TRUE(bus_find(&fx.vm->mmio, base + VIRTIO_MMIO_SIZE - 1) != NULL);
	ASSERT_TRUE(bus_find(&fx.vm->mmio, base + VIRTIO_MMIO_SIZE) == NULL);
	ASSERT_EQ(devmgr_count(&fx.vm->devices), 1); /* the slot, which owns the disk */
	ASSERT_TRUE(!fx.vm->devices.input_error);

	ASSERT_EQ(vdrv_read32(&fx.d, VREG_MAGIC), VIRTIO_MMIO_MAGIC_VALUE);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_VERSION), 2);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_DEVICE_ID), VIRTIO_ID_BLOCK);
	features = vdrv_device_features(&fx.d);
	ASSERT_TRUE(features & F_VERSION_1);
	ASSERT_TRUE(features & BLK_F_FLUSH);
	ASSERT_TRUE(features & BLK_F_SEG_MAX);
	ASSERT_TRUE(!(features & BLK_F_RO));
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_NUM_MAX), 256);
	vdrv_write32(&fx.d, VREG_QUEUE_SEL, 1);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_NUM_MAX), 0); /* one queue */

	/* Config space: capacity in sectors, then size_max and seg_max. */
	ASSERT_EQ(config64(&fx, 0), SECTORS);
	ASSERT_EQ(vdrv_read(&fx.d, VREG_CONFIG + 0, 4), SECTORS);
	ASSERT_EQ(vdrv_read(&fx.d, VREG_CONFIG + 4, 4), 0);
	ASSERT_EQ(vdrv_read(&fx.d, VREG_CONFIG + 12, 4), 254);
	ASSERT_EQ(vdrv_read(&fx.d, VREG_CONFIG + 0, 1), SECTORS);
	ASSERT_EQ(config64(&fx, 16), 0); /* past the config space */
	ASSERT_EQ(config64(&fx, 12), 0); /* crosses its end */
	fx_fini(&fx);
}

TEST(virtio_blk_capacity_rounds_down)
{
	struct blk_fx fx;
	uint32_t len;
	char *log;

	/* 3 sectors and 100 bytes: 3 sectors visible, and a warning. */
	ASSERT_TRUE(fx_init_named(&fx, TMPL, 3 * 512 + 100, false));
	log = fx_log(&fx);
	ASSERT_STR_CONTAINS(log, fx.path);
	ASSERT_STR_CONTAINS(log, "not a whole number of 512-byte sectors");
	free(log);
	fx.logging = true;
	log_capture_begin(&fx.log);
	ASSERT_EQ(config64(&fx, 0), 3);
	ASSERT_TRUE(fx_start(&fx));
	ASSERT_EQ(request(&fx, BLK_T_IN, 2, DATA_GPA, 512, 1, &len), BLK_S_OK);
	ASSERT_TRUE(data_is_image(&fx, DATA_GPA, 512, 2 * 512));
	/* The tail is not a sector. */
	ASSERT_EQ(request(&fx, BLK_T_IN, 3, DATA_GPA, 512, 1, &len), BLK_S_IOERR);
	fx_fini(&fx);

	/* Exactly one sector is the smallest disk. */
	ASSERT_TRUE(fx_init_named(&fx, TMPL, 512, true));
	ASSERT_EQ(config64(&fx, 0), 1);
	fx_fini(&fx);
}

TEST(virtio_blk_read)
{
	static const struct {
		uint64_t sector;
		uint32_t len;
		unsigned nseg;
	} reads[] = {
		{0, 512, 1},	       /* the first sector */
		{3, 3 * 512, 2},       /* several, across two buffers */
		{SECTORS - 1, 512, 2}, /* the last */
		{0, SECTORS * 512, 1}, /* the whole disk */
		{7, 0, 1},	       /* nothing at all */
		{SECTORS, 0, 1},       /* nothing, right at the end */
	};
	struct blk_fx fx;

	ASSERT_TRUE(fx_init(&fx, false));
	ASSERT_TRUE(fx_start(&fx));
	for (unsigned i = 0; i < ARRAY_SIZE(reads); i++) {
		uint32_t len = reads[i].len, used_len = 0;
		uint8_t *p = vdrv_ptr(&fx.d, DATA_GPA, SECTORS * 512 + 1);
		uint8_t st;

		memset(p, DATA_UNTOUCHED, SECTORS * 512 + 1);
		st = request(&fx, BLK_T_IN, reads[i].sector, DATA_GPA, len, reads[i].nseg,
			     &used_len);
		if (st != BLK_S_OK || used_len != len + 1)
			test_fail(__FILE__, __LINE__, "read %u: status %u, used len %u", i, st,
				  used_len);
		if (!data_is_image(&fx, DATA_GPA, len, reads[i].sector * 512))
			test_fail(__FILE__, __LINE__, "read %u: wrong data", i);
		ASSERT_EQ(p[len], DATA_UNTOUCHED); /* not a byte more */
	}
	/* Each completion raised the used-buffer interrupt. */
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), VIRTIO_INT_USED);
	ASSERT_TRUE(image_intact(&fx, 0, 0));
	fx_fini(&fx);
}

TEST(virtio_blk_write)
{
	struct blk_fx fx;
	uint8_t *data, back[1024];
	uint32_t used_len = 0;

	ASSERT_TRUE(fx_init(&fx, false));
	ASSERT_TRUE(fx_start(&fx));
	data = vdrv_ptr(&fx.d, DATA_GPA, 1024);
	for (unsigned i = 0; i < 1024; i++)
		data[i] = (uint8_t)(0xc3 ^ i);
	ASSERT_EQ(request(&fx, BLK_T_OUT, 10, DATA_GPA, 1024, 2, &used_len), BLK_S_OK);
	ASSERT_EQ(used_len, 1); /* only the status byte was written */
	ASSERT_EQ(pread(fx.fd, back, sizeof(back), 10 * 512), (ssize_t)sizeof(back));
	ASSERT_TRUE(memcmp(back, data, sizeof(back)) == 0);
	ASSERT_TRUE(image_intact(&fx, 10 * 512, 1024));
	/* The last sector, then read it back through the device. */
	memset(data, 0x77, 512);
	ASSERT_EQ(request(&fx, BLK_T_OUT, SECTORS - 1, DATA_GPA, 512, 1, NULL), BLK_S_OK);
	memset(data, 0, 512);
	ASSERT_EQ(request(&fx, BLK_T_IN, SECTORS - 1, DATA_GPA, 512, 1, NULL), BLK_S_OK);
	ASSERT_TRUE(all_bytes(data, 0x77, 512));
	/* FLUSH after writes: OK, nothing but the status written. */
	ASSERT_EQ(request(&fx, BLK_T_FLUSH, 0, 0, 0, 1, &used_len), BLK_S_OK);
	ASSERT_EQ(used_len, 1);
	/* An empty write is fine too. */
	ASSERT_EQ(request(&fx, BLK_T_OUT, 5, DATA_GPA, 0, 1, &used_len), BLK_S_OK);
	ASSERT_TRUE(image_intact(&fx, 10 * 512, (SECTORS - 10) * 512));
	fx_fini(&fx);
}

/* Header, data and status in fewer buffers: a driver may merge them. */
TEST(virtio_blk_merged_buffers)
{
	struct blk_fx fx;
	uint8_t *req;
	uint32_t t, used_len;
	uint64_t s;

	ASSERT_TRUE(fx_init(&fx, false));
	ASSERT_TRUE(fx_start(&fx));
	/* OUT: header and data in one readable buffer. */
	req = vdrv_ptr(&fx.d, DATA_GPA, 16 + 512);
	t = htole32(BLK_T_OUT);
	s = htole64(20);
	memset(req, 0, 16);
	memcpy(req, &t, 4);
	memcpy(req + 8, &s, 8);
	memset(req + 16, 0x42, 512);
	*(uint8_t *)vdrv_ptr(&fx.d, HDR_GPA, 1) = STATUS_UNTOUCHED;
	vdrv_desc(&fx.d, 0, DATA_GPA, 16 + 512, VIRTQ_DESC_F_NEXT, 1);
	vdrv_desc(&fx.d, 1, HDR_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx.d, 0);
	ASSERT_TRUE(kick_and_wait(&fx, 1));
	ASSERT_EQ(*(uint8_t *)vdrv_ptr(&fx.d, HDR_GPA, 1), BLK_S_OK);
	ASSERT_TRUE(image_intact(&fx, 20 * 512, 512));
	{
		uint8_t back[512];

		ASSERT_EQ(pread(fx.fd, back, 512, 20 * 512), 512);
		ASSERT_TRUE(all_bytes(back, 0x42, 512));
	}
	/* IN: data and status in one writable buffer; the status is its last byte. */
	t = htole32(BLK_T_IN);
	s = htole64(2);
	memcpy(req, &t, 4);
	memcpy(req + 8, &s, 8);
	memset(vdrv_ptr(&fx.d, DATA_GPA + 0x1000, 513), DATA_UNTOUCHED, 513);
	vdrv_desc(&fx.d, 2, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 3);
	vdrv_desc(&fx.d, 3, DATA_GPA + 0x1000, 513, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx.d, 2);
	ASSERT_TRUE(kick_and_wait(&fx, 1));
	ASSERT_EQ(vdrv_used_id(&fx.d, 1), 2);
	used_len = vdrv_used_len(&fx.d, 1);
	ASSERT_EQ(used_len, 513);
	ASSERT_TRUE(data_is_image(&fx, DATA_GPA + 0x1000, 512, 2 * 512));
	ASSERT_EQ(*(uint8_t *)vdrv_ptr(&fx.d, DATA_GPA + 0x1000 + 512, 1), BLK_S_OK);
	fx_fini(&fx);
}

TEST(virtio_blk_get_id)
{
	struct blk_fx fx;
	uint32_t used_len = 0;
	const char *name;
	uint8_t *id;

	/* A short name: all of it, NUL-padded to 20 bytes. */
	ASSERT_TRUE(fx_init(&fx, false));
	ASSERT_TRUE(fx_start(&fx));
	name = strrchr(fx.path, '/') + 1;
	id = vdrv_ptr(&fx.d, DATA_GPA, 20);
	memset(id, DATA_UNTOUCHED, 20);
	ASSERT_EQ(request(&fx, BLK_T_GET_ID, 0, DATA_GPA, 20, 1, &used_len), BLK_S_OK);
	ASSERT_EQ(used_len, 21);
	ASSERT_TRUE(memcmp(id, name, strlen(name)) == 0);
	ASSERT_TRUE(all_bytes(id + strlen(name), 0, 20 - strlen(name)));
	/* A smaller buffer gets what fits. */
	memset(id, DATA_UNTOUCHED, 20);
	ASSERT_EQ(request(&fx, BLK_T_GET_ID, 0, DATA_GPA, 4, 1, &used_len), BLK_S_OK);
	ASSERT_EQ(used_len, 5);
	ASSERT_TRUE(memcmp(id, name, 4) == 0);
	ASSERT_EQ(id[4], DATA_UNTOUCHED);
	fx_fini(&fx);

	/* A long name: its first 20 bytes, and never more even into a larger buffer. */
	ASSERT_TRUE(fx_init_named(&fx, "/tmp/smolvm-blk-a-rather-long-name-XXXXXX", 4096, true));
	ASSERT_TRUE(fx_start(&fx));
	name = strrchr(fx.path, '/') + 1;
	id = vdrv_ptr(&fx.d, DATA_GPA, 64);
	memset(id, DATA_UNTOUCHED, 64);
	ASSERT_EQ(request(&fx, BLK_T_GET_ID, 0, DATA_GPA, 64, 2, &used_len), BLK_S_OK);
	ASSERT_EQ(used_len, 21);
	ASSERT_TRUE(memcmp(id, name, 20) == 0);
	ASSERT_TRUE(all_bytes(id + 20, DATA_UNTOUCHED, 44));
	fx_fini(&fx);
}

/* Requests outside the disk, or not whole sectors: IOERR, and neither the file nor the
 * guest's buffer changes. */
TEST(virtio_blk_bad_requests)
{
	static const struct {
		uint32_t type;
		uint64_t sector;
		uint32_t len;
	} bad[] = {
		{BLK_T_IN, SECTORS, 512}, /* just past the end */
		{BLK_T_OUT, SECTORS, 512},
		{BLK_T_IN, SECTORS - 1, 1024}, /* straddles the end */
		{BLK_T_OUT, SECTORS - 1, 1024},
		{BLK_T_IN, SECTORS + 1, 0}, /* empty, but past the end */
		{BLK_T_OUT, 0, 100},	    /* not whole sectors */
		{BLK_T_OUT, 0, 513},
		{BLK_T_IN, 0, 700},
		{BLK_T_IN, 1, 511},
		{BLK_T_OUT, UINT64_MAX, 512}, /* sector + len wraps */
		{BLK_T_IN, UINT64_MAX, 512},
		{BLK_T_OUT, UINT64_MAX / 512 + 1, 512}, /* sector * 512 wraps to 0 */
		{BLK_T_IN, UINT64_MAX / 512 + 1, 512},
		{BLK_T_OUT, 1ull << 63, 1024},
	};
	struct blk_fx fx;

	ASSERT_TRUE(fx_init(&fx, false));
	ASSERT_TRUE(fx_start(&fx));
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		uint8_t *p = vdrv_ptr(&fx.d, DATA_GPA, 1024);
		uint32_t used_len = 0;
		uint8_t st;

		memset(p, DATA_UNTOUCHED, 1024);
		st = request(&fx, bad[i].type, bad[i].sector, DATA_GPA, bad[i].len, 2, &used_len);
		if (st != BLK_S_IOERR || used_len != 1)
			test_fail(__FILE__, __LINE__, "request %u: status %u, used len %u", i, st,
				  used_len);
		if (!all_bytes(p, DATA_UNTOUCHED, 1024))
			test_fail(__FILE__, __LINE__, "request %u: guest buffer written", i);
	}
	ASSERT_TRUE(image_intact(&fx, 0, 0));
	/* The device is still fine. */
	ASSERT_EQ(request(&fx, BLK_T_IN, 0, DATA_GPA, 512, 1, NULL), BLK_S_OK);
	ASSERT_EQ(vdrv_status(&fx.d) & VIRTIO_STATUS_NEEDS_RESET, 0);
	fx_fini(&fx);
}

TEST(virtio_blk_read_only)
{
	struct blk_fx fx;
	uint32_t used_len = 0;
	uint8_t *p;

	ASSERT_TRUE(fx_init(&fx, true));
	ASSERT_TRUE(vdrv_device_features(&fx.d) & BLK_F_RO);
	/* The driver accepts RO (it may also ignore it: writes still fail). */
	ASSERT_TRUE(vdrv_start(&fx.d, F_VERSION_1 | BLK_F_RO | BLK_F_FLUSH, 0, QSIZE, DESC_GPA,
			       AVAIL_GPA, USED_GPA));
	p = vdrv_ptr(&fx.d, DATA_GPA, 1024);
	memset(p, 0x99, 1024);
	ASSERT_EQ(request(&fx, BLK_T_OUT, 0, DATA_GPA, 1024, 2, &used_len), BLK_S_IOERR);
	ASSERT_EQ(used_len, 1);
	ASSERT_EQ(request(&fx, BLK_T_OUT, SECTORS - 1, DATA_GPA, 512, 1, NULL), BLK_S_IOERR);
	ASSERT_TRUE(image_intact(&fx, 0, 0));
	/* Reads, FLUSH and GET_ID work. */
	ASSERT_EQ(request(&fx, BLK_T_IN, 1, DATA_GPA, 1024, 2, &used_len), BLK_S_OK);
	ASSERT_EQ(used_len, 1025);
	ASSERT_TRUE(data_is_image(&fx, DATA_GPA, 1024, 512));
	ASSERT_EQ(request(&fx, BLK_T_FLUSH, 0, 0, 0, 1, NULL), BLK_S_OK);
	ASSERT_EQ(request(&fx, BLK_T_GET_ID, 0, DATA_GPA, 20, 1, NULL), BLK_S_OK);
	fx_fini(&fx);
}

TEST(virtio_blk_unsupported_types)
{
	static const uint32_t types[] = {
		2, 3, 5, BLK_T_DISCARD, BLK_T_WRITE_ZEROES, 0x80000000, 0xffffffff};
	struct blk_fx fx;

	ASSERT_TRUE(fx_init(&fx, false));
	ASSERT_TRUE(fx_start(&fx));
	for (unsigned i = 0; i < ARRAY_SIZE(types); i++) {
		uint8_t *p = vdrv_ptr(&fx.d, DATA_GPA, 512);
		uint32_t used_len = 0;
		uint8_t st;

		memset(p, DATA_UNTOUCHED, 512);
		st = request(&fx, types[i], 0, DATA_GPA, 512, 1, &used_len);
		if (st != BLK_S_UNSUPP || used_len != 1)
			test_fail(__FILE__, __LINE__, "type 0x%x: status %u, used len %u", types[i],
				  st, used_len);
		ASSERT_TRUE(all_bytes(p, DATA_UNTOUCHED, 512));
	}
	ASSERT_TRUE(image_intact(&fx, 0, 0));
	fx_fini(&fx);
}

/* Requests with no room for a header or a status byte are returned untouched. */
TEST(virtio_blk_malformed_requests)
{
	struct blk_fx fx;
	uint8_t *st;

	ASSERT_TRUE(fx_init(&fx, false));
	ASSERT_TRUE(fx_start(&fx));
	st = vdrv_ptr(&fx.d, HDR_GPA + 16, 1);
	/* A header but no writable status byte. */
	memset(vdrv_ptr(&fx.d, HDR_GPA, 16), 0, 16); /* IN, sector 0 */
	vdrv_desc(&fx.d, 0, HDR_GPA, 16, 0, 0);
	vdrv_publish(&fx.d, 0);
	ASSERT_TRUE(kick_and_wait(&fx, 1));
	ASSERT_EQ(vdrv_used_len(&fx.d, 0), 0);
	/* A header that is too short. */
	*st = STATUS_UNTOUCHED;
	vdrv_desc(&fx.d, 1, HDR_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	vdrv_desc(&fx.d, 2, HDR_GPA + 16, 1, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx.d, 1);
	ASSERT_TRUE(kick_and_wait(&fx, 1));
	ASSERT_EQ(vdrv_used_len(&fx.d, 1), 0);
	ASSERT_EQ(*st, STATUS_UNTOUCHED);
	/* Only a status byte. */
	vdrv_desc(&fx.d, 3, HDR_GPA + 16, 1, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx.d, 3);
	ASSERT_TRUE(kick_and_wait(&fx, 1));
	ASSERT_EQ(vdrv_used_len(&fx.d, 2), 0);
	ASSERT_EQ(*st, STATUS_UNTOUCHED);
	/* The device carries on. */
	ASSERT_EQ(request(&fx, BLK_T_IN, 0, DATA_GPA, 512, 1, NULL), BLK_S_OK);
	ASSERT_TRUE(image_intact(&fx, 0, 0));
	fx_fini(&fx);
}

/* A ring the guest broke: DEVICE_NEEDS_RESET, a config interrupt, nothing more served until
 * the driver resets the device. */
TEST(virtio_blk_malformed_ring)
{
	struct blk_fx fx;
	uint32_t st;
	char *log;

	ASSERT_TRUE(fx_init(&fx, false));
	ASSERT_TRUE(fx_start(&fx));
	/* A data buffer outside guest RAM. */
	submit(&fx, 0, BLK_T_OUT, 0, RAM_SIZE - 256, 512, 1);
	vdrv_notify(&fx.d);
	st = vdrv_wait_status(&fx.d, VIRTIO_STATUS_NEEDS_RESET, WAIT_MS);
	ASSERT_TRUE(st & VIRTIO_STATUS_NEEDS_RESET);
	ASSERT_TRUE(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS) & VIRTIO_INT_CONFIG);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 0);
	/* A good request now is not looked at. */
	submit(&fx, 1, BLK_T_IN, 0, DATA_GPA, 512, 1);
	vdrv_notify(&fx.d);
	vdrv_sleep_us(50 * 1000);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 0);
	ASSERT_EQ(status_byte(&fx, 1), STATUS_UNTOUCHED);
	ASSERT_TRUE(image_intact(&fx, 0, 0));
	log = fx_log(&fx);
	ASSERT_STR_CONTAINS(log, "virtio-blk: malformed request queue; the device needs a reset");
	free(log);
	fx.logging = true;
	log_capture_begin(&fx.log);
	/* Reset and start again: served. */
	ASSERT_TRUE(fx_start(&fx));
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), 0);
	ASSERT_EQ(request(&fx, BLK_T_IN, 3, DATA_GPA, 512, 1, NULL), BLK_S_OK);
	ASSERT_TRUE(data_is_image(&fx, DATA_GPA, 512, 3 * 512));

	/* Another way to break it: a chain that loops. */
	vdrv_desc(&fx.d, 10, HDR_GPA, 16, VIRTQ_DESC_F_NEXT, 11);
	vdrv_desc(&fx.d, 11, HDR_GPA + 16, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 10);
	vdrv_publish(&fx.d, 10);
	vdrv_notify(&fx.d);
	st = vdrv_wait_status(&fx.d, VIRTIO_STATUS_NEEDS_RESET, WAIT_MS);
	ASSERT_TRUE(st & VIRTIO_STATUS_NEEDS_RESET);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 1);
	fx_fini(&fx);
}

/* Many requests per notification, and the ring's indices wrapping around a small queue. */
TEST(virtio_blk_many_requests)
{
	struct blk_fx fx;

	ASSERT_TRUE(fx_init(&fx, false));
	ASSERT_TRUE(fx_start(&fx));
	/* Eight reads of different sectors into different buffers, one notification. */
	for (unsigned n = 0; n < 8; n++)
		submit(&fx, n, BLK_T_IN, 8 * n, DATA_GPA + 0x1000ull * n, 1024, n & 1 ? 2 : 1);
	ASSERT_TRUE(kick_and_wait(&fx, 8));
	for (unsigned i = 0; i < 8; i++) {
		uint32_t id = vdrv_used_id(&fx.d, (uint16_t)i);
		unsigned n = id / 4;

		ASSERT_EQ(id % 4, 0);
		ASSERT_TRUE(n < 8);
		ASSERT_EQ(vdrv_used_len(&fx.d, (uint16_t)i), 1025);
		if (n < 8) {
			ASSERT_EQ(status_byte(&fx, n), BLK_S_OK);
			ASSERT_TRUE(
				data_is_image(&fx, DATA_GPA + 0x1000ull * n, 1024, 8 * n * 512));
		}
	}
	fx_fini(&fx);

	/* A queue of 4 entries: one request (3 descriptors) at a time, 40 times over, so the
	 * indices wrap around the ring ten times. Round i uses sector i / 2: even rounds
	 * write it with the byte i, odd rounds read it back. */
	ASSERT_TRUE(fx_init(&fx, false));
	ASSERT_TRUE(vdrv_start(&fx.d, F_VERSION_1, 0, 4, DESC_GPA, AVAIL_GPA, USED_GPA));
	for (unsigned i = 0; i < 40; i++) {
		uint8_t *d = vdrv_ptr(&fx.d, DATA_GPA, 512);

		memset(d, (uint8_t)i, 512);
		submit(&fx, 0, i & 1 ? BLK_T_IN : BLK_T_OUT, i / 2, DATA_GPA, 512, 1);
		if (!kick_and_wait(&fx, 1))
			break;
		ASSERT_EQ(status_byte(&fx, 0), BLK_S_OK);
		ASSERT_EQ(vdrv_used_id(&fx.d, (uint16_t)i), 0);
		if (i & 1)
			ASSERT_TRUE(all_bytes(d, (uint8_t)(i - 1), 512));
	}
	ASSERT_TRUE(image_intact(&fx, 0, 20 * 512));
	fx_fini(&fx);
}

/* A burst of requests published together completes with one interrupt, raised after the
 * last of them: when the guest sees it, every completion is in the used ring. They are
 * served in ring order: a write, a FLUSH and reads of the same sector in one burst read back
 * what was written. */
TEST(virtio_blk_burst_one_interrupt)
{
	struct blk_fx fx;
	uint64_t end;
	uint32_t isr;
	uint8_t buf[512];

	ASSERT_TRUE(fx_init(&fx, false));
	ASSERT_TRUE(fx_start(&fx));
	memset(vdrv_ptr(&fx.d, DATA_GPA, 512), 0x77, 512);
	submit(&fx, 0, BLK_T_OUT, 5, DATA_GPA, 512, 1);
	submit(&fx, 1, BLK_T_FLUSH, 0, 0, 0, 1);
	for (unsigned n = 2; n < 12; n++)
		submit(&fx, n, BLK_T_IN, 5, DATA_GPA + 0x1000ull * n, 512, 1);
	vdrv_notify(&fx.d);
	end = vdrv_now_ms() + WAIT_MS;
	while (!(isr = vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS)) && vdrv_now_ms() < end)
		vdrv_sleep_us(20);
	ASSERT_EQ(isr, VIRTIO_INT_USED);
	ASSERT_EQ(vdrv_used_idx(&fx.d), 12);
	for (unsigned i = 0; i < 12; i++) {
		ASSERT_EQ(vdrv_used_id(&fx.d, (uint16_t)i), 4 * i);
		ASSERT_EQ(status_byte(&fx, i), BLK_S_OK);
		if (i >= 2)
			ASSERT_TRUE(all_bytes(vdrv_ptr(&fx.d, DATA_GPA + 0x1000ull * i, 512), 0x77,
					      512));
	}
	ASSERT_EQ(pread(fx.fd, buf, sizeof(buf), 5 * 512), (ssize_t)sizeof(buf));
	ASSERT_TRUE(all_bytes(buf, 0x77, sizeof(buf)));
	ASSERT_TRUE(image_intact(&fx, 5 * 512, 512));
	fx_fini(&fx);
}

TEST(virtio_blk_two_disks)
{
	char path2[] = TMPL;
	struct blk_fx fx;
	struct vdrv d2;
	uint64_t base;
	unsigned irq;
	int fd2;

	ASSERT_TRUE(fx_init(&fx, false));
	fd2 = vdrv_make_image(path2, 8 * 512);
	ASSERT_TRUE(fd2 >= 0);
	ASSERT_EQ(virtio_blk_add(&fx.vm->devices, path2, false), 0);
	ASSERT_EQ(vdrv_nr_virtio(fx.vm), 2);
	ASSERT_EQ(vdrv_arch_slot(1, &base, &irq), 0);
	ASSERT_EQ(vdrv_virtio(fx.vm, 1)->base, base);
	ASSERT_EQ(vdrv_virtio(fx.vm, 1)->irq.num, irq);
	ASSERT_TRUE(vdrv_virtio(fx.vm, 1)->irq.num != vdrv_virtio(fx.vm, 0)->irq.num);
	vdrv_attach(&d2, fx.vm, 1);
	ASSERT_EQ(vdrv_read(&d2, VREG_CONFIG, 8), 8);
	ASSERT_EQ(config64(&fx, 0), SECTORS);
	/* Disk 2 with its rings elsewhere; write to it, and disk 1 does not change. */
	ASSERT_TRUE(fx_start(&fx));
	ASSERT_TRUE(vdrv_start(&d2, F_VERSION_1, 0, 8, 0x80000, 0x81000, 0x82000));
	memset(vdrv_ptr(&d2, 0x90000, 512), 0xab, 512);
	*(uint8_t *)vdrv_ptr(&d2, 0x84010, 1) = STATUS_UNTOUCHED;
	{
		uint32_t hdr[4] = {htole32(BLK_T_OUT), 0, htole32(7), 0};

		memcpy(vdrv_ptr(&d2, 0x84000, 16), hdr, 16);
	}
	vdrv_desc(&d2, 0, 0x84000, 16, VIRTQ_DESC_F_NEXT, 1);
	vdrv_desc(&d2, 1, 0x90000, 512, VIRTQ_DESC_F_NEXT, 2);
	vdrv_desc(&d2, 2, 0x84010, 1, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&d2, 0);
	vdrv_notify(&d2);
	ASSERT_EQ(vdrv_wait_used(&d2, 1, WAIT_MS), 1);
	ASSERT_EQ(*(uint8_t *)vdrv_ptr(&d2, 0x84010, 1), BLK_S_OK);
	{
		uint8_t back[512];

		ASSERT_EQ(pread(fd2, back, 512, 7 * 512), 512);
		ASSERT_TRUE(all_bytes(back, 0xab, 512));
	}
	ASSERT_EQ(vdrv_used_idx(&fx.d), 0);
	ASSERT_TRUE(image_intact(&fx, 0, 0));
	ASSERT_EQ(request(&fx, BLK_T_IN, 7, DATA_GPA, 512, 1, NULL), BLK_S_OK);
	ASSERT_TRUE(data_is_image(&fx, DATA_GPA, 512, 7 * 512));
	fx_fini(&fx);
	close(fd2);
	unlink(path2);
}

/* Images that cannot be disks: an error naming the file, nothing added to the VM. */
TEST(virtio_blk_bad_images)
{
	char missing[] = "/tmp/smolvm-blk-missing-XXXXXX", small[] = TMPL, empty[] = TMPL;
	struct log_capture c;
	struct vm *vm;
	char *log;
	int fd;

	fd = mkstemp(missing);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	unlink(missing);

	for (int ro = 0; ro < 2; ro++) {
		vm = vdrv_vm_new(RAM_SIZE);
		log_capture_begin(&c);
		ASSERT_EQ(virtio_blk_add(&vm->devices, missing, ro), -ENOENT);
		log = log_capture_end(&c);
		ASSERT_STR_CONTAINS(log, "cannot open disk image");
		ASSERT_STR_CONTAINS(log, missing);
		if (ro)
			ASSERT_STR_CONTAINS(log, "(read-only)");
		free(log);
		ASSERT_TRUE(vm->devices.input_error);
		ASSERT_EQ(devmgr_count(&vm->devices), 0);
		ASSERT_EQ(vdrv_nr_virtio(vm), 0);
		ASSERT_EQ(vm->mmio.nr, 0);
		vdrv_vm_free(vm);
	}

	/* 511 bytes and 0 bytes: less than a sector. */
	fd = vdrv_make_image(small, 511);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	fd = vdrv_make_image(empty, 0);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	for (int i = 0; i < 4; i++) {
		const char *path = i & 1 ? empty : small;

		vm = vdrv_vm_new(RAM_SIZE);
		log_capture_begin(&c);
		ASSERT_EQ(virtio_blk_add(&vm->devices, path, i >= 2), -EINVAL);
		log = log_capture_end(&c);
		ASSERT_STR_CONTAINS(log, path);
		ASSERT_STR_CONTAINS(log, "too small");
		free(log);
		ASSERT_TRUE(vm->devices.input_error);
		ASSERT_EQ(devmgr_count(&vm->devices), 0);
		ASSERT_EQ(vdrv_nr_virtio(vm), 0);
		vdrv_vm_free(vm);
	}
	unlink(small);
	unlink(empty);
}

/* All virtio slots taken: the next disk is refused cleanly. */
TEST(virtio_blk_too_many_devices)
{
	char path[] = TMPL;
	struct log_capture c;
	struct vm *vm = vdrv_vm_new(RAM_SIZE);
	char *log;
	int fd = vdrv_make_image(path, 512);

	ASSERT_TRUE(fd >= 0);
	log_capture_begin(&c);
	for (unsigned i = 0; i < VIRTIO_MAX_DEVICES; i++)
		ASSERT_EQ(virtio_blk_add(&vm->devices, path, true), 0);
	ASSERT_EQ(vdrv_nr_virtio(vm), VIRTIO_MAX_DEVICES);
	ASSERT_EQ(virtio_blk_add(&vm->devices, path, true), -ENOSPC);
	log = log_capture_end(&c);
	ASSERT_STR_CONTAINS(log, "too many");
	free(log);
	ASSERT_EQ(vdrv_nr_virtio(vm), VIRTIO_MAX_DEVICES);
	ASSERT_EQ(devmgr_count(&vm->devices), VIRTIO_MAX_DEVICES);
	vdrv_vm_free(vm);
	close(fd);
	unlink(path);
}
