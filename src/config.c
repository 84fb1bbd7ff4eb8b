// SPDX-License-Identifier: MIT
/* config.c: validation of user-supplied values (sizes, memory limits). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int config_parse_size(const char *s, uint64_t *out)
{
	unsigned shift = 20; /* a bare number is MiB, as with QEMU and kvmtool */
	unsigned long long n;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end) {
		switch (toupper((unsigned char)*end)) {
		case 'K':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		case 'T':
			shift = 40;
			break;
		default:
			return -EINVAL;
		}
		end++;
		/* Accept "64M", "64MB", "64MiB". */
		if (*end == 'i' || *end == 'I')
			end++;
		if (*end == 'b' || *end == 'B')
			end++;
		if (*end)
			return -EINVAL;
	}
	if (n == 0)
		return -EINVAL;
	if (n > (UINT64_MAX >> shift))
		return -ERANGE;
	n <<= shift;
	if (n & 0xfff)
		return -EINVAL;
	*out = n;
	return 0;
}

int config_check_mem(uint64_t size, uint64_t host_ram)
{
	if (size < CONFIG_MIN_MEM) {
		pr_err("memory size %llu KiB is too small: smolvm needs at least %llu MiB",
		       (unsigned long long)(size >> 10), CONFIG_MIN_MEM >> 20);
		return -ERANGE;
	}
	if (host_ram && size > host_ram) {
		pr_err("memory size %llu MiB exceeds the host's %llu MiB of RAM",
		       (unsigned long long)(size >> 20), (unsigned long long)(host_ram >> 20));
		return -ERANGE;
	}
	return 0;
}

int config_parse_disk(char *arg, struct disk_config *disk)
{
	char *opt = strchr(arg, ','), *next;

	*disk = (struct disk_config){.path = arg};
	if (opt)
		*opt++ = '\0';
	for (; opt; opt = next) {
		next = strchr(opt, ',');
		if (next)
			*next++ = '\0';
		if (!strcmp(opt, "ro")) {
			disk->read_only = true;
		} else if (!strcmp(opt, "rw")) {
			disk->read_only = false;
		} else if (!strcmp(opt, "lock=off") || !strcmp(opt, "lock=on")) {
			disk->no_lock = !strcmp(opt, "lock=off");
		} else {
			pr_err("unknown --disk option '%s' for '%s': use PATH[,ro][,lock=off]", opt,
			       arg);
			return -EINVAL;
		}
	}
	if (!*arg) {
		pr_err("--disk needs a path");
		return -EINVAL;
	}
	return 0;
}

int config_parse_net(char *arg, struct net_config *nic)
{
	char *save = NULL;

	memset(nic, 0, sizeof(*nic));
	for (char *opt = strtok_r(arg, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		unsigned m[6];
		char end;

		if (!strncmp(opt, "tap=", 4) && opt[4]) {
			nic->tap = opt + 4;
		} else if (!strncmp(opt, "mac=", 4) &&
			   sscanf(opt + 4, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3],
				  &m[4], &m[5], &end) == 6) {
			for (int i = 0; i < 6; i++)
				nic->mac[i] = (uint8_t)m[i];
			nic->has_mac = true;
		} else {
			pr_err("invalid --net option '%s': use tap=NAME[,mac=XX:XX:XX:XX:XX:XX]",
			       opt);
			return -EINVAL;
		}
	}
	if (!nic->tap) {
		pr_err("--net needs tap=NAME");
		return -EINVAL;
	}
	if (strlen(nic->tap) >= 16) {
		pr_err("tap interface name '%s' is longer than 15 characters", nic->tap);
		return -EINVAL;
	}
	return 0;
}
