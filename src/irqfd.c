// SPDX-License-Identifier: MIT
/* irqfd.c: irqfd lines with EOI resampling, and the thread that re-raises them. */
#include "irqfd.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
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
	atomic_bool stopping; /* for the resampler when poll() fails */
	pthread_t thread;
	bool running;
};

/* While poll() fails, every line is resampled this often instead. */
#define RESAMPLE_FALLBACK_NS (1000 * 1000)

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

/* The guest finished the interrupt on @l (the hypervisor lowered the line): up again if the
 * device still has something pending. */
static void resample(struct irqfd_line *l)
{
	drain(l->resample_fd);
	if (l->pending(l->ctx))
		irqfd_raise(l->fd);
}

/* poll() failed (not EINTR): the failure says nothing about which line was EOI'd. Rather
 * than leave a level-triggered line down for good, every line is resampled after a short
 * wait (raising one whose device is pending is harmless), and poll() is tried again. */
static void resample_all_later(struct irqfd_set *set, int err, bool *warned)
{
	struct timespec ts = {0, RESAMPLE_FALLBACK_NS};

	if (!*warned)
		pr_warn("irqfd resampler: poll: %s; resampling every line every %d ms while it "
			"fails",
			strerror(err), RESAMPLE_FALLBACK_NS / 1000000);
	*warned = true;
	nanosleep(&ts, NULL);
	for (unsigned i = 0; i < set->nr && !atomic_load(&set->stopping); i++)
		resample(&set->lines[i]);
}

static void *resampler(void *arg)
{
	struct irqfd_set *set = arg;
	struct pollfd pfd[IRQFD_MAX_LINES + 1];
	bool warned = false;

	for (unsigned i = 0; i < set->nr; i++)
		pfd[i] = (struct pollfd){.fd = set->lines[i].resample_fd, .events = POLLIN};
	pfd[set->nr] = (struct pollfd){.fd = set->stop_fd, .events = POLLIN};
	while (!atomic_load(&set->stopping)) {
		if (poll(pfd, set->nr + 1, -1) < 0) {
			if (errno != EINTR)
				resample_all_later(set, errno, &warned);
			continue;
		}
		if (pfd[set->nr].revents)
			break;
		for (unsigned i = 0; i < set->nr; i++)
			if (pfd[i].revents)
				resample(&set->lines[i]);
	}
	return NULL;
}

void irqfd_set_stop(struct irqfd_set *set)
{
	if (!set || !set->running)
		return;
	atomic_store(&set->stopping, true);
	irqfd_raise(set->stop_fd);
	pthread_join(set->thread, NULL);
	set->running = false;
}

void irqfd_set_destroy(struct irqfd_set *set)
{
	if (!set)
		return;
	irqfd_set_stop(set);
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
