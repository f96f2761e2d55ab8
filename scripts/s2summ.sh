#!/bin/sh
#
# s2summ.sh - summarise arm64 KVM stage-2 page tables from s2view's ranges.
#             POSIX sh and awk: runs under busybox, dash, bash and mksh
#             (Android: toybox, one-true-awk).
#
# Reads /sys/kernel/kvm/vmN/s2/ (or a saved copy) and prints, per VM: the IPA
# size, mapped bytes, entries and bytes per level and type (4K pages, 2M and
# 1G blocks with a 4K granule), huge-page coverage (share of mapped bytes in
# blocks), fragmentation (ranges, mapped ranges, contiguous mapped runs), the
# largest mapped run, bytes per permission and memory attribute, and the N
# largest mapped ranges. --map draws where in the IPA space the VM is mapped;
# --prom prints Prometheus gauges instead.
#
# Figures come from the kernel's counter files when there are some
# (mapped_bytes, blocks_l1, blocks_l2, pages_l3, table_pages, ipa_bits), from
# the ranges otherwise; a lone ranges file gives everything. The ranges are
# read once, in one awk pass: 262,144 lines take 0.6 s with mawk, 3 s with
# busybox awk on a PC (tools/bench-scripts.sh).
#
# USAGE: s2summ.sh [-h] [--map] [--prom] [-n N] [vmN | all | PATH | -]
#
#        -h        # help
#        --map     # a one-screen picture of the mapped part of the IPA space
#        --prom    # Prometheus text exposition format (gauges)
#        -n N      # show the N largest mapped ranges (default 5; 0: none)
#        vmN       # one VM: /sys/kernel/kvm/vmN/s2
#        all       # every VM (the default)
#        PATH      # a saved ranges file; a saved vmN/s2 or vmN directory; a
#                  # saved copy of /sys/kernel/kvm with vm*/ directories
#        -         # ranges on stdin
#   eg,
#        s2summ.sh                      # summarise every VM
#        s2summ.sh vm3                  # summarise VM 3
#        s2summ.sh --map vm3            # where VM 3's memory is mapped
#        s2summ.sh -n 20 vm3            # with its 20 largest mapped ranges
#        d=/var/lib/node_exporter/textfile   # replaced only when complete:
#        s2summ.sh --prom > $d/s2view.prom.$$ && mv $d/s2view.prom.$$ $d/s2view.prom
#        cp -r /sys/kernel/kvm/vm3 /tmp/vm3; s2summ.sh /tmp/vm3   # later
#        ssh box cat /sys/kernel/kvm/vm3/s2/ranges | s2summ.sh -
#
# Labels (vm="..." in --prom, headings): vmN for a VM, or for a path whose
# last components are vmN/, vmN/s2/ or vmN/s2/ranges; "host" likewise for
# host/s2; otherwise the file's or directory's name; "stdin" for -. Characters
# other than [A-Za-z0-9._:-] become "_". A PATH named like a VM (vm3) is read
# as the VM: write ./vm3 for the directory.
#
# Options may come before or after the operand.
#
# Exit status: 0 done (also when no VM runs: a note goes to stderr); 2 usage
# error, unknown VM, unreadable or malformed input (a message on stderr names
# the file and line, and nothing goes to stdout).
#
# The environment variable S2VIEW_SYSFS replaces /sys/kernel/kvm (tests, or
# a saved copy); S2VIEW_HEX=manual makes awk convert hex digit by digit even
# when it can convert "0x..." itself exactly (tests).
#
# REQUIREMENTS: a kernel with s2view (/sys/kernel/kvm/vmN/s2/), root (the
# files are root-only), a POSIX sh, awk (busybox awk, mawk, gawk,
# one-true-awk), cat (with -v), sort; s2lib.sh and s2lib.awk in the same
# directory as this script.
#
set -eu

PROG=${0##*/}
# the shared front end (s2lib.sh) and awk (s2lib.awk), installed beside us
case $0 in */*) LIBDIR=${0%/*} ;; *) LIBDIR=. ;; esac
[ -r "$LIBDIR/s2lib.sh" ] || {
	echo "$PROG: cannot read $LIBDIR/s2lib.sh: install s2lib.sh and s2lib.awk beside $PROG" >&2
	exit 2
}
# shellcheck disable=SC1091
. "$LIBDIR/s2lib.sh"
# shellcheck disable=SC2034 # (s2lib.sh reads it)
COUNTERS="ipa_bits start_level mapped_bytes blocks_l1 blocks_l2 pages_l3 table_pages"

usage() {
	cat <<USAGE
USAGE: $PROG [-h] [--map] [--prom] [-n N] [vmN | all | PATH | -]
   -h        # this help
   --map     # a picture of the mapped part of the IPA space
   --prom    # Prometheus text format (gauges)
   -n N      # show the N largest mapped ranges (default 5; 0: none)
   vmN       # one VM: $SYSFS/vmN/s2
   all       # every VM (the default)
   PATH      # a saved ranges file; a saved vmN/s2 or vmN dir; a saved
             # copy of $SYSFS with vm*/ dirs
   -         # ranges on stdin
  Options may come before or after the VM or path. Exit status 2 (and
  nothing on stdout) on a usage error or bad input.
  eg,
       $PROG                  # summarise every VM
       $PROG vm3              # summarise VM 3
       $PROG --map vm3        # where VM 3's memory is mapped
       $PROG -n 20 vm3        # with its 20 largest mapped ranges
       cat saved-ranges | $PROG -
       # a textfile for node_exporter, replaced only when complete:
       $PROG --prom > d/s2view.prom.\$\$ && mv d/s2view.prom.\$\$ d/s2view.prom
USAGE
}

### options
MAP=0
# shellcheck disable=SC2317
tool_option() {
	case $1 in
	--map) MAP=1 ;;
	*) return 1 ;;
	esac
}
parse_args "one VM, path or -" "$@"
# shellcheck disable=SC2153
[ "$MAP$PROM" != 11 ] || usage_error "--map and --prom don't go together"

### resolve the input into sources: name dir ranges pidfile (dir: counters)
label() { # $1 path: vmN or host if it is .../vmN[/s2[/ranges]], else its name
	p=${1%/}
	base=${p##*/}
	if [ -d "$p" ]; then
		p=$(cd -- "$p" && pwd)
	else
		case $p in */*) d=${p%/*} ;; *) d=. ;; esac
		p=$(cd -- "${d:-/}" && pwd)/$base
	fi
	if [ "${p##*/}" = ranges ]; then p=${p%/*}; fi
	if [ "${p##*/}" = s2 ]; then p=${p%/*}; fi
	n=${p##*/}
	if [ "$n" = host ] || is_vm "$n"; then
		echo "$n"
	else
		echo "$base"
	fi
}

is_vm() { # $1 is vmN
	case ${1#vm} in
	"$1" | '' | *[!0-9]*) return 1 ;;
	esac
}

vm_numbers() { # the N of $1/vmN/s2 dirs, in numeric order
	for d in "$1"/vm[0-9]*; do
		[ -d "$d/s2" ] || continue
		n=${d##*/vm}
		case $n in *[!0-9]*) continue ;; esac
		echo "$n"
	done | sort -n
}

ARG=all
# shellcheck disable=SC2154
[ "$HAVE_OPERAND" = 0 ] || ARG=$OPERAND
KIND=path
case $ARG in
- | all) KIND=$ARG ;;
*) if is_vm "$ARG"; then KIND=vm; fi ;;
esac
set --
case $KIND in
-)
	set -- stdin "" - ""
	;;
all)
	[ -d "$SYSFS" ] || die "no $SYSFS: is this kernel built with s2view, and KVM" \
		"initialised? (S2VIEW_SYSFS=DIR reads a saved copy)"
	if [ ! -r "$SYSFS" ] || [ ! -x "$SYSFS" ]; then
		die "cannot read $SYSFS: are you root?"
	fi
	for n in $(vm_numbers "$SYSFS"); do
		r=$SYSFS/vm$n/s2/ranges
		[ -e "$r" ] || continue # the VM just exited
		readable "$r"
		set -- "$@" "vm$n" "$SYSFS/vm$n/s2" "$r" "$SYSFS/vm$n/pid"
	done
	[ $# -gt 0 ] || echo "$PROG: no VM in $SYSFS (no vmN/s2 directory): none running?" >&2
	;;
vm)
	d=$SYSFS/$ARG
	if [ ! -d "$d/s2" ]; then
		[ -d "$SYSFS" ] || die "no $SYSFS: is this kernel built with s2view?" \
			"(S2VIEW_SYSFS=DIR reads a saved copy)"
		vms=
		for n in $(vm_numbers "$SYSFS"); do vms="$vms vm$n"; done
		die "unknown VM $ARG: no $d/s2 (VMs:${vms:- none}; root?)"
	fi
	readable "$d/s2/ranges"
	set -- "$ARG" "$d/s2" "$d/s2/ranges" "$d/pid"
	;;
path)
	path_operand "$ARG" "VM, file or directory"
	p=$P
	if [ -d "$p" ]; then
		if find_s2 "$p" . s2; then # a vmN/s2 or vmN copy
			readable "$S2DIR/ranges"
			set -- "$(label "$p")" "$S2DIR" "$S2DIR/ranges" "$PIDFILE"
		else # a copy of /sys/kernel/kvm
			for n in $(vm_numbers "$p"); do
				readable "$p/vm$n/s2/ranges"
				set -- "$@" "vm$n" "$p/vm$n/s2" "$p/vm$n/s2/ranges" "$p/vm$n/pid"
			done
			[ $# -gt 0 ] || die "$p: no ranges, s2/ranges or vmN/s2/ranges in it"
		fi
	else
		readable "$p"
		set -- "$(label "$p")" "" "$p" ""
	fi
	;;
esac

### summarise: s2lib.awk reads the ranges, this awk adds them up
# shellcheck disable=SC2016
summarise '


### s2summ: per source
function reset() {
	MAPPED = NMAPPED = NRUNS = RUNOPEN = BIGRUN = BIGS = BIGE = BIGN = 0
	AF0 = AFSEEN = NTOP = NMS = 0
	split("", AB); split("", AN); split("", TOPS); split("", TOPL); split("", MS); split("", ME); split("", MK)
}

function account(    i, k) {
	if (!VALID) {
		RUNOPEN = 0
		return
	}
	NMAPPED++
	MAPPED += SZ
	AB[ATTR] += SZ # bytes and ranges per level, type, perms and memattr
	AN[ATTR]++
	if (AF >= 0)
		AFSEEN = 1
	if (AF == 0)
		AF0 += SZ
	if (RUNOPEN) {
		RUNE = E; RUNN++
	} else {
		NRUNS++; RUNOPEN = 1
		RUNS = S; RUNE = E; RUNN = 1
	}
	if (RUNE - RUNS > BIGRUN) {
		BIGRUN = RUNE - RUNS; BIGS = RUNS; BIGE = RUNE; BIGN = RUNN
	}
	if (TOPN > 0 && (NTOP < TOPN || SZ > TOPS[NTOP])) {
		if (NTOP < TOPN)
			NTOP++
		for (i = NTOP; i > 1 && TOPS[i - 1] < SZ; i--) {
			TOPS[i] = TOPS[i - 1]; TOPL[i] = TOPL[i - 1]
		}
		TOPS[i] = SZ; TOPL[i] = $0
	}
	if (MAP) { # mapped extents, merged when contiguous and of one kind
		k = (TY == "block")
		if (NMS && ME[NMS] == S && MK[NMS] == k) {
			ME[NMS] = E
		} else {
			NMS++; MS[NMS] = S; ME[NMS] = E; MK[NMS] = k
		}
	}
}

function esz(l) { return GI ? GS[GI, l] : 0 }

function elabel(l) { return GI ? xsize(GS[GI, l]) : "?" }

function out(s) { OUT = OUT s "\n" }

function lbl(s) { gsub(/[^A-Za-z0-9._:-]/, "_", s); return s }

function prom(name, help, labels, v) {
	if (!(name in PH)) {
		PH[name] = help; NPM++; PO[NPM] = name
	}
	PS[name] = PS[name] name "{" labels "} " v "\n"
}

function sortkeys(A, K,    n, k, i, j, t) { # K[1..n]: keys of A, most bytes first
	n = 0
	for (k in A)
		K[++n] = k
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && (A[K[j]] > A[K[j - 1]] || \
		    A[K[j]] == A[K[j - 1]] && K[j] < K[j - 1]); j--) {
			t = K[j]; K[j] = K[j - 1]; K[j - 1] = t
		}
	return n
}

# a table of bytes and ranges per key (perms, memattr), most bytes first
function bytetable(title, B, R,    k, i) {
	k = sortkeys(B, K)
	if (!k)
		return
	out("")
	out(sprintf("%-9s %10s %7s %8s", title, "BYTES", "MAPPED", "RANGES"))
	for (i = 1; i <= k; i++)
		out(sprintf("%-9s %10s %7s %8d", K[i], hum(B[K[i]]), \
		    pct(B[K[i]], MAPPED), R[K[i]]))
}

# the rows of the level table: l3 page, l2 block, l1 block, l0 block if any
function rows(    l, n) {
	n = 0
	for (l = 3; l >= 0; l--) {
		if (l == 0 && !BY[0, "block"])
			continue
		n++; RL[n] = l; RTY[n] = l == 3 ? "page" : "block"
		RC[n] = l == 3 ? "pages_l3" : "blocks_l" l
	}
	return n
}

function finish(    n, i, l, t, c, blk, mapped, name, K, k, f, r, fa) {
	name = lbl(NAME)
	split("", BY); split("", PB); split("", PN); split("", MB); split("", MN)
	for (k in AB) {
		split(k, fa, " ")
		BY[fa[1], fa[2]] += AB[k]
		PB[fa[3]] += AB[k]; PN[fa[3]] += AN[k]
		MB[fa[4]] += AB[k]; MN[fa[4]] += AN[k]
	}
	mapped = HAVE["mapped_bytes"] ? CTR["mapped_bytes"] : MAPPED
	if (mapped != MAPPED)
		note(sprintf("kernel mapped_bytes %.0f but the ranges map %.0f", \
		    mapped, MAPPED) ": did the VM change between the reads?")
	n = rows()
	blk = 0
	for (i = 1; i <= n; i++) {
		l = RL[i]; t = RTY[i]; c = RC[i]
		if (HAVE[c] && GI) {
			CNT[i] = CTR[c]; BYT[i] = CTR[c] * esz(l)
			if (BYT[i] != BY[l, t])
				note("kernel " c " is " sprintf("%.0f", CTR[c]) " (" hum(BYT[i]) \
				    ") but the ranges" \
				    " have " hum(BY[l, t]) ": did the VM change between the reads?")
		} else if (HAVE[c]) {
			CNT[i] = CTR[c]; BYT[i] = BY[l, t]
		} else {
			CNT[i] = GI ? BY[l, t] / esz(l) : "?"; BYT[i] = BY[l, t]
		}
		if (t == "block")
			blk += BYT[i]
	}
	if (PROM) {
		f = "vm=\"" name "\""
		prom("s2view_ipa_bytes", "Size of the IPA space in bytes.", f, \
		    sprintf("%.0f", IPA))
		prom("s2view_mapped_bytes", "Bytes mapped by valid stage-2 entries.", \
		    f, sprintf("%.0f", mapped))
		for (i = 1; i <= n; i++)
			prom("s2view_bytes", "Bytes mapped, by level and type of entry.", \
			    f ",level=\"" RL[i] "\",type=\"" RTY[i] "\"", sprintf("%.0f", BYT[i]))
		for (i = 1; i <= n; i++)
			if (CNT[i] != "?")
				prom("s2view_entries", "Valid entries, by level and type.", \
				    f ",level=\"" RL[i] "\",type=\"" RTY[i] "\"", \
				    sprintf("%.0f", CNT[i]))
		prom("s2view_blocks_ratio", "Share of mapped bytes mapped by" \
		    " blocks (huge-page coverage), 0 to 1.", f, \
		    mapped ? sprintf("%.6g", blk / mapped) : 0)
		prom("s2view_ranges", "Runs of contiguous entries with identical" \
		    " attributes (fragmentation).", f, N)
		prom("s2view_mapped_ranges", "Ranges of valid entries.", f, NMAPPED)
		prom("s2view_largest_run_bytes", "Bytes in the largest run of" \
		    " contiguous valid entries.", f, sprintf("%.0f", BIGRUN))
		if (HAVE["table_pages"])
			prom("s2view_table_pages", "Pages of page-table memory.", f, \
			    CTR["table_pages"])
		k = sortkeys(PB, K)
		for (i = 1; i <= k; i++)
			prom("s2view_perm_bytes", "Bytes mapped, by permissions.", \
			    f ",perms=\"" K[i] "\"", sprintf("%.0f", PB[K[i]]))
		k = sortkeys(MB, K)
		for (i = 1; i <= k; i++)
			prom("s2view_memattr_bytes", "Bytes mapped, by memory attribute.", \
			    f ",memattr=\"" K[i] "\"", sprintf("%.0f", MB[K[i]]))
		return
	}
	if (OUT != "")
		out("")
	if (MAP) {
		drawmap(name)
		return
	}
	out(name (HAVE["pid"] ? " (pid " CTR["pid"] ")" : "") ": " \
	    (DIR != "" ? DIR : SRC))
	out(sprintf("%-20s%s (%d bits%s%s)", "IPA space:", hum(IPA), IPABITS, \
	    HAVE["start_level"] ? ", start level " CTR["start_level"] : "", \
	    GI && MAPPED ? ", " xsize(GR[GI]) " granule" : ""))
	out(sprintf("%-20s%s (%.0f bytes, %s of the IPA space)", "mapped:", \
	    hum(mapped), mapped, pct(mapped, IPA)))
	if (HAVE["table_pages"])
		out(sprintf("%-20s%d (%s)", "table pages:", CTR["table_pages"], \
		    GI ? hum(CTR["table_pages"] * GR[GI]) : "? bytes"))
	out(sprintf("%-20s%d (%d mapped, in %d contiguous run%s)", "ranges:", N, \
	    NMAPPED, NRUNS, NRUNS == 1 ? "" : "s"))
	if (BIGRUN)
		out(sprintf("%-20s%s at 0x%s-0x%s (%d range%s)", "largest mapped run:", \
		    hum(BIGRUN), hex16(BIGS), hex16(BIGE), BIGN, BIGN > 1 ? "s" : ""))
	out(sprintf("%-20s%s of mapped bytes are in blocks", "huge-page coverage:", \
	    pct(blk, mapped)))
	if (AFSEEN)
		out(sprintf("%-20s%s (af=0)", "not accessed:", hum(AF0)))
	out("")
	out(sprintf("%-5s %-5s %5s %10s %10s %7s", "LEVEL", "TYPE", "ENTRY", \
	    "ENTRIES", "BYTES", "MAPPED"))
	for (i = 1; i <= n; i++)
		out(sprintf("l%-4d %-5s %5s %10s %10s %7s", RL[i], RTY[i], elabel(RL[i]), \
		    CNT[i] == "?" ? "?" : sprintf("%.0f", CNT[i]), hum(BYT[i]), \
		    pct(BYT[i], mapped)))
	bytetable("PERMS", PB, PN)
	bytetable("MEMATTR", MB, MN)
	if (NTOP) {
		out("")
		out((NTOP < TOPN ? "ALL " NTOP : "TOP " TOPN) " MAPPED RANGES")
		for (i = 1; i <= NTOP; i++) {
			split(TOPL[i], r, " ")
			t = sprintf("%s %7s %s %-5s %s %-9s", r[1], r[2], r[3], r[4], r[5], r[6])
			for (k = 7; k in r; k++)
				t = t " " r[k]
			sub(/ +$/, "", t)
			out(t)
		}
	}
}

# --map: one character per slot, 64 per row, 1024 at most
function drawmap(name,    s, row, lo, hi, L, H, n, i, k, a, b, ss, r, c, line, ch) {
	if (!NMS) {
		out(name ": nothing mapped in the " hum(IPA) " IPA space")
		return
	}
	lo = MS[1]; hi = ME[NMS]
	for (s = GI ? GR[GI] : 4096; ; s *= 2) {
		row = s * 64
		L = int(lo / row) * row
		H = int((hi + s - 1) / s) * s
		if ((H - L) / s <= 1024)
			break
	}
	n = (H - L) / s
	split("", SB); split("", SP)
	for (i = 1; i <= NMS; i++)
		for (k = int((MS[i] - L) / s); (ss = L + k * s) < ME[i]; k++) {
			a = MS[i] > ss ? MS[i] : ss
			b = ME[i] < ss + s ? ME[i] : ss + s
			if (MK[i])
				SB[k] += b - a
			else
				SP[k] += b - a
		}
	out(name ": map of 0x" hex16(L) "-0x" hex16(H) ", the mapped part of the " \
	    hum(IPA) " IPA space (0x0000000000000000-0x" hex16(IPA) ")")
	out("slot " xsize(s) ", " xsize(row) " per row:  B all-block  P all-page" \
	    "  M mixed or partly mapped  . empty")
	for (r = 0; r * 64 < n; r++) {
		line = ""
		for (c = 0; c < 64 && (k = r * 64 + c) < n; c++) {
			if (SB[k] + SP[k] == 0)
				ch = "."
			else if (SB[k] == s)
				ch = "B"
			else if (SP[k] == s)
				ch = "P"
			else
				ch = "M"
			line = line ch
		}
		out("0x" hex16(L + r * row) " " line)
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
' "$@"
