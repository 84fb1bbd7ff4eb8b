/* SPDX-License-Identifier: MIT */
/* virtio_driver.h: a virtio-mmio guest driver played by the tests. It talks to a transport
 * only through the register file (straight to virtio_mmio_io_ops, or through a bus at the
 * device's base, as a vCPU's MMIO exit does) and builds split rings in guest memory by hand,
 * the way test_virtqueue.c does. Every helper is static inline so each test file uses what it
 * needs. */
#pragma once

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "devmgr.h"
#include "guest_mem.h"
#include "test.h"
#include "virtio/virtio_dev.h"
#include "virtio/virtio_mmio.h"
#include "virtio/virtio_mmio_regs.h"
#include "virtio/virtqueue.h"
#include "vm.h"

/* The driver's view of one device and of the one queue it drives. */
struct vdrv {
	const struct guest_mem *mem;
	/* Register accesses go through @bus at @base if @bus is set, else to the transport
	 * @opaque through virtio_mmio_io_ops. */
	struct bus *bus;
	uint64_t base;
	void *opaque;
	/* The queue (index @qidx) the helpers below fill. */
	unsigned qidx;
	uint16_t qsize;
	uint64_t desc, avail, used;
	uint16_t avail_idx; /* the driver's next avail->idx */
};

static inline uint64_t vdrv_read(struct vdrv *d, uint64_t off, unsigned size)
{
	uint8_t buf[8] = {0};
	uint64_t v = 0;

	if (!d->bus)
		return virtio_mmio_io_ops.read(d->opaque, off, size);
	if (bus_access(d->bus, d->base + off, buf, size, false) != BUS_OK)
		test_fail(__FILE__, __LINE__, "%u-byte read at 0x%llx not claimed", size,
			  (unsigned long long)(d->base + off));
	memcpy(&v, buf, size);
	return v;
}

static inline void vdrv_write(struct vdrv *d, uint64_t off, uint64_t v, unsigned size)
{
	uint8_t buf[8];

	if (!d->bus) {
		virtio_mmio_io_ops.write(d->opaque, off, v, size);
		return;
	}
	memcpy(buf, &v, sizeof(buf));
	if (bus_access(d->bus, d->base + off, buf, size, true) != BUS_OK)
		test_fail(__FILE__, __LINE__, "%u-byte write at 0x%llx not claimed", size,
			  (unsigned long long)(d->base + off));
}

static inline uint32_t vdrv_read32(struct vdrv *d, uint64_t off)
{
	return (uint32_t)vdrv_read(d, off, 4);
}

static inline void vdrv_write32(struct vdrv *d, uint64_t off, uint32_t v)
{
	vdrv_write(d, off, v, 4);
}

static inline uint32_t vdrv_status(struct vdrv *d)
{
	return vdrv_read32(d, VREG_STATUS);
}

/* The 64 feature bits the device offers, read in two halves. */
static inline uint64_t vdrv_device_features(struct vdrv *d)
{
	uint64_t f;

	vdrv_write32(d, VREG_DEVICE_FEATURES_SEL, 0);
	f = vdrv_read32(d, VREG_DEVICE_FEATURES);
	vdrv_write32(d, VREG_DEVICE_FEATURES_SEL, 1);
	f |= (uint64_t)vdrv_read32(d, VREG_DEVICE_FEATURES) << 32;
	return f;
}

static inline void vdrv_write_features(struct vdrv *d, uint64_t f)
{
	vdrv_write32(d, VREG_DRIVER_FEATURES_SEL, 0);
	vdrv_write32(d, VREG_DRIVER_FEATURES, (uint32_t)f);
	vdrv_write32(d, VREG_DRIVER_FEATURES_SEL, 1);
	vdrv_write32(d, VREG_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

/* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK (3.1.1). Returns the status read back:
 * FEATURES_OK is clear in it if the device refused @features. */
static inline uint32_t vdrv_negotiate(struct vdrv *d, uint64_t features)
{
	vdrv_write32(d, VREG_STATUS, 0);
	vdrv_write32(d, VREG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	vdrv_write32(d, VREG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vdrv_write_features(d, features);
	vdrv_write32(d, VREG_STATUS,
		     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return vdrv_status(d);
}

/* Writes the layout of queue @qidx without setting it ready. */
static inline void vdrv_queue_layout(struct vdrv *d, unsigned qidx, uint32_t size, uint64_t desc,
				     uint64_t avail, uint64_t used)
{
	vdrv_write32(d, VREG_QUEUE_SEL, qidx);
	vdrv_write32(d, VREG_QUEUE_NUM, size);
	vdrv_write32(d, VREG_QUEUE_DESC_LOW, (uint32_t)desc);
	vdrv_write32(d, VREG_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	vdrv_write32(d, VREG_QUEUE_DRIVER_LOW, (uint32_t)avail);
	vdrv_write32(d, VREG_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	vdrv_write32(d, VREG_QUEUE_DEVICE_LOW, (uint32_t)used);
	vdrv_write32(d, VREG_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
}

static inline void *vdrv_ptr(struct vdrv *d, uint64_t gpa, uint64_t len)
{
	void *p = guest_mem_ptr(d->mem, gpa, len);

	if (!p)
		abort(); /* a bug in the test itself */
	return p;
}

static inline void vdrv_put16(struct vdrv *d, uint64_t gpa, uint16_t v)
{
	v = htole16(v);
	memcpy(vdrv_ptr(d, gpa, 2), &v, 2);
}

static inline uint16_t vdrv_get16(struct vdrv *d, uint64_t gpa)
{
	uint16_t v = __atomic_load_n((uint16_t *)vdrv_ptr(d, gpa, 2), __ATOMIC_ACQUIRE);

	return le16toh(v);
}

static inline uint32_t vdrv_get32(struct vdrv *d, uint64_t gpa)
{
	uint32_t v = __atomic_load_n((uint32_t *)vdrv_ptr(d, gpa, 4), __ATOMIC_ACQUIRE);

	return le32toh(v);
}

/* Sets up queue @qidx of @size entries at the given rings (zeroing them, as a driver's
 * allocation would) and makes it the helpers' queue. Returns QueueReady read back. */
static inline bool vdrv_queue_setup(struct vdrv *d, unsigned qidx, uint16_t size, uint64_t desc,
				    uint64_t avail, uint64_t used)
{
	memset(vdrv_ptr(d, desc, 16ull * size), 0, 16ull * size);
	memset(vdrv_ptr(d, avail, 6 + 2ull * size), 0, 6 + 2ull * size);
	memset(vdrv_ptr(d, used, 6 + 8ull * size), 0, 6 + 8ull * size);
	d->qidx = qidx;
	d->qsize = size;
	d->desc = desc;
	d->avail = avail;
	d->used = used;
	d->avail_idx = 0;
	vdrv_queue_layout(d, qidx, size, desc, avail, used);
	vdrv_write32(d, VREG_QUEUE_READY, 1);
	return vdrv_read32(d, VREG_QUEUE_READY) == 1;
}

/* The whole bring-up with one queue (3.1.1). Returns whether the device took it all. */
static inline bool vdrv_start(struct vdrv *d, uint64_t features, unsigned qidx, uint16_t size,
			      uint64_t desc, uint64_t avail, uint64_t used)
{
	uint32_t st = vdrv_negotiate(d, features);

	if (!(st & VIRTIO_STATUS_FEATURES_OK))
		return false;
	if (!vdrv_queue_setup(d, qidx, size, desc, avail, used))
		return false;
	vdrv_write32(d, VREG_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	return vdrv_status(d) == (st | VIRTIO_STATUS_DRIVER_OK);
}

/* Writes descriptor @i of the queue's table. */
static inline void vdrv_desc(struct vdrv *d, unsigned i, uint64_t addr, uint32_t len,
			     uint16_t flags, uint16_t next)
{
	uint8_t *p = vdrv_ptr(d, d->desc + 16ull * i, 16);
	uint64_t a = htole64(addr);
	uint32_t l = htole32(len);
	uint16_t f = htole16(flags), n = htole16(next);

	memcpy(p, &a, 8);
	memcpy(p + 8, &l, 4);
	memcpy(p + 12, &f, 2);
	memcpy(p + 14, &n, 2);
}

/* Makes the chain at @head available (without notifying). */
static inline void vdrv_publish(struct vdrv *d, uint16_t head)
{
	uint16_t idx;

	vdrv_put16(d, d->avail + 4 + 2ull * (d->avail_idx & (d->qsize - 1)), head);
	idx = htole16(++d->avail_idx);
	/* Release: the ring entry and descriptors before the index that publishes them. */
	__atomic_store_n((uint16_t *)vdrv_ptr(d, d->avail + 2, 2), idx, __ATOMIC_RELEASE);
}

static inline void vdrv_avail_flags(struct vdrv *d, uint16_t flags)
{
	vdrv_put16(d, d->avail, flags);
}

static inline void vdrv_notify(struct vdrv *d)
{
	vdrv_write32(d, VREG_QUEUE_NOTIFY, d->qidx);
}

static inline uint16_t vdrv_used_idx(struct vdrv *d)
{
	return vdrv_get16(d, d->used + 2);
}

static inline uint32_t vdrv_used_id(struct vdrv *d, uint16_t pos)
{
	return vdrv_get32(d, d->used + 4 + 8ull * (pos & (d->qsize - 1)));
}

static inline uint32_t vdrv_used_len(struct vdrv *d, uint16_t pos)
{
	return vdrv_get32(d, d->used + 8 + 8ull * (pos & (d->qsize - 1)));
}

static inline uint64_t vdrv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void vdrv_sleep_us(unsigned us)
{
	struct timespec ts = {0, (long)us * 1000};

	nanosleep(&ts, NULL);
}

/* Waits until used->idx reaches @want (devices on worker threads); returns it either way. */
static inline uint16_t vdrv_wait_used(struct vdrv *d, uint16_t want, unsigned timeout_ms)
{
	uint64_t end = vdrv_now_ms() + timeout_ms;
	uint16_t idx;

	while ((idx = vdrv_used_idx(d)) != want && vdrv_now_ms() < end)
		vdrv_sleep_us(200);
	return idx;
}

/* Waits until all of @bits are set in the status register; returns the status. */
static inline uint32_t vdrv_wait_status(struct vdrv *d, uint32_t bits, unsigned timeout_ms)
{
	uint64_t end = vdrv_now_ms() + timeout_ms;
	uint32_t st;

	while (((st = vdrv_status(d)) & bits) != bits && vdrv_now_ms() < end)
		vdrv_sleep_us(200);
	return st;
}

/* A VM that is only what virtio_*_add() touch: an MMIO bus, @ram bytes of RAM at 0, the
 * device manager with the arch's layout; no backend (be_ops NULL, no irqchip: interrupts
 * are only seen in InterruptStatus). vm_destroy() copes with it. */
static inline struct vm *vdrv_vm_new(uint64_t ram)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct devmgr_env env;

	if (!vm)
		abort();
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	if (guest_mem_add(&vm->mem, 0, ram))
		abort();
	env = (struct devmgr_env){
		.pio = &vm->pio, .mmio = &vm->mmio, .mem = &vm->mem, .stop = vm_stopper(vm)};
	devmgr_init(&vm->devices, &env, &arch_device_layout);
	return vm;
}

/* The virtio devices of @vm, in creation order. */
static inline unsigned vdrv_nr_virtio(const struct vm *vm)
{
	unsigned n = 0;

	for (unsigned i = 0; i < devmgr_count(&vm->devices); i++)
		n += !strcmp(devmgr_device(&vm->devices, i)->ops->name, "virtio-mmio");
	return n;
}

static inline const struct device *vdrv_virtio(const struct vm *vm, unsigned index)
{
	for (unsigned i = 0; i < devmgr_count(&vm->devices); i++) {
		const struct device *dev = devmgr_device(&vm->devices, i);

		if (!strcmp(dev->ops->name, "virtio-mmio") && index-- == 0)
			return dev;
	}
	test_fail(__FILE__, __LINE__, "no virtio device %u", index);
	abort();
}

/* Where the arch's layout puts virtio device @index: MMIO slot @index and line @index. */
static inline int vdrv_arch_slot(unsigned index, uint64_t *base, unsigned *irq)
{
	*base = 0;
	*irq = 0;
	if (index >= arch_device_layout.mmio_slots || index >= arch_device_layout.nr_irqs)
		return -ENOSPC;
	*base = arch_device_layout.mmio_base + index * arch_device_layout.mmio_stride;
	*irq = arch_device_layout.irqs[index];
	return 0;
}

static inline void vdrv_vm_free(struct vm *vm)
{
	if (!vm)
		return;
	vm_destroy(vm);
	free(vm);
}

/* Points @d at virtio device @index of @vm, through the VM's MMIO bus. */
static inline void vdrv_attach(struct vdrv *d, struct vm *vm, unsigned index)
{
	memset(d, 0, sizeof(*d));
	d->mem = &vm->mem;
	d->bus = &vm->mmio;
	d->base = vdrv_virtio(vm, index)->base;
}

/* The transport behind virtio device @index of @vm (for virtio_mmio_lock() and such). */
static inline struct virtio_mmio *vdrv_transport(struct vm *vm, unsigned index)
{
	struct io_region *r = bus_find(&vm->mmio, vdrv_virtio(vm, index)->base);

	return r ? r->opaque : NULL;
}

/* Byte @i of the test disk images: differs from sector to sector and within one. */
static inline uint8_t vdrv_image_byte(uint64_t i)
{
	return (uint8_t)((i >> 9) * 37 + i * 7 + 3);
}

/* Creates a disk image of @size bytes (that pattern) from mkstemp @tmpl (which becomes its
 * path); returns an fd open on it, or -1. */
static inline int vdrv_make_image(char *tmpl, uint64_t size)
{
	int fd = mkstemp(tmpl);
	uint8_t buf[4096];

	if (fd < 0)
		return -1;
	for (uint64_t off = 0; off < size; off += sizeof(buf)) {
		size_t n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = vdrv_image_byte(off + i);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n) {
			close(fd);
			unlink(tmpl);
			return -1;
		}
	}
	return fd;
}
