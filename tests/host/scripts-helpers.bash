# scripts-helpers.bash - shared by tests/host/s2summ.bats, s2owner.bats and
# format.bats.
#
# The scripts run under every userland of $S2_SHELLS (default: all four),
# each a directory of links that is the whole PATH, so a script that needs
# a tool the userland lacks fails here:
#	dash     dash, mawk, coreutils cat and sort (Debian's /bin/sh)
#	bash     bash, gawk, coreutils cat and sort (many hosts' awk is gawk)
#	busybox  busybox sh, awk and every applet (the QEMU guest, embedded)
#	android  mksh, toybox's applets and the one-true-awk (original-awk):
#	         an Android device's shell
# tools/install-deps.sh installs them all.

bats_require_minimum_version 1.5.0

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
# S2VIEW_SCRIPTS: test another copy of scripts/ (tools/mutants.sh)
SCRIPTS=${S2VIEW_SCRIPTS:-$ROOT/scripts}
FIXTURES=$ROOT/tests/fixtures
S2_SHELLS=${S2_SHELLS:-dash bash busybox android}

load fixtures

# userland_dir NAME: the PATH directory of userland NAME, made on first use
userland_dir() {
	local d=$BATS_FILE_TMPDIR/userland-$1 a
	if [ ! -d "$d" ]; then
		mkdir -p "$d.new"
		case $1 in
		dash | bash)
			ln -s "$(command -v "$1")" "$d.new/sh"
			if [ "$1" = dash ]; then a=mawk; else a=gawk; fi
			ln -s "$(command -v "$a")" "$d.new/awk"
			ln -s "$(command -v cat)" "$d.new/cat"
			ln -s "$(command -v sort)" "$d.new/sort"
			;;
		busybox)
			busybox --install -s "$d.new"
			ln -sf "$(command -v busybox)" "$d.new/sh"
			;;
		android)
			for a in $(toybox); do
				ln -s "$(command -v toybox)" "$d.new/$a"
			done
			ln -sf "$(command -v mksh)" "$d.new/sh"
			ln -sf "$(command -v original-awk)" "$d.new/awk"
			;;
		*) echo "unknown userland $1 in S2_SHELLS" >&2; return 1 ;;
		esac
		mv "$d.new" "$d"
	fi
	echo "$d"
}

# s2 USERLAND SCRIPT ARGS...: run a script under USERLAND (its sh, with its
# directory as the whole PATH); sets status, output (stdout) and stderr
s2() {
	local ul=$1 script=$SCRIPTS/$2 d
	shift 2
	d=$(userland_dir "$ul") || return 1
	echo "# under $ul: ${script##*/} $*"
	run --separate-stderr env PATH="$d" "$d/sh" "$script" "$@"
}

# the value of metric line "$1" (e.g. 's2view_ranges{vm="vm1"}') in $output
metric() {
	local v
	v=$(printf '%s\n' "$output" | awk -v m="$1" '$1 == m { print $2 }')
	[ -n "$v" ] || { echo "no metric $1 in output" >&2; return 1; }
	echo "$v"
}

# bytes SIZE: 4K -> 4096 (the size field of the ranges format)
bytes() {
	local n=${1%?} u=${1: -1}
	case $u in
	B) echo $((n)) ;; K) echo $((n << 10)) ;; M) echo $((n << 20)) ;;
	G) echo $((n << 30)) ;; T) echo $((n << 40)) ;; P) echo $((n << 50)) ;;
	*) return 1 ;;
	esac
}

# sum of the sizes of the valid ranges of file $1, computed here, not by the
# scripts (bash arithmetic on the start-end field)
valid_bytes() {
	local r s e sum=0
	while read -r r _ _ t _; do
		[ "$t" = invalid ] && continue
		s=${r%%-*}; e=${r#*-}
		sum=$((sum + e - s))
	done <"$1"
	echo "$sum"
}

# a small valid ranges file for a 32-bit IPA, to break in known places:
#	line 1: 0-1G invalid at level 1
#	line 2: a 2M rw- block at 1G
#	line 3: 1022M invalid at level 2
#	line 4: 2G-4G invalid at level 1
small_ranges() {
	cat <<'EOF'
0x0000000000000000-0x0000000040000000 1G 1 invalid --- -
0x0000000040000000-0x0000000040200000 2M 2 block rw- normal af=1
0x0000000040200000-0x0000000080000000 1022M 2 invalid --- -
0x0000000080000000-0x0000000100000000 2G 1 invalid --- -
EOF
}

# expect_bad SCRIPT FILE PATTERN...: every userland rejects FILE with status
# 2, prints nothing on stdout, and the same message on stderr, which matches
# every glob PATTERN
expect_bad() {
	local script=$1 file=$2 sh p first=
	shift 2
	for sh in $S2_SHELLS; do
		s2 "$sh" "$script" "$file"
		echo "status $status; stdout: $output; stderr: $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		for p in "$@"; do
			[[ "$stderr" == $p ]]
		done
		[ -n "$first" ] || first=$stderr
		[ "$stderr" = "$first" ]
	done
}

# expect_status STATUS PATTERN SCRIPT ARGS...: every userland runs SCRIPT
# ARGS with status STATUS, prints nothing on stdout, and on stderr something
# that matches the glob PATTERN ("*" for anything)
expect_status() {
	local want=$1 p=$2 sh
	shift 2
	for sh in $S2_SHELLS; do
		s2 "$sh" "$@"
		[ "$status" -eq "$want" ]
		[ -z "$output" ]
		[[ "$stderr" == $p ]]
	done
}

# HEX_AWK: an awk function hex("0x...") as a number, exact up to 2^53
# (mawk and busybox awk have no strtonum): the validator's own
# (tests/lib/ranges.awk), not a copy, as tests/guest/lib.bash takes it
HEX_AWK=$(sed -n '/^function hex(/,/^}/p' "$ROOT/tests/lib/ranges.awk")

# slot_bytes VMDIR SLOT [LEVEL]: the bytes of valid ranges (at LEVEL, if
# given) inside memslot SLOT (of address space 0) of VMDIR, summed here
slot_bytes() {
	awk -v want="slot=$2" -v lvl="${3:-}" "$HEX_AWK"'
		FILENAME == ARGV[1] {
			if ($3 == want && $4 == "as=0") {
				split($1, r, "-")
				s0 = hex(r[1]); e0 = hex(r[2]); found = 1
			}
			next
		}
		$4 == "invalid" || (lvl != "" && $3 != lvl) { next }
		{
			split($1, r, "-")
			s = hex(r[1]); e = hex(r[2])
			if (s < s0) s = s0
			if (e > e0) e = e0
			if (e > s) sum += e - s
		}
		END {
			if (!found) {
				printf "no slot %s in %s\n", substr(want, 6), ARGV[1] >"/dev/stderr"
				exit 1
			}
			printf "%.0f\n", sum
		}' "$1/memslots" "$1/s2/ranges"
}

# why_here VMDIR GRANULE [LEVEL]: the bytes of the valid level-3 pages (or
# with LEVEL 2, of the level-2 blocks, against 1G windows) of VMDIR by the
# first cause that applies to their window (tried in the order of
# scripts/README.md: slot-edge, misaligned, dirty-log, host-pages), worked
# out here entry by entry from the definitions, not by the scripts:
# "dirty-log N misaligned N slot-edge N host-pages N outside N"
# (in awk, not bash: bash takes seconds a VM, for each mutant of make mutants)
why_here() {
	local lvl=${3:-3} step blk
	if [ "$lvl" = 3 ]; then
		step=$2 blk=$(($2 * $2 / 8))
	else
		step=$(($2 * $2 / 8)) blk=$(($2 * $2 / 8 * $2 / 8))
	fi
	awk -v lvl="$lvl" -v step="$step" -v blk="$blk" "$HEX_AWK"'
		BEGIN { n = 0 }
		FILENAME == ARGV[1] {
			if ($4 != "as=0")
				next
			split($1, r, "-")
			ss[n] = hex(r[1]); se[n] = hex(r[2]); sh[n] = hex(substr($5, 5))
			sf[n++] = substr($6, 7)
			next
		}
		$3 != lvl || $4 == "invalid" { next }
		{
			split($1, r, "-")
			e = hex(r[2])
			for (a = hex(r[1]); a < e; a += step) {
				c = "outside"
				for (i = 0; i < n; i++) {
					if (a < ss[i] || a >= se[i])
						continue
					w = a - a % blk # the window holding the entry
					if (w < ss[i] || w + blk > se[i])
						c = "slot-edge"
					else if ((sh[i] - ss[i]) % blk)
						c = "misaligned"
					else if (index(sf[i], "dirty-log"))
						c = "dirty-log"
					else
						c = "host-pages"
					break
				}
				by[c] += step
			}
		}
		END {
			printf "dirty-log %.0f misaligned %.0f slot-edge %.0f host-pages %.0f outside %.0f\n",
				by["dirty-log"], by["misaligned"], by["slot-edge"], by["host-pages"], by["outside"]
		}' "$1/memslots" "$1/s2/ranges"
}

# causes VM [METRIC]: the four cause metrics of VM in $output (--prom), as
# why_here prints them (without outside)
causes() {
	local vm=$1 m=${2:-s2view_page_bytes_by_cause} c out=
	for c in dirty-log misaligned slot-edge host-pages; do
		out="$out${out:+ }$c $(metric "$m{vm=\"$vm\",cause=\"$c\"}")" || return 1
	done
	echo "$out"
}

# want CAUSE=BYTES...: the four causes as causes() prints them, 0 for those
# not given, a cause given twice added up
want() {
	local -A by=([dirty-log]=0 [misaligned]=0 [slot-edge]=0 [host-pages]=0)
	local a
	for a in "$@"; do
		by[${a%%=*}]=$((by[${a%%=*}] + ${a#*=}))
	done
	echo "dirty-log ${by[dirty-log]} misaligned ${by[misaligned]}" \
		"slot-edge ${by[slot-edge]} host-pages ${by[host-pages]}"
}

# RANGE_AWK: awk functions for generated ranges files: r(START, END, REST)
# prints the line START-END SIZE REST, its size field in its largest unit
# (xs(BYTES))
# shellcheck disable=SC2034 # (for the tests)
RANGE_AWK='function r(s, e, rest) { printf "0x%016x-0x%016x %s %s\n", s, e, xs(e - s), rest }
function xs(b,    i) {
	for (i = 1; i < 6 && b % 1024 == 0; i++)
		b /= 1024
	return sprintf("%.0f%s", b, substr("BKMGTP", i, 1))
}'

# vm_of DIR BITS <RANGES: a VM directory DIR of a BITS-bit IPA space whose
# ranges file is stdin
vm_of() {
	mkdir -p "$1/s2"
	echo "$2" >"$1/s2/ipa_bits"
	cat >"$1/s2/ranges"
}

# quick_all_but K: the note of S2VIEW_QUICK=count in $stderr says that the
# quick way took every range of the source but K at most
quick_all_but() {
	local q
	q=$(printf '%s\n' "$stderr" |
		sed -n 's/.*: note: \([0-9]*\) of \([0-9]*\) ranges went the quick way$/\1 \2/p')
	echo "the quick way took ${q% *} of ${q#* } ranges; all but $1 at most wanted"
	[ -n "$q" ] && [ $((${q#* } - ${q% *})) -le "$1" ]
}

# same_both_ways SH ARGS...: s2summ.sh ARGS under SH, every line the full way
# (S2VIEW_QUICK=no), then as usual: the same status, stdout and stderr (the
# second run's are left in status, output and stderr)
same_both_ways() {
	both_ways s2summ.sh "$@"
}

# both_ways SCRIPT SH ARGS...: same_both_ways for SCRIPT (s2owner.sh too)
both_ways() {
	local script=$1 sh=$2 st out err
	shift 2
	S2VIEW_QUICK=no s2 "$sh" "$script" "$@"
	st=$status out=$output err=$stderr
	s2 "$sh" "$script" "$@"
	echo "the full way: status $st, stderr: $err; the quick way: status $status, stderr: $stderr"
	[ "$status" = "$st" ]
	[ "$output" = "$out" ]
	[ "$stderr" = "$err" ]
}

# setup_slots: the fixtures' sysfs root, no forced hex or quick way, the
# memslots fixtures in SLOTS and a VM dir of the test's own in VM
# shellcheck disable=SC2034 # (SLOTS, VM: for the tests)
setup_slots() {
	export S2VIEW_SYSFS=$FIXTURES
	unset S2VIEW_HEX S2VIEW_QUICK
	SLOTS=$FIXTURES/slots
	VM=$BATS_TEST_TMPDIR/vm9
}
