# lib.sh - shared settings for s2view's host-side tools (sourced, not run).
# shellcheck shell=sh disable=SC2034,SC2154
# (the variables are used by the scripts that source this file, which set
# top, the clone's top directory, before they do)

# Everything downloaded or built from the kernel trees lives outside the
# clone, so a fresh clone reuses it: per kernel, the unpacked tree, its
# pristine copies, its ccache and its O= dirs.
S2VIEW_CACHE=${S2VIEW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/s2view}
ARM64_ROOT=$S2VIEW_CACHE/arm64-root
CROSS=aarch64-linux-gnu-

# The kernels s2view is built for, the default first (see the README): 6.12
# LTS from Debian 12's linux-source-6.12, mainline 7.3 from the Debian
# archive's linux-source-7.3 (tools/install-deps.sh). KERNEL picks one.
S2VIEW_KERNELS="6.12 7.3"
S2VIEW_DEFAULT_KERNEL=6.12

# The kernels the caller asked for: KERNEL, or every one when it is unset or
# empty (make check tests them all). Read before kernel_vars sets KERNEL.
S2VIEW_ASKED_KERNELS=${KERNEL:-$S2VIEW_KERNELS}

# kernel_vars VERSION: the paths of one kernel, in KERNEL (exported, for the
# tools this one runs), KSRC_TARBALL, KSRC, KPRISTINE (the original of every
# file the series changes), KPATCHES (the series' changes to existing files,
# kernel/patches/VERSION/) and CCACHE_DIR
kernel_vars() {
	case $1 in
	6.12) KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz ;;
	7.3) KSRC_TARBALL=$S2VIEW_CACHE/src/linux-source-7.3.tar.xz ;;
	*) echo "${0##*/}: unknown kernel '$1' (one of: $S2VIEW_KERNELS)" >&2; exit 2 ;;
	esac
	KERNEL=$1
	KSRC=$S2VIEW_CACHE/linux-source-$1
	KPRISTINE=$S2VIEW_CACHE/pristine-$1
	KPATCHES=$top/kernel/patches/$1
	CCACHE_DIR=$S2VIEW_CACHE/ccache-$1
	export KERNEL CCACHE_DIR
}
kernel_vars "${KERNEL:-$S2VIEW_DEFAULT_KERNEL}"

# The KVM modes every guest suite runs in.
S2VIEW_MODES="vhe nvhe protected"
# The modes of make check-granules (16K and 64K kernels): vhe would add a
# third of the time, and its stage-2 code is the same as nvhe's.
S2VIEW_GRANULE_MODES="nvhe protected"
# The mode of each kernel's run in which make check runs the scale tests:
# the 1 GiB VMs, the stress loops and the toolkit on live VMs, which test
# nothing that differs between modes.
S2VIEW_SCALE_MODE=nvhe
# The modes of each kernel's runs in which make check runs QEMU as the VMM
# (tests/guest/50-qemu.bats, run-qemu.sh -q): the VMs' own stage-2 walk
# (nvhe; vhe walks it with the same code) and, under pKVM, EL2's (7.3) or
# the host's (6.12) tables; about a minute per boot.
S2VIEW_QEMU_MODES="nvhe protected"

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

# series_files [PATCH]: the lists of new files of PATCH, or of every patch of
# the current kernel's series in order: for each kernel/patches/KERNEL/
# NNNN-x.patch, the shared kernel/patches/NNNN-x.files and the kernel's own
# KERNEL/NNNN-x.files
series_files() {
	[ $# -gt 0 ] || set -- "$KPATCHES"/*.patch
	for _p in "$@"; do
		_n=${_p##*/}
		for _l in "$top/kernel/patches/${_n%.patch}.files" "${_p%.patch}.files"; do
			[ ! -f "$_l" ] || echo "$_l"
		done
	done
}
