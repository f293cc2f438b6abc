# SPDX-License-Identifier: GPL-2.0
#
#   make                  wpfault.ko and the selftests for KDIR
#   make KDIR=... ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-   cross-build
#   make lint             checkpatch --strict, sparse, the module's call
#                         graph and the references (scripts/lint.sh)
#   make install          modules_install into KDIR's kernel, and depmod
#                         (INSTALL_MOD_PATH=dir for a staging root)
#   make run              build, boot the default test VM, run the selftests
#   make check            the whole suite: lint, every build, the VM matrix
#   make run KERNEL=<bzImage or Image> KDIR=<its build tree> [ARCH=arm64]
#   make check KERNEL=... KDIR=... [ARCH=arm64]
#                         the same on your own kernel (configuration
#                         "custom"); check runs lint, dkms and that VM only
#   make check-newest     the suite on the kernels of Debian unstable: the
#                         debug kernels built from its newest linux-source
#                         (x86-64 with wpfault in its tree, arm64, riscv64)
#                         and its stock kernels (x86-64, arm64)
#   make check-debug      the suite on the debug kernels built from Debian
#                         12's linux-source 6.12 (arm64, also in make check,
#                         and x86-64)
#   make fuzz             the suite on the newest x86-64 debug kernel, the
#                         fuzzers on a random seed
#   make bench [CONFIG=c] the dirty-tracking benchmark in one VM, results in
#                         bench/results/CONFIG/ (not part of make check)
#   make upstream [KSRC=<kernel tree>]
#                         the in-tree form as a patch series for KSRC
#                         (default: the newest linux-source of Debian
#                         unstable), in build/upstream/ (scripts/upstream.sh)
#   make lava [LAVA_CONFIGS="x86_64-6.12 arm64-6.12"]
#                         the LAVA qemu job run by Debian's LAVA dispatcher
#                         (lava-run), every test case and its result
#                         (scripts/lava.sh; not part of make check)

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

# Your own kernel replaces the default VM, or the matrix.  Its ARCH must
# not reach the other builds (lint, dkms) through the environment or
# MAKEFLAGS: the scripts get it as WPFAULT_ARCH.
ifneq ($(KERNEL),)
ifneq ($(origin KDIR),command line)
$(error KERNEL=$(KERNEL) needs KDIR=<the tree it was built in>)
endif
custom := env -u MAKEFLAGS -u MFLAGS -u ARCH KERNEL=$(KERNEL) \
	KDIR=$(KDIR) WPFAULT_ARCH=$(ARCH)
custom_cfg := custom
endif

run:
	$(custom) scripts/run.sh $(custom_cfg)

check:
	$(custom) scripts/check.sh $(custom_cfg)

check-newest:
	scripts/check.sh x86_64-intree-newest arm64-debug-newest x86_64-sid \
		arm64-sid riscv64-debug-newest

check-debug:
	scripts/check.sh x86_64-debug arm64-debug

fuzz:
	WPFAULT_FUZZ_SEED=random scripts/check.sh x86_64-debug-newest

bench:
	scripts/bench.sh $(CONFIG)

upstream:
	scripts/upstream.sh $(KSRC)

lava:
	scripts/lava.sh run $(LAVA_CONFIGS)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: bench upstream lava install all modules selftests lint run check check-newest check-debug fuzz clean
