// SPDX-License-Identifier: MIT
/* virtio_worker.c: the leftover-work thread of a device (virtio_worker.h). */
#include "virtio/virtio_worker.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"

static void *worker_main(void *arg)
{
	struct virtio_worker *w = arg;
	bool more = false;

	for (;;) {
		uint64_t count;

		/* A blocking eventfd: read() fails only with EINTR (a run for nothing, then). */
		if (!more && read(w->kick_fd, &count, sizeof(count)) < 0 && errno != EINTR)
			pr_debug("%s: worker: %s", w->name, strerror(errno));
		if (atomic_load(&w->stopping))
			return NULL;
		more = w->serve(w->ctx);
	}
}

int virtio_worker_start(struct virtio_worker *w, const char *name, bool (*serve)(void *ctx),
			void *ctx)
{
	int err;

	w->name = name;
	w->serve = serve;
	w->ctx = ctx;
	atomic_store(&w->stopping, false);
	w->kick_fd = eventfd(0, EFD_CLOEXEC);
	if (w->kick_fd < 0) {
		err = errno;
		pr_err("%s: cannot make the worker's eventfd: %s", name, strerror(err));
		return -err;
	}
	w->open = true;
	err = pthread_create(&w->thread, NULL, worker_main, w);
	if (err) {
		pr_err("cannot start the %s worker thread: %s", name, strerror(err));
		return -err;
	}
	w->running = true;
	return 0;
}

void virtio_worker_kick(struct virtio_worker *w)
{
	uint64_t one = 1;

	/* (@open and @stopping only: kicks race with virtio_worker_stop().) */
	if (w->open && !atomic_load(&w->stopping) && write(w->kick_fd, &one, sizeof(one)) < 0)
		pr_debug("%s: worker kick: %s", w->name, strerror(errno));
}

void virtio_worker_stop(struct virtio_worker *w)
{
	uint64_t one = 1;

	if (!w->running)
		return;
	atomic_store(&w->stopping, true);
	if (write(w->kick_fd, &one, sizeof(one)) < 0)
		pr_debug("%s: worker stop: %s", w->name, strerror(errno));
	pthread_join(w->thread, NULL);
	w->running = false;
}

void virtio_worker_destroy(struct virtio_worker *w)
{
	virtio_worker_stop(w);
	if (w->open)
		close(w->kick_fd);
	w->open = false;
}
