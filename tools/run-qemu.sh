#!/bin/sh
# run-qemu.sh - boot the s2view image in QEMU in one KVM mode.
#
# USAGE: tools/run-qemu.sh [-k KERNEL] [-d] [-g GRANULE] [-T SECONDS] [-q] MODE ACTION
#   MODE    vhe | nvhe | protected       (kvm-arm.mode=)
#   ACTION  test | demo | shell | sh | bench  (s2view.action=, see initramfs/init)
#   -k      the kernel: 6.12 (default) or 7.3, also $KERNEL: boots
#           build/Image-KERNEL; results are named <KERNEL>-<MODE>
#   -d      boot the debug kernel (build/Image-KERNEL-debug) with
#           panic_on_warn=1 and a kmemleak scan at the end
#   -g      boot the kernel with 16k or 64k pages (build/Image-KERNEL-16k,
#           -64k: make check-granules); results are named
#           <KERNEL>-<MODE>-<GRANULE>
#   -T      give up on a boot after SECONDS (default 2400, 4800 with -d)
#   -q      also run QEMU (tests/guest/50-qemu.bats): appends build/qemu.cpio.gz
#           (make build/qemu.cpio.gz; S2VIEW_QEMU_CPIO overrides it) to the
#           initrd; without it the QEMU tests skip
#   S2VIEW_SCALE=1 also runs the scale tests (make check runs them in one
#   mode per kernel, see tools/check.sh)
#   e.g. tools/run-qemu.sh -k 7.3 nvhe test
#   S2VIEW_FILES=40-host.bats,20-vm-ranges.bats runs only those files of
#   tests/guest, S2VIEW_FILTER=REGEX (no spaces) only the tests whose name
#   matches (bats --filter): for working on a part of the suite
#   S2VIEW_FUZZ_SEED and S2VIEW_FUZZ_CALLS: the hypercall fuzzer's seed and
#   number of calls (tests/guest/45-hypercall-fuzz.bats); S2VIEW_FUZZ_SECONDS
#   the concurrent fuzzer's length (46-concurrent-fuzz.bats)
#   S2VIEW_STRESS=1 runs the stress tests (90-soft-lockup.bats, make stress)
#   S2VIEW_BENCH=main|host|faults|dumps boots the bench with only that part
#   (s2view.bench=, see initramfs/bench.sh)
#
# For test, demo and bench the console goes to build/results/<NAME>.log
# and the run fails on: no "S2VIEW-EXIT: 0", a missing or truncated TAP
# stream, a failed test, a kernel oops/WARN/BUG/panic/KASAN/lockdep report,
# kmemleak findings, or a boot that does not end in time. A test run ends
# with "<mode>: N passed, N failed, N skipped"; the counts also go to
# build/results/<NAME>.counts for tools/check.sh. demo and shell
# boot "quiet": the screen shows the demo, not the kernel's boot log (it is
# in the saved console, at the end, for demo); a demo ends with what to run
# next.
#
# REQUIREMENTS: build/Image-KERNEL (or its -debug, -16k, -64k variant) and
# build/initramfs.cpio.gz.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,20p' "$0" >&2
	exit 2
}

debug=
mem=
cpu_extra=
timeout_s=${S2VIEW_BOOT_TIMEOUT:-}
granule=4k
qemu_cpio=
while getopts k:dg:T:q opt; do
	case $opt in
	k) kernel_vars "$OPTARG" ;;
	d) debug=1 ;;
	g) granule=$OPTARG ;;
	T) timeout_s=$OPTARG ;;
	q) qemu_cpio=${S2VIEW_QEMU_CPIO:-$top/build/qemu.cpio.gz} ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
mode=$1
action=$2
case " $S2VIEW_MODES " in *" $mode "*) ;; *) echo "run-qemu: unknown mode '$mode' (one of: $S2VIEW_MODES)" >&2; exit 2 ;; esac
case $action in test|demo|shell|sh|bench) ;; *) echo "run-qemu: unknown action '$action'" >&2; exit 2 ;; esac
case $granule in 4k|16k|64k) ;; *) echo "run-qemu: unknown granule '$granule' (4k, 16k or 64k)" >&2; exit 2 ;; esac

# S2VIEW_IMAGE, S2VIEW_INITRD and S2VIEW_RESULTS override the build/ paths.
image=${S2VIEW_IMAGE:-$top/build/Image-$KERNEL}
name=$KERNEL-$mode
append="console=ttyAMA0 panic=-1 kvm-arm.mode=$mode s2view.action=$action"
if [ -n "$debug" ]; then
	image=${S2VIEW_IMAGE:-$top/build/Image-$KERNEL-debug}
	# KASAN and lockdep make the suite several times slower.
	timeout_s=${timeout_s:-4800}
	name=$KERNEL-$mode-debug
	append="$append panic_on_warn=1 s2view.kmemleak=1"
fi
if [ "$granule" != 4k ]; then
	[ -z "$debug" ] || { echo "run-qemu: -d is for the 4k kernel only" >&2; exit 2; }
	image=${S2VIEW_IMAGE:-$top/build/Image-$KERNEL-$granule}
	name=$KERNEL-$mode-$granule
	# QEMU 7.2 cannot walk a 16K stage 2 that starts at level 0 (VTCR SL0=3
	# with DS=1, which a 52-bit IPA space needs: every access faults at level
	# 0, and a vCPU of such a VM refaults forever). Without LPA2, KVM's IPA
	# limit with 16K pages is 48 bits, so every VM (protected mode gives each
	# the limit) starts at level 1 or below.
	[ "$granule" != 16k ] || cpu_extra=,lpa2=off
	# A 64K host's huge page is 512M, and a fresh 4G guest has two free
	# 512M blocks: 8G leaves room for the THP and hugetlb VMs.
	[ "$granule" != 64k ] || mem=${S2VIEW_GUEST_MEM:-8192}
fi
timeout_s=${timeout_s:-2400}
mem=${mem:-${S2VIEW_GUEST_MEM:-3072}}
# What a user watches: no boot log on the console.
case $action in demo|shell) append="$append quiet" ;; esac
# A kernel oops ends a test boot at once (a task that dies in the kernel can
# leave the suite waiting); the guest dumps its blocked tasks two minutes
# before the limit.
if [ "$action" = test ]; then
	[ -z "${S2VIEW_FILES:-}" ] || append="$append s2view.files=$S2VIEW_FILES"
	[ -z "${S2VIEW_FILTER:-}" ] || append="$append s2view.filter=$S2VIEW_FILTER"
	[ -z "${S2VIEW_SCALE:-}" ] || append="$append s2view.scale=1"
	[ -z "${S2VIEW_FUZZ_SEED:-}" ] || append="$append s2view.fuzz_seed=$S2VIEW_FUZZ_SEED"
	[ -z "${S2VIEW_FUZZ_CALLS:-}" ] || append="$append s2view.fuzz_calls=$S2VIEW_FUZZ_CALLS"
	[ -z "${S2VIEW_FUZZ_SECONDS:-}" ] || append="$append s2view.fuzz_seconds=$S2VIEW_FUZZ_SECONDS"
	[ -z "${S2VIEW_STRESS:-}" ] || append="$append s2view.stress=1"
	stall=$((timeout_s > 240 ? timeout_s - 120 : timeout_s / 2))
	append="$append oops=panic s2view.stall=$stall"
fi
[ "$action" != bench ] || [ -z "${S2VIEW_BENCH:-}" ] ||
	append="$append s2view.bench=$S2VIEW_BENCH"
initrd=${S2VIEW_INITRD:-$top/build/initramfs.cpio.gz}
[ -f "$image" ] || die "no $image: run make"
[ -f "$initrd" ] || die "no $initrd: run make"
# QEMU's own cpio after the image's: the kernel unpacks both into one root.
if [ -n "$qemu_cpio" ]; then
	[ -f "$qemu_cpio" ] || die "no $qemu_cpio: run make build/qemu.cpio.gz"
	cat "$initrd" "$qemu_cpio" >"${initrd%.cpio.gz}+qemu.cpio.gz"
	initrd=${initrd%.cpio.gz}+qemu.cpio.gz
fi

# -cpu max with the implementation-defined pointer-authentication algorithm:
# the architected one is very slow under TCG.
set -- qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 \
	-cpu "max,pauth-impdef=on$cpu_extra" -smp 2 -m "$mem" \
	-nographic -no-reboot -nic none -kernel "$image" -initrd "$initrd" -append "$append"

if [ "$action" = shell ] || [ "$action" = sh ]; then
	echo "$*"
	exec "$@"
fi

results=${S2VIEW_RESULTS:-$top/build/results}
mkdir -p "$results"
log=$results/$name.log
echo "run-qemu: $*"
say "$name: booting ($action), console in ${log#"$top"/}"
start=$(date +%s)

# Progress: TAP results and the demo's output as they come; all in the log.
timeout -k 10 "$timeout_s" "$@" </dev/null 2>&1 | tee "$log" |
	if [ "$action" = test ]; then
		grep --line-buffered -E '^(ok|not ok) ' | sed -u "s/^/  $name: /"
	else
		sed -n -u '/S2VIEW-DMESG-BEGIN/,$!p'
	fi || true
elapsed=$(($(date +%s) - start))

### verdict
problems=
problem() {
	problems="$problems
  $name: $*"
}
# details LINES: LINES, indented under the last problem
details() {
	problems="$problems
$(printf '%s\n' "$1" | sed 's/^/    /')"
}
tr -d '\r' <"$log" >"$log.clean"
mv "$log.clean" "$log"
grep -q '^S2VIEW-EXIT: ' "$log" ||
	problem "no S2VIEW-EXIT line: the boot crashed or hung (limit ${timeout_s} s)"
if grep -q '^S2VIEW-STALL-BEGIN' "$log"; then
	dump=$(sed -n '/^S2VIEW-STALL-BEGIN/,/^S2VIEW-STALL-END/p' "$log")
	# ps rows (pid, stat, command) and sysrq-w's "task:... state:D" lines
	stuck=$(printf '%s\n' "$dump" |
		awk '($1 ~ /^[0-9]+$/ && $2 ~ /^D/) || /state:D/' | head -n 10)
	if [ -n "$stuck" ]; then
		problem "still running after ${stall} s, with blocked tasks:"
		details "$stuck"
	else
		problem "still running after ${stall} s, no task blocked (slow, not stuck); running:"
		details "$(printf '%s\n' "$dump" | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^R/ && $3 != "{ps}"')"
	fi
fi
exit_line=$(grep '^S2VIEW-EXIT: ' "$log" | tail -n 1 || true)
case $exit_line in
""|"S2VIEW-EXIT: 0") ;;
*) problem "guest ended with '$exit_line'" ;;
esac
# Reports of the kernel, in the console log or the dmesg dump.
oops='Kernel panic|blocked for more than|soft lockup|Internal error:|Unable to handle kernel|WARNING: CPU:|BUG:|kernel BUG at|Call trace:|KASAN:|UBSAN:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|unreferenced object|hyp panic|nVHE hyp panic'
# (The backtraces the stall dump asks sysrq for are not reports, nor those
# of an allocation that failed, which the kernel prints up to its Mem-Info:
# fault injection, 05-fault-injection.bats, fails allocations on purpose.)
reports=$(sed -E -e '/^S2VIEW-SYSRQ-BEGIN/,/^S2VIEW-STALL-END/d' \
	-e '/(page allocation failure|vmalloc error): /,/^Mem-Info:/d' "$log" |
	grep -E "$oops" | sort -u || true)
if [ -n "$reports" ]; then
	problem "kernel report in the log:"
	details "$(printf '%s\n' "$reports" | head -n 5)"
fi

passed=0 failed=0 skipped=0
if [ "$action" = test ]; then
	tap=$results/$name.tap
	sed -n '/^S2VIEW-TAP-BEGIN/,/^S2VIEW-TAP-END/p' "$log" | sed '1d;$d' >"$tap"
	grep -q '^S2VIEW-TAP-END' "$log" || problem "TAP stream truncated"
	tap_count "$tap"
	passed=$tap_passed skipped=$tap_skipped
	failed=$tap_failed
	[ -z "$tap_plan_problem" ] || problem "$tap_plan_problem"
	if [ -n "$problems" ] && [ "$failed" -eq 0 ]; then
		failed=1 # the boot itself
	fi
	tap_failures "$tap" "  $name: "
fi
[ -n "$problems" ] && printf 'run-qemu: problems:%s\n' "$problems"
if [ "$action" = test ]; then
	echo "$passed $failed $skipped" >"$results/$name.counts"
	echo "$name: $passed passed, $failed failed, $skipped skipped (${elapsed} s)"
else
	result="done"
	[ -z "$problems" ] || result=failed
	echo "$name: $action $result (${elapsed} s); the whole console, kernel log included: ${log#"$top"/}"
fi
if [ "$action" = demo ] && [ -z "$problems" ]; then
	cat <<-EOF

	next:
	  make run             this demo, then a shell in the guest (from a terminal)
	  make run MODE=nvhe   the same in another KVM mode (vhe, nvhe, protected)
	  make check           all the tests: host side, then in QEMU in every mode
	EOF
fi
[ -z "$problems" ] && [ "$failed" -eq 0 ]
