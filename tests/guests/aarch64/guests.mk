# SPDX-License-Identifier: MIT
#
# aarch64 test guests: tiny assembly programs for smolvm's tests and
# benchmarks. Included by the top-level Makefile (run from the repository
# root), which sets AARCH64_CC; builds build/guests/aarch64/<name>.elf and
# adds them to GUEST_TARGETS.

# Keep whatever default goal the including Makefile had.
GUESTS_AARCH64_SAVED_GOAL := $(.DEFAULT_GOAL)

AARCH64_CC ?= aarch64-linux-gnu-gcc

GUESTS_AARCH64_SRC := tests/guests/aarch64
GUESTS_AARCH64_OUT := build/guests/aarch64
GUESTS_AARCH64_LDS := $(GUESTS_AARCH64_SRC)/guest.ld

GUESTS_AARCH64_ASFLAGS := -ffreestanding -nostdlib -fno-pic -no-pie \
	-mgeneral-regs-only -Wall -Wextra -Werror -I$(GUESTS_AARCH64_SRC) -MMD -MP
GUESTS_AARCH64_LDFLAGS := -nostdlib -static -no-pie \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 \
	-Wl,-T,$(GUESTS_AARCH64_LDS)

GUESTS_AARCH64 := hello reset mmio_nisv exit_loop exit_loop0 stdin_echo smp_hello

GUESTS_AARCH64_ELFS := $(GUESTS_AARCH64:%=$(GUESTS_AARCH64_OUT)/%.elf)
GUESTS_AARCH64_LIB := $(GUESTS_AARCH64_OUT)/lib.o

GUEST_TARGETS += $(GUESTS_AARCH64_ELFS)

$(GUESTS_AARCH64_ELFS): $(GUESTS_AARCH64_OUT)/%.elf: \
		$(GUESTS_AARCH64_OUT)/%.o $(GUESTS_AARCH64_LIB) $(GUESTS_AARCH64_LDS)
	$(AARCH64_CC) $(GUESTS_AARCH64_LDFLAGS) -o $@ $(filter %.o,$^)

# One source per guest, except the exit-loop pair, which differs only in
# its iteration count. Objects depend on this file so flag changes rebuild.
GUESTS_AARCH64_OBJS := $(patsubst %,$(GUESTS_AARCH64_OUT)/%.o, \
	$(filter-out exit_loop exit_loop0,$(GUESTS_AARCH64)) lib)

$(GUESTS_AARCH64_OBJS): $(GUESTS_AARCH64_OUT)/%.o: $(GUESTS_AARCH64_SRC)/%.S \
		$(GUESTS_AARCH64_SRC)/guests.mk
	@mkdir -p $(@D)
	$(AARCH64_CC) $(GUESTS_AARCH64_ASFLAGS) -c $< -o $@

# Per-object defines (target-specific, so they stay out of other objects).
$(GUESTS_AARCH64_OUT)/exit_loop.o: GUESTS_AARCH64_DEFS := -DEXIT_LOOP_COUNT=200000
$(GUESTS_AARCH64_OUT)/exit_loop0.o: GUESTS_AARCH64_DEFS := -DEXIT_LOOP_COUNT=0

$(GUESTS_AARCH64_OUT)/exit_loop.o $(GUESTS_AARCH64_OUT)/exit_loop0.o: \
		$(GUESTS_AARCH64_SRC)/exit_loop.S $(GUESTS_AARCH64_SRC)/guests.mk
	@mkdir -p $(@D)
	$(AARCH64_CC) $(GUESTS_AARCH64_ASFLAGS) $(GUESTS_AARCH64_DEFS) -c $< -o $@

-include $(wildcard $(GUESTS_AARCH64_OUT)/*.d)

.DEFAULT_GOAL := $(GUESTS_AARCH64_SAVED_GOAL)
