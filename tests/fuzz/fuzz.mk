# SPDX-License-Identifier: MIT
# Fuzzing (included by the Makefile): libFuzzer targets with ASan + UBSan, built with clang
# for the host. smolvm's library sources are compiled again into build/fuzz/ with
# -fsanitize=fuzzer-no-link so the fuzzer sees their coverage; each target links with
# -fsanitize=fuzzer. The seed corpora live in tests/fuzz/corpus/<target>/ and are copied into
# build/fuzz/corpus/ before a run, so the tree stays clean.
#   make fuzz                  every target for FUZZ_SECONDS (60) each, then a table
#   make fuzz-smoke            the same for 5 s each (what `make test` runs)
#   make fuzz-<target>         one target (FUZZ_SECONDS, FUZZ_RUNS, FUZZ_ARGS apply)
#   make fuzz-coverage         replays each corpus on a coverage build; line coverage of the
#                              sources each target exercises
#   make fuzz-corpus           re-makes the seed corpora (tests/fuzz/mkcorpus.py)
# The dtb target needs libfdt for the host (headers and libfdt.so.1, see tests/fuzz/README.md);
# without it it is left out, loudly.

FUZZ_CC      ?= clang
FUZZ_DIR     := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?= -1
FUZZ_PARALLEL ?= 1
FUZZ_ARGS    ?=
FUZZ_SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=gnu17 -Wall -Wextra -Werror -O1 -g -D_GNU_SOURCE -Isrc -Itests/fuzz \
	$(CAPSTONE_CFLAGS) -MMD -MP
FUZZ_LDLIBS  := -lcapstone -lz -lpthread

# Targets built on every host, and those that need x86_64 code (the bzImage loader) or
# libfdt (the --dtb checks of src/arch/aarch64/fdt.c, built for the host here).
FUZZ_TARGETS := elf arm64_image virtq virtio_mmio
ifeq ($(HOST_ARCH),x86_64)
FUZZ_TARGETS += bzimage
endif
# libfdt: the headers and a host libfdt (libfdt.so or Debian's runtime libfdt.so.1, which
# the x86_64 host has even where libfdt-dev is installed only as :arm64).
FUZZ_LIBDIRS := /usr/lib/$(HOST_ARCH)-linux-gnu /usr/lib64 /usr/lib
FUZZ_LIBFDT := $(firstword $(wildcard $(FUZZ_LIBDIRS:%=%/libfdt.so) $(FUZZ_LIBDIRS:%=%/libfdt.so.1)))
ifneq ($(and $(wildcard /usr/include/libfdt.h),$(FUZZ_LIBFDT)),)
FUZZ_TARGETS += dtb
FUZZ_HAVE_LIBFDT := 1
endif

FUZZ_LIB_SRCS := $(SRCS_core) $(SRCS_$(BACKEND)) $(SRCS_$(HOST_ARCH))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz-%)

# Two flavours: fuzzing (ASan + UBSan + libFuzzer coverage) and coverage (source-based
# profile, plain libFuzzer driver used to replay the corpus).
define fuzz_flavour
$(1)_OBJS := $$(FUZZ_LIB_SRCS:%.c=$(2)/obj/%.o)
$(2)/obj/%.o: %.c
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	$$(Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) $(3) -c $$< -o $$@
# gcc takes the GNU variable-size struct member of kvm_x86_64.c silently, clang warns.
$(2)/obj/src/backend/kvm_x86_64.o: FUZZ_CFLAGS += -Wno-gnu-variable-sized-type-not-at-end
$(2)/libsmolvm.a: $$($(1)_OBJS)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
$(2)/fuzz-%: $(2)/obj/tests/fuzz/fuzz_%.o $(2)/libsmolvm.a
	@echo "  LD      $$@"
	$$(Q)$$(FUZZ_CC) $(4) -o $$@ $$^ $$(FUZZ_LDLIBS)
# The dtb target has the aarch64 device-tree code and the host's libfdt too.
$(2)/fuzz-dtb: $(2)/obj/tests/fuzz/fuzz_dtb.o $(2)/obj/src/arch/aarch64/fdt.o $(2)/libsmolvm.a
	@echo "  LD      $$@"
	$$(Q)$$(FUZZ_CC) $(4) -o $$@ $$^ $$(FUZZ_LIBFDT) $$(FUZZ_LDLIBS)
-include $$($(1)_OBJS:.o=.d) $(2)/obj/tests/fuzz/*.d $(2)/obj/src/arch/aarch64/fdt.d
endef
$(eval $(call fuzz_flavour,FUZZ,$(FUZZ_DIR),-fsanitize=fuzzer-no-link $(FUZZ_SANFLAGS),-fsanitize=fuzzer $(FUZZ_SANFLAGS)))
$(eval $(call fuzz_flavour,FUZZCOV,$(FUZZ_DIR)/cov,-fprofile-instr-generate -fcoverage-mapping,-fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping))

.PHONY: fuzz fuzz-build fuzz-smoke test-fuzz fuzz-coverage fuzz-corpus $(FUZZ_TARGETS:%=fuzz-%)
fuzz-build: $(FUZZ_BINS)
	$(if $(FUZZ_HAVE_LIBFDT),,@echo "fuzz: NOTE: no host libfdt (libfdt.h and libfdt.so[.1]); the dtb target is not built")

# Each run: a fresh copy of the seed corpus (plus what earlier runs found, kept in
# build/fuzz/corpus/<target>), the dictionary if there is one, crashes into
# build/fuzz/crashes/<target>/. tests/fuzz/run.sh prints the table and fails on a crash.
fuzz: fuzz-build
	tests/fuzz/run.sh --seconds $(FUZZ_SECONDS) --runs $(FUZZ_RUNS) --parallel $(FUZZ_PARALLEL) \
		-- $(FUZZ_TARGETS) $(if $(FUZZ_ARGS),-- $(FUZZ_ARGS))
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=5
test-fuzz: fuzz-smoke
$(FUZZ_TARGETS:%=fuzz-%): fuzz-%: $(FUZZ_DIR)/fuzz-%
	tests/fuzz/run.sh --seconds $(FUZZ_SECONDS) --runs $(FUZZ_RUNS) --parallel $(FUZZ_PARALLEL) \
		-- $* $(if $(FUZZ_ARGS),-- $(FUZZ_ARGS))

fuzz-coverage: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/cov/fuzz-%)
	tests/fuzz/coverage.sh $(FUZZ_TARGETS)

fuzz-corpus:
	tests/fuzz/mkcorpus.py

# The targets' own objects are intermediate files to make; keep them (and their .d).
.PRECIOUS: $(FUZZ_DIR)/obj/%.o $(FUZZ_DIR)/cov/obj/%.o
