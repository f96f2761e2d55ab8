# counters.awk - what a VM's s2/ counters must be, worked out from its ranges.
#
# USAGE: awk -v page=4096 -v start_level=1 -v ipa_bits=40 -f counters.awk VALID
#   VALID: the valid ranges listed by ranges.awk ("<start> <end> <level> ...",
#   decimal, then an "END ..." line).
#
# Prints "<blocks_l1> <blocks_l2> <pages_l3> <table_pages> <mapped_bytes>".
# Leaves and bytes are sums over the ranges. Table pages are the top-level
# tables (concatenated: 2^ipa_bits over what one table page covers) plus one
# per distinct table, at every level below the top, that holds a valid entry:
# KVM frees a table once its last entry goes, so with the vCPUs stopped no
# table is empty. This is worked out apart from the kernel's own counting, so
# that the two can be compared.
# Written for busybox awk, mawk, gawk and the one-true-awk (no "^", %.0f).

# Bytes one entry maps at level l: page * (page / 8)^(3 - l).
function entry_size(l,    s, i) {
	s = page
	for (i = l; i < 3; i++)
		s *= page / 8
	return s
}

function pow2(e,    r) {
	r = 1
	while (e-- > 0)
		r *= 2
	return r
}

BEGIN {
	if (page == "" || start_level == "" || ipa_bits == "") {
		print "counters.awk: needs -v page=, start_level= and ipa_bits=" >"/dev/stderr"
		exit 2
	}
	tables = pow2(ipa_bits) / entry_size(start_level - 1)
	if (tables < 1)
		tables = 1
}

$1 == "END" { next }

{
	start = $1; end = $2; level = $3
	n = (end - start) / entry_size(level)
	leaves[level] += n
	mapped += end - start
	# The tables below the top level that hold this range's entries.
	for (t = start_level + 1; t <= level; t++) {
		span = entry_size(t - 1)
		for (i = int(start / span); i <= int((end - 1) / span); i++) {
			key = t " " i
			if (!(key in seen)) {
				seen[key] = 1
				tables++
			}
		}
	}
}

END {
	printf "%.0f %.0f %.0f %.0f %.0f\n", leaves[1], leaves[2], leaves[3], tables, mapped
}
