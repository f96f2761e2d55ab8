#!/usr/bin/env bats
# The VM launcher builds the stage-2 layouts the other tests rely on; the
# upstream debugfs dump (small outputs only: it breaks past one seq_file
# buffer) is the independent witness.

load lib

setup_file() {
	hugetlb_reserve
}

teardown_file() {
	hugetlb_release
}

# Valid pages of the upstream dump of pid $1 in [lo, hi), relative to lo.
upstream_mapped_pages() {
	upstream_pages "$1" | awk -v lo=$(($2 / PAGE)) -v hi=$(($3 / PAGE)) \
		'$1 >= lo && $1 < hi { print $1 - lo }'
}

@test "the launcher rejects bad arguments with status 2 and a usage message" {
	run s2vm -b nosuchbacking
	[ "$status" -eq 2 ]
	[[ "$output" == *USAGE* ]]
	run s2vm -m $((PAGE + 1))
	[ "$status" -eq 2 ]
}

@test "a base-page VM maps exactly the pages its guest touched (upstream dump)" {
	need_host_tables
	start_vm -m $((256 * PAGE)) -b 4k -t every:2
	upstream_mapped_pages "$VM_PID" $DATA_IPA $((DATA_IPA + 256 * PAGE)) >"$BATS_TEST_TMPDIR/got"
	seq 0 2 254 >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "a THP VM maps the blocks of the pages its guest touched (upstream dump)" {
	need_host_tables
	local n=$((HUGE / PAGE)) # pages in a block
	start_vm -m $((3 * HUGE)) -b thp -t every:$((2 * n))
	upstream_mapped_pages "$VM_PID" $DATA_IPA $((DATA_IPA + 3 * HUGE)) >"$BATS_TEST_TMPDIR/got"
	{ seq 0 $((n - 1)); seq $((2 * n)) $((3 * n - 1)); } >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "a hugetlbfs VM maps the block of the page its guest touched (upstream dump)" {
	need_host_tables
	start_vm -m $((2 * HUGE)) -b hugetlb -t first:1
	upstream_mapped_pages "$VM_PID" $DATA_IPA $((DATA_IPA + 2 * HUGE)) >"$BATS_TEST_TMPDIR/got"
	seq 0 $((HUGE / PAGE - 1)) >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "a VM with memslot holes maps only pages inside its slots (upstream dump)" {
	need_host_tables
	start_vm -s 0x80000000:64K -s 0x80100000:64K -t all
	upstream_mapped_pages "$VM_PID" $DATA_IPA $((DATA_IPA + 0x200000)) >"$BATS_TEST_TMPDIR/got"
	{ seq 0 $((0x10000 / PAGE - 1)); seq $((0x100000 / PAGE)) $((0x110000 / PAGE - 1)); } >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}
