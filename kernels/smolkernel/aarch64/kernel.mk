# SPDX-License-Identifier: MIT
#
# smolkernel for aarch64: a freestanding C kernel entered at EL1, MMU off.
# Included by the top-level Makefile (run from the repository root), which
# sets AARCH64_CC; builds build/smolkernel/aarch64/smolkernel.elf and the
# arm64 Linux Image smolkernel.bin, and adds both to GUEST_TARGETS.

# Keep whatever default goal the including Makefile had (our rules must not
# become the default just because they were read first).
SMOLKERNEL_AARCH64_SAVED_GOAL := $(.DEFAULT_GOAL)

AARCH64_CC ?= aarch64-linux-gnu-gcc
# aarch64-linux-gnu-gcc -> aarch64-linux-gnu-objcopy, gcc -> objcopy.
AARCH64_OBJCOPY ?= $(patsubst %gcc,%objcopy,$(AARCH64_CC))

SMOLKERNEL_AARCH64_SRC := kernels/smolkernel/aarch64
SMOLKERNEL_AARCH64_OUT := build/smolkernel/aarch64
SMOLKERNEL_AARCH64_ELF := $(SMOLKERNEL_AARCH64_OUT)/smolkernel.elf
SMOLKERNEL_AARCH64_BIN := $(SMOLKERNEL_AARCH64_OUT)/smolkernel.bin
SMOLKERNEL_AARCH64_LDS := $(SMOLKERNEL_AARCH64_SRC)/linker.ld

# -mstrict-align: with the MMU off every data access is Device memory, where
# unaligned accesses fault.
SMOLKERNEL_AARCH64_CFLAGS := -ffreestanding -nostdlib -fno-pic -no-pie \
	-mgeneral-regs-only -mstrict-align -mbranch-protection=none \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns \
	-O2 -Wall -Wextra -Werror -std=gnu17 -MMD -MP
SMOLKERNEL_AARCH64_LDFLAGS := -nostdlib -static -no-pie \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 \
	-Wl,-T,$(SMOLKERNEL_AARCH64_LDS)

SMOLKERNEL_AARCH64_COBJS := $(addprefix $(SMOLKERNEL_AARCH64_OUT)/, \
	main.o pl011.o)
# start.o first: it holds _start and the Image header.
SMOLKERNEL_AARCH64_OBJS := $(SMOLKERNEL_AARCH64_OUT)/start.o \
	$(SMOLKERNEL_AARCH64_COBJS)

GUEST_TARGETS += $(SMOLKERNEL_AARCH64_ELF) $(SMOLKERNEL_AARCH64_BIN)

$(SMOLKERNEL_AARCH64_ELF): $(SMOLKERNEL_AARCH64_OBJS) $(SMOLKERNEL_AARCH64_LDS)
	$(AARCH64_CC) $(SMOLKERNEL_AARCH64_LDFLAGS) -o $@ $(SMOLKERNEL_AARCH64_OBJS)

$(SMOLKERNEL_AARCH64_BIN): $(SMOLKERNEL_AARCH64_ELF)
	$(AARCH64_OBJCOPY) -O binary $< $@

# Objects also depend on this file so flag changes rebuild them.
$(SMOLKERNEL_AARCH64_COBJS): $(SMOLKERNEL_AARCH64_OUT)/%.o: \
		$(SMOLKERNEL_AARCH64_SRC)/%.c $(SMOLKERNEL_AARCH64_SRC)/kernel.mk
	@mkdir -p $(@D)
	$(AARCH64_CC) $(SMOLKERNEL_AARCH64_CFLAGS) -c $< -o $@

$(SMOLKERNEL_AARCH64_OUT)/start.o: $(SMOLKERNEL_AARCH64_SRC)/start.S \
		$(SMOLKERNEL_AARCH64_SRC)/kernel.mk
	@mkdir -p $(@D)
	$(AARCH64_CC) $(SMOLKERNEL_AARCH64_CFLAGS) -c $< -o $@

-include $(SMOLKERNEL_AARCH64_OBJS:.o=.d)

.DEFAULT_GOAL := $(SMOLKERNEL_AARCH64_SAVED_GOAL)
