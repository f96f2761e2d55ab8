#!/bin/sh
# bench-scripts.sh - time scripts/s2summ.sh and s2owner.sh on a big ranges file.
#
# USAGE: tools/bench-scripts.sh [-h] [-r RUNS] [-k DIR]
#   -r RUNS   # run each case RUNS times and keep the fastest (default 1)
#   -k DIR    # keep the generated input in DIR (default: a temp dir, removed)
#  eg,
#   tools/bench-scripts.sh            # one run of each case
#   tools/bench-scripts.sh -r 3       # best of three
#
# Generates a valid, complete ranges file for a 40-bit IPA with 1 GiB of 4K
# pages at 0x80000000, alternately rw- and r-- (262,144 page ranges, plus
# the two holes around them), then times s2summ.sh (default, --map, --prom)
# and s2owner.sh on it under dash (with the host's awk) and busybox sh (with
# busybox's awk and tools first in PATH, as on the guest). Prints seconds and
# lines per second; asserts nothing about the times, only that each run
# succeeds.
#
# REQUIREMENTS: dash, busybox, awk, date with %N (GNU or busybox).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=1
KEEP=

usage() {
	cat <<USAGE
USAGE: tools/bench-scripts.sh [-h] [-r RUNS] [-k DIR]
   -r RUNS   # run each case RUNS times and keep the fastest (default 1)
   -k DIR    # keep the generated input in DIR (default: a temp dir)
USAGE
}

die() {
	echo "bench-scripts: $*" >&2
	exit 1
}

while getopts hr:k: opt; do
	case $opt in
	h) usage; exit 0 ;;
	r) RUNS=$OPTARG ;;
	k) KEEP=$OPTARG ;;
	*) usage >&2; exit 2 ;;
	esac
done
case $RUNS in '' | *[!0-9]* | 0) die "-r wants a positive number" ;; esac
command -v dash >/dev/null || die "no dash: apt-get install dash"
command -v busybox >/dev/null || die "no busybox: apt-get install busybox"
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
BB_BIN=$DIR/busybox-bin
mkdir -p "$BB_BIN"
busybox --install -s "$BB_BIN"
echo "input: $R, $LINES lines, $(($(wc -c <"$R") / 1024))K"
echo "dash awk: $(awk -W version 2>/dev/null | head -n 1 || echo unknown); busybox: $(busybox | head -n 1)"
echo

### the runs
now() { date +%s.%N; }

# bench SHELL SCRIPT ARGS...: the fastest of RUNS runs, in seconds
bench() {
	sh=$1
	shift
	best=
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(now)
		case $sh in
		dash) dash "$@" >/dev/null 2>"$DIR/err" || die "failed: dash $*: $(cat "$DIR/err")" ;;
		busybox) PATH=$BB_BIN:$PATH busybox sh "$@" >/dev/null 2>"$DIR/err" ||
			die "failed: busybox sh $*: $(cat "$DIR/err")" ;;
		esac
		t1=$(now)
		best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
			'BEGIN { t = b - a; if (best != "" && best < t) t = best; printf "%.3f", t }')
		i=$((i + 1))
	done
	echo "$best"
}

printf '%-24s %-8s %9s %12s\n' CASE SHELL SECONDS LINES/S
for sh in dash busybox; do
	for mode in "" --map --prom; do
		t=$(bench "$sh" "$ROOT/scripts/s2summ.sh" $mode "$R")
		printf '%-24s %-8s %9s %12s\n' "s2summ.sh ${mode:-(summary)}" "$sh" "$t" \
			"$(awk -v n="$LINES" -v t="$t" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')"
	done
	t=$(bench "$sh" "$ROOT/scripts/s2owner.sh" "$R")
	printf '%-24s %-8s %9s %12s\n' "s2owner.sh" "$sh" "$t" \
		"$(awk -v n="$LINES" -v t="$t" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')"
done
