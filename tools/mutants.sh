#!/bin/sh
# mutants.sh - do the host tests catch wrong code? Break the toolkit one
# token at a time and count how many breaks the tests notice.
#
# USAGE: tools/mutants.sh [-h] [-v] [-l] [-s]
#   -v   show which test file killed each mutant
#   -l   the hand-written list below instead of the systematic mutants
#   -s   put the results of the cache on record (docs/mutants-results) and
#        stop: the next run, on any machine, starts from them
#
# The systematic mutants (the default) are made by tools/mutants-gen.awk
# from scripts/s2lib.awk, s2lib.sh, s2summ.sh and s2owner.sh, one per
# token of code (not in comments, strings, regexes or the usage text):
#   cmp    every comparison flipped (< <=, > >=, == !=, -eq -ne, -gt -ge,
#          -lt -le, = !=)
#   const  every integer literal +1 and -1
#   bool   every if/while condition and shell test negated, every ! dropped
#   sort   every sort key changed (sort -n to sort)
# The hand-written list (-l) breaks lines as a reader of the README would
# (a count doubled, a check turned off, the granule fixed at 4K, ...).
#
# Each mutant is a copy of scripts/ with one line changed, run against the
# host tests of the toolkit (output, validation, boundaries, numbers,
# format, granules, s2summ, s2owner and vmm .bats) through S2VIEW_SCRIPTS,
# under the userlands of MUTANT_SHELLS (default: dash, the quickest; the
# four userlands agree byte for byte, which the normal run checks). A mutant
# is killed when a test fails (or runs past MUTANTS_TIMEOUT seconds, default
# 600), and survives when all pass.
#
# Only the tests that reach the mutated line run: a test that never runs a
# line cannot tell what the line says, so the count is the one the whole
# suite would give (less the mutants that only the tests reading the
# scripts' text would kill, such as the shellcheck ones: the count can only
# be lower). Which tests reach which line comes from one run of the suite
# on a copy of the scripts with probes (tools/mutants-gen.awk, COV=): per
# test, every awk statement it runs (a line with no statement of its own,
# such as the body of an if without braces, counts with the one before
# it); a shell line counts as reached by every test that runs its file.
# The results are kept per mutant in ~/.cache/s2view/mutants/, so a run
# that is stopped goes on where it was (see "the cache" below).
# MUTANTS_JOBS runs that many mutants at a time (default: the number of
# CPUs).
#
# The equivalent mutants (no input can tell them from the toolkit) are
# listed with the reason in docs/mutants.md and not counted.
# MUTANTS_SAMPLE=N runs N mutants spread over the files, MUTANTS_ONLY="N
# ..." those mutants (by number, as printed) only. Prints the
# survivors and the score; exit status 1 when the score is below
# MUTANTS_MIN percent (default 90), when mutants are left to run, or when a
# hand-written mutation no longer applies (its line changed: update the
# list). The hand-written mutants (-l) run every file, without the cache.
#
# REQUIREMENTS: bats and what tests/host needs (tools/install-deps.sh).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

verbose='' listed='' save=''
while getopts hvls opt; do
	case $opt in
	v) verbose=1 ;;
	l) listed=1 ;;
	s) save=1 ;;
	*) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done

### the hand-written mutants: FILE @@ TEXT @@ REPLACEMENT (the first line
### holding TEXT)
mutants() {
	cat <<'MUTANTS'
s2summ.sh @@ 	AN[ATTR]++ @@ 	AN[ATTR] += 2
s2summ.sh @@ 	NMAPPED++ @@ 	NMAPPED += 2
s2summ.sh @@ 	MAPPED += SZ @@ 	MAPPED += SZ + SZ
s2summ.sh @@ A[K[j]] > A[K[j - 1]] @@ A[K[j]] < A[K[j - 1]]
s2summ.sh @@ TOPS[i - 1] < SZ @@ TOPS[i - 1] > SZ
s2summ.sh @@ 	if (AF == 0) @@ 	if (AF == 1)
s2summ.sh @@ NRUNS++; RUNOPEN = 1 @@ RUNOPEN = 1
s2summ.sh @@ e - RUNS > BIGRUN @@ e - RUNS < BIGRUN
s2summ.sh @@ 			blk += BYT[i] @@ 			blk += 0
s2summ.sh @@ CNT[i] = GI ? BY[l, t] / esz(l) @@ CNT[i] = GI ? BY[l, t] / 4096
s2summ.sh @@ 			else if (SB[k] == s) @@ 			else if (0)
s2summ.sh @@ 				ch = "P" @@ 				ch = "M"
s2summ.sh @@ 		if ((H - L) / s <= 1024) @@ 		if ((H - L) / s <= 2048)
s2summ.sh @@ 	if (mapped != MAPPED) @@ 	if (0)
s2summ.sh @@ 	if (!RUNOPEN) { # a run @@ 	if (1) { # a run
s2summ.sh @@ NRUNS == 1 ? "" : "s" @@ "s"
s2owner.sh @@ 	known = IPA - OB["unmapped"] @@ 	known = IPA
s2owner.sh @@ own = st == "shared-borrowed" ? "borrowed" : "host" @@ own = "host"
s2owner.sh @@ st = STATE == "" ? "owned" : STATE @@ st = STATE == "" ? "shared-owned" : STATE
s2owner.sh @@ OB[own] += SZ; ON[own]++ @@ OB[own] += SZ; ON[own] += 2
s2owner.sh @@ TOPS[i - 1] < sz @@ TOPS[i - 1] > sz
s2owner.sh @@ 	if (own == "hyp") { @@ 	if (own == "ffa") {
s2owner.sh @@ length(a) != length(b) ? length(a) < length(b) : a < b @@ a < b
s2owner.sh @@ 	if (HAVE[ctr] && CTR[ctr] != v + 0) @@ 	if (0)
s2lib.awk @@ 	return any ? g : 0 @@ 	return any ? 1 : 0
s2lib.awk @@ 			e *= GR[g] / 8 @@ 			e *= GR[g] / 4
s2lib.awk @@ 		v = v * 256 + H2[substr(s, i, 2)] @@ 		v = v * 255 + H2[substr(s, i, 2)]
s2lib.awk @@ 	for (d = 1; d < 6 && b % 1024 == 0; d++) @@ 	for (d = 1; d < 6 && b % 1000 == 0; d++)
s2lib.awk @@ 	if (b % d == 0) @@ 	if (b % d != 0)
s2lib.awk @@ 	for (p = 2; p <= 6; p++) { @@ 	for (p = 0; p <= 6; p++) {
s2lib.awk @@ 	p = 100 * a / b @@ 	p = 10 * a / b
s2lib.awk @@ 	if (!(LV in LVOK)) @@ 	if (0)
s2lib.awk @@ 	if (E <= S) @@ 	if (0)
s2lib.awk @@ 		if (IPA && LASTE != IPA) @@ 		if (0)
s2lib.awk @@ 			if (S < LASTE) @@ 			if (0)
s2lib.awk @@ UNIT[substr(f, length(f))] != sz) @@ UNIT[substr(f, length(f))] != sz && 0)
s2lib.awk @@ 	if (f != xsize(sz)) @@ 	if (0)
s2lib.awk @@ 	if (VALID && (S % GS[1, LV] || SZ % GS[1, LV])) @@ 	if (0)
s2lib.awk @@ 	if (index($0, "^") || index($0, "M-")) @@ 	if (0)
s2lib.awk @@ 	if (NF < 6 || index($6, "=")) @@ 	if (NF < 6)
s2lib.awk @@ 	if (NF == 7 && $7 == "af=1" && VALID) @@ 	if (NF == 7 && $7 == "af=1")
s2lib.awk @@ 		if (LV != 3) @@ 		if (0)
s2lib.awk @@ 	if (PE !~ /^[r-][w-][x-]$/) @@ 	if (0)
s2lib.awk @@ 	if (p > 1) { @@ 	if (0) {
s2lib.awk @@ 		IPABITS = v + 0 @@ 		IPABITS = v + 1
s2lib.sh @@ 		if [ "$3" = - ]; then cat -v; else cat -v -- "$3"; fi || @@ 		if [ "$3" = - ]; then cat; else cat -- "$3"; fi ||
s2lib.sh @@ 	[ "$HAVE_OPERAND" = 0 ] || usage_error @@ 	true || usage_error
s2lib.sh @@ 		0?*) TOPN=${TOPN#0} ;; @@ 		0?*) break ;;
s2lib.sh @@ 		*) operand "$what" "$1" ;; @@ 		*) break ;;
s2summ.sh @@ mapped = HAVE["mapped_bytes"] ? CTR["mapped_bytes"] : MAPPED @@ mapped = MAPPED
s2summ.sh @@ A[K[j]] == A[K[j - 1]] && K[j] < K[j - 1] @@ A[K[j]] == A[K[j - 1]] && K[j] > K[j - 1]
s2summ.sh @@ hum(CTR["table_pages"] * GR[GI]) @@ hum(CTR["table_pages"] * 4096)
s2summ.sh @@ f, sprintf("%.0f", BIGRUN)) @@ f, sprintf("%.0f", BIGRUN + 4096))
s2summ.sh @@ 		row = s * 64 @@ 		row = s * 32
s2summ.sh @@ " (pid " CTRS["pid"] ")" @@ " (pid " CTRS["pid"] + 1 ")"
s2owner.sh @@ 	if (OWNER != "" || STATE != "") @@ 	if (OWNER != "")
s2owner.sh @@ K[i] == "unmapped" ? "-" : pct(OB[K[i]], known) @@ pct(OB[K[i]], known)
s2owner.sh @@ pct(SB[ST[i]], MAPPED), SN[ST[i]] @@ pct(SB[ST[i]], IPA), SN[ST[i]]
s2owner.sh @@ HOPEN = 1; HS = S; HE = E; HN = 1 @@ HOPEN = 1; HS = S; HE = E; HN = 0
s2lib.awk @@ 	d = x % 65536; x = (x - d) / 65536 @@ 	d = x % 65536; x = (x - d) / 65535
s2lib.awk @@ 	if (p > 0 && p < 0.05) @@ 	if (p > 0 && p < 0.5)
s2lib.awk @@ 	if (p < 100 && p >= 99.95) @@ 	if (p < 100 && p >= 99.5)
s2lib.awk @@ 		if (N == 0) @@ 		if (0)
s2lib.awk @@ 			if (v + 0 < 12 || v + 0 > 52) { @@ 			if (v + 0 < 12 || v + 0 > 64) {
s2lib.sh @@ */s2 | s2) PIDFILE=${S2DIR%s2}pid MSFILE=${S2DIR%s2}memslots ;; @@ */s2 | s2) MSFILE=${S2DIR%s2}memslots ;;
s2owner.sh @@ find_s2 "$p" . s2 host/s2 @@ find_s2 "$p" . s2
s2lib.awk @@ 	if (index($0, "M-") || index($0, "^")) @@ 	if (0)
s2lib.awk @@ 	if (NF < 6) @@ 	if (NF < 5)
s2lib.awk @@ 		if (k < 2 || k == length($j)) @@ 		if (0)
s2lib.awk @@ 	if (E0 <= S0) @@ 	if (0)
s2lib.awk @@ 	chksize($2, E0 - S0) @@ 	S0 = S0
s2lib.awk @@ 	if ($3 !~ /^slot=(0|[1-9][0-9]*)$/) @@ 	if ($3 !~ /^slot=[0-9]+$/)
s2lib.awk @@ 	if ($4 !~ /^as=(0|[1-9][0-9]*)$/) @@ 	if (0)
s2lib.awk @@ 	if ($5 !~ /^hva=0x[0-9a-fA-F]+$/ || length($5) != 22) @@ 	if ($5 !~ /^hva=0x[0-9a-fA-F]+$/)
s2lib.awk @@ 	if ($6 !~ /^flags=(-| @@ 	if (0 && $6 !~ /^flags=(-|
s2lib.awk @@ 	if (S0 % GS[1, 3] || E0 % GS[1, 3]) @@ 	if (0)
s2lib.awk @@ 	if (h >= TWO52) @@ 	if (0)
s2lib.awk @@ 	if (h % GS[1, 3]) @@ 	if (0)
s2lib.awk @@ 	if (NSL && S0 < SLS[NSL]) @@ 	if (0)
s2lib.awk @@ 		if (S0 < SLE[j]) @@ 		if (0)
s2lib.awk @@ 	if ((as, id) in SLSEEN) @@ 	if (0)
s2lib.awk @@ 	SLDL[NSL] = index(fl, "dirty-log") == 1 @@ 	SLDL[NSL] = 0
s2lib.awk @@ SLH[NSL] = h; @@ SLH[NSL] = h + 4096;
s2lib.awk @@ 		INSL = 0; SRC = RSRC @@ 		INSL = 0
s2lib.awk @@ RSRC = SRC; SRC = MSSRC = v; @@ RSRC = SRC; MSSRC = v;
s2lib.awk @@ (INSL ? "memslots" : "ranges") @@ "ranges"
s2lib.sh @@ 		if [ -n "$5" ]; then @@ 		if false; then
s2summ.sh @@ memslots_at "$MSFILE" @@ memslots_at ""
s2summ.sh @@ 			ZMIS[k] = (SLH[i] % b != SLS[i] % b) @@ 			ZMIS[k] = 0
s2summ.sh @@ 			ZLO[k] = int((SLS[i] + b - 1) / b) * b @@ 			ZLO[k] = SLS[i]
s2summ.sh @@ 			ZHI[k] = int(SLE[i] / b) * b @@ 			ZHI[k] = SLE[i]
s2summ.sh @@ 			b = w ? GS[w, 2] : GS[1, 1] @@ 			b = w ? GS[1, 2] : GS[1, 1]
s2summ.sh @@ 		if (SLAS[i] != "0") @@ 		if (0)
s2summ.sh @@ 	while (ZC < NZ && ZE[ZC + 1] <= S) @@ 	while (0)
s2summ.sh @@ 		SMAP[z] += b - a @@ 		SMAP[z] += 2 * (b - a)
s2summ.sh @@ 			SBLK[z] += b - a @@ 			SBLK[z] += 0
s2summ.sh @@ 			for (w = 1; w <= FITG[3]; w++) { @@ 			for (w = 1; w <= 1; w++) {
s2summ.sh @@ 			CM += SZ @@ 			CM += SZ + SZ
s2summ.sh @@ 				CI += i @@ 				CI += 0
s2summ.sh @@ 	CFAST = (FITG[3] == 1) @@ 	CFAST = 1
s2summ.sh @@ SIN[CZ * 4 + 1] += CI @@ SIN[CZ * 4 + 1] += 0
s2summ.sh @@ 		p = w ? SPG[z] : SL2[z] @@ 		p = SPG[z]
s2summ.sh @@ 		if (ZDL[z]) { @@ 		if (0) {
s2summ.sh @@ 			WHY[w, 1] += p @@ 			WHY[w, 2] += p
s2summ.sh @@ 			WHY[w, 3] += p - SIN[z * 4 + w] @@ 			WHY[w, 3] += p
s2summ.sh @@ 	OUTB += b - a @@ 	OUTB += 0
s2summ.sh @@ 	if (++NOUT <= 10) @@ 	if (++NOUT <= 5)
s2summ.sh @@ 		if (SLE[i] > IPA) @@ 		if (0)
s2summ.sh @@ 	if (INCONS) @@ 	if (0)
s2summ.sh @@ 		slotcheck() @@ 		HAVESL = HAVESL
s2summ.sh @@ pct(SMAP[z], sz), hum(SBLK[z]), pct(SBLK[z], SMAP[z]) @@ pct(SMAP[z], SMAP[z]), hum(SBLK[z]), pct(SBLK[z], sz)
s2summ.sh @@ sprintf("%.0f", SLE[i] - SLS[i])) @@ sprintf("%.0f", SLE[i]))
s2summ.sh @@ 	if (GI == 1) # (level-1 blocks: 4K granule only) @@ 	if (GI)
s2summ.sh @@ 			if (GI == 1) # 2M blocks, 1G windows @@ 			if (GI)
s2summ.sh @@ BY[3, "page"], OUTP) @@ BY[3, "page"] + OUTP, OUTP)
s2summ.sh @@ 		out("WHY PAGES: unknown without @@ 		out("WHY PAGES: without
s2lib.awk @@ E - LASTE - TZ == FCL && E <= FLIM) { @@ E - LASTE - TZ == FCL) {
s2lib.awk @@ 	FCL = (LV + 4 * c) / 64 @@ 	FCL = LV / 64
s2lib.awk @@ 	FCL = (LV + 4 * c) / 64 @@ 	FCL = c / 64
s2lib.awk @@ 	FN[TL]++ @@ 	FN[TL] += 2
s2lib.awk @@ 	if (FTOK && FTT != "") @@ 	if (FTT != "")
s2lib.awk @@ 	N = LN - 1 # @@ 	N = LN #
s2lib.awk @@ 	LN = NR - NR0 - 1 # @@ 	LN = NR - NR0 #
s2summ.sh @@ FASTLIM = E >= CS && E < CE ? CE : 0 @@ FASTLIM = TWO52
s2summ.sh @@ 		ME[NMS] = b @@ 		ME[NMS] = FA
s2summ.sh @@ 			runend(S, N - 1) @@ 			runend(S, N)
s2summ.sh @@ 		AB[a] += b @@ 		AB[a] += 0
s2summ.sh @@ 		NMAPPED += n @@ 		NMAPPED += 0
s2summ.sh @@ 		if (FAF[t] == 0) @@ 		if (FAF[t] == 1)
s2summ.sh @@ 		inslots(FA, b, FL) @@ 		FA = FA
s2lib.awk @@ 	FCL2 = FITG[LV] ? (LV + 4 * (1 - c)) / 64 : 0.5 @@ 	FCL2 = (LV + 4 * (1 - c)) / 64
s2lib.awk @@ E - LASTE - TZ == FCL2 && E <= LIM0 @@ E - LASTE - TZ == FCL2
s2lib.awk @@ ATTR = TAT[TL]; VALID = TVA[TL]; @@ ATTR = TAT[TL]; VALID = 1;
s2lib.awk @@ 	c = FCL; FCL = FCL2; FCL2 = c @@ 	c = FCL; FCL2 = c
s2lib.awk @@ 		GI = granule() @@ 		GI = 1
MUTANTS
}

### apply one mutant to a copy of scripts/ in $1
apply() { # DIR FILE TEXT REPLACEMENT
	awk -v from="$3" -v to="$4" '
		!done && (i = index($0, from)) {
			$0 = substr($0, 1, i - 1) to substr($0, i + length(from))
			done = 1
		}
		{ print }
		END { exit !done }' "$1/$2" >"$1/$2.new" &&
		mv "$1/$2.new" "$1/$2"
}

setline() { # DIR FILE LINE NEWTEXTFILE: line LINE of DIR/FILE becomes the text
	awk -v n="$3" 'NR == FNR { t = $0; next } FNR == n { print t; next } { print }' \
		"$4" "$1/$2" >"$1/$2.new" && mv "$1/$2.new" "$1/$2"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT # (a trap that does not exit would go on with the run)
trap 'exit 143' TERM
shells=${MUTANT_SHELLS:-dash}
files="output validation boundaries numbers format granules s2summ s2owner vmm"
soh=$(printf '\001')
tab=$(printf '\t')
jobs=${MUTANTS_JOBS:-$(nproc 2>/dev/null || echo 1)}

# run_file DIR FILE [REGEX] >LOG: the tests of tests/host/FILE.bats (those
# whose name REGEX matches) on the scripts in DIR; a run over its time
# (MUTANTS_TIMEOUT seconds: a mutant that never ends) fails
run_file() {
	S2VIEW_SCRIPTS=$1 S2_SHELLS=$shells timeout "${MUTANTS_TIMEOUT:-600}" \
		bats ${3:+-f "$3"} "tests/host/$2.bats" 2>&1 </dev/null
}

### the hand-written list (-l): each mutant runs the files in turn, up to
### the first that fails
if [ -n "$listed" ]; then
	for f in $files; do
		run_file "$top/scripts" "$f" >"$tmp/log" || {
			echo "mutants: tests/host/$f.bats fails without any mutant:" >&2
			grep -A5 '^not ok' "$tmp/log" >&2
			exit 1
		}
	done
	mutants >"$tmp/list"
	i=0 n=0 killed=0 stale=0 survivors=
	while IFS= read -r m; do
		i=$((i + 1))
		rm -rf "$tmp/s"
		cp -r scripts "$tmp/s"
		file=${m%% @@ *}
		rest=${m#* @@ }
		from=${rest%% @@ *}
		to=${rest#* @@ }
		if ! apply "$tmp/s" "$file" "$from" "$to"; then
			echo "mutant $i: no longer applies (update tools/mutants.sh): $file: $from"
			stale=$((stale + 1))
			continue
		fi
		n=$((n + 1)) by=
		for f in $files; do
			run_file "$tmp/s" "$f" >"$tmp/log" || { by=$f; break; }
		done
		if [ -n "$by" ]; then
			killed=$((killed + 1))
			[ -z "$verbose" ] || echo "mutant $i killed by $by.bats: $file: $from -> $to"
		else
			echo "mutant $i SURVIVED: $file: $from -> $to"
			survivors="$survivors $i"
		fi
	done <"$tmp/list"
	echo "mutants: $killed of $n killed ($((killed * 100 / n))%)${survivors:+; survivors:$survivors}"
	[ "$stale" -eq 0 ] || { echo "mutants: $stale no longer apply" >&2; exit 1; }
	[ $((killed * 100 / n)) -ge "${MUTANTS_MIN:-90}" ]
	exit
fi

### the systematic mutants, and the cache of their results: per version of
### the scripts and of the list of mutants, one directory, which keeps
###   cov-SUITE/  per version of the tests (and of the probes): which tests
###               reach which line
###   results/N   mutant N: "killed FILE TEST" or "survived SUITE"
### so that a run stopped halfway goes on where it stopped. A kill stays
### good while its test is still in the suite; a survivor runs again, every
### test that reaches its line, on a new version of the tests (not only
### the new ones: a test that grows a case, or a fixture table a line,
### keeps its name).
sum() { cksum | tr ' ' '-'; } # (of stdin)
gen="tools/mutants-gen.awk"
srcs="scripts/s2lib.awk scripts/s2lib.sh scripts/s2summ.sh scripts/s2owner.sh"
# shellcheck disable=SC2086 # (word splitting: the lists of files)
awk -f $gen $srcs >"$tmp/list"
# shellcheck disable=SC2086
cache=${XDG_CACHE_HOME:-$HOME/.cache}/s2view/mutants/$(cat "$tmp/list" $srcs | sum)
suite=$({ for f in $files; do cat "tests/host/$f.bats"; done
	cat tests/host/*.bash tests/lib/ranges.awk $gen
	find tests/fixtures -type f | sort | xargs cat; } | sum)
cov=$cache/cov-$suite
mkdir -p "$cache/results"

### the results on record: "KEY N RESULT" per line, KEY the name of the
### cache directory. A run can take longer than a working day, and a cache
### under $HOME does not outlive the machine: -s writes the cache's results
### there, and every run starts from those of its version of the scripts
### that its cache does not have yet
key=${cache##*/}
record=docs/mutants-results
if [ -n "$save" ]; then
	for r in "$cache"/results/*; do
		[ -f "$r" ] && printf '%s %s %s\n' "$key" "${r##*/}" "$(cat "$r")"
	done | sort -k2,2n >"$tmp/record"
	{
		echo "# the results of tools/mutants.sh, written by tools/mutants.sh -s:"
		echo "# KEY (the version of the scripts and the mutants) N RESULT"
		cat "$tmp/record"
	} >"$record"
	echo "mutants: $(($(wc -l <"$tmp/record"))) results on record in $record"
	exit 0
fi
[ ! -f "$record" ] || awk -v k="$key" -v d="$cache/results" '
	$1 == k && $2 ~ /^[1-9][0-9]*$/ && NF > 2 {
		f = d "/" $2
		if ((getline x <f) <= 0) { # (not in the cache)
			r = $0
			sub(/^[^ ]+ [^ ]+ /, "", r)
			print r >f
		}
		close(f)
	}' "$record"
# (the tests that killed the most: from the kills, on a new cache)
[ -s "$cache/killers" ] || cat "$cache"/results/* 2>/dev/null |
	sed -n "s/^killed \([^ ]*\) \([^(].*\)$/\1$tab\2/p" >"$cache/killers"

### which tests reach which line: one run of the suite on scripts that log
### the blocks each test runs (COV in the generator). Any failure there is
### the suite's own (or the probes'): nothing is measured then.
### $cov/tests: "FILE<TAB>NUMBER<TAB>BLOCK<TAB>NAME" per test and block
if [ ! -f "$cov/tests" ]; then
	rm -rf "$cov"
	mkdir -p "$cov/s"
	cp scripts/* "$cov/s/"
	# shellcheck disable=SC2086
	awk -v COV="$cov/s" -f $gen $srcs
	: >"$cov/s/log"
	# (in MUTANTS_JOBS workers, each taking the next file not taken yet
	# (mkdir: one taker), the largest first; the probes append to the log
	# a line at a time)
	order=$(for f in $files; do
		echo "$(wc -c <"tests/host/$f.bats") $f"
	done | sort -rn | cut -d ' ' -f2)
	pids='' w=0 mj=$jobs
	[ "$mj" -gt 0 ] || mj=1 # (MUTANTS_JOBS=0, the score only: the map still)
	while [ "$w" -lt "$mj" ]; do
		(
			for f in $order; do
				mkdir "$cov/taken-$f" 2>/dev/null || continue
				echo "mutants: which lines tests/host/$f.bats reaches" >&2
				run_file "$cov/s" "$f" >"$cov/$f.tap" || {
					echo "mutants: tests/host/$f.bats fails without any mutant:" >&2
					grep -A5 '^not ok' "$cov/$f.tap" >&2
					exit 1
				}
			done
		) &
		pids="$pids $!" w=$((w + 1))
	done
	for p in $pids; do
		wait "$p" || exit 1
	done
	for f in $files; do
		sed -n 's/^ok \([0-9]*\) \(.*\)$/\2/p' "$cov/$f.tap" |
			sed 's/ # skip.*//' | awk -v f="$f" -v OFS="$tab" '{ print f, NR, $0 }'
	done >"$tmp/names"
	# (the log names the file in full: tests/host/FILE.bats)
	sed 's|^[^ ]*/\([^/ ]*\)\.bats |\1 |' "$cov/s/log" | sort -u |
		awk -v OFS="$tab" 'NR == FNR { split($0, a, "\t"); N[a[1], a[2]] = a[3]; next }
			{ print $1, $2, $3, N[$1, $2] }' "$tmp/names" - >"$cov/tests.new"
	# the tests skipped here (those of a userland not in MUTANT_SHELLS, say
	# android's) reach no line: they may reach any under their userland
	for f in $files; do
		sed -n "s/^ok [0-9]* \(.*\) # skip.*$/$f$tab\1/p" "$cov/$f.tap"
	done >"$cov/skipped"
	mv "$cov/tests.new" "$cov/tests"
fi

# the equivalent ones: FILE[:LINE] SOH CLASS SOH NEW LINE, from docs/mutants.md
# (LINE, a fourth field there: for a text that more than one line holds)
# shellcheck disable=SC2016 # (backquotes: the markdown fence)
sed -n '/^```equivalent$/,/^```$/p' docs/mutants.md | sed '1d; $d' |
	awk -F ' @@ ' -v soh="$soh" 'NF >= 3 { print $1 (NF > 3 ? ":" $4 : "") soh $2 soh $3 }' >"$tmp/equiv"
total=$(($(wc -l <"$tmp/list")))
# the order they run in: spread over the files (mutant 1, 1 + STEP, ...
# modulo the total, STEP near 0.618 of it and prime to it), so that the
# mutants run so far are a sample of all, whenever the run stops;
# MUTANTS_SAMPLE=N: the first N of that order; MUTANTS_ONLY="N ...": those
awk -v n="$total" -v only="${MUTANTS_ONLY:-}" -v max="${MUTANTS_SAMPLE:-0}" '
	function gcd(a, b) { return b ? gcd(b, a % b) : a }
	BEGIN {
		for (s = int(n * 0.618) + 1; gcd(s, n) != 1; s++) ;
		if (only != "") {
			k = split(only, o, " ")
			for (j = 1; j <= k; j++)
				print o[j]
			exit
		}
		for (k = 0; k < n && (max <= 0 || k < max); k++)
			print k * s % n + 1
	}' | awk -v soh="$soh" 'NR == FNR { m[NR] = $0; next } ($1 in m) { print $1 soh m[$1] }' \
	"$tmp/list" - >"$tmp/order"
sampled=
[ -z "${MUTANTS_SAMPLE:-}${MUTANTS_ONLY:-}" ] || sampled=" (a sample)"

# literal: each line of stdin as a regex that matches it, character for
# character (a test's name for bats -f)
literal() { sed 's/[][\\.*^$+?(){}|]/\\&/g'; }

# one mutant: N FILE LINE TEXT (its line) [OLD: the suite it survived]:
# runs the tests that reach the line, up to the first that fails, and
# writes results/N. First, for a survivor of an older suite, the tests new
# since (mostly written to kill it); then the test that killed the last
# mutant of the line's block (mutants of one block mostly fall to the
# same test), then the five that killed the most mutants so far, then the
# rest: one bats run per file and step.
one() {
	d=$tmp/s$w
	rm -rf "$d"
	cp -r scripts "$d"
	printf '%s\n' "$4" >"$d.text"
	setline "$d" "$2" "$3" "$d.text"
	block=$(awk -v f="$2" -v l="$3" '$1 == f && $2 == l { print $3; exit }' "$cov/s/map")
	# FILE<TAB>NAME of the tests that reach the line, in that order
	{
		[ ! -f "$cache/cov-${5:-none}/tests" ] ||
			awk -F "$tab" -v b="$block" -v OFS="$tab" \
				'FILENAME == ARGV[1] { O[$1, $4]; next }
				$3 == b && !(($1, $4) in O) { print $1, $4 }' \
				"$cache/cov-$5/tests" "$cov/tests"
		cat "$cache/hint-$block" 2>/dev/null || : # (none yet)
		awk -F "$tab" -v b="$block" -v OFS="$tab" \
			'FILENAME == ARGV[1] { K[$0]++; next } # (not NR == FNR: it may be empty)
			$3 == b { print K[$1 FS $4] + 0, $1, $4 }' \
			"$cache/killers" "$cov/tests" | sort -s -t "$tab" -k1,1nr | cut -f2-
		cat "$cov/skipped" 2>/dev/null || : # (a map made before it had none)
	} | awk '!seen[$0]++' >"$d.sel"
	r="survived $suite"
	for step in 1,1 2,6 '7,$'; do
		sed -n "${step}p" "$d.sel" >"$d.step"
		for f in $files; do
			# (the tests' names as one anchored regex, every character literal)
			re=$(awk -F "$tab" -v f="$f" '$1 == f { print $2 }' "$d.step" |
				literal | paste -sd '|' -)
			[ -n "$re" ] || continue
			st=0
			run_file "$d" "$f" "^($re)\$" >"$d.log" || st=$?
			[ "$st" -ne 0 ] || continue
			t=$(sed -n 's/^not ok [0-9]* //p' "$d.log" | sed 1q)
			if [ -n "$t" ]; then
				r="killed $f $t"
				printf '%s\t%s\n' "$f" "$t" >"$d.hint"
				mv "$d.hint" "$cache/hint-$block"
				printf '%s\t%s\n' "$f" "$t" >>"$cache/killers"
			elif [ "$st" -eq 124 ]; then
				r="killed $f (no test finished: timeout)"
			else # (bats stopped from outside: nothing is known)
				return 0
			fi
			printf "%s\n" "$r" >"$cache/results/$1"
			return
		done
	done
	printf "%s\n" "$r" >"$cache/results/$1"
}

# mutant M (FILE SOH LINE SOH CLASS SOH TEXT): sets file, line, class,
# text (without its indentation: ftext); returns 1 for an equivalent one
parse() {
	file=${1%%"$soh"*}
	rest=${1#*"$soh"}
	line=${rest%%"$soh"*}
	rest=${rest#*"$soh"}
	class=${rest%%"$soh"*}
	text=${rest#*"$soh"}
	ftext=$(printf "%s\n" "$text" | sed 's/^[[:space:]]*//')
	! grep -qxF -e "$file$soh$class$soh$ftext" \
		-e "$file:$line$soh$class$soh$ftext" "$tmp/equiv"
}

### the mutants, in MUTANTS_JOBS workers (default: one per CPU), each
### taking the next mutant of the order that nobody took (mkdir), if not in
### the cache yet (not every JOBS-th: a run that goes on from where one
### stopped has its mutants left in one stretch of the order, or one worker
### a mutant that runs to its timeout)
w=0
while [ "$w" -lt "$jobs" ]; do
	(
		while IFS= read -r m; do
			i=${m%%"$soh"*}
			# (done: killed, or survived this version of the tests)
			prev=$(cat "$cache/results/$i" 2>/dev/null) || prev=
			case $prev in
			killed* | "survived $suite") continue ;;
			esac
			parse "${m#*"$soh"}" || continue
			mkdir "$tmp/taken-$i" 2>/dev/null || continue
			one "$i" "$file" "$line" "$text" "${prev#survived }"
			[ -z "$verbose" ] || echo "mutant $i: $(cat "$cache/results/$i")"
		done <"$tmp/order"
	) &
	w=$((w + 1))
done
wait

### the score, from the cache
# (FILE<TAB>NAME of every test in the suite now)
# (and those skipped while the map was made: a kill under their userland,
# MUTANT_SHELLS=android say, counts)
{
	cut -f1,4 "$cov/tests"
	cat "$cov/skipped" 2>/dev/null || :
} | sort -u >"$tmp/tests"
n=0 killed=0 equiv=0 missing=0
while IFS= read -r m; do
	i=${m%%"$soh"*}
	parse "${m#*"$soh"}" || { equiv=$((equiv + 1)); continue; }
	[ -f "$cache/results/$i" ] || { missing=$((missing + 1)); continue; }
	r=$(cat "$cache/results/$i")
	case $r in
	killed*)
		# (a kill by a test no longer in the suite: unknown, run it again)
		f=${r#killed }; t=${f#* }; f=${f%% *}
		if [ "${t#(}" = "$t" ] && ! grep -qxF "$f$tab$t" "$tmp/tests"; then
			rm -f "$cache/results/$i"; missing=$((missing + 1)); continue
		fi
		killed=$((killed + 1)) ;;
	"survived $suite") echo "mutant $i SURVIVED: $file:$line ($class): $ftext" ;;
	*) missing=$((missing + 1)); continue ;; # (survived older tests)
	esac
	n=$((n + 1))
done <"$tmp/order"

[ "$n" -gt 0 ] || { echo "mutants: none run" >&2; exit 1; }
score=$((killed * 100 / n))
notrun=
[ "$missing" -eq 0 ] || notrun=", $missing not run yet (run again)"
echo "mutants: $killed of $n killed ($score%) of $total$sampled," \
	"$equiv equivalent not counted$notrun"
[ "$missing" -eq 0 ] && [ "$score" -ge "${MUTANTS_MIN:-90}" ]
