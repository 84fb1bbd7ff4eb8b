// SPDX-License-Identifier: MIT
/* fuzz_arm64_image.c: the arm64 kernel formats (src/loader/arm64_image.c): Image header,
 * Image.gz (gzip, concatenated members) and EFI zboot, dispatched and placed the way
 * src/arch/aarch64/boot.c does (its load_kernel_file/load_compressed/load_image are static
 * and aarch64-only, so the few lines of placement are mirrored here). The input is the
 * kernel file.
 * Checks beyond ASan/UBSan: the parsed header's promises (text_offset below 2 MiB,
 * load_size <= image_size and <= the file, page size one of four), gunzip's output cap,
 * a zboot payload inside the file, and the Image placed below the device-tree area. */
#include "fuzz_common.h"
#include "guest_mem.h"
#include "loader/arm64_image.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (8ull << 20)
#define FDT_SIZE (2ull << 20) /* ARM64_FDT_MAX_SIZE: the device tree at the top of RAM */
#define FDT_ADDR (RAM_BASE + RAM_SIZE - FDT_SIZE)

static struct guest_mem mem;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	if (guest_mem_add(&mem, RAM_BASE, RAM_SIZE))
		abort();
	return 0;
}

/* boot.c's load_image(). */
static void load_image(const uint8_t *data, size_t size)
{
	struct arm64_image img;
	uint64_t addr;
	int err = arm64_image_parse(data, size, "fuzz", &img);

	if (err) {
		FUZZ_CHECK(err == -ENOEXEC);
		return;
	}
	FUZZ_CHECK(img.text_offset < (2ull << 20));
	FUZZ_CHECK(img.load_size <= size && img.load_size <= img.image_size);
	FUZZ_CHECK(img.page_size == 0 || img.page_size == 4096 || img.page_size == 16384 ||
		   img.page_size == 65536);
	if (img.flags)
		FUZZ_CHECK(!(img.flags & ARM64_IMAGE_FLAG_BE));
	addr = RAM_BASE + img.text_offset;
	if (img.image_size > FDT_ADDR - addr)
		return; /* boot.c: "needs N MiB ... give the guest more memory" */
	FUZZ_CHECK(addr + img.image_size <= FDT_ADDR);
	FUZZ_CHECK(guest_mem_write(&mem, addr, data, img.load_size) == 0);
}

/* boot.c's load_compressed(). */
static void load_compressed(const uint8_t *data, size_t size)
{
	const uint8_t *payload = data;
	size_t payload_size = size;
	uint8_t *raw;
	size_t raw_size;
	int err;

	if (arm64_image_is_zboot(data, size)) {
		err = arm64_image_zboot_payload(data, size, "fuzz", &payload, &payload_size);
		if (err) {
			FUZZ_CHECK(err == -ENOEXEC && !payload && !payload_size);
			return;
		}
		FUZZ_CHECK(payload >= data && payload_size > 0);
		FUZZ_CHECK(payload_size <= size - (size_t)(payload - data));
	}
	err = arm64_image_gunzip(payload, payload_size, "fuzz", &raw, &raw_size);
	if (err) {
		FUZZ_CHECK((err == -ENOEXEC || err == -ENOMEM) && !raw && !raw_size);
		return;
	}
	FUZZ_CHECK(raw != NULL && raw_size <= ARM64_IMAGE_MAX_GUNZIP);
	if (arm64_image_is_image(raw, raw_size))
		load_image(raw, raw_size);
	free(raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (arm64_image_is_image(data, size))
		load_image(data, size);
	else if (arm64_image_is_gzip(data, size) || arm64_image_is_zboot(data, size))
		load_compressed(data, size);
	else
		load_image(data, size); /* the refusal paths */
	return 0;
}
