/* SPDX-License-Identifier: MIT */
/* platform_fx.h: a device manager with real devices but no hypervisor, for tests of what
 * is built from its list (the DSDT, the device tree): buses, guest RAM, a console on no
 * file, and the arch's layout or one of the test's own. */
#pragma once

#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "bus.h"
#include "console.h"
#include "devmgr.h"
#include "guest_mem.h"

struct platform_fx {
	struct bus pio, mmio;
	struct guest_mem mem;
	struct console *con;
	struct devmgr dm;
};

static inline void platform_fx_stop(void *ctx, enum vm_stop_reason reason, uint64_t code)
{
	(void)ctx;
	(void)reason;
	(void)code;
}

/* @layout NULL: the arch's. Aborts if out of memory. */
static inline void platform_fx_init(struct platform_fx *fx, const struct devmgr_layout *layout)
{
	struct devmgr_env env;

	memset(fx, 0, sizeof(*fx));
	bus_init(&fx->pio, "pio");
	bus_init(&fx->mmio, "mmio");
	fx->con = console_create(-1, -1, NULL);
	if (!fx->con || guest_mem_add(&fx->mem, 0, 1 << 20))
		abort();
	env = (struct devmgr_env){.pio = &fx->pio,
				  .mmio = &fx->mmio,
				  .mem = &fx->mem,
				  .console = fx->con,
				  .stop = {platform_fx_stop, NULL}};
	devmgr_init(&fx->dm, &env, layout ? layout : &arch_device_layout);
}

static inline void platform_fx_free(struct platform_fx *fx)
{
	console_destroy(fx->con);
	devmgr_destroy(&fx->dm);
	guest_mem_free(&fx->mem);
	bus_destroy(&fx->pio);
	bus_destroy(&fx->mmio);
}
