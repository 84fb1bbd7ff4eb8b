# SPDX-License-Identifier: MIT
# smolvm build. `make` builds smolvm, the smolkernel and the test guests; `make test` runs
# every test (unit, integration on /dev/kvm, the ASan+UBSan build, nested-harness tests).
#   SANITIZE=1  AddressSanitizer + UndefinedBehaviorSanitizer build in build/san/
#   V=1         show the commands

ARCH    ?= $(shell uname -m)
BACKEND ?= kvm
CC      ?= gcc
SANITIZE ?= 0
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)

ifeq ($(SANITIZE),1)
OUT      := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
LDSTATIC :=
else
OUT      := build
SANFLAGS :=
# Static: the nested test harness copies the binary into a bare initramfs.
LDSTATIC ?= -static
endif

ifneq ($(V),1)
Q := @
endif

CAPSTONE_CFLAGS := $(shell pkg-config --cflags capstone 2>/dev/null)
CFLAGS  := -std=gnu17 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE -Isrc $(CAPSTONE_CFLAGS) \
	   -MMD -MP -DSMOLVM_VERSION='"$(VERSION)"' $(SANFLAGS)
LDFLAGS := $(SANFLAGS)
LDLIBS  := -lcapstone -lpthread

SRCS_core := src/log.c src/config.c src/guest_mem.c src/bus.c src/console.c src/vm.c \
	src/vcpu.c src/loader/file.c src/loader/elf.c src/loader/bzimage.c \
	src/devices/uart8250.c src/devices/debug_exit.c src/devices/acpi_pm.c src/devices/i8042.c \
	src/debug/disasm.c src/debug/crash_report.c src/virtio/virtio_mmio.c src/virtio/virtqueue.c \
	src/virtio/virtio_dev.c src/virtio/blk.c src/virtio/rng.c src/virtio/virtio_console.c \
	src/virtio/net.c
SRCS_kvm := src/backend/kvm.c src/backend/kvm_$(ARCH).c
SRCS_x86_64 := src/arch/x86_64/boot.c src/arch/x86_64/cpu.c src/arch/x86_64/memmap.c \
	src/arch/x86_64/pvh.c src/arch/x86_64/platform.c src/arch/x86_64/regs.c \
	src/arch/x86_64/builtin_guest.c src/arch/x86_64/linux.c src/arch/x86_64/acpi.c
LIB_SRCS := $(SRCS_core) $(SRCS_$(BACKEND)) $(SRCS_$(ARCH))
LIB_OBJS := $(LIB_SRCS:%.c=$(OUT)/obj/%.o)

UNIT_SRCS := $(wildcard tests/unit/test_*.c) tests/unit/main.c
UNIT_OBJS := $(UNIT_SRCS:%.c=$(OUT)/obj/%.o)

SMOLVM     := $(OUT)/smolvm
UNIT_TESTS := $(OUT)/unit-tests
RAW_KVM_LOOP := $(OUT)/raw-kvm-loop

.PHONY: all smolvm guests unit-tests test test-unit test-integration test-san test-harness \
	demo bench format check-format clean deps

all: smolvm guests unit-tests $(RAW_KVM_LOOP)
smolvm: $(SMOLVM)
unit-tests: $(UNIT_TESTS)

GUEST_TARGETS :=
include kernels/smolkernel/x86_64/kernel.mk
include tests/guests/x86_64/guests.mk
guests: $(GUEST_TARGETS)

$(OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/libsmolvm.a: $(LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(SMOLVM): $(OUT)/obj/src/main.o $(OUT)/libsmolvm.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) $(LDSTATIC) -o $@ $^ $(LDLIBS)

$(UNIT_TESTS): $(UNIT_OBJS) $(OUT)/libsmolvm.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The per-exit floor for the benchmark: a bare KVM_RUN loop with no VMM around it.
$(RAW_KVM_LOOP): bench/raw_kvm_loop.c
	@mkdir -p $(@D)
	$(Q)$(CC) -std=gnu17 -Wall -Wextra -Werror -O2 -o $@ $<

test-unit: $(UNIT_TESTS)
	$(UNIT_TESTS)

test-integration: smolvm guests
	tests/integration/run.sh $(SMOLVM)

# The whole suite again under ASan + UBSan (unit tests and the /dev/kvm guests).
test-san:
	$(MAKE) SANITIZE=1 smolvm unit-tests guests
	build/san/unit-tests
	tests/integration/run.sh build/san/smolvm

test-harness: smolvm
	tests/harness/run-all.sh $(SMOLVM)

test: all
	$(MAKE) check-format
	$(MAKE) test-unit
	$(MAKE) test-integration
	$(MAKE) test-san
	$(MAKE) test-harness
	@echo "all test suites passed"

# The README's first command ends here: the built-in guest, then the smolkernel.
demo: smolvm guests
	$(SMOLVM)
	$(SMOLVM) build/smolkernel/x86_64/smolkernel.elf; test $$? -eq 33

bench: all
	bench/run.sh

format:
	clang-format -i $$(git ls-files 'src/*.[ch]' 'tests/unit/*.[ch]' 'bench/*.c')

check-format:
	clang-format --dry-run --Werror $$(git ls-files 'src/*.[ch]' 'tests/unit/*.[ch]' 'bench/*.c')

deps:
	scripts/setup.sh

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(OUT)/obj/src/main.d
