#!/bin/sh
# build-initramfs.sh - pack the s2view guest image.
#
# USAGE: tools/build-initramfs.sh S2VM_BINARY OUTPUT.cpio.gz [PROGRAM...]
#   e.g. tools/build-initramfs.sh build/s2vm build/initramfs.cpio.gz build/s2reread
#   PROGRAMs (the tests' own arm64 helpers) go to /usr/local/bin with s2vm.
#
# Contents: static arm64 busybox and bash (from tools/install-deps.sh),
# bats-core with bats-support/bats-assert (arch-independent, from the host's
# packages), the VM launcher, scripts/ (on PATH), tests/, and initramfs/init.
#
# REQUIREMENTS: tools/install-deps.sh has run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

[ $# -ge 2 ] || { echo "USAGE: tools/build-initramfs.sh S2VM_BINARY OUTPUT.cpio.gz [PROGRAM...]" >&2; exit 2; }
s2vm=$1
out=$2
shift 2
for p in "$@"; do
	[ -f "$p" ] || die "no program at $p"
done
[ -x "$ARM64_ROOT/bin/busybox" ] || die "no arm64 busybox: run tools/install-deps.sh"
[ -x "$ARM64_ROOT/bin/bash-static" ] || die "no arm64 bash-static: run tools/install-deps.sh"
[ -d /usr/lib/bats-core ] || die "no bats-core: run tools/install-deps.sh"
[ -f "$s2vm" ] || die "no launcher at $s2vm"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

### layout
mkdir -p "$root"/bin "$root"/sbin "$root"/usr/bin "$root"/usr/sbin \
	"$root"/usr/local/bin "$root"/proc "$root"/sys "$root"/dev "$root"/tmp \
	"$root"/root "$root"/etc "$root"/usr/share/s2view "$root"/usr/lib
cp "$ARM64_ROOT/bin/busybox" "$root/bin/busybox"
cp "$ARM64_ROOT/bin/bash-static" "$root/bin/bash"
# Before init installs the applets: the interpreter of init and of bats.
ln -s busybox "$root/bin/sh"
ln -s ../../bin/busybox "$root/usr/bin/env"

### bats-core and its helper libraries (bash scripts, any architecture)
cp -a /usr/lib/bats-core "$root/usr/lib/"
mkdir -p "$root/usr/libexec"
cp -a /usr/libexec/bats-core "$root/usr/libexec/"
cp /usr/bin/bats "$root/usr/bin/bats"
[ -d /usr/lib/bats ] && cp -a /usr/lib/bats "$root/usr/lib/"

### s2view
cp "$s2vm" "$root/usr/local/bin/s2vm"
for p in "$@"; do
	cp "$p" "$root/usr/local/bin/"
done
for f in "$top"/scripts/*.sh "$top"/scripts/s2lib.awk; do
	[ -f "$f" ] && cp "$f" "$root/usr/local/bin/"
done
cp -a "$top/tests" "$root/tests"
rm -rf "$root/tests/guest/bin"
cp "$top/initramfs/init" "$root/init"
cp "$top/initramfs/demo.sh" "$root/usr/share/s2view/demo.sh"
cp "$top/initramfs/bench.sh" "$root/usr/share/s2view/bench.sh"
chmod +x "$root/init" "$root/usr/share/s2view/demo.sh" "$root/usr/share/s2view/bench.sh"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

### pack
mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -6 >"$out.tmp"
mv "$out.tmp" "$out"
say "built $out ($(du -k "$out" | cut -f1) KiB)"
