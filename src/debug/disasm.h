/* SPDX-License-Identifier: MIT */
/* disasm.h: Capstone disassembly of guest code for reports. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Prints up to @max_insns instructions decoded from @code (guest address @addr), marking
 * the first with "=>". Returns how many were printed (0 if Capstone fails or the bytes
 * are not valid code, in which case the raw bytes are printed instead). */
unsigned disasm_print(FILE *out, int arch, int mode, const uint8_t *code, size_t len, uint64_t addr,
		      unsigned max_insns);
