#!/usr/bin/env bats
# Under pKVM since 6.14 EL2 keeps every VM's stage-2, and the host kernel has
# no table of it: a VM's ranges and counters must fail with EOPNOTSUPP, never
# walk what the host keeps instead (pkvm_mappings, in a union with the table
# fields). Elsewhere 20-vm-ranges.bats and 22-stats.bats test these files.

load lib

setup() {
	vm_tables_at_el2 || skip "the host kernel keeps the VMs' stage-2 here"
}

@test "where EL2 keeps the VM's stage-2, ranges and every counter fail with EOPNOTSUPP" {
	start_vm -m 64K -t all
	for f in ranges blocks_l1 blocks_l2 pages_l3 table_pages mapped_bytes; do
		run cat "$VM_DIR/s2/$f"
		[ "$status" -ne 0 ] || { echo "$f: read: $output"; false; }
		[[ "$output" == *"Operation not supported"* ]] || { echo "$f: $output"; false; }
	done
}

@test "where EL2 keeps the VM's stage-2, pid, the geometry and memslots are still shown" {
	start_vm -m 64K -t all
	[ "$(cat "$VM_DIR/pid")" = "$VM_PID" ]
	bits=$(cat "$VM_DIR/s2/ipa_bits")
	[ "$bits" -ge 32 ] && [ "$bits" -le 52 ]
	level=$(cat "$VM_DIR/s2/start_level")
	[ "$level" -ge -1 ] && [ "$level" -le 2 ]
	grep -q "^0x0000000080000000-0x0000000080010000 64K slot=" "$VM_DIR/memslots"
}

@test "where EL2 keeps the VM's stage-2, KVM_GET_STATS_FD has the five stats, all 0" {
	start_vm -m 64K -t all -p stats,pause
	wait_line "paused step=2"
	grep -qx "s2vm: stats stage2_blocks_l1=0 stage2_blocks_l2=0 stage2_pages_l3=0 stage2_table_pages=0 stage2_mapped_bytes=0" "$VM_OUT"
}
