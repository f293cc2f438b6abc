# SPDX-License-Identifier: GPL-2.0
#
# Out of a kernel tree, the wpfault selftests build on their own with the
# same targets as lib.mk's (all, run_tests, install, gen_tar, emit_tests,
# clean).  The harness comes from KSFT_DIR=<linux>/tools/testing/selftests,
# or the copy that scripts/deps.sh extracts from Debian's linux-source.
# Binaries are static, for the test VMs' busybox root.

WPFAULT_CACHE ?= /var/cache/wpfault
KSFT_DIR ?= $(WPFAULT_CACHE)/ksrc/current/tools/testing/selftests
OUTPUT ?= $(CURDIR)
ifneq ($(CROSS_COMPILE),)
CC := $(CROSS_COMPILE)gcc
endif
CFLAGS += -I$(KSFT_DIR)
LDFLAGS += -static

PROGS := $(addprefix $(OUTPUT)/,$(TEST_GEN_FILES))

all: $(PROGS)

$(KSFT_DIR)/kselftest_harness.h:
	@echo "kselftest_harness.h not found in KSFT_DIR=$(KSFT_DIR)." >&2
	@echo "Set KSFT_DIR=<linux source>/tools/testing/selftests," \
	      "or run scripts/deps.sh (as root) to extract it" \
	      "from Debian's linux-source." >&2
	@false

$(OUTPUT)/%: %.c wpfault_util.c $(HEADERS) $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(OUTPUT)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< wpfault_util.c

$(OUTPUT)/wpfault_fuzz: wpfault_fuzz.c $(FUZZ_SRCS) wpfault_util.c \
		$(HEADERS) $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(OUTPUT)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(FUZZ_SRCS) wpfault_util.c

run_tests: all
	@./wpfault.sh -d $(OUTPUT)

# The layout of the kernel's "make -C tools/testing/selftests install",
# with the runner of KSFT_DIR's kernel (whose helper files differ between
# versions), so that run_kselftest.sh runs the tarball as in CI labs.
install: all
ifndef INSTALL_PATH
	$(error set INSTALL_PATH to use install)
endif
	@mkdir -p $(INSTALL_PATH)/wpfault
	cp $(PROGS) $(TEST_PROGS) $(TEST_PROGS_EXTENDED) $(TEST_FILES) \
		$(INSTALL_PATH)/wpfault/
	@echo "wpfault:wpfault.sh" >$(INSTALL_PATH)/kselftest-list.txt
	@mkdir -p $(INSTALL_PATH)/kselftest
	install -m 744 $(wildcard $(KSFT_DIR)/kselftest/*) \
		$(INSTALL_PATH)/kselftest/
	install -m 744 $(KSFT_DIR)/run_kselftest.sh $(INSTALL_PATH)/

TAR_PATH ?= $(OUTPUT)/wpfault-selftests.tar.gz
gen_tar: install
	tar -czf $(TAR_PATH) -C $(INSTALL_PATH) .
	@echo "Created $(TAR_PATH)"

emit_tests:
	@echo "wpfault:wpfault.sh"

clean:
	rm -f $(PROGS)

.PHONY: all run_tests install gen_tar emit_tests clean
