/* SPDX-License-Identifier: MIT */
/* config.h: the VM configuration built from the command line. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/compiler.h"

#define CONFIG_MAX_DISKS 8

struct disk_config {
	const char *path;
	bool read_only;
	bool no_lock; /* ,lock=off: share the image with whoever else uses it */
};

#define CONFIG_MAX_NICS 4

struct net_config {
	const char *tap; /* tap interface name */
	uint8_t mac[6];
	bool has_mac;
};

struct vm_config {
	const char *kernel_path; /* NULL: the built-in guest */
	const char *initrd_path;
	const char *cmdline;
	uint64_t mem_size;
	unsigned nr_cpus;
	enum irqchip_mode { IRQCHIP_AUTO, IRQCHIP_ON, IRQCHIP_OFF } irqchip;
	struct disk_config disks[CONFIG_MAX_DISKS];
	unsigned nr_disks;
	bool rng;	     /* a virtio-rng device */
	bool virtio_console; /* hvc0 on stdin/stdout */
	struct net_config nics[CONFIG_MAX_NICS];
	unsigned nr_nics;
	const char *dtb_path;	   /* arm64: the user's device tree instead of ours */
	const char *dump_dtb_path; /* arm64: write the device tree here and exit */
	bool trace;		   /* one line per exit on stderr */
	bool timings;		   /* boot timeline on stderr at exit */
	bool stats;		   /* exit statistics on stderr at exit */
	bool sandbox_off;	   /* --sandbox=off: no seccomp filters (debugging) */
	const char *user;	   /* --user NAME|UID[:GID]: who to run as after setup */
};

#define CONFIG_DEFAULT_MEM (256ull << 20)
#define CONFIG_MIN_MEM	   (2ull << 20)

/* Parses "64M", "1G", "512" (MiB), "65536K", "2T". Refuses 0, garbage, overflow and sizes
 * that are not a multiple of 4 KiB. Returns 0 or -EINVAL / -ERANGE. */
int __must_check config_parse_size(const char *s, uint64_t *out);

/* Parses a --disk argument "PATH[,ro][,lock=off]" into @disk (PATH points into @arg).
 * Returns 0 or -EINVAL with a message. */
int __must_check config_parse_disk(char *arg, struct disk_config *disk);

/* Parses a --net argument "tap=NAME[,mac=XX:XX:XX:XX:XX:XX]" (NAME points into @arg).
 * Returns 0 or -EINVAL with a message. */
int __must_check config_parse_net(char *arg, struct net_config *nic);

/* Checks a memory size against smolvm's minimum and the host: returns 0 or -ERANGE and
 * logs one message naming the limit. */
int __must_check config_check_mem(uint64_t size, uint64_t host_ram);
