/* SPDX-License-Identifier: MIT */
/* irqfd.h: level-triggered device interrupts through the hypervisor's irqfds. A device
 * raises its line by signalling an eventfd (no ioctl, from any thread); the hypervisor
 * lowers it when the guest finishes the interrupt and tells a resampler thread, which
 * raises it again if the device still has something pending. */
#pragma once

#include <stdbool.h>

struct vm;
struct irqfd_set;

/* An empty set owned by the VM (destroyed with it, before devices added earlier). */
struct irqfd_set *irqfd_set_create(struct vm *vm);
/* Routes platform interrupt @irq through a new irqfd; @pending(@ctx) tells at EOI whether
 * the line must go up again. Returns the fd to signal with irqfd_raise(), -ENOTSUP if
 * the backend has no irqfds, or another -errno. */
int irqfd_set_add(struct irqfd_set *set, unsigned irq, bool (*pending)(void *ctx), void *ctx);
/* Starts the resampler thread once every line is added. */
int irqfd_set_start(struct irqfd_set *set);
/* Raises the line behind @fd. */
void irqfd_raise(int fd);
