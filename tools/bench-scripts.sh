#!/bin/sh
# bench-scripts.sh - time scripts/s2summ.sh and s2owner.sh on a big ranges
# file, against the floor: one plain awk pass over it.
#
# USAGE: tools/bench-scripts.sh [-h] [-r RUNS] [-k DIR] [-o FILE]
#   -r RUNS   # run each case RUNS times and keep the fastest (default 1)
#   -k DIR    # keep the generated input in DIR (default: a temp dir, removed)
#   -o FILE   # also append the figures to FILE as tools/bench.sh's rows
#  eg,
#   tools/bench-scripts.sh            # one run of each case
#   tools/bench-scripts.sh -r 3       # best of three
#
# Generates a valid, complete ranges file for a 40-bit IPA with 1 GiB of 4K
# pages at 0x80000000, alternately rw- and r-- (262,144 page ranges, plus
# the two holes around them), then times, under four userlands (dash with
# mawk, dash with gawk, busybox sh with busybox's awk and tools first in
# PATH, as on the guest, and Android's: mksh, toybox's tools and the
# one-true-awk, "android" in the table): the floor (the awk program of floor_awk() in
# initramfs/bench.sh, which the guest times too: parse each line's hex start
# and end, sum the bytes by type), s2summ.sh (default, --prom, --map),
# s2owner.sh, and both with the file on standard input (-). Prints seconds,
# lines per second and each time over the floor of the same awk (target for
# both tools: <= 3); asserts nothing about the times, only that each run
# succeeds.
#
# REQUIREMENTS: dash, mawk, gawk, busybox, mksh, toybox, original-awk,
# date with %N (GNU or busybox) (tools/install-deps.sh).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=1
KEEP=
ROWS=
USERLANDS="mawk gawk busybox android"

usage() {
	cat <<USAGE
USAGE: tools/bench-scripts.sh [-h] [-r RUNS] [-k DIR] [-o FILE]
   -r RUNS   # run each case RUNS times and keep the fastest (default 1)
   -k DIR    # keep the generated input in DIR (default: a temp dir)
   -o FILE   # also append the figures to FILE as tools/bench.sh's rows
USAGE
}

die() {
	echo "bench-scripts: $*" >&2
	exit 1
}

while getopts hr:k:o: opt; do
	case $opt in
	h) usage; exit 0 ;;
	r) RUNS=$OPTARG ;;
	k) KEEP=$OPTARG ;;
	o) ROWS=$OPTARG ;;
	*) usage >&2; exit 2 ;;
	esac
done
case $RUNS in '' | *[!0-9]* | 0) die "-r wants a positive number" ;; esac
for tool in dash mawk gawk busybox mksh toybox original-awk; do
	command -v "$tool" >/dev/null || die "no $tool: apt-get install $tool"
done
case $(date +%N) in *N*) die "date has no %N: need GNU or busybox date" ;; esac

if [ -n "$KEEP" ]; then
	DIR=$KEEP
	mkdir -p "$DIR"
else
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/s2bench.XXXXXX")
	trap 'rm -rf "$DIR"' EXIT INT TERM
fi

### the input
# The pages' addresses are printed as page numbers (0x80000 to 0xc0000,
# exact in any awk) followed by "000": no 64-bit hex printer needed.
R=$DIR/ranges
awk '
BEGIN {
	print "0x0000000000000000-0x0000000080000000 2G 1 invalid --- -"
	first = 524288	# 0x80000, the page at 0x80000000
	for (i = 0; i < 262144; i++)
		printf "0x00000000%05x000-0x00000000%05x000 4K 3 page %s normal af=1\n", \
		    first + i, first + i + 1, i % 2 ? "r--" : "rw-"
	print "0x00000000c0000000-0x0000010000000000 1021G 1 invalid --- -"
}' >"$R"
LINES=$(wc -l <"$R")
LINES=$((LINES))
# the same pages, each line with its own sw= (no two lines alike: the
# quick way of s2lib.awk never applies)
U=$DIR/ranges-unique
awk '/ page / { $0 = $0 " sw=0x" sprintf("%x", NR) } { print }' "$R" >"$U"
# 16,384 ranges and -n 1000000: every range in the top list, output as long
# as the input
S=$DIR/ranges-16k
awk 'NR == 1 || (NR > 1 && NR <= 16385) { print } END {
	print "0x0000000084000000-0x0000010000000000 1046464M 1 invalid --- -" }' "$R" >"$S"

# The floor: the guest's program, so that both sides time the same one.
FLOOR=$DIR/floor.awk
sed -n "/^	cat <<'FLOOR'\$/,/^FLOOR\$/p" "$ROOT/initramfs/bench.sh" | sed '1d;$d' >"$FLOOR"
[ -s "$FLOOR" ] || die "no floor_awk program in $ROOT/initramfs/bench.sh"

### the userlands: a directory each with its sh and awk, first in PATH
# (busybox: every applet, as on the guest)
for ul in $USERLANDS; do
	mkdir -p "$DIR/bin-$ul"
	case $ul in
	busybox) busybox --install -s "$DIR/bin-$ul" ;;
	android)
		for a in $(toybox); do
			ln -sf "$(command -v toybox)" "$DIR/bin-$ul/$a"
		done
		ln -sf "$(command -v mksh)" "$DIR/bin-$ul/sh"
		ln -sf "$(command -v original-awk)" "$DIR/bin-$ul/awk"
		;;
	*)
		ln -sf "$(command -v dash)" "$DIR/bin-$ul/sh"
		ln -sf "$(command -v "$ul")" "$DIR/bin-$ul/awk"
		;;
	esac
done
echo "input: $R, $LINES lines, $(($(wc -c <"$R") / 1024))K"
echo "mawk: $(mawk -W version 2>&1 | head -n 1); gawk: $(gawk --version | head -n 1); busybox: $(busybox | head -n 1)"
echo "android: $(toybox --version), mksh $(dpkg-query -W -f '${Version}' mksh 2>/dev/null), original-awk $(dpkg-query -W -f '${Version}' original-awk 2>/dev/null)"
echo

### the runs
now() { date +%s.%N; }

# bench USERLAND CMD...: the fastest of RUNS runs of CMD with USERLAND's
# tools first in PATH, and file IN on its standard input, in seconds
IN=/dev/null
bench() {
	ul=$1
	shift
	best=
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(now)
		PATH=$DIR/bin-$ul:$PATH "$@" <"$IN" >/dev/null 2>"$DIR/err" ||
			die "failed under $ul: $*: $(cat "$DIR/err")"
		t1=$(now)
		best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
			'BEGIN { t = b - a; if (best != "" && best < t) t = best; printf "%.3f", t }')
		i=$((i + 1))
	done
	echo "$best"
}

# row NAME VALUE UNIT [TARGET]: a figure for tools/bench.sh (-o)
row() {
	[ -z "$ROWS" ] || printf 'result\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >>"$ROWS"
}

# ratio_row NAME SECONDS FLOOR: NAME's time over the floor, a figure with
# the target (<= 3)
ratio_row() {
	row "$1" "$(awk -v t="$2" -v f="$3" 'BEGIN { printf "%.2f", (f > 0 ? t / f : 0) }')" x "<= 3"
}

# report CASE USERLAND SECONDS [FLOOR]: a line of the table
report() {
	awk -v c="$1" -v u="$2" -v t="$3" -v f="${4:-}" -v n="$LINES" 'BEGIN {
		printf "%-24s %-8s %9s %12.0f %8s\n", c, u, t, (t > 0 ? n / t : 0),
		    (f == "" ? "" : sprintf("%.2f", f > 0 ? t / f : 0))
	}'
}

[ -z "$ROWS" ] || printf '### toolkit on the host: a generated ranges file of %s lines (1 GiB of alternating 4K pages), best of %s; floor: one plain awk pass (hex start and end, bytes by type) under the same awk; ratio = time / floor\n' \
	"$LINES" "$RUNS" >>"$ROWS"
row toolkit.host.lines "$LINES" lines
printf '%-24s %-8s %9s %12s %8s\n' CASE AWK SECONDS LINES/S /FLOOR
for ul in $USERLANDS; do
	floor=$(bench "$ul" "$DIR/bin-$ul/awk" -f "$FLOOR" "$R")
	report floor "$ul" "$floor"
	row "toolkit.host.$ul.floor" "$floor" s
	for mode in "" --prom --map; do
		# shellcheck disable=SC2086 # no mode: no argument
		t=$(bench "$ul" "$DIR/bin-$ul/sh" "$ROOT/scripts/s2summ.sh" $mode "$R")
		report "s2summ.sh ${mode:-(summary)}" "$ul" "$t" "$floor"
		name=toolkit.host.$ul.s2summ${mode:+_${mode#--}}
		row "$name" "$t" s
		ratio_row "${name}_ratio" "$t" "$floor"
	done
	t=$(bench "$ul" "$DIR/bin-$ul/sh" "$ROOT/scripts/s2owner.sh" "$R")
	report s2owner.sh "$ul" "$t" "$floor"
	row "toolkit.host.$ul.s2owner" "$t" s
	ratio_row "toolkit.host.$ul.s2owner_ratio" "$t" "$floor"
	# the same file on standard input
	for tool in s2summ s2owner; do
		IN=$R
		t=$(bench "$ul" "$DIR/bin-$ul/sh" "$ROOT/scripts/$tool.sh" -)
		IN=/dev/null
		report "$tool.sh - (stdin)" "$ul" "$t" "$floor"
		row "toolkit.host.$ul.${tool}_stdin" "$t" s
		ratio_row "toolkit.host.$ul.${tool}_stdin_ratio" "$t" "$floor"
	done
	floor=$(bench "$ul" "$DIR/bin-$ul/awk" -f "$FLOOR" "$U")
	report "floor (unique lines)" "$ul" "$floor"
	row "toolkit.host.$ul.floor_unique" "$floor" s
	t=$(bench "$ul" "$DIR/bin-$ul/sh" "$ROOT/scripts/s2summ.sh" "$U")
	report "s2summ.sh (unique lines)" "$ul" "$t" "$floor"
	row "toolkit.host.$ul.s2summ_unique" "$t" s
	ratio_row "toolkit.host.$ul.s2summ_unique_ratio" "$t" "$floor"
	t=$(bench "$ul" "$DIR/bin-$ul/sh" "$ROOT/scripts/s2summ.sh" -n 1000000 "$S")
	report "s2summ.sh -n 1000000 (16K)" "$ul" "$t"
	row "toolkit.host.$ul.s2summ_top_all_16k" "$t" s
done
