// SPDX-License-Identifier: MIT
/*
 * netio -- TCP throughput and round-trip latency between the L2 guest and L1 for bench/net.sh
 * (busybox has no iperf or netperf).
 *
 *   netio server [-p PORT]     (L1) serves clients, one connection at a time, until killed
 *   netio client -N NAME -m tx|rx|rr [-n N] [-b BUFSZ] [-p PORT] HOST
 *   netio now                  prints CLOCK_MONOTONIC in ns
 *
 * Modes, named from the guest's side:
 *   tx  the client sends N bytes to the server (guest -> L1: virtio-net transmit)
 *   rx  the server sends N bytes to the client (L1 -> guest: virtio-net receive)
 *   rr  N round trips of a 1-byte request and a 1-byte response (TCP_NODELAY on both ends),
 *       like netperf's TCP_RR: the latency of one exchange, no bulk data
 * Bulk data moves in write()/read() calls of BUFSZ bytes (default 128 KiB).
 *
 * Protocol: the client sends a 16-byte header (magic, mode, N); then the data (tx), or the
 * server's data and a 1-byte acknowledgement from the client when all has arrived (rx), or
 * the exchanges (rr); at the end the server sends its own measurement, 8 bytes of ns:
 *   tx  header received -> last byte received
 *   rx  header received -> the client's acknowledgement received
 *   rr  first request received -> last request received (N - 1 round trips)
 * so every test is timed by both clocks: the guest's and L1's (which is the same for every
 * VMM under test; the guests' clocks may run differently under different VMMs).
 *
 * The client prints one line:
 *   NET-RESULT name=NAME mode=M n=N bytes=B us=GUEST_US l1_us=L1_US mbps=X l1_mbps=Y
 *     p50_us=L p99_us=L l1_rtt_us=R irqs=I errors=E
 * (mbps: 10^6 bytes/s, by the guest's and by L1's clock; p50/p99: per-exchange latency of rr
 * by the guest's clock; l1_rtt_us: rr's mean round trip by L1's clock; irqs: guest
 * interrupts of the virtio devices during the test, from /proc/interrupts). Exit status 0
 * if errors=0. The server logs one line per connection on stdout.
 *
 * Static build: gcc -O2 -static (bench/net.sh does it).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../virtio_irqs.h"

#define NETIO_MAGIC  0x6e657431u /* "net1" */
#define DEFAULT_PORT 5201
#define DEFAULT_BUF  (128u << 10)
#define IO_TIMEOUT_S 30 /* a peer silent this long (its VM died) is dropped */

enum mode { MODE_TX = 1, MODE_RX = 2, MODE_RR = 3 };
static const char *const mode_names[] = {"?", "tx", "rx", "rr"};

struct header {
	uint32_t magic;
	uint32_t mode;
	uint64_t n;
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Reads exactly @len bytes; false at EOF, on an error or on the timeout. */
static bool read_all(int fd, void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t r = read(fd, (char *)buf + done, len - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		done += (size_t)r;
	}
	return true;
}

static bool write_all(int fd, const void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t r = write(fd, (const char *)buf + done, len - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		done += (size_t)r;
	}
	return true;
}

/* Reads and discards @n bytes in @bufsz calls. */
static bool sink(int fd, char *buf, size_t bufsz, uint64_t n)
{
	while (n) {
		ssize_t r = read(fd, buf, n < bufsz ? (size_t)n : bufsz);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		n -= (uint64_t)r;
	}
	return true;
}

static bool source(int fd, const char *buf, size_t bufsz, uint64_t n)
{
	while (n) {
		size_t len = n < bufsz ? (size_t)n : bufsz;

		if (!write_all(fd, buf, len))
			return false;
		n -= len;
	}
	return true;
}

static void set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* rr, one side: @n exchanges of one byte; the client writes first. Sets *@t_first and
 * *@t_last to the times the first and last request were received (server side), and fills
 * @lat_us with each exchange's latency (client side). */
static bool exchanges(int fd, uint64_t n, bool client, uint32_t *lat_us, long long *t_first,
		      long long *t_last)
{
	char c = 'r';

	for (uint64_t i = 0; i < n; i++) {
		long long t = now_ns();

		if (client) {
			if (!write_all(fd, &c, 1) || !read_all(fd, &c, 1))
				return false;
			lat_us[i] = (uint32_t)((now_ns() - t) / 1000);
			continue;
		}
		if (!read_all(fd, &c, 1))
			return false;
		t = now_ns();
		if (i == 0)
			*t_first = t;
		*t_last = t;
		if (!write_all(fd, &c, 1))
			return false;
	}
	return true;
}

/* The server side of one connection; returns its elapsed ns, or -1. */
static long long serve_one(int fd, char *buf, size_t bufsz, struct header *h)
{
	long long t0, t1 = 0;
	char ack;

	if (!read_all(fd, h, sizeof(*h)) || h->magic != NETIO_MAGIC)
		return -1;
	t0 = now_ns();
	switch (h->mode) {
	case MODE_TX:
		if (!sink(fd, buf, bufsz, h->n))
			return -1;
		return now_ns() - t0;
	case MODE_RX:
		if (!source(fd, buf, bufsz, h->n) || !read_all(fd, &ack, 1))
			return -1;
		return now_ns() - t0;
	case MODE_RR:
		set_nodelay(fd);
		if (!exchanges(fd, h->n, false, NULL, &t0, &t1))
			return -1;
		return t1 - t0;
	default:
		return -1;
	}
}

static int listen_on(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int server(int port)
{
	static char buf[DEFAULT_BUF];
	struct timeval tmo = {.tv_sec = IO_TIMEOUT_S};
	int lfd = listen_on(port);

	if (lfd < 0) {
		perror("netio: listen");
		return 2;
	}
	memset(buf, 0x5a, sizeof(buf));
	printf("netio: listening on port %d\n", port);
	fflush(stdout);
	for (;;) {
		struct header h = {0};
		long long ns;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("netio: accept");
			return 2;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
		ns = serve_one(fd, buf, sizeof(buf), &h);
		/* The result goes back even for a failed test (-1): the client reports it. */
		write_all(fd, &ns, sizeof(ns));
		printf("netio: mode=%u n=%" PRIu64 " ns=%lld\n", h.mode, h.n, ns);
		fflush(stdout);
		close(fd);
	}
}

static int connect_to(const char *host, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tmo = {.tv_sec = IO_TIMEOUT_S};
	int fd;

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "netio: %s is not an IPv4 address\n", host);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "netio: connect to %s:%d: %s\n", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
	return fd;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

struct client_opts {
	const char *name, *host;
	enum mode mode;
	uint64_t n;
	size_t bufsz;
	int port;
};

/* The client's part of the test after the header; false on an error. */
static bool client_run(const struct client_opts *o, int fd, char *buf, uint32_t *lat)
{
	char ack = 'a';

	switch (o->mode) {
	case MODE_TX:
		return source(fd, buf, o->bufsz, o->n);
	case MODE_RX:
		return sink(fd, buf, o->bufsz, o->n) && write_all(fd, &ack, 1);
	case MODE_RR:
		return exchanges(fd, o->n, true, lat, NULL, NULL);
	}
	return false;
}

static void print_result(const struct client_opts *o, long long guest_ns, long long l1_ns,
			 uint32_t *lat, long long irqs, bool ok)
{
	uint64_t bytes = o->mode == MODE_RR ? 0 : o->n;
	double gs = (double)guest_ns / 1e9, ls = (double)l1_ns / 1e9;
	uint32_t p50 = 0, p99 = 0;
	double rtt = 0;

	if (o->mode == MODE_RR && ok) {
		qsort(lat, (size_t)o->n, sizeof(*lat), cmp_u32);
		p50 = lat[o->n / 2];
		p99 = lat[(uint64_t)((double)o->n * 0.99)];
		if (o->n > 1 && l1_ns > 0)
			rtt = (double)l1_ns / 1e3 / (double)(o->n - 1);
	}
	printf("NET-RESULT name=%s mode=%s n=%" PRIu64 " bytes=%" PRIu64
	       " us=%lld l1_us=%lld mbps=%.2f l1_mbps=%.2f p50_us=%u p99_us=%u l1_rtt_us=%.1f "
	       "irqs=%lld errors=%d\n",
	       o->name, mode_names[o->mode], o->n, bytes, guest_ns / 1000, l1_ns / 1000,
	       gs > 0 ? (double)bytes / gs / 1e6 : 0, ls > 0 ? (double)bytes / ls / 1e6 : 0, p50,
	       p99, rtt, irqs, ok ? 0 : 1);
	fflush(stdout);
}

static int client(const struct client_opts *o)
{
	struct header h = {NETIO_MAGIC, o->mode, o->n};
	uint32_t *lat = NULL;
	long long t0, t1, l1_ns = -1, irq0, irq1;
	char *buf = malloc(o->bufsz);
	bool ok;
	int fd;

	if (o->mode == MODE_RR)
		lat = calloc((size_t)o->n, sizeof(*lat));
	if (!buf || (o->mode == MODE_RR && !lat)) {
		fprintf(stderr, "netio: out of memory\n");
		return 2;
	}
	memset(buf, 0xa5, o->bufsz);
	fd = connect_to(o->host, o->port);
	if (fd < 0)
		return 2;
	if (o->mode == MODE_RR)
		set_nodelay(fd);
	irq0 = virtio_irqs();
	t0 = now_ns();
	ok = write_all(fd, &h, sizeof(h)) && client_run(o, fd, buf, lat) &&
	     read_all(fd, &l1_ns, sizeof(l1_ns)) && l1_ns >= 0;
	t1 = now_ns();
	irq1 = virtio_irqs();
	if (!ok)
		fprintf(stderr, "netio: %s: %s\n", o->name, errno ? strerror(errno) : "failed");
	close(fd);
	print_result(o, t1 - t0, l1_ns, lat, irq0 < 0 ? -1 : irq1 - irq0, ok);
	free(buf);
	free(lat);
	return ok ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: netio server [-p PORT]\n"
			"       netio client -N NAME -m tx|rx|rr [-n N] [-b BUFSZ] [-p PORT] HOST\n"
			"       netio now\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct client_opts o = {
		.name = "test", .n = 1 << 20, .bufsz = DEFAULT_BUF, .port = DEFAULT_PORT};
	bool is_server;
	int opt;

	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%lld\n", now_ns());
		return 0;
	}
	if (argc < 2 || (strcmp(argv[1], "server") && strcmp(argv[1], "client")))
		usage();
	is_server = !strcmp(argv[1], "server");
	signal(SIGPIPE, SIG_IGN);
	optind = 2;
	while ((opt = getopt(argc, argv, "N:m:n:b:p:")) != -1) {
		switch (opt) {
		case 'N':
			o.name = optarg;
			break;
		case 'm':
			for (unsigned m = MODE_TX; m <= MODE_RR; m++)
				if (!strcmp(optarg, mode_names[m]))
					o.mode = m;
			break;
		case 'n':
			o.n = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			o.bufsz = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			o.port = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (is_server)
		return optind == argc ? server(o.port) : (usage(), 2);
	if (!o.mode || optind != argc - 1 || !o.n || !o.bufsz || o.bufsz > (64u << 20))
		usage();
	o.host = argv[optind];
	return client(&o);
}
