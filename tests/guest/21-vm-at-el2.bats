#!/usr/bin/env bats
# Under pKVM since 6.14 EL2 keeps every VM's stage-2, and the host kernel has
# no table of it: the VM view reads it through the guest snapshot hypercall
# (kernel/kvm_s2_guest.c, __pkvm_guest_s2_snapshot at EL2). The VM tests
# (20-vm-ranges.bats, 22-stats.bats, 30-toolkit.bats, ...) run here as in
# every mode; these check what is particular to EL2's tables: the page state
# EL2 keeps in them, protected VMs, and the hypercall's rules under attack
# from the host, through the test hooks in /sys/kernel/debug/kvm/.

load lib

HOOKS=/sys/kernel/debug/kvm/s2_host_snapshot

setup() {
	vm_tables_at_el2 || skip "the host kernel keeps the VMs' stage-2 here"
	[ -d /sys/kernel/kvm/host/s2 ] || skip "no snapshot hypercalls in this kernel"
}

# vm_target [protected]: "<handle> <kvm>" of the only VM (the only protected
# one with an argument) that the hooks list
vm_target() {
	local want=${1:+1}
	awk -v want="${want:-0}" '$3 == "protected=" want {
		sub(/^handle=/, "", $1); sub(/^kvm=/, "", $2); print $1, $2
	}' "$HOOKS/guest_vms"
}

# guest_call TARGET [IPA]: one raw guest call into the view's own buffer;
# prints the errno name it failed with, or "ok"
guest_call() {
	if echo "$1 $(cat "$HOOKS/buffer") 0x1000 ${2:-0}" >"$HOOKS/guest_call" 2>"$BATS_TEST_TMPDIR/err"; then
		echo ok
	else
		sed 's/.*: //' "$BATS_TEST_TMPDIR/err"
	fi
}

@test "a pKVM guest's lines carry the page state EL2 keeps: every valid range is sw=0x2, shared-borrowed from the host" {
	start_vm -m 64K -t all -s 0x90000000:2M -t every:2
	check_ranges "$VM_DIR/s2/ranges"
	awk '$4 != "invalid"' "$VM_DIR/s2/ranges" >"$BATS_TEST_TMPDIR/valid"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/valid")" -ge 3 ]
	[ "$(grep -vc ' sw=0x2$' "$BATS_TEST_TMPDIR/valid")" -eq 0 ]
	check_counters
}

@test "EL2 refuses bad handles, buffers and IPAs of the guest call with their own errno, and writes nothing" {
	start_vm -m 64K -t all
	run cat "$HOOKS/guest_bad_calls"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *FAIL* ]]
	# 6 buffer and IPA cases, no address in a whole walk, 3 bad handles;
	# protected-vm has its own test
	[ "$(grep -c ' ok$' <<<"$output")" -eq 10 ]
	grep -q "^entries-show-no-address ret=0 leaves=[1-9][0-9]* with-address=0 ok$" <<<"$output"
	grep -qx "handle-0 .* ret=-2 want=-2 contents=kept ok" <<<"$output"
	grep -q "^another-struct-kvm .* ret=-2 want=-2 contents=kept ok" <<<"$output"
}

@test "a protected VM shows its geometry and memslots, and neither its ranges nor its counters (EACCES)" {
	start_vm -P -m 64K -t all
	[ "$(cat "$VM_DIR/pid")" = "$VM_PID" ]
	[ "$(cat "$VM_DIR/s2/ipa_bits")" -ge 32 ]
	grep -q "^0x0000000080000000-0x0000000080010000 64K slot=" "$VM_DIR/memslots"
	for f in ranges blocks_l2 pages_l3 table_pages mapped_bytes; do
		run cat "$VM_DIR/s2/$f"
		[ "$status" -ne 0 ] || { echo "$f: read: $output"; false; }
		[[ "$output" == *"Permission denied"* ]] || { echo "$f: $output"; false; }
	done
}

@test "EL2 refuses the stage-2 of a protected VM to the host, even by its right handle" {
	start_vm -P -m 64K -t all
	start_vm -m 64K -t all
	run cat "$HOOKS/guest_bad_calls"
	echo "$output"
	grep -qx "protected-vm .* ret=-13 want=-13 contents=kept ok" <<<"$output"
	[ "$(guest_call "$(vm_target protected)")" = "Permission denied" ]
	[ "$(guest_call "$(vm_target)")" = ok ]
}

@test "a VM whose teardown has started is refused (EIDRM), a destroyed VM's handle names nothing (ENOENT)" {
	start_vm -m 64K -t all -x -k
	holder=$(sed -n 's/^s2vm: holder pid=\([0-9]*\)$/\1/p' "$VM_OUT")
	echo "$holder" >>"$BATS_TEST_TMPDIR/vm.pids"
	wait "$VM_PID"
	target=$(vm_target)
	[ -n "$target" ]
	# s2vm's address space is gone: EL2 tears the VM's stage-2 down
	[ "$(guest_call "$target")" = "Identifier removed" ]
	[ "$(cat "$VM_DIR/s2/ranges" | wc -l)" -eq 1 ]
	stop_vm "$holder"
	[ "$(guest_call "$target")" = "No such file or directory" ]
	# a new VM may get the same handle: with the old struct kvm it names
	# nothing; with its own, it is that VM
	start_vm -m 64K -t all
	new=$(vm_target)
	if [ "${new% *}" = "${target% *}" ] && [ "$new" != "$target" ]; then
		[ "$(guest_call "$target")" = "No such file or directory" ]
	fi
	[ "$(guest_call "$new")" = ok ]
}

@test "a host CPU scribbling the buffer during guest calls only gets garbage back: every call succeeds" {
	start_vm -m 2M -t every:2
	# 6 s: all-ones for the first half, random bytes for the second; the
	# write fails with EIO if any call did not return 0
	echo "6 $(vm_target)" >"$HOOKS/hammer"
	check_ranges "$VM_DIR/s2/ranges"
}

@test "a guest call at the top of the VM's IPA space, or past it, is refused with ERANGE" {
	start_vm -m 64K -t all
	top=$(printf '0x%x' $((1 << $(cat "$VM_DIR/s2/ipa_bits"))))
	[ "$(guest_call "$(vm_target)" "$top")" = "Numerical result out of range" ]
	[ "$(guest_call "$(vm_target)" "$(printf '0x%x' $((top - PAGE)))")" = ok ]
}
