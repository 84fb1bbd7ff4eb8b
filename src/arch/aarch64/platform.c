// SPDX-License-Identifier: MIT
/* platform.c: the aarch64 platform devices and where they sit: the PL011 console UART at
 * 0x09000000 (SPI 1) and the virtio-mmio slots, as on QEMU's `virt` machine. Power-off and
 * reset need no device: PSCI calls reach smolvm as system events. */
#include <errno.h>
#include <stdlib.h>

#include "arch/aarch64/layout.h"
#include "arch/arch.h"
#include "devices/pl011.h"
#include "devmgr.h"
#include "log.h"

_Static_assert(ARM64_UART_SIZE == PL011_REGION_SIZE, "the PL011 region is 4 KiB");

/* Virtio-mmio slot n at ARM64_VIRTIO_MMIO_BASE + n * stride, with SPI 16 + n. */
static const unsigned virtio_spis[] = {16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
				       27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37,
				       38, 39, 40, 41, 42, 43, 44, 45, 46, 47};
_Static_assert(ARRAY_SIZE(virtio_spis) == ARM64_VIRTIO_SLOTS, "one SPI per virtio slot");
_Static_assert(ARM64_VIRTIO_SPI_BASE == 16, "virtio_spis starts at ARM64_VIRTIO_SPI_BASE");

const struct devmgr_layout arch_device_layout = {
	.mmio_base = ARM64_VIRTIO_MMIO_BASE,
	.mmio_stride = ARM64_VIRTIO_MMIO_STRIDE,
	.mmio_slots = ARM64_VIRTIO_SLOTS,
	.irqs = virtio_spis,
	.nr_irqs = ARRAY_SIZE(virtio_spis),
};

int arch_add_devices(struct devmgr *dm)
{
	int err = pl011_amba_add(dm, ARM64_UART_BASE, ARM64_UART_SPI);

	if (err)
		pr_err("cannot create the platform devices: %s",
		       err == -EEXIST ? "two devices claim one address" : "out of memory");
	return err;
}
