#!/bin/sh
# bench.sh - in-guest half of `make bench` (s2view.action=bench, see init).
#
# Creates a 1 GiB fully fragmented VM (s2vm -m 1G -b 4k -d: 262,144
# alternately rw- and r-- pages) and measures, with wall-clock times:
#   - cat of its whole ranges file: time, bytes, lines, lines per second
#   - the fault path: best of 3 fault-ins of 512M of 4K pages
#   - one read of each counter file, of this VM and of a 16M one (the counts
#     are kept by KVM: the same cost), and of pid (the cost of cat itself)
#   - s2summ.sh and s2summ.sh --prom on that live VM (one run each)
#   - a second VM faulting in 512M of 4K pages (s2vm -m 512M -b 4k -x), alone,
#     while a loop dumps the big VM's ranges, and while a loop cats a saved
#     copy of them (a loop as busy, without KVM): the dump takes
#     kvm->mmu_lock for reading a table at a time, so vCPU faults should go
#     on; comparing the two loops tells lock stalls from CPU contention.
# Asserts nothing about times. Results go between S2VIEW-BENCH-BEGIN and
# S2VIEW-BENCH-END, one "name: value unit" line each, under "### section"
# headers; progress lines start with "bench: ". Exits non-zero only when
# something fails to run.
#
# Knobs (environment): BENCH_RUNS (whole dumps, default 3), BENCH_READS
# (reads of each counter file, default 10), BENCH_VM (the big VM's s2vm
# arguments), BENCH_SMALL (the small VM's, for counter reads side by side),
# BENCH_FAULT (the fault-in VM's), BENCH_PARTS (all, or faults: the fault
# path only; init sets it from s2view.bench=).
set -eu

RUNS=${BENCH_RUNS:-3}
BIG=${BENCH_VM:--m 1G -b 4k -d}
SMALL=${BENCH_SMALL:--m 16M -b 4k -d}
FAULT=${BENCH_FAULT:--m 512M -b 4k}
TMP=$(mktemp -d /tmp/bench.XXXXXX)
VMPID=
SMALLPID=
LOOP=

cleanup() {
	[ -z "$LOOP" ] || kill "$LOOP" 2>/dev/null || true
	[ -z "$VMPID" ] || kill "$VMPID" 2>/dev/null || true
	[ -z "$SMALLPID" ] || kill "$SMALLPID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

progress() {
	echo "bench: $*"
}

die() {
	echo "bench: FAILED: $*" >&2
	exit 1
}

# seconds since the epoch, to the microsecond: busybox date has no %N (and
# -Ins gives whole seconds), so bash's EPOCHREALTIME; the cost of one call
# is reported as "clock overhead"
if [ -x /bin/bash ]; then
	now() {
		/bin/bash -c 'echo "$EPOCHREALTIME"'
	}
else
	now() {
		date +%s.%N
	}
fi

# since T0 [N]: seconds since T0 (divided by N), 3 decimals
since() {
	awk -v a="$1" -v b="$(now)" -v n="${2:-1}" 'BEGIN { printf "%.3f\n", (b - a) / n }'
}

# result NAME VALUE UNIT
result() {
	printf '%-44s %12s %s\n' "$1:" "$2" "$3" >>"$TMP/results"
}

section() {
	printf '### %s\n' "$*" >>"$TMP/results"
}

# best of RUNS runs of "$@" (stdout to /dev/null), in seconds
best() {
	b=
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(now)
		"$@" >/dev/null 2>"$TMP/err" || die "$* failed: $(cat "$TMP/err")"
		t=$(since "$t0")
		b=$(awk -v t="$t" -v b="$b" 'BEGIN { printf "%.3f", (b == "" || t < b) ? t : b }')
		i=$((i + 1))
	done
	echo "$b"
}

case $(now) in *[0-9].[0-9][0-9][0-9][0-9][0-9][0-9]*) ;; *) die "no clock with sub-second resolution: $(now)" ;; esac
command -v s2vm >/dev/null || die "no s2vm on PATH"
: >"$TMP/results"

# emit: the results, framed for tools/bench.sh
emit() {
	echo "S2VIEW-BENCH-BEGIN"
	cat "$TMP/results"
	echo "S2VIEW-BENCH-END"
}

### the fault path (BENCH_PARTS=faults: this part only; make bench boots a
### kernel with the stage-2 stats and one without, and compares)
progress "fault path: s2vm $FAULT -x, best of 3"
section "fault path: s2vm $FAULT -x, create to exit, best of 3"
# shellcheck disable=SC2086
result "fault-in time" "$(RUNS=3 best s2vm $FAULT -x)" s
if [ "${BENCH_PARTS:-all}" = faults ]; then
	progress "done"
	emit
	exit 0
fi

### the big VM
progress "starting s2vm $BIG (a minute or so under TCG)"
t0=$(now)
# shellcheck disable=SC2086
s2vm $BIG >"$TMP/big.out" 2>&1 &
VMPID=$!
while ! grep -q '^s2vm: ready' "$TMP/big.out"; do
	kill -0 "$VMPID" 2>/dev/null || die "s2vm $BIG: $(cat "$TMP/big.out")"
	sleep 0.2
done
ready=$(since "$t0")
VM=$(sed -n 's/^s2vm: ready .* vm=\(vm[0-9]*\)$/\1/p' "$TMP/big.out")
[ -n "$VM" ] || die "no /sys/kernel/kvm/vmN for s2vm $BIG: $(cat "$TMP/big.out")"
S2=/sys/kernel/kvm/$VM/s2
progress "$VM ready after $ready s: $(grep '^s2vm: ready' "$TMP/big.out")"

t0=$(now)
t1=$(now)
clock=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')

section "setup: s2vm $BIG ($VM), $(grep -c ^processor /proc/cpuinfo) vCPUs, ${S2VIEW_KVM_MODE:-unknown}"
result "time to ready (create, fault in, dirty pass)" "$ready" s
result "pages_l3" "$(cat "$S2/pages_l3")" entries
result "mapped_bytes" "$(cat "$S2/mapped_bytes")" bytes
result "table_pages" "$(cat "$S2/table_pages")" pages
result "clock overhead (one timestamp, in every time below)" "$clock" ms

### the whole dump
progress "dumping $S2/ranges $RUNS times"
cat "$S2/ranges" >"$TMP/ranges"
bytes=$(wc -c <"$TMP/ranges")
lines=$(wc -l <"$TMP/ranges")
t=$(best cat "$S2/ranges")
section "cat $S2/ranges (whole dump, best of $RUNS)"
result "time" "$t" s
result "size" "$((bytes))" bytes
result "lines" "$((lines))" lines
result "throughput" "$(awk -v n="$lines" -v t="$t" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')" lines/s
result "throughput" "$(awk -v n="$bytes" -v t="$t" 'BEGIN { printf "%.1f", (t > 0 ? n / t / 1048576 : 0) }')" MiB/s
t=$(best dd if="$S2/ranges" of=/dev/null bs=4096)
result "time with 4K reads (dd bs=4096)" "$t" s

### counters
# read_mean FILE: ms per cat of FILE, over READS reads
READS=${BENCH_READS:-10}
read_mean() {
	t0=$(now)
	i=0
	while [ "$i" -lt "$READS" ]; do
		cat "$1" >/dev/null
		i=$((i + 1))
	done
	awk -v s="$(since "$t0" "$READS")" 'BEGIN { printf "%.1f", s * 1000 }'
}

progress "starting s2vm $SMALL, reading each counter file of both VMs $READS times"
# shellcheck disable=SC2086
s2vm $SMALL >"$TMP/small.out" 2>&1 &
SMALLPID=$!
while ! grep -q '^s2vm: ready' "$TMP/small.out"; do
	kill -0 "$SMALLPID" 2>/dev/null || die "s2vm $SMALL: $(cat "$TMP/small.out")"
	sleep 0.2
done
small=$(sed -n 's/^s2vm: ready .* vm=\(vm[0-9]*\)$/\1/p' "$TMP/small.out")
section "one read (cat) of each counter file, mean of $READS: s2vm $SMALL ($small) beside $VM; pid is the cost of cat itself"
for f in ipa_bits start_level mapped_bytes blocks_l1 blocks_l2 pages_l3 table_pages; do
	a=$(read_mean "/sys/kernel/kvm/$small/s2/$f")
	b=$(read_mean "$S2/$f")
	result "$f: small VM" "$a" ms
	result "$f: $VM" "$b" ms
	result "$f: $VM / small VM (target <= 1.2)" "$(awk -v a="$a" -v b="$b" 'BEGIN { r = a > 0 ? b / a : 0; printf "%.2f %s", r, r <= 1.2 ? "met" : "NOT MET" }')" x
done
result "pid" "$(read_mean "/sys/kernel/kvm/$VM/pid")" ms
kill "$SMALLPID"
wait "$SMALLPID" 2>/dev/null || true
SMALLPID=

### the toolkit on the live VM (slow under TCG: one run each)
section "toolkit on the live $VM (one run each; busybox sh and awk)"
for mode in "" --prom; do
	progress "s2summ.sh $mode $VM"
	# shellcheck disable=SC2086
	t=$(RUNS=1 best s2summ.sh $mode "$VM")
	result "s2summ.sh ${mode:-(summary)}" "$t" s
	result "s2summ.sh ${mode:-(summary)} throughput" \
		"$(awk -v n="$lines" -v t="$t" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')" lines/s
done

### faults during dumps
# fault_in: seconds for one s2vm -x run of the fault-in VM
fault_in() {
	t0=$(now)
	# shellcheck disable=SC2086
	s2vm $FAULT -x >"$TMP/fault.out" 2>&1 || die "s2vm $FAULT -x: $(cat "$TMP/fault.out")"
	since "$t0"
}

# loop FILE OUT: cat FILE over and over, the time of each cat into OUT; sets LOOP
loop() {
	: >"$2"
	(
		while :; do
			d0=$(now)
			cat "$1" >/dev/null
			since "$d0" >>"$2"
		done
	) &
	LOOP=$!
	sleep 1
}

stop_loop() {
	kill "$LOOP" 2>/dev/null || true
	wait "$LOOP" 2>/dev/null || true
	LOOP=
}

mean() {
	awk '{ s += $1; n++ } END { printf "%.3f", n ? s / n : 0 }' "$1"
}

progress "fault-in VM (s2vm $FAULT -x) alone"
alone=$(fault_in)
alone2=$(fault_in)
progress "fault-in VM while a loop dumps $VM's ranges"
loop "$S2/ranges" "$TMP/dumps"
busy=$(fault_in)
busy2=$(fault_in)
stop_loop
progress "fault-in VM while a loop cats a saved copy of the ranges (as busy, no KVM)"
loop "$TMP/ranges" "$TMP/copies"
ctl=$(fault_in)
ctl2=$(fault_in)
stop_loop
touched=$(sed -n 's/^s2vm: ready .* touched=\([0-9]*\).*/\1/p' "$TMP/fault.out")

section "vCPU faults during dumps: s2vm $FAULT -x ($touched pages faulted in), create to exit"
result "alone, run 1" "$alone" s
result "alone, run 2" "$alone2" s
result "during a dump loop of $VM, run 1" "$busy" s
result "during a dump loop of $VM, run 2" "$busy2" s
result "during a cat loop of a saved copy, run 1" "$ctl" s
result "during a cat loop of a saved copy, run 2" "$ctl2" s
result "slowdown with dumps (mean / mean alone)" \
	"$(awk -v a="$alone" -v b="$alone2" -v c="$busy" -v d="$busy2" 'BEGIN { printf "%.2f", (c + d) / (a + b) }')" x
result "slowdown with the copy loop (mean / mean alone)" \
	"$(awk -v a="$alone" -v b="$alone2" -v c="$ctl" -v d="$ctl2" 'BEGIN { printf "%.2f", (c + d) / (a + b) }')" x
result "dumps of $VM completed in the loop" "$(wc -l <"$TMP/dumps")" dumps
result "mean dump time in the loop" "$(mean "$TMP/dumps")" s
result "cats of the copy completed in the loop" "$(wc -l <"$TMP/copies")" cats
result "mean cat time of the copy in the loop" "$(mean "$TMP/copies")" s

progress "done"
emit
