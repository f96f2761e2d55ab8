#!/usr/bin/env bats
# Soft lockups under load (issue 26): upstream's selftests run while a loop
# dumped every VM's ranges on a loaded host reported soft lockups once. This
# stress test tries to make one: a VM whose one line spans hundreds of
# tables, dumped in a loop while the VM dirty-logs, clears its log and
# faults its pages, and busy loops keep about 7 threads runnable on the 2
# CPUs; the soft-lockup detector at its lowest threshold (watchdog_thresh=1:
# a CPU that does not schedule for 2 s is reported). tools/run-qemu.sh fails
# the boot on any report; the test prints the reports' stacks.
#
# A stress test, only with S2VIEW_STRESS=1 (make stress); S2VIEW_STRESS_SECONDS
# sets its length (default 120).

load lib

setup() {
	[ -n "${S2VIEW_STRESS:-}" ] || skip "a stress test: make stress runs it"
	need_vm_tables
}

teardown() {
	local pid
	for pid in ${LOAD_PIDS:-}; do
		kill "$pid" 2>/dev/null || true
	done
	echo 10 >/proc/sys/kernel/watchdog_thresh
	# the VM, killed: its plan of runs would take long to end
	[ -z "${VM_PID:-}" ] || kill -KILL "$VM_PID" 2>/dev/null || true
	wait 2>/dev/null || true
}

@test "dumping a VM whose one line spans hundreds of tables while it dirty-logs, clears and faults under load leaves the soft-lockup detector silent" {
	local seconds=${S2VIEW_STRESS_SECONDS:-120} i plan=log-on
	# 1G of 4K pages, all written: one line over 512 level-3 tables
	for ((i = 0; i < 400; i++)); do
		plan=$plan,run,getlog
	done
	start_vm -m 1G -t all -p "pause,$plan,log-off,run"
	grep -q "^0x0000000080000000-0x00000000c0000000 1G 3 page " "$VM_DIR/s2/ranges"

	echo 1 >/proc/sys/kernel/watchdog_thresh
	local before
	before=$(dmesg | grep -c 'soft lockup' || true)
	LOAD_PIDS=
	for ((i = 0; i < 5; i++)); do
		sh -c 'while :; do :; done' &
		LOAD_PIDS="$LOAD_PIDS $!"
	done
	# the VM dirty-logs, clears and faults: getlog and run in a loop
	kill -USR1 "$VM_PID"
	local end=$((SECONDS + seconds)) dumps=0
	while [ "$SECONDS" -lt "$end" ]; do
		cat "$VM_DIR/s2/ranges" >/dev/null
		dumps=$((dumps + 1))
	done
	echo "# $dumps dumps in $seconds s" >&3
	dmesg | grep -A 30 'soft lockup' || true
	[ "$(dmesg | grep -c 'soft lockup' || true)" -eq "$before" ]
}
