#!/usr/bin/env bats
# The snapshot hypercalls under a million hostile calls from the host, through
# the fuzz test hook (kernel/kvm_s2_host_test.c): random and boundary
# buffers (page edges, unshared, EL2's own, pinned, MMIO, past DRAM, the
# view's own page), sizes (around the minimum and a page) and IPAs (around
# the top), and with guest snapshots bad handles, another struct kvm and a
# protected VM. The hook checks each call's return value against its
# arguments and that a failed call leaves our pages as they were.
#
# S2VIEW_FUZZ_SEED picks the seed (else a random one: the log says which), and
# S2VIEW_FUZZ_CALLS the number of calls (default 1,000,000).

load lib

HOOKS=/sys/kernel/debug/kvm/s2_host_snapshot
HOST=/sys/kernel/kvm/host/s2

setup() {
	[ -e "$HOOKS/fuzz" ] || skip "no snapshot hypercall: it is in protected mode"
}

# owners: what the host stage-2 says is not the host's: the annotated
# invalid ranges, and the totals of the other owners (the host's own mapped
# bytes grow as it touches its memory)
owners() {
	grep ' owner=' "$HOST/ranges"
	grep . "$HOST"/owner_hyp_bytes "$HOST"/owner_guest_bytes \
		"$HOST"/owner_ffa_bytes
}

@test "a million hostile snapshot calls each return 0 or their documented errno, and no memory changes owner" {
	# a VM that ran: EL2 pins its struct kvm; under pKVM since 6.14 the
	# guest call names it, and a protected one
	start_vm -m 64K -t all
	if vm_tables_at_el2; then
		start_vm -P -m 64K -t all
	fi
	# (the view's page is shared by now: the fuzz run calls with it)
	owners >"$BATS_TEST_TMPDIR/before"

	local seed=${S2VIEW_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
	local calls=${S2VIEW_FUZZ_CALLS:-1000000}
	echo "seed $seed, $calls calls"
	echo "$calls $seed" >"$HOOKS/fuzz"
	run cat "$HOOKS/fuzz"
	echo "$output"
	echo "# seed $seed: $output" >&3
	[[ "$output" == "calls=$calls bad=0 "* ]]
	# every outcome happened: success, then EINVAL, ERANGE, EPERM, EBUSY
	# (a run that never reaches one proves nothing of it)
	local e
	for e in 0 -22 -34 -1 -16; do
		[[ "$output" == *" $e="[1-9]* ]]
	done
	if vm_tables_at_el2; then
		for e in -2 -13; do	# ENOENT, EACCES
			[[ "$output" == *" $e="[1-9]* ]]
		done
	fi

	owners >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}
