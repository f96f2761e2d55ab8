# s2lib.sh - the front end s2summ.sh and s2owner.sh share: options, checks
# on the files, messages, exit codes, and the framing of what awk reads.
#
# Not a program by itself: each tool sources it (". s2lib.sh", from its own
# directory), defines usage() and tool_option(), resolves its arguments into
# sources and calls summarise() with its own awk text.
#
# The stream awk reads (the "framing"): per source, control lines that start
# with the byte SOH (\001) and the source's lines as "cat -v" shows them.
# "cat -v" turns every control byte of the data into printable text (^A, ^M,
# ^@) and every non-ASCII byte into M-x, so no line of a file can start with
# SOH: file content cannot reach the control channel, and NUL or CR bytes
# reach every awk (busybox, mawk, gawk, one-true-awk) as the same text.
#	<SOH>S2VIEW-BEGIN
#	<SOH>S2VIEW-META name vm3     (then src, dir, pid and counter files)
#	<SOH>S2VIEW-META ipa_bits 40
#	<SOH>S2VIEW-META memslots /sys/kernel/kvm/vm3/memslots   (if there is one:
#	0x0000000010000000-0x0000000010010000 64K slot=8 as=0 hva=0x... flags=-
#	...                                                       its lines, then)
#	<SOH>S2VIEW-RANGES            (glued to the last line if it has no newline)
#	0x0000000000000000-0x0000000040000000 1G 1 invalid --- -
#	...
#	<SOH>S2VIEW-EOF               (glued to the last line if it has no newline)
#
# Uses only sh, cat (with -v) and sort: no tr (toybox has none); and with
# toybox, its grep (see catv) and mktemp (see spool_stdin).
#
# Exit status of the tools: 0 done; 2 usage error, missing, unreadable or
# malformed input (a message on stderr; nothing on stdout), or an output
# that could not be written (a full disk); 3 (s2summ) the memslots and the
# ranges disagree (messages on stderr; the rest on stdout).

# shellcheck shell=sh disable=SC2034,SC2153
# (PROM, TOPN and the like are read by the tools that source this file;
# LIBDIR and COUNTERS are set by them)

PROG=${0##*/}
SYSFS=${S2VIEW_SYSFS:-/sys/kernel/kvm}
SOH=$(printf '\001')
NL='
'

die() {
	echo "$PROG: $*" >&2
	exit 2
}

usage_error() {
	echo "$PROG: $*" >&2
	usage >&2
	exit 2
}

### options: -h, --prom, -n N and the tool's own, before or after the operand
# parse_args WHAT "$@": WHAT names the operand in messages ("one VM, path or
# -"); sets PROM, TOPN and OPERAND (HAVE_OPERAND=1 when there is one); an
# option the tool knows is given to tool_option OPT, which returns 0 when it
# took it.
parse_args() {
	what=$1
	shift
	PROM=0 TOPN=5 OPERAND='' HAVE_OPERAND=0
	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage 2>/dev/null || write_failed $?; exit 0 ;;
		--prom) PROM=1 ;;
		-n)
			[ $# -ge 2 ] || usage_error "-n needs a number"
			TOPN=$2
			shift
			;;
		-n*) TOPN=${1#-n} ;;
		--)
			shift
			for a in "$@"; do operand "$what" "$a"; done
			break
			;;
		-) operand "$what" - ;;
		-*) tool_option "$1" || usage_error "unknown option $1" ;;
		*) operand "$what" "$1" ;;
		esac
		shift
	done
	case $TOPN in
	'' | *[!0-9]*) usage_error "-n wants a number (got \"$TOPN\")" ;;
	esac
	while :; do # no leading zeros: busybox awk reads 010 as octal
		case $TOPN in
		0?*) TOPN=${TOPN#0} ;;
		*) break ;;
		esac
	done
}

operand() { # $1 what, $2 the operand
	[ "$HAVE_OPERAND" = 0 ] || usage_error "$1 at most (got: $OPERAND $2)"
	OPERAND=$2
	HAVE_OPERAND=1
}

### finding the files
there() { # $1 is there: a file, or a link to one or to nothing (a broken
	# link or a loop is there, and unreadable, not absent)
	[ -e "$1" ] || [ -h "$1" ]
}

readable() { # $1 ranges file
	there "$1" || die "no $1"
	[ -e "$1" ] || die "cannot read $1: a broken symbolic link, or a loop"
	[ -r "$1" ] || die "cannot read $1: are you root?"
}

# path_operand PATH WHAT: P = PATH without its trailing /, once it exists
# (else "no such WHAT: PATH", status 2)
path_operand() {
	there "$1" || die "no such $2: $1"
	P=${1%/}
	[ -n "$P" ] || P=/
}

# find_s2 DIR SUB...: S2DIR = the first DIR/SUB (SUB . is DIR itself) that
# holds a ranges file, and PIDFILE and MSFILE the pid and memslots beside a
# .../s2 directory (empty for another name); status 1 when none holds one
find_s2() {
	fd=$1
	shift
	for fs in "$@"; do
		if [ "$fs" = . ]; then S2DIR=$fd; else S2DIR=$fd/$fs; fi
		[ -f "$S2DIR/ranges" ] || continue
		PIDFILE='' MSFILE=''
		case $S2DIR in
		*/s2 | s2) PIDFILE=${S2DIR%s2}pid MSFILE=${S2DIR%s2}memslots ;;
		esac
		return 0
	done
	return 1
}

# memslots_at FILE: MEMSLOTS = FILE if there is one (a kernel without
# memslots, or a copy without it: empty), checked readable
memslots_at() {
	MEMSLOTS=
	[ -n "$1" ] && there "$1" || return 0
	readable "$1"
	MEMSLOTS=$1
}

### the stream awk reads
oneline() { # ONE = $1 with each newline written ^J, as cat -v writes controls
	ONE=
	o=$1
	while :; do
		case $o in
		*"$NL"*) ONE=$ONE${o%%"$NL"*}^J; o=${o#*"$NL"} ;;
		*) break ;;
		esac
	done
	ONE=$ONE$o
}

# toybox's cat -v (Android) writes one byte per write(): 43-57 times the
# floor on a 262,146-line file. There a file with no byte that cat -v would
# change (grep, with the bytes it leaves as they are: tab and space to ~)
# goes through plain cat, which prints the same; a file with such a byte,
# or that grep cannot read, through cat -v.
TOYCAT=0
case $(cat --version 2>/dev/null) in toybox*) TOYCAT=1 ;; esac
BADBYTE=$(printf '[^\t -~]')

catv() { # catv FILE: FILE as cat -v prints it
	if [ "$TOYCAT" = 1 ]; then
		r=0
		LC_ALL=C grep -q -e "$BADBYTE" -- "$1" 2>/dev/null || r=$?
		if [ "$r" = 1 ]; then
			cat -- "$1"
			return
		fi
	fi
	cat -v -- "$1"
}

# Ranges on stdin would go through toybox's cat -v, a byte per write():
# there they are first copied by plain cat into a file of a temp dir of our
# own (SPOOL, removed however the tool ends), then read as a file is
# (catv); SPOOLOK=0 when that copy failed (read as far as it got, then a
# read error, as cat -v does, which awk says names the temp dir: a full
# disk there is the likely cause). Without a temp dir (no ${TMPDIR:-/tmp}):
# cat -v on stdin. Elsewhere cat -v is quick on stdin too.
SPOOL=
spool_gone() {
	[ -z "$SPOOL" ] || rm -rf -- "$SPOOL"
	SPOOL=
}

spool_stdin() { # spool_stdin NAME DIR RANGES PIDFILE MEMSLOTS [...]
	[ "$TOYCAT" = 1 ] || return 0
	while [ $# -ge 5 ] && [ "$3" != - ]; do shift 5; done
	[ $# -ge 5 ] || return 0
	trap spool_gone EXIT
	for sig in HUP INT PIPE TERM; do # (then dies of the signal, as without)
		# shellcheck disable=SC2064 # (expanded now: the signal's name)
		trap "spool_gone; trap - $sig EXIT; kill -s $sig \$\$" "$sig"
	done
	SPOOL=$(mktemp -d "${TMPDIR:-/tmp}/s2view.XXXXXX" 2>/dev/null) || SPOOL=
	[ -n "$SPOOL" ] || return 0
	SPOOLOK=1
	cat >"$SPOOL/stdin" 2>/dev/null || SPOOLOK=0
}

meta() { # a fact about the source: meta KEY VALUE
	oneline "$2"
	printf '%sS2VIEW-META %s %s\n' "$SOH" "$1" "$ONE"
}

# produce NAME DIR RANGES PIDFILE MEMSLOTS [...]: each source, framed. DIR
# (may be empty) holds the counter files named in $COUNTERS; RANGES - is
# stdin; MEMSLOTS (may be empty) is read before the ranges.
produce() {
	while [ $# -ge 5 ]; do
		printf '%sS2VIEW-BEGIN\n' "$SOH"
		meta name "$1"
		if [ "$3" = - ]; then meta src "<stdin>"; else meta src "$3"; fi
		if [ -n "$2" ]; then
			meta dir "$2"
			for c in $COUNTERS; do
				[ -f "$2/$c" ] || [ -h "$2/$c" ] || continue
				v=$(cat -v -- "$2/$c") || v=
				meta "$c" "$v"
			done
		fi
		if [ -n "$4" ] && { [ -f "$4" ] || [ -h "$4" ]; }; then
			v=$(cat -v -- "$4") || v=
			meta pid "$v"
		fi
		# a last line without its newline gets the next control line glued
		# to it: awk notices
		if [ -n "$5" ]; then
			meta memslots "$5"
			catv "$5" || printf '%sS2VIEW-READERR\n' "$SOH"
			printf '%sS2VIEW-RANGES\n' "$SOH"
		fi
		if [ "$3" != - ]; then
			catv "$3"
		elif [ -n "$SPOOL" ]; then
			# (a failed copy: most likely a full TMPDIR, which awk says)
			[ "$SPOOLOK" = 1 ] || meta spool "${SPOOL%/*}"
			catv "$SPOOL/stdin" && [ "$SPOOLOK" = 1 ]
		else
			cat -v
		fi || printf '%sS2VIEW-READERR\n' "$SOH"
		printf '%sS2VIEW-EOF\n' "$SOH"
		shift 5
	done
}

### writing the output: a write error (a full disk) is never silent
write_failed() { # $1: the status of the writer (cat) that failed
	# killed by SIGPIPE (a reader such as head went away): quietly, as any
	# filter; anything else (ENOSPC, EIO): the output is incomplete
	[ "$1" -gt 128 ] && exit "$1"
	die "cannot write the output (disk full?): it is incomplete"
}

# summarise AWKTEXT NAME DIR RANGES PIDFILE MEMSLOTS [...]: run s2lib.awk
# and the tool's AWKTEXT on the sources; exits with awk's status, or 2 when
# the output could not be written
summarise() {
	[ -r "$LIBDIR/s2lib.awk" ] ||
		die "cannot read $LIBDIR/s2lib.awk: install s2lib.awk beside $PROG"
	prog=$(cat -- "$LIBDIR/s2lib.awk")$1
	shift
	spool_stdin "$@"
	# awk writes into a pipe to cat, which writes stdout: each awk says a
	# write error its own way, or not at all (busybox), and cat's status is
	# enough. The statuses come back on fd 3 ("awk N", "cat N": only those
	# that failed), the output goes on to the caller's stdout (fd 4).
	# (produce reports errors to awk, which says them; its stderr would only
	# add noise, e.g. write errors when awk stops early and SIGPIPE is ignored)
	exec 4>&1
	st=$( { { produce "$@" 2>/dev/null | LC_ALL=C awk -v PROG="$PROG" \
		-v MAP="${MAP:-0}" -v PROM="$PROM" -v TOPN="$TOPN" \
		-v HEXMODE="${S2VIEW_HEX:-}" -v QUICK="${S2VIEW_QUICK:-}" "$prog" ||
		echo "awk $?" >&3; } | { cat 2>/dev/null || echo "cat $?" >&3; }; } \
		3>&1 >&4 )
	exec 4>&-
	rc=0
	case $st in
	*"cat "*) w=${st#*cat }; write_failed "${w%%[!0-9]*}" ;;
	*"awk "*) rc=${st#*awk }; rc=${rc%%[!0-9]*} ;;
	esac
	exit "$rc"
}
