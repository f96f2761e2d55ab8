#!/usr/bin/env bats
#
# s2owner.bats - scripts/s2owner.sh on the host fixture, under every
# userland of scripts-helpers.bash (S2_SHELLS="dash busybox" for some).
# Run: bats tests/host

load scripts-helpers

setup() {
	export S2VIEW_SYSFS=$FIXTURES
	unset S2VIEW_HEX
	HOST=$FIXTURES/host/s2
}

# owner bytes from the host ranges, summed here: host = valid and not
# shared-borrowed, or owner=host; borrowed; hyp/ffa/idN; unmapped
owner_bytes() {
	local r s e t k own sum=0
	while read -r r _ _ t _ _ k; do
		s=${r%%-*}; e=${r#*-}
		if [ "$t" != invalid ]; then
			case " $k " in *" state=shared-borrowed "*) own=borrowed ;; *) own=host ;; esac
		else
			case " $k " in
			*" owner="*) own=${k#*owner=}; own=${own%% *}
				case $own in *[!0-9]*) ;; *) own=id$own ;; esac ;;
			*) own=unmapped ;;
			esac
		fi
		[ "$own" = "$1" ] && sum=$((sum + e - s))
	done <"$HOST/ranges"
	echo "$sum"
}

# noted PATTERN ARGS...: every userland runs s2owner.sh ARGS with status 0
# and a note on stderr that matches the glob PATTERN
noted() {
	local p=$1 sh
	shift
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh "$@"
		[ "$status" -eq 0 ]
		[[ "$stderr" == $p ]]
	done
}

@test "-h prints the usage on stdout and exits 0" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh -h
		[ "$status" -eq 0 ]
		[[ "$output" == *"USAGE: s2owner.sh"*"--prom"* ]]
	done
}

@test "without a host stage-2 view it says to boot with kvm-arm.mode=protected and exits 1" {
	S2VIEW_SYSFS=$BATS_TEST_TMPDIR/kvm expect_status 1 '*no host stage-2 view*kvm-arm.mode=protected*root*' s2owner.sh
}

@test "an unknown option is rejected with status 2 and the usage on stderr only" {
	expect_status 2 '*unknown option --map*USAGE:*' s2owner.sh --map
}

@test "by default it reads the host dir under the sysfs root" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh
		[ "$status" -eq 0 ]
		[[ "$output" == "host stage-2: $HOST"* ]]
		[ -z "$stderr" ]
	done
}

@test "owner bytes are the sums of the ranges, and hyp and ffa match the kernel counters" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh --prom
		[ "$status" -eq 0 ]
		for o in host hyp ffa borrowed unmapped; do
			[ "$(metric "s2view_owner_bytes{owner=\"$o\"}")" = "$(owner_bytes "$o")" ]
		done
		[ "$(metric 's2view_owner_bytes{owner="hyp"}')" = "$(cat "$HOST/owner_hyp_bytes")" ]
		[ "$(metric 's2view_owner_bytes{owner="ffa"}')" = "$(cat "$HOST/owner_ffa_bytes")" ]
	done
}

# a host stage-2 with owners a QEMU board without a secure world or
# protected VMs does not have (so not in the fixture): FF-A memory, two
# protected VMs (ids 3 and 10), and a hyp run over levels 3, 2 and 3
more_owners() {
	cat <<'RANGES'
0x0000000000000000-0x0000000040000000 1G 1 invalid --- -
0x0000000040000000-0x0000000040200000 2M 2 block rwx normal af=1 state=owned
0x0000000040200000-0x0000000040204000 16K 3 invalid --- - owner=ffa
0x0000000040204000-0x0000000040300000 1008K 3 invalid --- - owner=3
0x0000000040300000-0x0000000040400000 1M 3 invalid --- - owner=hyp
0x0000000040400000-0x0000000040600000 2M 2 invalid --- - owner=hyp
0x0000000040600000-0x0000000040601000 4K 3 invalid --- - owner=hyp
0x0000000040601000-0x0000000040800000 2044K 3 invalid --- -
0x0000000040800000-0x0000000040a00000 2M 2 invalid --- - owner=hyp
0x0000000040a00000-0x0000000080000000 1014M 2 invalid --- -
0x0000000080000000-0x0000000100000000 2G 1 invalid --- - owner=10
RANGES
}

@test "numeric owners are listed as idN in numeric order, after host, hyp and ffa" {
	more_owners >"$BATS_TEST_TMPDIR/r"
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh "$BATS_TEST_TMPDIR/r"
		[ "$status" -eq 0 ]
		rows=$(printf '%s\n' "$output" | sed -n '/^OWNER/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | xargs)
		echo "rows: $rows"
		[ "$rows" = "host hyp ffa id3 id10 borrowed unmapped" ]
		s2 "$sh" s2owner.sh --prom "$BATS_TEST_TMPDIR/r"
		[ "$(metric 's2view_owner_bytes{owner="id3"}')" = $((1008 << 10)) ]
		[ "$(metric 's2view_owner_bytes{owner="id10"}')" = $((2 << 30)) ]
		[ "$(metric 's2view_owner_bytes{owner="ffa"}')" = $((16 << 10)) ]
	done
}

@test "owner bytes add up to the whole IPA space" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh --prom
		sum=$(printf '%s\n' "$output" | awk '/^s2view_owner_bytes/ { s += $2 } END { printf "%.0f", s }')
		[ "$sum" = "$((1 << $(cat "$HOST/ipa_bits")))" ]
		[ "$(metric s2view_host_ipa_bytes)" = "$sum" ]
	done
}

@test "state bytes match the kernel counters and add up to the mapped bytes" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh --prom
		[ "$(metric 's2view_state_bytes{state="shared-owned"}')" = "$(cat "$HOST/state_shared_owned_bytes")" ]
		[ "$(metric 's2view_state_bytes{state="shared-borrowed"}')" = "$(cat "$HOST/state_shared_borrowed_bytes")" ]
		sum=$(printf '%s\n' "$output" | awk '/^s2view_state_bytes/ { s += $2 } END { printf "%.0f", s }')
		[ "$sum" = "$(cat "$HOST/mapped_bytes")" ]
		[ "$(metric s2view_host_mapped_bytes)" = "$(cat "$HOST/mapped_bytes")" ]
	done
}

@test "the owner table shows each owner's share of the IPA space and of the known memory" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh
		[ "$status" -eq 0 ]
		[[ "$output" == *"OWNER"*"BYTES"*"%IPA"*"%KNOWN"*"RANGES"* ]]
		hyp=$(printf '%s\n' "$output" | awk '$1 == "hyp"')
		n=$(grep -c 'owner=hyp' "$HOST/ranges")
		echo "hyp row: $hyp"
		[ "$(echo "$hyp" | awk '{ print $NF }')" = "$n" ]
		# unmapped is not known memory: no %KNOWN
		[ "$(printf '%s\n' "$output" | awk '$1 == "unmapped" { print $4 }')" = - ]
	done
}

@test "the largest hyp-owned runs merge contiguous hyp ranges of any level, largest first" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh -n 1
		[ "$status" -eq 0 ]
		top=$(printf '%s\n' "$output" | sed -n '/^TOP 1 HYP-OWNED RUNS/,$p' | tail -n +2)
		echo "top: $top"
		[ "$(printf '%s\n' "$top" | wc -l)" -eq 1 ]
		[ "$(echo "$top" | awk '{ print $2 }')" = "$FIX_HOST_HYP_RUN" ]
		s2 "$sh" s2owner.sh -n 0
		[[ "$output" != *"HYP-OWNED"* ]]
	done
	more_owners >"$BATS_TEST_TMPDIR/r"
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh "$BATS_TEST_TMPDIR/r"
		[ "$status" -eq 0 ]
		top=$(printf '%s\n' "$output" | sed -n '/^ALL 2 HYP-OWNED RUNS/,$p' | tail -n +2)
		echo "top: $top"
		[ "$top" = "0x0000000040300000-0x0000000040601000    3.004M (3 ranges)
0x0000000040800000-0x0000000040a00000        2M (1 range)" ]
	done
}

@test "--prom prints HELP and TYPE once per metric and parseable samples" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh --prom
		[ "$status" -eq 0 ]
		[ -z "$(printf '%s\n' "$output" | grep '^# TYPE' | sort | uniq -d)" ]
		printf '%s\n' "$output" | awk '
			/^# TYPE / { if ($3 in seen || $4 != "gauge") exit 1; seen[$3] = 1; fam = $3; next }
			/^# HELP / { next }
			{ name = $1; sub(/\{.*/, "", name); if (name != fam) exit 1
			  if ($0 !~ /^[a-z0-9_]+([{][a-z]+="[^"]*"[}])? [0-9.e+-]+$/) exit 1 }'
	done
}

@test "a saved ranges file, a saved host or host/s2 dir, a saved sysfs root and stdin give the same owners" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh --prom
		a=$output
		s2 "$sh" s2owner.sh --prom "$HOST/ranges"
		[ "$a" = "$output" ]
		s2 "$sh" s2owner.sh --prom "$FIXTURES/host"
		[ "$a" = "$output" ]
		s2 "$sh" s2owner.sh --prom "$FIXTURES"
		[ "$a" = "$output" ]
		s2 "$sh" s2owner.sh --prom - <"$HOST/ranges"
		[ "$status" -eq 0 ]
		[ "$a" = "$output" ]
	done
}

@test "kernel counters that disagree with the ranges are noted on stderr" {
	cp -r "$FIXTURES/host" "$BATS_TEST_TMPDIR/"
	echo 4096 >"$BATS_TEST_TMPDIR/host/s2/owner_hyp_bytes"
	noted '*note: kernel owner_hyp_bytes is 4096*' "$BATS_TEST_TMPDIR/host"
	# one byte more than the ranges have, and no state=mixed block to
	# count it: a state counter is off as well
	local v
	v=$(cat "$HOST/state_shared_owned_bytes")
	cp "$HOST/owner_hyp_bytes" "$BATS_TEST_TMPDIR/host/s2/"
	echo $((v + 1)) >"$BATS_TEST_TMPDIR/host/s2/state_shared_owned_bytes"
	noted "s2owner.sh: host: note: kernel state_shared_owned_bytes is $((v + 1)) but the ranges have $v shared-owned: did it change between the reads?" "$BATS_TEST_TMPDIR/host"
}

# mixed_fixture: the host fixture with its 2M block at 0x40800000 in
# state=mixed (7.3: pages in several states) and PAGES more shared-owned
# bytes in the kernel's counter
mixed_fixture() {
	cp -r "$FIXTURES/host" "$BATS_TEST_TMPDIR/"
	sed -i 's/^\(0x0000000040800000-0x0000000040a00000 2M 2 block rwx normal af=1\) state=owned$/\1 state=mixed/' \
		"$BATS_TEST_TMPDIR/host/s2/ranges"
	grep -q 'state=mixed$' "$BATS_TEST_TMPDIR/host/s2/ranges"
	echo $(($(cat "$HOST/state_shared_owned_bytes") + $1)) \
		>"$BATS_TEST_TMPDIR/host/s2/state_shared_owned_bytes"
}

@test "a state=mixed block is the host's, and the state counters may count its pages" {
	mixed_fixture 4096
	for sh in $S2_SHELLS; do
		s2 "$sh" s2owner.sh --prom "$BATS_TEST_TMPDIR/host"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[ "$(metric 's2view_state_bytes{state="mixed"}')" = 2097152 ]
		[ "$(metric 's2view_owner_bytes{owner="host"}')" = "$(owner_bytes host)" ]
	done
}

@test "state counters beyond the pages of the state=mixed blocks are noted" {
	mixed_fixture $((2097152 + 4096))
	noted '*note: kernel state_shared_owned_bytes is *in state=mixed blocks*' "$BATS_TEST_TMPDIR/host"
}

@test "a guest capture without annotations gets a note that it is not a host stage-2" {
	noted '*no owner= or state= annotations*' "$FIXTURES/$FIX_PAGE_VM/s2/ranges"
}

@test "a truncated host ranges file is rejected with status 2 and the line number" {
	cp -r "$FIXTURES/host" "$BATS_TEST_TMPDIR/"
	n=$(($(wc -l <"$HOST/ranges") - 1))
	head -n "$n" "$HOST/ranges" >"$BATS_TEST_TMPDIR/host/s2/ranges"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/host" "*line $n:*truncated*"
}

@test "a last line without its newline is rejected" {
	printf '%s' "$(cat "$HOST/ranges")" >"$BATS_TEST_TMPDIR/r"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/r" "*line $(($(wc -l <"$HOST/ranges"))):*no newline*"
}

@test "a malformed owner annotation is rejected with the line number" {
	n=$(grep -n 'owner=hyp' "$HOST/ranges" | head -n 1 | cut -d: -f1)
	sed "${n}s/owner=hyp/owner=/" "$HOST/ranges" >"$BATS_TEST_TMPDIR/r"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/r" "*line $n:*key=value*"
	sed "${n}s/owner=hyp/owner=h\"yp/" "$HOST/ranges" >"$BATS_TEST_TMPDIR/r2"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/r2" "*line $n:*bad owner*"
}

@test "malformed lines are rejected: gap, bad size, bad hex, field count" {
	small_ranges | sed '2d' >"$BATS_TEST_TMPDIR/r1"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/r1" "*line 2:*gap*"
	small_ranges | sed '3s/ 1022M / 1021M /' >"$BATS_TEST_TMPDIR/r2"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/r2" "*line 3:*does not match*"
	small_ranges | sed '4s/^0x0000000080000000/0x000000008000000x/' >"$BATS_TEST_TMPDIR/r3"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/r3" "*line 4:*hex*"
	small_ranges | sed '1s/ -$//' >"$BATS_TEST_TMPDIR/r4"
	expect_bad s2owner.sh "$BATS_TEST_TMPDIR/r4" "*line 1:*fields*"
}

@test "a missing file is rejected with status 2" {
	expect_status 2 '*' s2owner.sh "$BATS_TEST_TMPDIR/nope"
}

### the quick way (s2lib.awk): lines whose tail repeats an earlier line's

# long_host DIR: a 32-bit host stage-2 (DIR/s2/ranges and ipa_bits) whose
# lines mostly repeat an earlier line's tail: from 1G, 2M of pages
# alternately owned and shared-owned; 300 hyp pages (a hyp run of 1200K);
# 212 shared-borrowed pages, each with its own sw=; 412 ffa pages; a hyp run
# of 100 pages, two 2M level-2 hyp ranges and 50 pages (4.59M, 152 ranges);
# an id7 page, a hyp page (a run of 4K), 460 id8 pages; then invalid to 4G
long_host() {
	mkdir -p "$1/s2"
	echo 32 >"$1/s2/ipa_bits"
	awk 'function r(s, e, rest) { printf "0x%016x-0x%016x %s\n", s, e, rest }
	function pages(n, rest,    i) {
		for (i = 0; i < n; i++) { r(a, a + 4096, "4K 3 " rest); a += 4096 }
	}
	BEGIN {
		M = 1048576; G = 1024 * M
		r(0, G, "1G 1 block rw- normal af=1 state=owned")
		a = G
		for (i = 0; i < 256; i++) {
			pages(1, "page rw- normal af=1 state=owned")
			pages(1, "page r-- normal af=1 state=shared-owned")
		}
		pages(300, "invalid --- - owner=hyp")
		for (i = 1; i <= 212; i++)
			pages(1, sprintf("page rw- normal af=1 state=shared-borrowed sw=0x%x", i))
		pages(412, "invalid --- - owner=ffa")
		pages(100, "invalid --- - owner=hyp")
		for (i = 0; i < 2; i++) { r(a, a + 2 * M, "2M 2 invalid --- - owner=hyp"); a += 2 * M }
		pages(50, "invalid --- - owner=hyp")
		pages(1, "invalid --- - owner=7")
		pages(1, "invalid --- - owner=hyp")
		pages(460, "invalid --- - owner=8")
		r(a, 2 * G, "1012M 2 invalid --- -")
		r(2 * G, 4 * G, "2G 1 invalid --- -")
	}' >"$1/s2/ranges"
}

@test "the quick way and the full way agree to the byte: every fixture, format case and a long host view" {
	local d=$BATS_TEST_TMPDIR/long/host sh mode root f
	long_host "$d"
	for sh in $S2_SHELLS; do
		for mode in "" --prom "-n 3"; do
			for root in "$FIXTURES" "$FIXTURES/granule-16k" "$FIXTURES/granule-64k"; do
				S2VIEW_SYSFS=$root both_ways s2owner.sh "$sh" $mode
				[ "$status" -eq 0 ]
			done
			both_ways s2owner.sh "$sh" $mode "$d"
			[ "$status" -eq 0 ]
		done
		for f in "$FIXTURES"/format/*.ranges; do
			both_ways s2owner.sh "$sh" -n 3 "$f"
		done
	done
}

@test "hyp runs across levels and owners of a long host view, most lines the quick way, as summed here" {
	local d=$BATS_TEST_TMPDIR/long/host sh own want top
	long_host "$d"
	HOST=$d/s2
	top="TOP 3 HYP-OWNED RUNS (contiguous owner=hyp ranges)
0x000000004059c000-0x0000000040a32000     4.59M (152 ranges)
0x0000000040200000-0x000000004032c000     1.17M (300 ranges)
0x0000000040a33000-0x0000000040a34000        4K (1 range)"
	for own in host hyp ffa id7 id8 borrowed unmapped; do
		want="$want $own=$(owner_bytes "$own")"
	done
	echo "summed here:$want"
	for sh in $S2_SHELLS; do
		S2VIEW_QUICK=count s2 "$sh" s2owner.sh -n 3 "$d"
		[ "$status" -eq 0 ]
		[[ "$output" == *"$top" ]]
		# (the first of the 11 kinds of range, and the hyp pages after
		# the 2M ones: a level between them)
		quick_all_but 12
		s2 "$sh" s2owner.sh --prom "$d"
		[ "$status" -eq 0 ]
		for own in $want; do
			[ "$(metric "s2view_owner_bytes{owner=\"${own%=*}\"}")" = "${own#*=}" ]
		done
		[ "$(metric 's2view_owner_ranges{owner="hyp"}')" = 453 ]
		[ "$(metric 's2view_owner_ranges{owner="host"}')" = 513 ]
		[ "$(metric 's2view_state_bytes{state="shared-owned"}')" = $((256 * 4096)) ]
		[ "$(metric 's2view_state_bytes{state="shared-borrowed"}')" = $((212 * 4096)) ]
	done
}

@test "every userland prints byte-identical output" {
	set -- $S2_SHELLS
	[ $# -ge 2 ] || skip "only one userland in S2_SHELLS"
	for mode in "" --prom; do
		s2 "$1" s2owner.sh $mode
		a=$output
		for sh in "$@"; do
			s2 "$sh" s2owner.sh $mode
			[ "$status" -eq 0 ]
			[ "$a" = "$output" ]
			S2VIEW_HEX=manual s2 "$sh" s2owner.sh $mode
			[ "$a" = "$output" ]
		done
	done
}

@test "s2owner.sh is shellcheck -s sh clean" {
	command -v shellcheck >/dev/null || skip "no shellcheck"
	run shellcheck -s sh "$SCRIPTS/s2owner.sh"
	echo "$output"
	[ "$status" -eq 0 ]
}
