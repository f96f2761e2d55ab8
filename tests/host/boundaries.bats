#!/usr/bin/env bats
#
# boundaries.bats - the rules of the formats and of the output at their
# edges, one test per kind of rule (a limit, a field's length, a choice
# between two answers, an order), under every userland of
# scripts-helpers.bash. Written from the ABI and the README, not from a list
# of mutants: each checks the value on both sides of its edge.
# Run: bats tests/host

load scripts-helpers

setup() {
	setup_slots
	R=$BATS_TEST_TMPDIR/r
}

# ranges ENTRY...: a ranges file from address 0, a line per ENTRY, each
# SIZE/LEVEL (invalid) or SIZE/LEVEL/PERMS (a page at level 3, else a block)
ranges() {
	local e a=0 n size lvl perms
	for e in "$@"; do
		IFS=/ read -r size lvl perms <<<"$e"
		n=$(bytes "$size") || return 1
		printf '0x%016x-0x%016x %s %s ' "$a" $((a + n)) "$size" "$lvl"
		if [ -z "$perms" ]; then
			echo 'invalid --- -'
		elif [ "$lvl" = 3 ]; then
			echo "page $perms normal af=1"
		else
			echo "block $perms normal af=1"
		fi
		a=$((a + n))
	done
}

# all_print STATUS SCRIPT ARGS...: every userland exits STATUS and prints
# the same stdout (in $output) and nothing on stderr (STATUS 3: something)
all_print() {
	local want=$1 sh first=
	shift
	for sh in $S2_SHELLS; do
		s2 "$sh" "$@"
		echo "status $status; stderr: $stderr"
		[ "$status" -eq "$want" ]
		[ "$want" -eq 3 ] || [ -z "$stderr" ]
		[ -n "$first" ] || first=$output
		[ "$output" = "$first" ]
	done
}

slot_vm() { # a copy of the 40-bit slots VM with memslots line $1 added
	rm -rf "$VM"
	cp -r "$SLOTS/$FIX_HOSTPAGES_VM" "$VM"
	echo "$1" >>"$VM/memslots"
}

### limits: 2^52 and the end of the IPA space, on both sides

@test "a memslot may end exactly at the end of the IPA space, not a page beyond" {
	slot_vm '0x000000fffff00000-0x0000010000000000 1M slot=5 as=0 hva=0x0000ffff00000000 flags=-'
	all_print 0 s2summ.sh "$VM"
	slot_vm '0x000000fffff00000-0x0000010000001000 1028K slot=5 as=0 hva=0x0000ffff00000000 flags=-'
	all_print 3 s2summ.sh "$VM"
	[[ "$stderr" == *"slot 5 (0x000000fffff00000-0x0000010000001000) ends beyond the 40-bit IPA space"* ]]
}

@test "a memslot may end exactly at 2^52 (beyond this IPA space: status 3), not a page beyond (bad: status 2)" {
	slot_vm '0x000ffffffff00000-0x0010000000000000 1M slot=5 as=0 hva=0x0000ffff00000000 flags=-'
	all_print 3 s2summ.sh "$VM"
	slot_vm '0x000ffffffff00000-0x0010000000001000 1028K slot=5 as=0 hva=0x0000ffff00000000 flags=-'
	expect_bad s2summ.sh "$VM" "s2summ.sh: $VM/memslots: line 3: end 0x0010000000001000 is beyond 2^52"
}

@test "a host address may be the last page below 2^52, not 2^52" {
	slot_vm '0x00000000c0000000-0x00000000c0001000 4K slot=5 as=0 hva=0x000ffffffffff000 flags=-'
	all_print 0 s2summ.sh "$VM"
	slot_vm '0x00000000c0000000-0x00000000c0001000 4K slot=5 as=0 hva=0x0010000000000000 flags=-'
	expect_bad s2summ.sh "$VM" "s2summ.sh: $VM/memslots: line 3: hva=0x0010000000000000 is beyond 2^52: not a user address"
}

@test "a range may end exactly at 2^52, not a page beyond, with and without awk's hex conversion" {
	local hex
	for hex in "" manual; do
		ranges 1P/0 3P/0 >"$R"
		S2VIEW_HEX=$hex all_print 0 s2summ.sh --prom "$R"
		[ "$(metric 's2view_ipa_bytes{vm="r"}')" = 4503599627370496 ]
		{ ranges 1P/0 3P/0; echo '0x0010000000000000-0x0010000000001000 4K 3 invalid --- -'; } >"$R"
		S2VIEW_HEX=$hex expect_bad s2summ.sh "$R" "s2summ.sh: $R: line 3: end 0x0010000000001000 is beyond 2^52"
	done
}

### the length of a hex field

@test "a start, end or hva of 17 hex digits is rejected, 16 taken" {
	{ echo '0x00000000000000000-0x0000000040000000 1G 1 invalid --- -'; small_ranges | sed 1d; } >"$R"
	expect_bad s2summ.sh "$R" "*: line 1: bad start-end \"0x00000000000000000-0x0000000040000000\": want 0x<16 hex digits>-0x<16 hex digits>"
	{ echo '0x0000000000000000-0x00000000040000000 1G 1 invalid --- -'; small_ranges | sed 1d; } >"$R"
	expect_bad s2summ.sh "$R" "*: line 1: bad start-end *"
	slot_vm '0x00000000c0000000-0x00000000c0001000 4K slot=5 as=0 hva=0x00000ffff00000000 flags=-'
	expect_bad s2summ.sh "$VM" "*/memslots: line 3: bad \"hva=0x00000ffff00000000\": want hva=0x<16 hex digits>"
	slot_vm '0x00000000c0000000-0x00000000c0001000 4K slot=5 as=0 hva=0x000ffff00000000 flags=-'
	expect_bad s2summ.sh "$VM" "*/memslots: line 3: bad \"hva=0x000ffff00000000\": want hva=0x<16 hex digits>"
}

### the granule the ranges give

@test "a 4K VM whose pages happen to be 64K-aligned is 4K: its level-2 ranges fit only 4K" {
	ranges 1G/1 64K/3/rw- 1984K/3 1022M/2 2G/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[ "${lines[1]}" = "IPA space:          4G (32 bits, 4K granule)" ]
	[[ "$output" == *$'\nl3    page     4K         16        64K  100.0%\nl2    block    2M          0          0    0.0%\nl1    block    1G '* ]]
}

@test "a teardown-shaped file (invalid level-0/1 ranges only) takes the granule its level-1 sizes fit" {
	ranges 4T/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[[ "$output" == *$'\nl3    page    64K          0          0       -\nl2    block  512M          0          0       -\nl1    block    4T '* ]]
	ranges 64G/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[[ "$output" == *$'\nl3    page    16K          0          0       -\nl2    block   32M          0          0       -\nl1    block   64G '* ]]
	ranges 1G/1 1G/1 2G/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[[ "$output" == *$'\nl3    page     4K          0          0       -\nl2    block    2M          0          0       -\nl1    block    1G '* ]]
}

@test "every level counts for the granule: a 1G, 64G or 4T level-1 range says 4K, 16K or 64K though the level-2 ranges fit 512M" {
	ranges 1G/1 512M/2/rw- 512M/2 2G/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[ "${lines[1]}" = "IPA space:          4G (32 bits, 4K granule)" ]
	ranges 512M/2/rw- 65024M/2 64G/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[ "${lines[1]}" = "IPA space:          128G (37 bits, 16K granule)" ]
	ranges 512M/2/rw- 4193792M/2 4T/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[ "${lines[1]}" = "IPA space:          8T (43 bits, 64K granule)" ]
}

# empty_vm BITS RANGES [START_LEVEL]: a VM dir in $VM with nothing mapped:
# invalid ranges (SIZE/LEVEL, blank-separated), its counters, start_level
# only if given
empty_vm() {
	rm -rf "$VM"
	mkdir -p "$VM/s2"
	# shellcheck disable=SC2086 # (the ranges: one word each)
	ranges $2 >"$VM/s2/ranges"
	echo "$1" >"$VM/s2/ipa_bits"
	[ -z "${3:-}" ] || echo "$3" >"$VM/s2/start_level"
	echo 2 >"$VM/s2/table_pages"
	echo 0 >"$VM/s2/mapped_bytes"
}

@test "ipa_bits and start_level decide what the ranges leave open: an empty 40-bit VM at start level 1 is 4K, at 48 bits level 0 too" {
	# BITS RANGES (SIZE/LEVEL,...) START_LEVEL (- none) GRANULE, each case
	# after the reason for it
	local bits ranges start g n=0
	while read -r bits ranges start g; do
		[ -n "$bits" ] && [ "${bits#\#}" = "$bits" ] || continue
		n=$((n + 1))
		empty_vm "$bits" "${ranges//,/ }" "${start#-}"
		all_print 0 s2summ.sh "$VM"
		echo "$bits bits, $ranges, start level $start: ${lines[3]}"
		# (2 table pages of the granule; the level-3 row's entry is one)
		[ "${lines[3]}" = "table pages:        2 ($(($(bytes "$g") * 2 / 1024))K)" ]
		[[ "$output" == *$'\nl3    page  '"$(printf '%5s' "$g") "* ]]
	done <<-'CASES'
	# 1T at level 1 fits 64G level-1 entries (16K) as well as 1G ones; but
	# KVM starts a 40-bit 16K stage-2 at level 2; without start_level, 16K
	40 1T/1 1 4K
	40 1T/1 - 16K
	# 256T at level 0 fits 16K's 128T entries too; a 48-bit 16K stage-2
	# starts at level 1
	48 256T/0 0 4K
	# at start level 1, 48 bits is 16K or 64K: the larger, as the ranges fit it
	48 256T/1 1 64K
	# at 42 bits 16K starts at level 1, as 4K does, 64K at level 2: 16K,
	# the larger of the two, as the ranges fit both
	42 4T/1 1 16K
	# a 32-bit stage-2 starts at level 2 in every granule (on 64K that is
	# 1 level by the formula, which KVM raises to 2): 64K, the largest
	32 4G/2 2 64K
	# at 44 bits 64K starts at level 2 (2 levels and 16 tables reach 46),
	# 16K at level 1, 4K at 0: start level 1, ranges that fit 64K: 16K
	44 16T/1 1 16K
	# at 36 bits 4K starts at level 1 (3 levels of 9 bits and 16 tables
	# reach 43), 16K and 64K at level 2: start level 1, ranges that fit
	# 16K too: 4K
	36 64G/1 1 4K
	# at 35 bits too (27 bits over the page and the 4-bit margin: exactly
	# 3 levels of 9), with ranges that fit every granule: 4K
	35 32G/2 1 4K
	# start level 2 at 44 bits is 64K's only, but the ranges (64G at level
	# 1) rule 64K out: no granule has it, so the largest they fit, 16K
	44 64G/1,16320G/1 2 16K
	CASES
	[ "$n" -eq 10 ] # (every case ran)
}

@test "a level-0 block (4K pages, 52 bits) has a row of its own in the level table and in --prom; none without one" {
	printf '%s\n' "0x0000000000000000-0x0000008000000000 512G 0 block rw- normal af=1" \
		"0x0000008000000000-0x0010000000000000 4193792G 0 invalid --- -" >"$R"
	all_print 0 s2summ.sh -n 0 "$R"
	[[ "$output" == *$'\nl1    block    1G          0          0    0.0%\nl0    block  512G          1       512G  100.0%\n'* ]]
	all_print 0 s2summ.sh --prom "$R"
	[ "$(metric "s2view_bytes{vm=\"r\",level=\"0\",type=\"block\"}")" = 549755813888 ]
	[ "$(metric "s2view_entries{vm=\"r\",level=\"0\",type=\"block\"}")" = 1 ]
	all_print 0 s2summ.sh "$FIXTURES/format/ok-level0-52bit.ranges"
	[[ "$output" != *$'\nl0 '* ]]
}

@test "a range that fits no granule leaves it unknown, said once on a granule: line, ? only in the cells it sizes" {
	ranges 1M/2 1021M/2 2M/2/rw- 1G/1 2G/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[ "${lines[1]}" = "IPA space:          4G (32 bits)" ]
	[ "${lines[2]}" = "granule:            ? (no granule fits the level-2 ranges: their starts or sizes are not multiples of 2M, the smallest entry there)" ]
	[ "$(printf '%s\n' "$output" | grep -c 'granule')" = 1 ]
	[[ "$output" == *$'\nl2    block     ?          ?         2M  100.0%\n'* ]]
	# the map, without a granule, in slots of 4K, the smallest page
	all_print 0 s2summ.sh --map "$R"
	[[ "${lines[1]}" == "slot 4K, 256K per row: "* ]]
	# one line that fits is enough for the line to go
	ranges 2M/2 1020M/2 2M/2/rw- 1G/1 2G/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[[ "$output" != *"?"* ]]
}

@test "the rest of the IPA space after a teardown, not aligned to its level, does not hide the granule" {
	all_print 0 s2summ.sh "$FIXTURES/format/ok-teardown.ranges"
	[ "${lines[1]}" = "IPA space:          1T (40 bits, 4K granule)" ]
	# 16K: a 32M block, a 16K page, the rest from there at level 2
	ranges 32M/2/rw- 16K/3/rw- 4161520K/2 >"$R"
	all_print 0 s2summ.sh "$R"
	[ "${lines[1]}" = "IPA space:          4G (32 bits, 16K granule)" ]
	# the last range alone at its level (level 1, from 4M: the start level
	# of a 40-bit 4K stage-2): the level says nothing, level 2 says 4K
	ranges 2M/2/rw- 2M/2 1048572M/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[ "${lines[1]}" = "IPA space:          1T (40 bits, 4K granule)" ]
	# not the last range: a level-2 range that fits no granule
	ranges 32M/2/rw- 16K/3/rw- 4161520K/2 4G/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[ "${lines[2]}" = "granule:            ? (no granule fits the level-2 ranges: their starts or sizes are not multiples of 2M, the smallest entry there)" ]
}

@test "on 4K pages the whole 2M windows of a slot start at its first 2M boundary, not 16K's 32M one: pages there are host-pages" {
	rm -rf "$VM"
	mkdir -p "$VM/s2"
	local p=() i
	for ((i = 0; i < 512; i++)); do p+=(4K/3/rw-); done
	ranges 2M/2 "${p[@]}" 1020M/2 1G/1 1G/1 1G/1 >"$VM/s2/ranges"
	echo 32 >"$VM/s2/ipa_bits"
	echo '0x0000000000200000-0x0000000000400000 2M slot=0 as=0 hva=0x0000ffff80200000 flags=-' >"$VM/memslots"
	all_print 0 s2summ.sh --prom "$VM"
	[ "$(causes vm9)" = "dirty-log 0 misaligned 0 slot-edge 0 host-pages 2097152" ]
}

@test "only the last range of a teardown is left out of the granule: a range of its level before it that fits none still counts" {
	# level 1: a 2M range (no granule has one), then the rest of the space
	# from 4M, as a teardown leaves it
	ranges 2M/2/rw- 2M/1 1048572M/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[ "${lines[2]}" = "granule:            ? (no granule fits the level-1 ranges: their starts or sizes are not multiples of 1G, the smallest entry there)" ]
	# a teardown's range alone: nothing rules a granule out: the largest
	ranges 2M/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[[ "$output" == *$'\nl3    page    64K          0          0       -\n'* ]]
}

### which cause wins

# logging_misaligned SLOT: the misaligned VM with SLOT dirty-logging as well,
# read by s2summ.sh --prom in every userland; its causes as the rule says
logging_misaligned() {
	rm -rf "$VM"
	cp -r "$SLOTS/$FIX_MISALIGNED_VM" "$VM"
	sed -i "/slot=$1 /s/flags=-/flags=dirty-log/" "$VM/memslots"
	grep -q "slot=$1 .*flags=dirty-log" "$VM/memslots"
	all_print 0 s2summ.sh --prom "$VM"
	[ "$(causes vm9)" = "$(why_here "$VM" 4096 | sed 's/ outside.*//')" ]
}

@test "a slot that is dirty-logging and misaligned puts its pages under misaligned: the logging ends, the misalignment stays" {
	logging_misaligned 0
	[ "$(metric 's2view_page_bytes_by_cause{vm="vm9",cause="misaligned"}')" = "$(slot_bytes "$VM" "$FIX_DATA_SLOT" 3)" ]
	[ "$(metric 's2view_page_bytes_by_cause{vm="vm9",cause="dirty-log"}')" = 0 ]
	[ "$(slot_bytes "$VM" "$FIX_DATA_SLOT" 3)" -gt 0 ]
}

@test "a page of a slot that holds no whole window is slot-edge, though the slot is misaligned and dirty-logging too" {
	# the control slot: 64K, its host address 1984K off 2M
	logging_misaligned "$FIX_CONTROL_SLOT"
	[ "$(metric 's2view_page_bytes_by_cause{vm="vm9",cause="slot-edge"}')" = "$(slot_bytes "$VM" "$FIX_CONTROL_SLOT" 3)" ]
	[ "$(metric 's2view_page_bytes_by_cause{vm="vm9",cause="dirty-log"}')" = 0 ]
	[ "$(slot_bytes "$VM" "$FIX_CONTROL_SLOT" 3)" -gt 0 ]
}

### --map: the last row, the slot size, the glyphs

@test "--map rounds the last slot up: a mapping 4K into an 8K slot gets a last row of its own, M" {
	ranges 1G/1 5M/3/rw- 4K/3/rw- 1043452K/3 2G/1 >"$R"
	all_print 0 s2summ.sh --map "$R"
	[ "${#lines[@]}" -eq 13 ]
	[ "${lines[0]}" = "r: map of 0x0000000040000000-0x0000000040502000, the mapped part of the 4G IPA space (0x0000000000000000-0x0000000100000000)" ]
	[ "${lines[1]}" = "slot 8K, 512K per row:  B all-block  P all-page  M mixed or partly mapped  . empty" ]
	[ "${lines[11]}" = "0x0000000040480000 $(printf 'P%.0s' {1..64})" ]
	[ "${lines[12]}" = "0x0000000040500000 M" ]
	# 1024 slots of 4K fit without doubling the slot
	ranges 1G/1 4M/3/rw- 1020M/2 2G/1 >"$R"
	all_print 0 s2summ.sh --map "$R"
	[ "${lines[1]}" = "slot 4K, 256K per row:  B all-block  P all-page  M mixed or partly mapped  . empty" ]
	[ "${#lines[@]}" -eq 18 ]
}

@test "--map's smallest slot is the granule's page: 16K in a 16K VM" {
	# (a 32-bit 16K stage-2 starts at level 2: no level-1 range, whose
	# entries would be 64G)
	ranges 256M/2 16K/3/rw- 16K/3/rw- 32736K/3 1760M/2 2G/2 >"$R"
	all_print 0 s2summ.sh --map "$R"
	[ "${lines[1]}" = "slot 16K, 1M per row:  B all-block  P all-page  M mixed or partly mapped  . empty" ]
	[ "${lines[2]}" = "0x0000000010000000 PP" ]
}

@test "--map: P and B only for a slot wholly mapped by pages or blocks, M for one partly mapped or mixed" {
	# a 2M block, a 4K page, 4K unmapped, a 4K page: slots of 4K: B..B P . P
	ranges 1G/1 2M/2/rw- 4K/3/rw- 4K/3 4K/3/rw- 2036K/3 1020M/2 2G/1 >"$R"
	all_print 0 s2summ.sh --map "$R"
	[ "${lines[1]}" = "slot 4K, 256K per row:  B all-block  P all-page  M mixed or partly mapped  . empty" ]
	[ "${lines[2]}" = "0x0000000040000000 $(printf 'B%.0s' {1..64})" ]
	[ "${lines[10]}" = "0x0000000040200000 P.P" ]
	# 2 blocks then 12K of pages over 1028 slots: 8K slots, the last one half mapped
	ranges 1G/1 4M/2/rw- 12K/3/rw- 4084K/3 1016M/2 2G/1 >"$R"
	all_print 0 s2summ.sh --map "$R"
	[ "${lines[1]}" = "slot 8K, 512K per row:  B all-block  P all-page  M mixed or partly mapped  . empty" ]
	[ "${lines[-1]}" = "0x0000000040400000 PM" ]
	# a slot of 4M holding a 2M block and a page: mixed
	ranges 1G/1 2M/2/rw- 4K/3/rw- 2044K/3 1020M/2 2G/1 4K/3/rw- 1048572K/3 3G/1 >"$R"
	all_print 0 s2summ.sh --map "$R"
	[ "${lines[1]}" = "slot 4M, 256M per row:  B all-block  P all-page  M mixed or partly mapped  . empty" ]
	[ "${lines[2]}" = "0x0000000040000000 M$(printf '.%.0s' {1..63})" ]
	[ "${#lines[@]}" -eq 15 ]
	[ "${lines[-1]}" = "0x0000000100000000 M" ]
}

### --prom: labels and absent values

@test "--prom labels keep . _ : - letters and digits of a file name, and write _ for the rest" {
	mkdir -p "$BATS_TEST_TMPDIR/d"
	small_ranges >"$BATS_TEST_TMPDIR/d/a:b.c_d-1 x\"y\\z"
	all_print 0 s2summ.sh --prom "$BATS_TEST_TMPDIR/d/a:b.c_d-1 x\"y\\z"
	[ "$(metric 's2view_ranges{vm="a:b.c_d-1_x_y_z"}')" = 4 ]
}

@test "--prom of a lone ranges file (no table_pages) prints no table_pages metric at all, only valued samples" {
	small_ranges >"$R"
	all_print 0 s2summ.sh --prom "$R"
	[[ "$output" != *table_pages* ]]
	printf '%s\n' "$output" | awk '/^#/ { next } NF != 2 || $2 !~ /^[0-9][0-9.e+-]*$/ { print "bad sample: " $0; bad = 1 } END { exit bad }'
	rm -rf "$VM"
	cp -r "$FIXTURES/vm1" "$VM"
	all_print 0 s2summ.sh --prom "$VM"
	[ "$(metric 's2view_table_pages{vm="vm9"}')" = "$(cat "$VM/s2/table_pages")" ]
}

### orders

@test "VMs are summarised in numeric order: vm2 before vm10, vm10 before vm100" {
	local k=$BATS_TEST_TMPDIR/kvm
	mkdir -p "$k"
	cp -r "$FIXTURES/vm1" "$k/vm100"
	cp -r "$FIXTURES/vm1" "$k/vm10"
	cp -r "$FIXTURES/vm1" "$k/vm2"
	S2VIEW_SYSFS=$k all_print 0 s2summ.sh --prom
	[ "$(printf '%s\n' "$output" | sed -n 's/^s2view_ranges{vm="\(vm[0-9]*\)"}.*/\1/p' | tr '\n' ' ')" = "vm2 vm10 vm100 " ]
	all_print 0 s2summ.sh --prom "$k"
	[ "$(printf '%s\n' "$output" | sed -n 's/^s2view_ranges{vm="\(vm[0-9]*\)"}.*/\1/p' | tr '\n' ' ')" = "vm2 vm10 vm100 " ]
}

@test "only vm and decimal digits name a VM: vm, vmx, vm3x and vm-3 are paths" {
	local a
	for a in vm vmx vm3x vm-3; do
		expect_bad s2summ.sh "$a" "s2summ.sh: no such VM, file or directory: $a"
	done
	expect_bad s2summ.sh vm42 "s2summ.sh: unknown VM vm42: no $FIXTURES/vm42/s2 (VMs: vm1 vm2 vm3 vm4 vm5; root?)"
	# a directory named like a VM is read as the VM; ./ makes it a path
	mkdir -p "$BATS_TEST_TMPDIR/w"
	cp -r "$FIXTURES/vm2" "$BATS_TEST_TMPDIR/w/vm3"
	cd "$BATS_TEST_TMPDIR/w"
	all_print 0 s2summ.sh --prom vm3
	[ "$(metric 's2view_ranges{vm="vm3"}')" = "$(($(wc -l <"$FIXTURES/vm3/s2/ranges")))" ]
	all_print 0 s2summ.sh --prom ./vm3
	[ "$(metric 's2view_ranges{vm="vm3"}')" = "$(($(wc -l <"$FIXTURES/vm2/s2/ranges")))" ]
}

@test "-nN is -n N, leading zeros and all; -n with no number or a sign is a usage error" {
	local sh a b
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh -n 3 vm1
		a=$output
		s2 "$sh" s2summ.sh -n3 vm1
		[ "$output" = "$a" ]
		s2 "$sh" s2summ.sh vm1 -n003
		[ "$output" = "$a" ]
		[[ "$output" == *$'\nTOP 3 MAPPED RANGES\n'* ]]
		s2 "$sh" s2owner.sh -n010
		b=$output
		s2 "$sh" s2owner.sh -n 10
		[ "$output" = "$b" ]
		[[ "$output" == *"ALL 8 HYP-OWNED RUNS"* ]]
	done
	expect_status 2 '*-n wants a number (got "-1")*' s2summ.sh -n-1
	expect_status 2 '*-n wants a number (got "")*' s2summ.sh -n ''
	expect_status 2 '*-n needs a number*' s2owner.sh -n
}

@test "owners: host, hyp, ffa, ids by number, other names by name, borrowed, unmapped" {
	printf '%s\n' \
		'0x0000000000000000-0x0000000000001000 4K 3 invalid --- - owner=zed' \
		'0x0000000000001000-0x0000000000002000 4K 3 invalid --- - owner=12' \
		'0x0000000000002000-0x0000000000003000 4K 3 invalid --- - owner=abc' \
		'0x0000000000003000-0x0000000000004000 4K 3 invalid --- - owner=9' \
		'0x0000000000004000-0x0000000000005000 4K 3 invalid --- - owner=ffa' \
		'0x0000000000005000-0x0000000000006000 4K 3 invalid --- - owner=Abc' \
		'0x0000000000006000-0x0000000000007000 4K 3 invalid --- - owner=hyp' \
		'0x0000000000007000-0x0000000000008000 4K 3 invalid --- - owner=host' >"$R"
	all_print 0 s2owner.sh "$R"
	[ "$(printf '%s\n' "$output" | sed -n '/^OWNER/,/^$/p' | awk 'NR > 1 && NF { printf "%s ", $1 }')" = \
		"host hyp ffa id9 id12 Abc abc zed borrowed unmapped " ]
}

@test "a share of exactly 99.95% reads >99.9%, never 100.0%; exactly 0.05% reads 0.1%, not <0.1%" {
	# 2000 pages: 1999 rw- and one r--, then nothing up to 4G
	awk 'function r(s, e, rest) { printf "0x%016x-0x%016x %s\n", s, e, rest }
	BEGIN {
		for (i = 0; i < 2000; i++)
			r(i * 4096, (i + 1) * 4096, "4K 3 page " (i == 1000 ? "r--" : "rw-") " normal af=1")
		r(2000 * 4096, 8 * 1048576, "192K 3 invalid --- -")
		r(8 * 1048576, 1024 * 1048576, "1016M 2 invalid --- -")
		r(1024 * 1048576, 4096 * 1048576, "3G 1 invalid --- -")
	}' >"$R"
	all_print 0 s2summ.sh -n 0 "$R"
	[[ "$output" == *$'\nrw-            7.81M  >99.9%     1999\n'* ]]
	[[ "$output" == *$'\nr--               4K    0.1%        1\n'* ]]
}

@test "ties in the perms and memattr tables are in name order, under every userland (not awk's hash order)" {
	printf '%s\n' "0x0000000000000000-0x0000000000001000 4K 3 page rw- normal af=1" \
		"0x0000000000001000-0x0000000000002000 4K 3 page r-- device af=1" \
		"0x0000000000002000-0x0000000000003000 4K 3 page rwx normal-nc af=1" \
		"0x0000000000003000-0x0000000000004000 4K 3 page r-x memattr-0x5 af=1" \
		"0x0000000000004000-0x0000000000200000 2032K 3 invalid --- -" \
		"0x0000000000200000-0x0000000040000000 1022M 2 invalid --- -" \
		"0x0000000040000000-0x0000000100000000 3G 1 invalid --- -" >"$R"
	all_print 0 s2summ.sh -n 0 "$R"
	[ "$(printf '%s\n' "$output" | sed -n '/^PERMS/,/^$/p' | awk 'NR > 1 && NF { printf "%s ", $1 }')" = "r-- r-x rw- rwx " ]
	[ "$(printf '%s\n' "$output" | sed -n '/^MEMATTR/,/^$/p' | awk 'NR > 1 && NF { printf "%s ", $1 }')" = "device memattr-0x5 normal normal-nc " ]
}

@test "ties in the top lists keep address order: equal ranges and equal hyp runs, first come first" {
	ranges 1G/1 4K/3/rw- 4K/3 4K/3/r-- 4K/3 4K/3/rwx 2028K/3 1022M/2 2G/1 >"$R"
	all_print 0 s2summ.sh -n 2 "$R"
	[ "${lines[-2]}" = "0x0000000040000000-0x0000000040001000      4K 3 page  rw- normal    af=1" ]
	[ "${lines[-1]}" = "0x0000000040002000-0x0000000040003000      4K 3 page  r-- normal    af=1" ]
	S2VIEW_QUICK=no all_print 0 s2summ.sh -n 2 "$R"
	[ "${lines[-1]}" = "0x0000000040002000-0x0000000040003000      4K 3 page  r-- normal    af=1" ]
	printf '%s\n' '0x0000000000000000-0x0000000040000000 1G 1 invalid --- - owner=hyp' \
		'0x0000000040000000-0x0000000080000000 1G 1 invalid --- -' \
		'0x0000000080000000-0x00000000a0000000 512M 1 invalid --- - owner=hyp' \
		'0x00000000a0000000-0x00000000c0000000 512M 1 invalid --- - owner=hyp owner_note=2' \
		'0x00000000c0000000-0x00000000e0000000 512M 1 invalid --- -' \
		'0x00000000e0000000-0x0000000100000000 512M 1 invalid --- - owner=hyp' >"$R"
	all_print 0 s2owner.sh -n 1 "$R"
	[ "${lines[-2]}" = "TOP 1 HYP-OWNED RUNS (contiguous owner=hyp ranges)" ]
	[ "${lines[-1]}" = "0x0000000000000000-0x0000000040000000        1G (1 range)" ]
	all_print 0 s2owner.sh -n 2 "$R"
	[ "${lines[-2]}" = "0x0000000000000000-0x0000000040000000        1G (1 range)" ]
	[ "${lines[-1]}" = "0x0000000080000000-0x00000000c0000000        1G (2 ranges)" ]
	all_print 0 s2owner.sh -n 3 "$R"
	[ "${lines[-1]}" = "0x00000000e0000000-0x0000000100000000      512M (1 range)" ]
}

@test "the top list keeps the N largest whatever order they come in: growing, then smaller ones that still belong" {
	ranges 4K/3/rw- 8K/3/r-- 20K/3/rw- 16K/3/r-- 12K/3/rw- 4K/3 >"$R"
	all_print 0 s2summ.sh -n 3 "$R"
	[ "${lines[-4]}" = "TOP 3 MAPPED RANGES" ]
	[ "${lines[-3]}" = "0x0000000000003000-0x0000000000008000     20K 3 page  rw- normal    af=1" ]
	[ "${lines[-2]}" = "0x0000000000008000-0x000000000000c000     16K 3 page  r-- normal    af=1" ]
	[ "${lines[-1]}" = "0x000000000000c000-0x000000000000f000     12K 3 page  rw- normal    af=1" ]
}

@test "the top hyp runs keep the N largest whatever order they come in: growing runs, each with its start, end, size and count" {
	printf '%s\n' '0x0000000000000000-0x0000000020000000 512M 1 invalid --- - owner=hyp' \
		'0x0000000020000000-0x0000000040000000 512M 1 invalid --- -' \
		'0x0000000040000000-0x0000000060000000 512M 1 invalid --- - owner=hyp' \
		'0x0000000060000000-0x0000000080000000 512M 1 invalid --- - owner=hyp owner_note=2' \
		'0x0000000080000000-0x00000000c0000000 1G 1 invalid --- -' \
		'0x00000000c0000000-0x0000000140000000 2G 1 invalid --- - owner=hyp' \
		'0x0000000140000000-0x0000000200000000 3G 1 invalid --- -' >"$R"
	all_print 0 s2owner.sh -n 3 "$R"
	[ "${lines[-4]}" = "TOP 3 HYP-OWNED RUNS (contiguous owner=hyp ranges)" ]
	[ "${lines[-3]}" = "0x00000000c0000000-0x0000000140000000        2G (1 range)" ]
	[ "${lines[-2]}" = "0x0000000040000000-0x0000000080000000        1G (2 ranges)" ]
	[ "${lines[-1]}" = "0x0000000000000000-0x0000000020000000      512M (1 range)" ]
}

### addresses above 2^48: all 16 hex digits

@test "addresses at and above 2^48 print with all 16 hex digits: the largest run, the map, the IPA end" {
	local hex
	printf '%s\n' '0x0000000000000000-0x000f000000000000 3840T 0 invalid --- -' \
		'0x000f000000000000-0x000f000000001000 4K 3 page rw- normal af=1' \
		'0x000f000000001000-0x0010000000000000 274877906940K 1 invalid --- -' >"$R"
	for hex in "" manual; do
		S2VIEW_HEX=$hex all_print 0 s2summ.sh "$R"
		[[ "$output" == *$'\nlargest mapped run: 4K at 0x000f000000000000-0x000f000000001000 (1 range)\n'* ]]
		S2VIEW_HEX=$hex all_print 0 s2summ.sh --map "$R"
		[ "${lines[0]}" = "r: map of 0x000f000000000000-0x000f000000001000, the mapped part of the 4P IPA space (0x0000000000000000-0x0010000000000000)" ]
		[ "${lines[2]}" = "0x000f000000000000 P" ]
	done
}

### human sizes: up to 6 decimals, then the exact size

@test "a size that is not round gets up to 6 decimals, never a round-looking one, then its exact size" {
	printf '%s\n' '0x0000000000000000-0x0000000040000000 1G 1 block rw- normal af=1 state=owned' \
		'0x0000000040000000-0x0010000000000000 4194303G 0 invalid --- -' >"$R"
	all_print 0 s2owner.sh "$R"
	[[ "$output" == *$'\nunmapped          3.999999P  >99.9%       -        1\n'* ]]
	printf '%s\n' '0x0000000000000000-0x0000000000001000 4K 3 page rw- normal af=1 state=owned' \
		'0x0000000000001000-0x0010000000000000 4398046511100K 0 invalid --- -' >"$R"
	all_print 0 s2owner.sh "$R"
	[[ "$output" == *$'\nunmapped         4398046511100K  >99.9%       -        1\n'* ]]
	printf '%s\n' '0x0000000000000000-0x0000000001080000 16896K 3 page rw- normal af=1 state=owned' \
		'0x0000000001080000-0x0000000100000000 4177408K 1 invalid --- -' >"$R"
	all_print 0 s2owner.sh "$R"
	[[ "$output" == *$'\nhost                 16.50M'* ]]
	# 1P and 0.0000002P: 7 decimals would show it; 6 show none, so the exact size
	printf '%s\n' '0x0000000000000000-0x000400000d6c0000 1099511847680K 3 page rw- normal af=1 state=owned' \
		'0x000400000d6c0000-0x0010000000000000 3298534663424K 0 invalid --- -' >"$R"
	all_print 0 s2owner.sh "$R"
	[[ "$output" == *$'\nhost             1099511847680K'* ]]
}

@test "a size under 1K prints in bytes (1023B), 1K and more in units; a share of 1 byte is a share: the kernel's mapped_bytes" {
	empty_vm 40 1T/1
	local sh m
	for sh in $S2_SHELLS; do
		for m in 1B:1 1023B:1023 1K:1024 1.001K:1025 1023M:1072693248; do
			echo "${m#*:}" >"$VM/s2/mapped_bytes"
			s2 "$sh" s2summ.sh "$VM"
			echo "$sh: status $status; stderr: $stderr"
			[ "$status" -eq 0 ]
			[ "$stderr" = "s2summ.sh: vm9: note: kernel mapped_bytes ${m#*:} but the ranges map 0: did the VM change between the reads?" ]
			[[ "$output" == *$'\nmapped:             '"${m%:*} (${m#*:} bytes, "* ]]
			# (the level table's shares are of the kernel's mapped_bytes)
			[[ "$output" == *$'\nl1    block   64G          0          0    0.0%\n'* ]]
		done
	done
}

@test "with nothing mapped, --prom's blocks ratio is 0" {
	empty_vm 40 1T/1
	all_print 0 s2summ.sh --prom "$VM"
	[ "$(metric 's2view_mapped_bytes{vm="vm9"}')" = 0 ]
	[ "$(metric 's2view_blocks_ratio{vm="vm9"}')" = 0 ]
}

### counts of lines that went the quick way

@test "lines that went the quick way at the very end of a file are counted as ranges" {
	ranges 1G/1 2M/2/rw- 1022M/2 1G/1 1G/1 >"$R"
	all_print 0 s2summ.sh --prom "$R"
	[ "$(metric 's2view_ranges{vm="r"}')" = 5 ]
	S2VIEW_QUICK=no all_print 0 s2summ.sh --prom "$R"
	[ "$(metric 's2view_ranges{vm="r"}')" = 5 ]
	ranges 1G/1 2M/2/rw- 1022M/2 512M/1 512M/1 512M/1 512M/1 >"$R"
	all_print 0 s2summ.sh "$R"
	[[ "$output" == *$'\nranges:             7 (1 mapped, in 1 contiguous run)\n'* ]]
}

### the last line of a file

@test "a last line of one byte without its newline is truncated, as a longer one is: its line named, nothing else said" {
	local tool text
	for tool in s2summ.sh s2owner.sh; do
		for text in 0 0x 0x0000000100000000; do
			{ small_ranges; printf '%s' "$text"; } >"$R"
			expect_bad "$tool" "$R" \
				"$tool: $R: line 5: no newline at the end of the last line: truncated file?"
		done
	done
}

### hex digits

@test "hex digits A to F in upper case read as a to f, with and without awk's hex conversion" {
	local k=$BATS_TEST_TMPDIR/k hex want
	mkdir "$k"
	cp -r "$FIXTURES/vm1" "$k/"
	sed -E 's/^0x([0-9a-f]{16})-0x([0-9a-f]{16}) /0x\U\1\E-0x\U\2\E /' \
		"$FIXTURES/vm1/s2/ranges" >"$k/vm1/s2/ranges"
	# (every letter as the first digit of a byte, which the digit pairs
	# read, and somewhere)
	for hex in A B C D E F; do
		awk -v h="$hex" '{ s = substr($1, 3, 16) substr($1, 22, 16)
			for (i = 1; i <= 32; i += 2) if (substr(s, i, 1) == h) x = 1 }
			END { exit !x }' "$k/vm1/s2/ranges"
		grep -q "^0x[0-9A-F]*$hex[0-9A-F]*-" "$k/vm1/s2/ranges"
	done
	S2VIEW_SYSFS=$FIXTURES all_print 0 s2summ.sh --prom vm1
	want=$output
	for hex in "" manual; do
		S2VIEW_HEX=$hex S2VIEW_SYSFS=$k all_print 0 s2summ.sh --prom vm1
		[ "$output" = "$want" ]
	done
	# vm1's addresses have letters only as the first digit of a byte: two
	# pages of a 48-bit IPA space at ...abcdef... and ...badcfe..., every
	# letter as the first digit of a byte and as the second
	awk "$RANGE_AWK"'
	BEGIN {
		a = 188900966473728; b = 205458317197312 # 0xabcdef012000, 0xbadcfe034000
		r(0, a, "3 invalid --- -")
		r(a, a + 4096, "3 page rw- normal af=1")
		r(a + 4096, b, "3 invalid --- -")
		r(b, b + 4096, "3 page rw- normal af=1")
		r(b + 4096, 2 ^ 48, "3 invalid --- -")
	}' >"$k/lower"
	grep -q '^0x0000abcdef012000-' "$k/lower"
	grep -q '^0x0000badcfe034000-' "$k/lower"
	sed -E 's/^0x([0-9a-f]{16})-0x([0-9a-f]{16}) /0x\U\1\E-0x\U\2\E /' "$k/lower" >"$k/upper"
	all_print 0 s2summ.sh --prom "$k/lower"
	want=$output
	for hex in "" manual; do
		S2VIEW_HEX=$hex all_print 0 s2summ.sh --prom "$k/upper"
		[ "${output//upper/lower}" = "$want" ]
	done
}
