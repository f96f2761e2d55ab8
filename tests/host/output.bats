#!/usr/bin/env bats
#
# output.bats - what both tools promise about their output under every
# userland of scripts-helpers.bash: a write error is never silent (exit
# status 2 and one message of ours, whatever the awk), and the same input
# prints the same bytes (orders that do not depend on the awk's hashing,
# numbers too large for 32 bits printed as integers).
# Run: bats tests/host

load scripts-helpers

setup() {
	export S2VIEW_SYSFS=$FIXTURES
	unset S2VIEW_HEX S2VIEW_QUICK
}

# s2full USERLAND SCRIPT ARGS...: as s2, with stdout on /dev/full (a full
# disk): sets status and stderr (output: what leaked elsewhere, nothing)
s2full() {
	local ul=$1 script=$SCRIPTS/$2 d
	shift 2
	d=$(userland_dir "$ul") || return 1
	echo "# under $ul: ${script##*/} $* >/dev/full"
	run --separate-stderr env PATH="$d" "$d/sh" -c \
		'sh=$1; shift; exec "$sh" "$@" >/dev/full' s2full "$d/sh" "$script" "$@"
}

# full_fails SCRIPT ARGS...: under every userland, SCRIPT ARGS >/dev/full
# exits 2 with exactly our one-line message on stderr
full_fails() {
	local sh want="${1}: cannot write the output (disk full?): it is incomplete"
	for sh in $S2_SHELLS; do
		s2full "$sh" "$@"
		echo "status $status; stderr: $stderr"
		[ "$status" -eq 2 ]
		[ "$stderr" = "$want" ]
	done
}

@test "s2summ.sh --prom to a full disk exits 2 with one message of its own, under every userland" {
	full_fails s2summ.sh --prom
}

@test "s2summ.sh's summary, --map and -h to a full disk exit 2 with one message of its own" {
	full_fails s2summ.sh vm2
	full_fails s2summ.sh --map vm2
	full_fails s2summ.sh -h
}

@test "s2owner.sh --prom, its summary and -h to a full disk exit 2 with one message of its own" {
	full_fails s2owner.sh --prom
	full_fails s2owner.sh
	full_fails s2owner.sh -h
}

@test "an output larger than a pipe's buffer to a full disk exits 2 with one message" {
	local f=$BATS_TEST_TMPDIR/pages
	awk 'BEGIN { for (i = 0; i < 4096; i++)
		printf "0x%016x-0x%016x 4K 3 page rw- normal af=1\n", i * 4096, (i + 1) * 4096 }' >"$f"
	full_fails s2summ.sh -n 4096 "$f"
}

@test "a reader that goes away early (head) ends the tools quietly" {
	local sh d f=$BATS_TEST_TMPDIR/pages
	awk 'BEGIN { for (i = 0; i < 4096; i++)
		printf "0x%016x-0x%016x 4K 3 page rw- normal af=1\n", i * 4096, (i + 1) * 4096 }' >"$f"
	for sh in $S2_SHELLS; do
		d=$(userland_dir "$sh")
		run --separate-stderr bash -c 'env PATH="$1" "$1/sh" "$2" -n 4096 "$3" | head -n 1' \
			_ "$d" "$SCRIPTS/s2summ.sh" "$f"
		echo "under $sh: stderr: $stderr"
		[ "$output" = "pages: $f" ]
		[ -z "$stderr" ]
	done
}

@test "a writer killed by another signal than SIGPIPE (a hangup) ends the tools with its status, quietly, as SIGPIPE does" {
	local sh d h real call t
	for sh in $S2_SHELLS; do
		d=$(userland_dir "$sh") h=$BATS_TEST_TMPDIR/hup-$sh
		cp -a "$d" "$h"
		# cat with no operand (the writer of the output) dies of SIGHUP
		real=$(readlink -f "$d/cat")
		case ${real##*/} in busybox | toybox) call="$real cat" ;; *) call=$real ;; esac
		rm "$h/cat"
		printf '#!/bin/sh\n[ $# -gt 0 ] || kill -HUP $$\nexec %s "$@"\n' "$call" >"$h/cat"
		chmod +x "$h/cat"
		for t in s2summ.sh:$FIX_PAGE_VM s2owner.sh:host; do
			run --separate-stderr env PATH="$h" "$h/sh" "$SCRIPTS/${t%%:*}" "$FIXTURES/${t#*:}"
			echo "$t under $sh: status $status; stderr: $stderr"
			[ "$status" -eq 129 ]
			[ -z "$stderr" ]
		done
	done
}

### the same output for the same input, under every userland

# same_everywhere SCRIPT ARGS...: every userland runs SCRIPT ARGS with
# status 0 and prints the same stdout and stderr; output is the last one's
same_everywhere() {
	local sh first= firsterr=
	for sh in $S2_SHELLS; do
		s2 "$sh" "$@"
		[ "$status" -eq 0 ]
		if [ -z "$first" ]; then
			first=$output firsterr=$stderr
		else
			diff -u <(printf '%s\n' "$first") <(printf '%s\n' "$output")
			[ "$stderr" = "$firsterr" ]
		fi
	done
}

# a 32-bit host stage-2 whose valid pages carry the states, and whose
# invalid 4K ranges the owners, one each: host_ranges "state=a ..." "owner=b ..."
host_ranges() {
	local a=$((0x40000000)) kv
	echo '0x0000000000000000-0x0000000040000000 1G 1 invalid --- - owner=hyp'
	for kv in $1; do
		printf '0x%016x-0x%016x 4K 3 page rw- normal af=1 %s\n' $a $((a + 4096)) "$kv"
		a=$((a + 4096))
	done
	for kv in $2; do
		printf '0x%016x-0x%016x 4K 3 invalid --- - %s\n' $a $((a + 4096)) "$kv"
		a=$((a + 4096))
	done
	printf '0x%016x-0x0000000100000000 %sK 1 invalid --- -\n' $a $(((0x100000000 - a) / 1024))
}

@test "unknown page states are listed after the three known ones, by name, under every userland" {
	host_ranges "state=zeta state=alpha state=owned state=mid state=beta state=shared-owned" "" >"$BATS_TEST_TMPDIR/ranges"
	same_everywhere s2owner.sh "$BATS_TEST_TMPDIR/ranges"
	[ "$(printf '%s\n' "$output" | sed -n '/^STATE/,/^$/p' | awk 'NR > 1 && NF { printf "%s ", $1 }')" = \
		"owned shared-owned shared-borrowed alpha beta mid zeta " ]
	same_everywhere s2owner.sh --prom "$BATS_TEST_TMPDIR/ranges"
	[ "$(printf '%s\n' "$output" | sed -n 's/^s2view_state_bytes{state="\([^"]*\)"} 4096$/\1/p' | tr '\n' ' ')" = \
		"owned shared-owned alpha beta mid zeta " ]
}

@test "numeric owners are one owner however written (owner=007 is owner=7), in numeric order of any size" {
	host_ranges "" "owner=007 owner=7 owner=18446744073709551617 owner=10 owner=9007199254740993 owner=0 owner=18446744073709551616 owner=00" \
		>"$BATS_TEST_TMPDIR/ranges"
	same_everywhere s2owner.sh --prom "$BATS_TEST_TMPDIR/ranges"
	[ "$(printf '%s\n' "$output" | sed -n 's/^s2view_owner_ranges{owner="\(id[^"]*\)"} \([0-9]*\)$/\1=\2/p' | tr '\n' ' ')" = \
		"id0=2 id7=2 id10=1 id9007199254740993=1 id18446744073709551616=1 id18446744073709551617=1 " ]
	same_everywhere s2owner.sh "$BATS_TEST_TMPDIR/ranges"
	[[ "$output" == *$'\nid7                      8K'* ]]
}

# a copy of the 52-bit fixture VM with counter $1 set to $2, in $BATS_TEST_TMPDIR/vm9
vm_with() {
	rm -rf "$BATS_TEST_TMPDIR/vm9"
	cp -r "$FIXTURES/$FIX_52BIT_VM" "$BATS_TEST_TMPDIR/vm9"
	if [ "$1" = pid ]; then
		echo "$2" >"$BATS_TEST_TMPDIR/vm9/pid"
	else
		echo "$2" >"$BATS_TEST_TMPDIR/vm9/s2/$1"
	fi
}

@test "counters of 2^31 and more print as integers, the same under every userland" {
	vm_with table_pages 2147483648
	same_everywhere s2summ.sh "$BATS_TEST_TMPDIR/vm9"
	[[ "$output" == *$'\ntable pages:        2147483648 (8T)\n'* ]]
	same_everywhere s2summ.sh --prom "$BATS_TEST_TMPDIR/vm9"
	[ "$(metric 's2view_table_pages{vm="vm9"}')" = 2147483648 ]
	vm_with pid 2147483647
	same_everywhere s2summ.sh "$BATS_TEST_TMPDIR/vm9"
	[[ "${lines[0]}" == "vm9 (pid 2147483647): "* ]]
	vm_with pages_l3 4294967297
	same_everywhere s2summ.sh --prom "$BATS_TEST_TMPDIR/vm9"
	[ "$(metric 's2view_entries{vm="vm9",level="3",type="page"}')" = 4294967297 ]
	[ "$(metric 's2view_bytes{vm="vm9",level="3",type="page"}')" = 17592186048512 ]
	same_everywhere s2summ.sh "$BATS_TEST_TMPDIR/vm9"
	[[ "$output" == *$'\nl3    page     4K 4294967297 17179869188K '* ]]
}

@test "a counter beyond what it can be is rejected (status 2, naming the file and its limit)" {
	vm_with mapped_bytes 9223372036854775808
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/vm9" \
		"s2summ.sh: $BATS_TEST_TMPDIR/vm9/s2/mapped_bytes: 9223372036854775808 is out of range: at most 4503599627370496 (the 52-bit IPA space)"
	vm_with start_level 4
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/vm9" "*/vm9/s2/start_level: 4 is out of range: at most 3 *"
	vm_with pid 2147483648
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/vm9" "*/vm9/s2/../pid: 2147483648 is out of range: at most 2147483647 *"
	vm_with blocks_l1 4194305
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/vm9" "*/vm9/s2/blocks_l1: 4194305 is out of range: at most 4194304 (entries of 1G in the 52-bit IPA space)"
	vm_with table_pages 1099511627777
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/vm9" "*/vm9/s2/table_pages: 1099511627777 is out of range: at most 1099511627776 *"
	# no granule fits the ranges (a 2M range at level 1): the limits of the
	# smallest, 4K, which allows the most
	mkdir -p "$BATS_TEST_TMPDIR/vm8/s2"
	printf '%s\n' '0x0000000000000000-0x0000000000200000 2M 2 block rw- normal af=1' \
		'0x0000000000200000-0x0000000000400000 2M 1 invalid --- -' \
		'0x0000000000400000-0x0000010000000000 1048572M 1 invalid --- -' >"$BATS_TEST_TMPDIR/vm8/s2/ranges"
	echo 40 >"$BATS_TEST_TMPDIR/vm8/s2/ipa_bits"
	echo 268435457 >"$BATS_TEST_TMPDIR/vm8/s2/table_pages"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/vm8" "*/vm8/s2/table_pages: 268435457 is out of range: at most 268435456 (pages of the 40-bit IPA space)"
	cp -r "$FIXTURES/host" "$BATS_TEST_TMPDIR/host"
	echo 4503599627370497 >"$BATS_TEST_TMPDIR/host/s2/owner_hyp_bytes"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/host" "*/host/s2/owner_hyp_bytes: 4503599627370497 is out of range: at most 4503599627370496 *"
	# the last counter of the list checked as well
	cp "$FIXTURES/host/s2/owner_hyp_bytes" "$BATS_TEST_TMPDIR/host/s2/"
	echo 4503599627370497 >"$BATS_TEST_TMPDIR/host/s2/state_shared_borrowed_bytes"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/host" "*/host/s2/state_shared_borrowed_bytes: 4503599627370497 is out of range: at most 4503599627370496 *"
}
