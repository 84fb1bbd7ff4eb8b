/* SPDX-License-Identifier: MIT */
/* net_backend.h: the host side of a virtio-net device, behind which frames come and go:
 * a tap interface (net_tap.c) or a datagram socket (net_dgram.c). Every frame carries the
 * guest's 12-byte virtio_net_hdr first, so offloads pass through untouched. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "util/compiler.h"

/* Offloads the driver accepted (virtio-net GUEST_CSUM, GUEST_TSO4, GUEST_TSO6). */
#define NET_OFFLOAD_CSUM 1u
#define NET_OFFLOAD_TSO4 2u
#define NET_OFFLOAD_TSO6 4u

struct net_backend;

struct net_backend_ops {
	/* Reads one frame into @iov; returns its length (a frame longer than @iov is cut
	 * short), -EAGAIN when none waits, -EINVAL for a frame the backend could not describe
	 * (consumed), or another -errno. Never blocks. */
	ssize_t (*recv)(struct net_backend *nb, const struct iovec *iov, int iovcnt);
	/* Sends the frame in @iov; returns its length, -EINVAL if the backend refuses it, or
	 * another -errno. */
	ssize_t (*send)(struct net_backend *nb, const struct iovec *iov, int iovcnt);
	/* Optional: only frames with these offloads may be received from now on. */
	void (*set_offloads)(struct net_backend *nb, unsigned offloads);
	void (*destroy)(struct net_backend *nb);
};

struct net_backend {
	const struct net_backend_ops *ops;
	int fd;	       /* poll: readable when a frame waits, error or hangup when gone */
	char name[48]; /* for messages: "tap 'tap0'" */
	char id[16];   /* what a generated MAC address is derived from: the tap's name */
};

/* Attaches to (or creates) tap interface @ifname. Returns 0 or -errno with one message;
 * sets *@input_error when the name, not the host, is the problem. */
int __must_check net_tap_open(const char *ifname, struct net_backend **out, bool *input_error);

/* Frames as the datagrams of connected socket @fd (SOCK_SEQPACKET or SOCK_DGRAM; owned
 * from now on, made non-blocking), header included: one end of a socketpair whose other
 * end plays the network in tests. @id as in struct net_backend. NULL if out of memory. */
struct net_backend *net_dgram_open(int fd, const char *id);
