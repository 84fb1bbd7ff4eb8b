// SPDX-License-Identifier: MIT
/* net_tap.c: a virtio-net backend on a Linux tap interface. The tap speaks the guest's own
 * 12-byte virtio_net_hdr (IFF_VNET_HDR), and is told (TUNSETOFFLOAD) to hand over only the
 * offloads the driver negotiated. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "virtio/net_backend.h"

#define VNET_HDR_LEN 12

struct net_tap {
	struct net_backend nb; /* first: the ops get &nb */
	char ifname[IFNAMSIZ];
};

/* Interface names the kernel accepts (dev_valid_name()), less control characters. */
static bool tap_name_valid(const char *name)
{
	if (!*name || strlen(name) >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || (unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static ssize_t tap_recv(struct net_backend *nb, const struct iovec *iov, int iovcnt)
{
	ssize_t n = readv(nb->fd, iov, iovcnt);

	return n < 0 ? -errno : n;
}

static ssize_t tap_send(struct net_backend *nb, const struct iovec *iov, int iovcnt)
{
	ssize_t n = writev(nb->fd, iov, iovcnt);

	return n < 0 ? -errno : n;
}

static void tap_set_offloads(struct net_backend *nb, unsigned offloads)
{
	struct net_tap *tap = (struct net_tap *)nb;
	unsigned tun = 0;

	if (offloads & NET_OFFLOAD_CSUM)
		tun |= TUN_F_CSUM;
	if (offloads & NET_OFFLOAD_TSO4)
		tun |= TUN_F_TSO4;
	if (offloads & NET_OFFLOAD_TSO6)
		tun |= TUN_F_TSO6;
	pr_debug("virtio-net: tap '%s': offloads 0x%x", tap->ifname, tun);
	if (ioctl(nb->fd, TUNSETOFFLOAD, (unsigned long)tun) < 0)
		pr_warn("virtio-net: setting offloads 0x%x on tap '%s': %s", tun, tap->ifname,
			strerror(errno));
}

static void tap_destroy(struct net_backend *nb)
{
	if (nb->fd >= 0)
		close(nb->fd);
	free(nb);
}

static const struct net_backend_ops tap_ops = {
	.recv = tap_recv,
	.send = tap_send,
	.set_offloads = tap_set_offloads,
	.destroy = tap_destroy,
};

static int attach(struct net_tap *tap, bool *input_error)
{
	struct ifreq ifr;
	int hdr_len = VNET_HDR_LEN, err;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	tap->nb.fd = fd;
	if (fd < 0) {
		err = errno;
		pr_err("cannot open /dev/net/tun for tap '%s': %s%s", tap->ifname, strerror(err),
		       err == ENOENT ? " (is the tun module loaded?)"
		       : err == EACCES || err == EPERM
			       ? " (a tap interface needs root or CAP_NET_ADMIN)"
			       : "");
		return -err;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, tap->ifname, strlen(tap->ifname));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		if (err == EPERM || err == EACCES)
			pr_err("cannot attach to tap '%s': %s (creating or using a tap interface "
			       "needs root or CAP_NET_ADMIN, unless it is a persistent tap owned "
			       "by this user)",
			       tap->ifname, strerror(err));
		else if (err == EINVAL)
			pr_err("cannot attach to tap '%s': an interface of that name exists and "
			       "is not a tap",
			       tap->ifname);
		else if (err == EBUSY)
			pr_err("cannot attach to tap '%s': it is in use by another process",
			       tap->ifname);
		else
			pr_err("cannot attach to tap '%s': %s", tap->ifname, strerror(err));
		*input_error = err == EINVAL;
		return -err;
	}
	/* The 12-byte virtio 1.x header, num_buffers included; no offloads until the driver
	 * accepts them. */
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0 || ioctl(fd, TUNSETOFFLOAD, 0ul) < 0) {
		err = errno;
		pr_err("cannot set up tap '%s': %s", tap->ifname, strerror(err));
		return -err;
	}
	return 0;
}

int net_tap_open(const char *ifname, struct net_backend **out, bool *input_error)
{
	struct net_tap *tap;
	int err;

	*input_error = false;
	if (!tap_name_valid(ifname)) {
		pr_err("invalid tap interface name '%s': 1 to %d characters, no '/', ':' or "
		       "spaces",
		       ifname, IFNAMSIZ - 1);
		*input_error = true;
		return -EINVAL;
	}
	tap = calloc(1, sizeof(*tap));
	if (!tap)
		return -ENOMEM;
	tap->nb.ops = &tap_ops;
	memcpy(tap->ifname, ifname, strlen(ifname) + 1);
	snprintf(tap->nb.name, sizeof(tap->nb.name), "tap '%s'", ifname);
	memcpy(tap->nb.id, ifname, strlen(ifname) + 1);
	err = attach(tap, input_error);
	if (err) {
		tap_destroy(&tap->nb);
		return err;
	}
	*out = &tap->nb;
	return 0;
}
