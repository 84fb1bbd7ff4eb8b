// SPDX-License-Identifier: MIT
/* aml.c: AML byte encodings (ACPI 6, 19.3.3 resource descriptors, 20.2 AML grammar). */
#include "aml.h"

#include <string.h>

#define AML_ZERO_OP	  0x00
#define AML_ONE_OP	  0x01
#define AML_NAME_OP	  0x08
#define AML_BYTE_PREFIX	  0x0a
#define AML_WORD_PREFIX	  0x0b
#define AML_DWORD_PREFIX  0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX  0x0e
#define AML_SCOPE_OP	  0x10
#define AML_BUFFER_OP	  0x11
#define AML_EXT_OP	  0x5b
#define AML_DEVICE_OP	  0x82

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->len + n <= sizeof(a->buf))
		memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

void aml_u32(struct aml *a, uint32_t v)
{
	aml_bytes(a, &v, 4);
}

/* Inserts @n bytes at @at, moving what follows. */
static void aml_insert(struct aml *a, size_t at, const uint8_t *p, size_t n)
{
	if (a->len + n > sizeof(a->buf)) {
		a->len += n;
		return;
	}
	memmove(a->buf + at + n, a->buf + at, a->len - at);
	memcpy(a->buf + at, p, n);
	a->len += n;
}

/* The PkgLength for the @len bytes that follow it, inserted at @at (20.2.4). */
static void aml_pkglen_at(struct aml *a, size_t at, size_t len)
{
	uint8_t enc[4];
	size_t n = len + 1 <= 0x3f ? 1 : len + 2 <= 0xfff ? 2 : 3;
	size_t total = len + n;

	if (n == 1) {
		enc[0] = (uint8_t)total;
	} else {
		enc[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
		for (size_t i = 1; i < n; i++)
			enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	aml_insert(a, at, enc, n);
}

/* An integer in its shortest encoding (ZeroOp, OneOp, Byte/Word/DWord/QWordConst). */
static size_t integer_encoding(uint64_t v, uint8_t enc[9])
{
	size_t n;

	if (v <= 1) {
		enc[0] = v ? AML_ONE_OP : AML_ZERO_OP;
		return 1;
	}
	if (v <= 0xff) {
		enc[0] = AML_BYTE_PREFIX;
		n = 1;
	} else if (v <= 0xffff) {
		enc[0] = AML_WORD_PREFIX;
		n = 2;
	} else if (v <= 0xffffffff) {
		enc[0] = AML_DWORD_PREFIX;
		n = 4;
	} else {
		enc[0] = AML_QWORD_PREFIX;
		n = 8;
	}
	for (size_t i = 0; i < n; i++)
		enc[1 + i] = (uint8_t)(v >> (8 * i));
	return 1 + n;
}

size_t aml_scope_begin(struct aml *a, const char *name)
{
	size_t start;

	aml_byte(a, AML_SCOPE_OP);
	start = a->len;
	aml_bytes(a, name, 4);
	return start;
}

size_t aml_device_begin(struct aml *a, const char *name)
{
	size_t start;

	aml_byte(a, AML_EXT_OP);
	aml_byte(a, AML_DEVICE_OP);
	start = a->len;
	aml_bytes(a, name, 4);
	return start;
}

void aml_package_end(struct aml *a, size_t start)
{
	aml_pkglen_at(a, start, a->len - start);
}

static void aml_name(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_bytes(a, name, 4);
}

void aml_name_integer(struct aml *a, const char *name, uint64_t v)
{
	uint8_t enc[9];

	aml_name(a, name);
	aml_bytes(a, enc, integer_encoding(v, enc));
}

void aml_name_string(struct aml *a, const char *name, const char *s)
{
	aml_name(a, name);
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

static uint8_t hex_digit(char c)
{
	return (uint8_t)(c >= 'A' ? c - 'A' + 10 : c - '0');
}

/* Three letters of five bits each, then four hex digits, stored big-endian. */
void aml_name_eisaid(struct aml *a, const char *name, const char *id)
{
	uint16_t vendor =
		(uint16_t)(((id[0] - 0x40) << 10) | ((id[1] - 0x40) << 5) | (id[2] - 0x40));
	uint8_t enc[5] = {AML_DWORD_PREFIX, (uint8_t)(vendor >> 8), (uint8_t)vendor,
			  (uint8_t)(hex_digit(id[3]) << 4 | hex_digit(id[4])),
			  (uint8_t)(hex_digit(id[5]) << 4 | hex_digit(id[6]))};

	aml_name(a, name);
	aml_bytes(a, enc, sizeof(enc));
}

size_t aml_crs_begin(struct aml *a)
{
	aml_name(a, "_CRS");
	aml_byte(a, AML_BUFFER_OP);
	return a->len;
}

/* The end tag, then the buffer's size and PkgLength in front of its bytes. */
void aml_crs_end(struct aml *a, size_t start)
{
	uint8_t enc[9];
	size_t n;

	aml_bytes(a, "\x79\x00", 2); /* end tag, no checksum */
	n = integer_encoding(a->len - start, enc);
	aml_insert(a, start, enc, n);
	aml_pkglen_at(a, start, a->len - start);
}

void aml_res_io(struct aml *a, uint16_t port, uint8_t len)
{
	uint8_t d[8] = {0x47,	       0x01,
			(uint8_t)port, (uint8_t)(port >> 8),
			(uint8_t)port, (uint8_t)(port >> 8),
			0x00,	       len};

	aml_bytes(a, d, sizeof(d));
}

void aml_res_irq_noflags(struct aml *a, unsigned irq)
{
	uint16_t mask = (uint16_t)(1u << irq);
	uint8_t d[3] = {0x22, (uint8_t)mask, (uint8_t)(mask >> 8)};

	aml_bytes(a, d, sizeof(d));
}

void aml_res_memory32_fixed(struct aml *a, uint32_t base, uint32_t size)
{
	aml_bytes(a, "\x86\x09\x00\x01", 4); /* 9 bytes follow; read-write */
	aml_u32(a, base);
	aml_u32(a, size);
}

void aml_res_interrupt_level(struct aml *a, uint32_t irq)
{
	aml_bytes(a, "\x89\x06\x00\x01\x01", 5); /* consumer, level, high, exclusive; 1 IRQ */
	aml_u32(a, irq);
}
