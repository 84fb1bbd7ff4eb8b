// SPDX-License-Identifier: MIT
/* net_dgram.c: a virtio-net backend on a datagram socket: one frame per datagram. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "virtio/net_backend.h"

static ssize_t dgram_recv(struct net_backend *nb, const struct iovec *iov, int iovcnt)
{
	struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
	ssize_t n = recvmsg(nb->fd, &m, MSG_DONTWAIT);

	return n < 0 ? -errno : n;
}

static ssize_t dgram_send(struct net_backend *nb, const struct iovec *iov, int iovcnt)
{
	struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
	ssize_t n = sendmsg(nb->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);

	return n < 0 ? -errno : n;
}

static void dgram_destroy(struct net_backend *nb)
{
	close(nb->fd);
	free(nb);
}

static const struct net_backend_ops dgram_ops = {
	.recv = dgram_recv,
	.send = dgram_send,
	.destroy = dgram_destroy,
};

struct net_backend *net_dgram_open(int fd, const char *id)
{
	struct net_backend *nb = calloc(1, sizeof(*nb));

	if (!nb)
		return NULL;
	nb->ops = &dgram_ops;
	nb->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	snprintf(nb->name, sizeof(nb->name), "socket '%s'", id);
	snprintf(nb->id, sizeof(nb->id), "%s", id);
	return nb;
}
