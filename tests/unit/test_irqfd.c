// SPDX-License-Identifier: MIT
/* test_irqfd.c: irqfd lines and the resampler, against a backend that only records the
 * eventfds (the test plays KVM: it reads the irqfd and signals the resample fd); and the
 * device manager's teardown order around them. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "backend/backend.h"
#include "devmgr.h"
#include "irq.h"
#include "log_capture.h"
#include "test.h"
#include "irqfd.h"

static int fake_fd = -1, fake_resample_fd = -1;
static unsigned fake_irq;
static atomic_bool line_pending;

static int fake_irqfd(struct vm *vm, unsigned irq, int fd, int resample_fd)
{
	(void)vm;
	fake_irq = irq;
	fake_fd = fd;
	fake_resample_fd = resample_fd;
	return 0;
}

static void fake_vm_destroy(struct vm *vm)
{
	(void)vm;
}

static const struct backend_ops fake_ops = {.irqfd = fake_irqfd, .vm_destroy = fake_vm_destroy};
static const struct backend_ops no_irqfd_ops = {.vm_destroy = fake_vm_destroy};

static bool pending(void *ctx)
{
	(void)ctx;
	return atomic_load(&line_pending);
}

/* Whether the line was raised within @ms (consumes the event). */
static bool raised(int ms)
{
	struct pollfd p = {.fd = fake_fd, .events = POLLIN};
	uint64_t v;

	if (poll(&p, 1, ms) != 1)
		return false;
	return read(fake_fd, &v, sizeof(v)) == sizeof(v) && v >= 1;
}

static void eoi(void)
{
	uint64_t one = 1;

	ASSERT_EQ(write(fake_resample_fd, &one, sizeof(one)), (ssize_t)sizeof(one));
}

TEST(irqfd_raise_and_resample)
{
	struct irqfd_set *set;
	int fd;

	set = irqfd_set_create(&fake_ops, NULL);
	ASSERT_TRUE(set != NULL);
	fd = irqfd_set_add(set, 7, pending, NULL);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(fd, fake_fd);
	ASSERT_EQ(fake_irq, 7);
	ASSERT_EQ(irqfd_set_start(set), 0);
	/* Too late to add lines once the resampler runs. */
	ASSERT_EQ(irqfd_set_add(set, 8, pending, NULL), -ENOTSUP);

	irqfd_raise(fd);
	ASSERT_TRUE(raised(1000));
	/* EOI while the device still has an interrupt pending: raised again. */
	atomic_store(&line_pending, true);
	eoi();
	ASSERT_TRUE(raised(2000));
	/* EOI after the driver acknowledged everything: the line stays down. */
	atomic_store(&line_pending, false);
	eoi();
	ASSERT_TRUE(!raised(200));
	irqfd_set_destroy(set); /* stops and joins the resampler */
}

TEST(irqfd_unsupported_backend)
{
	struct irqfd_set *set;

	set = irqfd_set_create(&no_irqfd_ops, NULL);
	ASSERT_TRUE(set != NULL);
	ASSERT_EQ(irqfd_set_add(set, 5, pending, NULL), -ENOTSUP);
	ASSERT_EQ(irqfd_set_start(set), 0); /* nothing to resample: no thread */
	irqfd_set_destroy(set);
}

/* poll() failing for a reason other than EINTR (here EINVAL: more fds than RLIMIT_NOFILE
 * allows) must not end resampling for good: a level-triggered line whose device is still
 * pending at EOI goes up again, and the failure is reported. */
TEST(irqfd_resampler_survives_poll_errors)
{
	struct irqfd_set *set;
	struct log_capture c;
	struct rlimit old, one;
	char *log;
	int fd;

	log_capture_begin(&c);
	set = irqfd_set_create(&fake_ops, NULL);
	ASSERT_TRUE(set != NULL);
	fd = irqfd_set_add(set, 7, pending, NULL);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(irqfd_set_start(set), 0);
	ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
	one = (struct rlimit){.rlim_cur = 1, .rlim_max = old.rlim_max};
	ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &one), 0);
	/* This EOI wakes the resampler; its next poll() of two fds fails. */
	atomic_store(&line_pending, true);
	eoi();
	ASSERT_TRUE(raised(2000));
	usleep(50 * 1000);
	/* And the line must still be resampled at the next EOI. */
	eoi();
	if (!raised(2000))
		test_fail(__FILE__, __LINE__,
			  "a pending line was not raised again after an EOI "
			  "once poll() had failed");
	ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
	eoi();
	ASSERT_TRUE(raised(2000));
	atomic_store(&line_pending, false);
	irqfd_set_destroy(set);
	log = log_capture_end(&c);
	ASSERT_STR_CONTAINS(log, "irqfd resampler: poll");
	free(log);
}

/* A device's worker may raise its line until the device is destroyed (it joins its worker
 * then): the line's fd must still be the irqfd at that point, not closed (a write to
 * nothing) or, worse, reused by something else the process opened since. */
struct teardown_dev {
	struct device *dev;
	bool fd_was_open, fd_was_eventfd;
};

static void teardown_destroy(void *priv)
{
	struct teardown_dev *t = priv;
	char link[64], target[64] = "";
	ssize_t n;

	/* What a worker finishing a request right now would do. */
	t->fd_was_open = fcntl(t->dev->irq.fd, F_GETFD) >= 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", t->dev->irq.fd);
	n = readlink(link, target, sizeof(target) - 1);
	t->fd_was_eventfd = n > 0 && strstr(target, "eventfd");
	irq_line_set(&t->dev->irq, true);
}

static bool teardown_pending(void *ctx)
{
	(void)ctx;
	return false;
}

TEST(irqfd_lines_outlive_the_devices_that_raise_them)
{
	static const unsigned irqs[] = {5};
	const struct devmgr_layout layout = {0x10000000, 0x1000, 1, irqs, 1};
	const struct devmgr_env env = {.be = &fake_ops};
	const struct device_ops ops = {.name = "raiser", .destroy = teardown_destroy};
	struct teardown_dev t = {0};
	struct devmgr dm;

	devmgr_init(&dm, &env, &layout);
	t.dev = devmgr_add(&dm, &ops, &t);
	ASSERT_TRUE(t.dev != NULL);
	ASSERT_EQ(devmgr_connect_irq(&dm, t.dev, DEVMGR_IRQ_ANY, teardown_pending, NULL), 0);
	ASSERT_EQ(devmgr_start(&dm, true), 0);
	ASSERT_EQ(t.dev->irq.route, IRQ_ROUTE_IRQFD);
	devmgr_destroy(&dm);
	ASSERT_TRUE(t.fd_was_open);
	ASSERT_TRUE(t.fd_was_eventfd);
}
