/* SPDX-License-Identifier: MIT */
/* builtin_guest.h: the tiny guest smolvm runs when no kernel is given. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define BUILTIN_GUEST_ADDR 0x100000ull

extern const uint8_t builtin_guest_code[];
extern const size_t builtin_guest_size;
