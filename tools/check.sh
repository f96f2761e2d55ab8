#!/bin/sh
# check.sh - all of s2view's tests: host side, then in QEMU in every mode.
#
# USAGE: tools/check.sh [-d | -H | -g GRANULE]
#   -d   the in-guest suite on the debug kernel (make check-debug)
#   -H   host-side tests only
#   -g   the in-guest suite on the 16k or 64k kernel (build/Image-GRANULE),
#        in nvhe and protected only (make check-granules)
#
# Host side: bats on the toolkit (tests/host) and shellcheck on every shell
# script. Guest side: tools/run-qemu.sh MODE test for each KVM mode. Ends
# with one line "N passed, N failed" over everything; exit status 1 when
# anything failed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"
cd "$top"

debug=
host_only=
granule=
modes=$S2VIEW_MODES
while getopts dHg: opt; do
	case $opt in
	d) debug=-d ;;
	H) host_only=1 ;;
	g) granule=$OPTARG modes=$S2VIEW_GRANULE_MODES ;;
	*) echo "USAGE: tools/check.sh [-d | -H | -g 16k|64k]" >&2; exit 2 ;;
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
	for mode in $modes; do
		tools/run-qemu.sh $debug ${granule:+-g "$granule"} "$mode" test || true
		name=$mode${debug:+-debug}${granule:+-$granule}
		if [ -f "build/results/$name.counts" ]; then
			# shellcheck disable=SC2046
			add $(cat "build/results/$name.counts")
		else
			add 0 1 0
		fi
	done
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
