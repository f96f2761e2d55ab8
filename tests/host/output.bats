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
