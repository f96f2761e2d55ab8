# s2view: see README.md. `make run` to try it, `make check` to test it.
#
# The kernel tree, its build dirs and ccache live in the cache dir
# (${XDG_CACHE_HOME:-$HOME/.cache}/s2view), outside the clone; build
# outputs of the clone go to build/.

SHELL := /bin/sh
MODE ?= protected
CROSS_CC := aarch64-linux-gnu-gcc
S2VM_CFLAGS := -static -O2 -Wall -Wextra -Werror

# The kernels (tools/lib.sh): 6.12 LTS, the default, and mainline 7.3.
# KERNEL=6.12 or KERNEL=7.3 picks one; without it run and demo boot the
# default and the check targets test both.
DEFAULT_KERNEL := 6.12
ALL_KERNELS := 6.12 7.3
KERNELS := $(or $(KERNEL),$(ALL_KERNELS))
RUN_KERNEL := $(or $(KERNEL),$(DEFAULT_KERNEL))
export KERNEL

.PHONY: all deps run demo check check-full check-host check-debug check-granules stress patches bench mutants clean FORCE

# (build/Image, the link, only with the default kernel among KERNELS)
all: $(KERNELS:%=build/Image-%) $(if $(filter $(DEFAULT_KERNEL),$(KERNELS)),build/Image) \
	build/initramfs.cpio.gz

# Installs what is missing (a no-op when everything is there).
deps:
	@tools/install-deps.sh

# kbuild knows what to rebuild: always ask it. Each kernel and variant has
# its own O= dir and each kernel its own ccache, in the cache dir.
$(ALL_KERNELS:%=build/Image-%): build/Image-%: FORCE | deps
	@tools/build-kernel.sh -k $* $@

# The KASAN/lockdep/kmemleak kernels (make check-debug).
$(ALL_KERNELS:%=build/Image-%-debug): build/Image-%-debug: FORCE | deps
	@tools/build-kernel.sh -k $* -d $@

# The 16K- and 64K-page kernels (make check-granules).
$(ALL_KERNELS:%=build/Image-%-16k): build/Image-%-16k: FORCE | deps
	@tools/build-kernel.sh -k $* -g 16k $@
$(ALL_KERNELS:%=build/Image-%-64k): build/Image-%-64k: FORCE | deps
	@tools/build-kernel.sh -k $* -g 64k $@

# build/Image: the default kernel's.
build/Image: build/Image-$(DEFAULT_KERNEL)
	@ln -sfn Image-$(DEFAULT_KERNEL) $@

# The VM launcher, a device program (initramfs/s2vm/), with its guest
# program assembled into build/gen/guest-image.h.
S2VM_SRC := $(wildcard initramfs/s2vm/*.c)
S2VM_DEPS := $(S2VM_SRC) $(wildcard initramfs/s2vm/*.h) build/gen/guest-image.h

build/gen/guest-image.h: initramfs/s2vm/guest.S initramfs/s2vm/layout.h tools/guest-image.sh | deps
	@tools/guest-image.sh initramfs/s2vm/guest.S $@

build/s2vm: $(S2VM_DEPS) | deps
	@mkdir -p build
	$(CROSS_CC) $(S2VM_CFLAGS) -Ibuild/gen -o $@ $(S2VM_SRC)

# The in-guest tests' own helpers, from tests/guest/bin/.
build/s2reread: tests/guest/bin/s2reread.c | deps
	@mkdir -p build
	$(CROSS_CC) $(S2VM_CFLAGS) -o $@ tests/guest/bin/s2reread.c

build/s2fail: tests/guest/bin/s2fail.c | deps
	@mkdir -p build
	$(CROSS_CC) $(S2VM_CFLAGS) -o $@ tests/guest/bin/s2fail.c

build/s2fuzz: tests/guest/bin/s2fuzz.c | deps
	@mkdir -p build
	$(CROSS_CC) $(S2VM_CFLAGS) -pthread -o $@ tests/guest/bin/s2fuzz.c

build/initramfs.cpio.gz: build/s2vm build/s2reread build/s2fail build/s2fuzz FORCE | deps
	@tools/build-initramfs.sh build/s2vm $@ build/s2reread build/s2fail build/s2fuzz

# QEMU for the QEMU tests (tests/guest/50-qemu.bats), a second initrd that
# run-qemu.sh -q appends to the image: Debian's arm64 qemu-system-aarch64,
# only the libraries it needs (tools/fetch-qemu.sh), and the programs its
# VMs run (tests/guest/bin/qemu-guest.S: one reads flash too, one touches
# RAM only), with their source (the tests read its addresses). Linked with
# -N: the code starts its 2M block, nothing before it.
QEMU_GUEST_LDFLAGS := -nostdlib -static -Wl,-N -Wl,-Ttext=0x40200000 -Wl,--build-id=none
build/qemu-guest.elf: tests/guest/bin/qemu-guest.S | deps
	@mkdir -p build
	$(CROSS_CC) $(QEMU_GUEST_LDFLAGS) -o $@ $<
build/qemu-guest-blocks.elf: tests/guest/bin/qemu-guest.S | deps
	@mkdir -p build
	$(CROSS_CC) -DRAM_ONLY $(QEMU_GUEST_LDFLAGS) -o $@ $<

build/qemu.cpio.gz: build/qemu-guest.elf build/qemu-guest-blocks.elf tools/fetch-qemu.sh \
		tools/build-qemu-cpio.sh | deps
	@tools/build-qemu-cpio.sh $@ build/qemu-guest.elf build/qemu-guest-blocks.elf \
		tests/guest/bin/qemu-guest.S

# Boots MODE (default protected) on KERNEL (default 6.12), starts sample
# VMs, shows their views, then a shell when stdin is a terminal (exit it to
# power off).
run: build/Image-$(RUN_KERNEL) build/initramfs.cpio.gz
	@if [ -t 0 ]; then tools/run-qemu.sh -k $(RUN_KERNEL) $(MODE) shell; \
	else tools/run-qemu.sh -k $(RUN_KERNEL) $(MODE) demo; fi

demo: build/Image-$(RUN_KERNEL) build/initramfs.cpio.gz
	@tools/run-qemu.sh -k $(RUN_KERNEL) $(MODE) demo

# Host-side tests, then the in-guest suite of each kernel in every KVM mode,
# the scale tests in one mode per kernel, QEMU as the VMM in nvhe and
# protected (tools/check.sh).
check: all build/qemu.cpio.gz
	@tools/check.sh

# The same, with the scale tests in every mode.
check-full: all build/qemu.cpio.gz
	@tools/check.sh -F

check-host: deps
	@tools/check.sh -H

# The same suite on the KASAN/lockdep/kmemleak kernels, panic_on_warn=1.
check-debug: $(KERNELS:%=build/Image-%-debug) build/initramfs.cpio.gz
	@tools/check.sh -d

# The in-guest suite on 16K and 64K kernels, in nvhe and protected: about
# 30 minutes per kernel here once the kernels are built (four boots); not
# part of make check.
check-granules: $(foreach k,$(KERNELS),build/Image-$(k)-16k build/Image-$(k)-64k) build/initramfs.cpio.gz
	@rc=0; tools/check.sh -g 16k || rc=1; tools/check.sh -g 64k || rc=1; exit $$rc

# Breaks the toolkit one line at a time: how many breaks the host tests catch.
mutants: deps
	@tools/mutants.sh

# The kernel changes as a git format-patch series per kernel tree, in
# build/patches/KERNEL/.
patches: deps
	@rc=0; for k in $(KERNELS); do \
		KERNEL=$$k tools/make-patches.sh build/patches/$$k || rc=1; \
	done; exit $$rc

bench: build/Image-$(RUN_KERNEL) build/initramfs.cpio.gz
	@tools/bench.sh

# The stress tests (tests/guest/90-soft-lockup.bats): dumps under load with
# the soft-lockup detector at its lowest threshold, in nvhe and protected.
stress: all
	@for k in $(KERNELS); do for m in nvhe protected; do \
		S2VIEW_STRESS=1 S2VIEW_FILES=90-soft-lockup.bats \
			tools/run-qemu.sh -k $$k $$m test || exit 1; \
	done; done

clean:
	rm -rf build
