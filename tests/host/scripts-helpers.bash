# scripts-helpers.bash - shared by tests/host/s2summ.bats and s2owner.bats.
#
# The scripts are run under every shell of $S2_SHELLS (default: dash and
# busybox): "dash" is dash with the host's awk (mawk here) and tools;
# "busybox" is busybox sh with busybox's awk, cat, tr, sort... first in
# PATH, as on the guest; "bash" is bash with the host's tools.

bats_require_minimum_version 1.5.0

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
SCRIPTS=$ROOT/scripts
FIXTURES=$ROOT/tests/fixtures
S2_SHELLS=${S2_SHELLS:-dash busybox}

load fixtures

# once per file: a dir of busybox applet links for the "busybox" shell
setup_file() {
	export BB_BIN=$BATS_FILE_TMPDIR/busybox-bin
	mkdir -p "$BB_BIN"
	busybox --install -s "$BB_BIN"
	[ -x "$BB_BIN/awk" ]
}

# s2 SHELL SCRIPT ARGS...: run a script under SHELL; sets status, output
# (stdout) and stderr
s2() {
	local sh=$1 script=$SCRIPTS/$2
	shift 2
	echo "# under $sh: ${script##*/} $*"
	case $sh in
	dash) run --separate-stderr dash "$script" "$@" ;;
	bash) run --separate-stderr bash "$script" "$@" ;;
	busybox) run --separate-stderr env PATH="$BB_BIN:$PATH" busybox sh "$script" "$@" ;;
	*) echo "unknown shell $sh in S2_SHELLS" >&2; return 1 ;;
	esac
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

# expect_bad SCRIPT FILE PATTERN...: every shell rejects FILE with status 2,
# prints nothing on stdout, and stderr matches every glob PATTERN
expect_bad() {
	local script=$1 file=$2 sh p
	shift 2
	for sh in $S2_SHELLS; do
		s2 "$sh" "$script" "$file"
		echo "status $status; stdout: $output; stderr: $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		for p in "$@"; do
			[[ "$stderr" == $p ]]
		done
	done
}
