# SPDX-License-Identifier: MIT
# smolvm build. `make` builds smolvm, the smolkernel and the test guests; `make test` runs
# every test (unit, integration on /dev/kvm, the ASan+UBSan build, nested-harness tests).
#   SANITIZE=1  AddressSanitizer + UndefinedBehaviorSanitizer build in build/san/
#   V=1         show the commands

# ARCH is the guest = target architecture. The host's own build goes to build/; a cross build
# (ARCH=aarch64 on an x86_64 host, with aarch64-linux-gnu-gcc) goes to build/aarch64/ and is
# part of `make` whenever that cross compiler is installed.
HOST_ARCH := $(shell uname -m)
ARCH    ?= $(HOST_ARCH)
BACKEND ?= kvm
SANITIZE ?= 0
ifeq ($(ARCH),$(HOST_ARCH))
CROSS_COMPILE ?=
BUILD   := build
else
CROSS_COMPILE ?= $(ARCH)-linux-gnu-
BUILD   := build/$(ARCH)
endif
CC      := $(CROSS_COMPILE)gcc
AR      := $(CROSS_COMPILE)ar
# The other architecture this host can build for (empty if its compiler is missing).
CROSS_ARCH := $(if $(filter x86_64,$(HOST_ARCH)),$(if $(shell command -v aarch64-linux-gnu-gcc),aarch64))
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)

ifeq ($(SANITIZE),1)
OUT      := $(BUILD)/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
LDSTATIC :=
else
OUT      := $(BUILD)
SANFLAGS :=
# Static: the nested test harness copies the binary into a bare initramfs.
LDSTATIC ?= -static
endif

ifneq ($(V),1)
Q := @
endif

CAPSTONE_CFLAGS := $(shell pkg-config --cflags capstone 2>/dev/null)
CFLAGS  := -std=gnu17 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE -Isrc $(CAPSTONE_CFLAGS) \
	   -MMD -MP -I$(OUT)/gen $(SANFLAGS)
LDFLAGS := $(SANFLAGS)
# libfdt only for aarch64 (the device tree); Debian's libfdt-dev cannot be installed for two
# architectures at once, so the x86_64 build must not need it.
LDLIBS  := -lcapstone -lz -lseccomp -lpthread $(if $(filter aarch64,$(ARCH)),-lfdt)

SRCS_core := src/log.c src/config.c src/options.c src/guest_mem.c src/bus.c src/console.c src/vm.c src/vm_state.c \
	src/vcpu.c src/loader/file.c src/loader/elf.c \
	src/devices/uart8250.c src/devices/uart8250_isa.c src/devices/debug_exit.c src/devices/acpi_pm.c src/devices/i8042.c \
	src/debug/disasm.c src/debug/crash_report.c src/virtio/virtio_mmio.c src/virtio/virtqueue.c \
	src/virtio/virtio_dev.c src/irqfd.c src/irq.c src/devmgr.c src/aml.c src/device_registry.c src/virtio/blk.c src/virtio/rng.c src/virtio/virtio_console.c \
	src/virtio/net.c src/virtio/net_tap.c src/virtio/net_dgram.c src/devices/pl011.c src/devices/pl011_amba.c src/loader/arm64_image.c
SRCS_core += src/virtio/virtio_worker.c
# The user's files and options, checked before any host resource is opened.
SRCS_core += src/inputs.c src/disk_image.c
SRCS_kvm := src/backend/kvm.c src/backend/kvm_$(ARCH).c
SRCS_x86_64 := src/loader/bzimage.c src/arch/x86_64/boot.c src/arch/x86_64/cpu.c src/arch/x86_64/memmap.c \
	src/arch/x86_64/pvh.c src/arch/x86_64/platform.c src/arch/x86_64/regs.c \
	src/arch/x86_64/builtin_guest.c src/arch/x86_64/linux.c src/arch/x86_64/acpi.c src/arch/x86_64/cli.c
SRCS_aarch64 := src/arch/aarch64/boot.c src/arch/aarch64/platform.c src/arch/aarch64/regs.c \
	src/arch/aarch64/fdt.c src/arch/aarch64/mmu.c \
	src/arch/aarch64/builtin_guest.c src/arch/aarch64/cli.c
SRCS_sandbox := src/sandbox/sandbox.c src/sandbox/seccomp.c src/sandbox/policy.c \
	src/sandbox/policy_$(ARCH).c src/sandbox/violation.c src/sandbox/privileges.c \
	src/sandbox/caps.c src/sandbox/user.c
LIB_SRCS := $(SRCS_core) $(SRCS_sandbox) $(SRCS_$(BACKEND)) $(SRCS_$(ARCH))
LIB_OBJS := $(LIB_SRCS:%.c=$(OUT)/obj/%.o)

# Unit tests of one architecture's code are named in UNIT_ONLY_<arch>; the rest run on both.
UNIT_ONLY_x86_64 := tests/unit/test_bzimage.c tests/unit/test_acpi.c tests/unit/test_x86_boot.c tests/unit/test_x86_linux.c \
	tests/unit/test_platform_devices.c tests/unit/test_regressions_x86.c tests/unit/test_crash_report.c
UNIT_ONLY_aarch64 := $(wildcard tests/unit/test_aarch64_*.c)
UNIT_SRCS := $(filter-out $(if $(filter x86_64,$(ARCH)),$(UNIT_ONLY_aarch64),$(UNIT_ONLY_x86_64)), \
	$(wildcard tests/unit/test_*.c)) tests/unit/main.c
UNIT_OBJS := $(UNIT_SRCS:%.c=$(OUT)/obj/%.o)

SMOLVM     := $(OUT)/smolvm
UNIT_TESTS := $(OUT)/unit-tests
RAW_KVM_LOOP := $(OUT)/raw-kvm-loop

.PHONY: all smolvm guests unit-tests test test-unit test-integration test-san test-harness FORCE \
	demo bench format check-format clean deps

all: smolvm guests unit-tests $(if $(filter x86_64,$(ARCH)),$(RAW_KVM_LOOP)) $(CROSS_ARCH:%=cross-%)
smolvm: $(SMOLVM)
unit-tests: $(UNIT_TESTS)

# smolvm and its unit tests for the other architecture (build/aarch64/).
cross-%:
	$(MAKE) ARCH=$* smolvm unit-tests

# Guest kernels are built for every architecture whose compiler is here, by the host's make.
GUEST_TARGETS :=
ifeq ($(ARCH),$(HOST_ARCH))
ifeq ($(HOST_ARCH),x86_64)
include kernels/smolkernel/x86_64/kernel.mk
include tests/guests/x86_64/guests.mk
endif
ifneq ($(or $(filter aarch64,$(HOST_ARCH)),$(CROSS_ARCH)),)
AARCH64_CC := $(if $(filter aarch64,$(HOST_ARCH)),gcc,aarch64-linux-gnu-gcc)
-include kernels/smolkernel/aarch64/kernel.mk
-include tests/guests/aarch64/guests.mk
endif
endif
guests: $(GUEST_TARGETS)

$(OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The version goes into a header that changes only when `git describe` does, so --version is
# never stale and nothing else rebuilds for it.
$(OUT)/gen/version.h: FORCE
	@mkdir -p $(@D)
	@echo '#define SMOLVM_VERSION "$(VERSION)"' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(OUT)/obj/src/main.o: $(OUT)/gen/version.h
FORCE:

$(OUT)/libsmolvm.a: $(LIB_OBJS)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(SMOLVM): $(OUT)/obj/src/main.o $(OUT)/libsmolvm.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) $(LDSTATIC) -o $@ $^ $(LDLIBS)

# Cross-built unit tests are static so that qemu-user can run them without a sysroot.
$(UNIT_TESTS): $(UNIT_OBJS) $(OUT)/libsmolvm.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) $(if $(CROSS_COMPILE),-static) -o $@ $^ $(LDLIBS)

# The per-exit floor for the benchmark: a bare KVM_RUN loop with no VMM around it.
$(RAW_KVM_LOOP): bench/raw_kvm_loop.c
	@mkdir -p $(@D)
	$(Q)$(CC) -std=gnu17 -Wall -Wextra -Werror -O2 -o $@ $<

# The cross-built unit tests (aarch64-only code included) run under qemu-user.
test-unit: $(UNIT_TESTS) $(CROSS_ARCH:%=cross-%)
	$(UNIT_TESTS)
	$(foreach a,$(CROSS_ARCH),qemu-$(a)-static build/$(a)/unit-tests)

# Guests on this host's /dev/kvm: the cases of tests/integration/cases.sh, by
# tests/integration/run.sh on x86_64 and, on an arm64 host, by the aarch64 harness's
# bare-tests.sh, which need nothing but /dev/kvm.
# On an x86_64 host without a usable /dev/kvm they run inside the nested harness's L1
# (scripts/with-kvm.sh): one L1 boot, the same script and checks. L1 gets 8G for the 5 GiB
# guest test and tun for the tap checks.
ifeq ($(ARCH),aarch64)
integration = SMOLVM=$(1) GUESTS=build/guests/aarch64 \
	SMOLKERNEL=build/smolkernel/aarch64/smolkernel.bin HARNESS_LIB=tests/harness/lib.sh \
	INTEGRATION_DIR=tests/integration sh tests/harness/aarch64/bare-tests.sh
else
integration = scripts/with-kvm.sh --or-host --mem 8G --module tun -- tests/integration/run.sh $(1)
endif

test-integration: smolvm guests
	$(call integration,$(SMOLVM))

# The whole suite again under ASan + UBSan (unit tests and the /dev/kvm guests).
test-san:
	$(MAKE) SANITIZE=1 smolvm unit-tests guests
	$(OUT)/san/unit-tests
	$(call integration,$(OUT)/san/smolvm)

test-harness: smolvm guests $(CROSS_ARCH:%=cross-%)
	tests/harness/run-all.sh $(SMOLVM)

test: all
	$(MAKE) check-format
	$(MAKE) test-unit
	$(MAKE) test-integration
	$(MAKE) test-san
	$(MAKE) test-fuzz
	$(MAKE) test-harness
	@echo "all test suites passed"

# The README's first command ends here: the built-in guest, then the smolkernel; inside the
# nested L1 on a host without /dev/kvm.
demo: smolvm guests
	@scripts/with-kvm.sh scripts/demo.sh $(SMOLVM) $(ARCH)

bench: all
	bench/run.sh

format:
	clang-format -i $$(git ls-files 'src/*.[ch]' 'tests/unit/*.[ch]' 'tests/fuzz/*.[ch]' 'bench/*.c')

check-format:
	clang-format --dry-run --Werror $$(git ls-files 'src/*.[ch]' 'tests/unit/*.[ch]' 'tests/fuzz/*.[ch]' 'bench/*.c')

deps:
	scripts/setup.sh

# libFuzzer targets (make fuzz, fuzz-smoke, fuzz-coverage): the host's build only.
ifeq ($(ARCH),$(HOST_ARCH))
include tests/fuzz/fuzz.mk
endif

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(OUT)/obj/src/main.d
