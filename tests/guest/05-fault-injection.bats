#!/usr/bin/env bats
# Every allocation of s2view's operations fails in turn (fault injection:
# failslab, fail_page_alloc and /proc/thread-self/fail-nth, in the debug
# kernel only: make check-debug). tests/guest/bin/s2fail.c steps N = 1, 2, ...
# until the operation runs with no failure injected, and checks after each
# failure what must still hold; the log scan of tools/run-qemu.sh fails the
# run on any WARN, oops or lockdep report, and check-debug's kmemleak scan on
# any leak. Each test prints "op=... points=N": the failure points found.
#
# The file runs before every other one that reads the host view: its first
# test is the host view's first share of its buffer with EL2.

load lib

FAULTS=/sys/kernel/debug

setup_file() {
	[ -e /proc/self/fail-nth ] || return 0
	# Fail GFP_KERNEL allocations too, and single pages; no reports of
	# the failures (a backtrace would read as a kernel report)
	local f
	for f in failslab fail_page_alloc; do
		echo N >"$FAULTS/$f/ignore-gfp-wait"
		echo 0 >"$FAULTS/$f/verbose"
	done
	echo 0 >"$FAULTS/fail_page_alloc/min-order"
}

setup() {
	[ -e /proc/self/fail-nth ] ||
		skip "no fault injection in this kernel: make check-debug has it"
}

# s2fail_run OP [ARGS...]: s2fail OP ARGS, its lines on the log (the
# failure points found also on the log of a test that passes); fails if a
# rule broke
s2fail_run() {
	run s2fail "$@"
	echo "$output"
	grep ' points=\| logged=' <<<"$output" | sed "s|^|# ${*: -1}: |" >&3
	[ "$status" -eq 0 ]
	[[ "$output" != *FAIL* ]]
}

# fail OP [ARGS...]: s2fail_run, and the operation made at least one
# allocation that could fail (every step but the last had one injected)
fail() {
	s2fail_run "$@"
	grep -q ' points=[1-9][0-9]*$' <<<"$output"
}

@test "the host view's first read survives each allocation failing in turn, its first share with EL2 among them" {
	[ -d /sys/kernel/kvm/host/s2 ] || skip "no host view: it is in protected mode"
	fail read -c "$BATS_TEST_TMPDIR/host" /sys/kernel/kvm/host/s2/ranges
	# every read that went to the end reads as a whole, valid file
	local f n=0
	for f in "$BATS_TEST_TMPDIR"/host.*; do
		check_ranges "$f"
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
	# and the view works after: the buffer was shared once, in the end
	check_ranges /sys/kernel/kvm/host/s2/ranges
}

@test "VM creation never fails because of s2view: a VM has its whole directory or none, and the log says why" {
	fail create
	# s2view's own failure points: VMs made without a directory
	local none logged
	none=$(grep -c 'injected=1 ret=0 vm=none ok$' <<<"$output" || true)
	logged=$(sed -n 's/^op=create logged=//p' <<<"$output")
	echo "# create: VMs without a directory: $none, messages: $logged" >&3
	# rate limited: at least the first says why, none says it twice
	[ "$logged" -le "$none" ]
	[ "$none" -eq 0 ] || [ "$logged" -ge 1 ]
}

@test "the first open and read of each file of a VM fail with an errno or read the whole file" {
	need_vm_tables
	start_vm -m 4M -t every:3
	local f
	for f in s2/ranges memslots pid s2/ipa_bits s2/mapped_bytes \
		s2/table_pages s2/blocks_l2 s2/pages_l3; do
		fail read "$VM_DIR/$f"
	done
}

@test "the first open and read of each host counter fail with an errno or read a whole line" {
	[ -d /sys/kernel/kvm/host/s2 ] || skip "no host view: it is in protected mode"
	local f out
	for f in mapped_bytes table_pages owner_hyp_bytes state_shared_owned_bytes; do
		fail read -c "$BATS_TEST_TMPDIR/$f" "/sys/kernel/kvm/host/s2/$f"
		# every read that went to the end is one number
		for out in "$BATS_TEST_TMPDIR/$f".*; do
			grep -qx '[0-9][0-9]*' "$out"
			[ "$(wc -l <"$out")" -eq 1 ]
		done
	done
}

@test "a memslot change that fails leaves memslots as it was, one that works shows the new layout" {
	s2fail_run slots
	[ "$(grep -c '^op=slots change=.* points=' <<<"$output")" -eq 4 ]
}

@test "a VM torn down with its files open goes under each failure: its directory goes, its files read an errno or whole lines" {
	s2fail_run teardown
	grep -q '^op=teardown held=counters points=' <<<"$output"
	grep -q '^op=teardown held=ranges points=' <<<"$output"
}
