// SPDX-License-Identifier: MIT
/* builtin_guest.c: aarch64 code that prints a line on the PL011 and powers off through
 * PSCI. Position-independent; entered at EL1 with the MMU off. */
#include "arch/aarch64/builtin_guest.h"

static const struct {
	uint32_t code[11];
	char msg[40];
} guest = {
	{
		0xd2a12001, /* mov  x1, #0x09000000      (PL011 DR) */
		0x10000142, /* adr  x2, msg */
		0x38401443, /* 1: ldrb w3, [x2], #1 */
		0x34000063, /* cbz  w3, 2f */
		0xb9000023, /* str  w3, [x1] */
		0x17fffffd, /* b    1b */
		0xd2800100, /* 2: mov x0, #0x8 */
		0xf2b08000, /* movk x0, #0x8400, lsl #16 (PSCI SYSTEM_OFF) */
		0xd4000002, /* hvc  #0 */
		0xd503207f, /* 3: wfi */
		0x17ffffff, /* b    3b */
	},
	"Hello from the smolvm built-in guest!\n",
};

const uint8_t *const builtin_guest_code = (const uint8_t *)&guest;
const size_t builtin_guest_size = sizeof(guest);
