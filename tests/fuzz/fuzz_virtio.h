/* SPDX-License-Identifier: MIT */
/* fuzz_virtio.h: a VM that is only what the virtio devices touch (an MMIO bus, 1 MiB of
 * guest RAM at 0, the device manager; no backend, no vCPU), one device of the kind the
 * input picks, and a guest driver played by the fuzzer through the MMIO bus, as a vCPU's
 * exits would reach the transport. blk runs on a memfd image, net on a socketpair whose
 * far end plays the network, console on an in-memory input and /dev/null output.
 * Every input gets a fresh VM and device, destroyed (device threads joined) before the
 * next, so nothing leaks from one input to the next and leak checking stays on. Only guest
 * RAM is kept (zeroed again for each input): mapping it anew costs more page faults than
 * the rest of an input. */
#pragma once

#include <endian.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "bus.h"
#include "console.h"
#include "devmgr.h"
#include "fuzz_common.h"
#include "guest_mem.h"
#include "virtio/net_backend.h"
#include "virtio/virtio_dev.h"
#include "virtio/virtio_mmio.h"
#include "virtio/virtio_mmio_regs.h"
#include "virtio/virtqueue.h"
#include "vm_state.h"

/* Guest RAM: ring layouts in slots of 16 KiB from 16 KiB (descriptors, then avail at
 * +4 KiB, used at +8 KiB: room for 256 entries), data buffers from 128 KiB. */
#define FV_RAM_SIZE   (1ull << 20)
#define FV_SLOTS      4
#define FV_SLOT(s)    (0x4000ull * ((s) + 1))
#define FV_DATA	      0x20000ull
#define FV_DATA_SIZE  (FV_RAM_SIZE - FV_DATA)
#define FV_MAX_QUEUES 2
#define FV_IMAGE_SIZE (64 * 512)

enum fv_kind { FV_BLK, FV_NET, FV_RNG, FV_CONSOLE, FV_NR_KINDS };

struct fv_queue {
	uint16_t size;	    /* as the driver set it */
	unsigned slot;	    /* ring layout FV_SLOT(slot) */
	uint16_t avail_idx; /* the driver's next avail->idx */
	uint16_t published; /* chains made available since the queue was set up */
};

struct fvm {
	struct vm *vm;
	enum fv_kind kind;
	unsigned nr_queues;
	uint64_t base; /* the device's MMIO base */
	int net_host;  /* the network's end of the socketpair; -1 */
	int net_dev;   /* the device's end (owned by the device) */
	struct console *con;
	struct fv_queue q[FV_MAX_QUEUES];
};

/* ASan's default 256 MiB quarantine hands every input fresh pages, and page faults then
 * cost more than the input (3x fewer inputs per second on the development machines). Freed
 * memory still waits through 16 MiB of later frees, far more than one input allocates. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

static int fv_image_fd = -1, fv_null_fd = -1;
static char fv_image_path[64];
static struct guest_mem fv_mem;

static inline void fv_init(void)
{
	fuzz_quiet_logs();
	if (guest_mem_add(&fv_mem, 0, FV_RAM_SIZE))
		abort();
	fv_image_fd = memfd_create("fuzz-disk", MFD_CLOEXEC);
	fv_null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fv_image_fd < 0 || fv_null_fd < 0 || ftruncate(fv_image_fd, FV_IMAGE_SIZE))
		abort();
	snprintf(fv_image_path, sizeof(fv_image_path), "/proc/self/fd/%d", fv_image_fd);
}

static inline void *fv_ptr(struct fvm *f, uint64_t gpa, uint64_t len)
{
	void *p = guest_mem_ptr(&f->vm->mem, gpa, len);

	if (!p)
		abort(); /* the harness's own addresses are always RAM */
	return p;
}

static inline uint64_t fv_read(struct fvm *f, uint64_t off, unsigned size)
{
	uint8_t buf[8] = {0};
	uint64_t v = 0;

	bus_access(&f->vm->mmio, f->base + off, buf, size, false);
	memcpy(&v, buf, size);
	return v;
}

static inline void fv_write(struct fvm *f, uint64_t off, uint64_t v, unsigned size)
{
	uint8_t buf[8];

	memcpy(buf, &v, sizeof(buf));
	bus_access(&f->vm->mmio, f->base + off, buf, size, true);
}

static inline uint32_t fv_read32(struct fvm *f, uint64_t off)
{
	return (uint32_t)fv_read(f, off, 4);
}

static inline void fv_write32(struct fvm *f, uint64_t off, uint32_t v)
{
	fv_write(f, off, v, 4);
}

/* A fresh VM with one device of @kind; @opt picks device options (read-only disk, a MAC).
 * Returns false if the device could not be created (a harness problem: abort). */
static inline void fv_create(struct fvm *f, enum fv_kind kind, unsigned opt)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct devmgr_env env;
	int err = 0;

	memset(f, 0, sizeof(*f));
	f->net_host = f->net_dev = -1;
	f->kind = kind;
	if (!vm)
		abort();
	f->vm = vm;
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	vm->mem = fv_mem;
	memset(fv_mem.regions[0].host, 0, FV_RAM_SIZE);
	if (kind == FV_CONSOLE) {
		f->con = console_create(-1, fv_null_fd, NULL);
		if (!f->con)
			abort();
		vm->console = f->con; /* vm_destroy() destroys it first */
	}
	env = (struct devmgr_env){.pio = &vm->pio,
				  .mmio = &vm->mmio,
				  .mem = &vm->mem,
				  .console = f->con,
				  .stop = vm_stopper(vm)};
	devmgr_init(&vm->devices, &env, &arch_device_layout);
	switch (kind) {
	case FV_BLK:
		err = virtio_blk_add(&vm->devices, fv_image_path, opt & 1);
		f->nr_queues = 1;
		break;
	case FV_NET: {
		static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
		struct net_backend *nb;
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
			abort();
		f->net_dev = sv[0];
		f->net_host = sv[1];
		fcntl(f->net_host, F_SETFL, O_NONBLOCK);
		nb = net_dgram_open(sv[0], "fuzz");
		if (!nb)
			abort();
		err = virtio_net_add_backend(&vm->devices, nb, opt & 1 ? mac : NULL);
		f->nr_queues = 2;
		break;
	}
	case FV_RNG:
		err = virtio_rng_add(&vm->devices);
		f->nr_queues = 1;
		break;
	default:
		err = virtio_console_add(&vm->devices);
		f->nr_queues = 2;
		break;
	}
	if (err)
		abort();
	for (unsigned i = 0; i < devmgr_count(&vm->devices); i++) {
		const struct device *dev = devmgr_device(&vm->devices, i);

		if (!strcmp(dev->ops->name, "virtio-mmio"))
			f->base = dev->base;
	}
	FUZZ_CHECK(fv_read32(f, VREG_MAGIC) == 0x74726976u);
}

/* vm_destroy() for a VM without vCPUs or backend, but keeping guest RAM. */
static inline void fv_destroy(struct fvm *f)
{
	struct vm *vm = f->vm;

	/* vm_destroy()'s order: device threads stop before the console goes. */
	devmgr_stop(&vm->devices);
	console_destroy(vm->console);
	vm->console = NULL;
	devmgr_destroy(&vm->devices);
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	free(vm);
	if (f->net_host >= 0)
		close(f->net_host);
	f->vm = NULL;
}

static inline uint64_t fv_desc_gpa(const struct fvm *f, unsigned q)
{
	return FV_SLOT(f->q[q].slot);
}

static inline uint64_t fv_avail_gpa(const struct fvm *f, unsigned q)
{
	return FV_SLOT(f->q[q].slot) + 0x1000;
}

static inline uint64_t fv_used_gpa(const struct fvm *f, unsigned q)
{
	return FV_SLOT(f->q[q].slot) + 0x2000;
}

static inline uint32_t fv_status(struct fvm *f)
{
	return fv_read32(f, VREG_STATUS);
}

/* Reset, ACKNOWLEDGE, DRIVER, the device's features masked by @want (VERSION_1 always),
 * FEATURES_OK. Returns the status read back. */
static inline uint32_t fv_negotiate(struct fvm *f, uint64_t want)
{
	uint64_t dev;

	fv_write32(f, VREG_STATUS, 0);
	fv_write32(f, VREG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	fv_write32(f, VREG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	fv_write32(f, VREG_DEVICE_FEATURES_SEL, 0);
	dev = fv_read32(f, VREG_DEVICE_FEATURES);
	fv_write32(f, VREG_DEVICE_FEATURES_SEL, 1);
	dev |= (uint64_t)fv_read32(f, VREG_DEVICE_FEATURES) << 32;
	want = (want | 1ull << VIRTIO_F_VERSION_1) & dev;
	fv_write32(f, VREG_DRIVER_FEATURES_SEL, 0);
	fv_write32(f, VREG_DRIVER_FEATURES, (uint32_t)want);
	fv_write32(f, VREG_DRIVER_FEATURES_SEL, 1);
	fv_write32(f, VREG_DRIVER_FEATURES, (uint32_t)(want >> 32));
	fv_write32(f, VREG_STATUS,
		   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return fv_status(f);
}

/* Queue @q at ring layout @slot with @size entries (rings zeroed as a driver's allocation
 * would be unless @keep), QueueReady = 1. */
static inline void fv_queue_setup(struct fvm *f, unsigned q, unsigned slot, uint16_t size,
				  bool keep)
{
	struct fv_queue *fq = &f->q[q];

	fq->slot = slot % FV_SLOTS;
	fq->size = size;
	fq->avail_idx = 0;
	fq->published = 0;
	if (!keep)
		memset(fv_ptr(f, FV_SLOT(fq->slot), 0x3000), 0, 0x3000);
	fv_write32(f, VREG_QUEUE_SEL, q);
	fv_write32(f, VREG_QUEUE_NUM, size);
	fv_write32(f, VREG_QUEUE_DESC_LOW, (uint32_t)fv_desc_gpa(f, q));
	fv_write32(f, VREG_QUEUE_DESC_HIGH, 0);
	fv_write32(f, VREG_QUEUE_DRIVER_LOW, (uint32_t)fv_avail_gpa(f, q));
	fv_write32(f, VREG_QUEUE_DRIVER_HIGH, 0);
	fv_write32(f, VREG_QUEUE_DEVICE_LOW, (uint32_t)fv_used_gpa(f, q));
	fv_write32(f, VREG_QUEUE_DEVICE_HIGH, 0);
	fv_write32(f, VREG_QUEUE_READY, 1);
}

/* The whole bring-up: features, every queue (queue q in slot q) of 2^@log2 entries (capped
 * at what the device offers), DRIVER_OK. Returns whether the device took it. */
static inline bool fv_bringup(struct fvm *f, uint64_t features, unsigned log2)
{
	uint32_t st = fv_negotiate(f, features);

	if (!(st & VIRTIO_STATUS_FEATURES_OK))
		return false;
	for (unsigned q = 0; q < f->nr_queues; q++) {
		uint32_t max;
		uint16_t size = (uint16_t)(1u << (log2 % 9));

		fv_write32(f, VREG_QUEUE_SEL, q);
		max = fv_read32(f, VREG_QUEUE_NUM_MAX);
		while (size > max && size > 1)
			size >>= 1;
		fv_queue_setup(f, q, q, size, false);
	}
	fv_write32(f, VREG_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	return fv_status(f) & VIRTIO_STATUS_DRIVER_OK;
}

static inline void fv_put16(struct fvm *f, uint64_t gpa, uint16_t v)
{
	v = htole16(v);
	memcpy(fv_ptr(f, gpa, 2), &v, 2);
}

static inline uint16_t fv_used_idx(struct fvm *f, unsigned q)
{
	uint16_t v =
		__atomic_load_n((uint16_t *)fv_ptr(f, fv_used_gpa(f, q) + 2, 2), __ATOMIC_ACQUIRE);

	return le16toh(v);
}

/* Descriptor @i of queue @q's table (modulo its size). */
static inline void fv_desc(struct fvm *f, unsigned q, unsigned i, uint64_t addr, uint32_t len,
			   uint16_t flags, uint16_t next)
{
	uint8_t *p;
	uint64_t a = htole64(addr);
	uint32_t l = htole32(len);
	uint16_t fl = htole16(flags), n = htole16(next);

	if (!f->q[q].size)
		return;
	p = fv_ptr(f, fv_desc_gpa(f, q) + 16ull * (i % f->q[q].size), 16);
	memcpy(p, &a, 8);
	memcpy(p + 8, &l, 4);
	memcpy(p + 12, &fl, 2);
	memcpy(p + 14, &n, 2);
}

/* Makes chain @head available on queue @q (without notifying). */
static inline void fv_publish(struct fvm *f, unsigned q, uint16_t head)
{
	struct fv_queue *fq = &f->q[q];
	uint16_t idx;

	if (!fq->size)
		return;
	fv_put16(f, fv_avail_gpa(f, q) + 4 + 2ull * (fq->avail_idx % fq->size), head);
	idx = htole16(++fq->avail_idx);
	fq->published++;
	__atomic_store_n((uint16_t *)fv_ptr(f, fv_avail_gpa(f, q) + 2, 2), idx, __ATOMIC_RELEASE);
}

static inline void fv_notify(struct fvm *f, unsigned q)
{
	fv_write32(f, VREG_QUEUE_NOTIFY, q);
}

static inline uint64_t fv_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Whether the device is done with what it can do now: every queue's used index caught up
 * with what was published (the net receive queue instead: no frame waits on the device's
 * socket), or the device asks for a reset. */
static inline bool fv_idle(struct fvm *f)
{
	if (fv_status(f) & VIRTIO_STATUS_NEEDS_RESET)
		return true;
	for (unsigned q = 0; q < f->nr_queues; q++) {
		if (!f->q[q].size)
			continue;
		if (f->kind == FV_NET && q == 0) {
			int pending = 0;

			if (ioctl(f->net_dev, FIONREAD, &pending) == 0 && pending > 0)
				return false;
			continue;
		}
		if (f->kind == FV_CONSOLE && q == 0)
			continue; /* receive buffers wait for input that may never come */
		if (fv_used_idx(f, q) != f->q[q].avail_idx)
			return false;
	}
	return true;
}

/* What the device has done so far: completions on every queue, frames it took. */
static inline unsigned fv_progress(struct fvm *f)
{
	unsigned sum = 0;
	int pending = 0;

	for (unsigned q = 0; q < f->nr_queues; q++)
		if (f->q[q].size)
			sum += fv_used_idx(f, q);
	if (f->kind == FV_NET && ioctl(f->net_dev, FIONREAD, &pending) == 0)
		sum += (unsigned)pending;
	return sum;
}

/* Gives the device's worker thread up to @max_us to become idle (blk and net work on their
 * own threads; rng and console on the notifying thread, so they are idle at once), or
 * less when it makes no progress for 1 ms (a receive queue without buffers, a request
 * the device is holding). */
static inline void fv_wait(struct fvm *f, unsigned max_us)
{
	uint64_t now = fv_now_us(), end = now + max_us, last_change = now;
	unsigned last = fv_progress(f), p;

	while (!fv_idle(f) && (now = fv_now_us()) < end && now - last_change < 1000) {
		struct timespec ts = {0, 50000};

		nanosleep(&ts, NULL);
		p = fv_progress(f);
		if (p != last) {
			last = p;
			last_change = fv_now_us();
		}
	}
}

/* The network sends a frame of @len bytes (12-byte virtio_net_hdr first) to the guest. */
static inline void fv_net_send(struct fvm *f, const uint8_t *frame, size_t len)
{
	if (f->net_host >= 0 && send(f->net_host, frame, len, MSG_DONTWAIT) < 0)
		(void)0; /* a full socket: the frame is lost, as on a wire */
}

/* The network takes every frame the guest transmitted. */
static inline void fv_net_drain(struct fvm *f)
{
	uint8_t buf[2048];

	while (f->net_host >= 0 && recv(f->net_host, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}
