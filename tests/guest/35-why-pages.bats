#!/usr/bin/env bats
# Why is a VM on pages? s2summ.sh's causes, each made on purpose with the
# launcher, checked in bytes against the layout the launcher guarantees.
#
# Every VM has the control slot (64K at 0x10000000, its first 8K mapped: two
# 4K pages, or one larger page): its huge-page window does not fit in the
# slot, so those pages are slot-edge in each. Sizes are in pages and huge
# pages (PAGE, HUGE: 4K and 2M, 16K and 32M, 64K and 512M).

load lib

setup_file() {
	hugetlb_reserve
}

teardown_file() {
	hugetlb_release
}

CONTROL_PAGE_BYTES=$((CONTROL_PAGES * PAGE))

# size BYTES: as s2summ.sh prints a size of whole M or G
size() {
	if [ $(($1 % (1 << 30))) -eq 0 ]; then echo "$(($1 >> 30))G"; else echo "$(($1 >> 20))M"; fi
}

# causes VM: page bytes by cause, "dirty-log misaligned slot-edge host-pages"
causes() {
	local c line=
	prom "$1" || return 1
	for c in dirty-log misaligned slot-edge host-pages; do
		line="$line${line:+ }$(metric "s2view_page_bytes_by_cause{vm=\"$1\",cause=\"$c\"}")" || return 1
	done
	echo "$line"
}

@test "a THP slot whose host address is one page off huge-page alignment is all misaligned" {
	need_vm_tables
	scale_test
	start_vm -b thp -o $PAGE -m $((2 * HUGE))
	[ "$(cat "$VM_DIR/s2/blocks_l2")" -eq 0 ]
	[ "$(causes "$VM")" = "0 $((2 * HUGE)) $CONTROL_PAGE_BYTES 0" ]
}

@test "a THP slot logging dirty pages is all dirty-log" {
	need_vm_tables
	scale_test
	start_vm -b thp -d -m $((2 * HUGE))
	[ "$(causes "$VM")" = "$((2 * HUGE)) 0 $CONTROL_PAGE_BYTES 0" ]
}

@test "a THP slot of a huge page and a half (3M): its first huge page is a block, its tail slot-edge" {
	need_vm_tables
	scale_test
	start_vm -b thp -s 0x80000000:$((HUGE + HUGE / 2))
	[ "$(cat "$VM_DIR/s2/blocks_l2")" -eq 1 ]
	[ "$(causes "$VM")" = "0 0 $((HUGE / 2 + CONTROL_PAGE_BYTES)) 0" ]
}

@test "a slot of plain base-page host memory, THP off for it, is all host-pages" {
	need_vm_tables
	scale_test
	# (a slot smaller than a huge page would be slot-edge)
	start_vm -b 4k -m $((2 * HUGE))
	[ "$(causes "$VM")" = "0 0 $CONTROL_PAGE_BYTES $((2 * HUGE))" ]
}

@test "a well-aligned THP slot has no page bytes: all blocks" {
	need_vm_tables
	scale_test
	start_vm -b thp -m $((2 * HUGE))
	[ "$(cat "$VM_DIR/s2/blocks_l2")" -eq 2 ]
	[ "$(causes "$VM")" = "0 0 $CONTROL_PAGE_BYTES 0" ]
	prom "$VM"
	[ "$(metric "s2view_slot_bytes{vm=\"$VM\",slot=\"0\",kind=\"blocks\"}")" -eq $((2 * HUGE)) ]
}

@test "the text summary says why, in bytes, next to the slot table" {
	need_vm_tables
	scale_test
	local s
	s=$(size $((2 * HUGE)))
	start_vm -b thp -o $PAGE -m $((2 * HUGE))
	s2summ.sh "$VM" >"$BATS_TEST_TMPDIR/out"
	# The WHY PAGES section only: WHY <huge> BLOCKS has a misaligned row too.
	sed -n '/^WHY PAGES /,/^$/p' "$BATS_TEST_TMPDIR/out" >"$BATS_TEST_TMPDIR/why"
	grep -Eq "^misaligned +$s " "$BATS_TEST_TMPDIR/why"
	grep -Eq "^0 +0x0000000080000000-0x$(printf %016x $((0x80000000 + 2 * HUGE))) +$s +$s +100\\.0% " \
		"$BATS_TEST_TMPDIR/out"
}
