// SPDX-License-Identifier: MIT
/* irqfd.c: irqfd lines with EOI resampling, and the thread that re-raises them. */
#include "irqfd.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backend/backend.h"
#include "log.h"

struct irqfd_line {
	int fd, resample_fd;
	bool (*pending)(void *ctx);
	void *ctx;
};

struct irqfd_set {
	const struct backend_ops *be;
	struct vm *vm;
	struct irqfd_line lines[IRQFD_MAX_LINES];
	unsigned nr;
	int stop_fd;
	pthread_t thread;
	bool running;
};

void irqfd_raise(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_debug("irqfd: raise: %s", strerror(errno));
}

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_debug("irqfd: read: %s", strerror(errno));
}

static void *resampler(void *arg)
{
	struct irqfd_set *set = arg;
	struct pollfd pfd[IRQFD_MAX_LINES + 1];

	for (unsigned i = 0; i < set->nr; i++)
		pfd[i] = (struct pollfd){.fd = set->lines[i].resample_fd, .events = POLLIN};
	pfd[set->nr] = (struct pollfd){.fd = set->stop_fd, .events = POLLIN};
	for (;;) {
		if (poll(pfd, set->nr + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("irqfd resampler: poll: %s", strerror(errno));
			return NULL;
		}
		if (pfd[set->nr].revents)
			return NULL;
		for (unsigned i = 0; i < set->nr; i++) {
			struct irqfd_line *l = &set->lines[i];

			if (!pfd[i].revents)
				continue;
			drain(l->resample_fd);
			if (l->pending(l->ctx))
				irqfd_raise(l->fd);
		}
	}
}

void irqfd_set_destroy(struct irqfd_set *set)
{
	if (!set)
		return;
	if (set->running) {
		irqfd_raise(set->stop_fd);
		pthread_join(set->thread, NULL);
	}
	for (unsigned i = 0; i < set->nr; i++) {
		close(set->lines[i].fd);
		close(set->lines[i].resample_fd);
	}
	if (set->stop_fd >= 0)
		close(set->stop_fd);
	free(set);
}

struct irqfd_set *irqfd_set_create(const struct backend_ops *be, struct vm *vm)
{
	struct irqfd_set *set = calloc(1, sizeof(*set));

	if (!set)
		return NULL;
	set->be = be;
	set->vm = vm;
	set->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (set->stop_fd < 0) {
		irqfd_set_destroy(set);
		return NULL;
	}
	return set;
}

int irqfd_set_add(struct irqfd_set *set, unsigned irq, bool (*pending)(void *ctx), void *ctx)
{
	const struct backend_ops *be = set->be;
	struct irqfd_line l = {.pending = pending, .ctx = ctx};
	int err;

	if (!be->irqfd || set->nr == IRQFD_MAX_LINES || set->running)
		return -ENOTSUP;
	l.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	l.resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	err = l.fd < 0 || l.resample_fd < 0 ? -errno : be->irqfd(set->vm, irq, l.fd, l.resample_fd);
	if (err) {
		if (l.fd >= 0)
			close(l.fd);
		if (l.resample_fd >= 0)
			close(l.resample_fd);
		return err;
	}
	set->lines[set->nr++] = l;
	return l.fd;
}

int irqfd_set_start(struct irqfd_set *set)
{
	int err;

	if (!set->nr)
		return 0;
	err = pthread_create(&set->thread, NULL, resampler, set);
	if (err) {
		pr_err("cannot start the irqfd resampler thread: %s", strerror(err));
		return -err;
	}
	set->running = true;
	return 0;
}
