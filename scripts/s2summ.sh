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
# With the VM's memslots (/sys/kernel/kvm/vmN/memslots), also per memslot its
# size, mapped bytes and bytes in blocks, and "why pages": the bytes mapped
# by level-3 pages split by the first reason their block-sized window (2M
# with a 4K granule) is not one block, tried in this order (the one worth
# acting on first): slot-edge (the window is not all inside the slot: only
# another memslot layout helps), misaligned (guest and host addresses not
# congruent modulo the block size), dirty-log (the slot is logging dirty
# pages), host-pages (none of those: the host memory was not a huge page
# when it was faulted, or was split since). With a 4K granule, the bytes in
# 2M blocks are split the same way for their 1G window. The granule and
# block sizes are derived from the ranges of every level, ipa_bits and
# start_level. Without memslots (a lone ranges file, stdin, a copy without
# it) the causes are unknown.
#
# Figures come from the kernel's counter files when there are some
# (mapped_bytes, blocks_l1, blocks_l2, pages_l3, table_pages, ipa_bits), from
# the ranges otherwise; a lone ranges file gives everything. The ranges are
# read once, in one awk pass, so that the largest VMs' files stay cheap to
# summarise on the device (docs/benchmarks.md has the times).
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
# error, unknown VM, unreadable or malformed input, ranges or memslots (a
# message on stderr names the file and line, and nothing goes to stdout); 3
# the memslots and the ranges disagree: a range is mapped outside every
# memslot, or a memslot ends beyond the IPA space (each named on stderr; the
# output is printed, those bytes in no cause; a VM that changed between the
# reads of its two files).
#
# The environment variable S2VIEW_SYSFS replaces /sys/kernel/kvm (tests, or
# a saved copy); S2VIEW_HEX=manual makes awk convert hex digit by digit even
# when it can convert "0x..." itself exactly (tests); S2VIEW_QUICK=no makes
# it take every line the full way, none the quick way (tests: the two agree),
# and S2VIEW_QUICK=count notes on stderr how many went the quick way (tests).
#
# REQUIREMENTS: a kernel with s2view (/sys/kernel/kvm/vmN/s2/), root (the
# files are root-only), a POSIX sh, awk (busybox awk, mawk, gawk,
# one-true-awk), cat (with -v), sort; s2lib.sh and s2lib.awk in the same
# directory as this script.
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
  With vmN/memslots: per memslot, and why pages are not blocks.
  Options may come before or after the VM or path. Exit status 2 (and
  nothing on stdout) on a usage error or bad input; 3 when the memslots
  and the ranges disagree (the VM changed between the reads).
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

### resolve the input into sources: name dir ranges pidfile memslots (dir:
### counters; memslots: empty without them)
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
	set -- stdin "" - "" ""
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
		memslots_at "$SYSFS/vm$n/memslots"
		set -- "$@" "vm$n" "$SYSFS/vm$n/s2" "$r" "$SYSFS/vm$n/pid" "$MEMSLOTS"
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
	memslots_at "$d/memslots"
	set -- "$ARG" "$d/s2" "$d/s2/ranges" "$d/pid" "$MEMSLOTS"
	;;
path)
	path_operand "$ARG" "VM, file or directory"
	p=$P
	if [ -d "$p" ]; then
		if find_s2 "$p" . s2; then # a vmN/s2 or vmN copy
			readable "$S2DIR/ranges"
			memslots_at "$MSFILE"
			set -- "$(label "$p")" "$S2DIR" "$S2DIR/ranges" "$PIDFILE" "$MEMSLOTS"
		else # a copy of /sys/kernel/kvm
			for n in $(vm_numbers "$p"); do
				readable "$p/vm$n/s2/ranges"
				memslots_at "$p/vm$n/memslots"
				set -- "$@" "vm$n" "$p/vm$n/s2" "$p/vm$n/s2/ranges" \
					"$p/vm$n/pid" "$MEMSLOTS"
			done
			[ $# -gt 0 ] || die "$p: no ranges, s2/ranges or vmN/s2/ranges in it"
		fi
	else
		readable "$p"
		set -- "$(label "$p")" "" "$p" "" ""
	fi
	;;
esac

### summarise: s2lib.awk reads the ranges, this awk adds them up
# shellcheck disable=SC2016
summarise '


### s2summ: per source
function reset() {
	MAPPED = NMAPPED = NRUNS = RUNOPEN = BIGRUN = BIGS = BIGE = BIGN = 0
	FV = FA = FL = 0
	split("", FSZ); split("", FAT); split("", FAF)
	AF0 = AFSEEN = NTOP = NMS = 0
	split("", AB); split("", AN); split("", TOPS); split("", TOPL); split("", MS); split("", ME); split("", MK)
	ZREADY = NZ = ZC = OUTB = OUTP = OUTL2 = NOUT = 0
	CZ = CM = CI = CFAST = 0; CS = CE = -1
	OUTMSG = ""
	split("", ZI); split("", ZOF); split("", ZS); split("", ZE); split("", ZDL)
	split("", ZMIS); split("", ZLO); split("", ZHI); split("", WHY)
	split("", SMAP); split("", SBLK); split("", SPG); split("", SL2); split("", SIN)
}

BEGIN {
	# the causes of pages where a block could be, in the order they are
	# tried: the first that applies to the block-sized window is the cause.
	# Each comes before those that would not make the window a block if
	# they alone went away: slot-edge (only another memslot layout helps:
	# realigning or huge host pages cannot make a window the slot does not
	# hold whole a block), misaligned (the host address the VMM chose: logging
	# ends by itself, the misalignment stays), dirty-log (ends when the
	# logging does), then host-pages (what is left: the memory of the host,
	# which cannot be told while logging). (The fault path of KVM tests
	# dirty-log, misaligned, slot-edge, in that order: the one that stops
	# it first, not the one worth acting on.)
	CAUSE[1] = "slot-edge"; CAUSE[2] = "misaligned"
	CAUSE[3] = "dirty-log"; CAUSE[4] = "host-pages"
	CTEXT["dirty-log"] = "the slot is logging dirty pages"
	CTEXT["misaligned"] = "guest and host addresses differ modulo %s"
	CTEXT["slot-edge"] = "the %s window is not all inside the slot"
	CTEXT["host-pages"] = "host memory not a %s page when faulted, or split since"
}

# a range taken the full way (the first of its tail, or the first of its
# class after ranges of another): the lines since the last one, from FA to
# S, went the quick way and were of its class (FV valid, FL level)
function account(    i, k) {
	if (FV && S > FA)
		caughtup(S)
	FV = VALID; FA = E; FL = LV
	if (!VALID) {
		if (RUNOPEN)
			runend(S, N - 1)
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
	if (!RUNOPEN) { # a run of valid ranges starts (RUN0: the ranges before it)
		NRUNS++; RUNOPEN = 1
		RUNS = S; RUN0 = N - 1
	}
	if (TOPN > 0 && (NTOP < TOPN || SZ > TOPS[NTOP])) {
		if (NTOP < TOPN)
			NTOP++
		for (i = NTOP; i > 1 && TOPS[i - 1] < SZ; i--) {
			TOPS[i] = TOPS[i - 1]; TOPL[i] = TOPL[i - 1]
		}
		TOPS[i] = SZ; TOPL[i] = $0
	}
	if (HAVESL) {
		# the common case, quicker: pages inside the slot of the last range
		# (when only a 4K granule is left): scalars, added up in curslot()
		if (S >= CS && E <= CE && LV == 3 && CFAST) {
			CM += SZ
			i = (E < CHI ? E : CHI) - (S > CLO ? S : CLO)
			if (i > 0)
				CI += i
		} else {
			inslots(S, E, LV)
		}
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

# the run of valid ranges that started at RUNS ended at e, after range n
function runend(e, n) {
	RUNOPEN = 0
	if (e - RUNS > BIGRUN) {
		BIGRUN = e - RUNS; BIGS = RUNS; BIGE = e; BIGN = n - RUN0
	}
}

# valid ranges of level FL went the quick way from FA to b: in the mapped
# extent of the last range (--map), in its memslot
function caughtup(b,    i) {
	if (MAP)
		ME[NMS] = b
	if (!HAVESL)
		return
	if (FL == 3 && CFAST && FA >= CS && b <= CE) { # as account() does
		CM += b - FA
		i = (b < CHI ? b : CHI) - (FA > CLO ? FA : CLO)
		if (i > 0)
			CI += i
	} else {
		inslots(FA, b, FL)
	}
}

# the library asks after each range account() saw: may the next ranges go
# the quick way (see s2lib.awk), and those with this tail? Those of its
# class (valid or not, and its level) may, while they stay in its memslot
# (valid, with memslots); those with its tail, unless it is valid and
# large enough to be one of the TOPN largest ranges (which TOPL keeps).
# What account() adds up for a valid range, finish() does for those with
# its tail: FSZ, FAT, FAF keep its size, ATTR and AF.
function fastclass() {
	FTOK = !VALID || TOPN <= 0 || NTOP == TOPN && SZ <= TOPS[NTOP]
	if (FTOK && VALID && FTT != "") {
		FSZ[FTT] = SZ; FAT[FTT] = ATTR; FAF[FTT] = AF
	}
	if (VALID && HAVESL) # (curslot() set CS and CE in account())
		FASTLIM = E >= CS && E < CE ? CE : 0
	return VALID
}

# at the end of a source: the ranges after the last one account() saw, and
# those that went the quick way
function quickdone(    t, n, b, a) {
	if (FV && LASTE > FA)
		caughtup(LASTE)
	if (RUNOPEN)
		runend(LASTE, N)
	for (t in FN) {
		if (!(t in FSZ))
			continue
		n = FN[t]; b = n * FSZ[t]; a = FAT[t]
		NMAPPED += n
		MAPPED += b
		AB[a] += b
		AN[a] += n
		if (FAF[t] >= 0)
			AFSEEN = 1
		if (FAF[t] == 0)
			AF0 += b
	}
}

### memslots: which slot maps each range, and why pages
# The slots of address space 0 (KVM/arm64 has no other), z = 1..NZ in the
# order of the file (ascending start): ZS, ZE their start and end, ZDL
# dirty-logging, ZI the memslots index (ZOF the other way). Per slot and
# window w (1, 2, 3: the level-2 block of a 4K, 16K, 64K granule; 0: the
# level-1 block of a 4K granule, 1G), at [z * 4 + w] (plain numbers index
# quicker than pairs): ZMIS host and guest addresses not congruent modulo
# the window, [ZLO, ZHI) the part of the slot made of whole windows (empty
# when ZLO >= ZHI).
function zprep(    i, w, b, k) {
	ZREADY = 1
	for (i = 1; i <= NSL; i++) {
		if (SLAS[i] != "0")
			continue
		NZ++; ZI[NZ] = i; ZOF[i] = NZ
		ZS[NZ] = SLS[i]; ZE[NZ] = SLE[i]; ZDL[NZ] = SLDL[i]
		for (w = 0; w <= 3; w++) {
			b = w ? GS[w, 2] : GS[1, 1]
			k = NZ * 4 + w
			ZMIS[k] = (SLH[i] % b != SLS[i] % b)
			ZLO[k] = int((SLS[i] + b - 1) / b) * b
			ZHI[k] = int(SLE[i] / b) * b
		}
	}
}

# the valid range [S, E) cut at slot boundaries: per slot, the bytes mapped
# (SMAP), in blocks (SBLK), in pages (SPG), in level-2 blocks (SL2), and
# per window w the part of the pages (w > 0) or level-2 blocks (w = 0) in
# whole windows (SIN[z * 4 + w]); what is in no slot to unslotted(). The
# ranges ascend, so slots that end before a range are done with (ZC: the
# first slot that is not, less one).
function inslots(S, E, LV,    a, b, z, w, n, k) {
	if (!ZREADY)
		zprep()
	while (ZC < NZ && ZE[ZC + 1] <= S)
		ZC++
	a = S
	for (z = ZC + 1; a < E; z++) {
		if (z > NZ || ZS[z] >= E) {
			unslotted(a, E)
			break
		}
		if (ZS[z] > a) {
			unslotted(a, ZS[z])
			a = ZS[z]
		}
		b = ZE[z] < E ? ZE[z] : E
		SMAP[z] += b - a
		if (LV == 3) { # for every granule the ranges may still have
			SPG[z] += b - a
			for (w = 1; w <= FITG[3]; w++) {
				k = z * 4 + w
				n = (b < ZHI[k] ? b : ZHI[k]) - (a > ZLO[k] ? a : ZLO[k])
				if (n > 0)
					SIN[k] += n
			}
		} else {
			SBLK[z] += b - a
			if (LV == 2) {
				SL2[z] += b - a
				k = z * 4
				n = (b < ZHI[k] ? b : ZHI[k]) - (a > ZLO[k] ? a : ZLO[k])
				if (n > 0)
					SIN[k] += n
			}
		}
		a = b
	}
	curslot()
}

# the slot the quick path of account() adds to: add up what it added to
# the last one (CM page bytes, CI of them in whole 2M windows) and take
# the first slot that does not end before this range
function curslot() {
	if (CZ) {
		SMAP[CZ] += CM; SPG[CZ] += CM; SIN[CZ * 4 + 1] += CI
	}
	CM = CI = 0
	CZ = ZC + 1
	CFAST = (3 in FITG) && FITG[3] == 1 # (not FITG[3] alone: that would make it, "")
	if (CZ > NZ) {
		CS = CE = -1
		CZ = 0
		return
	}
	CS = ZS[CZ]; CE = ZE[CZ]; CLO = ZLO[CZ * 4 + 1]; CHI = ZHI[CZ * 4 + 1]
}

# at the end: the page bytes (w > 0) or level-2 block bytes (w = 0) of
# each slot go to the first cause that applies to their window,
# WHY[w, k] (k in CAUSE[]): slot-edge for those outside the whole windows
# of the slot; those inside: misaligned, dirty-log, else host-pages
function why(w,    z, p, i) {
	for (z = 1; z <= NZ; z++) {
		p = w ? SPG[z] : SL2[z]
		i = SIN[z * 4 + w]
		WHY[w, 1] += p - i
		if (ZMIS[z * 4 + w])
			WHY[w, 2] += i
		else if (ZDL[z])
			WHY[w, 3] += i
		else
			WHY[w, 4] += i
	}
}

# mapped but in no slot: the memslots and the ranges disagree (said in
# finish(), the first 10 places named; exit status 3)
function unslotted(a, b) {
	OUTB += b - a
	if (LV == 3)
		OUTP += b - a
	else if (LV == 2)
		OUTL2 += b - a
	if (++NOUT <= 10)
		OUTMSG = OUTMSG PROG ": " SRC ": line " LN ": 0x" hex16(a) "-0x" \
		    hex16(b) " (" xsize(b - a) (a == S && b == E ? "" : " of 0x" \
		    hex16(S) "-0x" hex16(E)) ", level " LV " " TY ") is mapped but" \
		    " in no memslot\n"
}

function inconsistent(msg) {
	printf "%s: %s\n", PROG, msg | "cat 1>&2"
	INCONS = 1
}

# at the end of a source: what disagrees, on stderr
function slotcheck(    i) {
	if (!ZREADY)
		zprep()
	curslot()
	if (GI)
		why(GI)
	if (GI == 1)
		why(0)
	for (i = 1; i <= NSL; i++)
		if (SLAS[i] == "0" && SLE[i] > IPA)
			inconsistent(MSSRC ": line " SLLN[i] ": slot " SLID[i] " (0x" \
			    hex16(SLS[i]) "-0x" hex16(SLE[i]) ") ends beyond the " \
			    IPABITS "-bit IPA space (0x" hex16(IPA) ")")
	if (!NOUT)
		return
	printf "%s", OUTMSG | "cat 1>&2"
	inconsistent(NAME ": inconsistent: " hum(OUTB) sprintf(" (%.0f bytes)", \
	    OUTB) " mapped in no memslot of " MSSRC " (" NOUT " place" \
	    (NOUT > 1 ? "s" : "") (NOUT > 10 ? ", the first 10 named" : "") \
	    "), in no cause: did the VM change between the reads?")
}

# the per-slot table
function slottable(    i, z, sz, fl) {
	out("")
	if (!NSL) {
		out("SLOTS: none (an empty memslots file)")
		return
	}
	out(sprintf("%-5s %-37s %8s %8s %6s %8s %7s  %s", "SLOT", "GUEST RANGE", \
	    "SIZE", "MAPPED", "%SLOT", "BLOCKS", "%MAPPED", "FLAGS"))
	for (i = 1; i <= NSL; i++) {
		sz = SLE[i] - SLS[i]
		if (i in ZOF) {
			z = ZOF[i]
			out(sprintf("%-5s 0x%s-0x%s %8s %8s %6s %8s %7s  %s", SLID[i], \
			    hex16(SLS[i]), hex16(SLE[i]), xsize(sz), hum(SMAP[z]), \
			    pct(SMAP[z], sz), hum(SBLK[z]), pct(SBLK[z], SMAP[z]), SLFL[i]))
		} else { # another address space: not in this stage-2
			out(sprintf("%-5s 0x%s-0x%s %8s %8s %6s %8s %7s  %s", SLID[i], \
			    hex16(SLS[i]), hex16(SLE[i]), xsize(sz), "-", "-", "-", "-", \
			    "as=" SLAS[i] " " SLFL[i]))
		}
	}
}

# a why table: the bytes of entries of size e, by the first cause that kept
# their window (of size wb) from one block; total: those bytes, outb: the
# part in no slot
function whytable(w, head, share, e, wb, total, outb,    k, t, x) {
	x = xsize(wb)
	out("")
	out(sprintf("%-13s %10s %7s  %s", head, "BYTES", share, xsize(e) " " \
	    (e == GS[GI, 3] ? "pages" : "blocks") ", by the first reason their " x \
	    " window is not a block"))
	for (k = 1; k <= 4; k++) {
		t = CTEXT[CAUSE[k]]
		sub(/%s/, x, t)
		out(sprintf("%-13s %10s %7s  %s", CAUSE[k], hum(WHY[w, k]), \
		    pct(WHY[w, k], total), t))
	}
	if (outb)
		out(sprintf("%-13s %10s %7s  %s", "(no slot)", hum(outb), \
		    pct(outb, total), "mapped in no memslot: the files disagree"))
}

function esz(l) { return GI ? GS[GI, l] : 0 }

function elabel(l) { return GI ? xsize(GS[GI, l]) : "?" }

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
		out(sprintf("%-9s %10s %7s %8.0f", K[i], hum(B[K[i]]), \
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
	quickdone()
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
	if (HAVESL)
		slotcheck()
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
		    " attributes (fragmentation).", f, sprintf("%.0f", N))
		prom("s2view_mapped_ranges", "Ranges of valid entries.", f, \
		    sprintf("%.0f", NMAPPED))
		prom("s2view_largest_run_bytes", "Bytes in the largest run of" \
		    " contiguous valid entries.", f, sprintf("%.0f", BIGRUN))
		if (HAVE["table_pages"])
			prom("s2view_table_pages", "Pages of page-table memory.", f, \
			    CTRS["table_pages"])
		k = sortkeys(PB, K)
		for (i = 1; i <= k; i++)
			prom("s2view_perm_bytes", "Bytes mapped, by permissions.", \
			    f ",perms=\"" K[i] "\"", sprintf("%.0f", PB[K[i]]))
		k = sortkeys(MB, K)
		for (i = 1; i <= k; i++)
			prom("s2view_memattr_bytes", "Bytes mapped, by memory attribute.", \
			    f ",memattr=\"" K[i] "\"", sprintf("%.0f", MB[K[i]]))
		if (HAVESL)
			promslots(f)
		return
	}
	if (NOL)
		out("")
	if (MAP) {
		drawmap(name)
		return
	}
	out(name (HAVE["pid"] ? " (pid " CTRS["pid"] ")" : "") ": " \
	    (DIR != "" ? DIR : SRC))
	out(sprintf("%-20s%s (%d bits%s%s)", "IPA space:", hum(IPA), IPABITS, \
	    HAVE["start_level"] ? ", start level " CTRS["start_level"] : "", \
	    GI && MAPPED ? ", " xsize(GR[GI]) " granule" : ""))
	if (!GI) # (the one place that says why: ? elsewhere)
		out(sprintf("%-20s%s", "granule:", "? (no granule fits the level-" GNONE \
		    " ranges: their starts or sizes are not multiples of " \
		    xsize(GS[1, GNONE]) ", the smallest entry there)"))
	out(sprintf("%-20s%s (%.0f bytes, %s of the IPA space)", "mapped:", \
	    hum(mapped), mapped, pct(mapped, IPA)))
	if (HAVE["table_pages"])
		out(sprintf("%-20s%s (%s)", "table pages:", CTRS["table_pages"], \
		    GI ? hum(CTR["table_pages"] * GR[GI]) : "? bytes"))
	out(sprintf("%-20s%.0f (%.0f mapped, in %.0f contiguous run%s)", "ranges:", N, \
	    NMAPPED, NRUNS, NRUNS == 1 ? "" : "s"))
	if (BIGRUN)
		out(sprintf("%-20s%s at 0x%s-0x%s (%.0f range%s)", "largest mapped run:", \
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
	if (!HAVESL) {
		out("")
		out("WHY PAGES: unknown without the memslots file of the VM (vmN/memslots)")
	} else {
		slottable()
		if (!GI) {
			out("")
			out("WHY PAGES: unknown without the granule (granule: above)")
		} else {
			whytable(GI, "WHY PAGES", "%PAGES", GS[GI, 3], GS[GI, 2], \
			    BY[3, "page"], OUTP)
			if (GI == 1) # 2M blocks, 1G windows
				whytable(0, "WHY " xsize(GS[1, 2]) " BLOCKS", "%BLOCKS", \
				    GS[1, 2], GS[1, 1], BY[2, "block"], OUTL2)
		}
	}
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

# --prom with memslots: why pages, bytes in no slot, per slot
function promslots(f,    k, i, g, h) {
	if (GI)
		for (k = 1; k <= 4; k++)
			prom("s2view_page_bytes_by_cause", "Bytes mapped by level-3 pages," \
			    " by the first cause that kept their block-sized window from a" \
			    " block (slot-edge, misaligned, dirty-log, host-pages: tried in that order).", \
			    f ",cause=\"" CAUSE[k] "\"", sprintf("%.0f", WHY[GI, k]))
	if (GI == 1) # (level-1 blocks: 4K granule only)
		for (k = 1; k <= 4; k++)
			prom("s2view_l2_block_bytes_by_cause", "Bytes mapped by level-2" \
			    " blocks, by the first cause that kept their level-1-sized window" \
			    " from a level-1 block (4K granule: 2M blocks, 1G window).", \
			    f ",cause=\"" CAUSE[k] "\"", sprintf("%.0f", WHY[0, k]))
	prom("s2view_outside_slot_bytes", "Bytes mapped outside every memslot" \
	    " (the memslots and the ranges disagree; exit status 3).", f, \
	    sprintf("%.0f", OUTB))
	for (i = 1; i <= NSL; i++) {
		if (!(i in ZOF))
			continue
		g = f ",slot=\"" SLID[i] "\",kind=\""
		h = "Bytes of a memslot (of address space 0): its size, mapped in it," \
		    " mapped by blocks in it."
		prom("s2view_slot_bytes", h, g "size\"", sprintf("%.0f", SLE[i] - SLS[i]))
		prom("s2view_slot_bytes", h, g "mapped\"", sprintf("%.0f", SMAP[ZOF[i]]))
		prom("s2view_slot_bytes", h, g "blocks\"", sprintf("%.0f", SBLK[ZOF[i]]))
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
	emit()
	if (INCONS)
		exit 3
}
' "$@"
