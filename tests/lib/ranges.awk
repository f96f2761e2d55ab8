# ranges.awk - check a "ranges" file against the ABI and list what it maps.
#
# USAGE: awk -v ipa_bits=40 -f ranges.awk RANGES      (ipa_bits optional)
#
# The tests' own reader of the format, written apart from the toolkit's
# (scripts/s2lib.awk) so that one's mistake is not the other's; both pass
# the table of tests/fixtures/format/ (tests/host/format.bats).
#
# Checks every line: printable ASCII only (no CR, no NUL); six fields then
# key=value fields; start/end as 0x and 16 hex digits; ranges ascending and
# contiguous from 0 to 2^ipa_bits (without ipa_bits: to a power of two);
# a newline after the last line (not checked on live /sys files);
# size exact in its largest unit; level 0 to 3; type, perms, memattr and
# keys consistent with each other; valid entries aligned to the entry size
# of their level (4K, 2M, 1G, 512G with 4K pages; other granules' sizes are
# multiples of these). Prints the first problem as "BAD <line>: <why>" and
# exits 1. Otherwise prints one line per valid range, "<start> <end>
# <level> <type> <perms>" (start/end in decimal), then "END <end> <lines>
# <mapped bytes>".
# Written for busybox awk, mawk, gawk and the one-true-awk: hex is parsed by
# hand, there is no "^" (busybox may be built without math support), and
# numbers are printed with %.0f (mawk prints 2^31 and up as 2.14748e+09).

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

BEGIN { expect = 0; max = pow(2, 52) }

{
	if (index($0, "\r"))
		bad("carriage return (CRLF line ends?)")
	if ($0 ~ /[^\t -~]/)
		bad("a control or non-ASCII byte")
	if (NF < 6 || $6 ~ /=/)
		bad("not six fields before the key=value fields")
	for (i = 7; i <= NF; i++)
		if ($i !~ /^[^=]+=.+$/)
			bad("field " i " is not key=value")
	if ($1 !~ /^0x[0-9a-fA-F]+-0x[0-9a-fA-F]+$/)
		bad("start-end is not 0x<hex>-0x<hex>")
	if (length($1) != 37)
		bad("start-end is not 0x + 16 hex digits twice")
	start = hex(substr($1, 1, 18))
	end = hex(substr($1, 20, 18))
	if (start != expect)
		bad(sprintf("starts at %.0f, previous range ended at %.0f", start, expect))
	if (end <= start)
		bad("end is not after start")
	if (end > max)
		bad("end is beyond 2^52")
	if (size_of($2) != end - start)
		bad("size " $2 " is not end - start in its largest unit")
	if ($3 !~ /^[0-3]$/)
		bad("level is not 0..3")
	valid = $4 == "page" || $4 == "block"
	if ($4 == "invalid") {
		if ($5 != "---" || $6 != "-")
			bad("invalid range with perms or memattr")
	} else if (valid) {
		if ($5 !~ /^[r-][w-][x-]$/)
			bad("perms is not rwx/-")
		if ($6 !~ /^(normal|normal-nc|device|memattr-0x[0-9a-f]+)$/)
			bad("unknown memattr")
		if (($4 == "page") != ($3 == 3))
			bad("pages are level 3, blocks above")
		entry = 4096 * pow(512, 3 - $3)
		if (start % entry || (end - start) % entry)
			bad("not aligned to the level's entry size " entry)
	} else {
		bad("type is not page, block or invalid")
	}
	for (i = 7; i <= NF; i++) {
		k = substr($i, 1, index($i, "=") - 1)
		v = substr($i, index($i, "=") + 1)
		if ((k == "af" || k == "sw") && !valid)
			bad(k " on an invalid range")
		if (k == "af" && v != "0" && v != "1")
			bad("af is not 0 or 1")
		if (k == "sw" && v !~ /^0x[0-9a-f]+$/)
			bad("sw is not 0x<hex>")
		if ((k == "owner" || k == "state") && v !~ /^[A-Za-z0-9_.-]+$/)
			bad(k " has a bad value")
	}
	if (valid) {
		printf "%.0f %.0f %s %s %s\n", start, end, $3, $4, $5
		mapped += end - start
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
		printf "BAD %d: last range ends at %.0f, not 2^%s\n", NR, expect, ipa_bits
		exit 1
	}
	for (p = 1; p < expect; p *= 2)
		;
	if (ipa_bits == "" && p != expect) {
		printf "BAD %d: last range ends at %.0f, not a power of two\n", NR, expect
		exit 1
	}
	# a last line without its newline (a truncated file): awk cannot tell,
	# so read the file again as one record (RS: a byte the lines passed
	# do not have); not for live sysfs files, whose reads are walks
	if (FILENAME != "" && FILENAME != "-" && FILENAME !~ /^\/sys\//) {
		RS = "\001"
		if ((getline all < FILENAME) > 0 && substr(all, length(all)) != "\n") {
			printf "BAD %d: no newline at the end of the last line\n", NR
			exit 1
		}
		close(FILENAME)
	}
	printf "END %.0f %d %.0f\n", expect, NR, mapped
}
