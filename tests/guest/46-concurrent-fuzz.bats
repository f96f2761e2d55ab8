#!/usr/bin/env bats
# Threads open, seek and read every file of /sys/kernel/kvm at random while
# VMs come and go (tests/guest/bin/s2fuzz.c): a concurrent fuzzer of the
# view's file operations. Under the debug kernel (make check-debug) KASAN,
# lockdep and kmemleak watch it; tools/run-qemu.sh fails the run on any
# kernel report. S2VIEW_FUZZ_SECONDS sets its length (default 30).

load lib

@test "threads reading every file at random while VMs come and go get whole lines or a documented errno" {
	local seconds=${S2VIEW_FUZZ_SECONDS:-30}
	# one VM alive throughout: a stable file to read, and no VM churn
	# turning KVM's preempt notifiers off and on (docs/known-issues.md)
	start_vm -m 1M -t every:2
	run s2fuzz "$seconds" "$BATS_TEST_TMPDIR"
	echo "$output"
	# (the figures, on the log of a run that passes too)
	grep '^s2fuzz: seconds=' <<<"$output" | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
	[[ "$output" != *FAIL* ]]
	# it did something: VMs made and destroyed, whole reads of ranges
	local vms reads
	vms=$(sed -n 's/.* vms=\([0-9]*\) .*/\1/p' <<<"$output")
	reads=$(sed -n 's/.* whole_reads=\([0-9]*\) .*/\1/p' <<<"$output")
	[ "$vms" -ge 2 ] && [ "$reads" -ge 10 ]
	# and the last whole read of a ranges file of each thread reads right
	local f n=0
	for f in "$BATS_TEST_TMPDIR"/ranges.*; do
		[ -e "$f" ] || continue
		check_ranges "$f"
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
}
