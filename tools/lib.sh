# lib.sh - shared settings for s2view's host-side tools (sourced, not run).
# shellcheck shell=sh disable=SC2034
# (the variables are used by the scripts that source this file)

# Everything downloaded or built from the kernel tree lives outside the clone,
# so a fresh clone reuses it: the unpacked 6.12 tree, ccache, the O= dirs.
S2VIEW_CACHE=${S2VIEW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/s2view}
KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
KSRC=$S2VIEW_CACHE/linux-source-6.12
KPRISTINE=$S2VIEW_CACHE/pristine
ARM64_ROOT=$S2VIEW_CACHE/arm64-root
CROSS=aarch64-linux-gnu-
CCACHE_DIR=${CCACHE_DIR:-$S2VIEW_CACHE/ccache}
export CCACHE_DIR

# The KVM modes every guest suite runs in.
S2VIEW_MODES="vhe nvhe protected"
# The modes of make check-granules (16K and 64K kernels): vhe would add a
# third of the time, and its stage-2 code is the same as nvhe's.
S2VIEW_GRANULE_MODES="nvhe protected"

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

say() {
	echo "${0##*/}: $*"
}

# tap_count FILE: counts of a TAP stream, in tap_passed, tap_failed and
# tap_skipped, where a test of the plan that did not report counts as failed
# (1 without a plan line, at least 1 when the count is off), and the problem
# with the plan in tap_plan_problem ("" when none).
tap_count() {
	# shellcheck disable=SC2046 # four numbers
	set -- $(awk '
	# "1..42", the first one
	/^1\.\.[0-9]+$/ && plan == "" { plan = substr($0, 4) + 0 }
	# "ok 3 name # skip reason", "ok 3 name", "not ok 4 name"
	/^ok [0-9]+ .*# skip/ { s++; next }
	/^ok [0-9]+/ { p++ }
	/^not ok [0-9]+/ { f++ }
	END { printf "%d %d %d %s\n", p, f, s, plan == "" ? "-" : plan }' "$1")
	tap_passed=$1 tap_failed=$2 tap_skipped=$3 tap_plan_problem=
	_tap_missing=0
	if [ "$4" = - ]; then
		_tap_missing=1 tap_plan_problem="no TAP plan line"
	elif [ "$4" -ne $(($1 + $2 + $3)) ]; then
		_tap_missing=$(($4 - $1 - $2 - $3))
		[ "$_tap_missing" -gt 0 ] || _tap_missing=1
		tap_plan_problem="TAP plan says $4 tests, $(($1 + $2 + $3)) ran"
	fi
	tap_failed=$((tap_failed + _tap_missing))
}

# tap_failures FILE PREFIX: the failed tests of a TAP stream and their
# diagnostics (the "# ..." lines after them), each line after PREFIX
tap_failures() {
	grep -A20 '^not ok' "$1" | grep -E '^(not ok|#)' | sed "s/^/$2/" | head -n 60 || true
}
