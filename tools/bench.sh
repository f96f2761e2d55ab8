#!/bin/sh
# bench.sh - `make bench`: how fast the views and the toolkit are.
#
# USAGE: tools/bench.sh [-h] [-H] [-G] [MODE]
#   MODE  KVM mode of the guest part (default nvhe)
#   -H    host part only          -G    guest part only
#   e.g. tools/bench.sh            # both, the guest in nvhe
#        tools/bench.sh protected  # both, the guest under pKVM
#
# 1. host: tools/bench-scripts.sh, s2summ.sh and s2owner.sh on a generated
#    262,144-line ranges file under dash and busybox sh.
# 2. guest: one boot of MODE with s2view.action=bench (initramfs/bench.sh):
#    a 1 GiB fully fragmented VM; time, bytes and lines of a whole dump of
#    its ranges, a read of each counter, the toolkit on it, and how long a
#    second VM takes to fault in 512M with and without a concurrent dump
#    loop. QEMU runs TCG: absolute times are those of an emulated CPU.
# 3. fault path: two more boots of MODE (s2view.bench=faults), one with
#    build/Image and one with a kernel built without the stage-2 stats
#    (kernel/bench/no-stage2-stats.patch): best-of-3 fault-in of 512M of 4K
#    pages each, and the overhead of keeping the stats (target <= 5%).
# Prints plain numbers with units under a header per section; asserts
# nothing about times (it fails only when something does not run, or the
# kernel reports a problem: run-qemu.sh's verdict). The
# console log goes to build/results/bench/MODE.log (S2VIEW_RESULTS
# overrides the directory; S2VIEW_IMAGE, S2VIEW_INITRD as for run-qemu.sh).
#
# REQUIREMENTS: `make all` (build/Image, build/initramfs.cpio.gz), dash,
# busybox, qemu-system-aarch64.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 4,8p' "$0"
}

host=1
guest=1
while getopts hHG opt; do
	case $opt in
	h) usage; exit 0 ;;
	H) guest= ;;
	G) host= ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || { usage >&2; exit 2; }
mode=${1:-nvhe}
case " $S2VIEW_MODES " in *" $mode "*) ;; *) die "unknown mode '$mode' (one of: $S2VIEW_MODES)" ;; esac

header() {
	printf '\n== %s\n' "$*"
}

if [ -n "$host" ]; then
	header "host: s2summ.sh and s2owner.sh on a generated 262,144-page ranges file (tools/bench-scripts.sh)"
	echo "host: $(uname -m), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
	"$top/tools/bench-scripts.sh"
fi

if [ -n "$guest" ]; then
	results=${S2VIEW_RESULTS:-$top/build/results/bench}
	mkdir -p "$results"
	header "guest ($mode, QEMU TCG): booting with s2view.action=bench"
	# Progress lines as they come; the results below, from the console
	# log; the verdict (exit status, kernel reports) is run-qemu.sh's.
	out=$results/$mode.out
	{
		rc=0
		S2VIEW_RESULTS=$results "$top/tools/run-qemu.sh" "$mode" bench 2>&1 || rc=$?
		echo "$rc" >"$results/$mode.status"
	} | tee "$out" | grep --line-buffered '^bench: ' || true
	log=$results/$mode.log
	if [ "$(cat "$results/$mode.status")" != 0 ] ||
		! grep -q '^S2VIEW-BENCH-END' "$log" 2>/dev/null; then
		sed -n '/^run-qemu: problems:/,$p' "$out" >&2
		die "the guest bench did not finish cleanly: see $log"
	fi
	sed -n '/^S2VIEW-BENCH-BEGIN/,/^S2VIEW-BENCH-END/p' "$log" | sed '1d;$d' |
		sed "s/^### \(.*\)/\n== guest ($mode): \1/"
fi

if [ -n "$guest" ]; then
	# kernel/bench/no-stage2-stats.patch compiles stage2_account() to
	# nothing: the same kernel without the stage-2 stats. Built in the
	# same tree and build dir (only pgtable.c changes), then the tree goes
	# back to the series.
	header "fault path ($mode): s2vm -m 512M -b 4k -x (131,072 faults), best of 3, a kernel with the stage-2 stats and one without"
	nostats=$top/build/bench/Image-nostats
	mkdir -p "$top/build/bench"
	S2VIEW_EXTRA_PATCHES=$top/kernel/bench/no-stage2-stats.patch \
		"$top/tools/build-kernel.sh" "$nostats" >/dev/null
	"$top/tools/build-kernel.sh" "$top/build/Image" >/dev/null
	for kernel in stats nostats; do
		image=$top/build/Image
		[ "$kernel" = stats ] || image=$nostats
		dir=$results/faults-$kernel
		S2VIEW_IMAGE=$image S2VIEW_BENCH=faults S2VIEW_RESULTS=$dir \
			"$top/tools/run-qemu.sh" "$mode" bench >"$dir.out" 2>&1 ||
			die "the fault-path boot ($kernel) failed: see $dir.out"
		t=$(sed -n 's/^fault-in time: *\([0-9.]*\) s.*/\1/p' "$dir/$mode.log")
		[ -n "$t" ] || die "no fault-in time in $dir/$mode.log"
		eval "t_$kernel=\$t"
		printf '%-44s %12s s\n' "fault-in time, $kernel:" "$t"
	done
	# shellcheck disable=SC2154 # t_stats and t_nostats: set by eval
	awk -v a="$t_stats" -v b="$t_nostats" 'BEGIN {
		o = b > 0 ? (a / b - 1) * 100 : 0
		printf "%-44s %12.1f %% (target <= 5: %s)\n", "overhead of the stats:", o, o <= 5 ? "met" : "NOT MET"
	}'
fi
