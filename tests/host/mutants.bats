#!/usr/bin/env bats
#
# mutants.bats - the probes of tools/mutants.sh (tools/mutants-gen.awk,
# COV=): a probed copy of the scripts behaves as the scripts do, and says
# which statements each test runs, so that a mutant can run only the tests
# that reach its line. Under every userland of scripts-helpers.bash.
# Run: bats tests/host

load scripts-helpers

setup() {
	cd "$ROOT"
	unset S2VIEW_HEX S2VIEW_QUICK
	export S2VIEW_SYSFS=tests/fixtures
	COV=$BATS_TEST_TMPDIR/cov
	mkdir "$COV"
	awk -v COV="$COV" -f tools/mutants-gen.awk scripts/s2lib.awk \
		scripts/s2lib.sh scripts/s2summ.sh scripts/s2owner.sh
}

# both TOOL ARGS...: under every userland, the probed copy gives the
# status, stdout and stderr of the scripts
both() {
	local sh status0 out0 err0
	for sh in $S2_SHELLS; do
		SCRIPTS=$ROOT/scripts s2 "$sh" "$@"
		status0=$status out0=$output err0=$stderr
		SCRIPTS=$COV s2 "$sh" "$@"
		[ "$status" -eq "$status0" ]
		[ "$output" = "$out0" ]
		[ "$stderr" = "$err0" ]
	done
}

@test "the probed scripts print what the scripts print: summaries, --prom, --map, errors, stdin" {
	both s2summ.sh
	both s2summ.sh --prom
	both s2summ.sh --map vm3
	both s2summ.sh -n 3 vm1 vm2
	both s2owner.sh "$FIXTURES/host/s2"
	both s2owner.sh --prom "$FIXTURES/host/s2/ranges"
	# (owners by id and by name: their order goes through before(), whose
	# lines end in regexes)
	printf '%s\n' \
		'0x0000000000000000-0x0000000000001000 4K 3 invalid --- - owner=zed' \
		'0x0000000000001000-0x0000000000002000 4K 3 invalid --- - owner=12' \
		'0x0000000000002000-0x0000000000003000 4K 3 invalid --- - owner=9' \
		'0x0000000000003000-0x0000000000004000 4K 3 invalid --- - owner=abc' >"$BATS_TEST_TMPDIR/r"
	both s2owner.sh "$BATS_TEST_TMPDIR/r"
	both s2summ.sh "$FIXTURES/format/bad-empty-line.ranges"
	both s2summ.sh -n
	S2VIEW_HEX=manual both s2summ.sh --prom vm1
	# (what the probes wrote went to the log, not to the output)
	[ -s "$COV/log" ]
}

@test "every line a mutant changes has a probe that runs whenever the line does" {
	local missing
	awk -f tools/mutants-gen.awk scripts/s2lib.awk scripts/s2lib.sh \
		scripts/s2summ.sh scripts/s2owner.sh >"$BATS_TEST_TMPDIR/list"
	[ -s "$BATS_TEST_TMPDIR/list" ]
	# (the mutants' lines that the map has no probe for)
	missing=$(awk 'NR == FNR { P[$1, $2]; next }
		{ split($0, m, "\001") } !((m[1], m[2]) in P) { print m[1] ":" m[2] }' \
		"$COV/map" "$BATS_TEST_TMPDIR/list" | sort -u | head)
	echo "no probe for: $missing"
	[ -z "$missing" ]
	# (each probe named in the map is in the probed copy)
	awk '{ print $3 }' "$COV/map" | sort -u | while read -r p; do
		case $p in
		*:sh) grep -qF " $p\" >>" "$COV/${p%:*}" ;;
		*) grep -qF "s2cov_(\"$p\")" "$COV/${p%:*}" ;;
		esac || { echo "probe $p is not in $COV/${p%:*}"; return 1; }
	done
}

@test "the probes name the test and only the statements it runs: hexv's digit loop only with S2VIEW_HEX=manual" {
	local loop
	# the statement of the digit by digit conversion in hexv()
	loop=$(awk '/^function hexv\(/ { f = 1 } f && /v = v \* 256/ { print FNR; exit }' \
		scripts/s2lib.awk)
	[ -n "$loop" ]
	grep -q "^s2lib.awk $loop s2lib.awk:$((loop - 1))\$" "$COV/map"
	SCRIPTS=$COV s2 dash s2summ.sh vm1
	[ "$status" -eq 0 ]
	grep -q "^$BATS_TEST_FILENAME $BATS_TEST_NUMBER s2lib.awk:[0-9]*\$" "$COV/log"
	! grep -q " s2lib.awk:$((loop - 1))\$" "$COV/log"
	S2VIEW_HEX=manual SCRIPTS=$COV s2 dash s2summ.sh vm1
	[ "$status" -eq 0 ]
	grep -q "^$BATS_TEST_FILENAME $BATS_TEST_NUMBER s2lib.awk:$((loop - 1))\$" "$COV/log"
}
