// SPDX-License-Identifier: MIT
/* test_devmgr.c: the device manager: placement in fixed ranges and in the arch's MMIO
 * window, interrupt lines and the route each gets, teardown order, notify fds, and the
 * descriptions devices give of themselves (AML bytes, device-tree calls). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "aml.h"
#include "backend/backend.h"
#include "devmgr.h"
#include "fdt_writer.h"
#include "log_capture.h"
#include "platform_fx.h"
#include "test.h"
#include "virtio/virtio_dev.h"

/* A device that only records its destruction. */
struct fake_dev {
	struct io_region region;
	char *order; /* destroy appends its tag here */
	char tag;
};

static void fake_destroy(void *priv)
{
	struct fake_dev *f = priv;
	size_t n = strlen(f->order);

	f->order[n] = f->tag;
	f->order[n + 1] = 0;
	free(f);
}

static uint64_t fake_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)opaque;
	(void)offset;
	(void)size;
	return 0;
}

static void fake_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	(void)opaque;
	(void)offset;
	(void)value;
	(void)size;
}

static const struct io_ops fake_io = {fake_read, fake_write, 1, 8};

static const struct device_ops fake_ops = {.name = "fake", .destroy = fake_destroy};
static const struct device_ops other_ops = {.name = "other", .destroy = fake_destroy};

static struct device *add_fake(struct devmgr *dm, const struct device_ops *ops, char *order,
			       char tag, uint64_t len)
{
	struct fake_dev *f = calloc(1, sizeof(*f));

	if (!f)
		abort();
	f->order = order;
	f->tag = tag;
	f->region = (struct io_region){.name = "fake", .len = len, .ops = &fake_io, .opaque = f};
	return devmgr_add(dm, ops, f);
}

static struct fake_dev *fake_of(struct device *dev)
{
	return dev->priv;
}

static const unsigned test_irqs[] = {7, 9};
static const struct devmgr_layout test_layout = {0x10000000, 0x1000, 2, test_irqs, 2};

TEST(devmgr_places_devices_in_slots_and_fixed_ranges)
{
	struct platform_fx fx;
	char order[64] = "";
	struct device *a, *b, *c, *p;

	platform_fx_init(&fx, &test_layout);
	a = add_fake(&fx.dm, &fake_ops, order, 'a', 0x200);
	b = add_fake(&fx.dm, &fake_ops, order, 'b', 0x200);
	c = add_fake(&fx.dm, &other_ops, order, 'c', 0x200);
	p = add_fake(&fx.dm, &other_ops, order, 'p', 8);
	ASSERT_TRUE(a && b && c && p);
	if (!a || !b || !c || !p)
		return;
	/* Slots in order; the window's end is the end. */
	ASSERT_EQ(devmgr_map_mmio_slot(&fx.dm, a, &fake_of(a)->region), 0);
	ASSERT_EQ(devmgr_map_mmio_slot(&fx.dm, b, &fake_of(b)->region), 0);
	ASSERT_EQ(devmgr_map_mmio_slot(&fx.dm, c, &fake_of(c)->region), -ENOSPC);
	ASSERT_EQ(a->base, 0x10000000);
	ASSERT_EQ(a->size, 0x200);
	ASSERT_EQ(b->base, 0x10001000);
	ASSERT_TRUE(bus_find(&fx.mmio, 0x100011ff) == &fake_of(b)->region);
	ASSERT_TRUE(bus_find(&fx.mmio, 0x10001200) == NULL);
	ASSERT_EQ(c->size, 0);
	/* Fixed ranges: a port range, and an MMIO range that collides with slot 0. */
	fake_of(p)->region.base = 0x3f8;
	ASSERT_EQ(devmgr_map_pio(&fx.dm, p, &fake_of(p)->region), 0);
	ASSERT_EQ(p->base, 0x3f8);
	ASSERT_EQ(p->size, 8);
	fake_of(c)->region.base = 0x10000100;
	ASSERT_EQ(devmgr_map_mmio(&fx.dm, c, &fake_of(c)->region), -EEXIST);
	/* The index counts devices of the same kind. */
	ASSERT_EQ(a->index, 0);
	ASSERT_EQ(b->index, 1);
	ASSERT_EQ(c->index, 0);
	ASSERT_EQ(p->index, 1);
	ASSERT_EQ(devmgr_count(&fx.dm), 4);
	platform_fx_free(&fx);
}

TEST(devmgr_hands_out_interrupt_lines)
{
	struct platform_fx fx;
	char order[64] = "";
	struct device *d[4];

	platform_fx_init(&fx, &test_layout);
	for (unsigned i = 0; i < 4; i++)
		d[i] = add_fake(&fx.dm, &fake_ops, order, (char)('0' + i), 0x10);
	ASSERT_EQ(devmgr_connect_irq(&fx.dm, d[0], 4, NULL, NULL), 0);
	ASSERT_EQ(devmgr_connect_irq(&fx.dm, d[1], DEVMGR_IRQ_ANY, NULL, NULL), 0);
	ASSERT_EQ(devmgr_connect_irq(&fx.dm, d[2], DEVMGR_IRQ_ANY, NULL, NULL), 0);
	ASSERT_EQ(devmgr_connect_irq(&fx.dm, d[3], DEVMGR_IRQ_ANY, NULL, NULL), -ENOSPC);
	ASSERT_EQ(d[0]->irq.num, 4);
	ASSERT_EQ(d[1]->irq.num, 7);
	ASSERT_EQ(d[2]->irq.num, 9);
	ASSERT_TRUE(d[0]->has_irq && d[1]->has_irq && d[2]->has_irq && !d[3]->has_irq);
	/* Before devmgr_start a line goes nowhere. */
	ASSERT_EQ(d[1]->irq.route, IRQ_ROUTE_NONE);
	irq_line_set(&d[1]->irq, true);
	platform_fx_free(&fx);
}

TEST(devmgr_destroys_in_reverse_order)
{
	struct platform_fx fx;
	char order[64] = "";

	platform_fx_init(&fx, NULL);
	ASSERT_TRUE(add_fake(&fx.dm, &fake_ops, order, 'a', 1) != NULL);
	ASSERT_TRUE(add_fake(&fx.dm, &other_ops, order, 'b', 1) != NULL);
	ASSERT_TRUE(add_fake(&fx.dm, &fake_ops, order, 'c', 1) != NULL);
	devmgr_destroy(&fx.dm);
	ASSERT_TRUE(!strcmp(order, "cba"));
	ASSERT_EQ(devmgr_count(&fx.dm), 0);
	platform_fx_free(&fx); /* a second destroy finds nothing */
	ASSERT_TRUE(!strcmp(order, "cba"));
}

/* Past the limit the device is refused, and its state freed through its ops. */
TEST(devmgr_refuses_too_many_devices)
{
	struct platform_fx fx;
	struct log_capture c;
	char order[DEVMGR_MAX_DEVICES + 8] = "", *log;

	platform_fx_init(&fx, NULL);
	for (unsigned i = 0; i < DEVMGR_MAX_DEVICES; i++)
		ASSERT_TRUE(add_fake(&fx.dm, &fake_ops, order, 'x', 1) != NULL);
	log_capture_begin(&c);
	ASSERT_TRUE(add_fake(&fx.dm, &fake_ops, order, 'y', 1) == NULL);
	log = log_capture_end(&c);
	ASSERT_STR_CONTAINS(log, "too many devices (at most 32)");
	free(log);
	ASSERT_TRUE(!strcmp(order, "y"));
	platform_fx_free(&fx);
}

/* A backend that records the line calls. */
static unsigned irq_set_calls, last_irq, irqfd_calls, ioeventfd_calls;
static bool last_level;
static uint64_t last_ioeventfd_addr, last_datamatch;

static int rec_irq_set(struct vm *vm, unsigned irq, bool level)
{
	(void)vm;
	irq_set_calls++;
	last_irq = irq;
	last_level = level;
	return 0;
}

static int rec_irqfd(struct vm *vm, unsigned irq, int fd, int resample_fd)
{
	(void)vm;
	(void)irq;
	(void)fd;
	(void)resample_fd;
	irqfd_calls++;
	return 0;
}

static int rec_ioeventfd(struct vm *vm, uint64_t addr, unsigned len, uint64_t datamatch, int fd)
{
	(void)vm;
	(void)len;
	(void)fd;
	ioeventfd_calls++;
	last_ioeventfd_addr = addr;
	last_datamatch = datamatch;
	return 0;
}

static const struct backend_ops with_irqfd = {
	.irq_set = rec_irq_set, .irqfd = rec_irqfd, .ioeventfd = rec_ioeventfd};
static const struct backend_ops without_irqfd = {.irq_set = rec_irq_set};

static bool never_pending(void *ctx)
{
	(void)ctx;
	return false;
}

/* Lines that can be resampled go through irqfds when the backend has them; the others,
 * and all of them without irqfds, through irq_set; none without an interrupt controller. */
TEST(devmgr_routes_each_line_once)
{
	const struct backend_ops *backends[] = {&with_irqfd, &without_irqfd, &with_irqfd};
	const bool irqchip[] = {true, true, false};

	for (unsigned k = 0; k < 3; k++) {
		struct platform_fx fx;
		char order[8] = "";
		struct device *plain, *resampled;

		platform_fx_init(&fx, &test_layout);
		fx.dm.env.be = backends[k];
		plain = add_fake(&fx.dm, &fake_ops, order, 'p', 1);
		resampled = add_fake(&fx.dm, &fake_ops, order, 'r', 1);
		ASSERT_EQ(devmgr_connect_irq(&fx.dm, plain, 4, NULL, NULL), 0);
		ASSERT_EQ(
			devmgr_connect_irq(&fx.dm, resampled, DEVMGR_IRQ_ANY, never_pending, NULL),
			0);
		irq_set_calls = irqfd_calls = 0;
		ASSERT_EQ(devmgr_start(&fx.dm, irqchip[k]), 0);
		if (!irqchip[k]) {
			ASSERT_EQ(plain->irq.route, IRQ_ROUTE_NONE);
			ASSERT_EQ(resampled->irq.route, IRQ_ROUTE_NONE);
			irq_line_set(&plain->irq, true);
			ASSERT_EQ(irq_set_calls, 0);
			platform_fx_free(&fx);
			continue;
		}
		ASSERT_EQ(plain->irq.route, IRQ_ROUTE_BACKEND);
		irq_line_set(&plain->irq, true);
		ASSERT_EQ(irq_set_calls, 1);
		ASSERT_EQ(last_irq, 4);
		ASSERT_TRUE(last_level);
		irq_line_set(&plain->irq, false);
		ASSERT_TRUE(!last_level);
		if (backends[k] == &with_irqfd) {
			ASSERT_EQ(irqfd_calls, 1);
			ASSERT_EQ(resampled->irq.route, IRQ_ROUTE_IRQFD);
			ASSERT_TRUE(resampled->irq.fd >= 0);
			irq_line_set(&resampled->irq, true); /* signals the eventfd, no irq_set */
			ASSERT_EQ(irq_set_calls, 2);
		} else {
			ASSERT_EQ(resampled->irq.route, IRQ_ROUTE_BACKEND);
			irq_line_set(&resampled->irq, true);
			ASSERT_EQ(last_irq, 7);
		}
		platform_fx_free(&fx); /* stops the resampler before the devices go */
	}
}

TEST(devmgr_notify_fd_through_the_backend)
{
	struct platform_fx fx;
	char order[8] = "";
	struct device *dev;
	int fd;

	platform_fx_init(&fx, &test_layout);
	dev = add_fake(&fx.dm, &fake_ops, order, 'a', 0x200);
	ASSERT_EQ(devmgr_map_mmio_slot(&fx.dm, dev, &fake_of(dev)->region), 0);
	/* No backend: still an eventfd, signalled by the device on MMIO exits. */
	fd = devmgr_notify_fd(&fx.dm, dev, 0x50, 4, 1);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	fx.dm.env.be = &with_irqfd;
	ioeventfd_calls = 0;
	fd = devmgr_notify_fd(&fx.dm, dev, 0x50, 4, 1);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(ioeventfd_calls, 1);
	ASSERT_EQ(last_ioeventfd_addr, 0x10000050);
	ASSERT_EQ(last_datamatch, 1);
	close(fd);
	platform_fx_free(&fx);
}

/* The AML a virtio device gives for itself, as iasl compiles
 *	Device (VIO1) { Name (_HID, "LNRO0005") Name (_UID, One)
 *		Name (_CRS, ResourceTemplate () { Memory32Fixed (ReadWrite, 0x10001000, 0x200)
 *			Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 9 } }) } */
TEST(devmgr_virtio_describes_itself_in_aml)
{
	static const uint8_t want[] = {
		0x5b, 0x82, 0x3a, 'V',	'I',  'O',  '1',  0x08, '_',  'H',  'I',  'D',
		0x0d, 'L',  'N',  'R',	'O',  '0',  '0',  '0',	'5',  0x00, 0x08, '_',
		'U',  'I',  'D',  0x01, 0x08, '_',  'C',  'R',	'S',  0x11, 0x1a, 0x0a,
		0x17, 0x86, 0x09, 0x00, 0x01, 0x00, 0x10, 0x00, 0x10, 0x00, 0x02, 0x00,
		0x00, 0x89, 0x06, 0x00, 0x01, 0x01, 0x09, 0x00, 0x00, 0x00, 0x79, 0x00,
	};
	struct platform_fx fx;
	struct aml *a = calloc(1, sizeof(*a));
	const struct device *dev;

	platform_fx_init(&fx, &test_layout);
	ASSERT_EQ(virtio_rng_add(&fx.dm), 0);
	ASSERT_EQ(virtio_rng_add(&fx.dm), 0);
	dev = devmgr_device(&fx.dm, 1);
	ASSERT_TRUE(dev->ops->acpi_describe != NULL);
	dev->ops->acpi_describe(dev, a);
	ASSERT_EQ(a->len, sizeof(want));
	ASSERT_TRUE(!memcmp(a->buf, want, sizeof(want)));
	free(a);
	platform_fx_free(&fx);
}

/* A writer that prints the calls, to see a device's node without libfdt. */
struct text_writer {
	struct fdt_writer w;
	char text[512];
};

static void text_append(struct fdt_writer *w, const char *s)
{
	struct text_writer *t = (struct text_writer *)w;
	size_t n = strlen(t->text);

	snprintf(t->text + n, sizeof(t->text) - n, "%s;", s);
}

static int text_begin(struct fdt_writer *w, const char *name, uint64_t addr)
{
	char s[64];

	snprintf(s, sizeof(s), "%s@%llx{", name, (unsigned long long)addr);
	text_append(w, s);
	return 0;
}

static int text_end(struct fdt_writer *w)
{
	text_append(w, "}");
	return 0;
}

static int text_property(struct fdt_writer *w, const char *name, const void *val, size_t len)
{
	char s[128];

	if (!strcmp(name, "compatible"))
		snprintf(s, sizeof(s), "%s=%s", name, (const char *)val);
	else
		snprintf(s, sizeof(s), "%s[%zu]", name, len);
	text_append(w, s);
	return 0;
}

static int text_irq(struct fdt_writer *w, unsigned irq)
{
	char s[32];

	snprintf(s, sizeof(s), "irq %u", irq);
	text_append(w, s);
	return 0;
}

static const struct fdt_writer_ops text_ops = {text_begin, text_end, text_property, text_irq};

TEST(devmgr_virtio_describes_itself_in_the_device_tree)
{
	struct platform_fx fx;
	struct text_writer t = {.w = {.ops = &text_ops}};
	const struct device *dev;

	platform_fx_init(&fx, &test_layout);
	ASSERT_EQ(virtio_rng_add(&fx.dm), 0);
	dev = devmgr_device(&fx.dm, 0);
	ASSERT_TRUE(dev->ops->fdt_describe != NULL);
	ASSERT_EQ(dev->ops->fdt_describe(dev, &t.w), 0);
	ASSERT_STR_CONTAINS(t.text, "virtio_mmio@10000000{;compatible=virtio,mmio;reg[16];irq 7;"
				    "dma-coherent[0];};");
	platform_fx_free(&fx);
}
