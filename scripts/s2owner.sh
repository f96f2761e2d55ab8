#!/bin/sh
#
# s2owner.sh - who owns the memory: summarise pKVM's host stage-2 from s2view.
#              POSIX sh and awk: runs under busybox, dash, bash and mksh
#              (Android: toybox, one-true-awk).
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
# owned (also when no state= is given), shared-owned, shared-borrowed, and
# mixed: a block whose pages are in several states (Linux 6.14 and later
# keep the state per page), counted as the host's.
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
#        d=/var/lib/node_exporter/textfile   # replaced only when complete:
#        s2owner.sh --prom > $d/s2owner.prom.$$ && mv $d/s2owner.prom.$$ $d/s2owner.prom
#        cp -r /sys/kernel/kvm/host /tmp/host; s2owner.sh /tmp/host  # later
#
# Options may come before or after the operand.
#
# Exit status: 0 done; 1 no host stage-2 view (not protected mode, or not
# root); 2 usage error, unreadable or malformed input (a message on stderr
# names the file and line, and nothing goes to stdout).
#
# The environment variable S2VIEW_SYSFS replaces /sys/kernel/kvm (tests, or
# a saved copy); S2VIEW_HEX=manual makes awk convert hex digit by digit even
# when it can convert "0x..." itself exactly (tests); S2VIEW_QUICK=no makes
# it take every line the full way, none the quick way (tests: the two agree),
# and S2VIEW_QUICK=count notes on stderr how many went the quick way (tests).
#
# REQUIREMENTS: a kernel with s2view booted with kvm-arm.mode=protected
# (/sys/kernel/kvm/host/s2/), root (the files are root-only), a POSIX sh,
# awk (busybox awk, mawk, gawk, one-true-awk), cat (with -v); s2lib.sh and
# s2lib.awk in the same directory as this script.
#
set -eu

# the shared front end (s2lib.sh, which sets PROG) and awk (s2lib.awk),
# installed beside us
case $0 in */*) LIBDIR=${0%/*} ;; *) LIBDIR=. ;; esac
[ -r "$LIBDIR/s2lib.sh" ] || { echo "${0##*/}: cannot read $LIBDIR/s2lib.sh:" \
	"install s2lib.sh and s2lib.awk beside ${0##*/}" >&2; exit 2; }
# shellcheck disable=SC1091
. "$LIBDIR/s2lib.sh"
# shellcheck disable=SC2034 # (s2lib.sh reads it)
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
  Options may come before or after the path. Exit status 1: no host
  stage-2 view; 2 (and nothing on stdout): a usage error or bad input.
  eg,
       $PROG                  # who owns the memory
       $PROG -n 10            # with the 10 largest hyp-owned runs
       cat saved-ranges | $PROG -
       # a textfile for node_exporter, replaced only when complete:
       $PROG --prom > d/s2owner.prom.\$\$ && mv d/s2owner.prom.\$\$ d/s2owner.prom
USAGE
}

### options
# shellcheck disable=SC2317
tool_option() { return 1; }
parse_args "one path or -" "$@"
set --
# shellcheck disable=SC2154
[ "$HAVE_OPERAND" = 0 ] || set -- "$OPERAND"

### resolve the input: a dir with counters (or none) and a ranges file
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
	path_operand "$1" "file or directory"
	p=$P
	if [ -d "$p" ]; then
		find_s2 "$p" . s2 host/s2 ||
			die "$p: no ranges, s2/ranges or host/s2/ranges in it"
		DIR=$S2DIR
		RANGES=$DIR/ranges
	else
		DIR=
		RANGES=$p
	fi
	readable "$RANGES"
fi

### summarise: s2lib.awk reads the ranges, this awk adds them up
# shellcheck disable=SC2016
summarise '

### s2owner: per source (one here)
function reset() {
	MAPPED = NMAPPED = ANNOT = NTOP = HOPEN = 0
	split("", OB); split("", ON); split("", SB); split("", SN)
	split("", TOPS); split("", TOPA); split("", TOPB); split("", TOPC)
	split("", FSZ); split("", FOWN); split("", FST)
}

# the library asks after each range account() saw: may the next ranges go
# the quick way (see s2lib.awk), and those with this tail? They all may: a
# range adds its size to its owner and state, both in its tail. The class
# is hyp-owned or not, so that a hyp run starts and ends at a range
# account() sees. What account() adds up for a range, finish() does for
# those with its tail: FSZ, FOWN, FST keep its size, owner and state (none
# when invalid).
function fastclass() {
	FTOK = 1
	if (FTT != "") {
		FSZ[FTT] = SZ; FOWN[FTT] = OWN
		if (VALID)
			FST[FTT] = OST
	}
	return OWN == "hyp"
}

# a range the full way (the first of its tail, or the first of its class
# after ranges of the other): the lines since the last one, up to S, went
# the quick way and were of its class (hyp-owned or not)
function account(    st, own) {
	if (VALID) {
		st = STATE == "" ? "owned" : STATE
		SB[st] += SZ; SN[st]++
		MAPPED += SZ; NMAPPED++
		own = st == "shared-borrowed" ? "borrowed" : "host"
	} else if (OWNER ~ /^[0-9]+$/) { # owner=7, owner=007: id7
		own = OWNER
		sub(/^0+/, "", own)
		own = "id" (own == "" ? "0" : own)
	} else if (OWNER != "") {
		# (the names of our own rows, or of an id, would merge into them)
		if (OWNER ~ /^(borrowed|unmapped|id[0-9]+)$/)
			bad("owner=" OWNER ": a name s2owner.sh gives its own rows, not" \
			    " one the kernel gives an owner")
		own = OWNER
	} else {
		own = "unmapped"
	}
	if (OWNER != "" || STATE != "")
		ANNOT = 1
	OB[own] += SZ; ON[own]++
	OWN = own; OST = st
	if (own == "hyp") { # runs of contiguous hyp-owned ranges (from range HN0)
		if (!HOPEN) {
			HOPEN = 1; HS = S; HN0 = N
		}
	} else if (HOPEN) {
		hyprun(S, N - 1)
	}
}

# the run of hyp-owned ranges that started at HS (range HN0) ended at e,
# after range n: the top N
function hyprun(e, n,    i, sz) {
	HOPEN = 0
	n -= HN0 - 1 # (its ranges)
	sz = e - HS
	if (TOPN > 0 && (NTOP < TOPN || sz > TOPS[NTOP])) {
		if (NTOP < TOPN)
			NTOP++
		for (i = NTOP; i > 1 && TOPS[i - 1] < sz; i--) {
			TOPS[i] = TOPS[i - 1]; TOPA[i] = TOPA[i - 1]
			TOPB[i] = TOPB[i - 1]; TOPC[i] = TOPC[i - 1]
		}
		TOPS[i] = sz; TOPA[i] = HS; TOPB[i] = e; TOPC[i] = n
	}
}

# a kernel counter against the ranges: v, or up to v + mixed for a state
# counter, which counts the pages of state=mixed blocks one by one
function check(ctr, v, what, mixed) {
	if (HAVE[ctr] && (CTR[ctr] < v + 0 || CTR[ctr] > v + mixed))
		note(sprintf("kernel %s is %.0f but the ranges have %.0f %s", ctr, \
		    CTR[ctr], v, what) (mixed ? sprintf(" and %.0f in state=mixed" \
		    " blocks", mixed) : "") ": did it change between the reads?")
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
	if (na && nb) # (no leading zeros: the shorter is less; any length)
		return length(a) != length(b) ? length(a) < length(b) : a < b
	if (na != nb)
		return na
	return a < b
}

function finish(    K, n, i, k, known, st, mixed, t, b) {
	if (HOPEN)
		hyprun(LASTE, N)
	for (t in FN) { # the ranges that went the quick way, per tail
		n = FN[t]; b = n * FSZ[t]
		OB[FOWN[t]] += b; ON[FOWN[t]] += n
		if (t in FST) {
			SB[FST[t]] += b; SN[FST[t]] += n
			MAPPED += b; NMAPPED += n
		}
	}
	if (!ANNOT)
		note("no owner= or state= annotations: is this really a host" \
		    " stage-2 (pKVM) capture?")
	check("mapped_bytes", MAPPED, "mapped")
	check("owner_hyp_bytes", OB["hyp"], "owned by hyp")
	check("owner_ffa_bytes", OB["ffa"], "owned by ffa")
	mixed = "mixed" in SB ? SB["mixed"] : 0 # (no entry made)
	check("state_shared_owned_bytes", SB["shared-owned"], "shared-owned", \
	    mixed)
	check("state_shared_borrowed_bytes", SB["shared-borrowed"], \
	    "shared-borrowed", mixed)
	known = IPA - OB["unmapped"]
	n = owners(K)
	split("owned shared-owned shared-borrowed", ST, " ")
	NST = 3
	for (k in SB) # others by name (for-in order: each awk its own)
		if (k != "owned" && k != "shared-owned" && k != "shared-borrowed") {
			for (i = ++NST; i > 4 && k < ST[i - 1]; i--)
				ST[i] = ST[i - 1]
			ST[i] = k
		}
	if (PROM) {
		prom("s2view_host_ipa_bytes", "Size of the host stage-2 IPA (PA)" \
		    " space in bytes.", "", sprintf("%.0f", IPA))
		prom("s2view_host_mapped_bytes", "Bytes mapped by valid host" \
		    " stage-2 entries.", "", sprintf("%.0f", MAPPED))
		prom("s2view_host_ranges", "Runs of contiguous host stage-2 entries" \
		    " with identical attributes.", "", sprintf("%.0f", N))
		for (i = 1; i <= n; i++)
			prom("s2view_owner_bytes", "Bytes per owner (host, hyp, ffa, idN," \
			    " borrowed, unmapped).", "owner=\"" lbl(K[i]) "\"", \
			    sprintf("%.0f", OB[K[i]]))
		for (i = 1; i <= n; i++)
			prom("s2view_owner_ranges", "Ranges per owner.", \
			    "owner=\"" lbl(K[i]) "\"", sprintf("%.0f", ON[K[i]]))
		for (i = 1; i <= NST; i++)
			prom("s2view_state_bytes", "Bytes of valid entries per page state.", \
			    "state=\"" lbl(ST[i]) "\"", sprintf("%.0f", SB[ST[i]]))
		return
	}
	out("host stage-2: " (DIR != "" ? DIR : SRC))
	out(sprintf("%-18s%s (%d bits%s)", "IPA space:", hum(IPA), IPABITS, \
	    HAVE["start_level"] ? ", start level " CTRS["start_level"] : ""))
	out(sprintf("%-18s%s (%.0f bytes) in %.0f ranges", "mapped:", hum(MAPPED), \
	    MAPPED, NMAPPED))
	out(sprintf("%-18s%s (mapped, or annotated with an owner)", \
	    "known ownership:", hum(known)))
	out(sprintf("%-18s%.0f", "ranges:", N))
	out("")
	out(sprintf("%-16s %10s %7s %7s %8s", "OWNER", "BYTES", "%IPA", "%KNOWN", \
	    "RANGES"))
	for (i = 1; i <= n; i++)
		out(sprintf("%-16s %10s %7s %7s %8.0f", K[i], hum(OB[K[i]]), \
		    pct(OB[K[i]], IPA), K[i] == "unmapped" ? "-" : pct(OB[K[i]], known), \
		    ON[K[i]]))
	out("")
	out(sprintf("%-16s %10s %7s %8s", "STATE", "BYTES", "%MAPPED", "RANGES"))
	for (i = 1; i <= NST; i++)
		out(sprintf("%-16s %10s %7s %8.0f", ST[i], hum(SB[ST[i]]), \
		    pct(SB[ST[i]], MAPPED), SN[ST[i]]))
	if (TOPN > 0) {
		out("")
		out((NTOP < TOPN ? "ALL " NTOP : "TOP " TOPN) " HYP-OWNED RUNS" \
		    " (contiguous owner=hyp ranges)")
		for (i = 1; i <= NTOP; i++)
			out(sprintf("0x%s-0x%s %9s (%.0f range%s)", hex16(TOPA[i]), \
			    hex16(TOPB[i]), hum(TOPS[i]), TOPC[i], TOPC[i] > 1 ? "s" : ""))
	}
}

END {
	emit()
}
' host "$DIR" "$RANGES" "" ""
