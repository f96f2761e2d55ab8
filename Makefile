# s2view: see README.md. `make run` to try it, `make check` to test it.
#
# The kernel tree, its build dirs and ccache live in the cache dir
# (${XDG_CACHE_HOME:-$HOME/.cache}/s2view), outside the clone; build
# outputs of the clone go to build/.

SHELL := /bin/sh
MODE ?= protected
CROSS_CC := aarch64-linux-gnu-gcc
S2VM_CFLAGS := -static -O2 -Wall -Wextra -Werror

.PHONY: all deps run demo check check-host check-debug check-granules patches bench mutants clean FORCE

all: build/Image build/initramfs.cpio.gz

# Installs what is missing (a no-op when everything is there).
deps:
	@tools/install-deps.sh

# kbuild knows what to rebuild: always ask it.
build/Image: FORCE | deps
	@tools/build-kernel.sh build/Image

build/debug/Image: FORCE | deps
	@tools/build-kernel.sh -d build/debug/Image

# The 16K- and 64K-page kernels (make check-granules), each in its own O= dir.
build/Image-16k build/Image-64k: build/Image-%: FORCE | deps
	@tools/build-kernel.sh -g $* $@

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

build/initramfs.cpio.gz: build/s2vm build/s2reread FORCE | deps
	@tools/build-initramfs.sh build/s2vm $@ build/s2reread

# Boots MODE (default protected), starts sample VMs, shows their views, then
# a shell when stdin is a terminal (exit it to power off).
run: all
	@if [ -t 0 ]; then tools/run-qemu.sh $(MODE) shell; \
	else tools/run-qemu.sh $(MODE) demo; fi

demo: all
	@tools/run-qemu.sh $(MODE) demo

# Host-side tests, then the in-guest suite in every KVM mode.
check: all
	@tools/check.sh

check-host: deps
	@tools/check.sh -H

# The same suite on the KASAN/lockdep/kmemleak kernel, panic_on_warn=1.
check-debug: build/debug/Image build/initramfs.cpio.gz
	@tools/check.sh -d

# The in-guest suite on 16K and 64K kernels, in nvhe and protected: about
# 30 minutes here once the kernels are built (four boots); not part of
# make check.
check-granules: build/Image-16k build/Image-64k build/initramfs.cpio.gz
	@rc=0; tools/check.sh -g 16k || rc=1; tools/check.sh -g 64k || rc=1; exit $$rc

# Breaks the toolkit one line at a time: how many breaks the host tests catch.
mutants: deps
	@tools/mutants.sh

# The kernel changes as a git format-patch series for the 6.12 tree.
patches: deps
	@tools/make-patches.sh build/patches

bench: all
	@tools/bench.sh

clean:
	rm -rf build
