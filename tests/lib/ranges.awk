# ranges.awk - check a "ranges" file against the ABI and list what it maps.
#
# USAGE: awk -v ipa_bits=40 -f ranges.awk RANGES      (ipa_bits optional)
#
# Checks every line: six fields then key=value fields; start/end as 0x and 16
# hex digits; ranges ascending and contiguous from 0 to 2^ipa_bits; size
# exact in its largest unit; type, perms and memattr consistent with each
# other. Prints the first problem as "BAD <line>: <why>" and exits 1.
# Otherwise prints one line per valid range, "<start> <end> <level> <type>
# <perms>" (start/end in decimal), then "END <end> <lines> <mapped bytes>".
# Written for busybox awk, mawk and gawk: hex is parsed by hand, and there
# is no "^" (busybox may be built without math support).

function pow(b, e,    r) {
	r = 1
	while (e-- > 0)
		r *= b
	return r
}

function hex(s,    i, n, c) {
	n = 0
	s = tolower(substr(s, 3))
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1))
		if (c == 0)
			return -1
		n = n * 16 + c - 1
	}
	return n
}

function bad(why) {
	print "BAD " NR ": " why ": " $0
	failed = 1
	exit 1
}

function size_of(s,    num, unit, u) {
	if (s !~ /^[1-9][0-9]*[BKMGTP]$/)
		return -1
	num = substr(s, 1, length(s) - 1) + 0
	unit = substr(s, length(s))
	u = index("BKMGTP", unit) - 1
	# Largest exact unit: the number is not a multiple of 1024.
	if (u < 5 && num % 1024 == 0)
		return -1
	return num * pow(1024, u)
}

BEGIN { expect = 0 }

{
	if (NF < 6)
		bad("fewer than six fields")
	for (i = 7; i <= NF; i++)
		if ($i !~ /^[a-z_]+=[^ =]+$/)
			bad("field " i " is not key=value")
	if ($1 !~ /^0x[0-9a-f]+-0x[0-9a-f]+$/)
		bad("start-end is not 0x<hex>-0x<hex>")
	if (length($1) != 37)
		bad("start-end is not 0x + 16 hex digits twice")
	start = hex(substr($1, 1, 18))
	end = hex(substr($1, 20, 18))
	if (start != expect)
		bad("starts at " start ", previous range ended at " expect)
	if (end <= start)
		bad("end is not after start")
	if (size_of($2) != end - start)
		bad("size " $2 " is not end - start in its largest unit")
	if ($3 !~ /^-?[0-3]$/)
		bad("level is not -1..3")
	if ($4 == "invalid") {
		if ($5 != "---" || $6 != "-")
			bad("invalid range with perms or memattr")
	} else if ($4 == "page" || $4 == "block") {
		if ($5 !~ /^[r-][w-][x-]$/)
			bad("perms is not rwx/-")
		if ($6 !~ /^(normal|normal-nc|device|memattr-0x[0-9a-f]+)$/)
			bad("unknown memattr")
		if (($4 == "page") != ($3 == 3))
			bad("pages are level 3, blocks above")
		print start, end, $3, $4, $5
		mapped += end - start
	} else {
		bad("type is not page, block or invalid")
	}
	expect = end
}

END {
	if (failed)
		exit 1
	if (NR == 0) {
		print "BAD 0: empty"
		exit 1
	}
	if (ipa_bits != "" && expect != pow(2, ipa_bits)) {
		print "BAD " NR ": last range ends at " expect ", not 2^" ipa_bits
		exit 1
	}
	print "END", expect, NR, mapped + 0
}
