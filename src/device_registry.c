// SPDX-License-Identifier: MIT
/* device_registry.c: one entry per kind of device the command line can add. A new kind is
 * its own file plus one line here. */
#include "device_registry.h"

#include "config.h"
#include "devmgr.h"
#include "virtio/virtio_dev.h"

static int add_disks(struct devmgr *dm, const struct vm_config *cfg)
{
	int err = 0;

	for (unsigned i = 0; i < cfg->nr_disks && !err; i++)
		err = virtio_blk_add_disk(dm, &cfg->disks[i]);
	return err;
}

static int add_rng(struct devmgr *dm, const struct vm_config *cfg)
{
	return cfg->rng ? virtio_rng_add(dm) : 0;
}

static int add_console(struct devmgr *dm, const struct vm_config *cfg)
{
	return cfg->virtio_console ? virtio_console_add(dm) : 0;
}

static int add_nics(struct devmgr *dm, const struct vm_config *cfg)
{
	int err = 0;

	for (unsigned i = 0; i < cfg->nr_nics && !err; i++)
		err = virtio_net_add(dm, cfg->nics[i].tap,
				     cfg->nics[i].has_mac ? cfg->nics[i].mac : NULL);
	return err;
}

/* In this order: the guest numbers its devices by address, so it must not change. */
static int (*const registry[])(struct devmgr *dm, const struct vm_config *cfg) = {
	add_disks,
	add_rng,
	add_console,
	add_nics,
};

int device_registry_add(struct devmgr *dm, const struct vm_config *cfg)
{
	for (unsigned i = 0; i < ARRAY_SIZE(registry); i++) {
		int err = registry[i](dm, cfg);

		if (err)
			return err;
	}
	return 0;
}
