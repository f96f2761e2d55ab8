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

# ranges ENTRY...: a ranges file from address 0 on stdout, a line per
# ENTRY, each SIZE/LEVEL (an invalid range) or SIZE/LEVEL/PERMS[/KEY=VALUE]
# (valid: a page at level 3, else a block; normal af=1, then KEY=VALUE)
ranges() {
	local e a=0 n size lvl perms kv type
	for e in "$@"; do
		IFS=/ read -r size lvl perms kv <<<"$e"
		n=$(bytes "$size") || return 1
		printf '0x%016x-0x%016x %s %s ' "$a" $((a + n)) "$size" "$lvl"
		if [ -z "$perms" ]; then
			echo 'invalid --- -'
		else
			type=block
			[ "$lvl" != 3 ] || type=page
			echo "$type $perms normal af=1${kv:+ $kv}"
		fi
		a=$((a + n))
	done
}

# summ_says PATH LINE...: under every userland s2summ.sh PATH exits 0, and
# each LINE (or run of lines) stands whole in its output, between newlines
summ_says() {
	local path=$1 sh l
	shift
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh "$path"
		[ "$status" -eq 0 ]
		for l in "$@"; do
			[[ "$output" == *$'\n'"$l"$'\n'* ]]
		done
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

@test "s2summ.sh prints the hand-computed slot table and why pages of a VM with memslots, every cause its own number" {
	same s2summ.sh s2summ-vm8.txt vm8
}

@test "s2summ.sh --prom prints the hand-computed cause and slot gauges" {
	same s2summ.sh s2summ-vm8.prom --prom vm8
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
	ranges 16388K/3/rw- 2044K/3 1006M/2 3G/1 >"$BATS_TEST_TMPDIR/r"
	summ_says "$BATS_TEST_TMPDIR/r" \
		'mapped:             16.004M (16781312 bytes, 0.4% of the IPA space)' \
		'ranges:             4 (1 mapped, in 1 contiguous run)' \
		'ALL 1 MAPPED RANGES'
}

@test "a 16K-granule VM gets 16K pages and 32M blocks, counted in entries of those sizes" {
	ranges 32M/2/rw- 16K/3/r-- 32752K/3 65472M/2 64G/1 >"$BATS_TEST_TMPDIR/r"
	summ_says "$BATS_TEST_TMPDIR/r" \
		'IPA space:          128G (37 bits, 16K granule)' \
		'l3    page    16K          1        16K   <0.1%' \
		'l2    block   32M          1        32M  >99.9%' \
		'l1    block   64G          0          0    0.0%'
}

@test "two operands are a usage error, wherever the options are" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh vm7 --prom vm7
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[[ "$stderr" == *"one VM, path or - at most (got: vm7 vm7)"*"USAGE:"* ]]
		s2 "$sh" s2owner.sh - -n 3 -
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"one path or - at most"* ]]
	done
}

@test "-n takes a count with leading zeros as decimal (busybox awk would read 010 as octal)" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh -n 010 vm7
		[ "$status" -eq 0 ]
		[[ "$output" == *$'\nALL 6 MAPPED RANGES\n'* ]]
		s2 "$sh" s2summ.sh -n 03 vm7
		[ "$status" -eq 0 ]
		top=$(printf '%s\n' "$output" | sed -n '/^TOP 3 MAPPED RANGES$/,$p')
		[ "$(printf '%s\n' "$top" | wc -l)" -eq 4 ]
	done
}

@test "the table pages of a 16K-granule VM are 16K each, and equal byte counts are listed by name" {
	mkdir -p "$BATS_TEST_TMPDIR/vm9/s2"
	ranges 16K/3/rw- 16K/3/r-- 32736K/3 65504M/2 64G/1 >"$BATS_TEST_TMPDIR/vm9/s2/ranges"
	echo 3 >"$BATS_TEST_TMPDIR/vm9/s2/table_pages"
	summ_says "$BATS_TEST_TMPDIR/vm9" \
		'table pages:        3 (48K)' \
		$'r--              16K   50.0%        1\nrw-              16K   50.0%        1'
}

@test "an ipa_bits above 52 is rejected, naming the file" {
	cp -r tests/fixtures/numbers/vm7 "$BATS_TEST_TMPDIR/"
	echo 53 >"$BATS_TEST_TMPDIR/vm7/s2/ipa_bits"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/vm7" "*vm7/s2/ipa_bits: 53 is not between 12 and 52"
}

@test "s2owner.sh takes state= alone as a host stage-2 annotation (no note)" {
	ranges 4K/3/rw-/state=owned 2044K/3 1022M/2 3G/1 >"$BATS_TEST_TMPDIR/r"
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh "$BATS_TEST_TMPDIR/r"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
	done
}
