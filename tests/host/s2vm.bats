#!/usr/bin/env bats
# s2vm.bats - host-side checks of the VM launcher, initramfs/s2vm/.
#
# It cross-builds clean and static, with its guest program assembled from
# guest.S (tools/guest-image.sh); and it parses its arguments as documented.
# The argument checks run a native build of s2vm against the arm64 KVM uapi
# headers, with its KVM device pointed at a path that does not exist:
# arguments that pass the checks fail to open it (exit 1) instead of
# reaching the host's KVM. Running VMs is the guest suite's job.

bats_require_minimum_version 1.5.0

TOP=$BATS_TEST_DIRNAME/../..
S2VM_DIR=$TOP/initramfs/s2vm
CROSS=aarch64-linux-gnu-
CFLAGS="-O2 -Wall -Wextra -Werror"
ARM64_INCLUDE=/usr/aarch64-linux-gnu/include

need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || skip "no $tool"
	done
}

# The directory of guest-image.h, made as the Makefile makes it.
guest_image() {
	local gen=$BATS_FILE_TMPDIR/gen
	if [ ! -f "$gen/guest-image.h" ]; then
		need "${CROSS}gcc" "${CROSS}objcopy" "${CROSS}objdump" "${CROSS}nm"
		"$TOP/tools/guest-image.sh" "$S2VM_DIR/guest.S" "$gen/guest-image.h" >&2
	fi
	echo "$gen"
}

# Native build of s2vm: asm/ from the arm64 uapi headers, the rest native.
host_s2vm() {
	local bin=$BATS_FILE_TMPDIR/s2vm-host gen
	if [ ! -x "$bin" ]; then
		need gcc
		[ -f "$ARM64_INCLUDE/asm/kvm.h" ] || skip "no arm64 uapi headers (libc6-dev-arm64-cross)"
		gen=$(guest_image)
		mkdir -p "$BATS_FILE_TMPDIR/inc"
		ln -sfn "$ARM64_INCLUDE/asm" "$BATS_FILE_TMPDIR/inc/asm"
		# Never /dev/kvm: a regression letting good arguments through
		# must not send arm64 ioctls to the host's KVM.
		# shellcheck disable=SC2086
		gcc $CFLAGS -I"$BATS_FILE_TMPDIR/inc" -I"$gen" -DKVM_DEV_PATH='"/nonexistent/kvm"' \
			-o "$bin" "$S2VM_DIR"/*.c
	fi
	echo "$bin"
}

@test "s2vm cross-builds static for arm64 with -Wall -Wextra -Werror" {
	need "${CROSS}gcc" "${CROSS}readelf"
	gen=$(guest_image)
	# shellcheck disable=SC2086
	run "${CROSS}gcc" -static $CFLAGS -I"$gen" -o "$BATS_FILE_TMPDIR/s2vm" "$S2VM_DIR"/*.c
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "${CROSS}readelf" -h -l "$BATS_FILE_TMPDIR/s2vm"
	[[ "$output" == *"Machine:"*AArch64* ]]
	[[ "$output" != *INTERP* ]]
}

@test "guest-image.sh refuses a guest program whose bytes would need relocating" {
	need "${CROSS}gcc" "${CROSS}objdump"
	printf '\t.globl guest_loop\nguest_loop:\n\tb guest_loop\n' >"$BATS_TEST_TMPDIR/g.S"
	run "$TOP/tools/guest-image.sh" "$BATS_TEST_TMPDIR/g.S" "$BATS_TEST_TMPDIR/g.h"
	[ "$status" -eq 1 ]
	[[ "$output" == *"has relocations"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/g.h" ]
}

# each_args STATUS GLOB: run the native s2vm with each line of stdin as its
# arguments; each run must exit with STATUS, print nothing on stdout and a
# stderr that matches GLOB.
each_args() {
	local s2vm args
	s2vm=$(host_s2vm)
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		run --separate-stderr "$s2vm" $args
		[ "$status" -eq "$1" ] || { echo "s2vm $args: status $status, want $1: $stderr"; return 1; }
		[ -z "$output" ] || { echo "s2vm $args: wrote to stdout: $output"; return 1; }
		# shellcheck disable=SC2053 # a glob
		[[ "$stderr" == $2 ]] || { echo "s2vm $args: stderr, want $2: $stderr"; return 1; }
	done
}

@test "s2vm -h prints the usage on stdout and exits 0" {
	s2vm=$(host_s2vm)
	run --separate-stderr "$s2vm" -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" == USAGE:\ s2vm* ]]
	[[ "$output" == *"-s BASE:SIZE"* ]]
	[[ "$output" == *"s2vm: ready pid=<pid> slots=<n> touched=<pages> ipa_bits=<bits>"* ]]
}

@test "s2vm rejects bad arguments with status 2, a message and the usage on stderr" {
	each_args 2 's2vm: *USAGE:*' <<-'EOF'
		-q
		-m
		extra
		-m 4097
		-m 0
		-m 0x
		-m 0x0x1000
		-m -4096
		-m 4K0
		-m 18446744073709551616
		-m 16777216G
		-b nosuchbacking
		-s 0x80000000
		-s 0x80000000:
		-s :4K
		-s 0x80000800:4K
		-s 0x80000000:3
		-s 0x80000000:2M -s 0x80100000:2M
		-s 0x80000000:4K -s 0x80000000:4K
		-s 0x10000000:4K
		-s 0xfff0000:128K
		-s 0x8000000:4K
		-s 0x80ff000:4K
		-s 0x10000000000:4K
		-i 41 -s 0x20000000000:4K
		-s 0x80000000:4K -s 0x80001000:4K -s 0x80002000:4K -s 0x80003000:4K -s 0x80004000:4K -s 0x80005000:4K -s 0x80006000:4K -s 0x80007000:4K -s 0x80008000:4K
		-m 2T
		-t some
		-t every:0
		-t every:
		-t first:x
		-i 31
		-i 53
		-i x
		-k
		-k -w
		-o
		-o x
		-o 3K
		-o 0x800
		-o -4K
		-o 2M
		-o 0x200000
		-o 4K -b hugetlb
		-b hugetlb -o 2044K
	EOF
}

@test "s2vm takes -o OFFSET, a multiple of 4K below 2M, for every backing (hugetlb: 0)" {
	# past the arguments: the (missing) KVM device
	each_args 1 's2vm: open(/nonexistent/kvm) failed*' <<-'EOF'
		-o 0
		-o 4K
		-o 0x1ff000 -b thp
		-o 2044K -b 4k -s 0x80000000:4K
		-o 0 -b hugetlb
	EOF
}

@test "s2vm names the offending value in its argument errors" {
	s2vm=$(host_s2vm)
	run --separate-stderr "$s2vm" -s 0x80000000:2M -s 0x80100000:2M
	[[ "$stderr" == *"slot 1 (0x80100000 + 0x200000) overlaps slot 0 (0x80000000 + 0x200000)"* ]]
	run --separate-stderr "$s2vm" -s 0x10008000:4K
	[[ "$stderr" == *"overlaps the control slot"* ]]
	run --separate-stderr "$s2vm" -s 0x8000000:4K
	[[ "$stderr" == *"overlaps the exit window"* ]]
	run --separate-stderr "$s2vm" -m 5000
	[[ "$stderr" == *"'5000'"*"multiple of 4K"* ]]
	run --separate-stderr "$s2vm" -o 2M
	[[ "$stderr" == *"'2M'"*"multiple of 4K below 2M"* ]]
	run --separate-stderr "$s2vm" -b hugetlb -o 4K
	[[ "$stderr" == *"-o 0x1000 with hugetlb backing: want -o 0"* ]]
}

# slots.c alone, natively, with stubs for what it calls elsewhere: maps a
# slot (IPA SIZE OFFSET BACKING) and prints (hva - IPA) modulo 2M in hex.
slot_placer() {
	local bin=$BATS_FILE_TMPDIR/slot-placer
	if [ ! -x "$bin" ]; then
		host_s2vm >/dev/null
		cat >"$BATS_FILE_TMPDIR/placer.c" <<-'EOF'
			#include <inttypes.h>
			#include <stdlib.h>
			#include "s2vm.h"

			void die(const char *fmt, ...)
			{
				va_list ap;

				va_start(ap, fmt);
				vfprintf(stderr, fmt, ap);
				va_end(ap);
				exit(1);
			}

			void die_errno(const char *fmt, ...) __attribute__((alias("die")));

			void vm_get_dirty_log(struct vm *vm, uint32_t slot, uint64_t *bitmap)
			{
				(void)vm, (void)slot, (void)bitmap;
				abort();
			}

			int main(int argc, char **argv)
			{
				struct slot s = { 0 };

				if (argc != 5)
					return 2;
				s.ipa = strtoull(argv[1], NULL, 0);
				s.size = strtoull(argv[2], NULL, 0);
				s.host_offset = strtoull(argv[3], NULL, 0);
				s.backing = (enum backing)atoi(argv[4]);
				host_sizes_init();
				slot_map(&s);
				printf("0x%" PRIx64 "\n", ((uint64_t)(uintptr_t)s.hva - s.ipa) % huge_page_size);
				slot_unmap(&s);
				return 0;
			}
		EOF
		# shellcheck disable=SC2086
		gcc $CFLAGS -I"$BATS_FILE_TMPDIR/inc" -I"$S2VM_DIR" -o "$bin" \
			"$BATS_FILE_TMPDIR/placer.c" "$S2VM_DIR/slots.c"
	fi
	echo "$bin"
}

@test "a data slot's host address is its IPA plus -o modulo 2M, with 4k and thp backing" {
	placer=$(slot_placer)
	local ipa size offset backing
	# backing: 0 4k, 1 thp (enum backing)
	while read -r ipa size offset backing; do
		run "$placer" "$ipa" "$size" "$offset" "$backing"
		[ "$status" -eq 0 ] || { echo "$ipa $size $offset $backing: $output"; false; }
		[ "$output" = "$offset" ] || { echo "$ipa $size -o $offset backing $backing: hva - ipa = $output mod 2M"; false; }
	done <<-'EOF'
		0x80000000 0x400000 0x0 0
		0x80000000 0x400000 0x0 1
		0x80000000 0x400000 0x1000 1
		0x80000000 0x400000 0x1000 0
		0x80201000 0x200000 0x0 1
		0x80201000 0x200000 0x1ff000 1
		0x80003000 0x5000 0x7000 0
	EOF
}
