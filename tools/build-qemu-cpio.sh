#!/bin/sh
# build-qemu-cpio.sh - pack QEMU and its guest programs as a second initrd.
#
# USAGE: tools/build-qemu-cpio.sh OUTPUT.cpio.gz GUEST_FILE...
#   e.g. tools/build-qemu-cpio.sh build/qemu.cpio.gz build/qemu-guest.elf \
#            tests/guest/bin/qemu-guest.S
#
# Contents: Debian's arm64 qemu-system-aarch64 with its loader and the
# libraries it needs (tools/fetch-qemu.sh, fetched when missing), and the
# GUEST_FILEs in /usr/local/share/s2view: the programs QEMU's VMs run and
# their source (tests/guest/bin/qemu-guest.S), whose addresses the tests read.
# The kernel unpacks concatenated cpio archives into one root, so this one
# goes after build/initramfs.cpio.gz only on the boots that run the QEMU
# tests (tools/run-qemu.sh -q): the common image stays small (QEMU is about
# 50 MB unpacked).
#
# REQUIREMENTS: tools/install-deps.sh has run (the arm64 architecture).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

[ $# -ge 2 ] || { echo "USAGE: tools/build-qemu-cpio.sh OUTPUT.cpio.gz GUEST_FILE..." >&2; exit 2; }
out=$1
shift
for g in "$@"; do
	[ -f "$g" ] || die "no $g"
done
"$top/tools/fetch-qemu.sh"
qemu_root=$S2VIEW_CACHE/qemu-root

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
cp -a "$qemu_root/." "$root/"
rm -f "$root/.complete"
mkdir -p "$root/usr/local/share/s2view"
for g in "$@"; do
	cp "$g" "$root/usr/local/share/s2view/"
done

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -6 >"$out.tmp"
mv "$out.tmp" "$out"
say "built $out ($(du -k "$out" | cut -f1) KiB)"
