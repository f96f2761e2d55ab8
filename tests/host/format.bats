#!/usr/bin/env bats
#
# format.bats - every reader of the ranges format against the conformance
# table tests/fixtures/format/cases: the toolkit (scripts/s2lib.awk, through
# s2summ.sh and s2owner.sh) under every userland, and the tests' own
# validator (tests/lib/ranges.awk) under every awk. Run: bats tests/host

load scripts-helpers

FORMAT=$FIXTURES/format
MSFORMAT=$FORMAT/memslots
VALIDATOR=$ROOT/tests/lib/ranges.awk
AWKS="mawk gawk busybox original-awk"

# the cases: "FILE VERDICT LINE" per line
cases() {
	awk '!/^#/ && NF { print $1, $2, $3 }' "$FORMAT/cases"
}

# the memslots cases, likewise
mscases() {
	awk '!/^#/ && NF { print $1, $2, $3 }' "$MSFORMAT/cases"
}

# rejected WHERE WORDS: the last s2 run failed on bad input: status 2,
# nothing on stdout, WORDS not empty, stderr starting with WHERE and WORDS,
# and the same as the first such run since first= (which it sets)
rejected() {
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ -n "$2" ]
	[[ "$stderr" == "$1$2"* ]]
	[ -n "$first" ] || first=$stderr
	[ "$stderr" = "$first" ]
}

# table_complete LIST DIR EXT OK BAD: the table DIR/cases, as the function
# LIST prints it, names exactly the files *.EXT of DIR, has at least OK ok
# and BAD bad cases, and a rule (a fourth field) on every line
table_complete() {
	local list=$1 dir=$2 ext=$3 listed present
	listed=$("$list" | cut -d' ' -f1 | sort)
	present=$(cd "$dir" && ls -- *."$ext" | sort)
	[ "$listed" = "$present" ]
	[ "$("$list" | grep -c ' ok ')" -ge "$4" ]
	[ "$("$list" | grep -c ' bad ')" -ge "$5" ]
	awk '!/^#/ && NF && NF < 4 { print "no rule: " $0; bad = 1 } END { exit bad }' "$dir/cases"
}

# verdict_runs PATH CHECK ARGS...: under every userland s2summ.sh -n 0 PATH,
# each run then checked by the command CHECK ARGS; first= is emptied before
# the first run, for rejected
verdict_runs() {
	local path=$1 sh
	shift
	first=
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh -n 0 "$path"
		echo "$path under $sh: status $status, stderr: $stderr"
		"$@"
	done
}

# ranges_verdict F VERDICT LINE: the last run, on the format file F, had
# its verdict: ok, status 0 and a summary; bad, rejected at LINE (0: no
# line) with the words of F in the messages file
ranges_verdict() {
	local f=$1 words where
	if [ "$2" = ok ]; then
		[ "$status" -eq 0 ]
		[ -n "$output" ]
		return
	fi
	words=$(awk -v f="$f" '$1 == f { sub(/^[^ ]* /, ""); print }' "$FORMAT/messages")
	where="s2summ.sh: $FORMAT/$f: line $3: "
	[ "$3" != 0 ] || where="s2summ.sh: $FORMAT/$f: "
	rejected "$where" "$words"
}

# memslots_verdict F VERDICT LINE VMDIR: the last run, on VMDIR with the
# memslots file F, had its verdict: ok, status 0, no note, and a slot table
# row per line of F with its range; bad, rejected at LINE with the words of
# F in the memslots cases
memslots_verdict() {
	local f=$1 words rows
	if [ "$2" = ok ]; then
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		rows=$(printf '%s\n' "$output" | awk '/^SLOT /{ t = 1; next } !NF { t = 0 } t { print $2 }')
		[ "$rows" = "$(awk '{ print tolower($1) }' "$MSFORMAT/$f")" ]
		return
	fi
	words=$(awk -v f="$f" '$1 == f { sub(/^[^ ]+ +[^ ]+ +[^ ]+ +/, ""); print }' "$MSFORMAT/cases")
	rejected "s2summ.sh: $4/memslots: line $3: " "$words"
}

# validator_sums S2DIR...: under every awk the validator accepts the ranges
# of each S2DIR with its ipa_bits, and its END line has the IPA size, the
# line count and the S2DIR's mapped_bytes
validator_sums() {
	local a cmd d
	for a in $AWKS; do
		case $a in busybox) cmd="busybox awk" ;; *) cmd=$a ;; esac
		for d in "$@"; do
			run $cmd -v ipa_bits="$(cat "$d/ipa_bits")" -f "$VALIDATOR" "$d/ranges"
			echo "$a $d: ${lines[${#lines[@]} - 1]}"
			[ "$status" -eq 0 ]
			[ "${lines[${#lines[@]} - 1]}" = "END $((1 << $(cat "$d/ipa_bits"))) $(($(wc -l <"$d/ranges"))) $(cat "$d/mapped_bytes")" ]
		done
	done
}

@test "the table lists every file of tests/fixtures/format, and each has its rule" {
	[ "$(cases | awk '$2 == "bad" { print $1 }' | sort)" = "$(awk '!/^#/ { print $1 }' "$FORMAT/messages" | sort)" ]
	table_complete cases "$FORMAT" ranges 4 30
}

@test "the validator (tests/lib/ranges.awk) gives every file its verdict and line, under every awk" {
	for a in $AWKS; do
		case $a in busybox) cmd="busybox awk" ;; *) cmd=$a ;; esac
		while read -r f verdict line; do
			got=$($cmd -f "$VALIDATOR" "$FORMAT/$f" | LC_ALL=C grep -a -E '^(BAD [0-9]+|END)' |
				sed 's/^\(BAD [0-9]*\).*/\1/; s/^END .*/END/')
			want=END
			[ "$verdict" = ok ] || want="BAD $line"
			echo "$a $f: want $want, got $got"
			[ "$got" = "$want" ]
		done < <(cases)
	done
}

@test "the validator prints addresses and byte counts as integers under every awk, even past 2^31" {
	for a in $AWKS; do
		case $a in busybox) cmd="busybox awk" ;; *) cmd=$a ;; esac
		run $cmd -v ipa_bits=32 -f "$VALIDATOR" "$FORMAT/ok-base.ranges"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "1073741824 1075838976 2 block rw-" ]
		[ "${lines[1]}" = "1075838976 1075843072 3 page r-x" ]
		[ "${lines[2]}" = "2147483648 3221225472 1 block rwx" ]
		[ "${lines[3]}" = "END 4294967296 7 1075843072" ]
		run $cmd -v ipa_bits=33 -f "$VALIDATOR" "$FORMAT/ok-base.ranges"
		[ "$status" -eq 1 ]
		[ "${lines[3]}" = "BAD 7: last range ends at 4294967296, not 2^33" ]
	done
}

@test "the toolkit gives every file its verdict, line and words (messages), with the same message under every userland" {
	while read -r f verdict line; do
		verdict_runs "$FORMAT/$f" ranges_verdict "$f" "$verdict" "$line"
	done < <(cases)
}

@test "s2owner.sh, the other tool on the same reader, gives every file the same verdict and line" {
	set -- $S2_SHELLS
	while read -r f verdict line; do
		s2 "$1" s2owner.sh -n 0 "$FORMAT/$f"
		echo "$f: status $status, stderr: $stderr"
		if [ "$verdict" = ok ]; then
			[ "$status" -eq 0 ]
			continue
		fi
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$line" = 0 ] || [[ "$stderr" == "s2owner.sh: $FORMAT/$f: line $line: "* ]]
	done < <(cases)
}

@test "damaged bytes are named, not echoed: CR, NUL and non-ASCII" {
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh "$FORMAT/bad-crlf.ranges"
		[[ "$stderr" == *"line 1: it ends in a carriage return (^M): DOS line ends?"* ]]
		[[ "$stderr" != *$'\r'* ]]
		s2 "$sh" s2summ.sh "$FORMAT/bad-nul.ranges"
		[[ "$stderr" == *"line 2: a control byte (cat -v shows it as ^X)"* ]]
		s2 "$sh" s2summ.sh "$FORMAT/bad-non-ascii.ranges"
		[[ "$stderr" == *"line 3: a byte that is not ASCII"* ]]
	done
}

@test "ranges on stdin get what the file gets, under every userland (toybox: through a file of its own): output, status, message" {
	local f sh tool st out err
	# (a temp dir of the test's own: nothing may be left in it)
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir "$TMPDIR"
	for f in ok-base ok-teardown bad-crlf bad-nul bad-non-ascii bad-frame-soh bad-no-newline bad-empty-file; do
		for sh in $S2_SHELLS; do
			for tool in s2summ.sh s2owner.sh; do
				s2 "$sh" "$tool" "$FORMAT/$f.ranges"
				# (the file is named by its path, its summary by its name)
				st=$status out=${output//"$FORMAT/$f.ranges"/<stdin>}
				out=${out//"$f.ranges"/stdin} err=${stderr//"$FORMAT/$f.ranges"/<stdin>}
				s2 "$sh" "$tool" - <"$FORMAT/$f.ranges"
				echo "$f: the file: status $st, stderr: $err; stdin: status $status, stderr: $stderr"
				[ "$status" = "$st" ]
				[ "$output" = "$out" ]
				[ "$stderr" = "$err" ]
			done
		done
	done
	[ -z "$(ls -A "$TMPDIR")" ]
}

@test "lines like the toolkit's framing in a file are data: no second VM, status 2" {
	for f in bad-frame-eof:3 bad-frame-begin:8; do
		expect_bad s2summ.sh "$FORMAT/${f%:*}.ranges" "*: line ${f#*:}: want 6 fields*got 1"
	done
	# the framing's own control lines (SOH S2VIEW-EOF...) are bytes of data
	expect_bad s2summ.sh "$FORMAT/bad-frame-soh.ranges" "*: line 8: a control byte*"
	# and in a VM directory among others, the whole run fails
	cp -r "$FIXTURES" "$BATS_TEST_TMPDIR/kvm"
	cp "$FORMAT/bad-frame-soh.ranges" "$BATS_TEST_TMPDIR/kvm/vm2/s2/ranges"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/kvm" "*vm2/s2/ranges: line 8: a control byte*"
	# nor can a counter file or a path end a source
	cp "$FIXTURES/vm2/s2/ranges" "$BATS_TEST_TMPDIR/kvm/vm2/s2/ranges"
	printf '40\n\001S2VIEW-EOF\n\001S2VIEW-BEGIN\n' >"$BATS_TEST_TMPDIR/kvm/vm2/s2/ipa_bits"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/kvm" "*vm2/s2/ipa_bits: bad value \"40^J^AS2VIEW-EOF^J^AS2VIEW-BEGIN\": want a decimal number"
	d=$BATS_TEST_TMPDIR/$'x\n\001S2VIEW-EOF'
	mkdir -p "$d"
	cp "$FORMAT/ok-base.ranges" "$d/ranges"
	for sh in $S2_SHELLS; do
		s2 "$sh" s2summ.sh --prom "$d/ranges"
		[ "$status" -eq 0 ]
		[ "$(printf '%s\n' "$output" | grep -c '^s2view_ipa_bytes')" -eq 1 ]
	done
}

@test "a 5-field line is reported as a missing field, not as a bad memattr" {
	expect_bad s2summ.sh "$FORMAT/bad-5-fields.ranges" "*line 2: want 6 fields*got 5 then af=1*"
	# five fields and nothing after them: "got 5", the end of the message
	sed '2s/ af=1$//' "$FORMAT/bad-5-fields.ranges" >"$BATS_TEST_TMPDIR/five"
	expect_bad s2summ.sh "$BATS_TEST_TMPDIR/five" "*line 2: want 6 fields (start-end size level type perms memattr) then key=value fields, got 5"
	run awk -f "$VALIDATOR" "$FORMAT/bad-5-fields.ranges"
	[[ "$output" == "BAD 2: not six fields"* ]]
}

@test "the validator accepts every real capture with its ipa_bits, and sums the kernel's mapped_bytes" {
	validator_sums "$FIXTURES"/vm*/s2 "$FIXTURES"/host/s2
}

@test "the validator accepts every hand-made or derived VM (slots/, numbers/, vmm/) with its ipa_bits, and sums its mapped_bytes" {
	validator_sums "$FIXTURES"/slots/vm*/s2 "$FIXTURES"/numbers/vm*/s2 "$FIXTURES"/vmm/vm*/s2
}

### the memslots format (tests/fixtures/format/memslots/cases)

@test "the memslots table lists every file of tests/fixtures/format/memslots, each with its rule or words" {
	table_complete mscases "$MSFORMAT" memslots 5 20
}

@test "s2summ.sh gives every memslots file its verdict, line and words, with the same message under every userland" {
	while read -r f verdict line; do
		d=$BATS_TEST_TMPDIR/$f/vm1
		mkdir -p "$d/s2"
		cp "$MSFORMAT/ranges" "$d/s2/ranges"
		cp "$MSFORMAT/$f" "$d/memslots"
		verdict_runs "$d" memslots_verdict "$f" "$verdict" "$line" "$d"
	done < <(mscases)
}

@test "the ids, sizes, address spaces and flags of a memslots file reach the slot table as they are" {
	d=$BATS_TEST_TMPDIR/vm1
	mkdir -p "$d/s2"
	cp "$MSFORMAT/ranges" "$d/s2/ranges"
	for f in ok-flags ok-address-spaces ok-uppercase-hex; do
		cp "$MSFORMAT/$f.memslots" "$d/memslots"
		for sh in $S2_SHELLS; do
			s2 "$sh" s2summ.sh -n 0 "$d"
			[ "$status" -eq 0 ]
			got=$(printf '%s\n' "$output" | awk '/^SLOT /{ t = 1; next } !NF { t = 0 } t { print $1, $3, $NF }')
			# id, size, flags (with as=N before them for another address space)
			want=$(awk '{ sub(/^slot=/, "", $3); sub(/^flags=/, "", $6)
				print $3, $2, $6 }' "$MSFORMAT/$f.memslots")
			echo "$f: got $got; want $want"
			[ "$got" = "$want" ]
			[ "$(printf '%s\n' "$output" | grep -c ' as=1 ')" = "$(grep -c ' as=1 ' "$MSFORMAT/$f.memslots")" ]
		done
	done
}
