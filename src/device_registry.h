/* SPDX-License-Identifier: MIT */
/* device_registry.h: the devices a user can ask for on the command line. */
#pragma once

#include "util/compiler.h"

struct devmgr;
struct vm_config;

/* Creates the devices @cfg asks for, kind by kind in the registry's order (which fixes
 * their addresses and interrupt lines). Returns 0 or -errno (logged). */
int __must_check device_registry_add(struct devmgr *dm, const struct vm_config *cfg);
