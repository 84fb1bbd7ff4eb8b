/* SPDX-License-Identifier: MIT */
/* virtio_worker.h: a thread that finishes what a device's notification left over. A
 * notification runs on a vCPU thread under the transport lock, where a stop request
 * (SIGTERM, Ctrl-A x) and every other user of the device wait for it. So a device serves a
 * bounded budget there and, when work is left, kicks its worker, which serves the rest a
 * budget at a time, letting go of the lock and looking for its own stop in between. A driver
 * that posted more than a budget is served all the same, without notifying again. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "util/compiler.h"

struct virtio_worker {
	const char *name;	  /* the device's, for messages */
	bool (*serve)(void *ctx); /* one budget of work; true if more may be left */
	void *ctx;
	int kick_fd; /* valid while @open */
	bool open, running;
	atomic_bool stopping;
	pthread_t thread;
};

/* Starts @w (zeroed, or stopped and destroyed) for @serve(@ctx). Returns 0 or -errno
 * (logged). */
int __must_check virtio_worker_start(struct virtio_worker *w, const char *name,
				     bool (*serve)(void *ctx), void *ctx);
/* Has the worker call serve() until it returns false. From any thread, any lock held. */
void virtio_worker_kick(struct virtio_worker *w);
/* Ends and joins the thread (idempotent); kicks after it are ignored. */
void virtio_worker_stop(struct virtio_worker *w);
/* Stops the worker and frees what it holds. Safe on a zeroed worker never started. */
void virtio_worker_destroy(struct virtio_worker *w);
