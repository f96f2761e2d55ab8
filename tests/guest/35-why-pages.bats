#!/usr/bin/env bats
# Why is a VM on pages? s2summ.sh's causes, each made on purpose with the
# launcher, checked in bytes against the layout the launcher guarantees.
#
# Every VM has the control slot (64K at 0x10000000, two pages mapped): its
# 2M window does not fit in the slot, so 2 pages of slot-edge come with each.

load lib

setup_file() {
	echo 8 >/proc/sys/vm/nr_hugepages
}

CONTROL_PAGE_BYTES=$((2 * PAGE))

# causes VM: page bytes by cause, "dirty-log misaligned slot-edge host-pages"
causes() {
	local c line=
	prom "$1" || return 1
	for c in dirty-log misaligned slot-edge host-pages; do
		line="$line${line:+ }$(metric "s2view_page_bytes_by_cause{vm=\"$1\",cause=\"$c\"}")" || return 1
	done
	echo "$line"
}

@test "a THP slot whose host address is one page off 2M alignment is all misaligned" {
	start_vm -b thp -o 4K -m 16M
	[ "$(cat "$VM_DIR/s2/blocks_l2")" -eq 0 ]
	[ "$(causes "$VM")" = "0 $((16 << 20)) $CONTROL_PAGE_BYTES 0" ]
}

@test "a THP slot logging dirty pages is all dirty-log" {
	start_vm -b thp -d -m 4M
	[ "$(causes "$VM")" = "$((4 << 20)) 0 $CONTROL_PAGE_BYTES 0" ]
}

@test "a 3M THP slot: its first 2M is a block, its 1M tail slot-edge" {
	start_vm -b thp -s 0x80000000:3M
	[ "$(cat "$VM_DIR/s2/blocks_l2")" -eq 1 ]
	[ "$(causes "$VM")" = "0 0 $(((1 << 20) + CONTROL_PAGE_BYTES)) 0" ]
}

@test "a slot of plain 4K host memory, THP off for it, is all host-pages" {
	start_vm -b 4k -m 16M
	[ "$(causes "$VM")" = "0 0 $CONTROL_PAGE_BYTES $((16 << 20))" ]
}

@test "a well-aligned THP slot has no page bytes: all 2M blocks" {
	start_vm -b thp -m 16M
	[ "$(cat "$VM_DIR/s2/blocks_l2")" -eq 8 ]
	[ "$(causes "$VM")" = "0 0 $CONTROL_PAGE_BYTES 0" ]
	prom "$VM"
	[ "$(metric "s2view_slot_bytes{vm=\"$VM\",slot=\"0\",kind=\"blocks\"}")" -eq $((16 << 20)) ]
}

@test "the text summary says why, in bytes, next to the slot table" {
	start_vm -b thp -o 4K -m 16M
	s2summ.sh "$VM" >"$BATS_TEST_TMPDIR/out"
	# The WHY PAGES section only: WHY 2M BLOCKS has a misaligned row too.
	sed -n '/^WHY PAGES /,/^$/p' "$BATS_TEST_TMPDIR/out" >"$BATS_TEST_TMPDIR/why"
	grep -Eq '^misaligned +16M ' "$BATS_TEST_TMPDIR/why"
	grep -Eq '^0 +0x0000000080000000-0x0000000081000000 +16M +16M +100\.0% ' "$BATS_TEST_TMPDIR/out"
}
