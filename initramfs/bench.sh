#!/bin/sh
# bench.sh - in-guest half of `make bench` (s2view.action=bench, see init).
#
# Compares, in one boot, our views with upstream's debugfs dump
# (/sys/kernel/debug/kvm/<pid>-<fd>/stage2_page_tables) of the same VM.
# Absolute times under TCG are those of an emulated CPU: the ratios are what
# count. BENCH_PARTS (init sets it from s2view.bench=) says what to run:
#   main    everything but the host view:
#           - dumps: ours vs upstream's whole read, for 4K-page (s2vm -b 4k),
#             THP-block (-b thp) and fully fragmented (-b 4k -d) VMs of each
#             size of BENCH_SIZES, one VM at a time; best of BENCH_RUNS
#             samples, a sample being enough whole reads to last
#             BENCH_MIN_SAMPLE seconds; time per output line of the
#             fragmented ones (how the cost grows with the size)
#           - counters: a read of each counter file of a small VM and of the
#             largest fragmented one (kept from the dumps)
#           - kmem: Slab + VmallocUsed before and during a dump loop of it
#           - faults: a second VM faulting in BENCH_FAULT_SIZE of 4K pages,
#             alone and while a loop dumps the big one, ours and upstream's
#             (and while a loop only spends a vCPU, the control); a VM
#             faulting in BENCH_SAME_SIZE while a loop dumps that same VM
#           - toolkit: s2summ.sh (summary, --prom, --map) on a saved copy of
#             the big VM, against the floor: one plain awk pass (floor_awk)
#   host    the pKVM host view: time of a whole read of host/s2/ranges and
#           hypercalls per read; "n/a (not protected mode)" elsewhere
#   faults  the fault path only: best of 5 fault-ins on CPU 0 (tools/bench.sh boots a
#           kernel with the stage-2 stats and one without, and compares)
#   dumps   the dumps of main only (by hand: S2VIEW_BENCH=dumps, for
#           working on the dump's speed)
#   teardown  the time of BENCH_TEARDOWN_VMS (100) VMs' lives, one after
#           the other, teardown included (also in main)
#   all     main, then host (the default)
# Asserts nothing about times: targets are printed beside the figures and
# tools/bench.sh marks each met or not. Results go between
# S2VIEW-BENCH-BEGIN and S2VIEW-BENCH-END, a "### section" line before each
# section's figures and one "result<TAB>name<TAB>value<TAB>unit<TAB>target"
# line per figure (target: "" or "<op> <number>[ note]"); progress lines,
# figures included, start with "bench: ". Exits non-zero only when
# something fails to run.
#
# Knobs (environment, for a run by hand in `make run`'s shell):
# BENCH_RUNS (samples, default 3), BENCH_PAIR_RUNS (samples of each counter
# file, taken in turn with the other VM's, 5), BENCH_MIN_SAMPLE (seconds, 0.5),
# BENCH_SIZES ("64M 256M 1G"), BENCH_SMALL_SIZE (16M),
# BENCH_FAULT_SIZE (512M), BENCH_FAULT_RUNS (rounds of the fault cases, 3),
# BENCH_SAME_SIZE (128M: the VM that faults while its own dump is read).
set -eu

PARTS=${BENCH_PARTS:-all}
RUNS=${BENCH_RUNS:-3}
PAIR_RUNS=${BENCH_PAIR_RUNS:-5}
MIN_SAMPLE=${BENCH_MIN_SAMPLE:-0.5}
SIZES=${BENCH_SIZES:-64M 256M 1G}
SMALL_SIZE=${BENCH_SMALL_SIZE:-16M}
FAULT_SIZE=${BENCH_FAULT_SIZE:-512M}
FAULT_RUNS=${BENCH_FAULT_RUNS:-3}
FAULT="-m $FAULT_SIZE -b 4k"
SAME_SIZE=${BENCH_SAME_SIZE:-128M}
SAME="-m $SAME_SIZE -b 4k"
TEARDOWN_VMS=${BENCH_TEARDOWN_VMS:-100}
# CPU masks (taskset) of the VM that faults and of the loops beside it: a
# CPU each, so that the guest's scheduler moving them about is not measured.
VM_CPUS=1
LOOP_CPUS=2
# Reads per sample at most: the arguments of one cat (see sample()).
MAX_READS=20000
HOOKS=/sys/kernel/debug/kvm/s2_host_snapshot
TMP=$(mktemp -d /tmp/bench.XXXXXX)
RESULTS=$TMP/results
PIDS=
VMS=0
LOOP=

cleanup() {
	[ -z "$LOOP" ] || kill "$LOOP" 2>/dev/null || true
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

### output

progress() {
	echo "bench: $*"
}

die() {
	echo "bench: FAILED: $*" >&2
	exit 1
}

section() {
	printf '### %s\n' "$*" >>"$RESULTS"
	progress "== $*"
}

# result_in FILE NAME VALUE UNIT [TARGET]: a figure into FILE
result_in() {
	printf 'result\t%s\t%s\t%s\t%s\n' "$2" "$3" "$4" "${5:-}" >>"$1"
	progress "$(printf '  %-36s %14s %s%s' "$2" "$3" "$4" "${5:+   (target $5)}")"
}

# result NAME VALUE UNIT [TARGET]
result() {
	result_in "$RESULTS" "$@"
}

# emit: the results, framed for tools/bench.sh
emit() {
	echo "S2VIEW-BENCH-BEGIN"
	cat "$RESULTS"
	echo "S2VIEW-BENCH-END"
}

# num FORMAT EXPR [A [B [C]]]: awk's EXPR of the numbers A, B and C, printed
# with FORMAT (the shell has no fractions); an operand "n/a (why)", a figure
# that could not be measured, is the result. (EXPR in parentheses: a ">" in
# it would be an output redirection.)
num() {
	for x in "${3:-0}" "${4:-0}" "${5:-0}"; do
		case $x in n/a*) echo "$x"; return 0 ;; esac
	done
	awk -v a="${3:-0}" -v b="${4:-0}" -v c="${5:-0}" "BEGIN { printf \"$1\", ($2) }"
}

# least A B: the smaller of two times; A may be empty or "n/a ...": B then
least() {
	awk -v a="$1" -v b="$2" 'BEGIN { print ((a == "" || a ~ /^n/ || b + 0 < a + 0) ? b : a) }'
}

### clocks
# Busybox date has no %N (and -Ins gives whole seconds): bash's
# EPOCHREALTIME, to the microsecond. What timed and sample measure runs
# inside the bash that reads the clock, so that starting bash costs nothing
# inside the interval; now and since (a VM's time to ready) pay it, which
# is nothing beside a minute.

now() {
	/bin/bash -c 'echo "$EPOCHREALTIME"'
}

# since T0: seconds since T0, 3 decimals
since() {
	num %.3f 'b - a' "$1" "$(now)"
}

# timed CMD...: seconds CMD takes, its output in $TMP/out; fails when CMD does
timed() {
	TMP=$TMP /bin/bash -c 't0=$EPOCHREALTIME
		"$@" >"$TMP/out" 2>"$TMP/err" || exit
		echo "$t0 $EPOCHREALTIME"' timed "$@" >"$TMP/stamps" ||
		die "$*: $(cat "$TMP/err")"
	awk '{ printf "%.6f\n", $2 - $1 }' "$TMP/stamps"
}

# sample N FILE: seconds for N whole reads of FILE by one cat (N copies of
# its name): the cost of starting cat is paid once per sample, not per read
sample() {
	TMP=$TMP /bin/bash -c 'a=()
		for ((i = 0; i < $1; i++)); do a[i]=$2; done
		t0=$EPOCHREALTIME
		cat "${a[@]}" >/dev/null 2>"$TMP/err" || exit
		echo "$t0 $EPOCHREALTIME"' sample "$1" "$2" >"$TMP/stamps" ||
		die "cat $2: $(cat "$TMP/err")"
	awk '{ printf "%.6f\n", $2 - $1 }' "$TMP/stamps"
}

# reads_for FILE: READS, enough whole reads of FILE for a sample to last
# MIN_SAMPLE seconds (a short sample would time mostly cat and the clock).
# The samples that find it warm the caches up.
reads_for() {
	READS=1
	t=$(sample 1 "$1")
	while [ "$READS" -lt "$MAX_READS" ] &&
		awk -v t="$t" -v m="$MIN_SAMPLE" 'BEGIN { exit !(t + 0 < m + 0) }'; do
		# 20% over what the last sample says, at least one more read
		READS=$(awk -v n="$READS" -v t="$t" -v m="$MIN_SAMPLE" -v max="$MAX_READS" 'BEGIN {
			k = int(n * 1.2 * m / (t > 0.0001 ? t : 0.0001)) + 1
			print (k > max ? max : k) }')
		t=$(sample "$READS" "$1")
	done
}

# per_read FILE: PER_READ, the seconds of one whole read of FILE: the best
# of RUNS samples of READS reads each (reads_for)
per_read() {
	reads_for "$1"
	best=
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t=$(sample "$READS" "$1")
		best=$(least "$best" "$t")
		i=$((i + 1))
	done
	PER_READ=$(num %.9f 'a / b' "$best" "$READS")
}

# per_read_pair A B: PER_READ_A and PER_READ_B, as per_read's PER_READ for
# files A and B, read alike (B's reads per sample are A's), their samples
# taken in turn, A B A B ...: whatever slows the guest down for a while
# slows both, and their ratio says how they differ, not when each ran.
# PAIR_RUNS samples each (default 5).
per_read_pair() {
	reads_for "$1"
	best_a="" best_b=""
	i=0
	while [ "$i" -lt "$PAIR_RUNS" ]; do
		ta=$(sample "$READS" "$1")
		tb=$(sample "$READS" "$2")
		best_a=$(least "$best_a" "$ta")
		best_b=$(least "$best_b" "$tb")
		i=$((i + 1))
	done
	PER_READ_A=$(num %.9f 'a / b' "$best_a" "$READS")
	PER_READ_B=$(num %.9f 'a / b' "$best_b" "$READS")
}

### VMs

# start_vm ARGS...: start s2vm ARGS and wait for its ready line; sets VMPID,
# VM (its vmN), S2 (its /sys/kernel/kvm/vmN/s2) and READY (seconds from
# start to ready). The VM runs until stop_vm.
start_vm() {
	t0=$(now)
	launch ready s2vm "$@"
	READY=$(since "$t0")
	S2=/sys/kernel/kvm/$VM/s2
}

# launch WORD CMD...: start CMD, an s2vm command line, and wait for its
# "s2vm: WORD ... vm=vmN" line; sets VMPID, VM (its vmN) and OUT (its output)
launch() {
	word=$1
	shift
	VMS=$((VMS + 1))
	OUT=$TMP/s2vm.$VMS.out
	# (created here: the background s2vm may open it after the first grep)
	: >"$OUT"
	"$@" >"$OUT" 2>&1 &
	VMPID=$!
	PIDS="$PIDS $VMPID"
	while ! grep -q "^s2vm: $word" "$OUT"; do
		kill -0 "$VMPID" 2>/dev/null || die "$*: $(cat "$OUT")"
		sleep 0.2
	done
	VM=$(sed -n "s/^s2vm: $word .* vm=\\(vm[0-9]*\\)\$/\\1/p" "$OUT")
	[ -n "$VM" ] || die "no /sys/kernel/kvm/vmN for $*: $(cat "$OUT")"
}

# stop_vm PID: end that s2vm and wait until its VM is gone
stop_vm() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	left=
	for p in $PIDS; do
		[ "$p" = "$1" ] || left="$left $p"
	done
	PIDS=$left
}

# upstream_of PID: upstream's debugfs dump of the VM of the process PID, or
# nothing
upstream_of() {
	for f in /sys/kernel/debug/kvm/"$1"-*/stage2_page_tables; do
		if [ -r "$f" ]; then
			echo "$f"
			return 0
		fi
	done
}

# layout_args LAYOUT: s2vm's arguments for a layout of the dumps
layout_args() {
	case $1 in
	4k) echo "-b 4k" ;;
	thp) echo "-b thp" ;;
	frag) echo "-b 4k -d" ;;
	esac
}

# thp_on: THP for the -b thp VMs (they madvise their memory): "never" would
# give them 4K pages
thp_on() {
	f=/sys/kernel/mm/transparent_hugepage/enabled
	[ -w "$f" ] || die "no $f: THP VMs would get 4K pages"
	case $(cat "$f") in
	*"[never]"*) echo madvise >"$f"; progress "THP was never, now madvise" ;;
	esac
}

# start_loop FILE COUNT: read FILE whole over and over in the background, a
# line into COUNT after each read; sets LOOP. Stopped, it kills the read in
# progress and waits for it, so that no read outlives the loop.
start_loop() {
	: >"$2"
	(
		trap 'kill "$c" 2>/dev/null; wait "$c" 2>/dev/null || :; exit 0' TERM
		while :; do
			cat "$1" >/dev/null &
			c=$!
			wait "$c" || exit 1
			echo >>"$2"
		done
	) &
	LOOP=$!
	taskset -p "$LOOP_CPUS" "$LOOP" >/dev/null
}

# start_busy: a loop that spends one vCPU, as a dump loop does, and reads no
# stage 2: the control for the faults during dumps. Sets LOOP.
start_busy() {
	(while :; do :; done) &
	LOOP=$!
	taskset -p "$LOOP_CPUS" "$LOOP" >/dev/null
}

stop_loop() {
	kill "$LOOP" 2>/dev/null || true
	wait "$LOOP" 2>/dev/null || true
	LOOP=
}

### dumps

# dump_vm LAYOUT SIZE: start a VM of that layout and size and time whole
# reads of its ranges and of upstream's dump of it; leaves the VM running
# (VMPID, VM, S2, UPSTREAM: empty when upstream's dump cannot be read, and
# its figures are n/a: the boot goes on, it has more to measure)
dump_vm() {
	progress "starting s2vm -m $2 $(layout_args "$1")"
	# shellcheck disable=SC2046 # the layout's arguments, one word each
	start_vm -m "$2" $(layout_args "$1")
	name=dump.$1.$2
	progress "$VM ready after $READY s: pages_l3 $(cat "$S2/pages_l3"), blocks_l2 $(cat "$S2/blocks_l2")"
	ours_lines=$(wc -l <"$S2/ranges")
	per_read "$S2/ranges"
	ours=$PER_READ ours_reads=$READS
	UPSTREAM=$(upstream_of "$VMPID")
	if [ -z "$UPSTREAM" ]; then
		up="n/a (no upstream dump)" up_lines=$up up_reads=0
		progress "no /sys/kernel/debug/kvm/$VMPID-*/stage2_page_tables"
	elif ! up_lines=$(wc -l <"$UPSTREAM" 2>"$TMP/err"); then
		up="n/a (upstream read failed)" up_lines=$up up_reads=0
		progress "reading $UPSTREAM failed: $(cat "$TMP/err")"
		UPSTREAM=
	else
		per_read "$UPSTREAM"
		up=$PER_READ up_reads=$READS
	fi
	progress "samples of $ours_reads (ours) and $up_reads (upstream) reads"
	result "$name.vm_ready" "$READY" s
	result "$name.ours" "$(num %.3f 'a * 1000' "$ours")" ms
	result "$name.upstream" "$(num %.3f 'a * 1000' "$up")" ms
	result "$name.ratio" "$(num %.3f 'b > 0 ? a / b : 0' "$ours" "$up")" x "<= 1.0 (aim <= 0.5)"
	result "$name.ours_lines" "$((ours_lines))" lines
	result "$name.upstream_lines" "$(num %d a "$up_lines")" lines
	[ "$1" = frag ] || return 0
	# The fragmented layout's lines grow with its size: its time per line
	# says whether the cost is linear.
	result_in "$TMP/per_line" "dump.frag.$2.ours_per_line" \
		"$(num %.3f 'b > 0 ? a * 1e6 / b : 0' "$ours" "$ours_lines")" us/line
	result_in "$TMP/per_line" "dump.frag.$2.upstream_per_line" \
		"$(num %.3f 'b > 0 ? a * 1e6 / b : 0' "$up" "$up_lines")" us/line
}

# part_dumps: every layout at every size, a VM at a time (they would not fit
# together), smallest first, THP first at each size (before the others
# fragment the memory); leaves the last, the largest fragmented one,
# running for the parts after: BIGPID, BIG (vmN), BIGS2, BIGUP
part_dumps() {
	thp_on
	section "dumps (kvm-arm.mode=${S2VIEW_KVM_MODE:-?}): our ranges vs upstream's debugfs stage2_page_tables of the same VM, ms per whole read (best of $RUNS samples of at least $MIN_SAMPLE s); layouts 4k (s2vm -b 4k), thp (-b thp), frag (-b 4k -d, alternating rw-/r-- pages); ratio ours / upstream"
	: >"$TMP/per_line"
	last=${SIZES##* }
	for size in $SIZES; do
		for layout in thp 4k frag; do
			dump_vm "$layout" "$size"
			if [ "$layout $size" = "frag $last" ]; then
				BIGPID=$VMPID BIG=$VM BIGS2=$S2 BIGUP=$UPSTREAM BIGSIZE=$size
			else
				stop_vm "$VMPID"
			fi
		done
	done
	first=${SIZES%% *}
	section "dumps: time per output line, frag layout (its lines grow with its size); growth = $BIGSIZE / $first"
	cat "$TMP/per_line" >>"$RESULTS"
	for who in ours upstream; do
		a=$(awk -F'\t' -v n="dump.frag.$BIGSIZE.${who}_per_line" '$2 == n { print $3 }' "$TMP/per_line")
		b=$(awk -F'\t' -v n="dump.frag.$first.${who}_per_line" '$2 == n { print $3 }' "$TMP/per_line")
		target=
		[ "$who" = upstream ] || target="<= 1.3"
		result "dump.frag.${who}_per_line_growth" "$(num %.3f 'b > 0 ? a / b : 0' "$a" "$b")" x "$target"
	done
}

### counters

# part_counters: each counter file of a small VM beside the big one: KVM
# keeps the counts, so a read should cost the same whatever the VM's size
part_counters() {
	progress "starting s2vm -m $SMALL_SIZE -b 4k -d"
	start_vm -m "$SMALL_SIZE" -b 4k -d
	small=$VM smallpid=$VMPID
	section "counters: us per read of each counter file (best of $PAIR_RUNS samples of at least $MIN_SAMPLE s, the two VMs' samples in turn), s2vm -m $SMALL_SIZE -b 4k -d ($small) beside the $BIGSIZE frag VM ($BIG); pid: a sysfs file with no stage-2 behind it"
	for f in ipa_bits start_level mapped_bytes blocks_l1 blocks_l2 pages_l3 table_pages; do
		per_read_pair "/sys/kernel/kvm/$small/s2/$f" "$BIGS2/$f"
		a=$PER_READ_A b=$PER_READ_B
		result "counters.$f.$SMALL_SIZE" "$(num %.2f 'a * 1e6' "$a")" us
		result "counters.$f.$BIGSIZE" "$(num %.2f 'a * 1e6' "$b")" us
		result "counters.$f.ratio" "$(num %.2f 'b > 0 ? a / b : 0' "$b" "$a")" x "<= 1.2"
	done
	per_read "/sys/kernel/kvm/$BIG/pid"
	result counters.pid "$(num %.2f 'a * 1e6' "$PER_READ")" us
	stop_vm "$smallpid"
}

### kernel memory

# kmem: Slab + VmallocUsed (KiB): where a dump's buffers would be
kmem() {
	awk '$1 == "Slab:" || $1 == "VmallocUsed:" { s += $2 } END { print s }' /proc/meminfo
}

# kmem_max N: the largest of N samples of kmem, 0.2 s apart
kmem_max() {
	m=0
	i=0
	while [ "$i" -lt "$1" ]; do
		k=$(kmem)
		[ "$k" -le "$m" ] || m=$k
		i=$((i + 1))
		[ "$i" -ge "$1" ] || sleep 0.2
	done
	echo "$m"
}

# kmem_during WHO FILE: kmem before a dump loop of FILE (the largest of 5
# samples: noise is not growth) and during it (the largest of samples 0.2 s
# apart over at least two whole dumps)
kmem_during() {
	before=$(kmem_max 5)
	start_loop "$2" "$TMP/count"
	during=0
	n=0
	while [ "$n" -lt 10 ] || [ "$(wc -l <"$TMP/count")" -lt 2 ]; do
		kill -0 "$LOOP" 2>/dev/null || die "the dump loop of $2 stopped: a read failed"
		k=$(kmem)
		[ "$k" -le "$during" ] || during=$k
		n=$((n + 1))
		[ "$n" -lt 3000 ] || die "the dump loop of $2 did not finish two dumps in 10 minutes"
		sleep 0.2
	done
	stop_loop
	target=
	[ "$1" = upstream ] || target="< 1024"
	result "kmem.$1.before" "$before" KiB
	result "kmem.$1.during" "$during" KiB
	result "kmem.$1.growth" "$((during - before))" KiB "$target"
}

part_kmem() {
	section "kernel memory: Slab + VmallocUsed (/proc/meminfo) before and during a dump loop of the $BIGSIZE frag VM ($BIG), ours and upstream's"
	progress "kernel memory during dumps of $BIG, ours then upstream's"
	kmem_during ours "$BIGS2/ranges"
	if [ -n "$BIGUP" ]; then
		kmem_during upstream "$BIGUP"
	else
		for f in before during growth; do
			result "kmem.upstream.$f" "n/a (no upstream dump)" KiB
		done
	fi
}

### faults during dumps

# fault_in: seconds of one s2vm $FAULT -x on VM_CPUS (create, fault in,
# exit); its output in $TMP/out
fault_in() {
	# shellcheck disable=SC2086 # the arguments, one word each
	timed taskset "$VM_CPUS" s2vm $FAULT -x
}

# faulted FILE: the pages an s2vm run faulted in (its data slots' touched=)
faulted() {
	awk '/^s2vm: slot [0-9]/ { sub(/.*touched=/, ""); n += $1 } END { print n + 0 }' "$1"
}

# rounds CASE_FN CASE...: FAULT_RUNS rounds, each running CASE_FN CASE (which
# sets T, seconds, and DUMPS, whole reads of its loop) for every CASE in
# turn, so that a slow spell of the guest hits every case alike. Sets
# BEST_<CASE>, the case's least T, and DUMPS_<CASE>, its DUMPS summed. The
# upstream case is run only with an upstream dump, else its figures are n/a.
rounds() {
	fn=$1
	shift
	[ -n "$BIGUP" ] || BEST_upstream="n/a (no upstream dump)" DUMPS_upstream="n/a (no upstream dump)"
	cases=
	for c; do
		[ "$c" != upstream ] || [ -n "$BIGUP" ] || continue
		cases="$cases $c"
		eval "BEST_$c='' DUMPS_$c=0"
	done
	r=0
	while [ "$r" -lt "$FAULT_RUNS" ]; do
		r=$((r + 1))
		progress "round $r of $FAULT_RUNS: $fn,$cases"
		for c in $cases; do
			"$fn" "$c"
			eval "best=\$BEST_$c n=\$DUMPS_$c"
			best=$(least "$best" "$T")
			n=$((n + DUMPS))
			eval "BEST_$c=\$best DUMPS_$c=\$n"
		done
	done
}

# start_case WHO FILE: start WHO's loop beside a VM that faults: none
# (idle), the control (busy), or a loop of whole reads of FILE (ours or
# upstream), counted in $TMP/count
start_case() {
	: >"$TMP/count"
	case $1 in
	busy) start_busy ;;
	ours | upstream) start_loop "$2" "$TMP/count" ;;
	esac
}

# stop_case: stop start_case's loop, if any; sets DUMPS, its whole reads
stop_case() {
	[ -z "$LOOP" ] || stop_loop
	DUMPS=$(wc -l <"$TMP/count")
}

# fault_case WHO: one fault_in beside WHO's loop, the dump being that of the
# big VM (part_faults); sets T and DUMPS
fault_case() {
	dump=$BIGS2/ranges
	[ "$1" != upstream ] || dump=$BIGUP
	start_case "$1" "$dump"
	[ -z "$LOOP" ] || sleep 1
	T=$(fault_in)
	stop_case
}

# part_faults: a dump walks one VM's tables; another VM's vCPU faults
# should go on at (nearly) full speed. Rounds of a fault-in alone, beside
# the control loop, beside our dump loop and beside upstream's; a case's
# figure is its best round.
# shellcheck disable=SC2154 # BEST_* and DUMPS_*: set by rounds
part_faults() {
	rounds fault_case idle busy ours upstream
	pages=$(faulted "$TMP/out")
	section "faults: throughput of a second VM faulting in memory (s2vm $FAULT -x, $pages pages, create to exit, on CPU 0, best of $FAULT_RUNS rounds) alone and while a loop on CPU 1 dumps the $BIGSIZE frag VM ($BIG) or only spends a vCPU"
	result faults.pages "$pages" pages
	result faults.idle "$(num %.0f 'b > 0 ? a / b : 0' "$pages" "$BEST_idle")" pages/s
	result faults.during_ours "$(num %.0f 'b > 0 ? a / b : 0' "$pages" "$BEST_ours")" pages/s
	result faults.during_upstream "$(num %.0f 'b > 0 ? a / b : 0' "$pages" "$BEST_upstream")" pages/s
	# throughput share = idle time / time
	result faults.during_ours_share "$(num %.1f 'b > 0 ? a * 100 / b : 0' "$BEST_idle" "$BEST_ours")" % ">= 90"
	result faults.during_upstream_share "$(num %.1f 'b > 0 ? a * 100 / b : 0' "$BEST_idle" "$BEST_upstream")" %
	result faults.ours_loop_dumps "$DUMPS_ours" dumps
	result faults.upstream_loop_dumps "$DUMPS_upstream" dumps
	# The guest has 2 vCPUs on a 2-CPU host: a loop that spends one costs
	# the faulting VM what it costs whatever the loop does. The dump's own
	# cost is the throughput during it beside that of the control.
	result faults.during_busy "$(num %.0f 'b > 0 ? a / b : 0' "$pages" "$BEST_busy")" pages/s
	result faults.during_busy_share "$(num %.1f 'b > 0 ? a * 100 / b : 0' "$BEST_idle" "$BEST_busy")" %
	result faults.during_ours_vs_busy "$(num %.1f 'b > 0 ? a * 100 / b : 0' "$BEST_busy" "$BEST_ours")" % ">= 90"
	result faults.during_upstream_vs_busy "$(num %.1f 'b > 0 ? a * 100 / b : 0' "$BEST_busy" "$BEST_upstream")" %
}

# same_vm WHO: seconds for a VM of $SAME to fault its memory in (from
# SIGUSR1 to its exit: s2vm -w runs the guest on SIGUSR1) beside WHO's loop
# (idle: none), the dump being that VM's own; sets T and DUMPS
same_vm() {
	# shellcheck disable=SC2086 # the arguments, one word each
	launch waiting taskset "$VM_CPUS" s2vm $SAME -w -x
	pid=$VMPID
	dump=/sys/kernel/kvm/$VM/s2/ranges
	[ "$1" != upstream ] || dump=$(upstream_of "$pid")
	start_case "$1" "$dump"
	t0=$(now)
	kill -USR1 "$pid"
	wait "$pid" || die "s2vm $SAME -w -x: $(cat "$OUT")"
	T=$(since "$t0")
	stop_vm "$pid"
	stop_case
}

# part_same_vm: a dump that holds the VM's mmu_lock for writing (upstream's)
# holds off that VM's faults; ours takes it for reading, as faults do.
# Rounds of the three cases, as in part_faults.
# shellcheck disable=SC2154 # BEST_* and DUMPS_*: set by rounds
part_same_vm() {
	rounds same_vm idle ours upstream
	pages=$(faulted "$OUT")
	section "faults in the dumped VM: s2vm $SAME faulting in $pages pages (from the guest's start to exit, on CPU 0, best of $FAULT_RUNS rounds) alone and while a loop on CPU 1 reads its own dump, ours or upstream's"
	result faults.same_vm.pages "$pages" pages
	result faults.same_vm.idle "$(num %.0f 'b > 0 ? a / b : 0' "$pages" "$BEST_idle")" pages/s
	result faults.same_vm.during_ours "$(num %.0f 'b > 0 ? a / b : 0' "$pages" "$BEST_ours")" pages/s
	result faults.same_vm.during_upstream "$(num %.0f 'b > 0 ? a / b : 0' "$pages" "$BEST_upstream")" pages/s
	result faults.same_vm.during_ours_share "$(num %.1f 'b > 0 ? a * 100 / b : 0' "$BEST_idle" "$BEST_ours")" %
	result faults.same_vm.during_upstream_share "$(num %.1f 'b > 0 ? a * 100 / b : 0' "$BEST_idle" "$BEST_upstream")" %
	result faults.same_vm.ours_loop_dumps "$DUMPS_ours" dumps
	result faults.same_vm.upstream_loop_dumps "$DUMPS_upstream" dumps
}

### the toolkit

# floor_awk: the toolkit's floor, one plain pass over a ranges file that
# parses each line's start and end and sums the bytes by type (4th field),
# reading hex as s2lib.awk does: the awk's own conversion where it is exact
# (mawk, busybox), else two digits at a time (gawk, one-true-awk). No
# checks, no output but the sums: what any summary has to spend at least.
# tools/bench-scripts.sh runs this same program on the host (it reads it
# from here, between the FLOOR lines).
floor_awk() {
	cat <<'FLOOR'
BEGIN {
	split("0x0000000080000000 0x000fffffffffffff", x, " ")
	native = x[1] + 0 == 2147483648 && x[2] + 0 == 4503599627370495
	d = "0123456789abcdef"
	for (i = 1; i <= 16; i++)
		for (j = 1; j <= 16; j++)
			h2[substr(d, i, 1) substr(d, j, 1)] = (i - 1) * 16 + j - 1
}
# "0x" and 16 hex digits -> its value
function hex(s,    v, i) {
	if (native)
		return s + 0
	v = 0
	for (i = 3; i < 19; i += 2)
		v = v * 256 + h2[substr(s, i, 2)]
	return v
}
{ bytes[$4] += hex(substr($1, 20, 18)) - hex(substr($1, 1, 18)) }
END { for (t in bytes) printf "%s %.0f\n", t, bytes[t] }
FLOOR
}

# best_of CMD...: the least seconds of RUNS runs of CMD (timed)
best_of() {
	b=""
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t=$(timed "$@")
		b=$(least "$b" "$t")
		i=$((i + 1))
	done
	echo "$b"
}

# part_toolkit: a saved copy of the big VM (the toolkit's tests and users
# read such copies too), then the VM goes: nothing else runs meanwhile
part_toolkit() {
	cp -r "/sys/kernel/kvm/$BIG" "$TMP/"
	copy=$TMP/$BIG
	stop_vm "$BIGPID"
	floor_awk >"$TMP/floor.awk"
	lines=$(wc -l <"$copy/s2/ranges")
	section "toolkit: on a saved copy of the $BIGSIZE frag VM ($BIG, $((lines)) lines), busybox sh and awk, best of $RUNS; floor: one plain awk pass (hex start and end, bytes by type); ratio = time / floor"
	progress "the floor: awk -f floor.awk $copy/s2/ranges"
	floor=$(best_of awk -f "$TMP/floor.awk" "$copy/s2/ranges")
	result toolkit.guest.lines "$((lines))" lines
	result toolkit.guest.floor "$(num %.3f a "$floor")" s
	for mode in "" --prom --map; do
		name=toolkit.guest.s2summ${mode:+_${mode#--}}
		progress "s2summ.sh ${mode:+$mode }$copy"
		# shellcheck disable=SC2086 # no mode: no argument
		t=$(best_of s2summ.sh $mode "$copy")
		result "$name" "$(num %.3f a "$t")" s
		result "${name}_ratio" "$(num %.2f 'b > 0 ? a / b : 0' "$t" "$floor")" x "<= 3"
	done
}

### the host view

# view_calls: "<calls> <entries>", the host view's hypercalls since boot
view_calls() {
	sed -n 's/^calls=\([0-9]*\) entries=\([0-9]*\)$/\1 \2/p' "$HOOKS/view_calls"
}

# host_na WHY: every figure of the host view as n/a
host_na() {
	result host.read "n/a ($1)" ms
	result host.lines "n/a ($1)" lines
	result host.calls_per_read "n/a ($1)" calls
	result host.entries_per_read "n/a ($1)" entries
	result host.entries_per_call "n/a ($1)" entries/call ">= 50"
}

part_host() {
	f=/sys/kernel/kvm/host/s2/ranges
	section "host view: a whole read of /sys/kernel/kvm/host/s2/ranges (best of $RUNS samples of at least $MIN_SAMPLE s), its hypercalls ($HOOKS/view_calls), kvm-arm.mode=${S2VIEW_KVM_MODE:-?}"
	if [ ! -r "$f" ]; then
		host_na "not protected mode"
		return 0
	fi
	progress "reading $f"
	per_read "$f"
	t=$PER_READ
	# shellcheck disable=SC2046 # two numbers
	set -- $(view_calls 2>/dev/null)
	cat "$f" >"$TMP/host"
	# shellcheck disable=SC2046
	set -- "$@" $(view_calls 2>/dev/null)
	result host.read "$(num %.3f 'a * 1000' "$t")" ms
	result host.lines "$(($(wc -l <"$TMP/host")))" lines
	if [ $# -ne 4 ]; then
		why="no $HOOKS/view_calls"
		result host.calls_per_read "n/a ($why)" calls
		result host.entries_per_read "n/a ($why)" entries
		result host.entries_per_call "n/a ($why)" entries/call ">= 50"
		return 0
	fi
	calls=$(($3 - $1)) entries=$(($4 - $2))
	result host.calls_per_read "$calls" calls
	result host.entries_per_read "$entries" entries
	result host.entries_per_call "$(num %.1f 'b > 0 ? a / b : 0' "$entries" "$calls")" entries/call ">= 50"
}

### the fault path

part_faultpath() {
	progress "fault path: s2vm $FAULT -x, best of 5"
	section "fault path: s2vm $FAULT -x on CPU 0, create to exit, best of 5"
	best=
	for i in 1 2 3 4 5; do
		# shellcheck disable=SC2086 # the arguments, one word each
		t=$(timed taskset "$VM_CPUS" s2vm $FAULT -x)
		progress "run $i: $t s"
		best=$(least "$best" "$t")
	done
	result faultpath.fault_in "$(num %.3f a "$best")" s
}

### VM teardown

# part_teardown: TEARDOWN_VMS VMs, one after the other, made, faulted in
# with THP blocks, run and destroyed (s2vm -x): what a VM's life costs,
# teardown included, which once waited for an RCU barrier every time
# (kvm_free_stage2_pgd() now waits only when an unlinked table does)
part_teardown() {
	args="-m $SMALL_SIZE -b thp -t all -x"
	section "VM teardown: $TEARDOWN_VMS x s2vm $args, one after the other"
	progress "$TEARDOWN_VMS VMs: s2vm $args"
	# shellcheck disable=SC2016 # expanded by that sh
	t=$(timed /bin/sh -c 'i=0
		while [ $i -lt "$1" ]; do
			# shellcheck disable=SC2086 # the arguments, one word each
			s2vm $2 >/dev/null || exit
			i=$((i + 1))
		done' teardown "$TEARDOWN_VMS" "$args")
	result teardown.vms "$(num %.3f a "$t")" s
	result teardown.per_vm "$(num %.1f 'a * 1000 / b' "$t" "$TEARDOWN_VMS")" ms
}

### the run

[ -x /bin/bash ] || die "no /bin/bash: its EPOCHREALTIME is the clock"
case $(now) in *[0-9].[0-9][0-9][0-9][0-9][0-9][0-9]) ;; *) die "no clock with microseconds: $(now)" ;; esac
command -v s2vm >/dev/null || die "no s2vm on PATH"
: >"$RESULTS"
progress "parts: $PARTS; $(grep -c ^processor /proc/cpuinfo) vCPUs, $(awk '$1 == "MemTotal:" { print int($2 / 1024) }' /proc/meminfo) MiB, kvm-arm.mode=${S2VIEW_KVM_MODE:-?}"
case $PARTS in
all | main)
	part_dumps
	part_counters
	part_kmem
	part_faults
	part_same_vm
	part_toolkit
	part_teardown
	[ "$PARTS" = main ] || part_host
	;;
host) part_host ;;
faults) part_faultpath ;;
dumps) part_dumps ;;
teardown) part_teardown ;;
*) die "unknown part '$PARTS' (all, main, host, faults, dumps or teardown)" ;;
esac
progress "done"
emit
