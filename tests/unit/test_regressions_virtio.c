// SPDX-License-Identifier: MIT
/* test_regressions_virtio.c: regression tests for fixed virtio-blk bugs: a directory taken
 * as a disk, and a request completed into the queue of a reset device. */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log_capture.h"
#include "test.h"
#include "virtio_driver.h"

/* src/virtio/blk.c, open_image(): the image is never checked to be a regular file or a
 * block device. A directory opens fine with O_RDONLY, and lseek(SEEK_END) on it returns
 * whatever the filesystem uses as a directory's end (0x7fffffffffffffff for an ext4 htree
 * directory), so `--disk DIR,ro` gives the guest a disk of ~2^54 sectors on which every read
 * fails with EISDIR, instead of an error at startup. (Read-write, open() fails with EISDIR
 * and the error is clear.) */
TEST(regression_virtio_blk_directory_as_read_only_disk)
{
	char dir[] = "/tmp/smolvm-blk-dir-XXXXXX";
	struct log_capture c;
	struct vm *vm;
	char *log;
	int err;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	vm = vdrv_vm_new(1 << 20);
	log_capture_begin(&c);
	err = virtio_blk_add(&vm->devices, dir, true);
	log = log_capture_end(&c);
	if (err == 0) {
		struct vdrv d;

		vdrv_attach(&d, vm, 0);
		test_fail(__FILE__, __LINE__,
			  "directory '%s' accepted as a read-only disk of %" PRIu64 " sectors", dir,
			  vdrv_read(&d, VREG_CONFIG, 8));
	}
	ASSERT_STR_CONTAINS(log, dir);
	free(log);
	vdrv_vm_free(vm);
	rmdir(dir);
}

/* src/virtio/blk.c: blk_ops has no .reset, and process_queue() pops a request under the
 * transport lock, serves it without the lock, then pushes it to whatever queue 0 is by then.
 * If the driver resets the device (status 0) while a request is on the disk, and sets the
 * queue up again, the old request is completed into the new ring: the new used ring gets an
 * entry (and an interrupt) for a descriptor the driver never made available since the reset
 * (Linux: "id N is not a head!"), and guest memory the driver may have reused since is
 * written after the reset. virtio 1.2, 2.4.1: after a reset the device must not interact with
 * the queues until the driver re-initialises it -- so status 0 must not read back until the
 * worker is done with in-flight requests (or their completions must be dropped).
 *
 * The test holds the request "on the disk" by putting its data buffer in guest RAM that is
 * registered with userfaultfd: the worker's preadv() blocks on the page fault until a helper
 * thread resolves it, 100 ms after the test saw the fault. Skipped (passes) if userfaultfd
 * is not available. */
#define UFFD_GPA  0x100000ull
#define UFFD_SIZE 0x10000ull

struct resolver {
	int uffd;
	uint64_t addr; /* host address of the faulting page */
	int err;
};

static void *resolve_later(void *arg)
{
	struct resolver *r = arg;
	long page = sysconf(_SC_PAGESIZE);
	void *src = aligned_alloc((size_t)page, (size_t)page);
	struct uffdio_copy copy;

	vdrv_sleep_us(100 * 1000);
	if (!src) {
		r->err = ENOMEM;
		return NULL;
	}
	memset(src, 0xee, (size_t)page);
	copy = (struct uffdio_copy){.dst = r->addr & ~(uint64_t)(page - 1),
				    .src = (uintptr_t)src,
				    .len = (uint64_t)page};
	if (ioctl(r->uffd, UFFDIO_COPY, &copy) < 0)
		r->err = errno;
	free(src);
	return NULL;
}

TEST(regression_virtio_blk_completes_old_request_after_reset)
{
	char path[] = "/tmp/smolvm-blk-XXXXXX";
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg;
	struct resolver res = {.uffd = -1};
	struct pollfd pfd;
	struct uffd_msg msg;
	pthread_t thread;
	bool thread_started = false;
	struct log_capture c;
	struct vm *vm;
	struct vdrv d;
	uint8_t *hdr;
	int fd;

	fd = vdrv_make_image(path, 64 * 512);
	ASSERT_TRUE(fd >= 0);
	vm = vdrv_vm_new(1 << 20);
	ASSERT_EQ(guest_mem_add(&vm->mem, UFFD_GPA, UFFD_SIZE), 0); /* untouched: no pages */
	log_capture_begin(&c);
	ASSERT_EQ(virtio_blk_add(&vm->devices, path, false), 0);
	vdrv_attach(&d, vm, 0);

	res.uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (res.uffd < 0 || ioctl(res.uffd, UFFDIO_API, &api) < 0) {
		printf("    (skipped: userfaultfd: %s)\n", strerror(errno));
		goto out;
	}
	reg = (struct uffdio_register){
		.range = {.start = (uintptr_t)vm->mem.regions[1].host, .len = UFFD_SIZE},
		.mode = UFFDIO_REGISTER_MODE_MISSING};
	if (ioctl(res.uffd, UFFDIO_REGISTER, &reg) < 0) {
		printf("    (skipped: UFFDIO_REGISTER: %s)\n", strerror(errno));
		goto out;
	}

	/* IN, sector 0, into the first sector of the userfaultfd region. */
	ASSERT_TRUE(vdrv_start(&d, 1ull << VIRTIO_F_VERSION_1, 0, 16, 0x1000, 0x2000, 0x3000));
	hdr = vdrv_ptr(&d, 0x4000, 17);
	memset(hdr, 0, 16);
	hdr[16] = 0xee;
	vdrv_desc(&d, 4, 0x4000, 16, VIRTQ_DESC_F_NEXT, 5);
	vdrv_desc(&d, 5, UFFD_GPA, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 6);
	vdrv_desc(&d, 6, 0x4010, 1, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&d, 4);
	vdrv_notify(&d);

	/* The worker has popped the request and is stuck writing its data. */
	pfd = (struct pollfd){.fd = res.uffd, .events = POLLIN};
	if (poll(&pfd, 1, 2000) != 1 || read(res.uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT) {
		test_fail(__FILE__, __LINE__, "the worker did not fault on the data buffer");
		goto out;
	}
	res.addr = msg.arg.pagefault.address;
	ASSERT_EQ(pthread_create(&thread, NULL, resolve_later, &res), 0);
	thread_started = true;

	/* The driver resets the device and sets it up again, with fresh (zeroed) rings. */
	ASSERT_TRUE(vdrv_start(&d, 1ull << VIRTIO_F_VERSION_1, 0, 16, 0x1000, 0x2000, 0x3000));
	ASSERT_EQ(vdrv_read32(&d, VREG_INTERRUPT_STATUS), 0);

	/* Nothing was made available since: nothing may come back. */
	if (vdrv_wait_used(&d, 1, 1000) != 0)
		test_fail(__FILE__, __LINE__,
			  "a request from before the reset completed into the new ring: used idx "
			  "%u, id %u, len %u; InterruptStatus 0x%x",
			  vdrv_used_idx(&d), vdrv_used_id(&d, 0), vdrv_used_len(&d, 0),
			  vdrv_read32(&d, VREG_INTERRUPT_STATUS));
	ASSERT_EQ(vdrv_read32(&d, VREG_INTERRUPT_STATUS), 0);

out:
	if (thread_started) {
		pthread_join(thread, NULL);
		ASSERT_EQ(res.err, 0);
	}
	/* Closing the userfaultfd also releases a worker still blocked on it. */
	if (res.uffd >= 0)
		close(res.uffd);
	vdrv_vm_free(vm);
	free(log_capture_end(&c));
	close(fd);
	unlink(path);
}
