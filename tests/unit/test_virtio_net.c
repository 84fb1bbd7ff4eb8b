// SPDX-License-Identifier: MIT
/* test_virtio_net.c: virtio-net driven by a guest driver played by the test, on two
 * backends. Always on a socketpair (net_dgram.c): the test's end of it is the network.
 * With root (CAP_NET_ADMIN and CAP_SYS_ADMIN for the namespace), also on a real tap
 * interface in a private network namespace, whose host side is an AF_PACKET socket on the
 * tap. Either way, what the host sends arrives in the guest's receive buffers and what the
 * guest transmits arrives at the host. Frames use the local experimental ethertype 0x88b5;
 * anything else the host stack sends is skipped. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "log_capture.h"
#include "test.h"
#include "virtio/net_backend.h"
#include "virtio_driver.h"

#define MiB	     (1024ull * 1024)
#define RAM_SIZE     (4 * MiB)
#define QSIZE	     16
#define RX_DESC	     0x1000ull
#define RX_AVAIL     0x2000ull
#define RX_USED	     0x3000ull
#define TX_DESC	     0x4000ull
#define TX_AVAIL     0x5000ull
#define TX_USED	     0x6000ull
#define RX_BUF	     0x10000ull /* buffer n at + 0x10000 * n */
#define TX_BUF	     0x100000ull
#define WAIT_MS	     2000
#define ETHERTYPE_T  0x88b5
#define TAP	     "smt0"
#define F_VERSION_1  (1ull << VIRTIO_F_VERSION_1)
#define F_MAC	     (1ull << 5)
#define F_STATUS     (1ull << 16)
#define F_GUEST_CSUM (1ull << 1)
#define F_GUEST_TSO4 (1ull << 7)
#define F_MRG_RXBUF  (1ull << 15)

struct net_fx {
	struct vm *vm;
	struct vdrv rx, tx;
	bool tap; /* else a socketpair */
	int sock; /* AF_PACKET on the tap, or the socketpair's far end: the host's end of the wire
		   */
	int ifindex;
	uint16_t rx_done, tx_done;
	struct log_capture log;
};

static bool netns_ready;

/* A private network namespace, once: the tap and everything on it stay in there. */
static bool enter_netns(void)
{
	static bool tried;
	int fd;

	if (tried)
		return netns_ready;
	tried = true;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		return false;
	/* No IPv6 chatter (router solicitations) on the tap. */
	fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			(void)0;
		close(fd);
	}
	netns_ready = true;
	return true;
}

static bool link_up(const char *name)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	bool ok;

	if (s < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ok = ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
	close(s);
	return ok;
}

static void fill_frame(uint8_t *f, uint32_t len, uint8_t seed)
{
	static const uint8_t dst[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	static const uint8_t src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETHERTYPE_T >> 8;
	f[13] = ETHERTYPE_T & 0xff;
	for (uint32_t i = 14; i < len; i++)
		f[i] = (uint8_t)(i * 13 + seed);
}

static bool host_send(struct net_fx *fx, uint32_t len, uint8_t seed)
{
	uint8_t f[2048], hdr[12] = {0};
	struct sockaddr_ll a = {
		.sll_family = AF_PACKET, .sll_ifindex = fx->ifindex, .sll_halen = 6};

	fill_frame(f, len, seed);
	if (!fx->tap) {
		struct iovec iov[2] = {{hdr, sizeof(hdr)}, {f, len}};
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};

		return sendmsg(fx->sock, &m, 0) == (ssize_t)(sizeof(hdr) + len);
	}
	memcpy(a.sll_addr, f, 6);
	return sendto(fx->sock, f, len, 0, (struct sockaddr *)&a, sizeof(a)) == (ssize_t)len;
}

/* The next test frame the host receives from the guest; its length, or -1. */
static ssize_t host_recv(struct net_fx *fx, uint8_t *buf, size_t size)
{
	for (;;) {
		struct pollfd p = {fx->sock, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, WAIT_MS) <= 0)
			return -1;
		n = recv(fx->sock, buf, size, 0);
		if (!fx->tap && n >= 12) { /* the socketpair carries the guest's header */
			n -= 12;
			memmove(buf, buf + 12, (size_t)n);
		}
		if (n >= 14 && buf[12] == ETHERTYPE_T >> 8 && buf[13] == (ETHERTYPE_T & 0xff))
			return n;
	}
}

/* The device on a socketpair: the test keeps the far end in fx->sock. */
static int add_on_socketpair(struct net_fx *fx, const uint8_t *mac)
{
	struct net_backend *nb;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	nb = net_dgram_open(sv[0], TAP);
	if (!nb) {
		close(sv[0]);
		close(sv[1]);
		return -ENOMEM;
	}
	fx->sock = sv[1];
	return virtio_net_add_backend(&fx->vm->devices, nb, mac);
}

static bool fx_init(struct net_fx *fx, bool tap, const uint8_t *mac)
{
	int err;

	memset(fx, 0, sizeof(*fx));
	fx->sock = -1;
	fx->tap = tap;
	fx->vm = vdrv_vm_new(RAM_SIZE);
	log_capture_begin(&fx->log);
	err = tap ? virtio_net_add(&fx->vm->devices, TAP, mac) : add_on_socketpair(fx, mac);
	if (err) {
		char *log = log_capture_end(&fx->log);

		test_fail(__FILE__, __LINE__, "virtio_net_add: %d: %s", err, log);
		free(log);
		vdrv_vm_free(fx->vm);
		fx->vm = NULL;
		return false;
	}
	vdrv_attach(&fx->rx, fx->vm, 0);
	vdrv_attach(&fx->tx, fx->vm, 0);
	if (!tap)
		return true;
	fx->ifindex = (int)if_nametoindex(TAP);
	if (!fx->ifindex || !link_up(TAP))
		return false;
	fx->sock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fx->sock >= 0) {
		struct sockaddr_ll a = {.sll_family = AF_PACKET,
					.sll_protocol = htons(ETH_P_ALL),
					.sll_ifindex = fx->ifindex};

		if (bind(fx->sock, (struct sockaddr *)&a, sizeof(a)) < 0) {
			close(fx->sock);
			fx->sock = -1;
		}
	}
	return fx->sock >= 0;
}

static char *fx_fini(struct net_fx *fx)
{
	char *log;

	if (fx->vm)
		vdrv_vm_free(fx->vm);
	log = fx->vm ? log_capture_end(&fx->log) : calloc(1, 1);
	if (fx->sock >= 0)
		close(fx->sock);
	return log;
}

/* Negotiates @features and sets up both queues. */
static bool fx_start(struct net_fx *fx, uint64_t features)
{
	uint32_t st = vdrv_negotiate(&fx->rx, features);

	fx->rx_done = fx->tx_done = 0;
	if (!(st & VIRTIO_STATUS_FEATURES_OK))
		return false;
	if (!vdrv_queue_setup(&fx->rx, 0, QSIZE, RX_DESC, RX_AVAIL, RX_USED) ||
	    !vdrv_queue_setup(&fx->tx, 1, QSIZE, TX_DESC, TX_AVAIL, TX_USED))
		return false;
	vdrv_write32(&fx->rx, VREG_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	return vdrv_status(&fx->rx) == (st | VIRTIO_STATUS_DRIVER_OK);
}

/* Posts receive buffer @n (@len bytes, filled with 0xee) as descriptor @n. */
static void post_rx(struct net_fx *fx, unsigned n, uint32_t len)
{
	memset(vdrv_ptr(&fx->rx, RX_BUF + 0x10000ull * n, len), 0xee, len);
	vdrv_desc(&fx->rx, n, RX_BUF + 0x10000ull * n, len, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&fx->rx, (uint16_t)n);
}

/* Checks used entry @pos of the receive queue: buffer @n holding a zero header (but
 * num_buffers 1) and the frame of @len bytes made with @seed. */
static void check_rx(struct net_fx *fx, uint16_t pos, unsigned n, uint32_t len, uint8_t seed)
{
	static const uint8_t hdr[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	uint8_t want[2048];
	const uint8_t *buf = vdrv_ptr(&fx->rx, RX_BUF + 0x10000ull * n, 12 + len);

	fill_frame(want, len, seed);
	ASSERT_EQ(vdrv_used_id(&fx->rx, pos), n);
	ASSERT_EQ(vdrv_used_len(&fx->rx, pos), 12 + len);
	ASSERT_TRUE(!memcmp(buf, hdr, 12));
	if (memcmp(buf + 12, want, len))
		test_fail(__FILE__, __LINE__, "used entry %u: frame data differs", pos);
}

/* Checks a frame of @len bytes made with @seed in used entries @pos.. of the receive queue,
 * in mergeable buffers of @size bytes: descriptors @first.. in order, as many as it needs,
 * the first one's header saying how many. */
static void check_rx_merged(struct net_fx *fx, uint16_t pos, unsigned first, uint32_t size,
			    uint32_t len, uint8_t seed)
{
	uint8_t want[2048], got[2048 + 12];
	uint32_t total = 12 + len, nbuf = (total + size - 1) / size, off = 0;

	fill_frame(want, len, seed);
	for (uint32_t i = 0; i < nbuf; i++) {
		uint32_t take = MIN(size, total - off);

		ASSERT_EQ(vdrv_used_id(&fx->rx, (uint16_t)(pos + i)), first + i);
		ASSERT_EQ(vdrv_used_len(&fx->rx, (uint16_t)(pos + i)), take);
		memcpy(got + off, vdrv_ptr(&fx->rx, RX_BUF + 0x10000ull * (first + i), take), take);
		off += take;
	}
	ASSERT_EQ(got[10] | got[11] << 8, nbuf); /* num_buffers */
	if (memcmp(got + 12, want, len))
		test_fail(__FILE__, __LINE__, "used entry %u: frame data differs", pos);
}

/* Runs @test on the socketpair, and on a tap where the test may make one. */
static void on_each_backend(void (*test)(bool tap))
{
	test(false);
	if (enter_netns())
		test(true);
}

/* Mergeable receive buffers: a frame spans as many buffers as it needs; one larger than
 * the buffers posted waits for more, and is forgotten by a reset. */
static void mergeable_rx(bool tap)
{
	struct net_fx fx;
	uint8_t *old;

	if (!fx_init(&fx, tap, NULL) || !fx_start(&fx, F_VERSION_1 | F_MRG_RXBUF)) {
		test_fail(__FILE__, __LINE__, "fixture");
		free(fx_fini(&fx));
		return;
	}
	for (unsigned i = 0; i < 10; i++)
		post_rx(&fx, i, 256);
	vdrv_notify(&fx.rx);
	ASSERT_TRUE(host_send(&fx, 60, 1));   /* one buffer */
	ASSERT_TRUE(host_send(&fx, 1514, 2)); /* six: 5 x 256 + 246 */
	ASSERT_EQ(vdrv_wait_used(&fx.rx, 7, WAIT_MS), 7);
	check_rx_merged(&fx, 0, 0, 256, 60, 1);
	check_rx_merged(&fx, 1, 1, 256, 1514, 2);
	/* 1012 bytes for the three buffers left: the frame waits for a fourth. */
	ASSERT_TRUE(host_send(&fx, 1000, 3));
	vdrv_sleep_us(100000);
	ASSERT_EQ(vdrv_used_idx(&fx.rx), 7);
	post_rx(&fx, 10, 256);
	post_rx(&fx, 11, 256);
	vdrv_notify(&fx.rx);
	ASSERT_EQ(vdrv_wait_used(&fx.rx, 11, WAIT_MS), 11);
	check_rx_merged(&fx, 7, 7, 256, 1000, 3);

	/* A frame waiting for buffers when the driver resets the device: forgotten. */
	ASSERT_TRUE(host_send(&fx, 1000, 4));
	vdrv_sleep_us(100000);
	ASSERT_EQ(vdrv_used_idx(&fx.rx), 11);
	vdrv_write32(&fx.rx, VREG_STATUS, 0);
	ASSERT_TRUE(fx_start(&fx, F_VERSION_1 | F_MRG_RXBUF));
	post_rx(&fx, 5, 2048);
	vdrv_notify(&fx.rx);
	vdrv_sleep_us(50000);
	old = vdrv_ptr(&fx.rx, RX_BUF + 0x10000ull * 5, 16);
	ASSERT_EQ(old[0], 0xee);
	ASSERT_TRUE(host_send(&fx, 100, 5));
	ASSERT_EQ(vdrv_wait_used(&fx.rx, 1, WAIT_MS), 1);
	check_rx_merged(&fx, 0, 5, 2048, 100, 5);
	free(fx_fini(&fx));
}

TEST(virtio_net_mergeable_rx)
{
	on_each_backend(mergeable_rx);
}

static void features_and_config(bool tap)
{
	static const uint8_t mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	struct net_fx fx;
	uint64_t f;

	if (fx_init(&fx, tap, mac)) {
		ASSERT_EQ(vdrv_read32(&fx.rx, VREG_DEVICE_ID), 1);
		f = vdrv_device_features(&fx.rx);
		ASSERT_TRUE(f & F_MAC);
		ASSERT_TRUE(f & F_STATUS);
		ASSERT_TRUE(f & F_MRG_RXBUF);
		for (unsigned i = 0; i < 6; i++)
			ASSERT_EQ(vdrv_read(&fx.rx, VREG_CONFIG + i, 1), mac[i]);
		ASSERT_EQ(vdrv_read(&fx.rx, VREG_CONFIG + 6, 2), 1); /* LINK_UP */
	} else {
		test_fail(__FILE__, __LINE__, "fixture");
	}
	free(fx_fini(&fx));
}

TEST(virtio_net_features_and_config)
{
	on_each_backend(features_and_config);
}

static void rx_tx(bool tap)
{
	struct net_fx fx;
	uint8_t got[2048], want[2048];
	char *log;

	if (!fx_init(&fx, tap, NULL) || !fx_start(&fx, F_VERSION_1 | F_MAC | F_STATUS)) {
		test_fail(__FILE__, __LINE__, "fixture");
		free(fx_fini(&fx));
		return;
	}
	/* Generated MAC: 52:54:00:xx:xx:xx. */
	ASSERT_EQ(vdrv_read(&fx.rx, VREG_CONFIG, 1), 0x52);
	/* Receive: two buffers, two frames. */
	post_rx(&fx, 0, 2048);
	post_rx(&fx, 1, 2048);
	vdrv_notify(&fx.rx);
	ASSERT_TRUE(host_send(&fx, 60, 1));
	ASSERT_TRUE(host_send(&fx, 1514, 2));
	ASSERT_EQ(vdrv_wait_used(&fx.rx, 2, WAIT_MS), 2);
	check_rx(&fx, 0, 0, 60, 1);
	check_rx(&fx, 1, 1, 1514, 2);
	ASSERT_TRUE(vdrv_read32(&fx.rx, VREG_INTERRUPT_STATUS) & VIRTIO_INT_USED);

	/* Starved: frames wait in the tap until buffers come, then arrive in order. */
	ASSERT_TRUE(host_send(&fx, 100, 3));
	ASSERT_TRUE(host_send(&fx, 200, 4));
	vdrv_sleep_us(100000);
	ASSERT_EQ(vdrv_used_idx(&fx.rx), 2);
	post_rx(&fx, 2, 2048);
	post_rx(&fx, 3, 2048);
	vdrv_notify(&fx.rx);
	ASSERT_EQ(vdrv_wait_used(&fx.rx, 4, WAIT_MS), 4);
	check_rx(&fx, 2, 2, 100, 3);
	check_rx(&fx, 3, 3, 200, 4);

	/* Too big for the buffer: dropped, and the buffer takes the next frame. */
	post_rx(&fx, 4, 12 + 300);
	vdrv_notify(&fx.rx);
	ASSERT_TRUE(host_send(&fx, 1000, 5));
	ASSERT_TRUE(host_send(&fx, 300, 6));
	ASSERT_EQ(vdrv_wait_used(&fx.rx, 5, WAIT_MS), 5);
	check_rx(&fx, 4, 4, 300, 6);

	/* Transmit: header, then the frame in two pieces. */
	memset(vdrv_ptr(&fx.tx, TX_BUF, 12), 0, 12);
	fill_frame(want, 700, 7);
	memcpy(vdrv_ptr(&fx.tx, TX_BUF + 0x1000, 700), want, 700);
	vdrv_desc(&fx.tx, 0, TX_BUF, 12, VIRTQ_DESC_F_NEXT, 1);
	vdrv_desc(&fx.tx, 1, TX_BUF + 0x1000, 100, VIRTQ_DESC_F_NEXT, 2);
	vdrv_desc(&fx.tx, 2, TX_BUF + 0x1000 + 100, 600, 0, 0);
	vdrv_publish(&fx.tx, 0);
	vdrv_notify(&fx.tx);
	ASSERT_EQ(host_recv(&fx, got, sizeof(got)), 700);
	ASSERT_TRUE(!memcmp(got, want, 700));
	ASSERT_EQ(vdrv_wait_used(&fx.tx, 1, WAIT_MS), 1);
	ASSERT_EQ(vdrv_used_id(&fx.tx, 0), 0);

	/* A transmit chain shorter than the header: returned, nothing sent. */
	vdrv_desc(&fx.tx, 3, TX_BUF, 8, 0, 0);
	vdrv_publish(&fx.tx, 3);
	vdrv_notify(&fx.tx);
	ASSERT_EQ(vdrv_wait_used(&fx.tx, 2, WAIT_MS), 2);
	log = fx_fini(&fx);
	ASSERT_STR_CONTAINS(log, "shorter than its header");
	free(log);
}

TEST(virtio_net_rx_tx)
{
	on_each_backend(rx_tx);
}

static void reset_forgets_buffers(bool tap)
{
	struct net_fx fx;
	uint8_t *old;

	if (!fx_init(&fx, tap, NULL) || !fx_start(&fx, F_VERSION_1)) {
		test_fail(__FILE__, __LINE__, "fixture");
		free(fx_fini(&fx));
		return;
	}
	/* One buffer, taken by the worker while it waits for a frame. */
	post_rx(&fx, 0, 2048);
	vdrv_notify(&fx.rx);
	vdrv_sleep_us(50000);
	vdrv_write32(&fx.rx, VREG_STATUS, 0);
	ASSERT_TRUE(fx_start(&fx, F_VERSION_1));
	post_rx(&fx, 5, 2048);
	vdrv_notify(&fx.rx);
	ASSERT_TRUE(host_send(&fx, 80, 9));
	ASSERT_EQ(vdrv_wait_used(&fx.rx, 1, WAIT_MS), 1);
	check_rx(&fx, 0, 5, 80, 9);
	old = vdrv_ptr(&fx.rx, RX_BUF, 16);
	ASSERT_EQ(old[0], 0xee); /* the buffer from before the reset was not written */
	ASSERT_EQ(old[12], 0xee);
	free(fx_fini(&fx));
}

TEST(virtio_net_reset_forgets_buffers)
{
	on_each_backend(reset_forgets_buffers);
}

/* QueueReady=0 on the receive queue stops it: the chain the worker held for the next frame
 * belongs to the old rings, and neither it nor its buffer is used once the driver has set
 * the queue up again elsewhere. */
#define RX2_DESC  0x7000ull
#define RX2_AVAIL 0x8000ull
#define RX2_USED  0x9000ull

static void rx_disable_forgets_buffers(bool tap)
{
	struct net_fx fx;
	uint8_t *old;

	if (!fx_init(&fx, tap, NULL) || !fx_start(&fx, F_VERSION_1)) {
		test_fail(__FILE__, __LINE__, "fixture");
		free(fx_fini(&fx));
		return;
	}
	post_rx(&fx, 0, 2048);
	vdrv_notify(&fx.rx);
	vdrv_sleep_us(50000); /* taken by the worker, which waits for a frame */
	vdrv_write32(&fx.rx, VREG_QUEUE_SEL, 0);
	vdrv_write32(&fx.rx, VREG_QUEUE_READY, 0);
	ASSERT_EQ(vdrv_read32(&fx.rx, VREG_QUEUE_READY), 0);
	ASSERT_TRUE(vdrv_queue_setup(&fx.rx, 0, QSIZE, RX2_DESC, RX2_AVAIL, RX2_USED));
	post_rx(&fx, 5, 2048);
	vdrv_notify(&fx.rx);
	ASSERT_TRUE(host_send(&fx, 80, 9));
	ASSERT_EQ(vdrv_wait_used(&fx.rx, 1, WAIT_MS), 1);
	check_rx(&fx, 0, 5, 80, 9);
	old = vdrv_ptr(&fx.rx, RX_BUF, 16);
	ASSERT_EQ(old[0], 0xee); /* the buffer posted on the old rings was not written */
	ASSERT_EQ(old[12], 0xee);
	ASSERT_EQ(vdrv_get16(&fx.rx, RX_USED + 2), 0);
	free(fx_fini(&fx));
}

TEST(virtio_net_rx_queue_disable_forgets_buffers)
{
	on_each_backend(rx_disable_forgets_buffers);
}

static void offloads_and_bad_queue(bool tap)
{
	struct net_fx fx;
	uint32_t st;
	char *log;

	if (!fx_init(&fx, tap, NULL) || !fx_start(&fx, F_VERSION_1 | F_GUEST_CSUM | F_GUEST_TSO4 |
							       (1ull << 0) | (1ull << 11))) {
		test_fail(__FILE__, __LINE__, "fixture");
		free(fx_fini(&fx));
		return;
	}
	/* A frame still arrives with offloads on (a plain frame: header zero). */
	post_rx(&fx, 0, 2048);
	vdrv_notify(&fx.rx);
	ASSERT_TRUE(host_send(&fx, 90, 11));
	ASSERT_EQ(vdrv_wait_used(&fx.rx, 1, WAIT_MS), 1);
	check_rx(&fx, 0, 0, 90, 11);
	/* A transmit head beyond the queue: the device needs a reset. */
	vdrv_publish(&fx.tx, QSIZE + 3);
	vdrv_notify(&fx.tx);
	st = vdrv_wait_status(&fx.tx, VIRTIO_STATUS_NEEDS_RESET, WAIT_MS);
	ASSERT_TRUE(st & VIRTIO_STATUS_NEEDS_RESET);
	log = fx_fini(&fx);
	ASSERT_STR_CONTAINS(log, "malformed transmit queue");
	free(log);
}

TEST(virtio_net_offloads_and_bad_queue)
{
	on_each_backend(offloads_and_bad_queue);
}

TEST(virtio_net_bad_tap_names)
{
	struct vm *vm = vdrv_vm_new(RAM_SIZE);
	struct log_capture c;
	char *log;

	log_capture_begin(&c);
	ASSERT_EQ(virtio_net_add(&vm->devices, "a/b", NULL), -EINVAL);
	ASSERT_TRUE(vm->devices.input_error);
	vm->devices.input_error = false;
	ASSERT_EQ(virtio_net_add(&vm->devices, "..", NULL), -EINVAL);
	ASSERT_TRUE(vm->devices.input_error);
	if (enter_netns()) {
		vm->devices.input_error = false;
		ASSERT_EQ(virtio_net_add(&vm->devices, "lo", NULL), -EINVAL);
		ASSERT_TRUE(vm->devices.input_error);
	}
	log = log_capture_end(&c);
	ASSERT_STR_CONTAINS(log, "invalid tap interface name 'a/b'");
	free(log);
	vdrv_vm_free(vm);
}
