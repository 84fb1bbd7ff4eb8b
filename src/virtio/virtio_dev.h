/* SPDX-License-Identifier: MIT */
/* virtio_dev.h: puts a virtio device model on the platform through the device manager: a
 * slot of the arch's MMIO window, an interrupt line, a virtio-mmio transport, and the
 * device's description for the guest (ACPI DSDT on x86, device tree on arm64). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/compiler.h"
#include "virtio/virtio_mmio.h"

struct devmgr;
struct device;
struct disk_config;
struct net_backend;

/* Virtio devices a VM can have (the DSDT names them VIO0..VIOF). */
#define VIRTIO_MAX_DEVICES 16

/* Creates and places the transport for @model, which the device manager owns from now on,
 * even on failure: ops->destroy frees it, before its transport. The transport goes to
 * @transport and the device (address, IRQ) to @dev. Returns 0 or -errno (logged). */
int __must_check virtio_dev_add(struct devmgr *dm, const struct virtio_dev_ops *ops, void *model,
				uint64_t features, struct virtio_mmio **transport,
				struct device **dev);

/* An eventfd that becomes readable when the driver notifies queue @qidx of @dev: through a
 * KVM ioeventfd (no exit to smolvm) where the backend offers one; the transport's
 * queue_notify callback must also signal it (virtio_dev_kick) for the MMIO-exit path.
 * Returns the fd or -errno. */
int __must_check virtio_dev_notify_fd(struct devmgr *dm, const struct device *dev, unsigned qidx);
/* Signals @fd as the guest's notification would. */
void virtio_dev_kick(int fd);

/* Device models: virtio-blk for each --disk, virtio-rng for --rng, virtio-net for --net. */
int __must_check virtio_blk_add(struct devmgr *dm, const char *path, bool read_only);
/* The same for a --disk with all its options (lock=off). */
int __must_check virtio_blk_add_disk(struct devmgr *dm, const struct disk_config *disk);
int __must_check virtio_rng_add(struct devmgr *dm);
/* A virtio-console (the guest's hvc0) on smolvm's stdin/stdout. */
int __must_check virtio_console_add(struct devmgr *dm);
/* A virtio-net device on the tap interface @tap (created if missing; needs root or
 * CAP_NET_ADMIN). @mac is NULL for a generated locally administered address. */
int __must_check virtio_net_add(struct devmgr *dm, const char *tap, const uint8_t *mac);
/* A virtio-net device on backend @nb, which it owns from now on (even on failure). */
int __must_check virtio_net_add_backend(struct devmgr *dm, struct net_backend *nb,
					const uint8_t *mac);
