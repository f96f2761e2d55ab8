# lib.bash - helpers of the in-guest bats suite (sourced by `load lib`).
#
# start_vm ARGS...   start the launcher (initramfs/s2vm/; `s2vm -h`) with ARGS,
#                    wait for its ready line (waiting line with -w); sets VM_PID, VM (vmN),
#                    VM_DIR (/sys/kernel/kvm/vmN) and VM_OUT (its output).
#                    teardown() kills every VM started.
# wait_line WORD     wait for the launcher's "s2vm: WORD" line
# wait_for_line FILE REGEX PID SECONDS
#                    wait for a line of FILE, while process PID lives
# check_ranges FILE [IPA_BITS]
#                    validate a ranges file (tests/lib/ranges.awk); on success
#                    $RANGES_OUT holds its list of valid ranges
# kvm_mode           vhe, nvhe or protected (S2VIEW_KVM_MODE, set by /init)
# prom VM, metric M  s2summ.sh --prom VM into $PROM; the value of metric M
# counters           the five counter files of $VM_DIR in one line
# check_counters     they equal what a full read of ranges says (tests/lib/counters.awk)
# resume N           SIGUSR1 to a launcher paused by its -p plan; wait for its pause at step N
# slots_in_vmm_maps PID N
#                    $VM_DIR's N memslots all lie inside mappings of the VMM PID

S2VIEW_TESTS=${S2VIEW_TESTS:-/tests}
RANGES_AWK=$S2VIEW_TESTS/lib/ranges.awk
# The host's page size (the stage-2 granule) and what a level-2 entry maps
# (a block: 2M, 32M or 512M), from the PMD-sized THP: a table page holds
# PAGE / 8 entries, so HUGE = PAGE * PAGE / 8. KVM maps level-1 blocks (L1,
# 1G) with 4K pages only; L1 is 0 for the others.
HUGE=$(cat /sys/kernel/mm/transparent_hugepage/hpage_pmd_size)
case $HUGE in
$((2 << 20))) PAGE=4096 L1=$((1 << 30)) ;;
$((32 << 20))) PAGE=16384 L1=0 ;;
$((512 << 20))) PAGE=65536 L1=0 ;;
*) echo "lib.bash: unknown PMD size $HUGE" >&2; exit 1 ;;
esac
# Pages of the control slot the guest accesses (its bytes 0 to 8K): two
# 4K pages, else one.
CONTROL_PAGES=$(((0x2000 + PAGE - 1) / PAGE))
CONTROL_IPA=$((0x10000000))
DATA_IPA=$((0x80000000))

# hugetlb_reserve: the hugetlb pool a file's tests use: 8 huge pages of 2M,
# 2 of a larger size (512M with 64K pages); hugetlb_release gives them back.
hugetlb_reserve() {
	echo $((HUGE > (2 << 20) ? 2 : 8)) >/proc/sys/vm/nr_hugepages
}

hugetlb_release() {
	echo 0 >/proc/sys/vm/nr_hugepages
}

# The mode init read from the kernel command line.
kvm_mode() {
	echo "${S2VIEW_KVM_MODE:?not set by /init}"
}

# kernel_at_least MAJOR MINOR: the running kernel is MAJOR.MINOR or later
kernel_at_least() {
	local v
	v=$(uname -r)
	v=${v%%-*}
	local major=${v%%.*} rest=${v#*.}
	local minor=${rest%%.*}
	[ "$major" -gt "$1" ] || { [ "$major" -eq "$1" ] && [ "$minor" -ge "$2" ]; }
}

# vm_tables_at_el2: under pKVM since 6.14, EL2 keeps every VM's stage-2 and
# the host kernel has no table of it to walk or count: the view reads it
# through the guest snapshot hypercall (21-vm-at-el2.bats), which comes with
# the host view (KVM_S2_HOST_SNAPSHOT); without it, ranges and counters fail
# with EOPNOTSUPP
vm_tables_at_el2() {
	[ "$(kvm_mode)" = protected ] && kernel_at_least 6 14
}

# vm_sw: the fields a valid line of a VM's ranges ends with after af=: EL2
# keeps pKVM's page state of a guest's pages in its entries (shared-borrowed:
# the host lends them), where it keeps the VM's stage-2
vm_sw() {
	! vm_tables_at_el2 || echo " sw=0x2"
}

# need_vm_tables: skip a test that reads a VM's ranges or counters where
# nothing can (bats 1.8 cannot skip from setup_file)
need_vm_tables() {
	! vm_tables_at_el2 || [ -d /sys/kernel/kvm/host/s2 ] ||
		skip "EL2 keeps the VM's stage-2 under pKVM on $(uname -r), and no hypercall copies it"
}

# need_host_tables: skip a test that compares with upstream's debugfs dump,
# which walks the host kernel's own tables of the VM
need_host_tables() {
	! vm_tables_at_el2 ||
		skip "EL2 keeps the VM's stage-2 under pKVM on $(uname -r): upstream's dump has nothing"
}

# scale_test: the 1 GiB VMs, the stress loops and the toolkit on live VMs
# test nothing that differs between KVM modes: make check runs them in one
# mode per kernel (s2view.scale=1, see tools/check.sh), make check-full in
# every mode
scale_test() {
	[ -n "${S2VIEW_SCALE:-}" ] ||
		skip "a scale test: make check runs it in one mode per kernel"
}

# wait_for_line FILE REGEX PID SECONDS: wait until a line of FILE matches
# REGEX (grep); fails as soon as process PID is gone, or after SECONDS
wait_for_line() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# wait_line WORD: wait up to 180 s for the launcher started by start_vm to
# print "s2vm: WORD"; fails if it dies first.
wait_line() {
	wait_for_line "$VM_OUT" "^s2vm: $1" "$VM_PID" 180 && return 0
	if ! kill -0 "$VM_PID" 2>/dev/null; then
		echo "s2vm died before '$1':" >&2
		cat "$VM_OUT" >&2
	else
		echo "s2vm: no '$1' line in 180 s" >&2
	fi
	return 1
}

# start_vm ARGS...: with -w in ARGS, returns at the waiting line instead
# (the guest runs on kill -USR1 "$VM_PID"; then wait_line ready).
start_vm() {
	local arg want=ready
	for arg in "$@"; do
		[ "$arg" = -w ] && want=waiting
	done
	VM_OUT=$(mktemp "$BATS_TEST_TMPDIR/s2vm.XXXXXX")
	s2vm "$@" >"$VM_OUT" 2>&1 &
	VM_PID=$!
	echo "$VM_PID" >>"$BATS_TEST_TMPDIR/vm.pids"
	wait_line "$want" || return 1
	VM=$(sed -n "s/^s2vm: $want .* vm=\([a-z0-9]*\)$/\1/p" "$VM_OUT")
	[ -n "$VM" ] && [ "$VM" != none ] || { echo "s2vm found no /sys/kernel/kvm/vmN:" >&2; cat "$VM_OUT" >&2; return 1; }
	VM_DIR=/sys/kernel/kvm/$VM
}

stop_vm() {
	kill "$1" 2>/dev/null || return 0
	wait "$1" 2>/dev/null || true
}

teardown() {
	local pid
	[ -f "$BATS_TEST_TMPDIR/vm.pids" ] || return 0
	while read -r pid; do
		stop_vm "$pid"
	done <"$BATS_TEST_TMPDIR/vm.pids"
	rm -f "$BATS_TEST_TMPDIR/vm.pids"
}

check_ranges() {
	RANGES_OUT=$BATS_TEST_TMPDIR/ranges.valid
	if ! awk -v ipa_bits="${2:-}" -f "$RANGES_AWK" "$1" >"$RANGES_OUT"; then
		grep '^BAD' "$RANGES_OUT" >&2
		return 1
	fi
}

# Valid pages in [lo, hi), one page number per line, from $RANGES_OUT.
mapped_pages() {
	awk -v lo="$1" -v hi="$2" -v page=$PAGE '
		$1 == "END" { next }
		{
			for (a = $1; a < $2; a += page)
				if (a >= lo && a < hi)
					print (a - lo) / page
		}' "$RANGES_OUT"
}

# An awk function: hex("0x...") as a number (busybox awk has no strtonum),
# the validator's own, not a copy.
HEX_AWK=$(sed -n '/^function hex(/,/^}/p' "$RANGES_AWK")

# The upstream debugfs dump of the VM with pid $1.
debugfs_dump() {
	local f
	for f in /sys/kernel/debug/kvm/"$1"-*/stage2_page_tables; do
		[ -f "$f" ] && { cat "$f"; return 0; }
	done
	return 1
}

# Valid pages of the upstream dump of the VM with pid $1, one
# "<page number> <perms>" line each. Valid lines have attribute columns
# after the level (invalid ones have none). Upstream's execute column: before
# 6.18 an X means execute-never, in 6.18 executable; since 6.19 it shows
# FEAT_XNX's four states ("px ux", "PXNux", "PXNUXN", "px UXN"), and ours
# says x when either privilege may execute. Lines whose end is not after
# their start (upstream's corrupt first line) give nothing.
upstream_pages() {
	local x_is_xn=1
	! kernel_at_least 6 18 || x_is_xn=0
	debugfs_dump "$1" | awk -v page=$PAGE -v x_is_xn=$x_is_xn "$HEX_AWK"'
		# 0x0000000080000000-0x0000000080001000   4K 3   R W X AF
		# 0x0000000080000000-0x0000000080001000   4K 3   R W PXNUXN AF
		$1 ~ /^0x[0-9a-f]+-0x[0-9a-f]+$/ && NF > 3 {
			# no X column: executable before 6.18; FEAT_XNX (6.19
			# on, where x_is_xn is 0): executable by either
			# privilege when px, ux or PXNux is there
			r = w = 0
			x = x_is_xn
			for (i = 4; i <= NF; i++) {
				if ($i == "R") r = 1
				if ($i == "W") w = 1
				if ($i == "X") x = !x_is_xn
				if ($i ~ /^(px|ux|PXNux)$/) x = 1
			}
			p = (r ? "r" : "-") (w ? "w" : "-") (x ? "x" : "-")
			s = hex(substr($1, 1, 18)); e = hex(substr($1, 20, 18))
			for (a = s; a < e; a += page)
				print a / page, p
		}'
}

# prom VM: s2summ.sh --prom VM into $PROM, its stderr into $PROM_ERR; fails
# when s2summ.sh does
prom() {
	PROM=$BATS_TEST_TMPDIR/prom
	PROM_ERR=$BATS_TEST_TMPDIR/prom.err
	s2summ.sh --prom "$@" >"$PROM" 2>"$PROM_ERR" || {
		echo "s2summ.sh --prom $* failed with $?:" >&2
		cat "$PROM_ERR" >&2
		return 1
	}
}

# metric 'NAME{LABELS}': its value in $PROM; fails when it is not there
metric() {
	local v
	v=$(awk -v m="$1" '$1 == m { print $2 }' "$PROM")
	[ -n "$v" ] || { echo "no metric $1 in s2summ.sh --prom" >&2; return 1; }
	echo "$v"
}

COUNTERS_AWK=$S2VIEW_TESTS/lib/counters.awk
COUNTER_FILES="blocks_l1 blocks_l2 pages_l3 table_pages mapped_bytes"

# counters: the VM's counter files, "<blocks_l1> <blocks_l2> <pages_l3>
# <table_pages> <mapped_bytes>"
counters() {
	local f out=
	for f in $COUNTER_FILES; do
		out="$out${out:+ }$(cat "$VM_DIR/s2/$f")" || return 1
	done
	echo "$out"
}

# expected_counters: the same five numbers, worked out from a full read of
# the VM's ranges (tests/lib/counters.awk)
expected_counters() {
	check_ranges "$VM_DIR/s2/ranges" || return 1
	awk -v page=$PAGE -v start_level="$(cat "$VM_DIR/s2/start_level")" \
		-v ipa_bits="$(cat "$VM_DIR/s2/ipa_bits")" \
		-f "$COUNTERS_AWK" "$RANGES_OUT"
}

# check_counters: with the VM's vCPU stopped, every counter equals what its
# ranges say. A table replaced by a block leaves the counts when it is
# freed, after an RCU grace period: a difference is read again for up to
# 5 s before it fails. Sets COUNTERS to the counters.
check_counters() {
	local want i
	for ((i = 0; i < 50; i++)); do
		want=$(expected_counters) || return 1
		COUNTERS=$(counters) || return 1
		[ "$COUNTERS" = "$want" ] && return 0
		sleep 0.1
	done
	echo "counters ($COUNTER_FILES): $COUNTERS" >&2
	echo "ranges say:                                              $want" >&2
	return 1
}

# counter NAME: one of the five from $COUNTERS (set by check_counters)
counter() {
	local i=1 f
	for f in $COUNTER_FILES; do
		[ "$f" = "$1" ] && { echo "$COUNTERS" | cut -d' ' -f$i; return 0; }
		i=$((i + 1))
	done
	return 1
}

# resume N: let a launcher paused by its -p plan go on, to its pause at step N
resume() {
	kill -USR1 "$VM_PID"
	wait_line "paused step=$1"
}

# slots_in_vmm_maps PID SLOTS: every memslot of $VM_DIR lies inside one
# mapping of the VMM PID (/proc/PID/maps), and there are SLOTS of them
slots_in_vmm_maps() {
	awk -v want="$2" "$HEX_AWK"'
		# aaaac9f50000-aaaacb00c000 r-xp 00000000 00:03 632  /usr/bin/qemu-system-aarch64
		FILENAME == ARGV[1] {
			split($1, r, "-")
			lo[n] = hex("0x" r[1]); hi[n] = hex("0x" r[2]); n++
			next
		}
		# 0x0000000040000000-0x0000000048000000 128M slot=2 as=0 hva=0x0000ffff7fe00000 flags=-
		{
			split($1, g, "-"); sub(/^hva=/, "", $5)
			s = hex($5); e = s + hex(g[2]) - hex(g[1]); in_map = 0
			for (i = 0; i < n; i++)
				if (s >= lo[i] && e <= hi[i])
					in_map = 1
			if (!in_map) { print "not mapped by the VMM: " $0; bad = 1 }
			slots++
		}
		END { exit bad || slots != want }' "/proc/$1/maps" "$VM_DIR/memslots"
}
