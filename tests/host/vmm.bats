#!/usr/bin/env bats
#
# vmm.bats - the toolkit on the layouts a real VMM makes
# (tests/fixtures/vmm, see tests/fixtures/README): VMs mapped by blocks
# alone, whose first mapped range is a block, in the three granules. Under
# every userland of scripts-helpers.bash. Run: bats tests/host

load scripts-helpers

setup() {
	cd "$ROOT"
	unset S2VIEW_HEX S2VIEW_QUICK
	export S2VIEW_SYSFS=tests/fixtures/vmm
}

# row LEVEL TYPE: the level table's row of $output ("l2 block 2M 8 ...") as
# "SIZE COUNT"
row() {
	printf '%s\n' "$output" | awk -v l="$1" -v t="$2" '$1 == l && $2 == t { print $3, $4 }'
}

@test "a VM with memslots whose first mapped range is a block keeps its granule: all-block VMs of 4K, 16K and 64K pages" {
	local vm sh d page block l1 alone
	for vm in $FIX_VMM_ALLBLOCK_VMS; do
		read -r page block l1 <<<"${FIX_VMM_SIZES[$vm]}"
		d=$S2VIEW_SYSFS/$vm
		# (what the fixture is: memslots, no page, blocks first)
		[ -f "$d/memslots" ]
		[ "$(cat "$d/s2/pages_l3")" = 0 ]
		[ "$(awk '$4 != "invalid" { print $4; exit }' "$d/s2/ranges")" = block ]
		for sh in $S2_SHELLS; do
			s2 "$sh" s2summ.sh "$vm"
			echo "$vm $sh: status $status, stderr: $stderr"
			[ "$status" -eq 0 ]
			[ -z "$stderr" ]
			[[ "$output" != *"?"* ]]
			[[ "$output" == *" $page granule)"* ]]
			[[ "$output" == *$'\ntable pages:        '"$(cat "$d/s2/table_pages") ("* ]]
			[ "$(row l3 page)" = "$page 0" ]
			[ "$(row l2 block)" = "$block $(cat "$d/s2/blocks_l2")" ]
			[ "$(row l1 block)" = "$l1 0" ]
			[[ "$output" == *$'\nWHY PAGES          BYTES  %PAGES  '"$page pages, by the first reason their $block window is not a block"$'\n'* ]]
			# the level table of the same ranges read alone
			s2 "$sh" s2summ.sh "$d/s2/ranges"
			alone=$(printf '%s\n' "$output" | sed -n '/^LEVEL/,/^$/p')
			s2 "$sh" s2summ.sh "$vm"
			[ "$(printf '%s\n' "$output" | sed -n '/^LEVEL/,/^$/p')" = "$alone" ]
			s2 "$sh" s2summ.sh --prom "$vm"
			[ "$status" -eq 0 ]
			[ "$(metric "s2view_entries{vm=\"$vm\",level=\"2\",type=\"block\"}")" = "$(cat "$d/s2/blocks_l2")" ]
			[ "$(metric "s2view_entries{vm=\"$vm\",level=\"3\",type=\"page\"}")" = 0 ]
			[ "$(causes "$vm")" = "$(want)" ]
			if [ "$page" = 4K ]; then
				[ "$(causes "$vm" s2view_l2_block_bytes_by_cause)" = "$(why_here "$d" 4096 2 | sed 's/ outside.*//')" ]
			fi
		done
	done
}
