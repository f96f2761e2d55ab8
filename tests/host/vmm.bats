#!/usr/bin/env bats
#
# vmm.bats - the toolkit on the layouts a real VMM makes
# (tests/fixtures/vmm, see tests/fixtures/README): VMs mapped by blocks
# alone, whose first mapped range is a block, in the three granules; and
# QEMU's virt board (two 64M flash slots, a 4K slot, RAM at 1G on THP), whose
# small slots can never hold the block their window would be, hand-made and
# captured from Debian's QEMU in the test image. Under every userland of
# scripts-helpers.bash. Run: bats tests/host

load scripts-helpers

# Prometheus' own linter (tools/install-deps.sh unpacks it from Debian's
# prometheus package)
PROMTOOL=${S2VIEW_PROMTOOL:-${XDG_CACHE_HOME:-$HOME/.cache}/s2view/promtool/promtool}

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

@test "QEMU's 2M blocks in a RAM slot smaller than 1G are slot-edge under WHY 2M BLOCKS, not misaligned, though the host address is off 1G" {
	local d=$S2VIEW_SYSFS/$FIX_QEMU_512M_VM ram sh vm
	ram=$(slot_bytes "$d" "$FIX_QEMU_RAM_SLOT" 2)
	[ "$ram" -gt 0 ]
	# (the host address is misaligned modulo 1G: the cause tried before
	# would have been misaligned)
	[ $(($(awk -v s="slot=$FIX_QEMU_RAM_SLOT" '$3 == s { sub(/hva=/, "", $5); print $5 }' "$d/memslots") % (1 << 30))) -ne 0 ]
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh --prom "$FIX_QEMU_512M_VM"
		[ "$status" -eq 0 ]
		[ "$(causes "$FIX_QEMU_512M_VM" s2view_l2_block_bytes_by_cause)" = "$(want slot-edge="$ram")" ]
		[ "$(causes "$FIX_QEMU_512M_VM" s2view_l2_block_bytes_by_cause)" = "$(why_here "$d" 4096 2 | sed 's/ outside.*//')" ]
		s2 "$sh" s2summ.sh "$FIX_QEMU_512M_VM"
		[[ "$output" == *$'\nslot-edge           512M  100.0%  the 1G window is not all inside the slot\n'* ]]
		[[ "$output" == *$'\nmisaligned             0    0.0%  guest and host addresses differ modulo 1G\n'* ]]
	done
	# the THP demo VM (s2vm -b thp -m 16M, a live capture) likewise: its 16M
	d=tests/fixtures/slots-live/vm4
	for sh in $S2_SHELLS; do
		S2VIEW_SYSFS=tests/fixtures/slots-live s2 "$sh" s2summ.sh --prom vm4
		[ "$status" -eq 0 ]
		[ "$(causes vm4 s2view_l2_block_bytes_by_cause)" = "$(want slot-edge=$((16 << 20)))" ]
	done
}

@test "a page of QEMU's 4K slot is slot-edge, not misaligned: no 2M block fits a 4K slot, however its host address lies" {
	local d=$S2VIEW_SYSFS/$FIX_QEMU_512M_VM small flash sh
	small=$(slot_bytes "$d" "$FIX_QEMU_SMALL_SLOT" 3)
	flash=$(slot_bytes "$d" 0 3)
	[ "$small" = 4096 ]
	[ "$flash" -gt 0 ]
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh --prom "$FIX_QEMU_512M_VM"
		[ "$status" -eq 0 ]
		# flash 0: a 64M slot, aligned: its pages are the host's
		[ "$(causes "$FIX_QEMU_512M_VM")" = "$(want slot-edge="$small" host-pages="$flash")" ]
		[ "$(causes "$FIX_QEMU_512M_VM")" = "$(why_here "$d" 4096 | sed 's/ outside.*//')" ]
	done
}

@test "QEMU's 2M blocks in 2G of RAM at 1G are misaligned when the host address is off 1G, dirty-log when aligned and logging" {
	local sh vm d
	for vm in "$FIX_QEMU_MISALIGNED_VM" "$FIX_QEMU_DIRTY_VM"; do
		d=$S2VIEW_SYSFS/$vm
		for sh in $S2_SHELLS; do
			s2 "$sh" s2summ.sh --prom "$vm"
			[ "$status" -eq 0 ]
			[ "$(causes "$vm" s2view_l2_block_bytes_by_cause)" = "$(why_here "$d" 4096 2 | sed 's/ outside.*//')" ]
			[ "$(causes "$vm")" = "$(why_here "$d" 4096 | sed 's/ outside.*//')" ]
		done
	done
	ram=$(slot_bytes "$S2VIEW_SYSFS/$FIX_QEMU_MISALIGNED_VM" "$FIX_QEMU_RAM_SLOT" 2)
	s2 dash s2summ.sh --prom "$FIX_QEMU_MISALIGNED_VM"
	[ "$(causes "$FIX_QEMU_MISALIGNED_VM" s2view_l2_block_bytes_by_cause)" = "$(want misaligned="$ram")" ]
	d=$S2VIEW_SYSFS/$FIX_QEMU_DIRTY_VM
	s2 dash s2summ.sh --prom "$FIX_QEMU_DIRTY_VM"
	[ "$(causes "$FIX_QEMU_DIRTY_VM" s2view_l2_block_bytes_by_cause)" = "$(want dirty-log="$(slot_bytes "$d" "$FIX_QEMU_RAM_SLOT" 2)")" ]
	[ "$(causes "$FIX_QEMU_DIRTY_VM")" = "$(want dirty-log="$(slot_bytes "$d" "$FIX_QEMU_RAM_SLOT" 3)")" ]
}

@test "the WHY tables list the causes in the order they are tried: slot-edge, misaligned, dirty-log, host-pages" {
	local sh
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh "$FIX_QEMU_512M_VM"
		[ "$status" -eq 0 ]
		[ "$(printf '%s\n' "$output" | awk '/^WHY /{ w = 1; next } w && NF == 0 { w = 0; printf "|" } w { printf "%s ", $1 }')" = \
			"slot-edge misaligned dirty-log host-pages |slot-edge misaligned dirty-log host-pages |" ]
		s2 "$sh" s2summ.sh --prom "$FIX_QEMU_512M_VM"
		[ "$(printf '%s\n' "$output" | sed -n 's/^s2view_page_bytes_by_cause{.*cause="\([^"]*\)"}.*/\1/p' | tr '\n' ' ')" = \
			"slot-edge misaligned dirty-log host-pages " ]
	done
}

@test "every QEMU VM reads with no ? and exit status 0, its memslots matching its ranges" {
	local sh vm page
	for vm in $FIX_QEMU_VMS; do
		read -r page _ <<<"${FIX_VMM_SIZES[$vm]}"
		for sh in $S2_SHELLS; do
			s2 "$sh" s2summ.sh "$vm"
			[ "$status" -eq 0 ]
			[ -z "$stderr" ]
			[[ "$output" != *"?"* ]]
			[[ "$output" == *", $page granule)"* ]]
			s2 "$sh" s2summ.sh --prom "$vm"
			[ "$(metric "s2view_outside_slot_bytes{vm=\"$vm\"}")" = 0 ]
		done
	done
}

@test "QEMU's own VMs, captured: s2summ.sh names the virt board's slots with their flags and gives the kernel's counts" {
	local sh vm d page block slots
	for vm in $FIX_QEMU_CAPTURED_VMS; do
		d=$S2VIEW_SYSFS/$vm
		read -r page block _ <<<"${FIX_VMM_SIZES[$vm]}"
		# (what the capture is: the virt board's four slots, in memslots'
		# order, the steal-time slot a host page)
		slots=$(awk '{ sub(/slot=/, "", $3); sub(/flags=/, "", $6); print $3, $2, $6 }' "$d/memslots" | xargs)
		[[ "$slots" == "0 64M readonly 1 64M readonly 3 $page - 2 "*" -" ]]
		for sh in $S2_SHELLS; do
			s2 "$sh" s2summ.sh "$vm"
			echo "$vm $sh: status $status, stderr: $stderr"
			[ "$status" -eq 0 ]
			[[ "$output" != *"?"* ]]
			[[ "$output" == *"mapped:"*"($(cat "$d/s2/mapped_bytes") bytes,"* ]]
			[ "$(row l3 page)" = "$page $(cat "$d/s2/pages_l3")" ]
			[ "$(row l2 block)" = "$block $(cat "$d/s2/blocks_l2")" ]
			# SLOT  GUEST RANGE  SIZE  MAPPED  %SLOT  BLOCKS  %MAPPED  FLAGS
			[ "$(printf '%s\n' "$output" | awk '$2 ~ /^0x[0-9a-f]+-0x/ && NF == 8 { print $1, $3, $8 }' | xargs)" = "$slots" ]
		done
	done
	# vm8: a page of flash and 2049 pages of RAM, all host-pages (THP was off)
	s2 dash s2summ.sh --prom vm8
	[ "$(metric 's2view_slot_bytes{vm="vm8",slot="0",kind="mapped"}')" = 4096 ]
	[ "$(causes vm8)" = "$(want host-pages=$((2050 * 4096)))" ]
}

@test "QEMU's base-page VMs: host-pages on 4K; misaligned on 16K, QEMU aligning its RAM to 2M only; slot-edge on 64K, 128M being less than a block" {
	local sh vm d page g ram flash cause
	for vm in $FIX_QEMU_CAPTURED_PAGES_VMS; do
		d=$S2VIEW_SYSFS/$vm
		read -r page _ <<<"${FIX_VMM_SIZES[$vm]}"
		g=$(bytes "$page")
		ram=$(slot_bytes "$d" 2 3)
		flash=$(slot_bytes "$d" 0 3)
		# (what the capture is: pages only, of flash 0 and RAM)
		[ "$(cat "$d/s2/blocks_l2")" = 0 ]
		[ $((ram + flash)) = "$(cat "$d/s2/mapped_bytes")" ]
		for sh in $S2_SHELLS; do
			s2 "$sh" s2summ.sh --prom "$vm"
			[ "$status" -eq 0 ]
			[ "$(causes "$vm")" = "$(why_here "$d" "$g" | sed 's/ outside.*//')" ]
			case $page in
			4K) cause=host-pages ;;
			16K) cause=misaligned ;;
			64K) cause=slot-edge ;;
			esac
			[ "$(causes "$vm")" = "$(want $cause=$((ram + flash)))" ]
		done
	done
}

@test "Prometheus' own linter accepts --prom of every fixture VM, QEMU's on 4K, 16K and 64K pages among them, and of the host" {
	local sh set
	[ -x "$PROMTOOL" ] || { echo "no $PROMTOOL: run tools/install-deps.sh" >&2; return 1; }
	for sh in $S2_SHELLS; do
		for set in tests/fixtures tests/fixtures/vmm tests/fixtures/granule-16k \
			tests/fixtures/granule-64k tests/fixtures/slots-live tests/fixtures/numbers; do
			S2VIEW_SYSFS=$set s2 "$sh" s2summ.sh --prom all
			[ "$status" -eq 0 ]
			[[ "$output" == *'s2view_ranges{vm="vm'* ]]
			printf '%s\n' "$output" | "$PROMTOOL" check metrics
		done
		S2VIEW_SYSFS=tests/fixtures s2 "$sh" s2owner.sh --prom
		[ "$status" -eq 0 ]
		[[ "$output" == *s2view_host_mapped_bytes* ]]
		printf '%s\n' "$output" | "$PROMTOOL" check metrics
	done
}
