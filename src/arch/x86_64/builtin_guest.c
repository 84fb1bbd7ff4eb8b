// SPDX-License-Identifier: MIT
/* builtin_guest.c: 64-bit code that prints a line on COM1 and halts. Entered in long mode
 * at BUILTIN_GUEST_ADDR; the UART never reports busy, so it needs no LSR polling. */
#include "arch/x86_64/builtin_guest.h"

const uint8_t builtin_guest_code[] = {
	0x66,
	0xba,
	0xf8,
	0x03, /* mov    dx, 0x3f8 */
	0x48,
	0x8d,
	0x35,
	0x0b,
	0x00,
	0x00,
	0x00, /* lea    rsi, [rip + msg] */
	0xac, /* 1: lodsb */
	0x84,
	0xc0, /* test   al, al */
	0x74,
	0x03, /* jz     2f */
	0xee, /* out    dx, al */
	0xeb,
	0xf8, /* jmp    1b */
	0xf4, /* 2: hlt */
	0xeb,
	0xfd, /* jmp    2b */
	/* msg: */
	'H',
	'e',
	'l',
	'l',
	'o',
	' ',
	'f',
	'r',
	'o',
	'm',
	' ',
	't',
	'h',
	'e',
	' ',
	's',
	'm',
	'o',
	'l',
	'v',
	'm',
	' ',
	'b',
	'u',
	'i',
	'l',
	't',
	'-',
	'i',
	'n',
	' ',
	'g',
	'u',
	'e',
	's',
	't',
	'!',
	'\n',
	0,
};
const size_t builtin_guest_size = sizeof(builtin_guest_code);
