/* SPDX-License-Identifier: MIT */
/* builtin_guest.h: the guest smolvm runs when no kernel is given. */
#pragma once

#include <stddef.h>
#include <stdint.h>

extern const uint8_t *const builtin_guest_code;
extern const size_t builtin_guest_size;
