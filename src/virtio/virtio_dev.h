/* SPDX-License-Identifier: MIT */
/* virtio_dev.h: puts a virtio device model on the VM: an MMIO slot and IRQ from the arch's
 * layout, a virtio-mmio transport, bus registration, and a record the arch uses to describe
 * the device to the guest (ACPI DSDT on x86, device tree on arm64). */
#pragma once

#include <stdint.h>

#include "util/compiler.h"
#include "virtio/virtio_mmio.h"

struct vm;

/* Where virtio-mmio device @index sits; provided by the arch. -ENOSPC past the last slot. */
int arch_virtio_slot(unsigned index, uint64_t *base, unsigned *irq);

/* Creates and registers the transport for @dev; the transport is owned by the VM. */
int __must_check virtio_dev_add(struct vm *vm, const struct virtio_dev_ops *ops, void *dev,
				uint64_t features, struct virtio_mmio **out);

/* An eventfd that becomes readable when the driver notifies queue @qidx of @t: through a
 * KVM ioeventfd (no exit to smolvm) where the backend offers one; the transport's
 * queue_notify callback must also signal it (virtio_dev_kick) for the MMIO-exit path.
 * Returns the fd or -errno. */
int __must_check virtio_dev_notify_fd(struct vm *vm, struct virtio_mmio *t, unsigned qidx);
/* Once the interrupt controller exists: drives each device's interrupt line through an
 * irqfd where the backend offers them (else it stays on irq_set). */
int __must_check virtio_dev_start_irqfds(struct vm *vm);
/* Signals @fd as the guest's notification would. */
void virtio_dev_kick(int fd);

/* Device models: virtio-blk for each --disk, virtio-rng for --rng, virtio-net for --net. */
int __must_check virtio_blk_add(struct vm *vm, const char *path, bool read_only);
int __must_check virtio_rng_add(struct vm *vm);
/* A virtio-console (the guest's hvc0) on smolvm's stdin/stdout. */
int __must_check virtio_console_add(struct vm *vm);
/* A virtio-net device on the tap interface @tap (created if missing; needs root or
 * CAP_NET_ADMIN). @mac is NULL for a generated locally administered address. */
int __must_check virtio_net_add(struct vm *vm, const char *tap, const uint8_t *mac);
