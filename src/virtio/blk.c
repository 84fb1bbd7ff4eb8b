// SPDX-License-Identifier: MIT
/* blk.c: virtio-blk on a raw image file (virtio 1.x, 5.2). Requests run on a worker thread so
 * the vCPU never waits for the disk, one at a time in ring order, with one interrupt for a
 * batch of completions. FLUSH completes only after fdatasync(): a write the guest has
 * flushed is on the host disk even if smolvm is killed right after (every write popped
 * before the FLUSH has been written by then, as requests are served in order).
 *
 * Locks: the transport lock around pop and push; the device's io_lock while a request is
 * served (its disk I/O and every byte it writes into the chain). A reset or QueueReady=0
 * takes io_lock too, under the transport lock: it waits for the request on the disk, and
 * bumps the generation so that the worker drops whatever it popped before. So once the
 * driver reads the stop back, no byte of an old request lands in guest memory. The worker
 * never holds io_lock while taking the transport lock. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "config.h"
#include "disk_image.h"
#include "log.h"
#include "devmgr.h"
#include "virtio/virtio_dev.h"

#define VIRTIO_ID_BLOCK	     2
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO	     5
#define VIRTIO_BLK_F_FLUSH   9
#define VIRTIO_BLK_T_IN	     0
#define VIRTIO_BLK_T_OUT     1
#define VIRTIO_BLK_T_FLUSH   4
#define VIRTIO_BLK_T_GET_ID  8
#define VIRTIO_BLK_S_OK	     0
#define VIRTIO_BLK_S_IOERR   1
#define VIRTIO_BLK_S_UNSUPP  2
#define VIRTIO_BLK_ID_BYTES  20
#define SECTOR		     512u
#define BLK_QUEUE_SIZE	     256
#define BLK_SEG_MAX	     (BLK_QUEUE_SIZE - 2)
#define BLK_BATCH_REQS	     32		/* completions per interrupt, at most */
#define BLK_BATCH_BYTES	     (1u << 20) /* bytes moved before the guest is interrupted */

struct virtio_blk_config {
	uint64_t capacity; /* in 512-byte sectors */
	uint32_t size_max;
	uint32_t seg_max;
} __attribute__((packed));

struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct virtio_blk {
	struct virtio_mmio *transport;
	const char *path;
	int fd;
	bool read_only;
	uint64_t sectors;
	char serial[VIRTIO_BLK_ID_BYTES];
	struct virtio_blk_config config;
	/* Bumped when the queue stops (reset, QueueReady=0), under the transport lock and
	 * io_lock: a request popped in an older generation is neither served nor completed. */
	unsigned generation;
	pthread_mutex_t io_lock;
	pthread_t worker;
	bool worker_started;
	int notify_fd;		  /* guest notifications (ioeventfd, or kicked from an MMIO exit) */
	int stop_fd;		  /* tells the worker to end */
	struct virtq_chain chain; /* worker-only */
	struct iovec iov[VIRTQ_MAX_BUFS];
};

/* iovecs for the chain's bytes [offset, offset + len) of one direction. */
static int chain_iov(struct virtio_blk *b, bool writable, uint32_t offset, uint32_t len)
{
	int n = 0;

	for (unsigned i = 0; i < b->chain.nbufs && len; i++) {
		const struct virtq_buf *buf = &b->chain.bufs[i];
		uint32_t take;

		if (buf->device_writes != writable)
			continue;
		if (offset >= buf->len) {
			offset -= buf->len;
			continue;
		}
		take = MIN(buf->len - offset, len);
		b->iov[n++] = (struct iovec){buf->addr + offset, take};
		offset = 0;
		len -= take;
	}
	return n;
}

/* Reads or writes @len bytes at byte @pos of the image, looping over short transfers. */
static bool do_io(struct virtio_blk *b, bool write, uint32_t data_off, uint32_t len, uint64_t pos)
{
	while (len) {
		int n = chain_iov(b, !write, data_off, len);
		ssize_t done = write ? pwritev(b->fd, b->iov, n, (off_t)pos)
				     : preadv(b->fd, b->iov, n, (off_t)pos);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0) {
			pr_warn("%s '%s' at byte %llu: %s", write ? "write to" : "read from",
				b->path, (unsigned long long)pos,
				done < 0 ? strerror(errno) : "end of file");
			return false;
		}
		data_off += (uint32_t)done;
		len -= (uint32_t)done;
		pos += (uint64_t)done;
	}
	return true;
}

/* Serves one request; returns how many bytes it wrote into the chain (data + status). */
static uint32_t handle_request(struct virtio_blk *b)
{
	struct virtq_chain *c = &b->chain;
	struct virtio_blk_req_hdr hdr;
	uint8_t status = VIRTIO_BLK_S_OK;
	uint32_t data_len, written = 0;

	if (c->in_len < 1 || virtq_chain_read(c, 0, &hdr, sizeof(hdr)) != sizeof(hdr)) {
		pr_guest_err("virtio-blk: request without header or status byte");
		return 0;
	}
	data_len =
		hdr.type == VIRTIO_BLK_T_OUT ? c->out_len - (uint32_t)sizeof(hdr) : c->in_len - 1;
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		if (data_len % SECTOR || hdr.sector > b->sectors ||
		    data_len / SECTOR > b->sectors - hdr.sector) {
			pr_guest_err(
				"virtio-blk: request for sectors %llu+%u outside the %llu-sector "
				"disk '%s'",
				(unsigned long long)hdr.sector, data_len / SECTOR,
				(unsigned long long)b->sectors, b->path);
			status = VIRTIO_BLK_S_IOERR;
		} else if (hdr.type == VIRTIO_BLK_T_OUT && b->read_only) {
			status = VIRTIO_BLK_S_IOERR;
		} else if (!do_io(b, hdr.type == VIRTIO_BLK_T_OUT,
				  hdr.type == VIRTIO_BLK_T_OUT ? sizeof(hdr) : 0, data_len,
				  hdr.sector * SECTOR)) {
			status = VIRTIO_BLK_S_IOERR;
		} else if (hdr.type == VIRTIO_BLK_T_IN) {
			written = data_len;
		}
		break;
	case VIRTIO_BLK_T_FLUSH:
		if (!b->read_only && fdatasync(b->fd) < 0) {
			pr_warn("flush of '%s': %s", b->path, strerror(errno));
			status = VIRTIO_BLK_S_IOERR;
		}
		break;
	case VIRTIO_BLK_T_GET_ID:
		written = virtq_chain_write(c, 0, b->serial, MIN(data_len, VIRTIO_BLK_ID_BYTES));
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	/* The status byte is the last writable byte of the chain. */
	virtq_chain_write(c, c->in_len - 1, &status, 1);
	return written + 1;
}

/* Takes the next request into b->chain (worker only) and the generation it belongs to.
 * Returns 1, 0 if there is none, or -EIO if the ring is malformed (the device then needs a
 * reset). */
static int pop_request(struct virtio_blk *b, unsigned *generation)
{
	struct virtio_mmio *t = b->transport;
	struct virtq *q;
	int r;

	virtio_mmio_lock(t);
	*generation = b->generation;
	q = virtio_mmio_queue(t, 0);
	r = q ? virtq_pop(q, &b->chain) : 0;
	if (r < 0)
		virtio_mmio_needs_reset(t, "malformed request queue");
	virtio_mmio_unlock(t);
	return r;
}

/* Serves the request in b->chain, popped in @generation, unless the queue stopped since;
 * returns whether it did, with the bytes it wrote into the chain in *@written. */
static bool serve_request(struct virtio_blk *b, unsigned generation, uint32_t *written)
{
	bool live;

	pthread_mutex_lock(&b->io_lock);
	live = generation == b->generation;
	if (live)
		*written = handle_request(b);
	pthread_mutex_unlock(&b->io_lock);
	return live;
}

/* Hands the served request in b->chain back to the guest; interrupts it (if it wants to
 * be) when no more requests wait or the batch is full (@batch_full), so that requests
 * already queued complete with one interrupt. Returns false if a reset took the request
 * away meanwhile: completing it into the new queue would hand the driver an id it never
 * posted. Sets *@notified if the guest was told. */
static bool complete_request(struct virtio_blk *b, unsigned generation, uint32_t written,
			     bool batch_full, bool *notified)
{
	struct virtio_mmio *t = b->transport;
	struct virtq *q;
	bool pushed = false;

	*notified = false;
	virtio_mmio_lock(t);
	q = virtio_mmio_queue(t, 0);
	if (q && generation == b->generation) {
		virtq_push(q, b->chain.head, written);
		pushed = true;
		/* "Any more?" without arming notifications: when there are none, the interrupt
		 * goes first and the empty virtq_pop() after it, so a request the guest adds
		 * while handling the interrupt is often taken without a notification. */
		if (batch_full || !virtq_has_avail(q)) {
			virtio_mmio_notify_used(t, 0);
			*notified = true;
		}
	}
	virtio_mmio_unlock(t);
	return pushed;
}

/* Interrupts the guest for the completions of @generation so far, if it wants to be. */
static void notify_guest(struct virtio_blk *b, unsigned generation)
{
	struct virtio_mmio *t = b->transport;

	virtio_mmio_lock(t);
	if (virtio_mmio_queue(t, 0) && generation == b->generation)
		virtio_mmio_notify_used(t, 0);
	virtio_mmio_unlock(t);
}

/* Serves every available request on the queue, in ring order. Completions are batched:
 * while more requests wait, the guest is not interrupted, up to BLK_BATCH_REQS requests or
 * BLK_BATCH_BYTES bytes. For the guest an interrupt costs more than a small read (in a
 * nested guest, many times more), and with EVENT_IDX its driver takes everything completed
 * so far in one go; the caps bound how long the first completion of a batch waits. */
static void process_queue(struct virtio_blk *b)
{
	unsigned generation, pushed_generation = 0, batch = 0;
	uint64_t bytes = 0;

	while (pop_request(b, &generation) > 0) {
		uint32_t written;
		bool notified;

		/* The disk I/O runs without the transport lock; guest RAM stays mapped. */
		if (!serve_request(b, generation, &written)) {
			batch = 0;
			bytes = 0;
			continue;
		}
		bytes += (uint64_t)b->chain.out_len + b->chain.in_len;
		batch++;
		if (!complete_request(b, generation, written,
				      batch == BLK_BATCH_REQS || bytes >= BLK_BATCH_BYTES,
				      &notified) ||
		    notified) {
			batch = 0;
			bytes = 0;
		}
		pushed_generation = generation;
	}
	/* Left untold only if the driver took back requests it had made available. */
	if (batch)
		notify_guest(b, pushed_generation);
}

static void *blk_worker(void *arg)
{
	struct virtio_blk *b = arg;

	for (;;) {
		struct pollfd fds[2] = {{b->notify_fd, POLLIN, 0}, {b->stop_fd, POLLIN, 0}};
		uint64_t count;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (fds[1].revents)
			return NULL;
		if (read(b->notify_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
			return NULL;
		process_queue(b);
	}
}

static void blk_queue_notify(void *dev, unsigned qidx)
{
	struct virtio_blk *b = dev;

	(void)qidx;
	virtio_dev_kick(b->notify_fd);
}

/* Reset or QueueReady=0 (vCPU thread, transport lock held): waits for the request being
 * served, if any, and has the worker drop what it popped before. */
static void blk_queue_stop(void *dev, unsigned qidx)
{
	struct virtio_blk *b = dev;

	(void)qidx;
	pthread_mutex_lock(&b->io_lock);
	b->generation++;
	pthread_mutex_unlock(&b->io_lock);
}

/* DRIVER_OK: serve requests queued before the driver could notify. */
static void blk_activate(void *dev)
{
	struct virtio_blk *b = dev;

	virtio_dev_kick(b->notify_fd);
}

static void blk_read_config(void *dev, uint32_t offset, void *buf, uint32_t len)
{
	struct virtio_blk *b = dev;

	memcpy(buf, (const uint8_t *)&b->config + offset, len);
}

static void blk_destroy(void *priv)
{
	struct virtio_blk *b = priv;

	if (b->worker_started) {
		virtio_dev_kick(b->stop_fd);
		pthread_join(b->worker, NULL);
	}
	if (b->fd >= 0)
		close(b->fd);
	if (b->notify_fd >= 0)
		close(b->notify_fd);
	if (b->stop_fd >= 0)
		close(b->stop_fd);
	pthread_mutex_destroy(&b->io_lock);
	free(b);
}

static const struct virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.num_queues = 1,
	.queue_max = BLK_QUEUE_SIZE,
	.read_config = blk_read_config,
	.config_size = sizeof(struct virtio_blk_config),
	.queue_notify = blk_queue_notify,
	.activate = blk_activate,
	.queue_stop = blk_queue_stop,
	.destroy = blk_destroy,
};

static int open_image(struct virtio_blk *b, const struct disk_config *disk)
{
	uint64_t size;

	b->fd = disk_image_open(disk, &size);
	if (b->fd < 0)
		return b->fd;
	if (size % SECTOR)
		pr_warn("disk image '%s' is not a whole number of 512-byte sectors; the last %llu "
			"bytes are not visible to the guest",
			b->path, (unsigned long long)(size % SECTOR));
	b->sectors = size / SECTOR;
	return 0;
}

int virtio_blk_add(struct devmgr *dm, const char *path, bool read_only)
{
	const struct disk_config disk = {.path = path, .read_only = read_only};

	return virtio_blk_add_disk(dm, &disk);
}

int virtio_blk_add_disk(struct devmgr *dm, const struct disk_config *disk)
{
	struct virtio_blk *b = calloc(1, sizeof(*b));
	uint64_t features = (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_SEG_MAX);
	const char *path = disk->path, *base = strrchr(path, '/');
	bool read_only = disk->read_only;
	struct device *dev;
	int err;

	if (!b)
		return -ENOMEM;
	pthread_mutex_init(&b->io_lock, NULL);
	b->fd = b->notify_fd = -1;
	b->path = path;
	b->read_only = read_only;
	b->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->stop_fd < 0) {
		free(b);
		return -errno;
	}
	err = open_image(b, disk);
	if (err) {
		dm->input_error = err != -ENOMEM;
		blk_destroy(b);
		return err;
	}
	/* The serial (GET_ID) is the image's file name, as much as fits. */
	base = base ? base + 1 : path;
	memcpy(b->serial, base, MIN(strlen(base), sizeof(b->serial)));
	b->config.capacity = b->sectors;
	b->config.seg_max = BLK_SEG_MAX;
	if (read_only)
		features |= 1ull << VIRTIO_BLK_F_RO;
	err = virtio_dev_add(dm, &blk_ops, b, features, &b->transport, &dev);
	if (err)
		return err;
	b->notify_fd = virtio_dev_notify_fd(dm, dev, 0);
	if (b->notify_fd < 0)
		return b->notify_fd;
	err = pthread_create(&b->worker, NULL, blk_worker, b);
	if (err) {
		pr_err("cannot start the virtio-blk thread for '%s': %s", path, strerror(err));
		return -err;
	}
	b->worker_started = true;
	return 0;
}
