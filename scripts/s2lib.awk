# s2lib.awk - the one reader of s2view's ranges and memslots formats, shared
# by s2summ.sh and s2owner.sh: every rule of
# Documentation/ABI/testing/sysfs-kernel-kvm is checked here and nowhere else
# in the toolkit.
#
# Not a program by itself: each tool runs awk on this text followed by its
# own, which defines reset() (a source starts), account() (one range) and
# finish() (a source ended, complete), and prints in END with emit().
# The tools find this file beside themselves: install the four together.
#
# Variables from the tool: PROG (its name, for messages), HEXMODE
# ("manual": convert hex digit by digit even when awk can do it exactly) and
# QUICK ("no": every range the full way, none the quick way below;
# "count": as usual, and at the end of each source a note on stderr of how
# many ranges went the quick way, for the tests).
#
# Input: the stream s2lib.sh frames (see there): per source, control lines
# that start with the byte SOH (\001), which no data line can (the data
# comes through "cat -v"), and the ranges, e.g.
#	<SOH>S2VIEW-BEGIN
#	<SOH>S2VIEW-META name vm3     (then src, dir, pid and counter files)
#	<SOH>S2VIEW-META ipa_bits 40
#	0x0000000000000000-0x0000000040000000 1G 1 invalid --- -
#	...
#	<SOH>S2VIEW-EOF               (glued to the last line if it has no newline)
# Per range, sets S (start), E (end), SZ (size), LV (level), TY (type), PE
# (perms), MA (memattr), ATTR (LV TY PE MA: "3 page rw- normal"), VALID, AF
# (-1: none), OWNER, STATE and calls the
# account() of the tool; at the end of a source, checks it is complete and
# calls finish(). reset() starts a source. Any error: a message on stderr,
# exit status 2, and END prints nothing.
#
# The quick way (the first rule below): most lines repeat the text after
# the start-end field of an earlier line (" 4K 3 page rw- normal af=1"), and
# that text was checked then. After each range it checks in full, the
# library calls the tool's fastclass(), which returns -1 (the next lines
# each go the full way) or the class of the range, 0 or 1 (the tool's own,
# e.g. valid or not). The lines that follow are then taken without the full
# checks while each one starts where the last ended, has a well-formed
# start-end field, a tail (substr($0, 38)) already checked on a range of
# the same level (size, level, type, perms, memattr, key=value fields; a
# tail with sw=0x<hex>, different on every line, without its value, which
# is checked on its own: see the quick rule), the
# size its tail says, and ends within the IPA space: one of the class of
# the last range that account() saw, ending within FASTLIM too (the tool
# sets it: the end of the memslot it is in, say), is only counted, per
# tail: FN[tail]++; one of the other class goes to account() (and
# fastclass()) as if checked in full. FTT is the tail of the range
# fastclass() is called on ("" when it cannot be one: leading blanks, or
# "0x" in it); FTOK = 1 from the tool lets later lines with that tail go
# the quick way. So account() sees the ranges that change class and the
# first of each tail, and must take the lines since its last call, from
# the end of that range to S, as ranges of that one's class and level; and
# in finish(), up to LASTE; and add up FN.
#
# A source may have memslots (vmN/memslots), framed before its ranges:
#	<SOH>S2VIEW-META memslots /sys/kernel/kvm/vm3/memslots
#	0x0000000080000000-0x0000000081000000 16M slot=0 as=0 hva=0x0000ffff98000000 flags=dirty-log
#	...
#	<SOH>S2VIEW-RANGES            (glued to the last line if it has no newline)
# They are checked line by line like the ranges (file and line named on
# error) and kept for the tool: HAVESL = 1, NSL slots in the file's order
# (ascending start), slot i from SLS[i] to SLE[i], SLID[i] its id, SLAS[i]
# its address space, SLH[i] its host address (hva), SLFL[i] its flags ("-"
# or "dirty-log,readonly"), SLDL[i] 1 when dirty-logging, SLLN[i] its line;
# MSSRC the file.

function fail(msg) {
	printf "%s: %s: %s\n", PROG, SRC, msg | "cat 1>&2"
	ERR = 1
	exit 2
}

function bad(msg) { # a bad line
	fail("line " LN ": " msg)
}

function badbytes() { # a line with bytes cat -v wrote as ^X or M-x
	if ($0 ~ /\^M$/)
		bad("it ends in a carriage return (^M): DOS line ends?" \
		    " (convert with dos2unix)")
	if (index($0, "^"))
		bad("a control byte (cat -v shows it as ^X): binary or damaged file?")
	bad("a byte that is not ASCII (cat -v shows it as M-x): binary or" \
	    " damaged file?")
}

function note(msg) {
	printf "%s: %s: note: %s\n", PROG, NAME, msg | "cat 1>&2"
}

# S2VIEW_QUICK=count: how many ranges of the source went the quick way,
# counted (FN) or to account() (QF, flip())
function quickcount(    t, q) {
	q = QF
	for (t in FN)
		q += FN[t]
	note(sprintf("%.0f of %.0f ranges went the quick way", q, N))
}

# Output, kept until the input has been read whole: text lines (out), or
# Prometheus gauges (prom), each metric's HELP and TYPE once, its series in
# the order they came. emit(), in a tool's END, prints: nothing on stdout
# after an error, else the whole output at once.
# (lines in an array, not one string grown line by line: that copies the
# whole output at every line, quadratic in its length under mawk and busybox)
function out(s) { OL[++NOL] = s }

function lbl(s) { gsub(/[^A-Za-z0-9._:-]/, "_", s); return s }

function prom(name, help, labels, v) {
	if (!(name in PH)) {
		PH[name] = help; NPM++; PO[NPM] = name
	}
	PL[name, ++PLN[name]] = name (labels != "" ? "{" labels "}" : "") " " v
}

function emit(    i, j, n) {
	if (ERR)
		exit 2
	if (INVM) {
		LN = NR - NR0
		bad("no newline at the end of the last line: truncated file?")
	}
	if (PROM) {
		for (i = 1; i <= NPM; i++) {
			printf "# HELP %s %s\n# TYPE %s gauge\n", PO[i], PH[PO[i]], PO[i]
			n = PLN[PO[i]]
			for (j = 1; j <= n; j++)
				print PL[PO[i], j]
		}
	} else {
		for (i = 1; i <= NOL; i++)
			print OL[i]
	}
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

function hum(b,    d, i, p, s) { # human size: 16M, 16.01M, 16.004M, 512G
	if (b < 1024)
		return sprintf("%.0f%s", b, b ? "B" : "")
	d = 1024
	for (i = 1; i < 5 && b >= d * 1024; i++)
		d *= 1024
	if (b % d == 0)
		return sprintf("%.0f%s", b / d, substr("KMGTP", i, 1))
	# not exact: never a round-looking 16.00M; more digits, else exact
	for (p = 2; p <= 6; p++) {
		s = sprintf("%." p "f", b / d)
		if (s !~ /\.0*$/)
			return s substr("KMGTP", i, 1)
	}
	return xsize(b)
}

# the start-end field f of a range or memslot:
# 0x0000000080000000-0x0000000080400000
function chkspan(f) {
	# (a literal regex: busybox awk compiles a dynamic one on every use)
	if (f !~ /^0x[0-9a-fA-F]+-0x[0-9a-fA-F]+$/ || length(f) != 37 ||
	    substr(f, 19, 1) != "-")
		bad("bad start-end \"" f "\": want 0x<16 hex digits>-0x<16 hex digits>")
}

# the size field f of a range or memslot of sz bytes: 2040K
function chksize(f, sz) {
	if (f !~ /^[1-9][0-9]*[BKMGTP]$/)
		bad("bad size \"" f "\": want a number and a unit B, K, M, G, T or P")
	if (substr(f, 1, length(f) - 1) * UNIT[substr(f, length(f))] != sz)
		bad("size " f " does not match end - start = " xsize(sz))
	if (f != xsize(sz)) # the largest unit that divides it
		bad("size " f " is not in its largest unit: want " xsize(sz))
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

# the granule of the ranges, 3 (64K), 2 (16K), 1 (4K) or 0 (none fits;
# GNONE: the first level whose ranges fit none):
# of those every level's ranges fit (FITG), the largest whose start level
# under KVM's rule is the VM's (start_level, for its ipa_bits); when none
# of them is, or without start_level, the largest they fit. (Every level:
# a 1G level-1 range or a 2M level-2 block alone says 4K. A range that
# fits a granule also fits the smaller ones, so a larger granule is
# preferred only when nothing rules it out.)
function granule(    l, g, u) {
	u = 3
	GNONE = -1 # (the first level whose ranges fit none: what is missing)
	for (l = 0; l <= 3; l++)
		if ((l in FITG) && FITG[l] < u) {
			u = FITG[l]
			if (!u && GNONE < 0)
				GNONE = l
		}
	if (u && HAVE["start_level"])
		for (g = u; g >= 1; g--)
			if (kvmstart(g) == CTR["start_level"])
				return g
	return u
}

# the start level KVM gives a stage-2 of IPABITS bits in granule g: the
# fewest levels, with up to 16 concatenated tables at the first
# (stage2_pgtable_levels(): ARM64_HW_PGTABLE_LEVELS(ipa_bits - 4)), 2 to 4
function kvmstart(g,    b, n) {
	b = g == 1 ? 9 : g == 2 ? 11 : 13 # (bits an entry resolves: page shift - 3)
	n = int((IPABITS - 8) / b)
	return 4 - (n < 2 ? 2 : n > 4 ? 4 : n)
}

function attrs() { # check level, type, perms and memattr: set VALID
	if (!(LV in LVOK)) # a stage-2 starts at level 0 at most (concatenated)
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
	if (MA !~ /^(normal|normal-nc|device|memattr-0x[0-9a-f]+)$/)
		bad("bad memattr \"" MA "\": want normal, normal-nc, device or" \
		    " memattr-0xN")
}

function control(    p, k, v, i) {
	if (NP != "\n") # ranges went the quick way: where the last one ended
		LASTES = substr(NP, 3)
	NP = "\n"
	LN = NR - NR0 - 1 # the data lines since the last control line
	if (!INSL)
		N = LN
	NR0 = NR
	p = index($0, SOH)
	if (p > 1) { # glued to a last line that had no newline
		LN++
		if (substr($0, p) == SOH "S2VIEW-READERR")
			readerr()
		bad("no newline at the end of the last line: truncated file?")
	}
	# a new source: <SOH>S2VIEW-BEGIN
	if ($0 == SOH "S2VIEW-BEGIN") {
		if (INVM)
			fail("internal error: a source inside a source")
		cstart()
		return
	}
	# a fact about the source: <SOH>S2VIEW-META ipa_bits 40 (or name, src,
	# dir, pid, spool: one line, newlines written ^J)
	if (index($0, SOH "S2VIEW-META ") == 1) {
		k = $2
		v = substr($0, length(SOH "S2VIEW-META ") + length(k) + 2)
		if (k == "name") { NAME = v; return }
		if (k == "src") { SRC = v; return }
		if (k == "dir") { DIR = v; return }
		if (k == "spool") { SPOOLDIR = v; return } # (the copy of stdin failed)
		if (k == "memslots") { # its lines follow, until S2VIEW-RANGES
			RSRC = SRC; SRC = MSSRC = v; INSL = HAVESL = 1
			return
		}
		if (v !~ /^(0|[1-9][0-9]*)$/) {
			SRC = DIR "/" k
			if (k == "pid")
				SRC = DIR "/../pid"
			if (v == "")
				fail("empty: unreadable? are you root?")
			fail("bad value \"" v "\": want a decimal number")
		}
		CTR[k] = v + 0
		CTRS[k] = v # (as read: printed as is, whatever the awk's number format)
		HAVE[k] = 1
		if (k == "ipa_bits") {
			if (v + 0 < 12 || v + 0 > 52) { # (no stage-2 is less than a page)
				SRC = DIR "/ipa_bits"
				fail(v " is not between 12 and 52")
			}
			IPA = 1
			for (i = 0; i < v + 0; i++)
				IPA *= 2
			IPABITS = v + 0
		}
		return
	}
	# the ranges could not be read: <SOH>S2VIEW-READERR
	if ($0 == SOH "S2VIEW-READERR")
		readerr()
	# the memslots end and the ranges start: <SOH>S2VIEW-RANGES
	if ($0 == SOH "S2VIEW-RANGES" && INSL) {
		INSL = 0; SRC = RSRC
		return
	}
	# the end of a source: <SOH>S2VIEW-EOF
	if ($0 == SOH "S2VIEW-EOF") {
		if (N == 0)
			fail("no ranges (empty file?)")
		if (IPA && LASTE != IPA)
			fail("line " LN ": the ranges stop at 0x" LASTES " but the " \
			    IPABITS "-bit IPA space goes on to 0x" hex16(IPA) \
			    ": truncated file?")
		if (!IPA) { # a lone ranges file: its end is the IPA size
			IPA = 1
			for (IPABITS = 0; IPA < LASTE; IPABITS++)
				IPA *= 2
			if (IPA != LASTE)
				fail("line " LN ": the ranges stop at 0x" LASTES ", not at a" \
				    " power of two: truncated file?")
			if (IPABITS < 12)
				fail("line " LN ": the ranges stop at 0x" LASTES ", less than" \
				    " one 4K page: no IPA space is so small; truncated file?")
		}
		teardown()
		GI = granule()
		ctrcheck()
		if (HAVESL)
			slotgranule()
		finish()
		if (QUICK == "count")
			quickcount()
		INVM = 0
		return
	}
	fail("internal error: unknown control line")
}

# at the end of a source: when the VM's stage-2 is torn down during a read,
# the rest of the IPA space reads as one invalid range at the start level,
# not aligned to it (format/ok-teardown.ranges): a last range, invalid, that
# fits no granule at its level is not counted for the granule
function teardown() {
	if (FITN != N || FITG[FITL])
		return
	if (FITV < 0)
		delete FITG[FITL]
	else
		FITG[FITL] = FITV
}

# at the end of a source: every counter within what it can be (a number
# beyond them is a damaged file, not a figure to print), in a fixed order
function ctrcheck(    i, k, max, why, g) {
	g = GI ? GI : 1
	for (i = 1; i <= NCTRNAMES; i++) {
		k = CTRNAMES[i]
		if (!HAVE[k])
			continue
		if (k == "start_level") {
			max = 3; why = "a stage-2 starts at level 0 to 3"
		} else if (k == "pid") {
			max = 2147483647; why = "a pid is an int"
		} else if (k == "table_pages") {
			max = IPA / GR[g]; why = "pages of the " IPABITS "-bit IPA space"
		} else if (k ~ /_bytes$/) {
			max = IPA; why = "the " IPABITS "-bit IPA space"
		} else { # pages_l3, blocks_lN
			max = IPA / GS[g, substr(k, length(k))]
			why = "entries of " xsize(GS[g, substr(k, length(k))]) " in the " \
			    IPABITS "-bit IPA space"
		}
		if (CTR[k] > max) {
			SRC = k == "pid" ? DIR "/../pid" : DIR "/" k
			fail(CTRS[k] " is out of range: at most " sprintf("%.0f", max) " (" \
			    why ")")
		}
	}
}

# at the end of a source with memslots: KVM takes slots and host addresses
# on its own page size, which is the granule of the ranges
function slotgranule(    i) {
	if (GI < 2)
		return
	for (i = 1; i <= NSL; i++)
		if (SLS[i] % GR[GI] || SLE[i] % GR[GI] || SLH[i] % GR[GI]) {
			SRC = MSSRC
			fail("line " SLLN[i] ": slot " SLID[i] " (0x" hex16(SLS[i]) "-0x" \
			    hex16(SLE[i]) " hva=0x" hex16(SLH[i]) ") is not on a " \
			    xsize(GR[GI]) " page boundary, the granule of the ranges")
		}
}

function readerr() {
	if (SPOOLDIR != "")
		fail("cannot read the ranges: their copy in " SPOOLDIR \
		    " failed (disk full? set TMPDIR to a directory with room)")
	fail("cannot read the " (INSL ? "memslots" : "ranges") \
	    " (are you root? did the VM exit?)")
}

function cstart() {
	INVM = 1; N = 0; LASTE = 0; LASTES = "0000000000000000"; FITN = -1
	IPA = 0; IPABITS = ""; NAME = ""; SRC = "<input>"; DIR = ""; SPOOLDIR = ""
	split("", CTR); split("", CTRS); split("", HAVE); split("", FITG)
	INSL = HAVESL = NSL = 0
	split("", SLS); split("", SLE); split("", SLID); split("", SLAS)
	split("", SLH); split("", SLFL); split("", SLDL); split("", SLLN)
	split("", SLSEEN); split("", SLLAST)
	split("", FT); split("", FN); split("", TAT); split("", TVA); QF = 0
	split("", TAF); split("", TOW); split("", TST)
	reset()
}

# a memslot: start-end size slot=<id> as=<address space> hva=0x<16 hex>
# flags=<dirty-log,readonly,guest-memfd: those that apply, in that order; - none>
# [key=value ...: ignored]
function memslot(    s, e, S0, E0, id, as, h, fl, j, k) {
	if (index($0, "M-") || index($0, "^"))
		badbytes()
	if (NF < 6)
		bad("want 6 fields (start-end size slot=N as=N hva=0x... flags=...)," \
		    " got " NF)
	for (j = 7; j <= NF; j++) { # later key=value fields: ignored, as in ranges
		k = index($j, "=")
		if (k < 2 || k == length($j))
			bad("bad field \"" $j "\": want key=value")
	}
	chkspan($1)
	s = substr($1, 3, 16); S0 = hexv(s)
	e = substr($1, 22, 16); E0 = hexv(e)
	if (E0 <= S0)
		bad("empty or reversed range " $1)
	if (E0 > TWO52)
		bad("end 0x" e " is beyond 2^52")
	chksize($2, E0 - S0)
	if ($3 !~ /^slot=(0|[1-9][0-9]*)$/)
		bad("bad \"" $3 "\": want slot=<id in decimal>")
	if ($4 !~ /^as=(0|[1-9][0-9]*)$/)
		bad("bad \"" $4 "\": want as=<address space in decimal>")
	if ($5 !~ /^hva=0x[0-9a-fA-F]+$/ || length($5) != 22)
		bad("bad \"" $5 "\": want hva=0x<16 hex digits>")
	if ($6 !~ /^flags=(-|dirty-log(,readonly)?(,guest-memfd)?|readonly(,guest-memfd)?|guest-memfd)$/)
		bad("bad \"" $6 "\": want flags=- or those of dirty-log,readonly," \
		    "guest-memfd that apply, in that order")
	# KVM takes page-aligned slots and host addresses (4K at least)
	if (S0 % GS[1, 3] || E0 % GS[1, 3])
		bad("a memslot must start and end on a page boundary (4K or more)")
	h = hexv(substr($5, 7))
	if (h >= TWO52)
		bad($5 " is beyond 2^52: not a user address")
	if (h % GS[1, 3])
		bad($5 " is not on a page boundary (4K or more)")
	if (h + (E0 - S0) > TWO52)
		bad($5 " plus the slot's " $2 " ends beyond 2^52: not a user address")
	id = substr($3, 6); as = substr($4, 4)
	if (NSL && S0 < SLS[NSL])
		bad("slot starts at 0x" s ", before the previous one (0x" \
		    hex16(SLS[NSL]) "): not ascending")
	if (as in SLLAST) { # (the one of its address space that ends last)
		j = SLLAST[as]
		if (S0 < SLE[j])
			bad("slot " id " (0x" s "-0x" e ") overlaps slot " SLID[j] " (0x" \
			    hex16(SLS[j]) "-0x" hex16(SLE[j]) ") in address space " as)
	}
	if ((as, id) in SLSEEN)
		bad("slot " id " is listed twice in address space " as)
	SLSEEN[as, id] = 1
	NSL++
	SLLAST[as] = NSL
	SLS[NSL] = S0; SLE[NSL] = E0; SLID[NSL] = id; SLAS[NSL] = as
	SLH[NSL] = h; SLFL[NSL] = fl = substr($6, 7); SLLN[NSL] = LN
	SLDL[NSL] = index(fl, "dirty-log") == 1
}

BEGIN {
	SOH = sprintf("%c", 1)
	UNIT["B"] = 1; UNIT["K"] = 1024; UNIT["M"] = 1048576
	UNIT["G"] = 1073741824; UNIT["T"] = UNIT["G"] * 1024
	UNIT["P"] = UNIT["T"] * 1024
	TWO52 = UNIT["P"] * 4
	TWO40 = UNIT["T"]
	NCTRNAMES = split("start_level pid mapped_bytes pages_l3 blocks_l2 blocks_l1" \
	    " blocks_l0 table_pages owner_hyp_bytes owner_ffa_bytes" \
	    " state_shared_owned_bytes state_shared_borrowed_bytes", CTRNAMES, " ")
	NP = "\n" # (the quick rule: closed)
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

# a range the quick way (see the top of the file): NP is "0x" and the 16
# digits the last range ended at ("\n", which no line holds, when the tool
# takes the next line itself); FT[tail] is that tail's size less its class:
# its level and the tool's class c as (LV + 4 * c) / 64, a fraction that
# E - LASTE - TZ keeps exactly below 2^40 (larger ranges are not kept);
# FCL is the class of the last range account() saw, FCL2 the other class
# of its level (0.5, which no class is, when there is none). The literal
# regex (no {16}: not every awk has intervals) pins the start-end field to
# the 37 bytes before the tail. NP is found at byte 1, or at 20 when the
# range would end where the last one did (E - LASTE - TZ < 0), not in a tail
# (tails with "0x" are not kept). The alignment needs no check: ranges of
# one level that fit the granules FITG[LV] says keep fitting them. A tail
# with sw= is looked up as fastgate() keeps it: the one sub() both checks
# that its value is hex (any other byte after the digits, up to the next
# blank, is left in the tail, which no kept tail has) and takes the value
# out; and the line must start where the last range ended (its sw value
# could hold the digits NP looks for). (Few operations per line, and no
# function call: each one counts in busybox awk.)
index($0, NP) &&
    $0 ~ /^0x[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-0x[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F] / &&
    (!index(TL = substr($0, 38), " sw=0x") ||
    sub(/ sw=0x[0-9a-f]+/, " sw=\n", TL) && substr($0, 1, 18) == NP) &&
    (TZ = FT[TL]) {
	E = NATIVEHEX ? (e = substr($0, 20, 18)) + 0 : \
	    hexv(substr(e = substr($0, 20, 18), 3))
	if (E - LASTE - TZ == FCL && E <= FLIM) {
		FN[TL]++
		LASTE = E
		NP = e
		next
	}
	# of the other class (at the same level): the tool's account() sees it
	if (E - LASTE - TZ == FCL2 && E <= LIM0) {
		flip()
		next
	}
}

# a control line from s2lib.sh (the byte SOH, then S2VIEW-...), or a last
# line without its newline with one glued to it
index($0, SOH) {
	control()
	next
}

# a memslot (before the ranges, when the source has memslots):
# 0x0000000080000000-0x0000000081000000 16M slot=0 as=0 hva=0x0000ffff98000000 flags=dirty-log
INSL {
	LN = NR - NR0
	memslot()
	next
}

# a range: 0x0000000080000000-0x0000000080400000 4M 2 block rwx normal af=1
{
	LN = NR - NR0
	N = LN - 1 # (the lines before it, all ranges; those taken the quick way
	if (NP != "\n") # too, and the last of them ended at NP)
		LASTES = substr(NP, 3)
	if (!INVM)
		fail("internal error: a range outside a source")
	if (index($0, "^") || index($0, "M-"))
		badbytes()
	if (NF < 6 || index($6, "="))
		bad("want 6 fields (start-end size level type perms memattr)" \
		    " then key=value fields, got " (NF < 6 ? NF : 5) \
		    (NF < 6 ? "" : " then " $6))
	chkspan($1)
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
		chksize($2, SZ)
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
	if (NF == 7 && $7 == "af=1" && VALID) # the common case, quicker
		AF = 1
	else for (i = 7; i <= NF; i++) {
		f = $i
		k = index(f, "=")
		if (k < 2 || k == length(f))
			bad("bad field \"" f "\": want key=value")
		key = substr(f, 1, k - 1)
		v = substr(f, k + 1)
		if (key == "af" || key == "sw") {
			if (!VALID)
				bad(key "= on an invalid entry: valid entries only")
			if (key == "sw" && v !~ /^0x[0-9a-f]+$/)
				bad("bad sw=" v ": want sw=0x and hex digits")
			if (key == "af" && v != "0" && v != "1")
				bad("bad af=" v ": want af=0 or af=1")
			if (key == "af")
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
	# a valid entry is aligned to its level's entry size: at least the 4K
	# granule's (4K, 2M, 1G, 512G), of which the others are multiples
	if (VALID && (S % GS[1, LV] || SZ % GS[1, LV]))
		bad("a level-" LV " " TY " range must start and end on a multiple" \
		    " of its entry size (" xsize(GS[1, LV]) " or more)")
	FITL = LV; FITV = (LV in FITG) ? FITG[LV] : -1
	if (!(LV in FITG))
		FITG[LV] = 3
	for (g = FITG[LV]; g && (S % GS[g, LV] || SZ % GS[g, LV]); g--)
		FITG[LV] = g - 1
	N++
	FITN = VALID ? -1 : N # (an invalid range that may be a teardown's: see teardown())
	LASTE = E
	LASTES = e
	account()
	fastgate()
}

# after a range checked the full way: may the next lines go the quick way
function fastgate(    c, tl) {
	NP = "\n"
	if (QUICK == "no")
		return
	FTT = ""
	# (a tail with software bits, " 4K 3 page rw- normal af=1 sw=0x2a",
	# whose value differs from line to line, is kept with the value
	# written "\n", which no line holds, as the quick rule looks it up:
	# lines that differ only there share it)
	tl = substr($0, 38)
	sub(/ sw=0x[0-9a-f]+/, " sw=\n", tl)
	if (SZ < TWO40 && index($0, $1) == 1 && !index(tl, "0x"))
		FTT = tl
	FASTLIM = TWO52
	FTOK = 0
	c = fastclass()
	if (FTT != "" && !FTOK && FT[FTT] == "")
		delete FT[FTT] # (made by the quick rule's look-up)
	if (c < 0)
		return
	# (no alignment check on the quick way: this range ends on a multiple
	# of its level's entry size in granule FITG[LV] (4K's for a valid one
	# when FITG[LV] is 0), and every size kept for this level and class is a
	# multiple of it, having been one of the entry size in the granule
	# FITG[LV] was then, as large or larger; for both classes, the same
	# entry size, when FITG[LV] > 0)
	FCL = (LV + 4 * c) / 64
	if (FTOK && FTT != "") {
		FT[FTT] = SZ - FCL
		TAT[FTT] = ATTR; TVA[FTT] = VALID; TAF[FTT] = AF
		TOW[FTT] = OWNER; TST[FTT] = STATE
	}
	# the other class of this level may come the quick way to account()
	# while the alignment holds (in a granule: FITG[LV] > 0); else 0.5,
	# which E - LASTE - TZ never is (an integer plus at most 7/64)
	FCL2 = FITG[LV] ? (LV + 4 * (1 - c)) / 64 : 0.5
	LIM0 = IPA ? IPA : TWO52
	FLIM = FASTLIM < LIM0 ? FASTLIM : LIM0
	NP = "0x" e
}

# a range of the other class than the last, its tail checked before, the
# quick way: as the full way would leave it for account() (the checks of
# the full way that its tail does not settle: done by the quick rule)
function flip(    c) {
	QF++
	LN = NR - NR0
	N = LN
	S = LASTE; SZ = E - S
	LV = $3; TY = $4; PE = $5; MA = $6
	ATTR = TAT[TL]; VALID = TVA[TL]; AF = TAF[TL]; OWNER = TOW[TL]
	STATE = TST[TL]
	LASTE = E
	LASTES = substr(e, 3)
	account()
	NP = "\n"
	FTT = TL
	FASTLIM = TWO52
	FTOK = 0
	c = fastclass()
	if (c < 0)
		return
	c = FCL; FCL = FCL2; FCL2 = c
	FLIM = FASTLIM < LIM0 ? FASTLIM : LIM0
	NP = e
}
