// SPDX-License-Identifier: MIT
/* inputs.c: the user's files and options, checked before the host's resources are used. */
#include "inputs.h"

#include <unistd.h>

#include "arch/arch.h"
#include "config.h"
#include "disk_image.h"
#include "loader/file.h"

/* All disks open at once, as the VM will have them: a conflict between two of them is
 * found here. The devices open them again (and lock them for the VM's life). */
static int check_disks(const struct vm_config *cfg)
{
	int fds[CONFIG_MAX_DISKS], err = 0;
	unsigned n;

	for (n = 0; n < cfg->nr_disks; n++) {
		uint64_t size;

		fds[n] = disk_image_open(&cfg->disks[n], &size);
		if (fds[n] < 0) {
			err = fds[n];
			break;
		}
	}
	while (n--)
		close(fds[n]);
	return err;
}

int inputs_check(const struct vm_config *cfg)
{
	int err = arch_check_config(cfg);

	if (!err && cfg->kernel_path)
		err = mapped_file_check(cfg->kernel_path, "kernel");
	if (!err && cfg->initrd_path)
		err = mapped_file_check(cfg->initrd_path, "initrd");
	if (!err && cfg->dtb_path)
		err = mapped_file_check(cfg->dtb_path, "device tree");
	return err ? err : check_disks(cfg);
}
