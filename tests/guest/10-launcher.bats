#!/usr/bin/env bats
# The VM launcher builds the stage-2 layouts the other tests rely on; the
# upstream debugfs dump (small outputs only: it breaks past one seq_file
# buffer) is the independent witness.

load lib

setup_file() {
	echo 8 >/proc/sys/vm/nr_hugepages
}

# Valid 4K pages of the upstream dump of pid $1 in [lo, hi), relative to lo.
upstream_mapped_pages() {
	upstream_pages "$1" | awk -v lo=$(($2 / PAGE)) -v hi=$(($3 / PAGE)) \
		'$1 >= lo && $1 < hi { print $1 - lo }'
}

@test "the launcher rejects bad arguments with status 2 and a usage message" {
	run s2vm -b nosuchbacking
	[ "$status" -eq 2 ]
	[[ "$output" == *USAGE* ]]
	run s2vm -m 4097
	[ "$status" -eq 2 ]
}

@test "a 4K-page VM maps exactly the pages its guest touched (upstream dump)" {
	start_vm -m 1M -b 4k -t every:2
	upstream_mapped_pages "$VM_PID" $DATA_IPA $((DATA_IPA + 0x100000)) >"$BATS_TEST_TMPDIR/got"
	seq 0 2 254 >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "a THP VM maps the 2M blocks of the pages its guest touched (upstream dump)" {
	start_vm -m 8M -b thp -t every:1024
	upstream_mapped_pages "$VM_PID" $DATA_IPA $((DATA_IPA + 0x800000)) >"$BATS_TEST_TMPDIR/got"
	{ seq 0 511; seq 1024 1535; } >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "a hugetlbfs VM maps the 2M blocks of the pages its guest touched (upstream dump)" {
	start_vm -m 4M -b hugetlb -t first:1
	upstream_mapped_pages "$VM_PID" $DATA_IPA $((DATA_IPA + 0x400000)) >"$BATS_TEST_TMPDIR/got"
	seq 0 511 >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "a VM with memslot holes maps only pages inside its slots (upstream dump)" {
	start_vm -s 0x80000000:64K -s 0x80100000:64K -t all
	upstream_mapped_pages "$VM_PID" $DATA_IPA $((DATA_IPA + 0x200000)) >"$BATS_TEST_TMPDIR/got"
	{ seq 0 15; seq 256 271; } >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}
