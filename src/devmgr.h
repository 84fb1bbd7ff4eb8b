/* SPDX-License-Identifier: MIT */
/* devmgr.h: the device manager. It owns every device of a VM, places it (a fixed address the
 * platform dictates, or a slot of the arch's MMIO window), hands it an interrupt line and a
 * way to stop the VM, describes the devices to the guest (ACPI DSDT, device tree) and tears
 * them down in reverse order of creation. Devices never see struct vm. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "irq.h"
#include "stop.h"
#include "util/compiler.h"

struct aml;
struct backend_ops;
struct console;
struct device;
struct fdt_writer;
struct guest_mem;
struct irqfd_set;
struct vm;

#define DEVMGR_MAX_DEVICES 32
#define DEVMGR_MAX_IRQS	   32

struct device_ops {
	const char *name; /* "uart8250", "virtio-blk": for messages */
	/* Optional: ends the device's own threads (idempotent). The device stays allocated
	 * and callable: the console's input thread may still notify it. */
	void (*stop)(void *priv);
	/* Frees the device's state; the manager has stopped its interrupt line's resampler
	 * (the line itself stays usable until every device is destroyed). */
	void (*destroy)(void *priv);
	/* x86_64: appends the device's Device () object to the DSDT's \_SB scope. Optional. */
	void (*acpi_describe)(const struct device *dev, struct aml *aml);
	/* arm64: writes the device's node. Returns 0 or a libfdt error. Optional. */
	int (*fdt_describe)(const struct device *dev, struct fdt_writer *w);
};

struct device {
	const struct device_ops *ops;
	void *priv;
	unsigned index; /* among the devices with the same ops, from 0 in creation order */
	uint64_t base;	/* its first region (port or MMIO), 0 with size 0 if none */
	uint64_t size;
	bool has_irq;
	struct irq_line irq;
};

/* Where the arch lets the manager place devices that have no fixed address. */
struct devmgr_layout {
	uint64_t mmio_base, mmio_stride; /* slot n at mmio_base + n * mmio_stride */
	unsigned mmio_slots;
	const unsigned *irqs; /* interrupt lines to hand out, in order */
	unsigned nr_irqs;
};

/* What devices are given instead of the VM. */
struct devmgr_env {
	struct bus *pio, *mmio;
	struct guest_mem *mem;
	struct console *console;
	struct vm_stopper stop;
	const struct backend_ops *be; /* NULL: no hypervisor (unit tests) */
	struct vm *vm;		      /* only passed back to the backend */
};

struct devmgr {
	struct devmgr_env env;
	struct devmgr_layout layout;
	struct device *devices[DEVMGR_MAX_DEVICES];
	unsigned nr_devices, next_mmio_slot, next_irq;
	struct irqfd_set *irqfds;
	/* Set by a device that failed because of what the user asked for (exit code 2). */
	bool input_error;
};

void devmgr_init(struct devmgr *dm, const struct devmgr_env *env, const struct devmgr_layout *l);
/* Ends every device's threads, the last created first (idempotent): before anything they
 * use goes, such as the console. */
void devmgr_stop(struct devmgr *dm);
/* Destroys every device, the last created first: interrupt resampling stops first, the
 * device threads next, and the irqfds close last. */
void devmgr_destroy(struct devmgr *dm);

/* Adds a device with @ops and state @priv, owned by the manager from now on: on failure
 * @priv is destroyed through @ops. Returns the device or NULL (logged). */
struct device *__must_check devmgr_add(struct devmgr *dm, const struct device_ops *ops, void *priv);
/* Puts @r (inside the device's state) on the port or MMIO bus; the first region
 * registered is the device's address (dev->base/size). -EEXIST if taken (logged). */
int __must_check devmgr_map_pio(struct devmgr *dm, struct device *dev, struct io_region *r);
int __must_check devmgr_map_mmio(struct devmgr *dm, struct device *dev, struct io_region *r);
/* The next free slot of the arch's MMIO window, for @r->len <= the stride; then as
 * devmgr_map_mmio(). -ENOSPC when the window is full (logged). */
int __must_check devmgr_map_mmio_slot(struct devmgr *dm, struct device *dev, struct io_region *r);
/* Gives @dev interrupt line @num (the platform's fixed wiring), or with DEVMGR_IRQ_ANY the
 * next free line of the arch's layout. @pending may be NULL (see irq.h). -ENOSPC (logged). */
#define DEVMGR_IRQ_ANY (~0u)
int __must_check devmgr_connect_irq(struct devmgr *dm, struct device *dev, unsigned num,
				    bool (*pending)(void *ctx), void *ctx);

/* An eventfd that becomes readable when the guest writes @datamatch (@len bytes) at
 * @offset of @dev's region: through the hypervisor without an exit where it can, else
 * only when the device signals it itself on the MMIO exit. Returns the fd or -errno. */
int __must_check devmgr_notify_fd(struct devmgr *dm, const struct device *dev, uint64_t offset,
				  unsigned len, uint64_t datamatch);

/* Once the interrupt controller exists (@irqchip) or is known to be absent, and before any
 * vCPU runs: routes every line, through an irqfd where the backend offers one and the
 * device can be resampled, else through the backend's irq_set. */
int __must_check devmgr_start(struct devmgr *dm, bool irqchip);

/* The devices in creation order. */
static inline unsigned devmgr_count(const struct devmgr *dm)
{
	return dm->nr_devices;
}
static inline const struct device *devmgr_device(const struct devmgr *dm, unsigned i)
{
	return dm->devices[i];
}
