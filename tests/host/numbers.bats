#!/usr/bin/env bats
#
# numbers.bats - every number the toolkit prints, on tests/fixtures/numbers
# (a VM and a host whose numbers all differ; worked out by hand in its
# README), byte for byte under every userland. Run: bats tests/host

load scripts-helpers

setup() {
	cd "$ROOT"
	export S2VIEW_SYSFS=tests/fixtures/numbers
	unset S2VIEW_HEX
	EXPECTED=tests/fixtures/numbers/expected
}

# same TOOL EXPECTED ARGS...: under every userland, status 0, nothing on
# stderr, and stdout is the file EXPECTED
same() {
	local tool=$1 want=$2 sh
	shift 2
	for sh in $S2_SHELLS; do
		s2 "$sh" "$tool" "$@"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		diff -u "$EXPECTED/$want" <(printf '%s\n' "$output")
	done
}

@test "s2summ.sh prints the hand-computed summary of a VM with blocks at levels 1 and 2" {
	same s2summ.sh s2summ.txt vm7
}

@test "s2summ.sh --prom prints the hand-computed gauges" {
	same s2summ.sh s2summ.prom --prom vm7
}

@test "s2summ.sh --map draws blocks as B and partly mapped slots as M where the README says" {
	same s2summ.sh s2summ.map --map vm7
}

@test "a lone ranges file gives the same numbers from the ranges alone, and -n beyond the mapped ranges lists all of them" {
	same s2summ.sh s2summ-ranges.txt -n 9 tests/fixtures/numbers/vm7/s2/ranges
}

@test "options may follow the VM name" {
	same s2summ.sh s2summ.prom vm7 --prom
	same s2summ.sh s2summ-ranges.txt tests/fixtures/numbers/vm7/s2/ranges -n 9
}

@test "s2owner.sh prints the hand-computed owners, states and hyp runs" {
	same s2owner.sh s2owner.txt
	same s2owner.sh s2owner.prom --prom
	same s2owner.sh s2owner.prom tests/fixtures/numbers/host --prom
}

@test "sizes are rounded only when the rounding shows: 16M+4K is 16.004M, not 16.00M" {
	cat >"$BATS_TEST_TMPDIR/r" <<'RANGES'
0x0000000000000000-0x0000000001001000 16388K 3 page rw- normal af=1
0x0000000001001000-0x0000000001200000 2044K 3 invalid --- -
0x0000000001200000-0x0000000040000000 1006M 2 invalid --- -
0x0000000040000000-0x0000000100000000 3G 1 invalid --- -
RANGES
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh "$BATS_TEST_TMPDIR/r"
		[ "$status" -eq 0 ]
		[[ "$output" == *$'\nmapped:             16.004M (16781312 bytes, 0.4% of the IPA space)\n'* ]]
		[[ "$output" == *$'\nranges:             4 (1 mapped, in 1 contiguous run)\n'* ]]
		[[ "$output" == *$'\nALL 1 MAPPED RANGES\n'* ]]
	done
}
