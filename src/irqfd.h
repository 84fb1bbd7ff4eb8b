/* SPDX-License-Identifier: MIT */
/* irqfd.h: level-triggered device interrupts through the hypervisor's irqfds. A device
 * raises its line by signalling an eventfd (no ioctl, from any thread); the hypervisor
 * lowers it when the guest finishes the interrupt and tells a resampler thread, which
 * raises it again if the device still has something pending. */
#pragma once

#include <stdbool.h>

struct backend_ops;
struct vm;
struct irqfd_set;

/* At most this many lines per set. */
#define IRQFD_MAX_LINES 32

/* An empty set whose lines are made through @be (@vm is only passed back to it). */
struct irqfd_set *irqfd_set_create(const struct backend_ops *be, struct vm *vm);
/* Stops the resampler (idempotent): before the devices it asks are destroyed. The lines
 * stay open, so that device threads may still raise them until they are joined. */
void irqfd_set_stop(struct irqfd_set *set);
/* Stops the resampler and closes every line: after the devices that raise them are gone
 * (a closed fd number may be reused by anything the process opens next). */
void irqfd_set_destroy(struct irqfd_set *set);
/* Routes platform interrupt @irq through a new irqfd; @pending(@ctx) tells at EOI whether
 * the line must go up again. Returns the fd to signal with irqfd_raise(), -ENOTSUP if
 * the backend has no irqfds, or another -errno. */
int irqfd_set_add(struct irqfd_set *set, unsigned irq, bool (*pending)(void *ctx), void *ctx);
/* Starts the resampler thread once every line is added. */
int irqfd_set_start(struct irqfd_set *set);
/* Raises the line behind @fd. */
void irqfd_raise(int fd);
