#!/bin/sh
# bench.sh - `make bench`: how fast the views and the toolkit are, side by
# side with upstream's debugfs dump of the same VMs.
#
# USAGE: tools/bench.sh [-h] [-H] [-G] [MODE]
#   MODE  KVM mode of the main and fault-path boots (default nvhe)
#   -H    host part only          -G    guest parts only
#   e.g. tools/bench.sh            # every part: about 25 minutes
#        tools/bench.sh -H         # the toolkit on the host: a few minutes
#
# Parts, in this order:
# 1. host: tools/bench-scripts.sh -r 3: s2summ.sh and s2owner.sh on a
#    generated 262,144-page ranges file under mawk, gawk and busybox, against
#    the floor (one plain awk pass) of the same awk.
# 2. main: a boot of MODE with s2view.bench=main (initramfs/bench.sh): dump
#    time of our ranges vs upstream's debugfs file of the same VM (4K pages,
#    THP blocks, fragmented; 64M, 256M, 1G), time per line, counter reads at
#    16M and 1G, kernel memory during dumps, vCPU fault throughput of
#    another VM during dump loops, and the toolkit in the guest.
# 3. host view: a boot of protected mode (the only one with a host stage-2;
#    skipped on a kernel whose series has no host view yet)
#    with s2view.bench=host: a whole read of host/s2/ranges, its hypercalls.
# 4. fault path: a kernel built without the stage-2 stats
#    (kernel/bench/no-stage2-stats.patch) and build/Image-KERNEL, a boot of MODE
#    with s2view.bench=faults each: best-of-3 fault-in of 512M of 4K pages
#    with and without the stats, and the overhead of keeping them.
# KERNEL (6.12 by default, or 7.3) is the kernel benchmarked. Writes
# build/bench/KERNEL/results.tsv (one name<TAB>value<TAB>unit row per
# figure) and build/bench/KERNEL/results.md (a table: figure, value, unit, target,
# met?, under the date, the CPU and the QEMU version) from the parts run, and
# prints each part's figures beside their targets, met or not. QEMU runs
# TCG: absolute times are noise, the ratios of one run are what count.
# Asserts nothing about times: fails only when something does not run or
# the kernel reports a problem (run-qemu.sh's verdict). Console logs:
# build/results/bench/<part>/<kernel>-<mode>.log (S2VIEW_RESULTS overrides the
# directory; S2VIEW_IMAGE, S2VIEW_INITRD as for run-qemu.sh; a boot gives up
# after S2VIEW_BOOT_TIMEOUT seconds, default 3000).
#
# REQUIREMENTS: `make all` (build/Image-KERNEL, build/initramfs.cpio.gz), dash,
# mawk, gawk, busybox, qemu-system-aarch64.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

usage() {
	cat <<'USAGE'
USAGE: tools/bench.sh [-h] [-H] [-G] [MODE]
  MODE  KVM mode of the main and fault-path boots (default nvhe); the host
        view boots protected mode, the only one that has it
  -H    host part only          -G    guest parts only
  e.g. tools/bench.sh            # every part: about 25 minutes
       tools/bench.sh -H         # the toolkit on the host: a few minutes
Results: build/bench/KERNEL/results.md (a table) and results.tsv there.
USAGE
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

out=$top/build/bench/$KERNEL
parts=$out/parts
logs=${S2VIEW_RESULTS:-$top/build/results/bench}
# The main boot runs for 20 minutes or more: more than run-qemu.sh's default.
timeout_s=${S2VIEW_BOOT_TIMEOUT:-3000}
mkdir -p "$parts" "$logs"
rm -f "$parts"/*.rows

header() {
	printf '\n== %s\n' "$*"
}

# met(VALUE, TARGET) in awk: "met" or "NOT MET" as VALUE meets TARGET
# ("<op> <number>[ note]") or not, "n/a" for a VALUE that is not a number
# (not measured), "" without a target
MET_AWK='
function met(v, t,    op, lim) {
	if (t == "")
		return ""
	if (v !~ /^-?[0-9]+(\.[0-9]+)?$/)
		return "n/a"
	op = t
	sub(/ .*/, "", op)
	lim = t
	sub(/^[^ ]* */, "", lim)
	sub(/ .*/, "", lim)
	v += 0
	lim += 0
	if (op == "<=") return (v <= lim ? "met" : "NOT MET")
	if (op == "<") return (v < lim ? "met" : "NOT MET")
	if (op == ">=") return (v >= lim ? "met" : "NOT MET")
	if (op == ">") return (v > lim ? "met" : "NOT MET")
	return "?"
}'

# show ROWS: a part's figures on the terminal, beside their targets
show() {
	awk -F'\t' "$MET_AWK"'
	/^### / { printf "\n== %s\n", substr($0, 5); next }
	{ printf "  %-40s %14s %-13s %-22s %s\n", $2, $3, $4, $5, met($3, $5) }' "$1"
}

# rows_of LOG: the figures between S2VIEW-BENCH-BEGIN and S2VIEW-BENCH-END
# of a console log, without the \r a serial console may add; fails on any
# other line (a kernel message would have split one)
rows_of() {
	tr -d '\r' <"$1" | sed -n '/^S2VIEW-BENCH-BEGIN$/,/^S2VIEW-BENCH-END$/p' | sed '1d;$d' |
		awk -F'\t' '/^### / || ($1 == "result" && NF == 5) { print; next }
		{ print "bench: not a result line: " $0 >"/dev/stderr"; bad = 1 }
		END { exit bad }'
}

# boot NAME MODE PART ROWS [IMAGE]: a bench boot of MODE with
# s2view.bench=PART (and IMAGE, default build/Image-KERNEL), console in
# $logs/NAME/KERNEL-MODE.log; prints the guest's progress as it comes and puts its
# figures into ROWS
boot() {
	dir=$logs/$1
	mkdir -p "$dir"
	log=$dir/$KERNEL-$2.log
	say "$1: booting $2 with s2view.bench=$3, console in ${log#"$top"/}"
	# Progress lines as they come; the figures, from the console log; the
	# verdict (exit status, kernel reports) is run-qemu.sh's.
	{
		rc=0
		S2VIEW_IMAGE=${5:-${S2VIEW_IMAGE:-$top/build/Image-$KERNEL}} S2VIEW_BENCH=$3 \
			S2VIEW_RESULTS=$dir "$top/tools/run-qemu.sh" -k "$KERNEL" -T "$timeout_s" "$2" bench 2>&1 || rc=$?
		echo "$rc" >"$dir.status"
	} | tee "$dir.out" | grep --line-buffered '^bench: ' | sed -u 's/\r$//' || true
	if [ "$(cat "$dir.status")" != 0 ] || ! grep -q '^S2VIEW-BENCH-END' "$log" 2>/dev/null; then
		sed -n '/^run-qemu: problems:/,$p' "$dir.out" >&2
		die "the $1 boot did not finish cleanly: see $log"
	fi
	rows_of "$log" >"$4" || die "bad results in $log"
}

if [ -n "$host" ]; then
	header "host: s2summ.sh and s2owner.sh on a generated 262,144-page ranges file (tools/bench-scripts.sh -r 3)"
	echo "host: $(uname -m), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
	"$top/tools/bench-scripts.sh" -r 3 -o "$parts/host.rows"
	show "$parts/host.rows"
fi

if [ -n "$guest" ]; then
	header "main ($mode, QEMU TCG): dumps, counters, kernel memory, faults during dumps, the toolkit"
	boot main "$mode" main "$parts/main.rows"
	show "$parts/main.rows"

	header "host view (protected, QEMU TCG)"
	boot hostview protected host "$parts/hostview.rows"
	show "$parts/hostview.rows"
fi

if [ -n "$guest" ]; then
	# kernel/bench/no-stage2-stats.patch compiles stage2_account() to
	# nothing: the same kernel without the stage-2 stats. Built in the
	# same tree and build dir (only pgtable.c changes), then the tree goes
	# back to the series.
	header "fault path ($mode): s2vm -m 512M -b 4k -x (131,072 faults) on CPU 0, best of 5, a kernel with the stage-2 stats and one without, booted in turn twice"
	nostats=$out/Image-nostats
	S2VIEW_EXTRA_PATCHES=$top/kernel/bench/no-stage2-stats.patch \
		"$top/tools/build-kernel.sh" "$nostats" >/dev/null
	"$top/tools/build-kernel.sh" "$top/build/Image-$KERNEL" >/dev/null
	# The emulator's speed drifts over minutes (by up to 30 % between
	# boots): stats, nostats, stats, nostats, the best boot of each, so
	# that a slow spell does not fall on one kernel only.
	t_stats='' t_nostats=''
	for round in 1 2; do
		for kernel in stats nostats; do
			image=$top/build/Image-$KERNEL
			[ "$kernel" = stats ] || image=$nostats
			name=faults-$kernel-$round
			boot "$name" "$mode" faults "$parts/$name.boot" "$image"
			t=$(awk -F'\t' '$2 == "faultpath.fault_in" { print $3 }' "$parts/$name.boot")
			[ -n "$t" ] || die "no faultpath.fault_in in $logs/$name/$KERNEL-$mode.log"
			eval "best=\$t_$kernel"
			best=$(awk -v a="$t" -v b="$best" 'BEGIN { print (b == "" || a < b) ? a : b }')
			eval "t_$kernel=\$best"
		done
	done
	awk -v a="$t_stats" -v b="$t_nostats" -v m="$mode" -v k="$KERNEL" 'BEGIN {
		printf "### fault path (%s): s2vm -m 512M -b 4k -x, on CPU 0, create to exit, best of 5 in each of 2 boots taken in turn, with the stage-2 stats (build/Image-%s) and without (kernel/bench/no-stage2-stats.patch)\n", m, k
		printf "result\tfaultpath.stats\t%s\ts\t\n", a
		printf "result\tfaultpath.nostats\t%s\ts\t\n", b
		printf "result\tfaultpath.overhead\t%.1f\t%%\t<= 5\n", (b > 0 ? (a / b - 1) * 100 : 0)
	}' >"$parts/faultpath.rows"
	show "$parts/faultpath.rows"
fi

### the results

# the parts' figures, in the order they ran
all_rows() {
	for p in host main hostview faultpath; do
		[ ! -f "$parts/$p.rows" ] || cat "$parts/$p.rows"
	done
}

# what the run ran on, for the head of results.md
about() {
	ran=
	[ -z "$host" ] || ran="host toolkit"
	[ -z "$guest" ] || ran="${ran:+$ran, }main ($KERNEL $mode), host view (protected, if the series has it), fault path ($mode)"
	cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
	commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
	[ -z "$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit (with local changes)"
	cat <<-EOF
	# make bench: results

	- date: $(date -u '+%Y-%m-%d %H:%M UTC')
	- CPU: ${cpu:-unknown} ($(uname -m), $(nproc) CPUs)
	- QEMU: $(qemu-system-aarch64 --version 2>/dev/null | head -n 1 || echo "not found")
	- guest: QEMU TCG, -cpu max, 2 vCPUs, ${S2VIEW_GUEST_MEM:-3072} MiB
	- commit: $commit
	- parts: $ran

	Absolute times under emulation are noise: the ratios of one run are
	what count. "n/a": not measured in that boot's mode.

	EOF
}

all_rows | awk -F'\t' '$1 == "result" { print $2 "\t" $3 "\t" $4 }' >"$out/results.tsv"
# A name twice would make the tsv ambiguous (e.g. a main part run as "all").
dups=$(cut -f 1 "$out/results.tsv" | sort | uniq -d | tr "\n" " ")
[ -z "$dups" ] || say "warning: figures named twice in results.tsv: $dups"
{
	about
	echo "| figure | value | unit | target | met? |"
	echo "|---|---|---|---|---|"
	all_rows | awk -F'\t' "$MET_AWK"'
	function cell(s) { gsub(/\|/, "\\|", s); return s }
	/^### / { printf "| **%s** | | | | |\n", cell(substr($0, 5)); next }
	{ printf "| %s | %s | %s | %s | %s |\n", $2, cell($3), $4, cell($5), met($3, $5) }'
} >"$out/results.md"

header "results: ${out#"$top"/}/results.md, ${out#"$top"/}/results.tsv"
all_rows | awk -F'\t' "$MET_AWK"'
$1 == "result" && $5 != "" {
	m = met($3, $5)
	n[m]++
	if (m == "NOT MET")
		printf "  NOT MET: %s = %s %s (target %s)\n", $2, $3, $4, $5
}
END { printf "targets: %d met, %d not met, %d n/a\n", n["met"], n["NOT MET"], n["n/a"] }'
