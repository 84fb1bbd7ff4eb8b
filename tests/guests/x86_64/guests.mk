# SPDX-License-Identifier: MIT
#
# x86_64 test guests: tiny assembly programs for smolvm's tests and
# benchmarks. Included by the top-level Makefile (run from the repository
# root); builds build/guests/x86_64/<name>.elf and adds them to GUEST_TARGETS.

# Keep whatever default goal the including Makefile had.
GUESTS_X86_64_SAVED_GOAL := $(.DEFAULT_GOAL)

GUEST_CC ?= gcc

GUESTS_X86_64_SRC := tests/guests/x86_64
GUESTS_X86_64_OUT := build/guests/x86_64
GUESTS_X86_64_LDS := $(GUESTS_X86_64_SRC)/guest.ld

GUESTS_X86_64_ASFLAGS := -ffreestanding -nostdlib -fno-pic -no-pie \
	-Wall -Wextra -Werror -I$(GUESTS_X86_64_SRC) -MMD -MP
GUESTS_X86_64_LDFLAGS := -nostdlib -static -no-pie \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 \
	-Wl,-T,$(GUESTS_X86_64_LDS)

# PVH guests start in 32-bit protected mode and link the 32-bit helpers;
# the others are entered in long mode and link the 64-bit helpers.
GUESTS_X86_64_PVH := hello_pvh exit_loop_pvh exit_loop0_pvh
GUESTS_X86_64_LONG := triple_fault triple_fault_reset mmio_odd exit_code hlt stdin_echo panic_reset

GUESTS_X86_64_PVH_ELFS := $(GUESTS_X86_64_PVH:%=$(GUESTS_X86_64_OUT)/%.elf)
GUESTS_X86_64_LONG_ELFS := $(GUESTS_X86_64_LONG:%=$(GUESTS_X86_64_OUT)/%.elf)
GUESTS_X86_64_LIBS := $(GUESTS_X86_64_OUT)/lib32.o $(GUESTS_X86_64_OUT)/lib64.o

GUEST_TARGETS += $(GUESTS_X86_64_PVH_ELFS) $(GUESTS_X86_64_LONG_ELFS)

$(GUESTS_X86_64_PVH_ELFS): $(GUESTS_X86_64_OUT)/%.elf: \
		$(GUESTS_X86_64_OUT)/%.o $(GUESTS_X86_64_OUT)/lib32.o \
		$(GUESTS_X86_64_LDS)
	$(GUEST_CC) $(GUESTS_X86_64_LDFLAGS) -o $@ $(filter %.o,$^)

$(GUESTS_X86_64_LONG_ELFS): $(GUESTS_X86_64_OUT)/%.elf: \
		$(GUESTS_X86_64_OUT)/%.o $(GUESTS_X86_64_OUT)/lib64.o \
		$(GUESTS_X86_64_LDS)
	$(GUEST_CC) $(GUESTS_X86_64_LDFLAGS) -o $@ $(filter %.o,$^)

# One source per guest, except the exit-loop pair, which differs only in
# its iteration count. Objects depend on this file so flag changes rebuild.
GUESTS_X86_64_OBJS := $(patsubst %,$(GUESTS_X86_64_OUT)/%.o, \
	hello_pvh $(filter-out triple_fault_reset,$(GUESTS_X86_64_LONG)))

$(GUESTS_X86_64_OBJS): $(GUESTS_X86_64_OUT)/%.o: $(GUESTS_X86_64_SRC)/%.S \
		$(GUESTS_X86_64_SRC)/guests.mk
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUESTS_X86_64_ASFLAGS) -c $< -o $@

# Per-object defines (target-specific, so they stay out of other objects).
$(GUESTS_X86_64_OUT)/exit_loop_pvh.o: \
	GUESTS_X86_64_DEFS := -DEXIT_LOOP_COUNT=200000
$(GUESTS_X86_64_OUT)/exit_loop0_pvh.o: GUESTS_X86_64_DEFS := -DEXIT_LOOP_COUNT=0
$(GUESTS_X86_64_OUT)/lib32.o: GUESTS_X86_64_DEFS := -DGUEST_BITS=32
$(GUESTS_X86_64_OUT)/lib64.o: GUESTS_X86_64_DEFS := -DGUEST_BITS=64

$(GUESTS_X86_64_OUT)/exit_loop_pvh.o $(GUESTS_X86_64_OUT)/exit_loop0_pvh.o: \
		$(GUESTS_X86_64_SRC)/exit_loop_pvh.S $(GUESTS_X86_64_SRC)/guests.mk
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUESTS_X86_64_ASFLAGS) $(GUESTS_X86_64_DEFS) -c $< -o $@

# The reset variant empties its IDT (limit 0), the reboot idiom Linux uses for reboot=t.
$(GUESTS_X86_64_OUT)/triple_fault_reset.o: GUESTS_X86_64_DEFS := -DEMPTY_IDT
$(GUESTS_X86_64_OUT)/triple_fault_reset.o: $(GUESTS_X86_64_SRC)/triple_fault.S \
		$(GUESTS_X86_64_SRC)/guests.mk
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUESTS_X86_64_ASFLAGS) $(GUESTS_X86_64_DEFS) -c $< -o $@

$(GUESTS_X86_64_LIBS): $(GUESTS_X86_64_SRC)/lib.S $(GUESTS_X86_64_SRC)/guests.mk
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUESTS_X86_64_ASFLAGS) $(GUESTS_X86_64_DEFS) -c $< -o $@

-include $(wildcard $(GUESTS_X86_64_OUT)/*.d)

.DEFAULT_GOAL := $(GUESTS_X86_64_SAVED_GOAL)
