# SPDX-License-Identifier: MIT
#
# smolkernel for x86_64: a freestanding C kernel entered in 64-bit long mode.
# Included by the top-level Makefile (run from the repository root); builds
# build/smolkernel/x86_64/smolkernel.elf and adds it to GUEST_TARGETS.

# Keep whatever default goal the including Makefile had (our rules must not
# become the default just because they were read first).
SMOLKERNEL_X86_64_SAVED_GOAL := $(.DEFAULT_GOAL)

GUEST_CC ?= gcc

SMOLKERNEL_X86_64_SRC := kernels/smolkernel/x86_64
SMOLKERNEL_X86_64_OUT := build/smolkernel/x86_64
SMOLKERNEL_X86_64_ELF := $(SMOLKERNEL_X86_64_OUT)/smolkernel.elf
SMOLKERNEL_X86_64_LDS := $(SMOLKERNEL_X86_64_SRC)/linker.ld

SMOLKERNEL_X86_64_CFLAGS := -ffreestanding -nostdlib -fno-pic -no-pie \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fcf-protection=none \
	-O2 -Wall -Wextra -Werror -std=gnu17 -MMD -MP
SMOLKERNEL_X86_64_LDFLAGS := -nostdlib -static -no-pie \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 \
	-Wl,-T,$(SMOLKERNEL_X86_64_LDS)

SMOLKERNEL_X86_64_COBJS := $(addprefix $(SMOLKERNEL_X86_64_OUT)/, \
	main.o uart.o cpu.o)
# start.o first: it holds _start, the entry point.
SMOLKERNEL_X86_64_OBJS := $(SMOLKERNEL_X86_64_OUT)/start.o \
	$(SMOLKERNEL_X86_64_COBJS)

GUEST_TARGETS += $(SMOLKERNEL_X86_64_ELF)

$(SMOLKERNEL_X86_64_ELF): $(SMOLKERNEL_X86_64_OBJS) $(SMOLKERNEL_X86_64_LDS)
	$(GUEST_CC) $(SMOLKERNEL_X86_64_LDFLAGS) -o $@ $(SMOLKERNEL_X86_64_OBJS)

# Objects also depend on this file so flag changes rebuild them.
$(SMOLKERNEL_X86_64_COBJS): $(SMOLKERNEL_X86_64_OUT)/%.o: \
		$(SMOLKERNEL_X86_64_SRC)/%.c $(SMOLKERNEL_X86_64_SRC)/kernel.mk
	@mkdir -p $(@D)
	$(GUEST_CC) $(SMOLKERNEL_X86_64_CFLAGS) -c $< -o $@

$(SMOLKERNEL_X86_64_OUT)/start.o: $(SMOLKERNEL_X86_64_SRC)/start.S \
		$(SMOLKERNEL_X86_64_SRC)/kernel.mk
	@mkdir -p $(@D)
	$(GUEST_CC) $(SMOLKERNEL_X86_64_CFLAGS) -c $< -o $@

-include $(SMOLKERNEL_X86_64_OBJS:.o=.d)

.DEFAULT_GOAL := $(SMOLKERNEL_X86_64_SAVED_GOAL)
