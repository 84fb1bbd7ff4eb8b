// SPDX-License-Identifier: MIT
/* test_virtio_quiesce.c: once the driver has reset virtio-blk (Status reads back 0) or
 * disabled its queue (QueueReady reads back 0), the device writes no guest memory and
 * completes nothing, even for a request that was on the disk at that moment (virtio 1.2,
 * 2.4.1 and 4.2.2.2). The request is held "on the disk" by giving it a data buffer in guest
 * RAM registered with userfaultfd: the worker's preadv() blocks on the missing page until
 * a helper thread installs it, 100 ms later, with the bytes a driver that reused the page
 * after the reset would have put there. Skipped (passing) without userfaultfd. */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log_capture.h"
#include "test.h"
#include "virtio_driver.h"

#define RAM_SIZE    (1u << 20)
#define UFFD_GPA    0x100000ull /* a second RAM region, registered with userfaultfd */
#define UFFD_SIZE   0x10000ull
#define QSIZE	    16
#define DESC_GPA    0x1000ull
#define AVAIL_GPA   0x2000ull
#define USED_GPA    0x3000ull
#define DESC2_GPA   0x5000ull /* the rings the driver sets up after disabling the queue */
#define AVAIL2_GPA  0x6000ull
#define USED2_GPA   0x7000ull
#define HDR_GPA	    0x4000ull
#define DATA_GPA    0x8000ull
#define REUSED	    0x77 /* what the driver put in the page after the reset */
#define F_VERSION_1 (1ull << VIRTIO_F_VERSION_1)

/* Installs the missing page 100 ms after the fault, filled with REUSED, and records whether
 * the driver had stopped the device by then (under @lock, which the test takes to mark the
 * stop, so the two orders are told apart exactly). */
struct installer {
	int uffd;
	uint64_t addr; /* host address of the faulting page */
	pthread_mutex_t lock;
	bool stopped;	 /* set by the test once the stop reads back */
	bool after_stop; /* the page was installed after that */
	int err;
};

static void *install_later(void *arg)
{
	struct installer *in = arg;
	long page = sysconf(_SC_PAGESIZE);
	void *src = aligned_alloc((size_t)page, (size_t)page);
	struct uffdio_copy copy;

	vdrv_sleep_us(100 * 1000);
	if (!src) {
		in->err = ENOMEM;
		return NULL;
	}
	memset(src, REUSED, (size_t)page);
	copy = (struct uffdio_copy){.dst = in->addr & ~(uint64_t)(page - 1),
				    .src = (uintptr_t)src,
				    .len = (uint64_t)page};
	pthread_mutex_lock(&in->lock);
	in->after_stop = in->stopped;
	if (ioctl(in->uffd, UFFDIO_COPY, &copy) < 0)
		in->err = errno;
	pthread_mutex_unlock(&in->lock);
	free(src);
	return NULL;
}

struct quiesce_fx {
	char path[32];
	int fd;
	struct vm *vm;
	struct vdrv d;
	struct log_capture log;
	struct installer in;
	pthread_t thread;
	bool thread_started;
	uint8_t *buf; /* the request's 512-byte data buffer (host view of UFFD_GPA) */
	bool resident_at_stop;
	uint8_t at_stop[512];
};

/* A disk, a VM with a userfaultfd region, the driver started. False (after saying why) if
 * userfaultfd is not available here. */
static bool fx_init(struct quiesce_fx *fx)
{
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg;

	memset(fx, 0, sizeof(*fx));
	snprintf(fx->path, sizeof(fx->path), "/tmp/smolvm-blk-XXXXXX");
	fx->in.uffd = -1;
	pthread_mutex_init(&fx->in.lock, NULL);
	fx->fd = vdrv_make_image(fx->path, 64 * 512);
	ASSERT_TRUE(fx->fd >= 0);
	fx->vm = vdrv_vm_new(RAM_SIZE);
	ASSERT_EQ(guest_mem_add(&fx->vm->mem, UFFD_GPA, UFFD_SIZE), 0); /* no pages yet */
	log_capture_begin(&fx->log);
	ASSERT_EQ(virtio_blk_add(&fx->vm->devices, fx->path, false), 0);
	vdrv_attach(&fx->d, fx->vm, 0);
	fx->buf = fx->vm->mem.regions[1].host;
	fx->in.uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fx->in.uffd < 0 || ioctl(fx->in.uffd, UFFDIO_API, &api) < 0) {
		printf("    (skipped: userfaultfd: %s)\n", strerror(errno));
		return false;
	}
	reg = (struct uffdio_register){.range = {.start = (uintptr_t)fx->buf, .len = UFFD_SIZE},
				       .mode = UFFDIO_REGISTER_MODE_MISSING};
	if (ioctl(fx->in.uffd, UFFDIO_REGISTER, &reg) < 0) {
		printf("    (skipped: UFFDIO_REGISTER: %s)\n", strerror(errno));
		return false;
	}
	return vdrv_start(&fx->d, F_VERSION_1, 0, QSIZE, DESC_GPA, AVAIL_GPA, USED_GPA);
}

static void fx_fini(struct quiesce_fx *fx)
{
	if (fx->thread_started) {
		pthread_join(fx->thread, NULL);
		ASSERT_EQ(fx->in.err, 0);
	}
	/* Closing the userfaultfd also releases a worker still blocked on it. */
	if (fx->in.uffd >= 0)
		close(fx->in.uffd);
	vdrv_vm_free(fx->vm);
	free(log_capture_end(&fx->log));
	pthread_mutex_destroy(&fx->in.lock);
	close(fx->fd);
	unlink(fx->path);
}

/* Builds an IN request for sector 0 with @data_gpa as its 512-byte buffer (descriptors 4-6,
 * head 4), publishes and notifies it. */
static void read_sector0(struct quiesce_fx *fx, uint64_t data_gpa)
{
	uint8_t *hdr = vdrv_ptr(&fx->d, HDR_GPA, 17);

	memset(hdr, 0, 16);
	hdr[16] = 0xee;
	vdrv_desc(&fx->d, 4, HDR_GPA, 16, VIRTQ_DESC_F_NEXT, 5);
	vdrv_desc(&fx->d, 5, data_gpa, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 6);
	vdrv_desc(&fx->d, 6, HDR_GPA + 16, 1, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx->d, 4);
	vdrv_notify(&fx->d);
}

/* Sends the read into the userfaultfd page and waits until the worker is stuck on it; then
 * starts the installer. */
static bool hold_read_on_disk(struct quiesce_fx *fx)
{
	struct pollfd pfd = {.fd = fx->in.uffd, .events = POLLIN};
	struct uffd_msg msg;

	read_sector0(fx, UFFD_GPA);
	if (poll(&pfd, 1, 2000) != 1 || read(fx->in.uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT) {
		test_fail(__FILE__, __LINE__, "the worker did not fault on the data buffer");
		return false;
	}
	fx->in.addr = msg.arg.pagefault.address;
	ASSERT_EQ(pthread_create(&fx->thread, NULL, install_later, &fx->in), 0);
	fx->thread_started = true;
	return true;
}

/* The driver read its stop back: from now on the data buffer must not change. Notes what
 * it holds now if its page is there (reading a missing page would wait for the installer);
 * if it is not, the installer puts REUSED in it later, and that must stay. */
static void mark_stopped(struct quiesce_fx *fx)
{
	unsigned char vec = 0;
	long page = sysconf(_SC_PAGESIZE);

	pthread_mutex_lock(&fx->in.lock);
	fx->in.stopped = true;
	ASSERT_EQ(mincore(fx->buf, (size_t)page, &vec), 0);
	fx->resident_at_stop = vec & 1;
	if (fx->resident_at_stop)
		memcpy(fx->at_stop, fx->buf, sizeof(fx->at_stop));
	pthread_mutex_unlock(&fx->in.lock);
}

/* Once the worker is surely done: how many bytes of the data buffer changed after the stop. */
static unsigned bytes_landed_after_stop(struct quiesce_fx *fx)
{
	unsigned changed = 0;

	pthread_join(fx->thread, NULL);
	fx->thread_started = false;
	ASSERT_EQ(fx->in.err, 0);
	vdrv_sleep_us(200 * 1000);
	ASSERT_TRUE(fx->resident_at_stop != fx->in.after_stop);
	for (unsigned i = 0; i < 512; i++)
		changed += fx->buf[i] != (fx->resident_at_stop ? fx->at_stop[i] : REUSED);
	return changed;
}

TEST(virtio_blk_reset_waits_for_the_read_in_flight)
{
	struct quiesce_fx fx;
	unsigned landed;

	if (!fx_init(&fx) || !hold_read_on_disk(&fx))
		goto out;
	vdrv_write32(&fx.d, VREG_STATUS, 0);
	ASSERT_EQ(vdrv_status(&fx.d), 0);
	mark_stopped(&fx);
	landed = bytes_landed_after_stop(&fx);
	if (landed)
		test_fail(__FILE__, __LINE__, "%u of 512 bytes landed after Status read 0", landed);
	/* Nothing completed into the old ring, no interrupt. */
	ASSERT_EQ(vdrv_used_idx(&fx.d), 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), 0);

	/* The device works again after the driver sets it up anew. */
	ASSERT_TRUE(vdrv_start(&fx.d, F_VERSION_1, 0, QSIZE, DESC_GPA, AVAIL_GPA, USED_GPA));
	memset(vdrv_ptr(&fx.d, DATA_GPA, 512), 0, 512);
	read_sector0(&fx, DATA_GPA);
	ASSERT_EQ(vdrv_wait_used(&fx.d, 1, 2000), 1);
	ASSERT_EQ(vdrv_used_id(&fx.d, 0), 4);
	ASSERT_EQ(*(uint8_t *)vdrv_ptr(&fx.d, HDR_GPA + 16, 1), 0);
	ASSERT_EQ(*(uint8_t *)vdrv_ptr(&fx.d, DATA_GPA + 1, 1), vdrv_image_byte(1));
out:
	fx_fini(&fx);
}

/* QueueReady=0 stops the queue: the request on the disk neither writes its buffer after
 * QueueReady reads back 0 nor completes into the rings the driver sets up next. */
TEST(virtio_blk_queue_disable_waits_for_the_read_in_flight)
{
	struct quiesce_fx fx;
	unsigned landed;

	if (!fx_init(&fx) || !hold_read_on_disk(&fx))
		goto out;
	vdrv_write32(&fx.d, VREG_QUEUE_SEL, 0);
	vdrv_write32(&fx.d, VREG_QUEUE_READY, 0);
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_QUEUE_READY), 0);
	mark_stopped(&fx);
	/* New (zeroed) rings elsewhere, live again: nothing was made available on them. */
	ASSERT_TRUE(vdrv_queue_setup(&fx.d, 0, QSIZE, DESC2_GPA, AVAIL2_GPA, USED2_GPA));
	landed = bytes_landed_after_stop(&fx);
	if (landed)
		test_fail(__FILE__, __LINE__, "%u of 512 bytes landed after QueueReady read 0",
			  landed);
	if (vdrv_used_idx(&fx.d) != 0)
		test_fail(__FILE__, __LINE__,
			  "a request from the disabled queue completed into the new ring: used idx "
			  "%u, id %u, len %u; InterruptStatus 0x%x",
			  vdrv_used_idx(&fx.d), vdrv_used_id(&fx.d, 0), vdrv_used_len(&fx.d, 0),
			  vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS));
	ASSERT_EQ(vdrv_get16(&fx.d, USED_GPA + 2), 0); /* nor into the old one */
	ASSERT_EQ(vdrv_read32(&fx.d, VREG_INTERRUPT_STATUS), 0);

	/* The new rings serve requests. */
	memset(vdrv_ptr(&fx.d, DATA_GPA, 512), 0, 512);
	read_sector0(&fx, DATA_GPA);
	ASSERT_EQ(vdrv_wait_used(&fx.d, 1, 2000), 1);
	ASSERT_EQ(vdrv_used_id(&fx.d, 0), 4);
	ASSERT_EQ(vdrv_used_len(&fx.d, 0), 513);
	ASSERT_EQ(*(uint8_t *)vdrv_ptr(&fx.d, DATA_GPA + 1, 1), vdrv_image_byte(1));
out:
	fx_fini(&fx);
}
