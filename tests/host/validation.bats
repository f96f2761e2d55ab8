#!/usr/bin/env bats
#
# validation.bats - inputs the format or the kernel rules out, which both
# tools reject the same way under every userland of scripts-helpers.bash
# (status 2, one message naming the file, nothing on stdout), and inputs
# they must not reject. Run: bats tests/host

load scripts-helpers

setup() {
	setup_slots
}

# a copy of slots VM $1 as $VM
copy_vm() {
	rm -rf "$VM"
	cp -r "$SLOTS/$1" "$VM"
}

@test "a memslot whose host address plus its size passes 2^52 is rejected" {
	copy_vm "$FIX_HOSTPAGES_VM"
	echo '0x00000000c0000000-0x00000000c0400000 4M slot=1 as=0 hva=0x000ffffffff00000 flags=-' >>"$VM/memslots"
	expect_bad s2summ.sh "$VM" \
		"s2summ.sh: $VM/memslots: line 3: hva=0x000ffffffff00000 plus the slot's 4M ends beyond 2^52: not a user address"
}

@test "a memslot whose host address plus its size ends exactly at 2^52 is taken" {
	copy_vm "$FIX_HOSTPAGES_VM"
	echo '0x00000000c0000000-0x00000000c0400000 4M slot=1 as=0 hva=0x000fffffffc00000 flags=-' >>"$VM/memslots"
	expect_status_out 0 s2summ.sh "$VM"
}

# expect_status_out STATUS SCRIPT ARGS...: every userland exits STATUS
# with something on stdout and nothing on stderr
expect_status_out() {
	local want=$1 sh
	shift
	for sh in $S2_SHELLS; do
		s2 "$sh" "$@"
		echo "status $status; stderr: $stderr"
		[ "$status" -eq "$want" ]
		[ -n "$output" ]
		[ -z "$stderr" ]
	done
}

@test "a memslot not on the granule's page boundary (20K in a 16K VM) is bad input, not a changed VM" {
	copy_vm "$FIX_16K_VM"
	echo '0x0000000200000000-0x0000000200005000 20K slot=4 as=0 hva=0x0000ffffb0000000 flags=-' >>"$VM/memslots"
	expect_bad s2summ.sh "$VM" \
		"s2summ.sh: $VM/memslots: line 6: slot 4 (0x0000000200000000-0x0000000200005000 hva=0x0000ffffb0000000) is not on a 16K page boundary, the granule of the ranges"
	copy_vm "$FIX_16K_VM"
	echo '0x0000000200000000-0x0000000200004000 16K slot=4 as=0 hva=0x0000ffffb0001000 flags=-' >>"$VM/memslots"
	expect_bad s2summ.sh "$VM" "*/memslots: line 6: slot 4 (*hva=0x0000ffffb0001000) is not on a 16K page boundary*"
	copy_vm "$FIX_16K_VM"
	echo '0x0000000200000000-0x0000000200004000 16K slot=4 as=0 hva=0x0000ffffb0004000 flags=-' >>"$VM/memslots"
	expect_status_out 0 s2summ.sh "$VM"
	# the first slot too
	copy_vm "$FIX_16K_VM"
	{
		echo '0x0000000000000000-0x0000000000005000 20K slot=9 as=0 hva=0x0000ffffa0000000 flags=-'
		cat "$SLOTS/$FIX_16K_VM/memslots"
	} >"$VM/memslots"
	expect_bad s2summ.sh "$VM" "*/memslots: line 1: slot 9 (0x0000000000000000-0x0000000000005000 hva=0x0000ffffa0000000) is not on a 16K page boundary*"
}

@test "a slot of address space 1 beyond the IPA space is not matched: status 0" {
	copy_vm "$FIX_HOSTPAGES_VM"
	echo '0x0000010000000000-0x0000010000200000 2M slot=5 as=1 hva=0x0000ffff00000000 flags=-' >>"$VM/memslots"
	expect_status_out 0 s2summ.sh "$VM"
	[[ "$output" == *$'\n5     0x0000010000000000-0x0000010000200000       2M        -      -        -       -  as=1 -\n'* ]]
}

@test "a counter, pid or memslots file that is a broken link or a link loop is rejected like an unreadable one" {
	local f
	for f in s2/mapped_bytes s2/table_pages pid memslots; do
		copy_vm "$FIX_HOSTPAGES_VM"
		rm "$VM/$f"
		ln -s "$VM/nowhere" "$VM/$f"
		run expect_bad s2summ.sh "$VM" "*"
		[ "$status" -eq 0 ]
		copy_vm "$FIX_HOSTPAGES_VM"
		rm "$VM/$f"
		ln -s "$VM/$f" "$VM/$f" # a loop
		run expect_bad s2summ.sh "$VM" "*"
		[ "$status" -eq 0 ]
	done
	copy_vm "$FIX_HOSTPAGES_VM"
	rm "$VM/memslots"
	ln -s "$VM/nowhere" "$VM/memslots"
	expect_bad s2summ.sh "$VM" "s2summ.sh: cannot read $VM/memslots: a broken symbolic link, or a loop"
	copy_vm "$FIX_HOSTPAGES_VM"
	rm "$VM/s2/mapped_bytes"
	ln -s "$VM/nowhere" "$VM/s2/mapped_bytes"
	expect_bad s2summ.sh "$VM" "s2summ.sh: $VM/s2/mapped_bytes: empty: unreadable? are you root?"
	cp -r "$FIXTURES/host" "$BATS_TEST_TMPDIR/host"
	rm "$BATS_TEST_TMPDIR/host/s2/owner_hyp_bytes"
	ln -s nowhere "$BATS_TEST_TMPDIR/host/s2/owner_hyp_bytes"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/host" "*/host/s2/owner_hyp_bytes: empty: unreadable? *"
}

@test "a ranges file that is a broken link is rejected as one, not as missing" {
	ln -s "$BATS_TEST_TMPDIR/nowhere" "$BATS_TEST_TMPDIR/ranges"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/ranges" "s2summ.sh: cannot read $BATS_TEST_TMPDIR/ranges: a broken symbolic link, or a loop"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/ranges" "s2owner.sh: cannot read $BATS_TEST_TMPDIR/ranges: a broken symbolic link, or a loop"
}

@test "a lone ranges file that ends below one 4K page is rejected: 0x1 is no 0-bit IPA space" {
	echo '0x0000000000000000-0x0000000000000001 1B 1 invalid --- -' >"$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" \
		"s2summ.sh: $BATS_TEST_TMPDIR/r: line 1: the ranges stop at 0x0000000000000001, less than one 4K page: no IPA space is so small; truncated file?"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/r" "*line 1: the ranges stop at 0x0000000000000001, less than one 4K page*"
	echo '0x0000000000000000-0x0000000000000800 2K 1 invalid --- -' >"$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" "*line 1: the ranges stop at 0x0000000000000800, less than one 4K page*"
	echo '0x0000000000000000-0x0000000000001000 4K 3 invalid --- -' >"$BATS_TEST_TMPDIR/r"
	expect_status_out 0 s2summ.sh "$BATS_TEST_TMPDIR/r"
	[[ "$output" == *$'\nIPA space:          4K (12 bits)\n'* ]]
}

@test "an ipa_bits below 12 (less than a page) is rejected, naming the file; 12 (one page) is read" {
	copy_vm "$FIX_HOSTPAGES_VM"
	echo 11 >"$VM/s2/ipa_bits"
	expect_bad s2summ.sh "$VM" "s2summ.sh: $VM/s2/ipa_bits: 11 is not between 12 and 52"
	mkdir -p "$BATS_TEST_TMPDIR/vm12/s2"
	echo 12 >"$BATS_TEST_TMPDIR/vm12/s2/ipa_bits"
	echo '0x0000000000000000-0x0000000000001000 4K 3 invalid --- -' >"$BATS_TEST_TMPDIR/vm12/s2/ranges"
	expect_status_out 0 s2summ.sh "$BATS_TEST_TMPDIR/vm12"
	[[ "$output" == *$'\nIPA space:          4K (12 bits)\n'* ]]
}

@test "owner=borrowed, owner=unmapped and owner=idN in the input are rejected, not merged into the tool's own rows" {
	local o
	for o in borrowed unmapped id7; do
		{ small_ranges | sed "1s/\$/ owner=$o/"; } >"$BATS_TEST_TMPDIR/r"
		expect_bad s2owner.sh "$BATS_TEST_TMPDIR/r" \
			"s2owner.sh: $BATS_TEST_TMPDIR/r: line 1: owner=$o: a name s2owner.sh gives its own rows, not one the kernel gives an owner"
	done
	{ small_ranges | sed "1s/\$/ owner=borrowedx/"; } >"$BATS_TEST_TMPDIR/r"
	expect_status_out 0 s2owner.sh "$BATS_TEST_TMPDIR/r"
	[[ "$output" == *$'\nborrowedx                1G   25.0%   99.8%        1\n'* ]]
}

# sw_ranges FILE [AWK-EDIT]: a 32-bit lone ranges file: a 2G hole, 300 4K
# pages alternately rw- and r--, each with its own sw= (line 2 sw=0x2, ...),
# a hole up to 4G; AWK-EDIT (with L = 200) changes lines on the way
sw_ranges() {
	awk 'BEGIN {
		print "0x0000000000000000-0x0000000080000000 2G 1 invalid --- -"
		for (i = 0; i < 300; i++)
			printf "0x00000000%05x000-0x00000000%05x000 4K 3 page %s normal af=1 sw=0x%x\n",
			    524288 + i, 524289 + i, i % 2 ? "r--" : "rw-", i + 2
		printf "0x00000000%05x000-0x0000000100000000 %dK 2 invalid --- -\n", 524588, (1048576 - 524588) * 4
	}' | awk -v L=200 "${2:-1}" >"$1"
}

@test "lines that differ only in their sw= value go the quick way, and are checked as the full way checks them" {
	local r=$BATS_TEST_TMPDIR/r sh what edit words
	sw_ranges "$r"
	for sh in $S2_SHELLS; do
		same_both_ways "$sh" -n 0 "$r"
		[ "$status" -eq 0 ]
		[[ "$output" == *$'\nranges:             302 (300 mapped, in 1 contiguous run)\n'* ]]
	done
	while IFS='|' read -r what edit words; do
		sw_ranges "$r" "$edit"
		for sh in $S2_SHELLS; do
			same_both_ways "$sh" -n 0 "$r"
			echo "$what: $stderr"
			[ "$status" -eq 2 ]
			[[ "$stderr" == "s2summ.sh: $r: line $words"* ]]
		done
	done <<'EOF2'
a bad hex digit|NR == L { sub(/sw=0x/, "sw=0xg") } 1|200: bad sw=0xgc8
no digits|NR == L { sub(/sw=0x.*/, "sw=0x") } 1|200: bad sw=0x:
no value|NR == L { sub(/sw=0x.*/, "sw=") } 1|200: bad field "sw="
upper-case X|NR == L { sub(/sw=0x/, "sw=0X") } 1|200: bad sw=0Xc8
upper-case digits|NR == L { sub(/sw=0xc8/, "sw=0xC8") } 1|200: bad sw=0xC8
a bad byte after good digits|NR == L { $0 = $0 "g" } 1|200: bad sw=0xc8g
upper-case digits after lower-case ones|NR == L { $0 = $0 "A" } 1|200: bad sw=0xc8A
a gap of a size seen before, the sw value the last end's digits|NR == 100 { split($1, a, "-"); next } NR == 101 { split($1, b, "-"); $1 = a[1] "-" b[2]; $2 = "8K"; print; next } NR == L { printf "0x00000000%05x000-0x00000000%05x000 8K 3 page r-- normal af=1 sw=0x00000000%05x000\n", 524288 + 199, 524288 + 200, 524288 + 198; next } 1|199: gap: range starts at 0x00000000800c7000
EOF2
	sw_ranges "$r" 'NR == L { $0 = $0 " sw=0x1" } 1'
	for sh in $S2_SHELLS; do
		same_both_ways "$sh" -n 0 "$r"
		[ "$status" -eq 0 ]
	done
}

