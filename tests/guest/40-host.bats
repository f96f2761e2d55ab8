#!/usr/bin/env bats
# /sys/kernel/kvm/host/s2/: the pKVM host stage-2, from the snapshot hypercall.

load lib

HOST=/sys/kernel/kvm/host/s2

setup() {
	if [ "$(kvm_mode)" != protected ]; then
		case $BATS_TEST_DESCRIPTION in
		*"not in protected mode"*) ;;
		*) skip "the host has a stage-2 only under kvm-arm.mode=protected" ;;
		esac
	fi
}

# Sums over the host ranges: "<hyp> <ffa> <shared-owned> <shared-borrowed>
# <host-owned> <mapped> <l3 pages> <l2 blocks> <l1 blocks>", in bytes / counts.
host_sums() {
	awk -v page=$PAGE '
		function hex(s,  i, n) {
			n = 0; s = tolower(substr(s, 3))
			for (i = 1; i <= length(s); i++)
				n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return n
		}
		{
			b = hex(substr($1, 20, 18)) - hex(substr($1, 1, 18))
			for (i = 7; i <= NF; i++) {
				if ($i == "owner=hyp") hyp += b
				if ($i == "owner=ffa") ffa += b
				if ($i == "state=shared-owned") so += b
				if ($i == "state=shared-borrowed") sb += b
				if ($i == "state=owned" || $i == "state=shared-owned") host += b
			}
			if ($4 != "invalid") mapped += b
			if ($4 == "page") p += b / page
			if ($4 == "block" && $3 == 2) b2 += b / (page * 512)
			if ($4 == "block" && $3 == 1) b1 += b / (page * 512 * 512)
		}
		END { print hyp + 0, ffa + 0, so + 0, sb + 0, host + 0, mapped + 0, p + 0, b2 + 0, b1 + 0 }' "$1"
}

@test "not in protected mode there is no host directory at all" {
	[ "$(kvm_mode)" != protected ] || skip "protected mode has a host view"
	[ ! -e /sys/kernel/kvm/host ]
	run s2owner.sh
	[ "$status" -eq 1 ]
	[[ "$output" == *"kvm-arm.mode=protected"* ]]
}

@test "the host ranges cover the whole host IPA space with six fields per line" {
	check_ranges "$HOST/ranges" "$(cat "$HOST/ipa_bits")"
	grep -q 'state=owned' "$HOST/ranges"
}

@test "host files are root-only and cannot be written" {
	for f in "$HOST"/*; do
		[ "$(stat -c %a "$f")" = 400 ]
		run sh -c "echo 1 > $f"
		[ "$status" -ne 0 ]
	done
}

@test "hyp-owned bytes cover at least the carve-out the kernel reserved at boot" {
	mib=$(dmesg | sed -n 's/.*kvm \[[0-9]*\]: Reserved \([0-9]*\) MiB at.*/\1/p' | head -n 1)
	[ -n "$mib" ]
	[ "$(cat "$HOST/owner_hyp_bytes")" -ge $((mib * 1024 * 1024)) ]
}

@test "hyp-owned bytes grow with a VM's metadata and shrink back when it is destroyed" {
	before=$(cat "$HOST/owner_hyp_bytes")
	start_vm -m 64K -t all
	during=$(cat "$HOST/owner_hyp_bytes")
	stop_vm "$VM_PID"
	after=$(cat "$HOST/owner_hyp_bytes")
	echo "hyp bytes: before $before, with a VM $during, after $after"
	[ "$during" -gt "$before" ]
	[ "$after" -eq "$before" ]
}

@test "memory the host shares with EL2 shows state=shared-owned" {
	start_vm -m 64K -t all
	[ "$(cat "$HOST/state_shared_owned_bytes")" -gt 0 ]
	grep -q 'state=shared-owned' "$HOST/ranges"
}

# The counters, in the order host_sums prints its sums.
host_counters() {
	local f
	for f in owner_hyp_bytes owner_ffa_bytes state_shared_owned_bytes \
		state_shared_borrowed_bytes owner_host_bytes mapped_bytes pages_l3 \
		blocks_l2 blocks_l1; do
		printf '%s ' "$(cat "$HOST/$f")"
	done
	echo
}

@test "host totals agree with the host ranges" {
	start_vm -m 1M -t all
	# The host faults its memory in all the time: compare counters with
	# ranges read just before and just after them, when both reads agree.
	for ((try = 0; try < 20; try++)); do
		cat "$HOST/ranges" >"$BATS_TEST_TMPDIR/before"
		host_counters >"$BATS_TEST_TMPDIR/counters"
		cat "$HOST/ranges" >"$BATS_TEST_TMPDIR/after"
		cmp -s "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" && break
	done
	cmp "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	host_sums "$BATS_TEST_TMPDIR/before" >"$BATS_TEST_TMPDIR/sums"
	echo "counters: $(cat "$BATS_TEST_TMPDIR/counters")"
	echo "ranges:   $(cat "$BATS_TEST_TMPDIR/sums")"
	[ "$(cat "$BATS_TEST_TMPDIR/counters")" = "$(cat "$BATS_TEST_TMPDIR/sums") " ]
	[ "$(cat "$HOST/table_pages")" -gt 0 ]
}

@test "s2owner.sh reads the live host view and agrees with its counters" {
	run s2owner.sh --prom
	[ "$status" -eq 0 ]
	hyp=$(echo "$output" | sed -n 's/^s2view_owner_bytes{owner="hyp"} //p')
	[ "$hyp" = "$(cat "$HOST/owner_hyp_bytes")" ]
}

@test "the snapshot hypercall rejects bad buffers and IPAs and changes no ownership" {
	knob=/sys/kernel/debug/kvm/s2_host_snapshot_test
	[ -f "$knob" ]
	# Only the new lines: the log is not cleared, the runner scans it.
	seen=$(dmesg | wc -l)
	echo run >"$knob"
	dmesg | tail -n +$((seen + 1)) >"$BATS_TEST_TMPDIR/log"
	cat "$BATS_TEST_TMPDIR/log"
	# Every case ran, returned what it should and left the owner alone.
	[ "$(grep -c 's2 host snapshot test: .*(want ' "$BATS_TEST_TMPDIR/log")" -ge 10 ]
	! grep 'CHANGED' "$BATS_TEST_TMPDIR/log"
	! grep 'cases failed' "$BATS_TEST_TMPDIR/log"
	grep -q 'buffer owned by the hypervisor: returned -1 (want -1), owner unchanged' "$BATS_TEST_TMPDIR/log"
	grep -q 'IPA past the host IPA space: returned -34 (want -34), owner unchanged' "$BATS_TEST_TMPDIR/log"
}
