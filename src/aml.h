/* SPDX-License-Identifier: MIT */
/* aml.h: writes ACPI Machine Language (ACPI 6, chapter 20) the way iasl compiles the few
 * constructs smolvm's DSDT needs: Scope, Device, Name with integers, strings and EISA IDs,
 * and _CRS resource templates. Arch-neutral bytes; devices use it to describe themselves. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define AML_MAX 4096

/* A buffer that counts past its end: a result longer than AML_MAX is detected at the end
 * (aml_overflowed) instead of at every call. */
struct aml {
	uint8_t buf[AML_MAX];
	size_t len;
};

static inline int aml_overflowed(const struct aml *a)
{
	return a->len > sizeof(a->buf);
}

void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_byte(struct aml *a, uint8_t b);
void aml_u32(struct aml *a, uint32_t v);

/* Scope (NAME) { ... } and Device (NAME) { ... }: _begin returns where the package starts,
 * _end closes it (inserts its PkgLength). @name is four characters. */
size_t aml_scope_begin(struct aml *a, const char *name);
size_t aml_device_begin(struct aml *a, const char *name);
void aml_package_end(struct aml *a, size_t start);

/* Name (NAME, value). */
void aml_name_integer(struct aml *a, const char *name, uint64_t v);
void aml_name_string(struct aml *a, const char *name, const char *s);
/* EisaId ("PNP0501") as a DWordConst. */
void aml_name_eisaid(struct aml *a, const char *name, const char *id);

/* Name (_CRS, ResourceTemplate () { ... }): the descriptors go between _begin and _end. */
size_t aml_crs_begin(struct aml *a);
void aml_crs_end(struct aml *a, size_t start);
/* IO (Decode16, port, port, 0, len) */
void aml_res_io(struct aml *a, uint16_t port, uint8_t len);
/* IRQNoFlags () { irq } (ISA IRQ 0..15) */
void aml_res_irq_noflags(struct aml *a, unsigned irq);
/* Memory32Fixed (ReadWrite, base, size) */
void aml_res_memory32_fixed(struct aml *a, uint32_t base, uint32_t size);
/* Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { irq } */
void aml_res_interrupt_level(struct aml *a, uint32_t irq);
