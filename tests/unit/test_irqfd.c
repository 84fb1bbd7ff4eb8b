// SPDX-License-Identifier: MIT
/* test_irqfd.c: irqfd lines and the resampler, against a backend that only records the
 * eventfds (the test plays KVM: it reads the irqfd and signals the resample fd). */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend/backend.h"
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
