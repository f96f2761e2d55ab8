#!/bin/sh
# check.sh - all of s2view's tests: host side, then in QEMU in every mode.
#
# USAGE: tools/check.sh [-F] [-d | -H | -g GRANULE]
#   -F   the scale tests in every mode (make check-full)
#   -d   the in-guest suite on the debug kernels (make check-debug)
#   -H   host-side tests only
#   -g   the in-guest suite on the 16k or 64k kernels
#        (build/Image-KERNEL-GRANULE), in nvhe and protected only (make
#        check-granules)
#
# Host side: bats on the toolkit (tests/host) and shellcheck on every shell
# script. Guest side: for each kernel ($KERNEL, or every one), tools/run-qemu.sh
# -k KERNEL MODE test for each KVM mode. The scale tests (tests/guest/lib.bash:
# scale_test) prove nothing a mode changes, so they run in one mode per kernel
# ($S2VIEW_SCALE_MODE), unless -F; the debug kernels run none (-d without
# -F): KASAN, lockdep and kmemleak check code paths, which the small VMs and
# the concurrent fuzzer take too; the 1 GiB fragmented VM alone takes up to
# 9 minutes without KASAN. The boots of $S2VIEW_QEMU_MODES (not
# those of -d and -g) carry QEMU (run-qemu.sh -q, build/qemu.cpio.gz) and
# run tests/guest/50-qemu.bats, which skips elsewhere. Ends with one line
# "N passed, N failed" over everything; exit status 1 when anything failed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"
cd "$top"

debug=
host_only=
granule=
full=
modes=$S2VIEW_MODES
while getopts FdHg: opt; do
	case $opt in
	F) full=1 ;;
	d) debug=-d ;;
	H) host_only=1 ;;
	g) granule=$OPTARG modes=$S2VIEW_GRANULE_MODES ;;
	*) echo "USAGE: tools/check.sh [-F] [-d | -H | -g 16k|64k]" >&2; exit 2 ;;
	esac
done

passed=0 failed=0 skipped=0
add() {
	passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + $3))
}
mkdir -p build/results

### host side
if [ -z "$debug" ] && [ -z "$granule" ]; then
	say "host: bats tests/host"
	tap=build/results/host.tap
	bats --tap tests/host >"$tap" 2>&1 || true
	tap_failures "$tap" ""
	tap_count "$tap"
	if [ -n "$tap_plan_problem" ]; then
		echo "host: $tap_plan_problem:"
		tail -n 5 "$tap"
	fi
	echo "host: $tap_passed passed, $tap_failed failed, $tap_skipped skipped"
	add "$tap_passed" "$tap_failed" "$tap_skipped"

	say "host: shellcheck"
	sh_files=$(ls scripts/*.sh tools/*.sh initramfs/init initramfs/*.sh 2>/dev/null)
	# shellcheck disable=SC2086
	if shellcheck -s sh $sh_files; then add 1 0 0; else add 0 1 0; fi
fi

### guest side
if [ -z "$host_only" ]; then
	for kernel in $S2VIEW_ASKED_KERNELS; do
		for mode in $modes; do
			scale=
			if [ -n "$full" ]; then
				scale=1
			elif [ -z "$debug" ] && [ "$mode" = "$S2VIEW_SCALE_MODE" ]; then
				scale=1
			fi
			qemu=
			case " $S2VIEW_QEMU_MODES " in
			*" $mode "*) [ -n "$debug$granule" ] || qemu=-q ;;
			esac
			S2VIEW_SCALE=$scale tools/run-qemu.sh -k "$kernel" $debug \
				${granule:+-g "$granule"} $qemu "$mode" test || true
			name=$kernel-$mode${debug:+-debug}${granule:+-$granule}
			if [ -f "build/results/$name.counts" ]; then
				# shellcheck disable=SC2046
				add $(cat "build/results/$name.counts")
			else
				add 0 1 0
			fi
		done
	done
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
