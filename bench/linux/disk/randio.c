// SPDX-License-Identifier: MIT
/*
 * randio -- block device I/O test for the L2 guest of bench/disk.sh (busybox has no fio).
 *
 *   randio -N NAME -m MODE [-b BS] [-n COUNT] [-t THREADS] [-r REGION_MB] [-s SEED] DEV
 *   randio now        prints CLOCK_MONOTONIC in ns (to time other commands from sh)
 *
 * MODE: seqwrite, seqread (COUNT blocks of BS bytes from offset 0, one at a time, wrapping
 * around to offset 0 at the end of the first REGION_MB MiB),
 * randwrite, randread (COUNT blocks of BS bytes at BS-aligned pseudo-random offsets in the
 * first REGION_MB MiB, spread over THREADS threads: THREADS requests in flight). All I/O is
 * pread/pwrite with O_DIRECT (the guest page cache is bypassed; each call is one or more
 * virtio-blk requests). seqwrite and randwrite end with fdatasync() (a virtio-blk FLUSH), so
 * they are like `dd oflag=direct conv=fsync`; the flush is inside the timed interval.
 *
 * Every 4 KiB of data that is written starts with a stamp (its byte offset ^ a constant), and
 * reads check it: a read of a block nobody wrote with randio, or of wrong data, counts as an
 * error. Run seqwrite first over the region the other tests use.
 *
 * Times with CLOCK_MONOTONIC in the guest. Also counts the guest interrupts of the virtio
 * devices (/proc/interrupts lines with "virtio") during the test. Prints one line:
 *   DISK-RESULT name=NAME mode=M bs=B n=N qd=T us=ELAPSED mbps=X iops=Y p50_us=L p99_us=L
 *     irqs=I errors=E
 * (p50/p99: per-call latency; mbps in 10^6 bytes/s). Exit status 0 if errors=0.
 *
 * Static build: gcc -O2 -static -pthread (bench/disk.sh does it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../virtio_irqs.h"

#define STAMP_MAGIC 0x5a6f6c766d444b21ull /* "ZolvmDK!" */
#define PAGE	    4096u
#define MAX_THREADS 64

static const char *name = "test", *mode = NULL, *dev;
static size_t bs = 4096;
static long count = 1000;
static int nthreads = 1;
static uint64_t region = 128ull << 20, seed = 1;
static int fd;
static int writing, sequential;
static uint32_t *lat_us; /* per-call latency, count entries */
static long errors_total;
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void stamp(unsigned char *buf, uint64_t off)
{
	for (size_t i = 0; i < bs; i += PAGE) {
		uint64_t v = (off + i) ^ STAMP_MAGIC;

		memcpy(buf + i, &v, sizeof(v));
	}
}

static long check(const unsigned char *buf, uint64_t off)
{
	long bad = 0;

	for (size_t i = 0; i < bs; i += PAGE) {
		uint64_t v;

		memcpy(&v, buf + i, sizeof(v));
		bad += v != ((off + i) ^ STAMP_MAGIC);
	}
	return bad;
}

struct worker {
	pthread_t tid;
	int idx;
	long first, n; /* this worker's calls: [first, first + n) */
	uint64_t rng;
};

static void *run(void *arg)
{
	struct worker *w = arg;
	unsigned char *buf;
	uint64_t blocks = region / bs;
	long errors = 0;

	if (posix_memalign((void **)&buf, PAGE, bs)) {
		fprintf(stderr, "randio: out of memory\n");
		exit(2);
	}
	memset(buf, 0xa5, bs);
	for (long i = 0; i < w->n; i++) {
		long k = w->first + i;
		uint64_t off = (sequential ? (uint64_t)k : xorshift(&w->rng)) % blocks * bs;
		long long t = now_ns();
		size_t done = 0;

		if (writing)
			stamp(buf, off);
		while (done < bs) {
			ssize_t r = writing ? pwrite(fd, buf + done, bs - done, (off_t)(off + done))
					    : pread(fd, buf + done, bs - done, (off_t)(off + done));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				fprintf(stderr, "randio: %s at %" PRIu64 ": %s\n",
					writing ? "pwrite" : "pread", off + done,
					r < 0 ? strerror(errno) : "end of device");
				exit(2);
			}
			done += (size_t)r;
		}
		lat_us[k] = (uint32_t)((now_ns() - t) / 1000);
		if (!writing)
			errors += check(buf, off);
	}
	free(buf);
	pthread_mutex_lock(&err_lock);
	errors_total += errors;
	pthread_mutex_unlock(&err_lock);
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void usage(void)
{
	fprintf(stderr, "usage: randio -N NAME -m seqwrite|seqread|randwrite|randread [-b BS] "
			"[-n COUNT] [-t THREADS] [-r REGION_MB] [-s SEED] DEV\n"
			"       randio now\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct worker w[MAX_THREADS];
	long long t0, t1, irq0, irq1;
	double secs;
	int opt;

	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%lld\n", now_ns());
		return 0;
	}
	while ((opt = getopt(argc, argv, "N:m:b:n:t:r:s:")) != -1) {
		switch (opt) {
		case 'N':
			name = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'b':
			bs = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			count = strtol(optarg, NULL, 0);
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'r':
			region = strtoull(optarg, NULL, 0) << 20;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (!mode || optind != argc - 1 || bs < PAGE || bs % PAGE || count < 1 || nthreads < 1 ||
	    nthreads > MAX_THREADS || region < bs || !seed)
		usage();
	dev = argv[optind];
	if (!strcmp(mode, "seqwrite") || !strcmp(mode, "randwrite"))
		writing = 1;
	else if (strcmp(mode, "seqread") && strcmp(mode, "randread"))
		usage();
	sequential = !strncmp(mode, "seq", 3);
	if (sequential)
		nthreads = 1;
	lat_us = calloc((size_t)count, sizeof(*lat_us));
	fd = open(dev, (writing ? O_RDWR : O_RDONLY) | O_DIRECT);
	if (!lat_us || fd < 0) {
		fprintf(stderr, "randio: %s: %s\n", dev, strerror(errno));
		return 2;
	}
	for (int i = 0; i < nthreads; i++) {
		w[i].idx = i;
		w[i].first = count * i / nthreads;
		w[i].n = count * (i + 1) / nthreads - w[i].first;
		w[i].rng = seed * 0x9e3779b97f4a7c15ull + (uint64_t)i * 0x632be59bd9b4e019ull + 1;
	}

	irq0 = virtio_irqs();
	t0 = now_ns();
	if (nthreads == 1) {
		run(&w[0]);
	} else {
		for (int i = 0; i < nthreads; i++)
			if (pthread_create(&w[i].tid, NULL, run, &w[i])) {
				fprintf(stderr, "randio: pthread_create failed\n");
				return 2;
			}
		for (int i = 0; i < nthreads; i++)
			pthread_join(w[i].tid, NULL);
	}
	if (writing && fdatasync(fd) < 0) {
		fprintf(stderr, "randio: fdatasync: %s\n", strerror(errno));
		return 2;
	}
	t1 = now_ns();
	irq1 = virtio_irqs();

	secs = (double)(t1 - t0) / 1e9;
	qsort(lat_us, (size_t)count, sizeof(*lat_us), cmp_u32);
	printf("DISK-RESULT name=%s mode=%s bs=%zu n=%ld qd=%d us=%lld mbps=%.2f iops=%.1f "
	       "p50_us=%u p99_us=%u irqs=%lld errors=%ld\n",
	       name, mode, bs, count, nthreads, (t1 - t0) / 1000,
	       (double)bs * (double)count / secs / 1e6, (double)count / secs, lat_us[count / 2],
	       lat_us[(long)((double)count * 0.99)], irq0 < 0 ? -1 : irq1 - irq0, errors_total);
	fflush(stdout);
	close(fd);
	return errors_total ? 1 : 0;
}
