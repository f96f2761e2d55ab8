#!/bin/sh
# guest-image.sh - assemble s2vm's guest program into a C header.
#
# USAGE: tools/guest-image.sh GUEST.S OUTPUT.h
#   e.g. tools/guest-image.sh initramfs/s2vm/guest.S build/gen/guest-image.h
#
# Assembles GUEST.S with the arm64 cross compiler (through cpp: it includes
# layout.h from beside it), takes the bytes of its .text and writes OUTPUT.h:
# them as guest_image[], and for each global label guest_foo a
# GUEST_FOO_OFFSET, its offset in the image. The arm64 build of s2vm and the
# native one of tests/host/s2vm.bats both include that header, so the guest
# program is written once, in assembly, and built by the assembler. Fails
# when the object has relocations (the bytes would not be final) or other
# sections with contents.
#
# REQUIREMENTS: aarch64-linux-gnu-gcc, -objcopy, -objdump, -nm (binutils of
# the cross compiler, tools/install-deps.sh); od and awk.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

[ $# -eq 2 ] || { echo "USAGE: tools/guest-image.sh GUEST.S OUTPUT.h" >&2; exit 2; }
src=$1
out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"${CROSS}gcc" -c -o "$tmp/guest.o" "$src"
! "${CROSS}objdump" -r "$tmp/guest.o" | grep -q '^RELOCATION RECORDS' ||
	die "$src: the object has relocations (a branch to a global label?)"
# objdump -h: "  0 .text  00001000  0000000000000000 ...": index, name, size
others=$("${CROSS}objdump" -h "$tmp/guest.o" |
	awk '$2 ~ /^\./ && $2 != ".text" && $3 !~ /^0+$/ { print $2 }')
[ -z "$others" ] || die "$src: contents outside .text: $others"
"${CROSS}objcopy" -O binary -j .text "$tmp/guest.o" "$tmp/guest.bin"
[ -s "$tmp/guest.bin" ] || die "$src: empty .text"

{
	echo "/* Generated from $src by tools/guest-image.sh: do not edit. */"
	# nm -t d: "0000000000000052 T guest_done", the value in decimal
	"${CROSS}nm" -g --defined-only -t d "$tmp/guest.o" | awk '
	$3 ~ /^guest_/ { printf "#define %s_OFFSET\t0x%x\n", toupper($3), $1 + 0 }'
	echo "static const unsigned char guest_image[] = {"
	od -An -v -tx1 "$tmp/guest.bin" | awk '
	{
		line = "\t"
		for (i = 1; i <= NF; i++)
			line = line "0x" $i (i < NF ? ", " : ",")
		print line
	}'
	echo "};"
} >"$tmp/out.h"
mkdir -p "$(dirname "$out")"
mv "$tmp/out.h" "$out"
