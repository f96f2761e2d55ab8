#!/usr/bin/env bats
#
# granules.bats - the toolkit on captures from 16K- and 64K-page kernels
# (tests/fixtures/granule-16k, granule-64k; see tests/fixtures/README): the
# granule, the page and block sizes come from the ranges themselves, and
# the counts are the kernel's. Run: bats tests/host

load scripts-helpers

setup() {
	cd "$ROOT"
	unset S2VIEW_HEX
}

# each_granule_vm CHECK: for every granule capture ($g, its sizes in
# $page, $block, $l1), every VM of it ($vm, its dir $d) and every userland,
# s2summ.sh VM exits 0 with nothing on stderr, then CHECK checks the run
each_granule_vm() {
	local check=$1 g sh vm
	shift
	for g in $FIX_GRANULES; do
		read -r page block l1 <<<"${FIX_GRANULE_SIZES[$g]}"
		export S2VIEW_SYSFS=tests/fixtures/granule-$g
		for vm in $FIX_GRANULE_VMS; do
			d=$S2VIEW_SYSFS/$vm/s2
			for sh in $S2_SHELLS; do
				s2 "$sh" s2summ.sh "$@" "$vm"
				echo "$g $vm $sh: status $status, stderr: $stderr"
				[ "$status" -eq 0 ]
				[ -z "$stderr" ]
				"$check"
			done
		done
	done
}

# row LEVEL TYPE: the level table's row of $output ("l3 page 16K 16 ...")
# as "SIZE COUNT"
row() {
	printf '%s\n' "$output" | awk -v l="$1" -v t="$2" '$1 == l && $2 == t { print $3, $4 }'
}

names_granule() {
	[[ "$output" == *" $page granule)"* ]]
	[ "$(row l3 page)" = "$page $(cat "$d/pages_l3")" ]
	[ "$(row l2 block)" = "$block $(cat "$d/blocks_l2")" ]
	# no level-1 blocks with 16K or 64K pages
	[ "$(row l1 block)" = "$l1 0" ]
	[ "$(cat "$d/blocks_l1")" = 0 ]
}

@test "16K and 64K captures: the summary names the granule and sizes each level by it, with the kernel's counts" {
	each_granule_vm names_granule
}

prom_bytes() {
	local v=vm=\"$vm\" p b
	p=$(bytes "$page") b=$(bytes "$block")
	[ "$(metric "s2view_bytes{$v,level=\"3\",type=\"page\"}")" = $(($(cat "$d/pages_l3") * p)) ]
	[ "$(metric "s2view_bytes{$v,level=\"2\",type=\"block\"}")" = $(($(cat "$d/blocks_l2") * b)) ]
	[ "$(metric "s2view_mapped_bytes{$v}")" = "$(cat "$d/mapped_bytes")" ]
	[ "$(metric "s2view_table_pages{$v}")" = "$(cat "$d/table_pages")" ]
}

@test "16K and 64K captures: --prom bytes per level are the kernel's counts times the granule's entry sizes" {
	each_granule_vm prom_bytes --prom
}

@test "a THP VM on 16K and 64K pages is in level-2 blocks of 32M and 512M" {
	local g
	for g in $FIX_GRANULES; do
		read -r page block l1 <<<"${FIX_GRANULE_SIZES[$g]}"
		d=tests/fixtures/granule-$g/$FIX_GRANULE_THP_VM/s2
		[ "$(cat "$d/blocks_l2")" = 2 ]
		S2VIEW_SYSFS=tests/fixtures/granule-$g s2 dash s2summ.sh "$FIX_GRANULE_THP_VM"
		[ "$(row l2 block)" = "$block 2" ]
		# (all but the control slot's page)
		[[ "$output" == *"huge-page coverage: >99.9% of mapped bytes are in blocks"* ]]
	done
}

@test "dirty logging on 16K and 64K pages leaves base pages of the granule, alternately rw- and r--" {
	local g
	for g in $FIX_GRANULES; do
		read -r page block l1 <<<"${FIX_GRANULE_SIZES[$g]}"
		d=tests/fixtures/granule-$g/$FIX_GRANULE_FRAG_VM/s2
		# the data slot: the valid ranges from 0x80000000
		awk -v p="$page" '$1 ~ /^0x0000000080/ && $4 == "page" {
			n++; if ($3 != 3 || $2 != p || $5 != (n % 2 ? "rw-" : "r--")) bad++ }
			END { print n + 0, bad + 0 }' "$d/ranges" >"$BATS_TEST_TMPDIR/got"
		echo "$g: $(cat "$BATS_TEST_TMPDIR/got")"
		[ "$(cat "$BATS_TEST_TMPDIR/got")" = "32 0" ]
	done
}

@test "the pKVM host view on 16K and 64K pages: owners add up to the PA space, hyp owns at least the boot carve-out" {
	local g sh sum carve
	for g in $FIX_GRANULES; do
		for sh in $S2_SHELLS; do
			S2VIEW_SYSFS=tests/fixtures/granule-$g s2 "$sh" s2owner.sh --prom
			[ "$status" -eq 0 ]
			sum=$(printf '%s\n' "$output" | awk -F' ' '/^s2view_owner_bytes\{/ { s += $2 } END { printf "%.0f\n", s }')
			[ "$sum" = "$(printf '%s\n' "$output" | awk '$1 == "s2view_host_ipa_bytes" { print $2 }')" ]
			carve=$(bytes "${FIX_GRANULE_CARVEOUT[$g]}")
			[ "$(printf '%s\n' "$output" | awk '$1 == "s2view_owner_bytes{owner=\"hyp\"}" { print $2 }')" -ge "$carve" ]
		done
	done
}

@test "on 64K pages, the pages of a slot that holds a whole 512M window are under host-pages, not slot-edge" {
	local d=$BATS_TEST_TMPDIR/g64/vm1 sh
	mkdir -p "$d/s2"
	echo 40 >"$d/s2/ipa_bits"
	echo 2 >"$d/s2/start_level"
	# 16 64K pages at 1G, the start of a 1G slot (two 512M windows, host
	# address aligned to them), nothing else mapped
	awk "$RANGE_AWK"'
	BEGIN {
		M = 1048576; G = 1024 * M; K = 65536
		r(0, G, "2 invalid --- -")
		for (i = 0; i < 16; i++)
			r(G + i * K, G + (i + 1) * K, "3 page rw- normal af=1")
		r(G + 16 * K, G + 512 * M, "3 invalid --- -")
		r(G + 512 * M, 1024 * G, "2 invalid --- -")
	}' >"$d/s2/ranges"
	echo "0x0000000040000000-0x0000000080000000 1G slot=0 as=0 hva=0x0000ffff80000000 flags=-" >"$d/memslots"
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh "$d"
		[ "$status" -eq 0 ]
		[[ "$output" == *$'\nslot-edge              0    0.0%  the 512M window is not all inside the slot\n'* ]]
		[[ "$output" == *$'\nhost-pages            1M  100.0%  host memory not a 512M page when faulted, or split since\n'* ]]
	done
}
