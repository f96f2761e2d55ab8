#!/usr/bin/env bats
# /sys/kernel/kvm/vmN/s2/: ranges and counters of VMs whose layout we know.

load lib

setup_file() {
	hugetlb_reserve
}

teardown_file() {
	hugetlb_release
}

# Lines of $RANGES_OUT (valid ranges) inside [lo, hi) as "start end level type perms"
# relative to lo, in hex pages: easy to diff.
valid_in() {
	awk -v lo="$1" -v hi="$2" '$1 != "END" && $1 >= lo && $2 <= hi'  "$RANGES_OUT"
}

# Sums over $RANGES_OUT: "<l3 pages> <l2 blocks> <l1 blocks> <mapped bytes>"
sums() {
	awk -v page=$PAGE '
		$1 == "END" { next }
		$3 == 3 { p += ($2 - $1) / page }
		$3 == 2 { b2 += ($2 - $1) / (page * page / 8) }
		$3 == 1 { b1 += ($2 - $1) / (page * page / 8 * page / 8) }
		{ m += $2 - $1 }
		END { print p + 0, b2 + 0, b1 + 0, m + 0 }' "$RANGES_OUT"
}

@test "a new VM gets vmN with its creator's pid, and vmN goes away with the VM" {
	start_vm -m 64K -t all
	[ "$(cat "$VM_DIR/pid")" = "$VM_PID" ]
	[ -f "$VM_DIR/s2/ranges" ]
	stop_vm "$VM_PID"
	[ ! -e "$VM_DIR" ]
}

@test "udev hears VMs come and go: uevents add and remove /kernel/kvm/vmN, SUBSYSTEM=kvm" {
	[ -w /sys/kernel/uevent_helper ] || skip "no uevent helper in this kernel"
	log=$BATS_TEST_TMPDIR/uevents
	helper=$BATS_TEST_TMPDIR/uevent-helper
	printf '#!/bin/sh\necho "$ACTION $DEVPATH $SUBSYSTEM" >>%s\n' "$log" >"$helper"
	chmod +x "$helper"
	echo "$helper" >/sys/kernel/uevent_helper
	start_vm -m 64K -t all
	stop_vm "$VM_PID"
	# the kernel runs the helper without waiting for it
	for ((i = 0; i < 50; i++)); do
		grep -q "^remove /kernel/kvm/$VM " "$log" 2>/dev/null && break
		sleep 0.1
	done
	echo >/sys/kernel/uevent_helper
	cat "$log"
	grep -qx "add /kernel/kvm/$VM kvm" "$log"
	grep -qx "remove /kernel/kvm/$VM kvm" "$log"
}

@test "VM numbers count up and are never reused" {
	start_vm -m 64K -t all
	first=${VM#vm}
	stop_vm "$VM_PID"
	start_vm -m 64K -t all
	[ "${VM#vm}" -gt "$first" ]
	[ ! -e "/sys/kernel/kvm/vm$first" ]
}

@test "every file is root-only and opening one for writing fails with EACCES" {
	start_vm -m 64K -t all
	for f in "$VM_DIR/pid" "$VM_DIR/memslots" "$VM_DIR"/s2/*; do
		[ "$(stat -c %a "$f")" = 400 ] || { echo "$f: $(stat -c %a "$f")"; false; }
		run sh -c "echo 1 > $f"
		[ "$status" -ne 0 ]
		[[ "$output" == *"Permission denied"* ]]
	done
}

@test "ranges of a base-page VM lists exactly the touched pages, at level 3, and the whole IPA space" {
	need_vm_tables
	start_vm -m $((256 * PAGE)) -b 4k -t every:2
	check_ranges "$VM_DIR/s2/ranges" "$(cat "$VM_DIR/s2/ipa_bits")"
	mapped_pages $DATA_IPA $((DATA_IPA + 256 * PAGE)) >"$BATS_TEST_TMPDIR/got"
	seq 0 2 254 | diff - "$BATS_TEST_TMPDIR/got"
	valid_in $DATA_IPA $((DATA_IPA + 256 * PAGE)) | awk '$3 != 3 || $4 != "page" || $5 != "rw-"' >"$BATS_TEST_TMPDIR/odd"
	[ ! -s "$BATS_TEST_TMPDIR/odd" ]
	# The last range reaches the top of the IPA space.
	top=$(printf '%016x' $((1 << $(cat "$VM_DIR/s2/ipa_bits"))))
	tail -n 1 "$VM_DIR/s2/ranges" | grep -q -- "-0x$top [0-9]*[KMGTP] [0-3] invalid --- -\$"
}

@test "ranges of a THP VM shows level-2 blocks over the touched huge-page regions" {
	need_vm_tables
	start_vm -m $((3 * HUGE)) -b thp -t every:$((2 * HUGE / PAGE))
	check_ranges "$VM_DIR/s2/ranges" "$(cat "$VM_DIR/s2/ipa_bits")"
	valid_in $DATA_IPA $((DATA_IPA + 3 * HUGE)) >"$BATS_TEST_TMPDIR/got"
	printf '%s 2 block rw-\n' "$DATA_IPA $((DATA_IPA + HUGE))" \
		"$((DATA_IPA + 2 * HUGE)) $((DATA_IPA + 3 * HUGE))" | diff - "$BATS_TEST_TMPDIR/got"
}

@test "ranges of a hugetlbfs VM shows a level-2 block" {
	need_vm_tables
	start_vm -m $((2 * HUGE)) -b hugetlb -t first:1
	check_ranges "$VM_DIR/s2/ranges" "$(cat "$VM_DIR/s2/ipa_bits")"
	valid_in $DATA_IPA $((DATA_IPA + 2 * HUGE)) >"$BATS_TEST_TMPDIR/got"
	echo "$DATA_IPA $((DATA_IPA + HUGE)) 2 block rw-" | diff - "$BATS_TEST_TMPDIR/got"
}

@test "contiguous pages with the same attributes are one range" {
	need_vm_tables
	start_vm -m 1M -b 4k -t all
	check_ranges "$VM_DIR/s2/ranges"
	valid_in $DATA_IPA $((DATA_IPA + 0x100000)) >"$BATS_TEST_TMPDIR/got"
	echo "$DATA_IPA $((DATA_IPA + 0x100000)) 3 page rw-" | diff - "$BATS_TEST_TMPDIR/got"
	grep -q "^0x0000000080000000-0x0000000080100000 1M 3 page rw- normal af=1$(vm_sw)$" "$VM_DIR/s2/ranges"
}

@test "dirty logging leaves alternating writable and read-only pages, one range each" {
	need_vm_tables
	start_vm -m $((4096 * PAGE)) -b 4k -d
	check_ranges "$VM_DIR/s2/ranges" "$(cat "$VM_DIR/s2/ipa_bits")"
	valid_in $DATA_IPA $((DATA_IPA + 4096 * PAGE)) >"$BATS_TEST_TMPDIR/got"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/got")" -eq 4096 ]
	awk -v page=$PAGE 'NR % 2 == 1 && $5 !~ /^rw/ { print "page " NR " not writable: " $0; bad = 1 }
	     NR % 2 == 0 && $5 ~ /w/ { print "page " NR " writable: " $0; bad = 1 }
	     $2 - $1 != page { print "not one page: " $0; bad = 1 }
	     END { exit bad }' "$BATS_TEST_TMPDIR/got"
}

@test "memslots with holes: only the slots' touched pages are mapped" {
	need_vm_tables
	start_vm -s 0x80000000:64K -s 0x80100000:64K -s 0xc0000000:$((2 * PAGE)) -t all
	check_ranges "$VM_DIR/s2/ranges" "$(cat "$VM_DIR/s2/ipa_bits")"
	valid_in $DATA_IPA $((0x100000000)) >"$BATS_TEST_TMPDIR/got"
	printf '%s 3 page rw-\n' "$((0x80000000)) $((0x80010000))" "$((0x80100000)) $((0x80110000))" \
		"$((0xc0000000)) $((0xc0000000 + 2 * PAGE))" | diff - "$BATS_TEST_TMPDIR/got"
}

# ipa_sizes BITS...: for each size, a VM with that IPA space: its ipa_bits,
# its start level (KVM's rule), its ranges up to 2^BITS and its table pages
ipa_sizes() {
	local bits shift=12 levels top
	while [ $((1 << shift)) -lt $PAGE ]; do shift=$((shift + 1)); done
	for bits in "$@"; do
		start_vm -i $bits -m 64K -t all
		[ "$(cat "$VM_DIR/s2/ipa_bits")" = $bits ]
		check_ranges "$VM_DIR/s2/ranges" $bits
		top=$(printf '%016x' $((1 << bits)))
		tail -n 1 "$VM_DIR/s2/ranges" | grep -q -- "-0x$top [0-9]*[KMGTP] [0-3] invalid --- -\$"
		# KVM looks the first level up in up to 16 concatenated tables, so
		# 4 bits fewer need levels of their own; 2 levels at least.
		levels=$(((bits - 4 - 4) / (shift - 3)))
		[ $levels -ge 2 ] || levels=2
		echo "$bits bits: start level $(cat "$VM_DIR/s2/start_level"), want $((4 - levels))"
		[ "$(cat "$VM_DIR/s2/start_level")" = $((4 - levels)) ]
		# table_pages: 2^bits over what one top-level page maps, and one
		# per table below it (tests/lib/counters.awk)
		check_counters
		stop_vm "$VM_PID"
	done
}

@test "VMs with 36-, 40- and 48-bit IPA spaces: start level, concatenated top-level tables, ranges to 2^ipa_bits" {
	need_vm_tables
	# 6.12 gives every VM the host's IPA limit under pKVM.
	[ "$(kvm_mode)" != protected ] || skip "protected mode ignores the VM's IPA size"
	ipa_sizes 36 40 48
}

@test "a VM with a 52-bit IPA space, where KVM's IPA limit allows it" {
	need_vm_tables
	[ "$(kvm_mode)" != protected ] || skip "protected mode ignores the VM's IPA size"
	local limit
	limit=$(dmesg | sed -n 's/.*kvm \[[0-9]*\]: IPA Size Limit: \([0-9]*\) bits.*/\1/p' | head -n 1)
	[ -n "$limit" ]
	# (16K pages boot without LPA2: tools/run-qemu.sh says why)
	[ "$limit" -ge 52 ] || skip "KVM's IPA limit is $limit bits"
	ipa_sizes 52
}

@test "counters agree with ranges for page, block and fragmented VMs" {
	need_vm_tables
	for args in "-m 1M -b 4k -t every:3" "-m $((2 * HUGE)) -b thp -t every:$((HUGE / PAGE))" \
		"-m 4M -b 4k -d"; do
		# shellcheck disable=SC2086
		start_vm $args
		check_ranges "$VM_DIR/s2/ranges"
		read -r p b2 b1 m < <(sums)
		[ "$(cat "$VM_DIR/s2/pages_l3")" = "$p" ] || { echo "$args: pages_l3 $(cat "$VM_DIR/s2/pages_l3") != $p"; false; }
		[ "$(cat "$VM_DIR/s2/blocks_l2")" = "$b2" ] || { echo "$args: blocks_l2"; false; }
		[ "$(cat "$VM_DIR/s2/blocks_l1")" = "$b1" ] || { echo "$args: blocks_l1"; false; }
		[ "$(cat "$VM_DIR/s2/mapped_bytes")" = "$m" ] || { echo "$args: mapped_bytes"; false; }
		[ "$(cat "$VM_DIR/s2/start_level")" -ge 0 ]
		# At least the top level and one table per level below it.
		[ "$(cat "$VM_DIR/s2/table_pages")" -ge $((4 - $(cat "$VM_DIR/s2/start_level"))) ]
	done
}

@test "where upstream's debugfs dump is right, both show the same mappings and permissions" {
	need_host_tables
	start_vm -s 0x80000000:64K -s 0x80100000:$((8 * PAGE)) -t every:3
	check_ranges "$VM_DIR/s2/ranges"
	# Ours, per page: "page perms"; upstream's X column means execute-never.
	awk -v page=$PAGE '$1 != "END" { for (a = $1; a < $2; a += page) print a / page, $5 }' \
		"$RANGES_OUT" >"$BATS_TEST_TMPDIR/ours"
	upstream_pages "$VM_PID" >"$BATS_TEST_TMPDIR/upstream"
	[ -s "$BATS_TEST_TMPDIR/ours" ]
	diff "$BATS_TEST_TMPDIR/upstream" "$BATS_TEST_TMPDIR/ours"
}

@test "a 1 GiB fully fragmented VM dumps completely: alternating pages (262,144 of 4K)" {
	need_vm_tables
	scale_test
	start_vm -m 1G -b 4k -d
	check_ranges "$VM_DIR/s2/ranges" "$(cat "$VM_DIR/s2/ipa_bits")"
	valid_in $DATA_IPA $((DATA_IPA + 0x40000000)) >"$BATS_TEST_TMPDIR/got"
	n=$(wc -l <"$BATS_TEST_TMPDIR/got")
	echo "$n valid ranges, want $((0x40000000 / PAGE))"
	[ "$n" -eq $((0x40000000 / PAGE)) ]
	awk -v page=$PAGE 'NR % 2 == 1 && $5 !~ /^rw/ { bad++ } NR % 2 == 0 && $5 ~ /w/ { bad++ }
	     $2 - $1 != page { bad++ } END { if (bad) print bad " wrong pages"; exit bad > 0 }' \
		"$BATS_TEST_TMPDIR/got"
	read -r p b2 b1 m < <(sums)
	[ "$(cat "$VM_DIR/s2/pages_l3")" = "$p" ]
}

@test "ranges read in small pieces is the same as read at once" {
	need_vm_tables
	start_vm -m $((4096 * PAGE)) -b 4k -d
	cat "$VM_DIR/s2/ranges" >"$BATS_TEST_TMPDIR/whole"
	dd if="$VM_DIR/s2/ranges" bs=7 2>/dev/null >"$BATS_TEST_TMPDIR/pieces"
	cmp "$BATS_TEST_TMPDIR/whole" "$BATS_TEST_TMPDIR/pieces"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/whole")" -gt 4096 ]
}

@test "a VM destroyed while ranges is open reads to a clean, complete end" {
	need_vm_tables
	start_vm -m 4M -b 4k -d
	ipa_bits=$(cat "$VM_DIR/s2/ipa_bits")
	exec 5<"$VM_DIR/s2/ranges"
	dd bs=4096 count=1 <&5 2>/dev/null >"$BATS_TEST_TMPDIR/read"
	stop_vm "$VM_PID"
	cat <&5 >>"$BATS_TEST_TMPDIR/read"
	exec 5<&-
	check_ranges "$BATS_TEST_TMPDIR/read" "$ipa_bits"
	# Closed, the VM is freed and its directory is gone.
	[ ! -e "$VM_DIR" ]
}

@test "ranges opened after the VMM exited reads as one invalid range, and ends complete when the VM's last holder exits; nothing hangs" {
	need_vm_tables
	out=$BATS_TEST_TMPDIR/s2vm.out
	timeout 300 s2vm -m 1M -t all -x -k >"$out"
	vm=$(sed -n 's/^s2vm: ready .* vm=\(vm[0-9]*\)$/\1/p' "$out")
	holder=$(sed -n 's/^s2vm: holder pid=\([0-9]*\)$/\1/p' "$out")
	[ -n "$vm" ] && [ -n "$holder" ]
	echo "$holder" >>"$BATS_TEST_TMPDIR/vm.pids"
	dir=/sys/kernel/kvm/$vm
	[ -d "$dir" ]
	ipa_bits=$(cat "$dir/s2/ipa_bits")
	# The VMM's address space is gone, and the stage-2 tables with it.
	timeout 60 cat "$dir/s2/ranges" >"$BATS_TEST_TMPDIR/ranges"
	cat "$BATS_TEST_TMPDIR/ranges"
	check_ranges "$BATS_TEST_TMPDIR/ranges" "$ipa_bits"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ranges")" -eq 1 ]
	[ "$(awk '{ print $4 }' "$BATS_TEST_TMPDIR/ranges")" = invalid ]
	# Opened, then the holder exits: the open file now holds the last
	# reference. It still reads to a complete end, and the VM goes when
	# it is closed.
	exec 5<"$dir/s2/ranges"
	kill "$holder"
	for ((i = 0; i < 50; i++)); do
		kill -0 "$holder" 2>/dev/null || break
		sleep 0.1
	done
	# (bats does not fail on a "!" command: test the status instead)
	if kill -0 "$holder" 2>/dev/null; then
		echo "holder $holder still running"
		false
	fi
	[ -d "$dir" ]
	timeout 60 cat <&5 >"$BATS_TEST_TMPDIR/held"
	exec 5<&-
	cmp "$BATS_TEST_TMPDIR/ranges" "$BATS_TEST_TMPDIR/held"
	for ((i = 0; i < 600; i++)); do
		[ -e "$dir" ] || break
		sleep 0.1
	done
	[ ! -e "$dir" ]
}

@test "reading ranges again from offset 0 on the same open file shows what was mapped since" {
	need_vm_tables
	start_vm -w -m 64K -t all
	# No vCPU has run: the whole IPA space is one invalid range. Then the
	# guest runs and maps pages, and the open file is read again.
	s2reread "$VM_DIR/s2/ranges" sh -c "kill -USR1 $VM_PID; until grep -q '^s2vm: ready' '$VM_OUT'; do sleep 0.1; done" >"$BATS_TEST_TMPDIR/both"
	sed '/^s2reread: again$/,$d' "$BATS_TEST_TMPDIR/both" >"$BATS_TEST_TMPDIR/first"
	sed '1,/^s2reread: again$/d' "$BATS_TEST_TMPDIR/both" >"$BATS_TEST_TMPDIR/again"
	cat "$BATS_TEST_TMPDIR/both"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/first")" -eq 1 ]
	check_ranges "$BATS_TEST_TMPDIR/again" "$(cat "$VM_DIR/s2/ipa_bits")"
	mapped_pages $DATA_IPA $((DATA_IPA + 0x10000)) >"$BATS_TEST_TMPDIR/got"
	seq 0 $((0x10000 / PAGE - 1)) | diff - "$BATS_TEST_TMPDIR/got"
}

@test "ranges and counters stay consistent while VMs come and go and their tables change" {
	need_vm_tables
	scale_test
	end=$((SECONDS + 20))
	(
		while [ $SECONDS -lt $end ]; do
			for f in /sys/kernel/kvm/vm*/s2/ranges /sys/kernel/kvm/vm*/s2/mapped_bytes; do
				# cat fails (1) when the VM went away; more is a read
				# that did not end (timeout: 143) or a crash
				rc=0
				timeout 120 cat "$f" >/dev/null 2>>"$BATS_TEST_TMPDIR/errors" || rc=$?
				[ "$rc" -le 1 ] || echo "$f: read ended with status $rc" >>"$BATS_TEST_TMPDIR/errors"
			done
		done
	) &
	reader=$!
	# A launcher that does not finish fails this test, not the whole boot.
	while [ $SECONDS -lt $end ]; do
		timeout 300 s2vm -m 2M -b 4k -d -x >/dev/null || echo "2M launcher: $?" >>"$BATS_TEST_TMPDIR/errors"
		timeout 300 s2vm -m 4M -b thp -x >/dev/null || echo "4M launcher: $?" >>"$BATS_TEST_TMPDIR/errors"
	done
	wait $reader
	# Files may vanish under the reader; nothing else may go wrong.
	if grep -v -E 'No such file or directory|No such device' "$BATS_TEST_TMPDIR/errors"; then
		false
	fi
}
