#!/usr/bin/env bats
# The on-device toolkit (scripts/s2summ.sh, s2owner.sh) on live VMs: its
# figures are the kernel's, it sees every VM, and it reads the largest
# ranges files whole.

load lib

setup_file() {
	hugetlb_reserve
}

teardown_file() {
	hugetlb_release
}

# same NAME WANT: the metric is WANT, or say both
same() {
	local got
	got=$(metric "$1") || return 1
	[ "$got" = "$2" ] || { echo "$1 is $got, the kernel says $2" >&2; return 1; }
}

# the VMs of /sys/kernel/kvm, in numeric order, on one line
running_vms() {
	local d
	for d in /sys/kernel/kvm/vm*; do
		[ -d "$d" ] && echo "${d##*/}"
	done | sed 's/^vm//' | sort -n | sed 's/^/vm/' | xargs
}

# map_slots VM: the slots of s2summ.sh --map VM, all rows on one line;
# fails when s2summ.sh does
map_slots() {
	local out
	out=$(s2summ.sh --map "$1") || return 1
	printf '%s\n' "$out" | grep -E '^0x[0-9a-f]{16} ' | cut -d' ' -f2 | tr -d '\n'
}

@test "s2summ.sh --prom gives the kernel's mapped bytes and entries per level for page, block and fragmented VMs" {
	need_vm_tables
	scale_test
	for args in "-m 1M -b 4k -t every:3" "-m $((2 * HUGE)) -b thp -t every:$((HUGE / PAGE))" \
		"-m 4M -b 4k -d"; do
		# shellcheck disable=SC2086
		start_vm $args
		d=$VM_DIR/s2
		prom "$VM"
		l=vm=\"$VM\"
		same "s2view_mapped_bytes{$l}" "$(cat "$d/mapped_bytes")"
		same "s2view_entries{$l,level=\"3\",type=\"page\"}" "$(cat "$d/pages_l3")"
		same "s2view_entries{$l,level=\"2\",type=\"block\"}" "$(cat "$d/blocks_l2")"
		same "s2view_entries{$l,level=\"1\",type=\"block\"}" "$(cat "$d/blocks_l1")"
		same "s2view_bytes{$l,level=\"3\",type=\"page\"}" "$(($(cat "$d/pages_l3") * PAGE))"
		same "s2view_bytes{$l,level=\"2\",type=\"block\"}" "$(($(cat "$d/blocks_l2") * HUGE))"
		same "s2view_bytes{$l,level=\"1\",type=\"block\"}" "$(($(cat "$d/blocks_l1") * L1))"
		same "s2view_table_pages{$l}" "$(cat "$d/table_pages")"
		same "s2view_ipa_bytes{$l}" "$((1 << $(cat "$d/ipa_bits")))"
		same "s2view_ranges{$l}" "$(wc -l <"$d/ranges")"
		# the counters agree with the ranges it read: no note
		[ ! -s "$PROM_ERR" ] || { cat "$PROM_ERR"; false; }
	done
}

@test "s2summ.sh shows the kernel's mapped bytes and entry counts in its summary" {
	need_vm_tables
	scale_test
	start_vm -m $((3 * HUGE)) -b thp -t every:$((2 * HUGE / PAGE))
	d=$VM_DIR/s2
	run s2summ.sh "$VM"
	[ "$status" -eq 0 ]
	[[ "$output" == "$VM (pid $VM_PID): $d"* ]]
	[[ "$output" == *"mapped:"*"($(cat "$d/mapped_bytes") bytes,"* ]]
	[ "$(echo "$output" | awk '$1 == "l3" { print $2, $3, $4 }')" = "page $((PAGE >> 10))K $(cat "$d/pages_l3")" ]
	[ "$(echo "$output" | awk '$1 == "l2" { print $2, $3, $4 }')" = "block $((HUGE >> 20))M $(cat "$d/blocks_l2")" ]
	[ "$(cat "$d/blocks_l2")" -eq 2 ]
}

@test "s2summ.sh and s2summ.sh all list every running VM, in numeric order, with its pid" {
	need_vm_tables
	scale_test
	start_vm -m 64K -t all
	a=$VM a_pid=$VM_PID
	start_vm -m 4M -b thp
	b=$VM b_pid=$VM_PID
	start_vm -m 64K -b 4k -d
	c=$VM c_pid=$VM_PID
	want=$(running_vms)
	echo "running: $want; started: $a $b $c"
	for v in "$a" "$b" "$c"; do
		[[ " $want " == *" $v "* ]]
	done
	for arg in "" all; do
		# shellcheck disable=SC2086
		run s2summ.sh $arg
		[ "$status" -eq 0 ]
		got=$(echo "$output" | awk '/^vm[0-9]+ \(pid [0-9]+\): / { print $1 }' | xargs)
		echo "running: $want; listed: $got"
		[ "$got" = "$want" ]
		[[ "$output" == *"$a (pid $a_pid): "* ]]
		[[ "$output" == *"$b (pid $b_pid): "* ]]
		[[ "$output" == *"$c (pid $c_pid): "* ]]
	done
	prom all
	got=$(awk -F'"' '/^s2view_mapped_bytes\{/ { print $2 }' "$PROM" | xargs)
	[ "$got" = "$want" ]
	for v in $want; do
		same "s2view_mapped_bytes{vm=\"$v\"}" "$(cat "/sys/kernel/kvm/$v/s2/mapped_bytes")"
	done
}

@test "s2summ.sh on an unknown VM exits 2 with a message naming it and the running VMs, and prints nothing" {
	need_vm_tables
	scale_test
	start_vm -m 64K -t all
	last=$(running_vms | awk '{ print $NF }')
	bad=vm$((${last#vm} + 1000))
	s2summ.sh "$bad" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" && status=0 || status=$?
	echo "status $status; stderr: $(cat "$BATS_TEST_TMPDIR/err")"
	[ "$status" -eq 2 ]
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	grep -q "unknown VM $bad" "$BATS_TEST_TMPDIR/err"
	grep -q "$VM" "$BATS_TEST_TMPDIR/err"
}

@test "--map shows B for a THP VM's blocks and P, never B, for a base-page VM" {
	need_vm_tables
	scale_test
	start_vm -m $((2 * HUGE)) -b thp
	[ "$(cat "$VM_DIR/s2/blocks_l2")" -eq 2 ]
	map=$(map_slots "$VM")
	echo "THP map: $map"
	[[ "$map" == *B* ]]
	start_vm -m 4M -b 4k -t all
	[ "$(cat "$VM_DIR/s2/blocks_l2")" -eq 0 ]
	map=$(map_slots "$VM")
	echo "base-page map: $map"
	[[ "$map" == *P* ]]
	[[ "$map" != *B* ]]
}

@test "a saved copy of a VM's directory gives the same gauges as the live VM" {
	need_vm_tables
	scale_test
	start_vm -m $((1024 * PAGE)) -b 4k -d
	cp -r "$VM_DIR" "$BATS_TEST_TMPDIR/"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/$VM/s2/ranges")" -gt 1024 ]
	prom "$VM"
	mv "$PROM" "$BATS_TEST_TMPDIR/live"
	prom "$BATS_TEST_TMPDIR/$VM"
	diff "$BATS_TEST_TMPDIR/live" "$PROM"
}

@test "a 1 GiB fully fragmented VM's ranges (262,144 pages of 4K) is summarised whole: ranges = wc -l, perms and entries the kernel's" {
	need_vm_tables
	scale_test
	start_vm -m 1G -b 4k -d
	d=$VM_DIR/s2
	n=$(wc -l <"$d/ranges")
	[ "$n" -gt $((0x40000000 / PAGE)) ]
	SECONDS=0
	prom "$VM"
	echo "s2summ.sh --prom: $n lines in $SECONDS s"
	l=vm=\"$VM\"
	same "s2view_ranges{$l}" "$n"
	same "s2view_mapped_ranges{$l}" "$(grep -vc ' invalid ' "$d/ranges")"
	same "s2view_entries{$l,level=\"3\",type=\"page\"}" "$(cat "$d/pages_l3")"
	same "s2view_mapped_bytes{$l}" "$(cat "$d/mapped_bytes")"
	# the second pass of -d made every other page of the slot writable again
	same "s2view_perm_bytes{$l,perms=\"r--\"}" $((512 << 20))
	[ "$(metric "s2view_perm_bytes{$l,perms=\"rw-\"}")" -ge $((512 << 20)) ]
	[ ! -s "$PROM_ERR" ] || { cat "$PROM_ERR"; false; }
}

@test "s2owner.sh exits 1 with a hint about protected mode when there is no host stage-2 view" {
	[ "$(kvm_mode)" != protected ] || skip "protected mode has a host stage-2 view"
	[ ! -e /sys/kernel/kvm/host/s2 ]
	for args in "" --prom; do
		# shellcheck disable=SC2086
		s2owner.sh $args >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" && status=0 || status=$?
		echo "s2owner.sh $args: status $status; stderr: $(cat "$BATS_TEST_TMPDIR/err")"
		[ "$status" -eq 1 ]
		[ ! -s "$BATS_TEST_TMPDIR/out" ]
		grep -q "no host stage-2 view" "$BATS_TEST_TMPDIR/err"
		grep -q "kvm-arm.mode=protected" "$BATS_TEST_TMPDIR/err"
	done
}
