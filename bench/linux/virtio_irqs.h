/* SPDX-License-Identifier: MIT */
/* virtio_irqs.h -- for the guest-side benchmark programs (disk/randio.c, net/netio.c): how
 * many virtio interrupts the guest has taken. Header-only: each program is one static build. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sum of all CPUs' counts of the /proc/interrupts lines that mention virtio. */
static long long virtio_irqs(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096];
	long long sum = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (!strstr(line, "virtio") || !(p = strchr(line, ':')))
			continue;
		for (p++;; p = end) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			sum += v;
		}
	}
	fclose(f);
	return sum;
}
