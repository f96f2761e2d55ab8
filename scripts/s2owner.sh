#!/bin/sh
#
# s2owner.sh - who owns the memory: summarise pKVM's host stage-2 from s2view.
#              POSIX sh and awk: runs under busybox, dash and bash.
#
# In protected mode (kvm-arm.mode=protected) the host kernel runs under its
# own stage-2, an identity map annotated with who owns each page. This reads
# /sys/kernel/kvm/host/s2/ranges (or a saved copy) and prints the bytes,
# shares and ranges per owner and per page state, and the largest hyp-owned
# runs. --prom prints Prometheus gauges instead.
#
# Owners: host = valid (mapped) entries in state owned or shared-owned, or no
# state, plus invalid entries annotated owner=host; hyp, ffa = invalid
# entries annotated owner=hyp, owner=ffa; idN = owner=N (an id the kernel
# has no name for, e.g. a protected VM); borrowed = valid entries in state
# shared-borrowed (owned by someone else, lent to the host); unmapped =
# invalid entries without an owner (the host's by default but not faulted in
# yet, or no memory there). Shares: of the IPA space (%IPA), and of the known
# memory (%KNOWN): everything but unmapped. States (valid entries only):
# owned (also when no state= is given), shared-owned, shared-borrowed.
#
# Everything comes from the ranges, in one awk pass; the kernel's counter
# files (owner_hyp_bytes, owner_ffa_bytes, state_shared_owned_bytes,
# state_shared_borrowed_bytes, mapped_bytes, ipa_bits) are checked against
# them and a difference is noted on stderr.
#
# USAGE: s2owner.sh [-h] [--prom] [-n N] [PATH | -]
#
#        -h        # help
#        --prom    # Prometheus text exposition format (gauges)
#        -n N      # show the N largest hyp-owned runs (default 5; 0: none)
#        PATH      # a saved ranges file; a saved host/s2 or host directory;
#                  # a saved copy of /sys/kernel/kvm
#        -         # ranges on stdin
#   eg,
#        s2owner.sh                     # the live host stage-2
#        s2owner.sh -n 10               # with its 10 largest hyp-owned runs
#        s2owner.sh --prom > /var/lib/node_exporter/textfile/s2owner.prom
#        cp -r /sys/kernel/kvm/host /tmp/host; s2owner.sh /tmp/host  # later
#
# Exit status: 0 done; 1 no host stage-2 view (not protected mode, or not
# root); 2 usage error, unreadable or malformed input (a message on stderr
# names the file and line, and nothing goes to stdout).
#
# The environment variable S2VIEW_SYSFS replaces /sys/kernel/kvm (tests, or
# a saved copy); S2VIEW_HEX=manual makes awk convert hex digit by digit even
# when it can convert "0x..." itself exactly (tests).
#
# REQUIREMENTS: a kernel with s2view booted with kvm-arm.mode=protected
# (/sys/kernel/kvm/host/s2/), root (the files are root-only), a POSIX sh,
# awk (busybox awk, mawk, gawk), cat, tr.
#
set -eu

PROG=${0##*/}
SYSFS=${S2VIEW_SYSFS:-/sys/kernel/kvm}
COUNTERS="ipa_bits start_level mapped_bytes owner_hyp_bytes owner_ffa_bytes
state_shared_owned_bytes state_shared_borrowed_bytes"

usage() {
	cat <<USAGE
USAGE: $PROG [-h] [--prom] [-n N] [PATH | -]
   -h        # this help
   --prom    # Prometheus text format (gauges)
   -n N      # show the N largest hyp-owned runs (default 5; 0: none)
   PATH      # a saved ranges file; a saved host/s2 or host dir; a saved
             # copy of $SYSFS
   -         # ranges on stdin
   (default: $SYSFS/host/s2, there in protected mode only)
  eg,
       $PROG                  # who owns the memory
       $PROG -n 10            # with the 10 largest hyp-owned runs
       $PROG --prom > /var/lib/node_exporter/textfile/s2owner.prom
       cat saved-ranges | $PROG -
USAGE
}

die() {
	echo "$PROG: $*" >&2
	exit 2
}

usage_error() {
	echo "$PROG: $*" >&2
	usage >&2
	exit 2
}

### options
PROM=0
TOPN=5
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--prom) PROM=1 ;;
	-n)
		[ $# -ge 2 ] || usage_error "-n needs a number"
		TOPN=$2
		shift
		;;
	-n*) TOPN=${1#-n} ;;
	--) shift; break ;;
	-) break ;;
	-*) usage_error "unknown option $1" ;;
	*) break ;;
	esac
	shift
done
[ $# -le 1 ] || usage_error "one path or - at most (got: $*)"
case $TOPN in
'' | *[!0-9]*) usage_error "-n wants a number (got \"$TOPN\")" ;;
esac
while :; do # no leading zeros: busybox awk reads 010 as octal
	case $TOPN in
	0?*) TOPN=${TOPN#0} ;;
	*) break ;;
	esac
done

### resolve the input: a dir with counters (or none) and a ranges file
readable() { # $1 ranges file
	[ -e "$1" ] || die "no $1"
	[ -r "$1" ] || die "cannot read $1: are you root?"
}

if [ $# -eq 0 ]; then
	DIR=$SYSFS/host/s2
	if [ ! -d "$DIR" ]; then
		echo "$PROG: no host stage-2 view ($DIR): is the kernel booted with" \
			"kvm-arm.mode=protected? are you root?" >&2
		exit 1
	fi
	readable "$DIR/ranges"
	RANGES=$DIR/ranges
elif [ "$1" = - ]; then
	DIR=
	RANGES=-
else
	p=${1%/}
	[ -n "$p" ] || p=/
	[ -e "$p" ] || die "no such file or directory: $p"
	if [ -d "$p" ]; then
		for DIR in "$p" "$p/s2" "$p/host/s2" ""; do
			[ -n "$DIR" ] || die "$p: no ranges, s2/ranges or host/s2/ranges in it"
			[ -f "$DIR/ranges" ] && break
		done
		RANGES=$DIR/ranges
	else
		DIR=
		RANGES=$p
	fi
	readable "$RANGES"
fi

### feed awk: the facts and the ranges, framed by #S2VIEW- lines
produce() {
	printf '#S2VIEW-BEGIN\n#S2VIEW-META name host\n'
	if [ "$RANGES" = - ]; then
		printf '#S2VIEW-META src <stdin>\n'
	else
		printf '#S2VIEW-META src %s\n' "$RANGES"
	fi
	if [ -n "$DIR" ]; then
		printf '#S2VIEW-META dir %s\n' "$DIR"
		for c in $COUNTERS; do
			[ -f "$DIR/$c" ] || continue
			printf '#S2VIEW-META %s ' "$c"
			tr -d '\n' <"$DIR/$c" || :
			echo
		done
	fi
	# a last line without its newline swallows the EOF line: awk notices
	if [ "$RANGES" = - ]; then cat; else cat -- "$RANGES"; fi ||
		printf '\n#S2VIEW-READERR\n'
	printf '#S2VIEW-EOF\n'
}

### summarise
rc=0
# (produce reports errors to awk, which says them; its stderr would only
# add noise, e.g. write errors when awk stops early and SIGPIPE is ignored)
produce 2>/dev/null | awk -v PROG="$PROG" -v PROM="$PROM" -v TOPN="$TOPN" \
	-v HEXMODE="${S2VIEW_HEX:-}" '
### begin common awk (identical in s2summ.sh and s2owner.sh; a test checks it)
# Input: the ranges of one or more page tables, each framed by lines from
# the shell, e.g.
#	#S2VIEW-BEGIN
#	#S2VIEW-META name vm3         (then src, dir, pid and counter files)
#	#S2VIEW-META ipa_bits 40
#	0x0000000000000000-0x0000000040000000 1G 1 invalid --- -
#	...
#	#S2VIEW-EOF                   (glued to the last line if it has no newline)
# Per range, sets S (start), E (end), SZ (size), LV (level), TY (type), PE
# (perms), MA (memattr), ATTR (LV TY PE MA: "3 page rw- normal"), VALID, AF
# (-1: none), OWNER, STATE and calls the
# account() of the tool; at the end of a source, checks it is complete and
# calls finish(). reset() starts a source. Any error: a message on stderr,
# exit status 2, and END prints nothing.

function fail(msg) {
	printf "%s: %s: %s\n", PROG, SRC, msg | "cat 1>&2"
	ERR = 1
	exit 2
}

function bad(msg) { # a bad line
	if (index($0, EOFMARK))
		msg = "no newline at the end of the last line: truncated file?"
	fail("line " LN ": " msg)
}

function note(msg) {
	printf "%s: %s: note: %s\n", PROG, NAME, msg | "cat 1>&2"
}

function hexv(s,    v, i) { # 16 hex digits -> number, exact below 2^53
	if (NATIVEHEX)
		return ("0x" s) + 0
	v = 0
	for (i = 1; i < 16; i += 2)
		v = v * 256 + H2[substr(s, i, 2)]
	return v
}

function hex16(x,    a, b, c, d) { # number -> 16 hex digits
	d = x % 65536; x = (x - d) / 65536
	c = x % 65536; x = (x - c) / 65536
	b = x % 65536; a = (x - b) / 65536
	return sprintf("%04x%04x%04x%04x", a, b, c, d)
}

function xsize(b,    u, d) { # exact size in the largest exact unit: 2040K
	if (b == 0)
		return "0"
	u = "BKMGTP"
	for (d = 1; d < 6 && b % 1024 == 0; d++)
		b /= 1024
	return sprintf("%.0f%s", b, substr(u, d, 1))
}

function hum(b,    d, i) { # human size: 16M, 16.01M, 512G
	if (b < 1024)
		return sprintf("%.0f%s", b, b ? "B" : "")
	d = 1024
	for (i = 1; i < 5 && b >= d * 1024; i++)
		d *= 1024
	if (b % d == 0)
		return sprintf("%.0f%s", b / d, substr("KMGTP", i, 1))
	return sprintf("%.2f%s", b / d, substr("KMGTP", i, 1))
}

function pct(a, b,    p) { # a as a percentage of b: 12.5%, <0.1%
	if (b <= 0)
		return "-"
	p = 100 * a / b
	if (p > 0 && p < 0.05)
		return "<0.1%"
	if (p < 100 && p >= 99.95)
		return ">99.9%"
	return sprintf("%.1f%%", p)
}

function granule(    l, g, any) { # the largest of 64K/16K/4K the ranges fit
	g = 3
	for (l = 2; l <= 3; l++)
		if (l in FITG) { any = 1; if (FITG[l] < g) g = FITG[l] }
	if (!any)
		for (l = 0; l <= 1; l++)
			if (l in FITG) { any = 1; if (FITG[l] < g) g = FITG[l] }
	return any ? g : 0
}

function attrs() { # check level, type, perms and memattr: set VALID
	if (!(LV in LVOK))
		bad("bad level \"" LV "\": want 0, 1, 2 or 3")
	if (TY == "invalid") {
		VALID = 0
		if (PE != "---" || MA != "-")
			bad("an invalid entry has perms --- and memattr -, not " PE " " MA)
		return
	}
	VALID = 1
	if (TY == "page") {
		if (LV != 3)
			bad("a page is a level-3 entry, not level " LV)
	} else if (TY == "block") {
		if (LV == 3)
			bad("a block is not a level-3 entry")
	} else {
		bad("bad type \"" TY "\": want page, block or invalid")
	}
	if (PE !~ /^[r-][w-][x-]$/)
		bad("bad perms \"" PE "\": want rwx with - for absent, e.g. rw-")
	if (MA !~ /^[a-z][a-z0-9-]*$/)
		bad("bad memattr \"" MA "\": want normal, normal-nc or device")
}

function cstart() {
	INVM = 1; LN = 0; N = 0; LASTE = 0; LASTES = "0000000000000000"
	IPA = 0; IPABITS = ""; NAME = ""; SRC = "<input>"; DIR = ""
	split("", CTR); split("", HAVE); split("", FITG)
	reset()
}

BEGIN {
	EOFMARK = "#S2VIEW-EOF"
	UNIT["B"] = 1; UNIT["K"] = 1024; UNIT["M"] = 1048576
	UNIT["G"] = 1073741824; UNIT["T"] = UNIT["G"] * 1024
	UNIT["P"] = UNIT["T"] * 1024
	TWO52 = UNIT["P"] * 4
	LVOK["0"] = LVOK["1"] = LVOK["2"] = LVOK["3"] = 1
	# candidate granules and the size of an entry per level: GS[g, level]
	GR[1] = 4096; GR[2] = 16384; GR[3] = 65536
	for (g = 1; g <= 3; g++) {
		e = GR[g]
		for (l = 3; l >= 0; l--) {
			GS[g, l] = e
			e *= GR[g] / 8
		}
	}
	# mawk and busybox awk turn "0x..." into its exact value: use that when
	# it works, else look digits up two at a time
	split("0x0000000080000000 0x000fffffffffffff 0x0010000000000000", t, " ")
	NATIVEHEX = HEXMODE != "manual" && t[1] + 0 == 2147483648 &&
		t[2] + 0 == TWO52 - 1 && t[3] + 0 == TWO52
	D = "0123456789abcdefABCDEF"
	for (i = 1; i <= 22; i++)
		for (j = 1; j <= 22; j++)
			H2[substr(D, i, 1) substr(D, j, 1)] = \
			    (i > 16 ? i - 7 : i - 1) * 16 + (j > 16 ? j - 7 : j - 1)
}

# a new source: #S2VIEW-BEGIN
/^#S2VIEW-BEGIN$/ {
	if (INVM) # its EOF line was glued to the last line of the previous one
		bad("no newline at the end of the last line: truncated file?")
	cstart()
	next
}

# a fact about the source: #S2VIEW-META ipa_bits 40 (or name, src, dir, pid)
/^#S2VIEW-META / {
	k = $2
	v = substr($0, length("#S2VIEW-META ") + length(k) + 2)
	if (k == "name") { NAME = v; next }
	if (k == "src") { SRC = v; next }
	if (k == "dir") { DIR = v; next }
	if (v !~ /^(0|[1-9][0-9]*)$/) {
		SRC = DIR "/" k
		if (k == "pid")
			SRC = DIR "/../pid"
		if (v == "")
			fail("empty: unreadable? are you root?")
		fail("bad value \"" v "\": want a decimal number")
	}
	CTR[k] = v + 0
	HAVE[k] = 1
	if (k == "ipa_bits") {
		if (v + 0 < 1 || v + 0 > 52) {
			SRC = DIR "/ipa_bits"
			fail(v " is not between 1 and 52")
		}
		IPA = 1
		for (i = 0; i < v + 0; i++)
			IPA *= 2
		IPABITS = v + 0
	}
	next
}

# the ranges could not be read: #S2VIEW-READERR
/^#S2VIEW-READERR$/ {
	fail("cannot read the ranges (are you root? did the VM exit?)")
}

# the end of a source: #S2VIEW-EOF
/^#S2VIEW-EOF$/ {
	if (N == 0)
		fail("no ranges (empty file?)")
	if (IPA && LASTE != IPA)
		fail("line " LN ": the ranges stop at 0x" LASTES " but the " IPABITS \
		    "-bit IPA space goes on to 0x" hex16(IPA) ": truncated file?")
	if (!IPA) { # a lone ranges file: its end is the IPA size
		IPA = 1
		for (IPABITS = 0; IPA < LASTE; IPABITS++)
			IPA *= 2
		if (IPA != LASTE)
			fail("line " LN ": the ranges stop at 0x" LASTES ", not at a power" \
			    " of two: truncated file?")
	}
	GI = granule()
	finish()
	INVM = 0
	next
}

# a range: 0x0000000080000000-0x0000000080400000 4M 2 block rwx normal af=1
{
	LN++
	if (!INVM)
		fail("internal error: a range outside a source")
	if (NF < 6)
		bad("want 6 fields (start-end size level type perms memattr)" \
		    " then key=value fields, got " NF)
	# (a literal regex: busybox awk compiles a dynamic one on every use)
	if ($1 !~ /^0x[0-9a-fA-F]+-0x[0-9a-fA-F]+$/ || length($1) != 37 ||
	    substr($1, 19, 1) != "-")
		bad("bad start-end \"" $1 "\": want 0x<16 hex digits>-0x<16 hex digits>")
	s = substr($1, 3, 16)
	if (s == LASTES) {
		S = LASTE
	} else {
		S = hexv(s)
		if (S != LASTE) {
			if (N == 0)
				bad("the first range starts at 0x" s ", not at 0")
			if (S < LASTE)
				bad("range starts at 0x" s ", before the end of the previous" \
				    " one (0x" LASTES "): not ascending, or overlapping")
			bad("gap: range starts at 0x" s " but the previous one ended at" \
			    " 0x" LASTES)
		}
	}
	e = substr($1, 22, 16)
	E = hexv(e)
	if (E <= S)
		bad("empty or reversed range " $1)
	if (E > TWO52)
		bad("end 0x" e " is beyond 2^52")
	if (IPA && E > IPA)
		bad("end 0x" e " is beyond the " IPABITS "-bit IPA space")
	SZ = E - S
	if ($2 != OKSZS || SZ != OKSZ) { # (checks only what changed: quicker)
		if ($2 !~ /^[1-9][0-9]*[BKMGTP]$/)
			bad("bad size \"" $2 "\": want a number and a unit B, K, M, G, T or P")
		if (substr($2, 1, length($2) - 1) * UNIT[substr($2, length($2))] != SZ)
			bad("size " $2 " does not match end - start = " xsize(SZ))
		OKSZS = $2; OKSZ = SZ
	}
	LV = $3; TY = $4; PE = $5; MA = $6
	ATTR = LV " " TY " " PE " " MA
	if (ATTR in OKATTR) {
		VALID = OKATTR[ATTR]
	} else {
		attrs()
		OKATTR[ATTR] = VALID
	}
	AF = -1; OWNER = ""; STATE = ""
	if (NF == 7 && $7 == "af=1") # the common case, quicker
		AF = 1
	else for (i = 7; i <= NF; i++) {
		f = $i
		k = index(f, "=")
		if (k < 2 || k == length(f))
			bad("bad field \"" f "\": want key=value")
		key = substr(f, 1, k - 1)
		v = substr(f, k + 1)
		if (key == "af") {
			if (v != "0" && v != "1")
				bad("bad af=" v ": want af=0 or af=1")
			AF = v + 0
		} else if (key == "owner" || key == "state") {
			if (v !~ /^[A-Za-z0-9_.-]+$/)
				bad("bad " f)
			if (key == "owner")
				OWNER = v
			else
				STATE = v
		}
	}
	# the granules the ranges fit (4K: entries of 4K, 2M, 1G, 512G; 16K,
	# 64K: larger; fitting one fits the smaller ones): FITG[level] = the
	# largest, 3 (64K), 2 (16K), 1 (4K) or 0 (none)
	if (!(LV in FITG))
		FITG[LV] = 3
	for (g = FITG[LV]; g && (S % GS[g, LV] || SZ % GS[g, LV]); g--)
		FITG[LV] = g - 1
	N++
	LASTE = E
	LASTES = e
	account()
}
### end common awk
### s2owner: per source (one here)
function reset() {
	MAPPED = NMAPPED = ANNOT = NTOP = HOPEN = 0
	split("", OB); split("", ON); split("", SB); split("", SN)
	split("", TOPS); split("", TOPA); split("", TOPB); split("", TOPC)
}

function account(    st, own) {
	if (VALID) {
		st = STATE == "" ? "owned" : STATE
		SB[st] += SZ; SN[st]++
		MAPPED += SZ; NMAPPED++
		own = st == "shared-borrowed" ? "borrowed" : "host"
	} else if (OWNER != "") {
		own = OWNER ~ /^[0-9]+$/ ? "id" OWNER : OWNER
	} else {
		own = "unmapped"
	}
	if (OWNER != "" || STATE != "")
		ANNOT = 1
	OB[own] += SZ; ON[own]++
	if (own == "hyp") { # runs of contiguous hyp-owned ranges
		if (HOPEN) {
			HE = E; HN++
		} else {
			HOPEN = 1; HS = S; HE = E; HN = 1
		}
	} else if (HOPEN) {
		hyprun()
	}
}

function hyprun(    i, sz) { # a run of hyp-owned ranges ended: the top N
	HOPEN = 0
	sz = HE - HS
	if (TOPN > 0 && (NTOP < TOPN || sz > TOPS[NTOP])) {
		if (NTOP < TOPN)
			NTOP++
		for (i = NTOP; i > 1 && TOPS[i - 1] < sz; i--) {
			TOPS[i] = TOPS[i - 1]; TOPA[i] = TOPA[i - 1]
			TOPB[i] = TOPB[i - 1]; TOPC[i] = TOPC[i - 1]
		}
		TOPS[i] = sz; TOPA[i] = HS; TOPB[i] = HE; TOPC[i] = HN
	}
}

function out(s) { OUT = OUT s "\n" }

function lbl(s) { gsub(/[^A-Za-z0-9._:-]/, "_", s); return s }

function prom(name, help, labels, v) {
	if (!(name in PH)) {
		PH[name] = help; NPM++; PO[NPM] = name
	}
	PS[name] = PS[name] name (labels != "" ? "{" labels "}" : "") " " v "\n"
}

function check(ctr, v, what) { # a kernel counter against the ranges
	if (HAVE[ctr] && CTR[ctr] != v + 0)
		note(sprintf("kernel %s is %.0f but the ranges have %.0f %s", ctr, \
		    CTR[ctr], v, what) ": did it change between the reads?")
}

# owners in order: host hyp ffa, others (idN by N, then names), borrowed, unmapped
function owners(K,    n, k, i, j, t) {
	n = 0
	K[++n] = "host"; K[++n] = "hyp"; K[++n] = "ffa"
	for (k in OB)
		if (k != "host" && k != "hyp" && k != "ffa" && k != "borrowed" && \
		    k != "unmapped")
			K[++n] = k
	for (i = 5; i <= n; i++)
		for (j = i; j > 4 && before(K[j], K[j - 1]); j--) {
			t = K[j]; K[j] = K[j - 1]; K[j - 1] = t
		}
	K[++n] = "borrowed"; K[++n] = "unmapped"
	return n
}

function before(a, b,    na, nb) { # id2 < id10 < names
	na = a ~ /^id[0-9]+$/; nb = b ~ /^id[0-9]+$/
	if (na && nb)
		return substr(a, 3) + 0 < substr(b, 3) + 0
	if (na != nb)
		return na
	return a < b
}

function finish(    K, n, i, k, known, st) {
	if (HOPEN)
		hyprun()
	if (!ANNOT)
		note("no owner= or state= annotations: is this really a host" \
		    " stage-2 (pKVM) capture?")
	check("mapped_bytes", MAPPED, "mapped")
	check("owner_hyp_bytes", OB["hyp"], "owned by hyp")
	check("owner_ffa_bytes", OB["ffa"], "owned by ffa")
	check("state_shared_owned_bytes", SB["shared-owned"], "shared-owned")
	check("state_shared_borrowed_bytes", SB["shared-borrowed"], "shared-borrowed")
	known = IPA - OB["unmapped"]
	n = owners(K)
	split("owned shared-owned shared-borrowed", ST, " ")
	NST = 3
	for (k in SB)
		if (k != "owned" && k != "shared-owned" && k != "shared-borrowed")
			ST[++NST] = k
	if (PROM) {
		prom("s2view_host_ipa_bytes", "Size of the host stage-2 IPA (PA)" \
		    " space in bytes.", "", sprintf("%.0f", IPA))
		prom("s2view_host_mapped_bytes", "Bytes mapped by valid host" \
		    " stage-2 entries.", "", sprintf("%.0f", MAPPED))
		prom("s2view_host_ranges", "Runs of contiguous host stage-2 entries" \
		    " with identical attributes.", "", N)
		for (i = 1; i <= n; i++)
			prom("s2view_owner_bytes", "Bytes per owner (host, hyp, ffa, idN," \
			    " borrowed, unmapped).", "owner=\"" lbl(K[i]) "\"", \
			    sprintf("%.0f", OB[K[i]]))
		for (i = 1; i <= n; i++)
			prom("s2view_owner_ranges", "Ranges per owner.", \
			    "owner=\"" lbl(K[i]) "\"", ON[K[i]] + 0)
		for (i = 1; i <= NST; i++)
			prom("s2view_state_bytes", "Bytes of valid entries per page state.", \
			    "state=\"" lbl(ST[i]) "\"", sprintf("%.0f", SB[ST[i]]))
		return
	}
	out("host stage-2: " (DIR != "" ? DIR : SRC))
	out(sprintf("%-18s%s (%d bits%s)", "IPA space:", hum(IPA), IPABITS, \
	    HAVE["start_level"] ? ", start level " CTR["start_level"] : ""))
	out(sprintf("%-18s%s (%.0f bytes) in %d ranges", "mapped:", hum(MAPPED), \
	    MAPPED, NMAPPED))
	out(sprintf("%-18s%s (mapped, or annotated with an owner)", \
	    "known ownership:", hum(known)))
	out(sprintf("%-18s%d", "ranges:", N))
	out("")
	out(sprintf("%-16s %10s %7s %7s %8s", "OWNER", "BYTES", "%IPA", "%KNOWN", \
	    "RANGES"))
	for (i = 1; i <= n; i++)
		out(sprintf("%-16s %10s %7s %7s %8d", K[i], hum(OB[K[i]]), \
		    pct(OB[K[i]], IPA), K[i] == "unmapped" ? "-" : pct(OB[K[i]], known), \
		    ON[K[i]]))
	out("")
	out(sprintf("%-16s %10s %7s %8s", "STATE", "BYTES", "%MAPPED", "RANGES"))
	for (i = 1; i <= NST; i++)
		out(sprintf("%-16s %10s %7s %8d", ST[i], hum(SB[ST[i]]), \
		    pct(SB[ST[i]], MAPPED), SN[ST[i]]))
	if (TOPN > 0) {
		out("")
		out("TOP " TOPN " HYP-OWNED RUNS (contiguous owner=hyp ranges)")
		if (!NTOP)
			out("(none)")
		for (i = 1; i <= NTOP; i++)
			out(sprintf("0x%s-0x%s %9s (%d range%s)", hex16(TOPA[i]), \
			    hex16(TOPB[i]), hum(TOPS[i]), TOPC[i], TOPC[i] > 1 ? "s" : ""))
	}
}

END {
	if (ERR)
		exit 2
	if (INVM)
		bad("no newline at the end of the last line: truncated file?")
	if (PROM) {
		for (i = 1; i <= NPM; i++)
			printf "# HELP %s %s\n# TYPE %s gauge\n%s", PO[i], PH[PO[i]], \
			    PO[i], PS[PO[i]]
	} else {
		printf "%s", OUT
	}
}
' || rc=$?
exit "$rc"
