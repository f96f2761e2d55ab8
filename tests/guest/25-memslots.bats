#!/usr/bin/env bats
# /sys/kernel/kvm/vmN/memslots: the launcher's memslots, as it made them.

load lib

# The memslots file with each hva= replaced by "hva=H": the rest is known.
memslots_without_hva() {
	sed 's/ hva=0x[0-9a-f]\{16\} / hva=H /' "$VM_DIR/memslots"
}

@test "memslots lists every slot in ascending guest address order, with its range, size, id and flags" {
	start_vm -s 0x80400000:3M -s 0x80000000:2M -t none
	memslots_without_hva >"$BATS_TEST_TMPDIR/got"
	diff - "$BATS_TEST_TMPDIR/got" <<-EOF
	0x0000000010000000-0x0000000010010000 64K slot=8 as=0 hva=H flags=-
	0x0000000080000000-0x0000000080200000 2M slot=1 as=0 hva=H flags=-
	0x0000000080400000-0x0000000080700000 3M slot=0 as=0 hva=H flags=-
	EOF
}

@test "each slot's hva is the VMM's own mapping of that slot" {
	start_vm -s 0x80400000:3M -s 0x80000000:2M -b thp -t none
	# Every slot must lie inside one mapping of the launcher.
	slots_in_vmm_maps "$VM_PID" 3
}

@test "a slot logging dirty pages says flags=dirty-log, the control slot flags=-" {
	start_vm -d -m 2M -t first:1
	memslots_without_hva >"$BATS_TEST_TMPDIR/got"
	diff - "$BATS_TEST_TMPDIR/got" <<-EOF
	0x0000000010000000-0x0000000010010000 64K slot=8 as=0 hva=H flags=-
	0x0000000080000000-0x0000000080200000 2M slot=0 as=0 hva=H flags=dirty-log
	EOF
}

@test "memslots read one byte at a time is the same as in one read" {
	start_vm -s 0x80000000:64K -s 0x80100000:64K -s 0x80200000:64K \
		-s 0x80300000:64K -s 0x80400000:64K -s 0x80500000:64K \
		-s 0x80600000:64K -s 0x80700000:64K -t none
	cat "$VM_DIR/memslots" >"$BATS_TEST_TMPDIR/whole"
	dd if="$VM_DIR/memslots" of="$BATS_TEST_TMPDIR/bytes" bs=1 2>/dev/null
	[ "$(wc -l <"$BATS_TEST_TMPDIR/whole")" -eq 9 ]
	cmp "$BATS_TEST_TMPDIR/whole" "$BATS_TEST_TMPDIR/bytes"
}

@test "an open memslots file does not keep the VM: the VM goes, the open file reads nothing more" {
	start_vm -m 64K -t none
	exec 5<"$VM_DIR/memslots"
	stop_vm "$VM_PID"
	for _ in $(seq 50); do
		[ -e "$VM_DIR" ] || break
		sleep 0.1
	done
	[ ! -e "$VM_DIR" ]
	run cat <&5
	exec 5<&-
	[ "$status" -ne 0 ]
	[ -z "$output" ] || [[ "$output" == *"No such device"* ]]
}
