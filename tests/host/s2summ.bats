#!/usr/bin/env bats
#
# s2summ.bats - scripts/s2summ.sh on the fixtures, under every userland of
# scripts-helpers.bash (S2_SHELLS="dash busybox" for some). Run: bats tests/host

load scripts-helpers

setup() {
	export S2VIEW_SYSFS=$FIXTURES
	unset S2VIEW_HEX
}

# each_vm CHECK ARGS...: under every userland ($sh) and for every VM of
# tests/fixtures ($vm), s2summ.sh ARGS... VM exits 0; then the command CHECK
# checks that run (status, output, stderr)
each_vm() {
	local check=$1 sh vm
	shift
	for sh in $S2_SHELLS; do
		for vm in $FIX_VMS; do
			s2 "$sh" s2summ.sh "$@" "$vm"
			[ "$status" -eq 0 ]
			"$check"
		done
	done
}

### options and usage

@test "-h prints the usage on stdout and exits 0" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh -h
		[ "$status" -eq 0 ]
		[[ "$output" == *"USAGE: s2summ.sh"*"--map"*"--prom"*"memslots"*"3 when the memslots"* ]]
		[ -z "$stderr" ]
	done
}

@test "an unknown option is rejected with status 2 and the usage on stderr only" {
	expect_status 2 '*unknown option --bogus*USAGE:*' s2summ.sh --bogus vm1
}

@test "-n without a number, and --map with --prom, are usage errors (status 2)" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh -n x vm1
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		s2 "$sh" s2summ.sh -n
		[ "$status" -eq 2 ]
		s2 "$sh" s2summ.sh --map --prom vm1
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[[ "$stderr" == *"don't go together"* ]]
	done
}

### summaries

@test "with no argument every VM of the sysfs root is summarised, in numeric order" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh
		[ "$status" -eq 0 ]
		got=$(printf '%s\n' "$output" | awk '/^vm[0-9]+[ :]/ { print $1 }' | tr -d ':' | xargs)
		echo "got: $got"
		[ "$got" = "$FIX_VMS" ]
	done
}

# shows_mapped: the summary of $vm shows the kernel's mapped_bytes
shows_mapped() {
	local want
	want=$(cat "$FIXTURES/$vm/s2/mapped_bytes")
	[[ "$output" == *"mapped:"*"($want bytes,"* ]]
}

@test "the mapped bytes shown are the kernel's mapped_bytes, for every VM" {
	each_vm shows_mapped
}

# shows_levels: the level table of $vm's summary has the kernel's entry
# counts, in rows l3 page 4K, l2 block 2M and l1 block 1G
shows_levels() {
	local d=$FIXTURES/$vm/s2 row3 row2 row1
	row3=$(printf '%s\n' "$output" | awk '$1 == "l3" && $2 == "page"')
	row2=$(printf '%s\n' "$output" | awk '$1 == "l2" && $2 == "block"')
	row1=$(printf '%s\n' "$output" | awk '$1 == "l1" && $2 == "block"')
	echo "rows: $row3 / $row2 / $row1"
	[ "$(echo "$row3" | awk '{ print $3, $4 }')" = "4K $(cat "$d/pages_l3")" ]
	[ "$(echo "$row2" | awk '{ print $3, $4 }')" = "2M $(cat "$d/blocks_l2")" ]
	[ "$(echo "$row1" | awk '{ print $3, $4 }')" = "1G $(cat "$d/blocks_l1")" ]
}

@test "the level table has the kernel's entry counts, labelled l3 page 4K, l2 block 2M, l1 block 1G" {
	each_vm shows_levels
}

@test "huge-page coverage is the share of mapped bytes in blocks" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh "$FIX_PAGE_VM"
		[ "$status" -eq 0 ]
		[[ "$output" == *"huge-page coverage: 0.0% of mapped bytes"* ]]
		s2 "$sh" s2summ.sh --prom "$FIX_BLOCK_VM"
		[ "$status" -eq 0 ]
		d=$FIXTURES/$FIX_BLOCK_VM/s2
		ratio=$(metric "s2view_blocks_ratio{vm=\"$FIX_BLOCK_VM\"}")
		want=$(awk -v l2="$(cat "$d/blocks_l2")" -v l1="$(cat "$d/blocks_l1")" \
			-v m="$(cat "$d/mapped_bytes")" 'BEGIN { printf "%.4f", (l2 * 2097152 + l1 * 1073741824) / m }')
		echo "ratio $ratio want $want"
		[ "$(awk -v r="$ratio" 'BEGIN { printf "%.4f", r }')" = "$want" ]
		awk -v r="$ratio" 'BEGIN { exit !(r > 0.5) }'
	done
}

# counts_ranges: the summary of $vm counts the lines of its ranges file,
# and the valid ones as mapped
counts_ranges() {
	local r=$FIXTURES/$vm/s2/ranges n m
	n=$(wc -l <"$r")
	m=$(grep -vc ' invalid ' "$r")
	[[ "$output" == *"ranges:"*" $((n)) ($((m)) mapped,"* ]]
}

@test "ranges and mapped ranges are counted from the ranges file" {
	each_vm counts_ranges
}

# perms_add_up: the perm_bytes gauges of $vm (--prom) add up to the
# kernel's mapped_bytes
perms_add_up() {
	local sum
	sum=$(printf '%s\n' "$output" | awk '/^s2view_perm_bytes/ { s += $2 } END { printf "%.0f", s }')
	[ "$sum" = "$(cat "$FIXTURES/$vm/s2/mapped_bytes")" ]
}

@test "bytes per permission add up to the mapped bytes, and the fragmented VM has rw- and r-- (write-protected by dirty logging)" {
	each_vm perms_add_up --prom
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh "$FIX_FRAG_VM"
		[[ "$output" == *$'\nrw- '* ]]
		[[ "$output" == *$'\nr-- '* ]]
	done
}

@test "the top N list has N ranges, largest first, and -n 0 drops it" {
	r=$FIXTURES/$FIX_FRAG_VM/s2/ranges
	biggest=$(grep -v ' invalid ' "$r" | while read -r _ s _; do echo "$(bytes "$s") $s"; done |
		sort -rn | head -n 1 | cut -d' ' -f2)
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh -n 3 "$FIX_FRAG_VM"
		[ "$status" -eq 0 ]
		top=$(printf '%s\n' "$output" | sed -n '/^TOP 3 MAPPED RANGES$/,$p' | tail -n +2)
		echo "top: $top"
		[ "$(printf '%s\n' "$top" | wc -l)" -eq 3 ]
		[ "$(printf '%s\n' "$top" | head -n 1 | awk '{ print $2 }')" = "$biggest" ]
		s2 "$sh" s2summ.sh -n 0 "$FIX_FRAG_VM"
		[ "$status" -eq 0 ]
		[[ "$output" != *"MAPPED RANGES"* ]]
	done
}

@test "the largest mapped run spans contiguous valid ranges of any attributes" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh --prom "$FIX_FRAG_VM"
		run_bytes=$(metric "s2view_largest_run_bytes{vm=\"$FIX_FRAG_VM\"}")
		# the longest stretch of valid lines, summed here
		want=$(awk '$4 != "invalid" { split($1, a, "-"); if (!open) s = a[1]; e = a[2]; open = 1; next }
			{ if (open) print s, e; open = 0 } END { if (open) print s, e }' \
			"$FIXTURES/$FIX_FRAG_VM/s2/ranges" |
			while read -r s e; do echo $((e - s)); done | sort -rn | head -n 1)
		[ "$run_bytes" = "$want" ]
	done
}

@test "a 52-bit VM (a protected-mode capture) shows its 4P IPA space and its start level" {
	d=$FIXTURES/$FIX_52BIT_VM/s2
	[ "$(cat "$d/ipa_bits")" = 52 ]
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh "$FIX_52BIT_VM"
		[ "$status" -eq 0 ]
		[[ "$output" == *"IPA space:"*" 4P (52 bits, start level $(cat "$d/start_level"), 4K granule)"* ]]
		s2 "$sh" s2summ.sh --prom "$FIX_52BIT_VM"
		[ "$(metric "s2view_ipa_bytes{vm=\"$FIX_52BIT_VM\"}")" = 4503599627370496 ]
	done
}

### inputs

# same_as_lone_ranges: the gauges of $vm (--prom) that the ranges give are
# those of its lone ranges file, run under $sh with status 0
same_as_lone_ranges() {
	local a b
	a=$(printf '%s\n' "$output" | grep -E '^s2view_(mapped_bytes|bytes|entries|ranges|ipa_bytes|perm_bytes)')
	s2 "$sh" s2summ.sh --prom "$FIXTURES/$vm/s2/ranges"
	[ "$status" -eq 0 ]
	b=$(printf '%s\n' "$output" | grep -E '^s2view_(mapped_bytes|bytes|entries|ranges|ipa_bytes|perm_bytes)')
	[ -n "$a" ]
	[ "$a" = "$b" ]
}

@test "a lone ranges file gives the same figures as its VM directory" {
	each_vm same_as_lone_ranges --prom
}

@test "ranges on stdin are summarised under the label stdin" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh - <"$FIXTURES/$FIX_PAGE_VM/s2/ranges"
		[ "$status" -eq 0 ]
		[[ "$output" == "stdin: <stdin>"* ]]
		s2 "$sh" s2summ.sh --prom - <"$FIXTURES/$FIX_PAGE_VM/s2/ranges"
		[ "$(metric 's2view_mapped_bytes{vm="stdin"}')" = "$(cat "$FIXTURES/$FIX_PAGE_VM/s2/mapped_bytes")" ]
	done
}

@test "under toybox, stdin is copied to a temp dir of TMPDIR, gone after a run, a rejection and a kill; without one, cat -v" {
	[[ " $S2_SHELLS " == *" android "* ]] || skip "no android userland in S2_SHELLS"
	local t=$BATS_TEST_TMPDIR/tmp fifo=$BATS_TEST_TMPDIR/fifo r=$FIXTURES/host/s2/ranges
	local d a pid st=0 i seen
	mkdir "$t"
	d=$(userland_dir android)
	TMPDIR=$t s2 android s2summ.sh --prom - <"$r"
	[ "$status" -eq 0 ]
	a=$output
	[ -z "$(ls -A "$t")" ]
	TMPDIR=$t s2 android s2summ.sh - <"$FIXTURES/format/bad-nul.ranges"
	[ "$status" -eq 2 ]
	[ -z "$(ls -A "$t")" ]
	# no temp dir to be had: through cat -v, the same
	TMPDIR=$t/none s2 android s2summ.sh --prom - <"$r"
	[ "$status" -eq 0 ]
	[ "$output" = "$a" ]
	# while stdin is open the copy is in TMPDIR; a TERM (here before the
	# end of stdin) removes it, and the tool dies of the signal
	mkfifo "$fifo"
	TMPDIR=$t PATH=$d "$d/sh" "$SCRIPTS/s2owner.sh" - <"$fifo" >/dev/null 2>&1 3>&- &
	pid=$!
	exec 5>"$fifo"
	head -n 3 "$r" >&5
	for ((i = 0; i < 600; i++)); do # (a minute at most: a loaded machine)
		seen=$(ls -A "$t")
		[ -z "$seen" ] || break
		sleep 0.1
	done
	kill -TERM "$pid"
	exec 5>&-
	wait "$pid" || st=$?
	echo "in TMPDIR while reading: $seen; status $st; left: $(ls -A "$t")"
	[[ "$seen" == s2view.* ]]
	[ "$st" -eq 143 ]
	[ -z "$(ls -A "$t")" ]
}

@test "under toybox, a copy of stdin that fails (a full disk) is said, naming the temp dir, with exit 2" {
	[[ " $S2_SHELLS " == *" android "* ]] || skip "no android userland in S2_SHELLS"
	local t=$BATS_TEST_TMPDIR/tmp r=$FIXTURES/host/s2/ranges d tool
	mkdir "$t"
	d=$(userland_dir android)
	# (a file size limit of 4K: the copy of the 16K ranges fails as on a
	# full disk, with an error, SIGXFSZ being ignored)
	for tool in s2summ.sh s2owner.sh; do
		TMPDIR=$t run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 4; exec "$@"' _ \
			env PATH="$d" "$d/sh" "$SCRIPTS/$tool" - <"$r"
		echo "$tool: status $status, stderr: $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$stderr" = "$tool: <stdin>: cannot read the ranges: their copy in $t failed (disk full? set TMPDIR to a directory with room)" ]
		[ -z "$(ls -A "$t")" ]
	done
}

@test "a directory with no ranges in it is bad input, named, for both tools: status 2, nothing on stdout" {
	local d=$BATS_TEST_TMPDIR/empty sh
	mkdir -p "$d/vmx"
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh "$d"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$stderr" = "s2summ.sh: $d: no ranges, s2/ranges or vmN/s2/ranges in it" ]
		s2 "$sh" s2owner.sh "$d"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$stderr" = "s2owner.sh: $d: no ranges, s2/ranges or host/s2/ranges in it" ]
	done
}

@test "a saved vmN directory and its s2 directory are labelled vmN" {
	cp -r "$FIXTURES/$FIX_PAGE_VM" "$BATS_TEST_TMPDIR/"
	for sh in $S2_SHELLS; do
		for p in "$BATS_TEST_TMPDIR/$FIX_PAGE_VM" "$BATS_TEST_TMPDIR/$FIX_PAGE_VM/s2/"; do
			s2 "$sh" s2summ.sh "$p"
			[ "$status" -eq 0 ]
			[[ "$output" == "$FIX_PAGE_VM (pid $(cat "$FIXTURES/$FIX_PAGE_VM/pid")): "* ]]
		done
	done
}

@test "a saved host directory, its s2 directory and its ranges are labelled host; another directory by the last part of the path" {
	local d=$BATS_TEST_TMPDIR/saved sh p
	mkdir -p "$d"
	cp -r "$FIXTURES/host" "$d/host"
	cp -r "$FIXTURES/host" "$d/other"
	for sh in $S2_SHELLS; do
		for p in host:host host:host/s2 host:host/s2/ranges other:other s2:other/s2 ranges:other/s2/ranges; do
			s2 "$sh" s2summ.sh "$d/${p#*:}"
			echo "$sh ${p#*:}: status $status; ${lines[0]}"
			[ "$status" -eq 0 ]
			[[ "${lines[0]}" == "${p%%:*}: "* ]]
		done
	done
}

@test "an unknown VM is rejected with status 2, naming the running VMs" {
	expect_status 2 "*unknown VM vm999*${FIX_VMS%% *}*" s2summ.sh vm999
}

@test "a missing file is rejected with status 2" {
	expect_status 2 '*nope*' s2summ.sh "$BATS_TEST_TMPDIR/nope"
}

@test "no VM running: a note on stderr, nothing on stdout, status 0" {
	mkdir -p "$BATS_TEST_TMPDIR/kvm"
	S2VIEW_SYSFS=$BATS_TEST_TMPDIR/kvm expect_status 0 '*no VM in*' s2summ.sh
	S2VIEW_SYSFS=$BATS_TEST_TMPDIR/kvm expect_status 0 '*no VM in*' s2summ.sh --prom
}

@test "no sysfs root: status 2 and a hint about the kernel" {
	S2VIEW_SYSFS=$BATS_TEST_TMPDIR/none expect_status 2 '*s2view*' s2summ.sh
}

### bad input: status 2, the line number, nothing on stdout

@test "a truncated ranges file is rejected with status 2 and the line number" {
	mkdir -p "$BATS_TEST_TMPDIR/vm1/s2"
	cp "$FIXTURES/$FIX_PAGE_VM/s2/"* "$BATS_TEST_TMPDIR/vm1/s2/"
	r=$BATS_TEST_TMPDIR/vm1/s2/ranges
	n=$(($(wc -l <"$FIXTURES/$FIX_PAGE_VM/s2/ranges") - 1))
	head -n "$n" "$FIXTURES/$FIX_PAGE_VM/s2/ranges" >"$r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/vm1" "*line $n:*truncated*"
}

@test "a lone ranges file must end at a power of two" {
	small_ranges | head -n 2 >"$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" "*line 2:*not at a power of two*truncated*"
}

@test "a last line without its newline is rejected as truncated" {
	printf '%s' "$(small_ranges)" >"$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" "*line 4:*no newline*"
	printf '%s' "$(cat "$FIXTURES/$FIX_FRAG_VM/s2/ranges")" >"$BATS_TEST_TMPDIR/r2"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r2" "*line $(($(wc -l <"$FIXTURES/$FIX_FRAG_VM/s2/ranges"))):*no newline*"
}

@test "a missing newline is caught even after an unknown key=value field" {
	printf '%s x=y' "$(small_ranges)" >"$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" "*line 4:*no newline*"
	# and in the first of several VMs
	cp -r "$FIXTURES" "$BATS_TEST_TMPDIR/kvm"
	set -- $FIX_VMS
	r=$BATS_TEST_TMPDIR/kvm/$1/s2/ranges
	printf '%s x=y' "$(cat "$FIXTURES/$1/s2/ranges")" >"$r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/kvm" "*$1/s2/ranges: line $(($(wc -l <"$FIXTURES/$1/s2/ranges"))):*no newline*"
}

@test "a line with a wrong field count is rejected with its line number" {
	small_ranges | sed '2s/ normal af=1$//' >"$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" "*line 2:*6 fields*got 5*"
	{ small_ranges | head -n 2; echo; small_ranges | tail -n 2; } >"$BATS_TEST_TMPDIR/r2"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r2" "*line 3:*fields*"
}

@test "bad hex digits are rejected with the line number" {
	small_ranges | sed '3s/^0x0000000040200000/0x00000000402g0000/' >"$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" "*line 3:*bad start-end*"
	small_ranges | sed '3s/^0x0000000040200000/0x040200000/' >"$BATS_TEST_TMPDIR/r2"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r2" "*line 3:*16 hex digits*"
}

@test "a size that is malformed or does not match end - start is rejected" {
	small_ranges | sed '2s/ 2M / 2Q /' >"$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" "*line 2:*bad size*"
	small_ranges | sed '2s/ 2M / 4M /' >"$BATS_TEST_TMPDIR/r2"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r2" "*line 2:*does not match*2M*"
	small_ranges | sed '2s/ 2M / 02M /' >"$BATS_TEST_TMPDIR/r3"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r3" "*line 2:*bad size*"
}

@test "a gap between ranges is rejected with the line number" {
	small_ranges | sed '2d' >"$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" "*line 2:*gap*"
}

@test "overlapping or descending ranges are rejected with the line number" {
	small_ranges | sed '3s/^0x0000000040200000-0x0000000080000000 1022M/0x0000000040100000-0x0000000080000000 1023M/' >"$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" "*line 3:*not ascending*"
	small_ranges | awk 'NR == 2 { l = $0; next } NR == 3 { print; print l; next } 1' >"$BATS_TEST_TMPDIR/r2"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r2" "*line 2:*"
}

@test "ranges not starting at 0 are rejected" {
	small_ranges | tail -n 3 >"$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" "*line 1:*not at 0*"
}

@test "entries that contradict the format are rejected: page off level 3, block at 3, perms on invalid, af=2" {
	small_ranges | sed '2s/ 2 block / 2 page /' >"$BATS_TEST_TMPDIR/r1"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r1" "*line 2:*level-3*"
	small_ranges | sed '2s/ 2 block / 3 block /' >"$BATS_TEST_TMPDIR/r2"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r2" "*line 2:*block*"
	small_ranges | sed '1s/ --- -$/ rw- -/' >"$BATS_TEST_TMPDIR/r3"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r3" "*line 1:*invalid*"
	small_ranges | sed '2s/af=1/af=2/' >"$BATS_TEST_TMPDIR/r4"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r4" "*line 2:*af=2*"
	small_ranges | sed '2s/ rw- / rwz /' >"$BATS_TEST_TMPDIR/r5"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r5" "*line 2:*perms*"
	small_ranges | sed '2s/ 2 block / 4 block /' >"$BATS_TEST_TMPDIR/r6"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r6" "*line 2:*level*"
}

@test "an empty ranges file is rejected with status 2" {
	: >"$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" "*no ranges*"
}

@test "a bad counter file is rejected with status 2, naming the file" {
	cp -r "$FIXTURES/$FIX_PAGE_VM" "$BATS_TEST_TMPDIR/"
	echo 4x2 >"$BATS_TEST_TMPDIR/$FIX_PAGE_VM/s2/ipa_bits"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/$FIX_PAGE_VM" "*ipa_bits*bad value*"
	echo 41 >"$BATS_TEST_TMPDIR/$FIX_PAGE_VM/s2/ipa_bits"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/$FIX_PAGE_VM" "*41-bit*truncated*"
}

@test "one bad VM among several fails the whole run with nothing on stdout" {
	cp -r "$FIXTURES" "$BATS_TEST_TMPDIR/kvm"
	set -- $FIX_VMS
	r=$BATS_TEST_TMPDIR/kvm/$2/s2/ranges
	sed -i '2s/ [0-9]*[BKMGTP] / 3Q /' "$r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/kvm" "*$2/s2/ranges: line 2:*"
}

@test "unknown key=value fields are ignored" {
	small_ranges | sed '2s/$/ color=blue x.y=1/' >"$BATS_TEST_TMPDIR/r"
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh --prom "$BATS_TEST_TMPDIR/r"
		[ "$status" -eq 0 ]
		[ "$(metric 's2view_mapped_bytes{vm="r"}')" = 2097152 ]
	done
}

@test "addresses up to 2^52 are exact, with and without awk's own hex conversion" {
	cat >"$BATS_TEST_TMPDIR/r" <<'EOF'
0x0000000000000000-0x000ffffffffff000 4398046511100K 0 invalid --- -
0x000ffffffffff000-0x0010000000000000 4K 3 page rw- normal af=1
EOF
	for hex in native manual; do
		for sh in $S2_SHELLS; do
			S2VIEW_HEX=$hex s2 "$sh" s2summ.sh --prom "$BATS_TEST_TMPDIR/r"
			[ "$status" -eq 0 ]
			[ "$(metric 's2view_ipa_bytes{vm="r"}')" = 4503599627370496 ]
			[ "$(metric 's2view_mapped_bytes{vm="r"}')" = 4096 ]
			S2VIEW_HEX=$hex s2 "$sh" s2summ.sh "$BATS_TEST_TMPDIR/r"
			[[ "$output" == *"0x000ffffffffff000-0x0010000000000000      4K 3 page"* ]]
		done
	done
	sed -i '2s/-0x0010000000000000 4K/-0x0010000000001000 8K/' "$BATS_TEST_TMPDIR/r"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/r" "*line 2:*beyond 2^52*"
}

@test "digit-by-digit hex conversion gives the same output as awk's own" {
	for sh in $S2_SHELLS; do
		for mode in "" --map --prom; do
			for root in "$FIXTURES" "$FIXTURES/slots"; do
				S2VIEW_SYSFS=$root s2 "$sh" s2summ.sh $mode
				a=$output e=$stderr st=$status
				[ "$st" -ne 2 ]
				S2VIEW_SYSFS=$root S2VIEW_HEX=manual s2 "$sh" s2summ.sh $mode
				[ "$status" = "$st" ]
				[ -n "$a" ]
				[ "$a" = "$output" ]
				[ "$e" = "$stderr" ]
			done
		done
	done
}

### the quick way (s2lib.awk): lines whose tail an earlier line had


# long_vm DIR [top]: a 32-bit VM (ranges, ipa_bits, memslots) with many
# lines of a few tails each, so that most go the quick way: after a 2G hole,
# 200 rounds of five page ranges (lines 2 to 1001: 4K rw-, 4K r--, 8K rw-
# af=0, 4K invalid, 12K r-- device), then 40 rounds of three 2M block
# ranges (rw-, r--, invalid) and a hole up to 4G. Three memslots: the first
# ends inside the 12K range of round 60 (line 306), the second starts ten
# rounds later and ends after 22 block rounds, the third (dirty-logging)
# starts five block rounds later: the ranges between are mapped in no
# memslot. With "top": only the rounds of pages, ending at 4G (a long hole
# before them), and no memslots.
long_vm() {
	mkdir -p "$1/s2"
	echo 32 >"$1/s2/ipa_bits"
	awk -v top="${2:-}" '
	function sz(n) { # n pages, in the largest unit
		return n % 256 ? n * 4 "K" : n % 262144 ? n / 256 "M" : n / 262144 "G"
	}
	function r(n, rest) { # a range of n pages (page numbers: exact in any awk)
		printf "0x0000000%06x000-0x0000000%06x000 %s %s\n", p, p + n, sz(n), rest
		p += n
	}
	BEGIN {
		p = 0
		r(top ? 1048576 - 1600 : 524288, "1 invalid --- -")
		for (i = 0; i < 200; i++) {
			r(1, "3 page rw- normal af=1"); r(1, "3 page r-- normal af=1")
			r(2, "3 page rw- normal af=0"); r(1, "3 invalid --- -")
			r(3, "3 page r-- device af=1")
		}
		if (top)
			exit
		r(448, "3 invalid --- -")
		for (i = 0; i < 40; i++) {
			r(512, "2 block rw- normal af=1"); r(512, "2 block r-- normal af=1")
			r(512, "2 invalid --- -")
		}
		r(1048576 - p, "1 invalid --- -")
	}' >"$1/s2/ranges"
	rm -f "$1/memslots"
	[ -z "${2:-}" ] || return 0
	cat >"$1/memslots" <<'EOF'
0x0000000080000000-0x00000000801e6000 1944K slot=0 as=0 hva=0x0000ffff80000000 flags=-
0x0000000080230000-0x0000000088c00000 141120K slot=1 as=0 hva=0x0000ffff90001000 flags=-
0x000000008aa00000-0x000000008f800000 78M slot=2 as=0 hva=0x0000fffe00000000 flags=dirty-log
EOF
}

@test "the quick way and the full way agree to the byte: every fixture, format case and a long VM" {
	local d=$BATS_TEST_TMPDIR/long/vm1 f root mode
	long_vm "$d"
	for sh in $S2_SHELLS; do
		for mode in "" --map --prom "-n 30"; do
			for root in "$FIXTURES" "$FIXTURES/slots" "$FIXTURES/numbers"; do
				S2VIEW_SYSFS=$root same_both_ways "$sh" $mode
				[ "$status" -ne 2 ]
			done
			same_both_ways "$sh" $mode "$d"
			[ "$status" -eq 3 ]
			same_both_ways "$sh" $mode "$d/s2/ranges"
			[ "$status" -eq 0 ]
		done
		for f in "$FIXTURES"/format/*.ranges; do
			same_both_ways "$sh" -n 3 "$f"
		done
		# the first of the longest runs of valid ranges: two 2M blocks
		s2 "$sh" s2summ.sh "$d/s2/ranges"
		[[ "$output" == *"largest mapped run: 4M at 0x0000000080800000-0x0000000080c00000 (2 ranges)"* ]]
	done
}

# ends_beyond DROP N LINE...: the VM $d (long_vm top) with its last DROP
# ranges replaced by the LINEs, the last of which ends past 2^32: every
# userland rejects it the same both ways, at line N ($r: a scratch file)
ends_beyond() {
	local drop=$1 n=$2 sh
	shift 2
	long_vm "$d" top
	awk -v drop="$drop" '{ l[NR] = $0 } END { for (i = 1; i <= NR - drop; i++) print l[i] }' \
		"$d/s2/ranges" >"$r"
	printf '%s\n' "$@" >>"$r"
	mv "$r" "$d/s2/ranges"
	for sh in $S2_SHELLS; do
		same_both_ways "$sh" "$d"
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"ranges: line $n: end 0x0000000100001000 is beyond the 32-bit IPA space"* ]]
	done
}

@test "a bad line after many that went the quick way is rejected as the full way rejects it" {
	local d=$BATS_TEST_TMPDIR/vm1 r=$BATS_TEST_TMPDIR/r L=302 sh
	long_vm "$d"
	# line 302: 0x00000000801e0000-0x00000000801e1000 4K 3 page rw- normal af=1
	while IFS='|' read -r what line edit words; do
		awk -v L="$L" "$edit" "$d/s2/ranges" >"$r"
		for sh in $S2_SHELLS; do
			same_both_ways "$sh" "$r"
			echo "$what: $stderr"
			[ "$status" -eq 2 ]
			[[ "$stderr" == "s2summ.sh: $r: line $line: $words"* ]]
		done
	done <<'EOF'
a bad hex digit|302|NR == L { $0 = substr($0, 1, 36) "g" substr($0, 38) } 1|bad start-end "0x00000000801e0000-0x00000000801e100g"
0X|302|NR == L { sub(/-0x/, "-0X") } 1|bad start-end
a size the span does not have|302|NR == L { sub(/ 4K /, " 8K ") } 1|size 8K does not match end - start = 4K
a gap|302|NR != L|gap: range starts at 0x00000000801e1000 but the previous one ended at 0x00000000801e0000
an overlap|303|NR == L { print } 1|range starts at 0x00000000801e0000, before the end
a carriage return|302|NR == L { $0 = $0 "\r" } 1|it ends in a carriage return
a page at level 2|302|NR == L { sub(/ 3 page/, " 2 page") } 1|a page is a level-3 entry, not level 2
bad perms|302|NR == L { sub(/rw-/, "rwz") } 1|bad perms "rwz"
af=2|302|NR == L { sub(/af=1/, "af=2") } 1|bad af=2
a page off its granule|303|NR == L { s = substr($0, 3, 13); print "0x" s "000-0x" s "800 2K 3 invalid --- -"; $0 = "0x" s "800-" substr($0, 20, 18) " 2K 3 page rw- normal af=1" } 1|a level-3 page range must start and end on a multiple of its entry size (4K or more)
a page of a known tail off its granule|303|NR == L { print "0x00000000801e0000-0x00000000801e0800 2K 3 invalid --- -"; $0 = "0x00000000801e0800-0x00000000801e1800 4K 3 page rw- normal af=1" } 1|a level-3 page range must start and end on a multiple of its entry size (4K or more)
EOF
	# a range that goes the quick way beyond the IPA space (ipa_bits 32)
	ends_beyond 1 1002 \
		"0x00000000ffffd000-0x00000000fffff000 8K 3 page rw- normal af=0" \
		"0x00000000fffff000-0x0000000100001000 8K 3 page rw- normal af=0"
	# and one that goes to account() the quick way: valid after invalid
	ends_beyond 2 1003 \
		"0x00000000ffffc000-0x00000000ffffd000 4K 3 invalid --- -" \
		"0x00000000ffffd000-0x00000000ffffe000 4K 3 page rw- normal af=1" \
		"0x00000000ffffe000-0x00000000fffff000 4K 3 invalid --- -" \
		"0x00000000fffff000-0x0000000100001000 8K 3 page rw- normal af=0"
}

@test "a block right after a run of pages, its tail seen before, counts as a block in its memslot both ways" {
	local d=$BATS_TEST_TMPDIR/mixed/vm1 sh mode
	mkdir -p "$d/s2"
	echo 32 >"$d/s2/ipa_bits"
	# from 2G: a 2M block, 512 4K pages, a 2M block (whose tail the first
	# one had), then nothing up to 4G; one memslot over the three
	awk 'function r(s, e, rest) { printf "0x%016x-0x%016x %s\n", s, e, rest }
	BEGIN {
		M = 1048576; a = 2048 * M
		r(0, a, "2G 1 invalid --- -")
		r(a, a + 2 * M, "2M 2 block rw- normal af=1")
		for (i = 0; i < 512; i++)
			r(a + 2 * M + i * 4096, a + 2 * M + (i + 1) * 4096, "4K 3 page rw- normal af=1")
		r(a + 4 * M, a + 6 * M, "2M 2 block rw- normal af=1")
		r(a + 6 * M, a + 1024 * M, "1018M 2 invalid --- -")
		r(a + 1024 * M, 4096 * M, "1G 1 invalid --- -")
	}' >"$d/s2/ranges"
	echo "0x0000000080000000-0x0000000080800000 8M slot=0 as=0 hva=0x0000ffff80000000 flags=-" >"$d/memslots"
	for sh in $S2_SHELLS; do
		for mode in "" --prom; do
			same_both_ways "$sh" $mode "$d"
			[ "$status" -eq 0 ]
		done
		# two blocks (4M) and 2M of pages in the slot, the quick way too
		[[ "$output" == *'s2view_slot_bytes{vm="vm1",slot="0",kind="blocks"} 4194304'* ]]
	done
}

@test "the quick way takes every range but the first of each kind (and of each memslot): pages alike, each its own sw=, pages and holes, blocks" {
	local d=$BATS_TEST_TMPDIR/quick/vm1 sh kind k hex
	mkdir -p "$d/s2"
	echo 32 >"$d/s2/ipa_bits"
	# from 2G: 1024 4K pages of KIND, then 128 2M blocks rw- and r-- in
	# turn, nothing up to 4G; with memslots: two of 6M over the pages, the
	# second from the 6th page on
	while read -r kind k; do
		awk -v kind="$kind" 'function r(s, e, rest) { printf "0x%016x-0x%016x %s\n", s, e, rest }
		BEGIN {
			M = 1048576; a = 2048 * M
			r(0, a, "2G 1 invalid --- -")
			for (i = 0; i < 1024; i++) {
				t = "4K 3 page " (i % 2 ? "r--" : "rw-") " normal af=1"
				if (kind == "sw")
					t = t sprintf(" sw=0x%x", i + 1)
				if (kind == "holes" && i % 2)
					t = "4K 3 invalid --- -"
				r(a + i * 4096, a + (i + 1) * 4096, t)
			}
			r(a + 4 * M, a + 6 * M, "2M 2 invalid --- -")
			for (i = 0; i < 128; i++)
				r(a + (i + 3) * 2 * M, a + (i + 4) * 2 * M, "2M 2 block " (i % 2 ? "r--" : "rw-") " normal af=1")
			r(a + 262 * M, a + 1024 * M, "762M 2 invalid --- -")
			r(a + 1024 * M, 4096 * M, "1G 1 invalid --- -")
		}' >"$d/s2/ranges"
		rm -f "$d/memslots"
		[ "$kind" != memslots ] ||
			printf '%s\n' "0x0000000080000000-0x0000000080005000 20K slot=0 as=0 hva=0x0000ffff80000000 flags=-" \
				"0x0000000080005000-0x0000000090600000 268268K slot=1 as=0 hva=0x0000ffff90005000 flags=-" >"$d/memslots"
		for sh in $S2_SHELLS; do
			for hex in "" manual; do # (awk's own hex conversion, and not)
				S2VIEW_HEX=$hex S2VIEW_QUICK=count s2 "$sh" s2summ.sh -n 0 "$d"
				echo "$kind, hex $hex: status $status"
				[ "$status" -eq 0 ]
				quick_all_but "$k"
			done
			[ "$kind" = alike ] || continue
			# with a top 5: the first five pages fill it, then the first
			# five blocks, the full way, and the next of the other perms
			# after them; each later one ties with the fifth largest and
			# goes the quick way: 6 pages, 6 blocks and the 4 holes
			S2VIEW_QUICK=count s2 "$sh" s2summ.sh -n 5 "$d"
			[ "$status" -eq 0 ]
			quick_all_but 16
		done
	done <<'EOF2'
alike 8
sw 8
holes 8
memslots 9
EOF2
}

@test "the quick way takes a range of the other kind that ends exactly at the end of the IPA space" {
	local d=$BATS_TEST_TMPDIR/flip/vm1 sh
	# a page, a hole, a page, a hole: the last two each the other kind of
	# the one before, the last one ending at 16K, the end of the space
	printf '%s\n' '0x0000000000000000-0x0000000000001000 4K 3 page rw- normal af=1' \
		'0x0000000000001000-0x0000000000002000 4K 3 invalid --- -' \
		'0x0000000000002000-0x0000000000003000 4K 3 page rw- normal af=1' \
		'0x0000000000003000-0x0000000000004000 4K 3 invalid --- -' | vm_of "$d" 14
	for sh in $S2_SHELLS; do
		S2VIEW_QUICK=count s2 "$sh" s2summ.sh -n 0 "$d"
		[ "$status" -eq 0 ]
		quick_all_but 2
		# (and the count is exact: the two)
		[ "$stderr" = "s2summ.sh: vm1: note: 2 of 4 ranges went the quick way" ]
	done
}

@test "not accessed is shown whenever ranges have af=, also when none was accessed, each the first of its kind" {
	local d=$BATS_TEST_TMPDIR/idle/vm1 sh
	# from 2G: three pages and a 2M block, all af=0, no two alike (each
	# goes the full way), then nothing up to 4G
	printf '%s\n' \
		"0x0000000000000000-0x0000000080000000 2G 1 invalid --- -" \
		"0x0000000080000000-0x0000000080001000 4K 3 page rw- normal af=0" \
		"0x0000000080001000-0x0000000080002000 4K 3 page r-- normal af=0" \
		"0x0000000080002000-0x0000000080003000 4K 3 page rwx normal af=0" \
		"0x0000000080003000-0x0000000080200000 2036K 3 invalid --- -" \
		"0x0000000080200000-0x0000000080400000 2M 2 block rw- normal af=0" \
		"0x0000000080400000-0x00000000c0000000 1020M 2 invalid --- -" \
		"0x00000000c0000000-0x0000000100000000 1G 1 invalid --- -" | vm_of "$d" 32
	for sh in $S2_SHELLS; do
		same_both_ways "$sh" "$d"
		[ "$status" -eq 0 ]
		[[ "$output" == *$'\nnot accessed:       2.01M (af=0)\n'* ]]
	done
}

@test "no not-accessed line without af= fields, also when lines without it go the quick way" {
	local d=$BATS_TEST_TMPDIR/noaf/vm1 sh
	# from 2G: four pages alike and without af= (three go the quick way)
	printf '%s\n' \
		"0x0000000000000000-0x0000000080000000 2G 1 invalid --- -" \
		"0x0000000080000000-0x0000000080001000 4K 3 page rw- normal" \
		"0x0000000080001000-0x0000000080002000 4K 3 page rw- normal" \
		"0x0000000080002000-0x0000000080003000 4K 3 page rw- normal" \
		"0x0000000080003000-0x0000000080004000 4K 3 page rw- normal" \
		"0x0000000080004000-0x0000000080200000 2032K 3 invalid --- -" \
		"0x0000000080200000-0x00000000c0000000 1022M 2 invalid --- -" \
		"0x00000000c0000000-0x0000000100000000 1G 1 invalid --- -" | vm_of "$d" 32
	for sh in $S2_SHELLS; do
		S2VIEW_QUICK=count s2 "$sh" s2summ.sh -n 0 "$d"
		[ "$status" -eq 0 ]
		quick_all_but 5
		[[ "$output" != *"not accessed"* ]]
	done
}

@test "lines the quick way would take give the full way's figures when edited: blanks, upper case, another class, a larger range" {
	local d=$BATS_TEST_TMPDIR/vm1 r=$BATS_TEST_TMPDIR/r L=302 sh mode last
	long_vm "$d"
	while IFS='|' read -r what edit; do
		last=$edit
		awk -v L="$L" "$edit" "$d/s2/ranges" >"$r"
		for sh in $S2_SHELLS; do
			for mode in "" --map "-n 3"; do
				same_both_ways "$sh" $mode "$r"
				echo "$what"
				[ "$status" -eq 0 ]
			done
		done
	done <<'EOF'
a tab after the start-end field|NR == L { sub(/ /, "\t") } 1
a blank at the end|NR == L { $0 = $0 " " } 1
a blank at the start|NR == L { $0 = " " $0 } 1
upper-case hex (ending here, starting on the next line)|NR == L || NR == L + 1 { $0 = substr($0, 1, 21) toupper(substr($0, 22, 16)) substr($0, 38) } NR == L + 1 { $0 = substr($0, 1, 2) toupper(substr($0, 3, 16)) substr($0, 19) } 1
an invalid entry where a page was|NR == L { sub(/ 3 page rw- normal af=1/, " 3 invalid --- -") } 1
one 32K range instead of a round of five|NR == L { s = substr($0, 1, 19); next } NR > L && NR < L + 4 { next } NR == L + 4 { $0 = s substr($0, 20, 18) " 32K 3 page rw- normal af=1" } 1
EOF
	# with pages only (no 2M block), the largest range is the 32K one
	long_vm "$d" top
	awk -v L="$L" "$last" "$d/s2/ranges" >"$r"
	for sh in $S2_SHELLS; do
		same_both_ways "$sh" -n 1 "$r"
		[[ "$output" == *"largest mapped run: 60K at 0x00000000ffb9d000-0x00000000ffbac000 (5 ranges)"* ]]
		[[ "$output" == *"TOP 1 MAPPED RANGES"$'\n'"0x00000000ffba0000-0x00000000ffba8000     32K 3 page  rw- normal    af=1" ]]
	done
}

@test "every userland prints byte-identical output" {
	set -- $S2_SHELLS
	[ $# -ge 2 ] || skip "only one userland in S2_SHELLS"
	for mode in "" --map --prom; do
		for root in "$FIXTURES" "$FIXTURES/slots"; do
			S2VIEW_SYSFS=$root s2 "$1" s2summ.sh $mode
			a=$output e=$stderr st=$status
			for sh in "$@"; do
				S2VIEW_SYSFS=$root s2 "$sh" s2summ.sh $mode
				[ "$status" = "$st" ]
				[ "$a" = "$output" ]
				[ "$e" = "$stderr" ]
			done
		done
	done
}

### --map

# map_shape: the map of $vm (--map) has its title, its legend, and at
# most 16 rows of at most 64 slots of B, P, M or .
map_shape() {
	local rows
	[[ "$output" == "$vm: map of 0x"*"the mapped part of the"* ]]
	[[ "$output" == *"slot "*"per row:"*"B all-block"*"P all-page"*"M mixed"*". empty"* ]]
	rows=$(printf '%s\n' "$output" | grep -E '^0x[0-9a-f]{16} ')
	[ "$(printf '%s\n' "$rows" | wc -l)" -le 16 ]
	printf '%s\n' "$rows" | awk '{ if (length($2) > 64 || $2 !~ /^[BPM.]+$/) exit 1 }'
}

@test "--map draws at most 16 rows of 64 slots, with the slot size and a legend" {
	each_vm map_shape --map
}

# map_marks: in the map of $vm (--map) the first slot of every valid range
# is not "."; and some slot (one with no valid range in it) is "."
map_marks() {
	local slot first map r t s e k
	slot=$(bytes "$(printf '%s\n' "$output" | sed -n 's/^slot \([0-9]*[BKMGTP]\),.*/\1/p')")
	first=$(printf '%s\n' "$output" | grep -E '^0x[0-9a-f]{16} ' | head -n 1 | cut -d' ' -f1)
	map=$(printf '%s\n' "$output" | grep -E '^0x[0-9a-f]{16} ' | cut -d' ' -f2 | tr -d '\n')
	while read -r r _ _ t _; do
		s=$((${r%%-*})); e=$((${r#*-}))
		[ "$t" = invalid ] && continue
		k=$(((s - first) / slot))
		echo "range $r slot $k: ${map:k:1}"
		[ "${map:k:1}" != . ]
	done <"$FIXTURES/$vm/s2/ranges"
	[[ "$map" == *.* ]]
}

@test "--map marks the slots of mapped ranges and leaves empty slots as dots" {
	each_vm map_marks --map
}

@test "--map shows blocks as B for the THP VM and pages as P for the page-only VM" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh --map "$FIX_BLOCK_VM"
		# (in the rows: the legend always has a B)
		map=$(printf '%s\n' "$output" | grep -E '^0x[0-9a-f]{16} ' | cut -d' ' -f2 | tr -d '\n')
		[[ "$map" == *B* ]]
		s2 "$sh" s2summ.sh --map "$FIX_PAGE_VM"
		map=$(printf '%s\n' "$output" | grep -E '^0x[0-9a-f]{16} ' | cut -d' ' -f2 | tr -d '\n')
		[[ "$map" == *P* ]]
		[[ "$map" != *B* ]]
	done
}

@test "--map shows a slot only partly covered by a block as M, and sizes slots so the map fits 1024" {
	cat >"$BATS_TEST_TMPDIR/r" <<'EOF'
0x0000000000000000-0x0000000040000000 1G 1 invalid --- -
0x0000000040000000-0x0000000040200000 2M 2 block rw- normal af=1
0x0000000040200000-0x0000000080000000 1022M 2 invalid --- -
0x0000000080000000-0x0000000140000000 3G 1 invalid --- -
0x0000000140000000-0x0000000140001000 4K 3 page rw- normal af=1
0x0000000140001000-0x0000000140200000 2044K 3 invalid --- -
0x0000000140200000-0x0000000180000000 1022M 2 invalid --- -
0x0000000180000000-0x0000000200000000 2G 1 invalid --- -
EOF
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh --map "$BATS_TEST_TMPDIR/r"
		[ "$status" -eq 0 ]
		[[ "$output" == *"map of 0x0000000040000000-0x0000000140800000,"* ]]
		[[ "$output" == *$'\nslot 8M, 512M per row:'* ]]
		map=$(printf '%s\n' "$output" | grep -E '^0x[0-9a-f]{16} ' | cut -d' ' -f2 | tr -d '\n')
		echo "map: $map"
		[ "${#map}" -eq 513 ]
		[ "${map:0:1}" = M ]
		[ "${map:512:1}" = M ]
		[ "$(printf '%s' "$map" | tr -d .)" = MM ]
	done
}

### --prom

@test "--prom prints each HELP and TYPE once, before its samples, for several VMs" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh --prom
		[ "$status" -eq 0 ]
		dups=$(printf '%s\n' "$output" | grep -E '^# (HELP|TYPE) ' | awk '{ print $2, $3 }' | sort | uniq -d)
		[ -z "$dups" ]
		# every sample follows its family's TYPE line, families not split
		printf '%s\n' "$output" | awk '
			/^# TYPE / { if ($3 in seen) exit 1; seen[$3] = 1; fam = $3; next }
			/^# HELP / { next }
			{ name = $1; sub(/\{.*/, "", name); if (name != fam) exit 1
			  if ($0 !~ /^[a-z0-9_]+[{][a-z]+="[^"]*"(,[a-z]+="[^"]*")*[}] [0-9.e+-]+$/) exit 1 }'
		for vm in $FIX_VMS; do
			metric "s2view_mapped_bytes{vm=\"$vm\"}"
		done
	done
}

@test "--prom gauges match the kernel counters" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh --prom
		[ "$status" -eq 0 ]
		for vm in $FIX_VMS; do
			d=$FIXTURES/$vm/s2
			[ "$(metric "s2view_mapped_bytes{vm=\"$vm\"}")" = "$(cat "$d/mapped_bytes")" ]
			[ "$(metric "s2view_ipa_bytes{vm=\"$vm\"}")" = "$((1 << $(cat "$d/ipa_bits")))" ]
			[ "$(metric "s2view_entries{vm=\"$vm\",level=\"3\",type=\"page\"}")" = "$(cat "$d/pages_l3")" ]
			[ "$(metric "s2view_entries{vm=\"$vm\",level=\"2\",type=\"block\"}")" = "$(cat "$d/blocks_l2")" ]
			[ "$(metric "s2view_bytes{vm=\"$vm\",level=\"2\",type=\"block\"}")" = "$(($(cat "$d/blocks_l2") << 21))" ]
			[ "$(metric "s2view_table_pages{vm=\"$vm\"}")" = "$(cat "$d/table_pages")" ]
			[ "$(metric "s2view_ranges{vm=\"$vm\"}")" = "$(($(wc -l <"$d/ranges")))" ]
			[ "$(metric "s2view_mapped_ranges{vm=\"$vm\"}")" = "$(grep -vc ' invalid ' "$d/ranges")" ]
		done
	done
}

@test "the fixtures are consistent: counters match the ranges (no note on stderr)" {
	for vm in $FIX_VMS; do
		[ "$(valid_bytes "$FIXTURES/$vm/s2/ranges")" = "$(cat "$FIXTURES/$vm/s2/mapped_bytes")" ]
	done
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
	done
}

@test "counters that disagree with the ranges are noted on stderr" {
	cp -r "$FIXTURES/$FIX_PAGE_VM" "$BATS_TEST_TMPDIR/"
	echo 4096 >"$BATS_TEST_TMPDIR/$FIX_PAGE_VM/s2/mapped_bytes"
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh "$BATS_TEST_TMPDIR/$FIX_PAGE_VM"
		[ "$status" -eq 0 ]
		[[ "$output" == *"mapped:"*"(4096 bytes"* ]]
		[[ "$stderr" == *"note: kernel mapped_bytes 4096"* ]]
	done
}

### memslots: per slot, and why pages

SLOTS=$FIXTURES/slots

# the granule of a VM of tests/fixtures/slots (tests/host/fixtures.bash)
granule_of() {
	if [ "$1" = "$FIX_16K_VM" ]; then echo 16384; else echo 4096; fi
}

# data_pages VM: the bytes of the level-3 pages in the data slot of VM (of
# tests/fixtures/slots), summed here; fails if there are none
data_pages() {
	local b
	b=$(slot_bytes "$SLOTS/$1" "$FIX_DATA_SLOT" 3) || return 1
	[ "$b" -gt 0 ] || { echo "no pages in the data slot of $1" >&2; return 1; }
	echo "$b"
}

# data_size VM: the size in bytes of the data slot of VM (of
# tests/fixtures/slots), from its memslots line
data_size() {
	bytes "$(awk -v s="slot=$FIX_DATA_SLOT" '$3 == s { print $2 }' "$SLOTS/$1/memslots")"
}

# slot_causes SH VM CAUSE=BYTES... [blocks=N]: under userland SH,
# s2summ.sh --prom VM (of tests/fixtures/slots) exits 0 with the page bytes
# of VM in the causes given, as want() adds them up, plus the control
# slot's pages under $FIX_CONTROL_CAUSE, and none else; then, with
# blocks=N, N bytes of the data slot in blocks. Leaves status, output and
# stderr
slot_causes() {
	local sh=$1 vm=$2 blocks=
	shift 2
	if [[ "${*: -1}" == blocks=* ]]; then
		blocks=${*: -1} blocks=${blocks#blocks=}
		set -- "${@:1:$#-1}"
	fi
	S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh --prom "$vm"
	[ "$status" -eq 0 ]
	[ "$(causes "$vm")" = "$(want "$@" \
		"$FIX_CONTROL_CAUSE=$(slot_bytes "$SLOTS/$vm" "$FIX_CONTROL_SLOT" 3)")" ]
	[ -z "$blocks" ] ||
		[ "$(metric "s2view_slot_bytes{vm=\"$vm\",slot=\"$FIX_DATA_SLOT\",kind=\"blocks\"}")" = "$blocks" ]
}

@test "each memslot's size, mapped bytes and bytes in blocks are those of the ranges inside it, summed here" {
	for sh in $S2_SHELLS; do
		for vm in $FIX_SLOT_VMS; do
			d=$SLOTS/$vm
			S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh --prom "$vm"
			while read -r r size slot _; do
				id=${slot#slot=}
				l="vm=\"$vm\",slot=\"$id\""
				mapped=$(slot_bytes "$d" "$id")
				blocks=$(($(slot_bytes "$d" "$id" 2) + $(slot_bytes "$d" "$id" 1)))
				echo "$vm slot $id: $size, mapped $mapped, blocks $blocks"
				[ "$(metric "s2view_slot_bytes{$l,kind=\"size\"}")" = "$(bytes "$size")" ]
				[ "$(metric "s2view_slot_bytes{$l,kind=\"mapped\"}")" = "$mapped" ]
				[ "$(metric "s2view_slot_bytes{$l,kind=\"blocks\"}")" = "$blocks" ]
			done <"$d/memslots"
		done
	done
}

@test "the slot table shows each slot's range, size, mapped bytes and share, blocks and share, and flags" {
	d=$SLOTS/$FIX_EDGE_VM
	size=$(awk -v s="slot=$FIX_DATA_SLOT" '$3 == s { print $2 }' "$d/memslots")
	range=$(awk -v s="slot=$FIX_DATA_SLOT" '$3 == s { print $1 }' "$d/memslots")
	mapped=$(slot_bytes "$d" "$FIX_DATA_SLOT")
	blocks=$(slot_bytes "$d" "$FIX_DATA_SLOT" 2)
	want=$(awk -v id="$FIX_DATA_SLOT" -v r="$range" -v s="$size" -v m="$mapped" -v b="$blocks" -v sz="$(bytes "$size")" \
		'BEGIN { printf "%-5s %-37s %8s %8s %5.1f%% %8s %6.1f%%  -\n", id, r, s, m / 1048576 "M", 100 * m / sz, b / 1048576 "M", 100 * b / m }')
	for sh in $S2_SHELLS; do
		S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh "$FIX_EDGE_VM"
		[ "$status" -eq 0 ]
		[[ "$output" == *$'\nSLOT  GUEST RANGE                               SIZE   MAPPED  %SLOT   BLOCKS %MAPPED  FLAGS\n'* ]]
		echo "want: $want"
		[[ "$output" == *$'\n'"$want"$'\n'* ]]
	done
}

@test "pages are split by the first cause of their window, as worked out here page by page, on every VM with memslots" {
	for sh in $S2_SHELLS; do
		for vm in $FIX_SLOT_VMS; do
			g=$(granule_of "$vm")
			S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh --prom "$vm"
			here=$(why_here "$SLOTS/$vm" "$g")
			echo "$vm: tool $(causes "$vm"); here $here"
			[ "$(causes "$vm") outside $(metric "s2view_outside_slot_bytes{vm=\"$vm\"}")" = \
				"${here% outside *} outside $(($(echo "${here##* }") + $(why_here "$SLOTS/$vm" "$g" 2 | awk '{ print $NF }')))" ]
			if [ "$g" = 4096 ]; then
				here=$(why_here "$SLOTS/$vm" "$g" 2)
				[ "$(causes "$vm" s2view_l2_block_bytes_by_cause)" = "${here% outside *}" ]
			fi
		done
	done
}

@test "a dirty-logging slot puts all its pages under dirty-log, its host address aligned or not" {
	d=$SLOTS/$FIX_DIRTY_VM
	grep -q "slot=$FIX_DATA_SLOT as=0 .* flags=dirty-log" "$d/memslots"
	pages=$(data_pages "$FIX_DIRTY_VM")
	for sh in $S2_SHELLS; do
		slot_causes "$sh" "$FIX_DIRTY_VM" dirty-log="$pages"
	done
}

@test "a slot whose host address is one page off 2M alignment has every page misaligned and no block" {
	d=$SLOTS/$FIX_MISALIGNED_VM
	hva=$(awk -v s="slot=$FIX_DATA_SLOT" '$3 == s { sub(/hva=/, "", $5); print $5 }' "$d/memslots")
	start=$(awk -v s="slot=$FIX_DATA_SLOT" '$3 == s { sub(/-.*/, "", $1); print $1 }' "$d/memslots")
	[ $(((hva - start) % (2 << 20))) = 4096 ]
	pages=$(data_pages "$FIX_MISALIGNED_VM")
	for sh in $S2_SHELLS; do
		slot_causes "$sh" "$FIX_MISALIGNED_VM" misaligned="$pages" blocks=0
	done
}

@test "a slot whose size is not a multiple of 2M has its tail in pages, as slot-edge, and the rest in blocks" {
	size=$(data_size "$FIX_EDGE_VM")
	tail=$((size % (2 << 20)))
	[ "$tail" -gt 0 ]
	# the row adds the control slot's pages when they are slot-edge too
	edge=$tail
	[ "$FIX_CONTROL_CAUSE" != slot-edge ] ||
		edge=$((tail + $(slot_bytes "$SLOTS/$FIX_EDGE_VM" "$FIX_CONTROL_SLOT" 3)))
	edge=$(awk -v b="$edge" 'BEGIN { printf (b % 1048576 ? "%.2fM" : "%dM"), b / 1048576 }')
	for sh in $S2_SHELLS; do
		slot_causes "$sh" "$FIX_EDGE_VM" slot-edge="$tail" blocks=$((size - tail))
		S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh "$FIX_EDGE_VM"
		[[ "$output" == *$'\nslot-edge  '*" $edge "*"  the 2M window is not all inside the slot"$'\n'* ]]
	done
}

@test "pages of plain 4K host memory in a well-placed slot are host-pages" {
	pages=$(data_pages "$FIX_HOSTPAGES_VM")
	for sh in $S2_SHELLS; do
		slot_causes "$sh" "$FIX_HOSTPAGES_VM" host-pages="$pages"
	done
}

@test "a well-aligned THP slot is all blocks: no page bytes in it, its 2M blocks in their own table" {
	size=$(data_size "$FIX_THP_VM")
	ctl=$(slot_bytes "$SLOTS/$FIX_THP_VM" "$FIX_CONTROL_SLOT" 3)
	for sh in $S2_SHELLS; do
		S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh --prom "$FIX_THP_VM"
		[ "$status" -eq 0 ]
		l="vm=\"$FIX_THP_VM\",slot=\"$FIX_DATA_SLOT\""
		[ "$(metric "s2view_slot_bytes{$l,kind=\"mapped\"}")" = "$size" ]
		[ "$(metric "s2view_slot_bytes{$l,kind=\"blocks\"}")" = "$size" ]
		# the only page bytes are the control slot's
		[ "$(causes "$FIX_THP_VM")" = "$(want "$FIX_CONTROL_CAUSE=$ctl")" ]
		# the blocks are counted against 1G windows, not as pages
		[ "$(causes "$FIX_THP_VM" s2view_l2_block_bytes_by_cause | awk '{ print $2 + $4 + $6 + $8 }')" = "$size" ]
	done
}

@test "a 16K-granule VM is read with 32M windows: misaligned modulo 32M though aligned modulo 2M, a 16M tail is slot-edge, aligned pages host-pages" {
	d=$SLOTS/$FIX_16K_VM
	for sh in $S2_SHELLS; do
		S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh "$FIX_16K_VM"
		[ "$status" -eq 0 ]
		[[ "$output" == *$'\nIPA space:          1T (40 bits, start level 2, 16K granule)\n'* ]]
		[[ "$output" == *$'\nWHY PAGES          BYTES  %PAGES  16K pages, by the first reason their 32M window is not a block\n'* ]]
		[[ "$output" != *"WHY 2M BLOCKS"* ]]
		[[ "$output" != *"WHY 32M BLOCKS"* ]]
		S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh --prom "$FIX_16K_VM"
		# slot 1: 48M, a 32M block and its 16M tail; slot 2: host address
		# 2M off 32M alignment; slot 3: pages, aligned; the control slot
		# (64K, no whole 32M window): 2 pages of 16K
		[ "$(causes "$FIX_16K_VM")" = "$(want slot-edge=$((16 << 20)) misaligned=$((32 << 20)) \
			slot-edge=32768 host-pages="$(slot_bytes "$d" 3 3)")" ]
		[[ "$output" != *s2view_l2_block_bytes_by_cause* ]]
	done
}

@test "without memslots the causes are unknown, and no slot or cause metric is printed" {
	cp -r "$SLOTS/$FIX_DIRTY_VM" "$BATS_TEST_TMPDIR/"
	rm "$BATS_TEST_TMPDIR/$FIX_DIRTY_VM/memslots"
	for sh in $S2_SHELLS; do
		for p in "$SLOTS/$FIX_DIRTY_VM/s2/ranges" "$BATS_TEST_TMPDIR/$FIX_DIRTY_VM" -; do
			s2 "$sh" s2summ.sh "$p" <"$SLOTS/$FIX_DIRTY_VM/s2/ranges"
			[ "$status" -eq 0 ]
			[[ "$output" == *$'\n\nWHY PAGES: unknown without the memslots file of the VM (vmN/memslots)\n\n'* ]]
			[[ "$output" != *$'\nSLOT '* ]]
			s2 "$sh" s2summ.sh --prom "$p" <"$SLOTS/$FIX_DIRTY_VM/s2/ranges"
			[ "$status" -eq 0 ]
			[[ "$output" != *by_cause* ]]
			[[ "$output" != *s2view_slot_bytes* ]]
			[[ "$output" != *s2view_outside_slot_bytes* ]]
		done
	done
}

@test "the memslots are found beside s2/ in a saved vmN, vmN/s2 and a saved copy of /sys/kernel/kvm" {
	pages=$(slot_bytes "$SLOTS/$FIX_DIRTY_VM" "$FIX_DATA_SLOT" 3)
	for sh in $S2_SHELLS; do
		for p in "$SLOTS/$FIX_DIRTY_VM" "$SLOTS/$FIX_DIRTY_VM/s2" "$SLOTS" "$SLOTS/"; do
			s2 "$sh" s2summ.sh --prom "$p"
			[ "$(metric "s2view_page_bytes_by_cause{vm=\"$FIX_DIRTY_VM\",cause=\"dirty-log\"}")" = "$pages" ]
		done
	done
}

@test "memslots change no other figure: a VM directory gives the figures of its lone ranges file" {
	for sh in $S2_SHELLS; do
		for vm in $FIX_SLOT_VMS; do
			S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh --prom "$vm"
			a=$(printf '%s\n' "$output" | grep -E '^s2view_(mapped_bytes|bytes|entries|ranges|ipa_bytes|perm_bytes|memattr|largest|mapped_ranges)')
			s2 "$sh" s2summ.sh --prom "$SLOTS/$vm/s2/ranges"
			b=$(printf '%s\n' "$output" | grep -E '^s2view_(mapped_bytes|bytes|entries|ranges|ipa_bytes|perm_bytes|memattr|largest|mapped_ranges)')
			[ -n "$a" ]
			[ "$a" = "$b" ]
		done
	done
}

@test "a range mapped outside every memslot is named on stderr with its line, counted in no cause, and the status is 3" {
	d=$SLOTS/$FIX_INCONSISTENT_VM
	r=$d/s2/ranges
	for sh in $S2_SHELLS; do
		S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh --prom "$FIX_INCONSISTENT_VM"
		[ "$status" -eq 3 ]
		# stdout is whole, and adds up: causes + outside = the page bytes
		out=$(metric "s2view_outside_slot_bytes{vm=\"$FIX_INCONSISTENT_VM\"}")
		l3=$(metric "s2view_bytes{vm=\"$FIX_INCONSISTENT_VM\",level=\"3\",type=\"page\"}")
		l2=$(metric "s2view_bytes{vm=\"$FIX_INCONSISTENT_VM\",level=\"2\",type=\"block\"}")
		sum3=$(causes "$FIX_INCONSISTENT_VM" | awk '{ print $2 + $4 + $6 + $8 }')
		sum2=$(causes "$FIX_INCONSISTENT_VM" s2view_l2_block_bytes_by_cause | awk '{ print $2 + $4 + $6 + $8 }')
		echo "outside $out, l3 $l3 = $sum3 + ?, l2 $l2 = $sum2 + ?"
		[ "$out" -gt 0 ]
		[ $((l3 + l2 - sum3 - sum2)) = "$out" ]
		# what is outside, worked out here
		[ "$out" = "$(($(why_here "$d" 4096 | awk '{ print $NF }') + $(why_here "$d" 4096 2 | awk '{ print $NF }')))" ]
		# each place named with its ranges line: the 8K past the data slot's
		# end, and a 2M block in no slot
		[ "$(printf '%s\n' "$stderr" | grep -c 'is mapped but in no memslot$')" = 2 ]
		[[ "$stderr" == *"s2summ.sh: $r: line $(grep -n '^0x0000000080000000-' "$r" | cut -d: -f1): 0x0000000080400000-0x0000000080402000 (8K of 0x0000000080000000-0x0000000080402000, level 3 page) is mapped but in no memslot"* ]]
		[[ "$stderr" == *"s2summ.sh: $r: line $(grep -n '^0x00000000c0000000-' "$r" | cut -d: -f1): 0x00000000c0000000-0x00000000c0200000 (2M, level 2 block) is mapped but in no memslot"* ]]
		[[ "$stderr" == *"s2summ.sh: $FIX_INCONSISTENT_VM: inconsistent: "*"($out bytes) mapped in no memslot of $d/memslots (2 places), in no cause: did the VM change between the reads?"* ]]
		# the shares are of all the page bytes, those in no slot included
		share=$(awk -v h="$(metric "s2view_page_bytes_by_cause{vm=\"$FIX_INCONSISTENT_VM\",cause=\"host-pages\"}")" \
			-v t="$l3" 'BEGIN { printf "%.1f%%", 100 * h / t }')
		S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh "$FIX_INCONSISTENT_VM"
		[ "$status" -eq 3 ]
		[ "$(printf '%s\n' "$output" | awk '$1 == "host-pages" { print $3; exit }')" = "$share" ]
		[[ "$output" == *$'\n(no slot)             8K '*"  mapped in no memslot: the files disagree"$'\n'* ]]
		[[ "$output" == *$'\n(no slot)             2M  100.0%  mapped in no memslot: the files disagree'$'\n'* ]]
	done
}

@test "one inconsistent VM among several makes the status 3, and every VM is still printed" {
	for sh in $S2_SHELLS; do
		S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh --prom
		[ "$status" -eq 3 ]
		for vm in $FIX_SLOT_VMS; do
			metric "s2view_mapped_bytes{vm=\"$vm\"}"
			metric "s2view_outside_slot_bytes{vm=\"$vm\"}"
		done
		[ "$(printf '%s\n' "$stderr" | grep -c ': inconsistent: ')" = 1 ]
	done
}

@test "many places outside every memslot: the first 10 are named, and the count of all" {
	cp -r "$SLOTS/$FIX_MISALIGNED_VM" "$BATS_TEST_TMPDIR/vm9"
	# no data slot: its 1024 pages are outside, in 2 ranges (the fixture
	# has one 4M range; here every other page writable: 1024 ranges, or
	# with N 10 or 11, N - 1 pages so and the rest one range; N 1, as it is:
	# 1 and exactly 10 places, all named, and 11, the first 10)
	grep -v "slot=$FIX_DATA_SLOT " "$SLOTS/$FIX_MISALIGNED_VM/memslots" >"$BATS_TEST_TMPDIR/vm9/memslots"
	local n s
	for n in 1024 10 11 1; do
		awk -v n="$n" '$1 == "0x0000000080000000-0x0000000080400000" && n > 1 {
			for (a = 0; a < n - (n < 1024); a++)
				printf "0x%016x-0x%016x 4K 3 page %s normal af=1\n", 2147483648 + a * 4096, 2147483648 + (a + 1) * 4096, a % 2 ? "r--" : "rw-"
			if (n < 1024)
				printf "0x%016x-0x0000000080400000 %dK 3 page %s normal af=1\n", 2147483648 + a * 4096, 4096 - 4 * a, a % 2 ? "r--" : "rw-"
			next } 1' "$SLOTS/$FIX_MISALIGNED_VM/s2/ranges" >"$BATS_TEST_TMPDIR/vm9/s2/ranges"
		for sh in $S2_SHELLS; do
			s2 "$sh" s2summ.sh "$BATS_TEST_TMPDIR/vm9"
			[ "$status" -eq 3 ]
			[ "$(printf '%s\n' "$stderr" | grep -c 'is mapped but in no memslot$')" = $((n < 10 ? n : 10)) ]
			if [ "$n" -le 10 ]; then
				s=s
				[ "$n" != 1 ] || s=
				[[ "$stderr" == *"vm9: inconsistent: 4M (4194304 bytes) mapped in no memslot of $BATS_TEST_TMPDIR/vm9/memslots ($n place$s), in no cause"* ]]
			else
				[[ "$stderr" == *"vm9: inconsistent: 4M (4194304 bytes) mapped in no memslot of $BATS_TEST_TMPDIR/vm9/memslots ($n places, the first 10 named)"* ]]
			fi
		done
	done
}

@test "a memslot beyond the IPA space is an inconsistency (status 3), named with its line" {
	cp -r "$SLOTS/$FIX_HOSTPAGES_VM" "$BATS_TEST_TMPDIR/vm9"
	echo '0x0000010000000000-0x0000010000200000 2M slot=5 as=0 hva=0x0000ffff00000000 flags=-' >>"$BATS_TEST_TMPDIR/vm9/memslots"
	n=$(($(wc -l <"$BATS_TEST_TMPDIR/vm9/memslots")))
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh "$BATS_TEST_TMPDIR/vm9"
		[ "$status" -eq 3 ]
		[ "$stderr" = "s2summ.sh: $BATS_TEST_TMPDIR/vm9/memslots: line $n: slot 5 (0x0000010000000000-0x0000010000200000) ends beyond the 40-bit IPA space (0x0000010000000000)" ]
		[[ "$output" == *$'\n5     0x0000010000000000-0x0000010000200000       2M        0   0.0%        0       -  -\n'* ]]
	done
	# the first slot, or the only one, as well: an empty VM with just it
	mkdir -p "$BATS_TEST_TMPDIR/vm8/s2"
	echo 40 >"$BATS_TEST_TMPDIR/vm8/s2/ipa_bits"
	echo '0x0000000000000000-0x0000010000000000 1T 1 invalid --- -' >"$BATS_TEST_TMPDIR/vm8/s2/ranges"
	echo '0x000000fffff00000-0x0000010000100000 2M slot=0 as=0 hva=0x0000ffff00000000 flags=-' >"$BATS_TEST_TMPDIR/vm8/memslots"
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh "$BATS_TEST_TMPDIR/vm8"
		[ "$status" -eq 3 ]
		[ "$stderr" = "s2summ.sh: $BATS_TEST_TMPDIR/vm8/memslots: line 1: slot 0 (0x000000fffff00000-0x0000010000100000) ends beyond the 40-bit IPA space (0x0000010000000000)" ]
	done
}

@test "a slot of another address space is listed, but not matched against the stage-2" {
	cp -r "$SLOTS/$FIX_HOSTPAGES_VM" "$BATS_TEST_TMPDIR/vm9"
	awk '{ print } $3 == "slot=0" { sub(/as=0/, "as=1"); sub(/hva=0x0000ffff98000000/, "hva=0x0000ffff90001000"); print }' \
		"$SLOTS/$FIX_HOSTPAGES_VM/memslots" >"$BATS_TEST_TMPDIR/vm9/memslots"
	for sh in $S2_SHELLS; do
		S2VIEW_SYSFS=$SLOTS s2 "$sh" s2summ.sh --prom "$FIX_HOSTPAGES_VM"
		a=$(printf '%s\n' "$output" | grep -E '^s2view_(page|l2|slot|outside)' | sed "s/$FIX_HOSTPAGES_VM/vm9/")
		s2 "$sh" s2summ.sh --prom "$BATS_TEST_TMPDIR/vm9"
		[ "$status" -eq 0 ]
		[ -n "$a" ]
		[ "$a" = "$(printf '%s\n' "$output" | grep -E '^s2view_(page|l2|slot|outside)')" ]
		s2 "$sh" s2summ.sh "$BATS_TEST_TMPDIR/vm9"
		[[ "$output" == *$'\n0     0x0000000080000000-0x0000000080400000       4M        -      -        -       -  as=1 -\n'* ]]
	done
}

@test "an empty memslots file: no slot, every mapped byte in none (status 3)" {
	cp -r "$SLOTS/$FIX_THP_VM" "$BATS_TEST_TMPDIR/vm9"
	: >"$BATS_TEST_TMPDIR/vm9/memslots"
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh --prom "$BATS_TEST_TMPDIR/vm9"
		[ "$status" -eq 3 ]
		[ "$(metric 's2view_outside_slot_bytes{vm="vm9"}')" = "$(cat "$SLOTS/$FIX_THP_VM/s2/mapped_bytes")" ]
		[ "$(causes vm9)" = "$(want)" ]
		s2 "$sh" s2summ.sh "$BATS_TEST_TMPDIR/vm9"
		[[ "$output" == *$'\n\nSLOTS: none (an empty memslots file)\n\n'* ]]
	done
}

@test "a bad ranges line of a VM with memslots names the ranges file and its line" {
	cp -r "$SLOTS/$FIX_HOSTPAGES_VM" "$BATS_TEST_TMPDIR/vm9"
	sed -i '2s/ 4K / 8K /' "$BATS_TEST_TMPDIR/vm9/s2/ranges"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/vm9" "s2summ.sh: $BATS_TEST_TMPDIR/vm9/s2/ranges: line 2: size 8K does not match end - start = 4K"
}

@test "an unreadable memslots file fails like the ranges (status 2, named)" {
	cp -r "$SLOTS/$FIX_THP_VM" "$BATS_TEST_TMPDIR/vm9"
	rm "$BATS_TEST_TMPDIR/vm9/memslots"
	mkdir "$BATS_TEST_TMPDIR/vm9/memslots"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/vm9" "*vm9/memslots: cannot read the memslots*"
}

### the scripts themselves

@test "both tools find s2lib.sh and s2lib.awk beside them, and without them say so with status 2" {
	cp "$SCRIPTS/s2summ.sh" "$SCRIPTS/s2owner.sh" "$BATS_TEST_TMPDIR"
	for tool in s2summ.sh s2owner.sh; do
		SCRIPTS=$BATS_TEST_TMPDIR expect_status 2 "*cannot read $BATS_TEST_TMPDIR/s2lib.sh: install s2lib.sh and s2lib.awk beside $tool*" \
			"$tool" "$FIXTURES/host/s2/ranges"
	done
	cp "$SCRIPTS/s2lib.sh" "$BATS_TEST_TMPDIR"
	for tool in s2summ.sh s2owner.sh; do
		SCRIPTS=$BATS_TEST_TMPDIR expect_status 2 "*cannot read $BATS_TEST_TMPDIR/s2lib.awk: install s2lib.awk beside $tool*" \
			"$tool" "$FIXTURES/host/s2/ranges"
	done
	cp "$SCRIPTS/s2lib.awk" "$BATS_TEST_TMPDIR"
	for sh in $S2_SHELLS; do
		SCRIPTS=$BATS_TEST_TMPDIR s2 "$sh" s2owner.sh "$FIXTURES/host/s2/ranges"
		[ "$status" -eq 0 ]
		SCRIPTS=$BATS_TEST_TMPDIR s2 "$sh" s2summ.sh "$FIXTURES/host/s2/ranges"
		[ "$status" -eq 0 ]
	done
}

@test "s2summ.sh and s2lib.sh are shellcheck -s sh clean" {
	command -v shellcheck >/dev/null || skip "no shellcheck"
	run shellcheck -s sh "$SCRIPTS/s2summ.sh" "$SCRIPTS/s2lib.sh"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "live captures of the five cause VMs: each VM's page bytes are in its own cause, to the byte" {
	local ctl=8192 m16=16777216
	for sh in $S2_SHELLS; do
		S2VIEW_SYSFS=$FIXTURES/slots-live s2 "$sh" s2summ.sh --prom all
		[ "$status" -eq 0 ]
		[ "$(causes vm1)" = "$(want misaligned=$m16 slot-edge=$ctl)" ]
		[ "$(causes vm2)" = "$(want slot-edge=$((1048576 + ctl)))" ]
		[ "$(causes vm3)" = "$(want dirty-log=4194304 slot-edge=$ctl)" ]
		[ "$(causes vm4)" = "$(want slot-edge=$ctl)" ]
		[ "$(causes vm5)" = "$(want host-pages=$m16 slot-edge=$ctl)" ]
	done
}
