# SPDX-License-Identifier: GPL-2.0
#
#   make                  wpfault.ko and the selftests for KDIR
#   make KDIR=... ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-   cross-build
#   make lint             checkpatch --strict and sparse
#   make install          modules_install into KDIR's kernel, and depmod
#                         (INSTALL_MOD_PATH=dir for a staging root)
#   make run              build, boot the default test VM, run the selftests
#   make check            the whole suite: lint, every build, the VM matrix
#   make check-newest     the suite on a debug kernel built from the newest
#                         linux-source of Debian unstable
#   make fuzz             the suite on the debug kernel, fuzzer on a random seed
#   make bench [CONFIG=c] the dirty-tracking benchmark in one VM, results in
#                         bench/results/CONFIG/ (not part of make check)

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules selftests

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

selftests:
	$(MAKE) -C selftests

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) \
		$(shell $(MAKE) -s -C $(KDIR) kernelrelease)

lint:
	scripts/lint.sh

run:
	scripts/run.sh

check:
	scripts/check.sh

check-newest:
	scripts/check.sh x86_64-debug-newest

fuzz:
	WPFAULT_FUZZ_SEED=random scripts/check.sh x86_64-debug

bench:
	scripts/bench.sh $(CONFIG)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: bench install all modules selftests lint run check check-newest fuzz clean
